import Columnar
import Engine
import FixtureSupport
import Foundation
import IcebergCatalog
import JSON
import SQL
import Testing

/// A scratch folder removed by the test.
struct Scratch {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-iceberg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func icebergSession(_ warehouse: String) throws -> Session {
    let s = Session()
    try IcebergCatalog.install(in: s, warehouse: warehouse, environment: [:])
    return s
}

/// CREATE TABLE … PARTITIONED BY in SQL; pyiceberg's own transforms recompute every file's
/// partition from its rows, and its partition-pruned scans find every row.
@Suite(.serialized)
struct PartitionedTableTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_partitions.py").path
    static let manifestScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("check_manifests.py").path

    /// Rows over every partitionable type, with nulls and values before 1970.
    static let rows = """
    SELECT i AS id, CAST(i AS INTEGER) - 20 AS small,
           TIMESTAMP '1969-11-20 22:00:00' + i * INTERVAL 1234567 SECOND AS ts,
           DATE '1969-11-01' + CAST(i * 13 AS INTEGER) AS d,
           CASE WHEN i % 5 = 0 THEN NULL ELSE ['alpha', 'beta', 'gamma', 'ünïcødé straße/x'][i % 4 + 1] END AS s,
           CAST(i * 1.37 - 20 AS DECIMAL(10, 2)) AS amount,
           CAST('01234567-89ab-cdef-0000-0000000000' || lpad(CAST(i AS VARCHAR), 2, '0') AS UUID) AS u,
           encode(repeat('x', CAST(i % 3 AS INTEGER)) || CAST(i AS VARCHAR)) AS bin,
           i % 2 = 0 AS flag, i * 1000 - 25000 AS n
    FROM generate_series(1, 60) AS g(i)
    """

