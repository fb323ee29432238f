import Columnar
import Engine
import FixtureSupport
import Foundation
import IcebergCatalog
import JSON
import SQL
import Testing

func rows(_ session: Session, _ sql: String) throws -> (schema: [Field], rows: [[Value]]) {
    guard case .rows(let schema, let batches)? = try session.execute(sql).last else { return ([], []) }
    return (schema, batches.flatMap { b in (0..<b.count).map { b.row($0) } })
}

func canonical(_ session: Session, _ sql: String) throws -> [String] {
    let (schema, r) = try rows(session, sql)
    return r.map { Canonical.row($0, schema) }.sorted()
}

/// SELECT from Iceberg tables: the golden table pyiceberg wrote (every type, partitioned, two
/// snapshots) read exactly — its content hash computed independently equals the fixture's —
/// with time travel and the metadata tables.
@Suite(.serialized, .enabled(if: Fixtures.available, Fixtures.skipReason))
struct GoldenTableTests {
    /// The fixture names absolute `file:///iceberg-reference/…` locations: it is copied there,
    /// as its README says.
    static func install() throws -> Session {
        let target = "/iceberg-reference"
        guard let shared = Fixtures.shared else { throw FixtureError("../shared is missing; CI must have it") }
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: shared.path + "/fixtures/iceberg-reference", toPath: target)
        let session = Session()
        try IcebergCatalog.install(in: session, warehouse: "/nonexistent-warehouse", environment: [:])
        _ = try session.execute("ATTACH 'file:///iceberg-reference/warehouse' AS ref (TYPE iceberg, CATALOG '/iceberg-reference/catalog.db')")
        return session
    }

    @Test func everyRowOfTheGoldenTable() throws {
        let session = try Self.install()
        let (schema, all) = try rows(session, "SELECT * FROM ref.ref.all_types")
        #expect(schema.map(\.name) == ["id", "i", "s", "d", "b", "ts", "dt", "u", "dec", "bin", "tags", "attrs", "point"])
        let want = try String(contentsOfFile: "/iceberg-reference/canonical_rows.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init).sorted()
        let got = all.map { RowSum.json($0, schema) }.sorted()
        #expect(got == want)
        let hash = try String(contentsOfFile: "/iceberg-reference/content_hash.txt", encoding: .utf8).prefix(64)
        #expect(RowSum.hash(got) == String(hash))
        // Projections, filters and aggregates over it.
        let (_, agg) = try rows(session, "SELECT count(*), count(u), sum(id), min(ts), max(dt) FROM ref.ref.all_types WHERE s IS NOT NULL")
        #expect(agg.first == [.int(7), .int(6), .hugeint(31), .timestamp(-1), .date(19782)])
        let (_, nested) = try rows(session, "SELECT id, tags[1], attrs['k'], point.x FROM ref.ref.all_types WHERE id IN (1, 4) ORDER BY id")
        #expect(nested == [[.int(1), .string("t1"), .int(1), .double(1.5)], [.int(4), .string("a"), .int(4), .double(0.0)]])
    }

    @Test func filtersPruneFilesWithoutLosingRows() throws {
        let session = try Self.install()
        let cases: [(String, Int)] = [
            ("s = 'beta'", 2), ("s = 'ünïcødé-and-a-very-long-string-value'", 1), ("s > 'ünïcødé'", 1), ("d = 0.0", 2), ("d < -1", 1),
            ("u = CAST('01234567-89ab-cdef-0000-000000000008' AS UUID)", 1), ("id = 3", 1), ("id IN (2, 7)", 2), ("ts < TIMESTAMP '1970-01-01'", 1),
            ("dt = DATE '2024-01-02'", 2), ("s IS NULL", 1), ("i IS NULL", 1), ("dec > 99999999", 1), ("b AND id > 5", 2), ("id > 100", 0),
        ]
        for (filter, count) in cases {
            let got = try rows(session, "SELECT id FROM ref.ref.all_types WHERE \(filter)").rows
            #expect(got.count == count, "\(filter): \(got)")
        }
        guard case .rows(_, let b)? = try session.execute("EXPLAIN SELECT * FROM ref.ref.all_types WHERE s = 'beta' AND id > 3").last,
              case .string(let plan) = b[0].row(0)[0] else { Issue.record("no plan"); return }
        #expect(plan.contains("1 of 7 data files (6 pruned"), "\(plan)")
    }

    @Test func timeTravelAndMetadataTables() throws {
        let session = try Self.install()
        let (_, snaps) = try rows(session, "SELECT snapshot_id, parent_id, operation, summary['added-records'], committed_at FROM ref.ref.\"all_types$snapshots\" ORDER BY sequence_number")
        #expect(snaps.count == 2)
        guard snaps.count == 2, case .int(let first) = snaps[0][0], case .int(let second) = snaps[1][0], case .timestamp(let t0) = snaps[0][4],
              case .timestamp(let t1) = snaps[1][4] else { return }
        #expect(snaps[1][1] == .int(first) && snaps[0][2] == .string("append") && snaps[0][3] == .string("5") && snaps[1][3] == .string("3"))
        #expect(try rows(session, "SELECT id FROM ref.ref.all_types FOR VERSION AS OF \(first) ORDER BY id").rows == (1...5).map { [.int($0)] })
        #expect(try rows(session, "SELECT count(*) FROM ref.ref.all_types FOR VERSION AS OF \(second)").rows == [[.int(8)]])
        #expect(try rows(session, "SELECT count(*) FROM ref.ref.all_types FOR VERSION AS OF 'main'").rows == [[.int(8)]])
        // A time between the two snapshots reads the first; before the first, an error.
        let between = ValueText.render(.timestamp((t0 + t1) / 2), type: .timestamp)
        #expect(try rows(session, "SELECT count(*) FROM ref.ref.all_types FOR SYSTEM_TIME AS OF TIMESTAMP '\(between)'").rows == [[.int(5)]])
        let before = ValueText.render(.timestamp(t0 - 1_000_000), type: .timestamp)
        #expect(throws: SQLError.self) { try session.execute("SELECT * FROM ref.ref.all_types FOR SYSTEM_TIME AS OF TIMESTAMP '\(before)'") }
        #expect(throws: SQLError.self) { try session.execute("SELECT * FROM ref.ref.all_types FOR VERSION AS OF 12345") }
        // $files: the seven data files, their partition values as pyiceberg wrote them.
        let (_, files) = try rows(session, "SELECT partition.s, partition.id_bucket, partition.ts_day, record_count FROM ref.ref.\"all_types$files\" ORDER BY file_path")
        #expect(files.count == 7)
        #expect(files.reduce(Int64(0)) { if case .int(let n) = $1[3] { return $0 + n } else { return $0 } } == 8)
        #expect(files.contains([.string("alpha"), .int(0), .date(19723), .int(2)]), "\(files)")
        #expect(files.contains([.null, .int(0), .date(19722), .int(1)]) || files.contains { $0[0] == .null }, "\(files)")
        let (_, history) = try rows(session, "SELECT snapshot_id, is_current_ancestor FROM ref.ref.\"all_types$history\"")
        #expect(history == [[.int(first), .bool(true)], [.int(second), .bool(true)]])
        let (_, manifests) = try rows(session, "SELECT count(*), sum(added_data_files_count) FROM ref.ref.\"all_types$manifests\"")
        #expect(manifests == [[.int(2), .hugeint(7)]])
        #expect(throws: SQLError.self) { try session.execute("SELECT * FROM ref.ref.\"all_types$nonsense\"") }
    }
}

