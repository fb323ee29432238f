import Cassandra
import Foundation
import FixtureSupport
import Testing

/// The project's own demo SSTables (written by scripts/make_demo_sstables.py, an independent
/// Python encoder) read back: two files merged, an update winning by timestamp, a row and a
/// partition deletion, a TTL expired at the reference time.
@Suite("Demo SSTables")
struct DemoSSTableTests {
    static func makeDemo(_ script: String = "make_demo_sstables.py") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-demo-\(UUID().uuidString)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Fixtures.repositoryRoot.appendingPathComponent("scripts/\(script)").path, dir.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw FixtureError("\(script) failed") }
        return dir
    }

    func dump(_ dir: URL, now: Int64?) throws -> [String] {
        let schema = try CQLSchemaParser.parse(String(contentsOf: dir.appendingPathComponent("schema.cql"), encoding: .utf8))[0]
        let reader = try TableReader(path: dir.path, schema: schema)
        let rows = try reader.rows(now: now)
        var lines: [String] = []
        while let r = try rows.next() {
            lines.append("{" + zip(rows.columnNames, r).map { "\"\($0)\": \(ValueJSON.render($1))" }.joined(separator: ", ") + "}")
        }
        return lines
    }

    @Test func mergedRowsMatchTheGenerator() throws {
        let dir = try Self.makeDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let expected = try String(contentsOf: dir.appendingPathComponent("expected.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let reference = ISO8601.parseSeconds("2026-01-01T00:00:00Z")!
        #expect(try dump(dir, now: reference) == expected)
    }

    /// Types no shared fixture holds (non-frozen UDTs, vectors) with frozen collections, tuples,
    /// durations, varints, decimals, non-frozen lists, maps and sets and an element tombstone,
    /// written by scripts/make_type_sstables.py.
    @Test func typesTheFixturesLack() throws {
        let dir = try Self.makeDemo("make_type_sstables.py")
        defer { try? FileManager.default.removeItem(at: dir) }
        let expected = try String(contentsOf: dir.appendingPathComponent("expected.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(try dump(dir, now: nil) == expected)
        // The header's types read back to the marshal names the encoder wrote.
        let sstable = try #require(try SSTable.discover(path: dir.path).first)
        let names = Set(sstable.header.regularColumns.map(\.type.marshalName))
        #expect(names.contains("org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType,3)"))
        #expect(sstable.header.regularColumns.first { $0.name == "pt" }?.type.isMultiCell == true)
    }

    @Test func ttlIsKeptWithoutExpiry() throws {
        let dir = try Self.makeDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = try dump(dir, now: nil)
        #expect(lines.contains { $0.contains("\"bo@example.com\", \"score\": 7.25") })
        // Before the TTL runs out (written 2025-06-01T00:00Z with a 1-hour TTL) it is live too.
        let before = try dump(dir, now: ISO8601.parseSeconds("2025-06-01T00:30:00Z")!)
        #expect(before.contains { $0.contains("\"score\": 7.25") })
        let after = try dump(dir, now: ISO8601.parseSeconds("2025-06-01T01:00:00Z")!)
        #expect(!after.contains { $0.contains("\"score\": 7.25") })
    }

    @Test func eachFileAloneShowsItsOwnContent() throws {
        let dir = try Self.makeDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = try CQLSchemaParser.parse(String(contentsOf: dir.appendingPathComponent("schema.cql"), encoding: .utf8))[0]
        let first = try TableReader(path: dir.appendingPathComponent("nb-1-big-Data.db").path, schema: schema)
        var n = 0
        let rows = try first.rows(now: nil)
        while try rows.next() != nil { n += 1 }
        #expect(n == 5)
    }
}