    @Test(.enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
    func pyicebergAgreesWithEveryPartitionValue() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let wh = dir.path + "/wh"
        let session = try icebergSession(wh)
        _ = try session.execute("CREATE SCHEMA iceberg.p")
        let specs: [(String, String)] = [
            ("ints", "bucket(7, id), truncate(5, small), truncate(4000, n), flag"),
            ("times", "days(ts), months(d)"),
            ("hours", "hours(ts), years(d)"),
            ("texts", "s, truncate(3, s), bucket(5, s), bucket(3, bin), truncate(2, bin)"),
            ("others", "bucket(4, amount), truncate(10, amount), bucket(6, u), bucket(9, d), month(ts), day(d), amount"),
        ]
        let filters = ["id == 7", "s == 'beta'", "s == 'ünïcødé straße/x'", "ts >= '1970-01-05T00:00:00+00:00'", "d < '1970-01-01'",
                       "amount == -6.30", "u == '01234567-89ab-cdef-0000-000000000009'", "n == -3000", "small == -3", "flag == true"]
        let want: [String: Int] = try Dictionary(uniqueKeysWithValues: zip(filters, [
            "id = 7", "s = 'beta'", "s = 'ünïcødé straße/x'", "ts >= TIMESTAMP '1970-01-05 00:00:00'", "d < DATE '1970-01-01'",
            "amount = -6.30", "u = CAST('01234567-89ab-cdef-0000-000000000009' AS UUID)", "n = -3000", "small = -3", "flag",
        ].map { w in
            guard case .rows(_, let b)? = try session.execute("SELECT count(*) FROM (\(Self.rows)) AS r WHERE \(w)").last,
                  case .int(let n) = b[0].row(0)[0] else { return -1 }
            return Int(n)
        }))
        #expect(want["id == 7"] == 1 && want["s == 'beta'"]! > 5 && want["d < '1970-01-01'"]! > 0)
        for (name, spec) in specs {
            _ = try session.execute("CREATE TABLE iceberg.p.\(name) PARTITIONED BY (\(spec)) AS \(Self.rows)")
            // A second append and an overwrite: pyiceberg reads the overwrite's deleted-file manifest
            // (partitioned like the rest) and sees only the last rows.
            _ = try session.execute("INSERT INTO iceberg.p.\(name) SELECT * FROM (\(Self.rows)) AS r WHERE id > 1000")
            let out = try JSONParser.parse(try Fixtures.runPython(Self.script, [wh + "/catalog.db", wh, "p." + name] + filters))
            #expect(out["rows"] == .int(60), "\(name)")
            #expect(out["mismatches"] == .array([]), "\(name): \(out["mismatches"]?.text ?? "")")
            #expect(out["summary_mismatches"] == .array([]), "\(name): \(out["summary_mismatches"]?.text ?? "")")
            for f in filters { #expect(out["counts"]?[f] == .int(Int64(want[f]!)), "\(name) \(f)") }
            // fastavro reads the manifests: counts and bounds equal the data files' own.
            let manifests = try JSONParser.parse(try Fixtures.runPython(Self.manifestScript, [wh + "/catalog.db", wh, "p." + name]))
            if case .int(let entries)? = manifests["entries"] { #expect(entries > 0, "\(name)") } else { Issue.record("\(name): \(manifests.text)") }
            #expect(manifests["mismatches"] == .array([]), "\(name): \(manifests["mismatches"]?.text ?? "")")
            _ = try session.execute("INSERT OVERWRITE iceberg.p.\(name) SELECT * FROM (\(Self.rows)) AS r WHERE id <= 10")
            let after = try JSONParser.parse(try Fixtures.runPython(Self.script, [wh + "/catalog.db", wh, "p." + name, "id == 7"]))
            #expect(after["rows"] == .int(10) && after["mismatches"] == .array([]) && after["counts"]?["id == 7"] == .int(1), "\(name): \(after.text)")
        }
        // pyiceberg appends to a table partitioned by time transforms; movesql reads its snapshot.
        let appender = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("append_rows.py").path
        let appended = try Fixtures.runPython(appender, [wh + "/catalog.db", wh, "p.times", "12"]).split(separator: "\n").map(String.init).sorted()
        #expect(appended.count == 12)
        #expect(try canonical(session, "SELECT * FROM iceberg.p.times WHERE id >= 1000") == appended)
        #expect(try IcebergCatalogTests.rows(session, "SELECT count(*) FROM iceberg.p.times").rows == [[.int(22)]])
        // The folders carry pyiceberg's escaped human values.
        let folders = try FileManager.default.contentsOfDirectory(atPath: wh + "/p/texts/data")
        #expect(folders.contains("s=%C3%BCn%C3%AFc%C3%B8d%C3%A9+stra%C3%9Fe%2Fx") && folders.contains("s=null"), "\(folders)")
        let times = try FileManager.default.contentsOfDirectory(atPath: wh + "/p/times/data")
        #expect(times.contains("ts_day=1969-12-05"), "\(times)")
    }

    @Test func partitioningMistakesAreNamed() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let session = try icebergSession(dir.path + "/wh")
        _ = try session.execute("CREATE SCHEMA iceberg.p")
        func failure(_ sql: String) -> String {
            do { _ = try session.execute(sql); return "no error" } catch { return "\(error)" }
        }
        let cols = "(id BIGINT, d DATE, s VARCHAR, tags VARCHAR[])"
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (hours(d))").contains("hour does not apply"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (bucket(id))").contains("needs its width"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (nope)").contains("nope, which is not a column"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (tags)").contains("cannot be partitioned on"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (sqrt(id))").contains("sqrt is not a partition transform"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (bucket(16, id), bucket(16, id))").contains("twice"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) PARTITIONED BY (days(d), months(d))").contains("redundant"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) WITH ('write.parquet.compression-codec' = 'brotli')").contains("brotli"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) WITH (write.format.default = 'orc')").contains("Parquet"))
        #expect(failure("CREATE TABLE iceberg.p.a \(cols) WITH (write.target-file-size-bytes = 0)").contains("positive"))
        #expect(failure("CREATE TABLE mem \(cols) PARTITIONED BY (id)").contains("in-memory"))
        // None of them left a table.
        guard case .rows(_, let b)? = try session.execute("SHOW TABLES").last else { Issue.record("no SHOW TABLES"); return }
        #expect(b.allSatisfy { $0.count == 0 })
    }

    @Test func tablePropertiesChooseHowFilesAreWritten() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let wh = dir.path + "/wh"
        let session = try icebergSession(wh)
        _ = try session.execute("""
            CREATE SCHEMA iceberg.p;
            CREATE TABLE iceberg.p.small WITH ('write.parquet.compression-codec' = 'snappy', write.target-file-size-bytes = 20000, 'custom.owner' = 'team-a')
              AS SELECT i AS id, repeat('v', 50) || CAST(i AS VARCHAR) AS s FROM generate_series(1, 20000) AS g(i)
            """)
        let files = try FileManager.default.contentsOfDirectory(atPath: wh + "/p/small/data").filter { $0.hasSuffix(".parquet") }
        #expect(files.count > 3, "target-file-size-bytes rolls files: \(files)")
        let metadata = try FileManager.default.contentsOfDirectory(atPath: wh + "/p/small/metadata").filter { $0.hasPrefix("00001-") }
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: wh + "/p/small/metadata/" + metadata[0]))))
        #expect(json["properties"]?["custom.owner"] == .string("team-a"))
        guard Fixtures.pythonAvailable else { return }
        let out = try JSONParser.parse(try Fixtures.runPython(Self.script, [wh + "/catalog.db", wh, "p.small"]))
        #expect(out["codecs"] == .array([.string("SNAPPY")]) && out["rows"] == .int(20000), "\(out.text)")
    }
}
