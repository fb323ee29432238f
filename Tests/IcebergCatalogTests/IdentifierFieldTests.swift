import Engine
import FixtureSupport
import Foundation
import Iceberg
import IcebergCatalog
import JSON
import SQL
import Testing

/// PRIMARY KEY on an Iceberg table is its identifier: `identifier-field-ids` in the schema
/// (what MERGE and upserts key on), kept through commits; columns Iceberg cannot identify by
/// are refused at CREATE.
struct IdentifierFieldTests {
    @Test func primaryKeyBecomesTheIdentifier() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let s = try icebergSession(dir.path)
        _ = try s.execute("""
            CREATE SCHEMA iceberg.k;
            CREATE TABLE iceberg.k.t (id VARCHAR, at TIMESTAMP NOT NULL, v DOUBLE, PRIMARY KEY (id, at));
            CREATE TABLE iceberg.k.c (id BIGINT PRIMARY KEY, v VARCHAR);
            INSERT INTO iceberg.k.t VALUES ('a', TIMESTAMP '2026-01-01 00:00:00', 1.5);
            INSERT OVERWRITE iceberg.k.t VALUES ('b', TIMESTAMP '2026-01-02 00:00:00', 2.5)
            """)
        func schema(_ table: String) throws -> JSONValue {
            let folder = dir.path + "/k/\(table)/metadata"
            let latest = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".metadata.json") }.sorted().last!
            let meta = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + latest))))
            guard case .array(let schemas)? = meta["schemas"] else { return .null }
            return schemas.last!
        }
        // After two commits the identifier is still there; the key column became NOT NULL.
        let t = try schema("t")
        #expect(t["identifier-field-ids"] == .array([.int(1), .int(2)]), "\(t.text)")
        #expect(t.text.contains(#""id":1,"name":"id","required":true"#), "\(t.text)")
        #expect(try schema("c")["identifier-field-ids"] == .array([.int(1)]))
        // A NULL key is refused like any NOT NULL column.
        #expect(throws: SQLError.self) { try s.execute("INSERT INTO iceberg.k.t VALUES (NULL, TIMESTAMP '2026-01-01 00:00:00', 1)") }
        for bad in ["CREATE TABLE iceberg.k.f (x DOUBLE, PRIMARY KEY (x))",
                    "CREATE TABLE iceberg.k.l (x INTEGER[] NOT NULL, PRIMARY KEY (x))",
                    "CREATE TABLE iceberg.k.m (x INTEGER, PRIMARY KEY (y))",
                    "CREATE TABLE iceberg.k.d (x INTEGER PRIMARY KEY, y INTEGER, PRIMARY KEY (y))"] {
            #expect(throws: SQLError.self, "\(bad)") { try s.execute(bad) }
        }
    }
}
