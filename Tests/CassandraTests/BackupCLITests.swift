@testable import Cassandra
import Foundation
import Testing

/// `movesql backup write` and `backup synth` through the executable: options, output, exit
/// status, and a bad line that stops the run with its place and leaves nothing behind.
struct BackupCLITests {
    @Test func writeAndSynthThroughTheCommandLine() throws {
        let binary = try #require(CLI.binary, "the movesql executable next to the test bundle")
        let dir = try BackupPiecesTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = dir.appendingPathComponent("schema.cql"), topology = dir.appendingPathComponent("tokenmap.json")
        try BackupWriterTests.schema.write(to: schema, atomically: true, encoding: .utf8)
        try BackupWriterTests.tokenMap.write(to: topology, atomically: true, encoding: .utf8)
        let good = dir.appendingPathComponent("good.jsonl"), bad = dir.appendingPathComponent("bad.jsonl")
        try BackupWriterTests.lines.joined(separator: "\n").write(to: good, atomically: true, encoding: .utf8)
        try (BackupWriterTests.lines.prefix(2) + [#"{"nodes":["n1.example.com"],"flush":1,"table":"ks.users","kind":"upsert","partition":{"id":1},"timestamp":1}"#])
            .joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        let common = ["backup", "write", "--schema", schema.path, "--topology", topology.path, "--started", "2026-11-30T00:00:00Z"]

        let out = dir.appendingPathComponent("out").path
        let ok = try CLI.run(binary, common + ["--mutations", good.path, "--backup", "b1", "--out", out, "--format", "oa", "--compression", "zstd"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("backup b1 in \(out): \(BackupWriterTests.lines.count) writes, started 2026-11-30T00:00:00.000Z"))
        #expect(ok.stdout.contains("n1.example.com:") && ok.stdout.contains("far.example.com: 0 writes, 0 SSTables"))
        let users = try FileManager.default.contentsOfDirectory(atPath: "\(out)/n1.example.com/data/ks").first { $0.hasPrefix("users-") }!
        let names = try FileManager.default.contentsOfDirectory(atPath: "\(out)/n1.example.com/data/ks/\(users)")
        #expect(names.contains("oa-1-big-Data.db") && names.contains("oa-3-big-CompressionInfo.db"), "\(names)")
        let dumped = try CLI.run(binary, ["sstable", "dump", "--schema", schema.path, "--reference-time", "1970-01-01T00:00:03Z",
                                          "\(out)/n3.example.com/data/ks/" + (try FileManager.default.contentsOfDirectory(atPath: "\(out)/n3.example.com/data/ks").first { $0.hasPrefix("kv-") }!)])
        #expect(dumped.status == 0 && dumped.stdout == "{\"k\": \"key1\", \"val\": \"0xcafe\"}\n{\"k\": \"key2\", \"val\": \"0x\"}\n", "\(dumped.stdout)\(dumped.stderr)")

        // The backup as SQL tables: --backups, then $MOVESQL_BACKUPS; a missing folder says how to set it.
        let listed = try CLI.run(binary, ["--backups", out, "--format", "csv", "-e", "SELECT name, complete FROM cassandra.system.backups"])
        #expect(listed.status == 0 && listed.stdout == "name,complete\nb1,true\n", "\(listed.stdout)\(listed.stderr)")
        // key2 expired before the backup started.
        let viaEnv = try CLI.run(binary, ["--format", "csv", "-e", "SELECT k, val FROM cassandra.ks.kv ORDER BY k"], environment: ["MOVESQL_BACKUPS": out])
        #expect(viaEnv.status == 0 && viaEnv.stdout == "k,val\nkey1,\\xcafe\n", "\(viaEnv.stdout)\(viaEnv.stderr)")
        // An init file configures the session first (catalogs, settings); its errors name it.
        let initSQL = dir.appendingPathComponent("init.sql")
        try "ATTACH 'file://\(out)' AS prod (TYPE cassandra, BACKUP 'b1');\nSET consistency = 'QUORUM';\n".write(to: initSQL, atomically: true, encoding: .utf8)
        let configured = try CLI.run(binary, ["--init", initSQL.path, "--format", "csv", "-e", "SELECT count(*) FROM prod.ks.kv"])
        #expect(configured.status == 0 && configured.stdout == "count(*)\n1\n", "\(configured.stdout)\(configured.stderr)")
        try "ATTACH 'file:///nowhere' AS x (TYPE cassandra);".write(to: initSQL, atomically: true, encoding: .utf8)
        let badInit = try CLI.run(binary, ["-e", "SELECT 1"], environment: ["MOVESQL_INIT": initSQL.path])
        #expect(badInit.status == 1 && badInit.stderr.contains("init.sql") && badInit.stderr.contains("no such folder"), "\(badInit.stderr)")
        // A job that writes says what it read; a query does not.
        let job = try CLI.run(binary, ["--backups", out, "-e", "CREATE TABLE copy AS SELECT * FROM cassandra.ks.kv; SELECT count(*) FROM copy"])
        #expect(job.status == 0 && job.stderr.contains("note: read cassandra.ks.kv from backup b1 (started 2026-11-30T00:00:00.000Z), TTL reference time 2026-11-30T00:00:00.000Z (the backup's start), consistency ALL"), "\(job.stderr)")
        #expect(listed.stderr.isEmpty, "\(listed.stderr)")
        let missing = try CLI.run(binary, ["--backups", dir.appendingPathComponent("nowhere").path, "-e", "SELECT * FROM cassandra.ks.kv"])
        #expect(missing.status == 1 && missing.stderr.contains("nowhere") && missing.stderr.contains("MOVESQL_BACKUPS"), "\(missing.stderr)")

        let failed = try CLI.run(binary, common + ["--mutations", bad.path, "--backup", "b2", "--out", dir.appendingPathComponent("out2").path])
        #expect(failed.status == 1 && failed.stderr.contains("bad.jsonl:3:") && failed.stderr.contains("\"kind\""), "\(failed.stderr)")
        let left = FileManager.default.enumerator(atPath: dir.appendingPathComponent("out2").path)?.allObjects as? [String] ?? []
        #expect(!left.contains { $0.hasSuffix(".db") || $0.hasSuffix(".json") || $0.hasSuffix(".cql") }, "\(left)")
        let invalid = try CLI.run(binary, common + ["--mutations", good.path, "--backup", "b3", "--out", out, "--compression", "gzip"])
        #expect(invalid.status != 0 && invalid.stderr.contains("--compression"))

        let synthDir = dir.appendingPathComponent("synth").path
        let synth = try CLI.run(binary, ["backup", "synth", "--out", synthDir, "--size-mb", "0.2", "--wide-rows", "0", "--chunked-values", "0",
                                         "--families", "types,ts", "--nodes", "2", "--rf", "2", "--seed", "5"])
        #expect(synth.status == 0, "\(synth.stderr)")
        #expect(synth.stdout.contains("backup 20261130T0000 of 2 nodes") && synth.stdout.contains("synth.all_types:"))
        for f in ["schema.cql", "tokenmap.json", "mutations.jsonl", "synth.json", "expected/synth.all_types.jsonl",
                  "backups/node1.dc1.synth.local/20261130T0000/meta/manifest.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(synthDir)/\(f)"), "\(f)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(synthDir)/expected/kv.items.jsonl"), "only the families asked for")
        let refused = try CLI.run(binary, ["backup", "synth", "--out", synthDir + "2", "--families", "types,graph"])
        #expect(refused.status != 0 && refused.stderr.contains("graph"))
    }
}
