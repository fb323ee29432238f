@testable import Cassandra
@testable import CassandraCatalog
import Columnar
import Digests
import Engine
import FixtureSupport
import Foundation
import SQL
import Testing

/// Every real SSTable fixture wrapped into a one-node Medusa backup reads the same through
/// SQL (`SELECT * FROM cassandra.ks.t`) as through the reader `sstable dump` uses.
@Suite("fixtures as backups")
struct FixtureBackupTests {
    /// `node1/<backup>/meta/{schema.cql,manifest.json}` and the files under
    /// `node1/data/<ks>/<table>-<id>/`, as Medusa lays them out.
    static func wrap(_ folder: URL, schemaText: String, keyspace: String, table: String, into root: URL) throws {
        let fm = FileManager.default
        let id = Hex.encode(Digest.md5(Array("\(keyspace).\(table)".utf8)))
        let dataDir = "node1/data/\(keyspace)/\(table)-\(id)"
        try fm.createDirectory(at: root.appendingPathComponent(dataDir), withIntermediateDirectories: true)
        var objects: [String] = []
        for name in try fm.contentsOfDirectory(atPath: folder.path).sorted() where name != "expected.json" {
            let target = root.appendingPathComponent("\(dataDir)/\(name)")
            try fm.copyItem(at: folder.appendingPathComponent(name), to: target)
            let size = (try fm.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.intValue ?? 0
            objects.append("{\"path\": \"\(dataDir)/\(name)\", \"MD5\": \"\", \"size\": \(size)}")
        }
        let meta = root.appendingPathComponent("node1/b1/meta")
        try fm.createDirectory(at: meta, withIntermediateDirectories: true)
        try schemaText.write(to: meta.appendingPathComponent("schema.cql"), atomically: true, encoding: .utf8)
        let manifest = "[{\"keyspace\": \"\(keyspace)\", \"columnfamily\": \"\(table)-\(id)\", \"objects\": [\(objects.joined(separator: ", "))]}]"
        try manifest.write(to: meta.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
    }

    @Test("SQL reads a fixture as the reader does", .enabled(if: Fixtures.available, Fixtures.skipReason), arguments: Fixtures.sstableTables)
    func readsLikeTheReader(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        guard expected["expect_error"] == nil, var cql = expected["schema_cql"] as? String else { return }
        let prerequisites = (expected["schema_prerequisites_cql"] as? [String]) ?? []
        if try CQLSchemaParser.parse((prerequisites + [cql]).joined(separator: ";\n")).last?.keyspace == nil {
            // A schema export always names the keyspace.
            cql = cql.replacingOccurrences(of: "CREATE TABLE ", with: "CREATE TABLE fixtures.")
        }
        let schemaText = (prerequisites + [cql]).joined(separator: ";\n") + ";\n"
        guard let schema = try CQLSchemaParser.parse(schemaText).last, let ks = schema.keyspace, let tn = schema.name else {
            Issue.record("\(name): the schema names no keyspace.table")
            return
        }
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.wrap(try Fixtures.sstableFolder(name), schemaText: schemaText, keyspace: ks, table: tn, into: dir.url)

        // The reader over the copied files, at the same reference time.
        let copied = dir.path + "/node1/data/\(ks)"
        let folder = try FileManager.default.contentsOfDirectory(atPath: copied)[0]
        let reader = try TableReader(path: copied + "/" + folder, schema: schema)
        let stream = try reader.rows(now: 0)
        let mapping = CQLTypeMapping(exactAsText: true)
        let types = reader.layout.schema.displayOrder.map { reader.layout.schema.column(named: $0)!.type }
        var want: [[Value]] = []
        while let r = try stream.next() {
            want.append(try zip(r, types).map { v, t in try mapping.value(v, t.isCounter ? .bigint : t) })
        }

        let session = try SQLRun.session(dir.path)
        _ = try session.execute("SET cassandra_exact_types = 'text'; SET ttl_reference_time = '1970-01-01T00:00:00Z'")
        let got = try SQLRun.rows(session, "SELECT * FROM cassandra.\"\(ks)\".\"\(tn)\"")
        #expect(got.count == want.count, "\(name): \(got.count) rows through SQL, \(want.count) through the reader")
        // Partition key pushdown on real keys (one-column keys the engine can write as a cast
        // literal): the partition read through the index == the rows of that key.
        if schema.partitionKey.count == 1, let keyColumn = schema.displayOrder.firstIndex(of: schema.partitionKey[0].name) {
            let type = mapping.engineType(schema.partitionKey[0].type)
            if [.integer, .bigint, .smallint, .tinyint, .varchar, .uuid, .timestamp, .date].contains(type) {
                var keys: [Value] = []
                for r in want where !keys.contains(r[keyColumn]) && keys.count < 3 { keys.append(r[keyColumn]) }
                for k in keys {
                    let literal = ValueText.render(k).replacingOccurrences(of: "'", with: "''")
                    let sql = "SELECT * FROM cassandra.\"\(ks)\".\"\(tn)\" WHERE \"\(schema.partitionKey[0].name)\" = CAST('\(literal)' AS \(type))"
                    #expect(try SQLRun.rows(session, sql) == want.filter { $0[keyColumn] == k }, "\(name): \(sql)")
                    #expect(try SQLRun.text(session, "EXPLAIN " + sql).contains("partition key pinned"), "\(name): \(sql)")
                }
            }
        }
        #expect(got == want, "\(name): first difference at \(zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "the end")")
    }
}
