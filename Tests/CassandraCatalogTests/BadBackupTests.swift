@testable import Cassandra
@testable import CassandraCatalog
import Foundation
import Testing

/// Broken backups fail with errors that name the object and what is wrong, and never give rows.
@Suite(.serialized) struct BadBackupTests {
    static func fresh() throws -> (TempDir, String) {
        let dir = try TempDir()
        try BackupHistoryTests.make(dir)
        return (dir, dir.path + "/backups")
    }

    static func file(_ root: String, suffix: String, node: String = "n1") throws -> String {
        let rel = try FileManager.default.subpathsOfDirectory(atPath: root + "/" + node).sorted().first { $0.hasSuffix(suffix) }!
        return root + "/" + node + "/" + rel
    }

    static func fails(_ root: String, _ sql: String = "SELECT * FROM cassandra.shop.users", _ check: (String) -> Bool) throws {
        let s = try SQLRun.session(root)
        #expect { try SQLRun.rows(s, sql) } throws: { check("\($0)") }
    }

    @Test func brokenMetadataAndFilesAreNamed() throws {
        do {
            let (dir, root) = try Self.fresh()
            defer { dir.remove() }
            try "[{\"keyspace\": ".write(toFile: root + "/n3/b2/meta/manifest.json", atomically: true, encoding: .utf8)
            try Self.fails(root) { $0.contains("n3/b2/meta/manifest.json") }
        }
        do {
            let (dir, root) = try Self.fresh()
            defer { dir.remove() }
            let schema = root + "/n1/b2/meta/schema.cql"
            let attrs = try FileManager.default.attributesOfItem(atPath: schema)
            try "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '3'};\nCREATE TABLE shop.users (id int PRIMARY KEY, email text,\n".write(toFile: schema, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: attrs[.modificationDate]!], ofItemAtPath: schema)
            try Self.fails(root) { $0.contains("n1/b2/meta/schema.cql") && $0.contains("line") }
        }
        do {
            // A Data.db of another size than the manifest says: verification names it.
            let (dir, root) = try Self.fresh()
            defer { dir.remove() }
            let data = try Self.file(root, suffix: "nb-2-big-Data.db", node: "n2")
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: data))
            try h.truncate(atOffset: 10)
            try h.close()
            try Self.fails(root) { $0.contains("nb-2-big-Data.db") && $0.contains("is 10 bytes") && $0.contains("manifest") }
        }
        do {
            // Bytes changed in place (same size): the chunk checksum names the file and offset.
            let (dir, root) = try Self.fresh()
            defer { dir.remove() }
            let data = try Self.file(root, suffix: "nb-1-big-Data.db", node: "n2")
            var bytes = try Data(contentsOf: URL(fileURLWithPath: data))
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: URL(fileURLWithPath: data))
            try Self.fails(root, "SELECT * FROM cassandra.shop.users FOR VERSION AS OF 'b1'") { $0.contains("nb-1-big-Data.db") && $0.contains("cassandra.shop.users") }
        }
        do {
            // Summary.db rewritten after the manifest (index summary redistribution): a warning.
            let (dir, root) = try Self.fresh()
            defer { dir.remove() }
            let summary = try Self.file(root, suffix: "nb-2-big-Summary.db", node: "n4")
            let original = try Data(contentsOf: URL(fileURLWithPath: summary))
            try (original + Data([0])).write(to: URL(fileURLWithPath: summary))
            let s = try SQLRun.session(root)
            _ = try SQLRun.rows(s, "SELECT id FROM cassandra.shop.users")
            let warnings = s.warnings.drain()
            #expect(warnings.contains { $0.contains("nb-2-big-Summary.db") && $0.contains("may rewrite") }, "\(warnings)")
        }
    }

    @Test func unknownNamesAndEmptyTables() throws {
        let (dir, root) = try Self.fresh()
        defer { dir.remove() }
        let s = try SQLRun.session(root)
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.shop.nothing") } throws: { "\($0)".contains("does not exist") }
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.shop") } throws: { "\($0)".contains("keyspace.table") }
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.system.nothing") } throws: { "\($0)".contains("does not exist") }
        // A table b2's schema has (b3, incomplete, does not: it is not consulted under ALL) and
        // no node flushed: no rows, no error.
        for node in ["n1", "n2", "n3", "n4"] {
            let path = root + "/\(node)/b2/meta/schema.cql"
            let attrs = try FileManager.default.attributesOfItem(atPath: path)
            try (try String(contentsOfFile: path, encoding: .utf8) + "CREATE TABLE shop.empty (k int PRIMARY KEY, v text);\n").write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: attrs[.modificationDate]!], ofItemAtPath: path)
        }
        #expect(try SQLRun.rows(s, "SELECT * FROM cassandra.shop.empty").isEmpty)
        #expect(try SQLRun.text(s, "SELECT count(*) FROM cassandra.shop.empty") == "0")
    }
}
