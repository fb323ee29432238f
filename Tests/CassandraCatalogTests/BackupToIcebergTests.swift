@testable import CassandraCatalog
import Columnar
import Engine
import FixtureSupport
import Foundation
import IcebergCatalog
import JSON
import SQL
import Testing

/// The main job: tables of a synthesized multi-node backup moved into Iceberg with SQL
/// (CREATE TABLE AS, INSERT, INSERT OVERWRITE), read back by pyiceberg row for row.
@Suite(.serialized, .enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
struct BackupToIcebergTests {
    static func rows(_ session: Session, _ sql: String) throws -> [String] {
        guard case .rows(let schema, let batches)? = try session.execute(sql).last else { return [] }
        return batches.flatMap { b in (0..<b.count).map { Canonical.row(b.row($0), schema) } }.sorted()
    }

    @Test func backupTablesMoveIntoIcebergExactly() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try BackupTableTests.synth(dir)
        let session = try SQLRun.session(dir.path + "/backups")
        let warehouse = dir.path + "/warehouse"
        try IcebergCatalog.install(in: session, warehouse: warehouse, environment: [:])
        _ = try session.execute("SET cassandra_exact_types = 'text'")
        let items = "SELECT id, key, value, value_metadata, writetime(value) AS written FROM cassandra.kv.items"
        let kinds = "SELECT id, bucket, seq, label, owner, c_text, c_int, c_bigint, c_double, c_boolean, c_uuid, c_timestamp, c_date, c_blob, c_decimal, c_set, c_list, c_map FROM cassandra.synth.all_types"
        _ = try session.execute("CREATE SCHEMA iceberg.moved; CREATE TABLE iceberg.moved.items AS \(items); CREATE TABLE iceberg.moved.types AS \(kinds)")
        let notes = session.notes.drain().joined(separator: "\n")
        #expect(notes.contains("committed snapshot") && notes.contains("iceberg.moved.items (append)"), "\(notes)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("dump_table.py").path
        func dump(_ t: String) throws -> JSONValue { try JSONParser.parse(try Fixtures.runPython(script, [warehouse + "/catalog.db", warehouse, t])) }
        for (table, sql) in [("moved.items", items), ("moved.types", kinds)] {
            let want = try Self.rows(session, sql)
            #expect(want.count > 500, "\(table)")
            let got = try dump(table)
            guard case .array(let rows)? = got["rows"] else { Issue.record("\(table): \(got.text)"); continue }
            #expect(rows.count == want.count, "\(table)")
            if let i = zip(rows, want).enumerated().first(where: { $0.element.0 != JSONValue.string($0.element.1) })?.offset {
                Issue.record("\(table) row \(i): pyiceberg \(rows[i].text), moved \(want[i])")
            }
        }
        // INSERT appends; INSERT OVERWRITE replaces in one snapshot.
        _ = try session.execute("INSERT INTO iceberg.moved.items \(items) WHERE id = 'nonesuch'")
        _ = try session.execute("INSERT OVERWRITE iceberg.moved.items \(items) LIMIT 100")
        let after = try dump("moved.items")
        guard case .array(let snaps)? = after["snapshots"], case .array(let rows)? = after["rows"] else { Issue.record("\(after.text)"); return }
        #expect(rows.count == 100)
        #expect(snaps.map(\.text) == [#"["append","\#(try Self.rows(session, items).count)"]"#, #"["append","\#(try Self.rows(session, items).count)"]"#, #"["overwrite","100"]"#])
        // A write that fails part-way commits nothing and leaves no data file behind.
        let data = warehouse + "/moved/items/data"
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: data).count
        #expect(throws: SQLError.self) {
            try session.execute("INSERT INTO iceberg.moved.items SELECT id, key, value, value_metadata, CASE WHEN id > 'm' THEN CAST(id AS BIGINT) ELSE 1 END FROM cassandra.kv.items")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: data).count == filesBefore)
        guard case .array(let stillThree)? = try dump("moved.items")["snapshots"] else { Issue.record("no snapshots"); return }
        #expect(stillThree.count == 3)
        // What cannot be written says so, and leaves no table behind.
        #expect(throws: SQLError.self) { try session.execute("CREATE TABLE iceberg.moved.bad AS SELECT INTERVAL 1 DAY AS i") }
        #expect(try SQLRun.text(session, "SHOW TABLES").contains("iceberg.moved.bad") == false)
        #expect(throws: SQLError.self) { try session.execute("CREATE TABLE iceberg.nowhere.t (a INT)") }
        // DROP TABLE forgets it (files stay, as pyiceberg's drop_table).
        _ = try session.execute("DROP TABLE iceberg.moved.types")
        #expect(try SQLRun.text(session, "SHOW TABLES").contains("iceberg.moved.types") == false)
    }
}
