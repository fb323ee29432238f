import Cassandra
import Foundation
import FixtureSupport
import Testing

/// Every table under ../shared/fixtures/sstables read and compared with its expected.json:
/// the columns by name, the rows (in on-disk order where the fixture gives it, else as a
/// multiset), row and partition counts, and the corrupt fixtures failing as described.
@Suite("SSTable fixtures")
struct SSTableFixtureTests {
    @Test("reads like expected.json", arguments: Fixtures.sstableTables)
    func readsLikeExpected(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        let folder = try Fixtures.sstableFolder(name)
        let schema = try fixtureSchema(expected)

        if let error = expected["expect_error"] as? String {
            #expect(throws: SSTableError.self) {
                let reader = try TableReader(path: folder.path, schema: schema)
                let rows = try reader.rows(now: nil)
                while try rows.next() != nil {}
            }
            do {
                let reader = try TableReader(path: folder.path, schema: schema)
                let rows = try reader.rows(now: nil)
                while try rows.next() != nil {}
            } catch let e as SSTableError {
                let wanted: SSTableError.Kind = error.contains("Digest") ? .digestMismatch : .checksumMismatch
                #expect(e.kind == wanted, "\(e)")
                #expect(e.description.contains("Data.db") || e.description.contains("Digest.crc32"), "\(e)")
            }
            return
        }

        let reader = try TableReader(path: folder.path, schema: schema)
        let stream = try reader.rows(now: nil)
        if let columns = expected["columns"] as? [String] {
            #expect(stream.columnNames == columns)
        }
        var got: [[CQLValue]] = []
        while let row = try stream.next() { got.append(row) }

        if let n = expected["row_count"] as? Int { #expect(got.count == n, "row count") }
        if let n = expected["partition_count"] as? Int, let pkCount = schema?.partitionKey.count {
            var keys = Set<String>()
            for r in got { keys.insert(r.prefix(pkCount).map { ValueJSON.render($0) }.joined(separator: "|")) }
            // A partition whose rows are all deleted still counts when it has a live static row.
            #expect(keys.count <= n, "partitions with live rows")
            if got.count > 0 { #expect(keys.count == n, "partition count") }
        }
        let types = stream.columnNames.map { name in reader.layout.schema.column(named: name)?.type ?? .blob }
        let mine = got.map { row in canonicalRow(row.map { parseJSON(ValueJSON.render($0)) }, types) }

        let (rows, ordered) = try Fixtures.expectedRows(name)
        if let rows {
            let theirs = rows.map { canonicalRow($0, types) }
            if ordered {
                #expect(mine == theirs, "rows in on-disk order\n\(firstDifference(mine, theirs))")
            } else {
                #expect(mine.sorted() == theirs.sorted(), "rows as a multiset\n\(firstDifference(mine.sorted(), theirs.sorted()))")
            }
        }
        if let sample = expected["rows_sample"] as? [[Any]] {
            let theirs = sample.map { canonicalRow($0, types) }
            let order = (expected["rows_generator"] as? [String: Any])?["order"] as? String ?? ""
            if order.contains("on-disk") || order.contains("first rows") || rows == nil {
                #expect(Array(mine.prefix(theirs.count)) == theirs, "the first rows on disk")
            } else {
                for r in theirs { #expect(mine.contains(r), "sample row \(r)") }
            }
        }
    }

    @Test("partitions are in token order", arguments: Fixtures.sstableTables)
    func partitionsInTokenOrder(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        guard expected["expect_error"] == nil else { return }
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(expected))
        for scanner in try reader.scanners() {
            var last: PartitionHeader?
            while let p = try scanner.nextPartition() {
                if let l = last {
                    #expect(l.token < p.token || (l.token == p.token && l.key.lexicographicallyPrecedes(p.key)),
                            "\(scanner.sstable.descriptor): \(l.token) then \(p.token)")
                }
                last = p
            }
        }
    }
}

func fixtureSchema(_ expected: [String: Any]) throws -> TableSchema? {
    guard let cql = expected["schema_cql"] as? String else { return nil }
    let prerequisites = (expected["schema_prerequisites_cql"] as? [String]) ?? []
    return try CQLSchemaParser.parse((prerequisites + [cql]).joined(separator: ";\n")).last
}

func parseJSON(_ s: String) -> Any {
    (try? JSONSerialization.jsonObject(with: Data(s.utf8), options: [.fragmentsAllowed])) ?? s
}

/// One row as a comparable string. Both sides go through JSON and are read per column type:
/// floats rounded to 6 decimals (float32), doubles as doubles, booleans as booleans.
func canonicalRow(_ row: [Any], _ types: [CQLType]) -> String {
    zip(row, types).map { canonical($0, $1) }.joined(separator: " | ")
}

func canonical(_ v: Any, _ t: CQLType) -> String {
    if v is NSNull { return "null" }
    switch t.base {
    case .float:
        if let n = v as? NSNumber { return String(format: "%.6f", n.doubleValue) }
    case .double:
        if let n = v as? NSNumber { return "\(n.doubleValue)" }
    case .boolean:
        if let n = v as? NSNumber { return n.boolValue ? "true" : "false" }
    case .list(let e, _), .set(let e, _):
        if let a = v as? [Any] { return "[" + a.map { canonical($0, e) }.joined(separator: ", ") + "]" }
    case .vector(let e, _):
        if let a = v as? [Any] { return "[" + a.map { canonical($0, e) }.joined(separator: ", ") + "]" }
    case .map(let k, let val, _):
        if let a = v as? [[Any]] {
            return "{" + a.map { $0.count == 2 ? canonical($0[0], k) + ": " + canonical($0[1], val) : "?" }.joined(separator: ", ") + "}"
        }
    case .tuple(let ts):
        if let a = v as? [Any] {
            return "(" + a.enumerated().map { canonical($0.element, $0.offset < ts.count ? ts[$0.offset] : .blob) }.joined(separator: ", ") + ")"
        }
    case .udt(let d, _):
        if let o = v as? [String: Any] {
            return "{" + d.fieldNames.enumerated().map { i, f in f + ": " + canonical(o[f] ?? NSNull(), d.fieldTypes[i]) }.joined(separator: ", ") + "}"
        }
    case .duration:
        if let o = v as? [String: Any] {
            return "\(o["months"] ?? "?")mo\(o["days"] ?? "?")d\(o["nanoseconds"] ?? "?")ns"
        }
    default: break
    }
    if let s = v as? String { return "\"\(s)\"" }
    if let n = v as? NSNumber { return n.stringValue }
    return "\(v)"
}

func firstDifference(_ a: [String], _ b: [String]) -> String {
    for i in 0..<max(a.count, b.count) {
        let x = i < a.count ? a[i] : "<none>", y = i < b.count ? b[i] : "<none>"
        if x != y { return "row \(i): got \(x.prefix(300))\n  expected \(y.prefix(300))" }
    }
    return ""
}
