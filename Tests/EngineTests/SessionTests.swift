import Columnar
@testable import Engine
import SQL
import Testing

/// Statements through a session: binder errors that point at the SQL, plans the optimizer
/// reshapes, results of the operators.
@Suite("Session")
struct SessionTests {
    static func rows(_ session: Session, _ sql: String) throws -> [[Value]] {
        guard case .rows(_, let batches) = try session.execute(sql).last! else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.row($0) } }
    }

    static func session() throws -> Session {
        let s = Session()
        _ = try s.execute("""
        CREATE TABLE a (id INTEGER, name VARCHAR);
        CREATE TABLE b (id INTEGER, a_id INTEGER, v DOUBLE);
        INSERT INTO a VALUES (1, 'one'), (2, 'two'), (3, 'three');
        INSERT INTO b VALUES (10, 1, 1.5), (11, 1, 2.5), (12, 3, NULL);
        """)
        return s
    }

    @Test func binderErrorsPointAtTheExpression() throws {
        let s = try Self.session()
        do {
            _ = try s.execute("SELECT id,\n  nme FROM a")
            Issue.record("no error")
        } catch let e as SQLError {
            #expect(e.kind == .binder)
            #expect(e.location?.line == 2 && e.location?.column == 3)
            #expect(e.message.contains("nme") && e.message.contains("a.name"))
        }
        #expect(throws: SQLError.self) { try s.execute("SELECT id FROM a JOIN b ON a.id = b.a_id") } // ambiguous id
        #expect(throws: SQLError.self) { try s.execute("SELECT name, count(*) FROM a") }
        #expect(throws: SQLError.self) { try s.execute("SELECT * FROM a WHERE count(*) > 1") }
        #expect(throws: SQLError.self) { try s.execute("SELECT * FROM a WHERE name") }
    }

    @Test func equalitiesBecomeHashJoinsAndFiltersGoDown() throws {
        let s = try Self.session()
        guard case .rows(_, let batches) = try s.execute("EXPLAIN SELECT name, v FROM a, b WHERE a.id = b.a_id AND v > 2").last! else {
            Issue.record("no plan"); return
        }
        let plan = batches[0].columns[0].value(at: 0)
        guard case .string(let text) = plan else { Issue.record("\(plan)"); return }
        #expect(text.contains("HashJoin INNER [") && (text.contains("[id = a_id]") || text.contains("[a_id = id]")), "\(text)")
        #expect(!text.contains("NestedLoopJoin"), "\(text)")
        // The filter on b sits under the join, right above b's scan.
        let lines = text.split(separator: "\n").map { String($0).trimmingCharacters() }
        let scanB = try #require(lines.firstIndex { $0.hasPrefix("Scan b") })
        #expect(lines[scanB - 1].hasPrefix("Filter (v > 2) rows≈"), "\(text)")
        // Scans read only the columns the query uses.
        #expect(lines[scanB].hasPrefix("Scan b [a_id, v]"), "\(text)")
        #expect(try Self.rows(s, "SELECT name, v FROM a, b WHERE a.id = b.a_id AND v > 2") == [[.string("one"), .double(2.5)]])
    }

    @Test func joinsOfEveryKind() throws {
        let s = try Self.session()
        #expect(try Self.rows(s, "SELECT a.id, b.id FROM a LEFT JOIN b ON a.id = b.a_id ORDER BY 1, 2")
                    == [[.int(1), .int(10)], [.int(1), .int(11)], [.int(2), .null], [.int(3), .int(12)]])
        #expect(try Self.rows(s, "SELECT count(*) FROM a RIGHT JOIN b ON a.id = b.a_id AND b.v > 2")
                    == [[.int(3)]])
        #expect(try Self.rows(s, "SELECT count(*) FROM a CROSS JOIN b") == [[.int(9)]])
        #expect(try Self.rows(s, "SELECT a.id FROM a JOIN b ON a.id < b.a_id ORDER BY 1") == [[.int(1)], [.int(2)]])
    }

    @Test func aggregatesGroupAndHave() throws {
        let s = try Self.session()
        #expect(try Self.rows(s, "SELECT a_id, count(*) AS n, sum(v), avg(v) FROM b GROUP BY a_id HAVING n > 0 ORDER BY a_id")
                    == [[.int(1), .int(2), .double(4), .double(2)], [.int(3), .int(1), .null, .null]])
        // No rows: one group for the empty input.
        #expect(try Self.rows(s, "SELECT count(*), sum(v), min(v) FROM b WHERE v > 100") == [[.int(0), .null, .null]])
    }

    @Test func subqueriesInAndScalar() throws {
        let s = try Self.session()
        #expect(try Self.rows(s, "SELECT name FROM a WHERE id IN (SELECT a_id FROM b) ORDER BY 1") == [[.string("one")], [.string("three")]])
        #expect(try Self.rows(s, "SELECT (SELECT max(id) FROM b) + 1") == [[.int(13)]])
        #expect(throws: SQLError.self) { try s.execute("SELECT (SELECT id FROM b)") }
    }

    @Test func insertIsAllOrNothing() throws {
        let s = try Self.session()
        #expect(throws: SQLError.self) { try s.execute("INSERT INTO a VALUES (4, 'four'), ('x', 'bad')") }
        #expect(try Self.rows(s, "SELECT count(*) FROM a") == [[.int(3)]])
    }
}

