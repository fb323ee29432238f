import Columnar
import Engine
import MoveSQL
import SQL
import Testing
import Threads
#if canImport(Glibc)
import Glibc
#endif

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
        // DISTINCT: each distinct argument tuple once per group, also over many partitions.
        #expect(try values(s, "SELECT weighted_avg(DISTINCT x, w), weighted_avg(x, w) FROM (VALUES (1, 1), (1, 1), (4, 1), (1, 2)) AS t(x, w)")
            == [[.double(1.75), .double(1.6)]])
        #expect(try values(s, "SELECT count_nulls(DISTINCT maybe), weighted_avg(DISTINCT CAST(i % 10 AS DOUBLE), 1.0) FROM big") == [[.int(1), .double(4.5)]])
        #expect(try values(s, "SELECT i % 2 AS k, weighted_avg(DISTINCT CAST(i % 4 AS DOUBLE), 1.0) FROM big GROUP BY k ORDER BY k")
            == [[.int(0), .double(1.0)], [.int(1), .double(2.0)]])
        // OVER: over each row's frame — the running default, an explicit ROWS frame, partitions.
        #expect(try values(s, "SELECT i, weighted_avg(CAST(i AS DOUBLE), 1.0) OVER (ORDER BY i) FROM generate_series(1, 4) AS g(i) ORDER BY i")
            == [[.int(1), .double(1.0)], [.int(2), .double(1.5)], [.int(3), .double(2.0)], [.int(4), .double(2.5)]])
        #expect(try values(s, "SELECT i, weighted_avg(CAST(i AS DOUBLE), 1.0) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM generate_series(1, 4) AS g(i) ORDER BY i")
            == [[.int(1), .double(1.0)], [.int(2), .double(1.5)], [.int(3), .double(2.5)], [.int(4), .double(3.5)]])
        #expect(try values(s, "SELECT i, count_nulls(CASE WHEN i > 2 THEN NULL ELSE i END) OVER (PARTITION BY i % 2) FROM generate_series(1, 6) AS g(i) ORDER BY i")
            == [[.int(1), .int(2)], [.int(2), .int(2)], [.int(3), .int(2)], [.int(4), .int(2)], [.int(5), .int(2)], [.int(6), .int(2)]])
        #expect(failure(s, "SELECT weighted_avg(DISTINCT 1.0, 1.0) OVER () FROM big").contains("DISTINCT in a window is not supported"))
        let bad = failure(s, "SELECT weighted_avg(CAST(i AS DOUBLE), CAST(5 - i AS DOUBLE)) FROM generate_series(1, 9) AS g(i)")
        #expect(bad.contains("aggregate weighted_avg failed in update with (6.0, -1.0): a negative weight"), "\(bad)")
    }

    /// Batches of `rows` produced by `next` until it returns nil.
    final class Stream: BatchStream {
        let pull: () throws -> Batch?
        init(_ pull: @escaping () throws -> Batch?) { self.pull = pull }
        func next() throws -> Batch? { try pull() }
    }

    static func withTableFunctions() -> Session {
        let s = session()
        // Constants in: n labelled rows, produced 1000 at a time.
        s.registry.register(TableFunction("labels", arguments: [.bigint, .varchar],
            schema: { _, _ in [Field("i", .bigint), Field("label", .varchar)] },
            rows: { args, _ in
                guard case .int(let n) = args[0], case .string(let prefix) = args[1] else { return Stream { nil } }
                var at: Int64 = 0
                return Stream {
                    guard at < n else { return nil }
                    let end = min(n, at + 1000)
                    var i = ColumnBuilder(type: .bigint), l = ColumnBuilder(type: .varchar)
                    for k in at..<end { i.append(int64: k + 1); l.append(.string("\(prefix)\(k + 1)")) }
                    defer { at = end }
                    if prefix == "boom" && at >= 2000 { throw SQLError(.runtime, "no more labels") }
                    return Batch(columns: [i.finish(), l.finish()], count: Int(end - at))
                }
            }))
        // A table in, rows out: consecutive (user, t) rows, ordered, become sessions where gaps
        // stay within `gap`; the state carries across input batches.
        s.registry.register(TableFunction("sessions", arguments: [.bigint], takesInput: true,
            schema: { _, input in
                guard let input, input.count == 2, input[1].type == .bigint else { throw SQLError(.binder, "sessions reads (user, t BIGINT) rows") }
                return [Field("user", input[0].type), Field("started", .bigint), Field("events", .bigint)]
            },
            rows: { args, input in
                guard case .int(let gap) = args[0], let input else { return Stream { nil } }
                var current: (user: Value, started: Int64, last: Int64, events: Int64)?
                var done = false
                return Stream {
                    guard !done else { return nil }
                    var u = ColumnBuilder(type: .varchar), st = ColumnBuilder(type: .bigint), ev = ColumnBuilder(type: .bigint)
                    var n = 0
                    func emit() {
                        guard let c = current else { return }
                        u.append(c.user); st.append(int64: c.started); ev.append(int64: c.events); n += 1
                    }
                    while n == 0 {
                        guard let b = try input.next() else {
                            emit()
                            current = nil
                            done = true
                            break
                        }
                        for r in 0..<b.count {
                            let user = b.columns[0].value(at: r)
                            guard case .int(let t) = b.columns[1].value(at: r) else { continue }
                            if let c = current, c.user == user, t - c.last <= gap {
                                current = (user, c.started, t, c.events + 1)
                            } else {
                                emit()
                                current = (user, t, t, 1)
                            }
                        }
                    }
                    return n == 0 ? nil : Batch(columns: [u.finish(), st.finish(), ev.finish()], count: n)
                }
            }))
        // Declares BIGINT, produces text.
        s.registry.register(TableFunction("wrong", arguments: [],
            schema: { _, _ in [Field("x", .bigint)] },
            rows: { _, _ in
                var once = false
                return Stream {
                    if once { return nil }
                    once = true
                    var b = ColumnBuilder(type: .varchar)
                    b.append(.string("x"))
                    return Batch(columns: [b.finish()], count: 1)
                }
            }))
        return s
    }

    @Test func tableFunctionsStreamRows() throws {
        let s = Self.withTableFunctions()
        #expect(try values(s, "SELECT count(*), sum(i), max(label) FROM labels(2500, 'n')") == [[.int(2500), .hugeint(2500 * 2501 / 2), .string("n999")]])
        #expect(try values(s, "SELECT label FROM labels(3, 'x') WHERE i >= 2 ORDER BY i") == [[.string("x2")], [.string("x3")]])
        #expect(try values(s, "SELECT l.label, t.v FROM labels(2, 'p') AS l JOIN (VALUES (2, 'two')) AS t(k, v) ON l.i = t.k") == [[.string("p2"), .string("two")]])
        // A table in: 3000 events of 3 users, read as a stream into sessions.
        _ = try s.execute("CREATE TABLE events AS SELECT 'u' || CAST(i % 3 AS VARCHAR) AS who, (i / 3) * 10 + CASE WHEN i / 3 >= 500 THEN 1000 ELSE 0 END AS t FROM generate_series(0, 2999) AS g(i)")
        let sessions = try values(s, "SELECT * FROM sessions((SELECT who, t FROM events ORDER BY who, t), 15) ORDER BY 1, 2")
        #expect(sessions == [
            [.string("u0"), .int(0), .int(500)], [.string("u0"), .int(6000), .int(500)],
            [.string("u1"), .int(0), .int(500)], [.string("u1"), .int(6000), .int(500)],
            [.string("u2"), .int(0), .int(500)], [.string("u2"), .int(6000), .int(500)],
        ], "\(sessions)")
        #expect(failure(s, "SELECT * FROM labels(1)").contains("takes 2 arguments"))
        #expect(failure(s, "SELECT * FROM labels('a', 'b')").contains("argument 1 is VARCHAR where BIGINT is declared"))
        #expect(failure(s, "SELECT * FROM sessions(15)").contains("takes a query first"))
        #expect(failure(s, "SELECT * FROM sessions((SELECT 'a', 'b'), 1)").contains("sessions reads (user, t BIGINT) rows"))
        #expect(failure(s, "SELECT count(*) FROM labels(5000, 'boom')").contains("table function labels failed in its batch 3: no more labels"))
        #expect(failure(s, "SELECT * FROM wrong()").contains("produced a VARCHAR column x; it declared BIGINT"))
        #expect(try values(s, "SHOW FUNCTIONS").contains([.string("sessions"), .string("table"), .string("sessions((query), BIGINT) -> TABLE")]))
    }

    /// A table of 8 partitions that records the threads that open them.
    final class ThreadProbe: TableProvider, @unchecked Sendable {
        let schema = [Field("who", .varchar), Field("t", .bigint)]
        let lock = Monitor()
        var threads = Set<UInt>()
        var estimatedRows: Int? { 8 }
        struct Part: ScanPartition {
            let probe: ThreadProbe
            let i: Int
            func open() throws -> BatchStream {
                probe.lock.withLock { _ = probe.threads.insert(UInt(pthread_self())) }
                var who = ColumnBuilder(type: .varchar), t = ColumnBuilder(type: .bigint)
                who.append(.string("u")); t.append(int64: Int64(i))
                return BatchListStream([Batch(columns: [who.finish(), t.finish()], count: 1)])
            }
        }
        func partitions(_ request: ScanRequest) throws -> [ScanPartition] { (0..<8).map { Part(probe: self, i: $0) } }
    }

    @Test(.enabled(if: ExecutionContext.processorCount > 1, "needs more than one core to tell one thread from several"))
    func tableFunctionInputsRunAsTheSessionSays() throws {
        let s = Self.withTableFunctions()
        let probe = ThreadProbe()
        try s.catalog.create("probe", probe)
        _ = try s.execute("SET threads = 1")
        #expect(try values(s, "SELECT count(*) FROM sessions((SELECT who, t FROM probe), 1)") == [[.int(1)]])
        #expect(probe.threads.count == 1, "SET threads = 1 reads the input on one thread, not \(probe.threads.count)")
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
