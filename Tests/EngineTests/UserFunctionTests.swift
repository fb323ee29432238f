import Columnar
import Engine
import MoveSQL
import SQL
import Testing

/// Functions a program registers: bound by declared types, vectorized or row at a time,
/// their failures naming the function, the row and the arguments; SHOW FUNCTIONS lists them.
struct UserFunctionTests {
    func values(_ s: Session, _ sql: String) throws -> [[Value]] {
        guard case .rows(_, let batches)? = try s.execute(sql).last else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.row($0) } }
    }

    func failure(_ s: Session, _ sql: String) -> String {
        do { _ = try s.execute(sql); return "no error" } catch { return "\(error)" }
    }

    static func session() -> Session {
        let s = Session()
        // Vectorized: the domain of an e-mail address, over the column's bytes.
        s.registry.register(ScalarFunction("email_domain", arguments: [.varchar], returns: .varchar) { args, count in
            var out = ColumnBuilder(type: .varchar, capacity: count)
            for i in 0..<count {
                if args[0].isNull(i) { out.appendNull(); continue }
                args[0].withBytes(at: i) { raw in
                    if let at = raw.firstIndex(of: UInt8(ascii: "@")) {
                        out.append(bytes: UnsafeRawBufferPointer(rebasing: raw[(at + 1)...]))
                    } else {
                        out.appendNull()
                    }
                }
            }
            return out.finish()
        })
        // Row at a time: a checked division, with a failure for zero.
        s.registry.register(ScalarFunction.rows("ratio", arguments: [.bigint, .bigint], returns: .double) { v in
            guard case .int(let a) = v[0], case .int(let b) = v[1] else { return .null }
            if b == 0 { throw SQLError(.runtime, "the denominator is zero") }
            return .double(Double(a) / Double(b))
        })
        // Declared to return a BIGINT, returns text: caught, named.
        s.registry.register(ScalarFunction.rows("liar", arguments: [.integer], returns: .bigint) { _ in .string("nope") })
        return s
    }

    @Test func scalarFunctionsRunInQueries() throws {
        let s = Self.session()
        #expect(try values(s, "SELECT email_domain('ana@example.com'), email_domain('nobody'), email_domain(NULL)")
            == [[.string("example.com"), .null, .null]])
        // SMALLINT and INTEGER widen to the declared BIGINT; NULL gives NULL without a call.
        #expect(try values(s, "SELECT ratio(CAST(3 AS SMALLINT), 4), ratio(NULL, 1)") == [[.double(0.75), .null]])
        #expect(try values(s, "SELECT sum(ratio(i, 2)) FROM generate_series(1, 4) AS g(i)") == [[.double(5.0)]])
        #expect(try values(s, "SELECT email_domain(e) FROM (VALUES ('a@x.org'), ('b@y.net')) AS t(e) ORDER BY 1") == [[.string("x.org")], [.string("y.net")]])
    }

    @Test func failuresNameTheFunctionRowAndValues() {
        let s = Self.session()
        #expect(failure(s, "SELECT ratio('a', 1)").contains("no function ratio(VARCHAR, INTEGER)"))
        #expect(failure(s, "SELECT email_domain(1, 2)").contains("email_domain"))
        let zero = failure(s, "SELECT ratio(i, i - 2) FROM generate_series(1, 3) AS g(i)")
        #expect(zero.contains("function ratio failed at row 2 with (2, 0): the denominator is zero"), "\(zero)")
        let liar = failure(s, "SELECT liar(1)")
        #expect(liar.contains("function liar returned nope") && liar.contains("declared to return BIGINT"), "\(liar)")
    }

    static func withAggregates() -> Session {
        let s = session()
        // Two arguments, a struct of state, merge for parallel partials.
        struct Weighted: Sendable { var sum = 0.0, weight = 0.0 }
        s.registry.register(AggregateFunction("weighted_avg", arguments: [.double, .double], returns: .double,
            initial: { Weighted() },
            update: { st, v in
                guard case .double(let x) = v[0], case .double(let w) = v[1] else { return }
                if w < 0 { throw SQLError(.runtime, "a negative weight") }
                st.sum += x * w
                st.weight += w
            },
            merge: { st, other in st.sum += other.sum; st.weight += other.weight },
            finish: { st in st.weight == 0 ? .null : .double(st.sum / st.weight) }))
        // Not strict: sees NULLs (counts them).
        s.registry.register(AggregateFunction("count_nulls", arguments: [.bigint], returns: .bigint, strict: false,
            initial: { Int64(0) }, update: { n, v in if v[0].isNull { n += 1 } }, merge: { n, o in n += o }, finish: { .int($0) }))
        return s
    }

    @Test func aggregatesGroupMergeAndFail() throws {
        let s = Self.withAggregates()
        // Integers widen to the declared DOUBLEs.
        #expect(try values(s, "SELECT weighted_avg(x, w) FROM (VALUES (1, 1), (3, 3)) AS t(x, w)") == [[.double(2.5)]])
        #expect(try values(s, "SELECT k, weighted_avg(CAST(i AS DOUBLE), 1.0) FROM (SELECT i % 2 AS k, i FROM generate_series(1, 10) AS g(i)) AS t GROUP BY k ORDER BY k")
            == [[.int(0), .double(6.0)], [.int(1), .double(5.0)]])
        // Many partitions on several threads: partial states merge to the same answer.
        _ = try s.execute("SET threads = 2")
        _ = try s.execute("CREATE TABLE big AS SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i END AS maybe FROM generate_series(1, 200000) AS g(i)")
        #expect(try values(s, "SELECT weighted_avg(CAST(i AS DOUBLE), 2.0), count_nulls(maybe) FROM big") == [[.double(100000.5), .int(28571)]])
        // No rows: the initial state finished.
        #expect(try values(s, "SELECT weighted_avg(1.0, 1.0), count_nulls(1) FROM big WHERE i < 0") == [[.null, .int(0)]])
        #expect(failure(s, "SELECT weighted_avg('a', 1.0)").contains("no function weighted_avg(VARCHAR"))
        #expect(failure(s, "SELECT weighted_avg(1.0)").contains("takes 2 arguments"))
        let bad = failure(s, "SELECT weighted_avg(CAST(i AS DOUBLE), CAST(5 - i AS DOUBLE)) FROM generate_series(1, 9) AS g(i)")
        #expect(bad.contains("aggregate weighted_avg failed in update with (6.0, -1.0): a negative weight"), "\(bad)")
    }

    @Test func showFunctionsListsEveryKind() throws {
        let s = Self.withAggregates()
        _ = try s.execute("CREATE FUNCTION twice(x INTEGER) AS x * 2")
        let rows = try values(s, "SHOW FUNCTIONS")
        #expect(rows.contains([.string("ratio"), .string("scalar"), .string("ratio(BIGINT, BIGINT) -> DOUBLE")]))
        #expect(rows.contains([.string("email_domain"), .string("scalar"), .string("email_domain(VARCHAR) -> VARCHAR")]))
        #expect(rows.contains { $0[0] == .string("twice") && $0[1] == .string("sql") })
        #expect(rows.contains { $0[0] == .string("lower") && $0[1] == .string("built-in") })
        #expect(rows.contains([.string("sum"), .string("aggregate"), .null]))
        #expect(rows.contains([.string("weighted_avg"), .string("aggregate"), .string("weighted_avg(DOUBLE, DOUBLE) -> DOUBLE")]))
        #expect(rows.contains([.string("generate_series"), .string("table"), .null]))
        #expect(rows.count > 90)
    }
}
