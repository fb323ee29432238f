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

    @Test func showFunctionsListsEveryKind() throws {
        let s = Self.session()
        _ = try s.execute("CREATE FUNCTION twice(x INTEGER) AS x * 2")
        let rows = try values(s, "SHOW FUNCTIONS")
        #expect(rows.contains([.string("ratio"), .string("scalar"), .string("ratio(BIGINT, BIGINT) -> DOUBLE")]))
        #expect(rows.contains([.string("email_domain"), .string("scalar"), .string("email_domain(VARCHAR) -> VARCHAR")]))
        #expect(rows.contains { $0[0] == .string("twice") && $0[1] == .string("sql") })
        #expect(rows.contains { $0[0] == .string("lower") && $0[1] == .string("built-in") })
        #expect(rows.contains([.string("sum"), .string("aggregate"), .null]))
        #expect(rows.contains([.string("generate_series"), .string("table"), .null]))
        #expect(rows.count > 90)
    }
}