@Suite("Common subexpressions")
struct CommonSubexpressionTests {
    static func plan(_ s: Session, _ sql: String) throws -> String {
        guard case .rows(_, let b) = try s.execute("EXPLAIN " + sql).last!, case .string(let text) = b[0].row(0)[0] else { return "" }
        return text
    }

    @Test func repeatedComputationsAreComputedOnce() throws {
        let s = Session()
        let text = try Self.plan(s, "SELECT x * 2 AS a, x * 2 + 1 AS b FROM range(5) r(x)")
        #expect(text.contains("Project [#common0, (#common0 + 1)]"), "\(text)")
        guard case .rows(_, let b) = try s.execute("SELECT x * 2 AS a, x * 2 + 1 AS b FROM range(3) r(x)").last! else { return }
        #expect(b[0].row(2) == [.int(4), .int(5)])
    }

    @Test func caseBranchesAreNeverHoisted() throws {
        let s = Session()
        // 10 / x only runs where x <> 0; computed for every row it would divide by zero.
        let sql = "SELECT CASE WHEN x <> 0 THEN 10 / x END AS a, CASE WHEN x > 0 THEN 10 / x + 1 END AS b FROM range(3) r(x)"
        #expect(!(try Self.plan(s, sql)).contains("#common"))
        guard case .rows(_, let b) = try s.execute(sql).last! else { return }
        #expect(b[0].row(0) == [.null, .null])
        #expect(b[0].row(2) == [.int(5), .int(6)])
    }
}

@Suite("Constant folding")
struct ConstantFoldingTests {
    @Test func constantsAreComputedOnceAndErrorsWaitForARowThatNeedsThem() throws {
        let s = Session()
        let text = try CommonSubexpressionTests.plan(s, "SELECT x + (1 + 2) * 3, upper('a' || 'b') FROM range(3) r(x) WHERE x > 10 - 9")
        #expect(text.contains("Project [(x + 9), 'AB']") && text.contains("Filter (x > 1)"), "\(text)")
        guard case .rows(_, let b) = try s.execute("SELECT CASE WHEN x > 5 THEN 1 / 0 END FROM range(3) r(x)").last! else { return }
        #expect(b[0].row(0) == [.null])
        #expect(throws: SQLError.self) { try s.execute("SELECT 1 / 0") }
        #expect(throws: SQLError.self) { try s.execute("SELECT CASE WHEN x > 1 THEN 1 / 0 END FROM range(3) r(x)") }
    }
}
