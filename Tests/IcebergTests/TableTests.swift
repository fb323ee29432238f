import Columnar
import FixtureSupport
import Foundation
@testable import Iceberg
import JSON
import Parquet
import Testing

/// Tables movesql writes, opened by pyiceberg (every snapshot, a pruned scan, an append of its
/// own), their files by DuckDB.
@Suite(.enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
struct TableTests {
    static let fields: [Field] = [
        Field("id", .bigint, nullable: false), Field("name", .varchar), Field("score", .double), Field("ts", .timestamp),
        Field("d", .date), Field("u", .uuid), Field("amount", .decimal(precision: 12, scale: 2)),
        Field("tags", .list(.varchar)), Field("attrs", .map(.varchar, .bigint)),
        Field("addr", .structure([Field("city", .varchar), Field("zip", .integer)])),
    ]

    static func rows(_ range: Range<Int>) -> [[Value]] {
        range.map { i in
            let n = Int64(i)
            return [
                .int(n), i % 7 == 0 ? .null : .string("name \(i) é"), i == 5 ? .double(.nan) : .double(Double(i) / 4),
                .timestamp(1_700_000_000_000_000 + n * 1_000_003), .date(Int32(19000 + i % 400)),
                .uuid(UInt128(n) << 64 | 0xABCD), .decimal(Int128(n * 137 - 5000), scale: 2),
                i % 5 == 0 ? .null : .list((0..<(i % 3)).map { .string("t\($0)") }),
                .map(keys: (0..<(i % 2)).map { .string("k\($0)") }, values: (0..<(i % 2)).map { .int(n + Int64($0)) }),
                i % 9 == 0 ? .null : .structure([.string("city \(i % 10)"), .int(Int64(10000 + i))]),
            ]
        }
    }

    static func batch(_ rows: [[Value]]) -> Batch {
        var builders = fields.map { ColumnBuilder(type: $0.type) }
        for r in rows { for (k, v) in r.enumerated() { builders[k].append(v) } }
        return Batch(columns: builders.map { $0.finish() }, count: rows.count)
    }

    static func canonical(_ rows: [[Value]], _ schema: IcebergSchema) -> [String] {
        let fields = schema.fields.map { Field($0.name, $0.type.engineType, nullable: !$0.required) }
        return rows.map { Canonical.row($0, fields) }.sorted()
    }

    @Test func pyicebergReadsEverySnapshotAndAppends() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-table-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let warehouse = root + "/warehouse"
        let catalog = try SQLiteCatalog(path: root + "/catalog.db")
        try catalog.createNamespace("analytics")
        let schema = try IcebergSchema.fresh(Self.fields)
        let table = try IcebergTable.create(catalog: catalog, warehouse: warehouse, namespace: "analytics", name: "events", schema: schema)
        #expect(throws: IcebergError.self) { _ = try IcebergTable.create(catalog: catalog, warehouse: warehouse, namespace: "analytics", name: "events", schema: schema) }

        func insert(_ rows: [[Value]], files: Int, operation: IcebergTable.Operation = .append) throws -> Int64 {
            var options = ParquetWriteOptions()
            options.rowGroupBytes = 64 << 10
            let writer = try IcebergTableWriter(table: table, options: options, targetFileBytes: Int64(400 << 10) / Int64(files))
            for chunk in stride(from: 0, to: rows.count, by: 1000) { try writer.write(Self.batch(Array(rows[chunk..<min(chunk + 1000, rows.count)]))) }
            return try table.commit(try writer.finish(), operation: operation)
        }
        let first = Self.rows(0..<5000), second = Self.rows(5000..<8000), third = Self.rows(100..<1100)
        let s1 = try insert(first, files: 2)
        let s2 = try insert(second, files: 1)
        let s3 = try insert(third, files: 1, operation: .overwrite)

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_table.py").path
        let out = try JSONParser.parse(try Fixtures.runPython(script, [root + "/catalog.db", warehouse, "analytics.events", "600"]))
        guard case .array(let snaps)? = out["snapshots"] else { Issue.record("no snapshots: \(out.text)"); return }
        #expect(snaps.count == 3)
        let expected: [(Int64, String, [[Value]])] = [(s1, "append", first), (s2, "append", first + second), (s3, "overwrite", third)]
        for (snap, (id, op, rows)) in zip(snaps, expected) {
            #expect(snap["id"] == .int(id))
            #expect(snap["operation"] == .string(op))
            #expect(snap["total_records"] == .string(String(rows.count)))
            guard case .array(let got)? = snap["rows"] else { Issue.record("no rows"); continue }
            let want = Self.canonical(rows, schema)
            #expect(got.count == want.count, "snapshot \(id)")
            if let i = zip(got, want).enumerated().first(where: { $0.element.0 != JSONValue.string($0.element.1) })?.offset {
                Issue.record("snapshot \(id) row \(i): pyiceberg \(got[i].text), written \(want[i])")
            }
        }
        // A filter pyiceberg prunes with the files' bounds: exactly the matching rows.
        guard case .array(let filtered)? = out["filtered"] else { Issue.record("no filtered rows"); return }
        #expect(filtered.count == third.filter { if case .int(let x) = $0[0] { return x >= 600 } else { return false } }.count)
        #expect(out["duckdb_count"] == .int(Int64(third.count)))
        // pyiceberg's append lands on top of ours; we see it as the current snapshot.
        try table.refresh()
        guard case .int(let theirs)? = out["after_append_snapshot"] else { Issue.record("no append"); return }
        #expect(table.currentSnapshotId == theirs)
        // And we append again on top of theirs.
        let s5 = try insert(Self.rows(9000..<9010), files: 1)
        try table.refresh()
        #expect(table.currentSnapshotId == s5)
        guard case .array(let all)? = table.metadata["snapshots"], case .object(let summary)? = all.last?["summary"] else { Issue.record("no summary"); return }
        #expect(summary.first { $0.0 == "total-records" }?.1 == .string(String(third.count + 3 + 10)))
    }

    @Test func boundsAreIcebergSingleValues() {
        #expect(Bounds.minimalTwosComplement(666) == [0x02, 0x9a])
        #expect(Bounds.minimalTwosComplement(-9_999_999_999) == [0xfd, 0xab, 0xf4, 0x1c, 0x01])
        #expect(Bounds.lower(.int(34), .long) == [34, 0, 0, 0, 0, 0, 0, 0])
        #expect(Bounds.lower(.int(7), .date) == [7, 0, 0, 0])
        let long = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        #expect(Bounds.lower(.bytes(long), .string) == Array("abcdefghijklmnop".utf8))
        #expect(Bounds.upper(.bytes(long), .string) == Array("abcdefghijklmnoq".utf8))
        #expect(Bounds.upper(.bytes([UInt8](repeating: 0xff, count: 20)), .binary) == nil)
        #expect(Bounds.upper(.bytes(Array("short".utf8)), .string) == Array("short".utf8))
    }
}

