@testable import Cassandra
@testable import CassandraCatalog
import Columnar
import Engine
import Foundation
import SQL
import Testing

/// Clustering-column comparisons pushed into the scan (each partition entered at the
/// promoted-index block holding the range's start and left at its end) return exactly what
/// the same comparisons return when the engine alone applies them — over ascending and
/// descending columns of text, blob, int and timestamp, on their own, under an equality
/// prefix, and with a pinned wide partition.
@Suite(.serialized) struct ClusteringPushdownTests {
    /// A SQL literal for a value the tests compare with, or nil for types they skip.
    static func literal(_ v: Value) -> String? {
        switch v {
        case .int(let n): return String(n)
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .timestamp: return "TIMESTAMP '\(ValueText.render(v))'"
        case .date: return "DATE '\(ValueText.render(v))'"
        case .blob(let b): return b.isEmpty ? nil : "unhex('\(b.map { String(format: "%02x", $0) }.joined())')"
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// Value order for the types `literal` renders.
    static func precedes(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.timestamp(let x), .timestamp(let y)): return x < y
        case (.date(let x), .date(let y)): return x < y
        case (.blob(let x), .blob(let y)): return x.lexicographicallyPrecedes(y)
        case (.bool(let x), .bool(let y)): return !x && y
        default: return false
        }
    }

    static func sortedLiterals(_ values: [Value]) -> [String] {
        var seen = Set<String>()
        return values.filter { literal($0) != nil }.sorted(by: precedes).compactMap { v in
            let l = literal(v)!
            return seen.insert(l).inserted ? l : nil
        }
    }

    struct Case {
        var pushed: String
        /// The same predicate over `coalesce(c, c)`, which no scan recognizes.
        var hidden: String
    }

    static func comparison(_ column: String, _ op: String, _ value: String) -> Case {
        Case(pushed: "\(column) \(op) \(value)", hidden: "coalesce(\(column), \(column)) \(op) \(value)")
    }

    static func and(_ cases: Case...) -> Case {
        Case(pushed: cases.map(\.pushed).joined(separator: " AND "), hidden: cases.map(\.hidden).joined(separator: " AND "))
    }

