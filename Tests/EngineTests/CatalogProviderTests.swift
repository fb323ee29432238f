import Columnar
@testable import Engine
import SQL
import Testing

/// Attached catalogs: names resolve through them with the AS OF version and the settings;
/// metadata columns are read by call syntax only, never by `*`, and pruned when unread.
struct CatalogProviderTests {
    final class Recording: TableProvider, @unchecked Sendable {
        let schema = [Field("id", .integer), Field("name", .varchar)]
        let metadataColumns = [Field("writetime(name)", .bigint), Field("last_modified()", .timestamp)]
        var requests: [ScanRequest] = []
        var estimatedRows: Int? { 2 }
        func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
            requests.append(request)
            let all = [Column.constant(.int(1), type: .integer, count: 2), Column.constant(.string("x"), type: .varchar, count: 2),
                       Column.constant(.int(77), type: .bigint, count: 2), Column.constant(.timestamp(5), type: .timestamp, count: 2)]
            let cols = (request.projection ?? [0, 1]).map { all[$0] }
            return [BatchListPartition([Batch(columns: cols, count: 2)])]
        }
        func explainDetails(_ request: ScanRequest) -> [String] { ["reads version 3"] }
    }

    final class Backups: CatalogProvider, @unchecked Sendable {
        let kind = "test"
        let table = Recording()
        var seen: [(path: [String], version: TableVersion?, settings: [String: String])] = []
        func table(_ path: [String], version: TableVersion?, context: CatalogContext) throws -> TableProvider? {
            seen.append((path, version, context.settings))
            context.warn("read \(path.joined(separator: "."))")
            return path == ["ks", "t"] ? table : nil
        }
        func tableNames(context: CatalogContext) throws -> [[String]] { [["ks", "t"]] }
    }

    func rows(_ s: Session, _ sql: String) throws -> (names: [String], rows: [[Value]]) {
        guard case .rows(let schema, let batches)? = try s.execute(sql).last else { return ([], []) }
        return (schema.map(\.name), batches.flatMap { b in (0..<b.count).map { b.row($0) } })
    }

    @Test func namesVersionsSettingsAndMetadataColumns() throws {
        let s = Session()
        let c = Backups()
        try s.attach("bk", c)
        _ = try s.execute("SET consistency = 'QUORUM'")
        let star = try rows(s, "SELECT * FROM bk.ks.t")
        #expect(star.names == ["id", "name"])
        #expect(c.table.requests.last?.projection == [0, 1], "unread metadata columns are pruned")
        let meta = try rows(s, "SELECT writetime(name), t.last_modified(), id FROM bk.ks.t AS t FOR VERSION AS OF 'b2'")
        #expect(meta.rows == [[.int(77), .timestamp(5), .int(1)], [.int(77), .timestamp(5), .int(1)]])
        #expect(c.table.requests.last?.projection == [0, 2, 3])
        #expect(c.seen.last?.version == .named("b2") && c.seen.last?.settings["consistency"] == "QUORUM")
        _ = try rows(s, "SELECT id FROM bk.ks.t FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-30 00:00:01'")
        #expect(c.seen.last?.version == .asOfTime(micros: 1_795_996_801_000_000))
        #expect(s.warnings.drain().contains("read ks.t"))
        // A metadata column only answers its own call: writetime(id) is no function.
        #expect(throws: SQLError.self) { try self.rows(s, "SELECT writetime(id) FROM bk.ks.t") }
        #expect(throws: SQLError.self) { try self.rows(s, "SELECT * FROM bk.ks.missing") }
        #expect(throws: SQLError.self) { try self.rows(s, "SELECT * FROM plain FOR VERSION AS OF 'x'") }
        let plan = try rows(s, "EXPLAIN SELECT id FROM bk.ks.t").rows[0][0]
        #expect("\(plan)".contains("reads version 3"))
        #expect(try rows(s, "SHOW TABLES").rows.contains([.string("bk.ks.t")]))
        #expect(try rows(s, "DESCRIBE bk.ks.t").rows.count == 2)
    }

    @Test func attachThroughFactoriesAndDetach() throws {
        let s = Session()
        let c = Backups()
        s.catalogTypes["test"] = { url, options in
            #expect(url == "file:///x" && options == ["backup": "b1"])
            return c
        }
        _ = try s.execute("ATTACH 'file:///x' AS prod (TYPE test, BACKUP 'b1')")
        #expect(try rows(s, "SELECT count(*) FROM prod.ks.t").rows == [[.int(2)]])
        #expect(throws: SQLError.self) { try s.execute("ATTACH 'file:///x' AS prod (TYPE test, BACKUP 'b1')") }
        #expect(throws: SQLError.self) { try s.execute("ATTACH 'file:///x' AS other (TYPE nothing)") }
        _ = try s.execute("DETACH prod")
        #expect(throws: SQLError.self) { try self.rows(s, "SELECT * FROM prod.ks.t") }
        _ = try s.execute("DETACH IF EXISTS prod")
    }
}
