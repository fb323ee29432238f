import Columnar
import FixtureSupport
import Foundation
@testable import Iceberg
import JSON
import Parquet
import Testing

/// The SQLite catalog in pyiceberg's layout, and schemas as metadata.json holds them.
struct CatalogTests {
    static func temp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-iceberg-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    @Test("pyiceberg's catalog and metadata read", .enabled(if: Fixtures.available, Fixtures.skipReason))
    func readsGoldenCatalog() throws {
        let root = try #require(Fixtures.shared).appendingPathComponent("fixtures/iceberg-reference")
        // The fixture is read-only: work on a copy.
        let path = Self.temp("catalog.db")
        try FileManager.default.copyItem(atPath: root.appendingPathComponent("catalog.db").path, toPath: path)
        let catalog = try SQLiteCatalog(path: path)
        #expect(try catalog.namespaces() == ["ref"])
        #expect(try catalog.tables(in: "ref") == ["all_types"])
        let location = try #require(try catalog.metadataLocation(namespace: "ref", table: "all_types"))
        #expect(location.hasPrefix("file:///iceberg-reference/warehouse/ref/all_types/metadata/00002-"))
        let file = root.appendingPathComponent("warehouse/ref/all_types/metadata").appendingPathComponent(String(location.split(separator: "/").last!))
        let metadata = try JSONParser.parse([UInt8](try Data(contentsOf: file)))
        guard case .array(let schemas)? = metadata["schemas"], let first = schemas.first else { Issue.record("no schemas"); return }
        let schema = try IcebergSchema.parse(first)
        #expect(schema.fields.prefix(3).map(\.name) == ["id", "i", "s"])
        #expect(schema.fields[0] == IcebergField(id: 1, name: "id", required: true, type: .long))
        #expect(schema.fields.first { $0.name == "ts" }?.type == .timestamptz)
        #expect(schema.fields.first { $0.name == "dec" }?.type == .decimal(precision: 10, scale: 2))
        #expect(metadata["last-column-id"] == .int(Int64(schema.lastColumnId)))
        // Our JSON of it parses back to the same schema.
        #expect(try IcebergSchema.parse(schema.json) == schema)
    }

    @Test func commitsAreCompareAndSwap() throws {
        let catalog = try SQLiteCatalog(path: Self.temp("c.db"))
        try catalog.createNamespace("db")
        #expect(try catalog.namespaces() == ["db"])
        #expect(try catalog.register(namespace: "db", table: "t", metadataLocation: "file:///m/00000-a.metadata.json"))
        #expect(try !catalog.register(namespace: "db", table: "t", metadataLocation: "file:///m/other.json"))
        // A commit from a stale base loses; from the current one wins and records the previous.
        #expect(try !catalog.swap(namespace: "db", table: "t", from: "file:///m/stale.json", to: "file:///m/00001-b.metadata.json"))
        #expect(try catalog.swap(namespace: "db", table: "t", from: "file:///m/00000-a.metadata.json", to: "file:///m/00001-b.metadata.json"))
        #expect(try catalog.metadataLocation(namespace: "db", table: "t") == "file:///m/00001-b.metadata.json")
        let previous = try catalog.run("SELECT previous_metadata_location, iceberg_type FROM iceberg_tables", []).rows
        #expect(previous == [["file:///m/00000-a.metadata.json", "TABLE"]])
        // Two handles on one file (two processes): the second swap from the same base loses.
        let other = try SQLiteCatalog(path: catalog.path)
        #expect(try other.swap(namespace: "db", table: "t", from: "file:///m/00001-b.metadata.json", to: "file:///m/00002-c.metadata.json"))
        #expect(try !catalog.swap(namespace: "db", table: "t", from: "file:///m/00001-b.metadata.json", to: "file:///m/00002-d.metadata.json"))
        #expect(try catalog.drop(namespace: "db", table: "t"))
        #expect(try catalog.tables(in: "db").isEmpty)
    }

    @Test func freshSchemasFromEngineFields() throws {
        let engine = [
            Field("id", .bigint, nullable: false), Field("n", .smallint), Field("tags", .list(.varchar)),
            Field("attrs", .map(.varchar, .double)), Field("addr", .structure([Field("street", .varchar), Field("zip", .integer, nullable: false)])),
            Field("ts", .timestamp), Field("big", .hugeint),
        ]
        let s = try IcebergSchema.fresh(engine)
        #expect(s.fields.map(\.id) == [1, 2, 3, 4, 5, 6, 7])
        #expect(s.fields[2].type == .list(elementId: 8, element: .string, elementRequired: false))
        #expect(s.fields[3].type == .map(keyId: 9, key: .string, valueId: 10, value: .double, valueRequired: false))
        #expect(s.fields[4].type == .structure([IcebergField(id: 11, name: "street", required: false, type: .string),
                                                IcebergField(id: 12, name: "zip", required: true, type: .int)]))
        #expect(s.fields[5].type == .timestamptz && s.fields[6].type == .decimal(precision: 38, scale: 0))
        #expect(s.lastColumnId == 12)
        // Every Parquet node carries its field id.
        let leaves = LeafColumn.leaves(of: s.parquet)
        #expect(leaves.map { $0.node.fieldId } == [1, 2, 8, 9, 10, 11, 12, 6, 7])
        #expect(throws: IcebergError.self) { try IcebergSchema.fresh([Field("d", .interval)]) }
    }

    @Test("pyiceberg's SqlCatalog sees our namespaces", .enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
    func pyicebergListsOurNamespace() throws {
        let path = Self.temp("catalog.db")
        let catalog = try SQLiteCatalog(path: path)
        try catalog.createNamespace("analytics")
        let warehouse = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let script = """
        import sys
        from pyiceberg.catalog.sql import SqlCatalog
        c = SqlCatalog("default", uri="sqlite:///" + sys.argv[1], warehouse="file://" + sys.argv[2])
        print(",".join(sorted(".".join(n) for n in c.list_namespaces())))
        """
        let scriptPath = Self.temp("list.py")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        #expect(try Fixtures.runPython(scriptPath, [path, warehouse]).trimmingCharacters(in: .whitespacesAndNewlines) == "analytics")
    }
}