/// Tables movesql writes, read back by movesql: every snapshot of every INSERT, partitioned or not.
@Suite(.serialized)
struct RoundTripTests {
    static let source = PartitionedTableTests.rows

    @Test func everySnapshotReadsBackAsWritten() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let session = try icebergSession(dir.path + "/wh")
        _ = try session.execute("CREATE SCHEMA iceberg.r")
        for (name, partitioning) in [("flat", ""), ("parts", "PARTITIONED BY (bucket(3, id), days(ts), s)")] {
            _ = try session.execute("CREATE TABLE iceberg.r.\(name) \(partitioning) AS SELECT * FROM (\(Self.source)) AS r WHERE id <= 20")
            _ = try session.execute("INSERT INTO iceberg.r.\(name) SELECT * FROM (\(Self.source)) AS r WHERE id > 20")
            #expect(try canonical(session, "SELECT * FROM iceberg.r.\(name)") == canonical(session, Self.source), "\(name)")
            _ = try session.execute("INSERT OVERWRITE iceberg.r.\(name) SELECT * FROM (\(Self.source)) AS r WHERE id % 2 = 0")
            #expect(try canonical(session, "SELECT * FROM iceberg.r.\(name)") == canonical(session, "SELECT * FROM (\(Self.source)) AS r WHERE id % 2 = 0"))
            let (_, snaps) = try rows(session, "SELECT snapshot_id, operation FROM iceberg.r.\"\(name)$snapshots\" ORDER BY sequence_number")
            #expect(snaps.map { $0[1] } == [.string("append"), .string("append"), .string("overwrite")])
            let wants = ["id <= 20", "true", "id % 2 = 0"]
            for (s, w) in zip(snaps, wants) {
                guard case .int(let id) = s[0] else { continue }
                #expect(try canonical(session, "SELECT * FROM iceberg.r.\(name) FOR VERSION AS OF \(id)")
                    == canonical(session, "SELECT * FROM (\(Self.source)) AS r WHERE \(w)"), "\(name) snapshot \(id)")
            }
            // Reading a table into another (no intermediate), and a count without columns.
            _ = try session.execute("CREATE TABLE iceberg.r.\(name)_copy AS SELECT * FROM iceberg.r.\(name) WHERE id > 30")
            #expect(try rows(session, "SELECT count(*) FROM iceberg.r.\(name)_copy").rows == [[.int(15)]])
            #expect(throws: SQLError.self) { try session.execute("INSERT INTO iceberg.r.\(name) FOR VERSION AS OF 1 SELECT 1") }
        }
        // INSERT checks the query's types against the table's, by column, before writing.
        _ = try session.execute("CREATE TABLE iceberg.r.typed (id BIGINT NOT NULL, amount DECIMAL(12, 2), name VARCHAR, ts TIMESTAMP, tags VARCHAR[])")
        _ = try session.execute("INSERT INTO iceberg.r.typed SELECT 1, 2.5, 'x', DATE '2024-01-02', ['a']")
        _ = try session.execute("INSERT INTO iceberg.r.typed (name, id) SELECT 'only', CAST(7 AS SMALLINT)")
        func failure(_ sql: String) -> String {
            do { _ = try session.execute(sql); return "no error" } catch { return "\(error)" }
        }
        #expect(failure("INSERT INTO iceberg.r.typed SELECT 'one', 1.0, 'x', NULL, NULL").contains("column id is BIGINT; the query's column 1"))
        #expect(failure("INSERT INTO iceberg.r.typed SELECT 2, CAST(1.2345 AS DECIMAL(10, 4)), 'x', NULL, NULL").contains("rounded"))
        #expect(failure("INSERT INTO iceberg.r.typed SELECT 2, 1, 42, NULL, NULL").contains("column name is VARCHAR"))
        #expect(failure("INSERT INTO iceberg.r.typed SELECT 2, 1, 'x', NULL, [1, 2]").contains("column tags"))
        #expect(failure("INSERT INTO iceberg.r.typed SELECT 2, 1, 'x'").contains("3 values for 5 columns"))
        #expect(failure("INSERT INTO iceberg.r.typed SELECT NULL, 1, 'x', NULL, NULL").contains("NULL in column id"))
        #expect(failure("INSERT INTO iceberg.r.typed (nope) SELECT 1").contains("no column nope"))
        #expect(try canonical(session, "SELECT id, amount, name, ts, tags FROM iceberg.r.typed") == [
            #"{"amount":"2.50","id":1,"name":"x","tags":["a"],"ts":1704153600000000}"#,
            #"{"amount":null,"id":7,"name":"only","tags":null,"ts":null}"#,
        ])
        // Filters prune files by partition values and column bounds; the rows stay exact.
        _ = try session.execute("""
            CREATE TABLE iceberg.r.pruned PARTITIONED BY (days(ts), bucket(4, id), truncate(2, s)) AS SELECT * FROM (\(Self.source)) AS r;
            CREATE TABLE mem AS SELECT * FROM iceberg.r.pruned
            """)
        let filters = ["id = 7", "id IN (3, 50, 51)", "id < 4", "id >= 58", "ts < TIMESTAMP '1970-01-01'", "ts >= TIMESTAMP '1971-01-01'",
                       "d = DATE '1970-02-01'", "s = 'beta'", "s >= 'gamma'", "s IS NULL", "s IS NOT NULL AND id > 50", "amount > 50",
                       "amount = CAST(-6.30 AS DECIMAL(10, 2))", "flag AND id < 10", "n BETWEEN -5000 AND 0", "bin = encode('x7')", "small = -3"]
        for f in filters {
            #expect(try canonical(session, "SELECT * FROM iceberg.r.pruned WHERE \(f)") == canonical(session, "SELECT * FROM mem WHERE \(f)"), "\(f)")
        }
        guard case .rows(_, let plan)? = try session.execute("EXPLAIN SELECT * FROM iceberg.r.pruned WHERE id = 7").last,
              case .string(let text) = plan[0].row(0)[0] else { Issue.record("no plan"); return }
        #expect(text.contains("1 of 60 data files (59 pruned"), "\(text)")
        // CREATE OR REPLACE with the same columns replaces the rows in one overwrite (history
        // kept); with other columns it makes a new table.
        _ = try session.execute("CREATE OR REPLACE TABLE iceberg.r.flat AS SELECT * FROM (\(Self.source)) AS r WHERE id = 1")
        #expect(try rows(session, "SELECT operation FROM iceberg.r.\"flat$snapshots\" ORDER BY sequence_number").rows.map { $0[0] }
            == [.string("append"), .string("append"), .string("overwrite"), .string("overwrite")])
        #expect(try rows(session, "SELECT count(*) FROM iceberg.r.flat").rows == [[.int(1)]])
        _ = try session.execute("CREATE OR REPLACE TABLE iceberg.r.flat AS SELECT 1 AS only")
        #expect(try rows(session, "SELECT count(*) FROM iceberg.r.\"flat$snapshots\"").rows == [[.int(1)]])
        #expect(try rows(session, "SELECT * FROM iceberg.r.flat").rows == [[.int(1)]])
        // Row groups are skipped on their statistics inside a file.
        _ = try session.execute("""
            CREATE TABLE iceberg.r.groups WITH (write.parquet.row-group-size-bytes = 30000) AS
              SELECT i AS id, 'name ' || i AS s, DATE '2000-01-01' + CAST(i / 100 AS INTEGER) AS d FROM generate_series(1, 40000) AS g(i)
            """)
        let skippedBefore = IcebergCatalog.rowGroupsSkipped
        #expect(try rows(session, "SELECT count(*), min(id), max(id) FROM iceberg.r.groups WHERE id BETWEEN 20000 AND 20099").rows == [[.int(100), .int(20000), .int(20099)]])
        #expect(IcebergCatalog.rowGroupsSkipped - skippedBefore > 3, "row groups skipped: \(IcebergCatalog.rowGroupsSkipped - skippedBefore)")
        #expect(try rows(session, "SELECT count(*) FROM iceberg.r.groups WHERE s = 'name 39999' AND d >= DATE '2001-01-01'").rows == [[.int(1)]])
        #expect(try rows(session, "SELECT count(*) FROM iceberg.r.groups WHERE s IS NULL OR id < 0").rows == [[.int(0)]])
        // Four writers at once: an unpartitioned table's batches spread over them, a
        // partitioned table's partitions each with one of them; one commit, every row.
        _ = try session.execute("ATTACH 'file://\(dir.path)/wh' AS par (TYPE iceberg, WRITERS 4)")
        _ = try session.execute("CREATE TABLE par.r.wide AS SELECT i AS id, 'v' || i AS s FROM generate_series(1, 50000) AS g(i)")
        _ = try session.execute("CREATE TABLE par.r.split PARTITIONED BY (bucket(3, id)) AS SELECT i AS id, 'v' || i AS s FROM generate_series(1, 50000) AS g(i)")
        func tasks(_ t: String) throws -> [String: Set<String>] {
            var out: [String: Set<String>] = [:]
            for r in try rows(session, "SELECT file_path, CAST(partition AS VARCHAR) FROM par.r.\"\(t)$files\"").rows {
                guard case .string(let path) = r[0] else { continue }
                let name = (path as NSString).lastPathComponent.split(separator: "-")
                out[ValueText.render(r[1]), default: []].insert(String(name[1]))
            }
            return out
        }
        let wide = try tasks("wide"), split = try tasks("split")
        #expect((wide.values.first?.count ?? 0) > 1, "\(wide)")
        #expect(split.count == 3 && split.values.allSatisfy { $0.count == 1 }, "\(split)")
        for t in ["wide", "split"] {
            #expect(try rows(session, "SELECT count(*), count(DISTINCT id), sum(id) FROM par.r.\(t)").rows == [[.int(50000), .int(50000), .hugeint(1_250_025_000)]])
            #expect(try rows(session, "SELECT count(*) FROM par.r.\"\(t)$snapshots\"").rows == [[.int(1)]])
        }
        #expect(throws: SQLError.self) { try session.execute("ATTACH 'file:///tmp/x' AS bad (TYPE iceberg, WRITERS 0)") }
        // An empty table reads as no rows.
        _ = try session.execute("CREATE TABLE iceberg.r.empty (a INT, b VARCHAR)")
        #expect(try rows(session, "SELECT * FROM iceberg.r.empty").rows.isEmpty)
        #expect(try rows(session, "SELECT count(*) FROM iceberg.r.\"empty$snapshots\"").rows == [[.int(0)]])
    }
}
