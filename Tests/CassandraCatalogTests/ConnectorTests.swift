import Cassandra
import CassandraCatalog
import FixtureSupport
import Foundation
import JSON
import Testing

/// The data-model connectors end to end: a generated KV + TS cluster is backed up, each
/// connector moves it to Iceberg (by `movesql connector run` and by running its SQL file as
/// a script), and pyiceberg reads every output table, which must equal the generator's
/// expected logical data (expected/connectors/, computed by the generator from what it wrote,
/// not by the connector's SQL) row for row.
@Suite(.serialized)
struct ConnectorTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_connector.py").path
    static let sqlFolder = Fixtures.repositoryRoot.appendingPathComponent("sql/connectors").path

    static var binary: String? {
        if let p = ProcessInfo.processInfo.environment["MOVESQL_BIN"] { return p }
        let p = Fixtures.repositoryRoot.appendingPathComponent(".build/debug/movesql").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    /// Runs movesql; its exit status, standard output and standard error.
    static func movesql(_ arguments: [String]) throws -> (Int32, String, String) {
        guard let binary else { throw FixtureError("no movesql binary: run `swift build` (make test does) or set MOVESQL_BIN") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// A KV + TS cluster of 4 nodes with vnodes and replicas that miss writes; the rows of
    /// each connector expectation it wrote.
    static func generate(_ dir: TempDir) throws -> [String: Int] {
        _ = try BackupTableTests.synth(dir, seed: 11) { o in
            o.families = [.kv, .ts]
            o.sizeMB = 16
            o.chunkedValues = 3
        }
        var rows: [String: Int] = [:]
        let folder = dir.path + "/expected/connectors"
        for f in try FileManager.default.contentsOfDirectory(atPath: folder) where f.hasSuffix(".jsonl") {
            rows[String(f.dropLast(6))] = try String(contentsOfFile: folder + "/" + f, encoding: .utf8).split(separator: "\n").count
        }
        return rows
    }

    /// pyiceberg's reading of `table` against expected/connectors/`expected`.jsonl.
    static func check(_ dir: TempDir, _ table: String, _ expected: String, kind: String) throws -> JSONValue {
        let wh = dir.path + "/wh"
        let out = try JSONParser.parse(try Fixtures.runPython(script, [wh + "/catalog.db", wh, table, "\(dir.path)/expected/connectors/\(expected).jsonl", kind]))
        #expect(out["missing"] == .array([]), "\(table): rows the generator expects that pyiceberg does not read: \(out["missing"]!)")
        #expect(out["extra"] == .array([]), "\(table): rows pyiceberg reads that the generator does not expect: \(out["extra"]!)")
        #expect(out["duplicates"] == .int(0), "\(table)")
        #expect(out["rows"] == out["expected"], "\(table): \(out["rows"]!) rows, \(out["expected"]!) expected")
        return out
    }

    @Test(.enabled(if: Fixtures.pythonAvailable && (binary != nil || Fixtures.isCI), "needs the interop venv and .build/debug/movesql (make test makes both); CI always runs it"))
    func connectorsMoveTheGeneratedModelsExactly() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let expected = try Self.generate(dir)
        // The generator made every case the connectors must handle.
        #expect((expected["kv.items"] ?? 0) > 5000 && (expected["kv.desc_items"] ?? 0) > 500)
        #expect(expected["kv.items_errors"] == 1, "the chunk set that lost a chunk")
        #expect((expected["ts.playback_events"] ?? 0) > 1000 && expected["ts.playback_events_errors"] == 1)
        let common = ["--backups", dir.path + "/backups", "--warehouse", dir.path + "/wh"]

        // Key-Value, through `connector run` (ASC and DESC namespaces).
        for t in ["items", "desc_items"] {
            let (status, out, err) = try Self.movesql(["connector", "run", "kv", "--source", "cassandra.kv.\(t)", "--target", "iceberg.kv.\(t)"] + common)
            #expect(status == 0, "\(err)")
            #expect(out.contains("rows written over iceberg.kv.\(t);") && out.contains("read backup 20261130T0000"), "\(out)")
            #expect(err.contains("note: read cassandra.kv.\(t)_chunk from backup 20261130T0000"), "both tables from the pinned backup: \(err)")
            #expect(err.contains("warning: 1 row could not be emitted whole and went to iceberg.kv.items_errors") == (t == "items"), "\(err)")
        }
        var kv = try Self.check(dir, "kv.items", "kv.items", kind: "kv")
        let expectedKV: [[JSONValue]] = [
            [.string("id"), .string("string"), .bool(true)], [.string("item_key"), .string("binary"), .bool(true)],
            [.string("value"), .string("binary"), .bool(false)], [.string("value_len"), .string("long"), .bool(false)],
            [.string("codec"), .string("string"), .bool(false)], [.string("chunk_count"), .string("int"), .bool(false)],
            [.string("value_metadata"), .string("binary"), .bool(false)], [.string("write_ts"), .string("timestamptz"), .bool(false)],
            [.string("expires_at"), .string("timestamptz"), .bool(false)],
        ]
        if case .array(let fields)? = kv["schema"] {
            #expect(Array(fields.prefix(9)) == expectedKV.map { .array($0) }, "\(fields)")
            #expect("\(fields.last!)".contains("_source") && "\(fields.last!)".contains("snapshot_ts"))
        }
        #expect(kv["spec"] == .array([.array([.string("id_bucket"), .string("bucket[16]")])]))
        #expect(kv["identifier"] == .array([.string("id"), .string("item_key")]), "the identifier fields: \(kv["identifier"]!)")
        #expect("\(kv["sources"]!)".contains("\\\"backup\\\": \\\"20261130T0000\\\""), "\(kv["sources"]!)")
        kv = try Self.check(dir, "kv.desc_items", "kv.desc_items", kind: "kv")
        let errors = try Self.check(dir, "kv.items_errors", "kv.items_errors", kind: "kv_errors")
        // The incomplete set is reported with what is missing, never emitted short.
        #expect("\(errors["problems"]!)".contains("chunks of version") && "\(errors["problems"]!)".contains("(their indices have gaps); the item committed"),
                "\(errors["problems"]!)")
        _ = try Self.check(dir, "kv.desc_items_errors", "kv.desc_items_errors", kind: "kv_errors")

        // Time-Series, by running the SQL file as a script with parameters.
        let (status, _, err) = try Self.movesql(["--script", Self.sqlFolder + "/ts.sql", "-D", "keyspace=ts", "-D", "namespace=playback",
                                                 "-D", "target=iceberg.ts.playback_events", "-D", "buckets=8",
                                                 ] + common + ["--init", try Self.schemaInit(dir, "ts")])
        #expect(status == 0, "\(err)")
        // The wide_ copy is never read: nothing counted twice.
        #expect(!err.contains("wide_data"), "\(err)")
        let ts = try Self.check(dir, "ts.playback_events", "ts.playback_events", kind: "ts")
        #expect(ts["spec"] == .array([.array([.string("event_time_day"), .string("day")]), .array([.string("time_series_id_bucket"), .string("bucket[8]")])]))
        #expect("\(ts["schema"]!)".contains("map<string, binary>"))
        #expect(ts["identifier"] == .array([.string("event_id"), .string("event_time"), .string("time_series_id")]), "\(ts["identifier"]!)")
        let tsErrors = try Self.check(dir, "ts.playback_events_errors", "ts.playback_events_errors", kind: "ts_errors")
        #expect("\(tsErrors["problems"]!)".contains("is outside its slice data_"), "\(tsErrors["problems"]!)")

        // The reference time is explicit: a later one expires more items, and the run says so.
        let laterMicros: Int64 = 1_798_675_200_000_000  // 2026-12-31T00:00:00Z
        let stillLive = try String(contentsOfFile: dir.path + "/expected/connectors/kv.items.jsonl", encoding: .utf8).split(separator: "\n").filter { line in
            guard case .int(let at)? = try JSONParser.parse(String(line))["expires_at"] else { return true }
            return at > laterMicros
        }.count
        #expect(stillLive < expected["kv.items"]!, "some items expire before then")
        let (later, laterOut, laterErr) = try Self.movesql(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.later",
                                                     "--ttl-reference-time", "2026-12-31T00:00:00Z", "--consistency", "QUORUM"] + common)
        #expect(later == 0, "\(laterErr)")
        #expect(laterOut.contains("kv: \(stillLive) rows written over iceberg.kv.later;"), "\(laterOut)")
        #expect(laterErr.contains("TTL reference time 2026-12-31T00:00:00.000Z (SET ttl_reference_time), consistency QUORUM"), "\(laterErr)")

        // A slice the metadata keeps whose table the backup lacks stops the run, naming it.
        let broken = dir.path + "/broken"
        try FileManager.default.copyItem(atPath: dir.path + "/backups", toPath: broken)
        for node in try FileManager.default.contentsOfDirectory(atPath: broken) where node != "index" {
            let path = "\(broken)/\(node)/20261130T0000/meta/schema.cql"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let cut = text.replacing(#/CREATE TABLE ts\.data_20261125 [^;]*;\n/#, with: "")
            #expect(cut != text)
            try cut.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let (missing, _, missingErr) = try Self.movesql(["connector", "run", "ts", "--source", "cassandra.ts", "--namespace", "playback",
                                                         "--target", "iceberg.ts.broken", "--backups", broken, "--warehouse", dir.path + "/wh"])
        #expect(missing != 0)
        #expect(missingErr.contains("slice data_20261125 (CLOSED, from 2026-11-25 12:00:00) of namespace playback has no table in backup 20261130T0000"), "\(missingErr)")

        // Re-running overwrites: the same rows, one more snapshot.
        let (again, out, againErr) = try Self.movesql(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.items",
                                                       "--as-of", "20261130T0000"] + common)
        #expect(again == 0, "\(againErr)")
        #expect(out.contains("\(expected["kv.items"]!) rows written over iceberg.kv.items;"), "\(out)")
        _ = try Self.check(dir, "kv.items", "kv.items", kind: "kv")
    }

    /// An init file that creates the namespace a script run writes into (`connector run`
    /// does that itself).
    static func schemaInit(_ dir: TempDir, _ namespace: String) throws -> String {
        let path = dir.path + "/init-\(namespace).sql"
        try "CREATE SCHEMA IF NOT EXISTS iceberg.\(namespace);\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.enabled(if: binary != nil || Fixtures.isCI, "needs .build/debug/movesql (make test builds it); CI always runs it"))
    func badInvocationsSayWhatIsWrong() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try BackupTableTests.synth(dir) { o in
            o.families = [.kv]
            o.sizeMB = 0.5
            o.wideRows = 0
            o.chunkedValues = 0
        }
        let common = ["--backups", dir.path + "/backups", "--warehouse", dir.path + "/wh"]
        func error(_ args: [String]) throws -> String {
            let (status, _, err) = try Self.movesql(args + common)
            #expect(status != 0, "\(args) succeeded")
            return err
        }
        #expect(try error(["connector", "run", "graph", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t"]).contains("no connector graph (kv, ts)"))
        #expect(try error(["connector", "run", "ts", "--source", "cassandra.ts", "--target", "iceberg.ts.t"]).contains("connector ts needs --namespace"))
        #expect(try error(["connector", "run", "ts", "--source", "cassandra.ts.x", "--namespace", "n", "--target", "iceberg.ts.t"]).contains("--source is catalog.keyspace for connector ts"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--set", "source=x"]).contains("source is set by --source, not --set"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--set", "bukets=4"]).contains("connector kv has no parameter bukets"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.t"]).contains("--target is catalog.namespace.table"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--as-of", "nope"]).contains("no backup named nope"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--as-of", "2020-01-01T00:00:00Z"]).contains("no complete backup started at or before 2020-01-01"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.nothing", "--target", "iceberg.kv.t"]).contains("cassandra.kv.nothing does not exist"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--consistency", "TWO"]).contains("consistency 'TWO' is not one of ALL, QUORUM, ONE"))
        #expect(try error(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--ttl-reference-time", "soon"]).contains("ttl_reference_time 'soon' is not a timestamp"))
        // A source of the wrong shape: the error is at its line of the connector's file.
        let kvSQL = try String(contentsOfFile: Self.sqlFolder + "/kv.sql", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let line = (kvSQL.firstIndex { $0.contains("SELECT id, key AS item_key, value, value_metadata") } ?? 0) + 1
        let shape = try error(["connector", "run", "kv", "--source", "cassandra.kv.items_chunk", "--target", "iceberg.kv.t"])
        #expect(shape.contains("sql/connectors/kv.sql: binder error at line \(line), column 40: column value_metadata not found"), "\(shape)")
        // A script run without a parameter it needs says which, where.
        let noTarget = try error(["--script", Self.sqlFolder + "/kv.sql", "-D", "source=cassandra.kv.items"])
        #expect(noTarget.contains("${target} has no value: pass -D target=…"), "\(noTarget)")
        // The dry run prints the SQL with every parameter filled and the backup pinned.
        let (status, sql, _) = try Self.movesql(["connector", "run", "kv", "--source", "cassandra.kv.items", "--target", "iceberg.kv.t", "--dry-run"] + common)
        #expect(status == 0)
        #expect(sql.contains("FROM cassandra.kv.items FOR VERSION AS OF '20261130T0000'") && sql.contains("FROM cassandra.kv.items_chunk FOR VERSION AS OF '20261130T0000'"))
        #expect(sql.contains("PARTITIONED BY (bucket(16, id))") && !sql.contains("${"))
    }
}