    @Test func clusteringRangesReadOnlyWhatTheyMatch() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cluster = try BackupTableTests.synth(dir)
        let session = try SQLRun.session(dir.path + "/backups")
        _ = try session.execute("SET cassandra_exact_types = 'text'")
        var nonTrivial = 0
        for name in ["synth.all_types", "kv.items", "ts.wide_data_20261127_0", "ts.time_slice_metadata"] {
            let t = try #require(cluster.schema.table(name))
            let table = "cassandra.\(name)"
            let all = try SQLRun.rows(session, "SELECT * FROM \(table)")
            try #require(all.count > 3, "\(name) has \(all.count) rows")
            let order = t.displayOrder
            func at(_ column: String) -> Int { order.firstIndex(of: column)! }
            let clustering = t.clustering.map(\.name)
            var cases: [Case] = []
            // Ranges over the first clustering column, from values of the data.
            let distinct = Self.sortedLiterals(all.map { $0[at(clustering[0])] })
            if distinct.count >= 3 {
                let lo = distinct[distinct.count / 4], mid = distinct[distinct.count / 2], hi = distinct[(3 * distinct.count) / 4]
                for op in ["=", "<", "<=", ">", ">="] { cases.append(Self.comparison(clustering[0], op, mid)) }
                cases.append(Case(pushed: "\(mid) < \(clustering[0])", hidden: "\(mid) < coalesce(\(clustering[0]), \(clustering[0]))"))
                cases.append(Self.and(Self.comparison(clustering[0], ">=", lo), Self.comparison(clustering[0], "<", hi)))
                cases.append(Self.and(Self.comparison(clustering[0], ">", lo), Self.comparison(clustering[0], ">", mid)))
                // Contradictory: nothing is read.
                cases.append(Self.and(Self.comparison(clustering[0], ">", hi), Self.comparison(clustering[0], "<", lo)))
            }
            // An equality prefix and a range on the next column, from one row.
            if clustering.count > 1 {
                for row in [all[all.count / 3], all[(2 * all.count) / 3]] {
                    guard let a = Self.literal(row[at(clustering[0])]), let b = Self.literal(row[at(clustering[1])]) else { continue }
                    for op in ["<", "<=", ">", ">=", "="] {
                        cases.append(Self.and(Self.comparison(clustering[0], "=", a), Self.comparison(clustering[1], op, b)))
                    }
                }
            }
            // The widest partition pinned, with a range.
            let keyColumns = t.partitionKey.map(\.name)
            var widths: [[Value]: Int] = [:]
            for r in all { widths[keyColumns.map { r[at($0)] }, default: 0] += 1 }
            if let (key, _) = widths.max(by: { $0.value < $1.value }), key.allSatisfy({ Self.literal($0) != nil }), distinct.count >= 3 {
                let pinned = zip(keyColumns, key).map { "\($0) = \(Self.literal($1)!)" }.joined(separator: " AND ")
                let rows = all.filter { r in keyColumns.map { r[at($0)] } == key }
                let values = Self.sortedLiterals(rows.map { $0[at(clustering[0])] })
                if values.count >= 2 {
                    let v = values[values.count / 2]
                    cases.append(Case(pushed: pinned + " AND \(clustering[0]) > \(v)", hidden: pinned + " AND coalesce(\(clustering[0]), \(clustering[0])) > \(v)"))
                    cases.append(Case(pushed: pinned + " AND \(clustering[0]) <= \(v)", hidden: pinned + " AND coalesce(\(clustering[0]), \(clustering[0])) <= \(v)"))
                }
            }
            try #require(cases.count >= 5, "\(name): too few cases")
            for c in cases {
                let got = try SQLRun.rows(session, "SELECT * FROM \(table) WHERE \(c.pushed)")
                let want = try SQLRun.rows(session, "SELECT * FROM \(table) WHERE \(c.hidden)")
                #expect(got == want, "\(name) WHERE \(c.pushed): \(got.count) rows, \(want.count) without pushdown")
                if !want.isEmpty && want.count < all.count { nonTrivial += 1 }
                let plan = try SQLRun.text(session, "EXPLAIN SELECT * FROM \(table) WHERE \(c.pushed)")
                #expect(plan.contains("clustering slice:"), "\(name) WHERE \(c.pushed): \(plan)")
                let hiddenPlan = try SQLRun.text(session, "EXPLAIN SELECT * FROM \(table) WHERE \(c.hidden)")
                #expect(!hiddenPlan.contains("clustering slice:"))
            }
        }
        #expect(nonTrivial > 30)
    }

    @Test func slicesFromFilters() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try BackupTableTests.synth(dir)
        let session = try SQLRun.session(dir.path + "/backups")
        func plan(_ sql: String) throws -> String { try SQLRun.text(session, "EXPLAIN " + sql) }
        // A descending column's range turns around: event_time > T ends the slice at T.
        let ts = try plan("SELECT * FROM cassandra.ts.wide_data_20261127_0 WHERE event_time > TIMESTAMP '2026-11-27 12:00:00'")
        #expect(ts.contains("clustering slice: event_time < \"2026-11-27T12:00:00.000Z\" in clustering order"), "\(ts)")
        let both = try plan("SELECT * FROM cassandra.synth.all_types WHERE seq = 3 AND label >= 'b' AND label < 'k'")
        #expect(both.contains("clustering slice: (seq, label) > (3, \"k\") and (seq, label) <= (3, \"b\") in clustering order"), "\(both)")
        let empty = try plan("SELECT * FROM cassandra.kv.items WHERE key > unhex('20') AND key < unhex('10')")
        #expect(empty.contains("clustering slice: empty"), "\(empty)")
        #expect(try SQLRun.rows(session, "SELECT * FROM cassandra.kv.items WHERE key > unhex('20') AND key < unhex('10')").isEmpty)
        // Comparisons whose Cassandra order is not the engine's are left to the engine.
        for sql in ["SELECT * FROM cassandra.synth.all_types WHERE CAST(seq AS VARCHAR) > '5'",
                    "SELECT * FROM cassandra.kv.items WHERE key IN (unhex('01'), unhex('02'))",
                    "SELECT * FROM cassandra.kv.items WHERE octet_length(key) > 3"] {
            #expect(try !plan(sql).contains("clustering slice"), "\(sql)")
        }
    }
}
