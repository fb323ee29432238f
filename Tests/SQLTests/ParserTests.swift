import SQL
import Testing

/// The parser: precedence, every construct of the grammar, and errors that point at their
/// line and column.
@Suite("Parser")
struct ParserTests {
    @Test(arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("-2 * 3", "(-2 * 3)"),
        ("a OR b AND NOT c = d", "(a OR (b AND (NOT (c = d))))"),
        ("a || b = 'x'", "((a || b) = 'x')"),
        ("x BETWEEN 1 AND 2 AND y", "((x BETWEEN 1 AND 2) AND y)"),
        ("x NOT IN (1, 2) IS NOT NULL", "((x NOT IN (1, 2)) IS NOT NULL)"),
        ("a IS DISTINCT FROM b", "(a IS DISTINCT FROM b)"),
        ("s NOT ILIKE '%a%' ESCAPE '!'", "(s NOT ILIKE '%a%' ESCAPE '!')"),
        ("CAST(x AS VARCHAR(10))", "CAST(x AS VARCHAR(10))"),
        ("x::DOUBLE + 1", "(CAST(x AS DOUBLE) + 1)"),
        ("TRY_CAST('1' AS INT[])", "TRY_CAST('1' AS INT[])"),
        ("CASE WHEN a THEN 1 ELSE 2 END", "CASE WHEN a THEN 1 ELSE 2 END"),
        ("CASE a WHEN 1 THEN 'x' END", "CASE a WHEN 1 THEN 'x' END"),
        ("count(DISTINCT t.a)", "count(DISTINCT t.a)"),
        ("count(*)", "count(*)"),
        ("sum(x) OVER (PARTITION BY g ORDER BY t DESC NULLS LAST)", "sum(x) OVER (PARTITION BY g ORDER BY t DESC NULLS LAST)"),
        ("row_number() OVER (ORDER BY a)", "row_number() OVER (ORDER BY a)"),
        ("ARRAY[1, 2][1]", "[1, 2][1]"),
        ("MAP {'k': 1}['k']", "MAP {'k': 1}['k']"),
        ("ROW(1, 'a')", "ROW(1, 'a')"),
        ("{'a': 1, b: 2}", "struct_pack('a', 1, 'b', 2)"),
        ("DATE '1992-01-01' + INTERVAL 3 DAY", "(DATE '1992-01-01' + INTERVAL '3' DAY)"),
        ("EXTRACT(year FROM d)", "EXTRACT(YEAR FROM d)"),
        ("\"Quoted Name\".x", "\"Quoted Name\".x"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("1.5e-3", "1.5e-3"),
        ("'it''s'", "'it''s'"),
        ("x[1:2]", "x[1:2]"),
        ("substring(s FROM 2 FOR 3)", "substring(s, 2, 3)"),
    ])
    func expressions(_ sql: String, _ printed: String) throws {
        #expect(try Parser.parseExpression(sql).description == printed)
    }

    @Test func selectWithEverything() throws {
        let sql = """
        WITH c(x) AS (SELECT 1)
        SELECT DISTINCT t.*, u.a AS b, count(*) n
        FROM cassandra.ks.t AS t LEFT JOIN (VALUES (1, 'a')) u(a, s) USING (a), generate_series(1, 3) g
        WHERE a > 1 GROUP BY 1, b HAVING count(*) > 0
        UNION ALL SELECT * FROM c
        ORDER BY 1 DESC NULLS FIRST LIMIT 10 OFFSET 2
        """
        guard case .query(let q) = try Parser.parseStatement(sql) else { Issue.record("not a query"); return }
        #expect(q.with.map(\.name.value) == ["c"])
        #expect(q.orderBy.count == 1 && q.orderBy[0].nullsFirst == true && !q.orderBy[0].ascending)
        #expect(q.limit?.description == "10" && q.offset?.description == "2")
        guard case .setOperation(.union, true, .select(let s), _) = q.body else { Issue.record("not a UNION ALL"); return }
        #expect(s.distinct)
        #expect(s.items.count == 3)
        #expect(s.from.count == 2)
        guard case .join(.left, .table(let name, let alias, _, _), .subquery(_, let ualias, _), .using(let cols)) = s.from[0] else {
            Issue.record("not a LEFT JOIN … USING"); return
        }
        #expect(name.map(\.value) == ["cassandra", "ks", "t"] && alias?.name.value == "t")
        #expect(ualias?.columns.map(\.value) == ["a", "s"] && cols.map(\.value) == ["a"])
        #expect(s.groupBy.count == 2 && s.having != nil)
    }

    @Test func statements() throws {
        let stmts = try Parser.parse("""
        CREATE TABLE IF NOT EXISTS t (a INTEGER PRIMARY KEY, b VARCHAR(10) NOT NULL, c DOUBLE PRECISION, d INT[], e MAP(TEXT, INT), f STRUCT(x INT, y TEXT));
        CREATE TABLE u(x, y) AS SELECT 1, 2;
        INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y');
        INSERT INTO t SELECT * FROM t;
        DROP TABLE IF EXISTS t;
        CREATE OR REPLACE VIEW v AS SELECT 1;
        CREATE FUNCTION add1(x INT) RETURNS INT AS x + 1;
        SHOW TABLES; DESCRIBE t; EXPLAIN SELECT 1; SET threads = 2; RESET threads;
        SELECT * FROM cassandra.ks.t FOR SYSTEM_TIME AS OF '2026-11-30T00:00:00Z'
        """)
        #expect(stmts.count == 13)
        guard case .createTable(_, let cols, true, false, nil, _, _) = stmts[0] else { Issue.record("\(stmts[0])"); return }
        #expect(cols.map(\.type.description) == ["INTEGER", "VARCHAR(10)", "DOUBLE", "INT[]", "MAP(TEXT, INT)", "STRUCT(x INT, y TEXT)"])
        #expect(cols[0].primaryKey && cols[1].notNull)
        guard case .createTable(_, let ucols, _, _, .some, _, _) = stmts[1] else { Issue.record("\(stmts[1])"); return }
        #expect(ucols.map(\.name.value) == ["x", "y"])
        guard case .insert(_, let icols, let source, false) = stmts[2], case .values(let rows) = source.body else { Issue.record("\(stmts[2])"); return }
        #expect(icols.count == 2 && rows.count == 2)
        guard case .createFunction(_, let params, let returns, let body, _) = stmts[6] else { Issue.record("\(stmts[6])"); return }
        #expect(params.map(\.name.value) == ["x"] && returns?.description == "INT" && body.description == "(x + 1)")
        guard case .query(let q) = stmts[12], case .select(let s) = q.body, case .table(_, _, let asOf, _) = s.from[0] else {
            Issue.record("\(stmts[12])"); return
        }
        guard case .systemTime(let time)? = asOf else { Issue.record("\(String(describing: asOf))"); return }
        #expect(time.description == "'2026-11-30T00:00:00Z'")
    }

    @Test func timeTravelAttachAndDetach() throws {
        let stmts = try Parser.parse("""
            SELECT * FROM cassandra.ks.t FOR VERSION AS OF 'backup-2' AS b;
            ATTACH 'file:///var/backups' AS prod (TYPE cassandra, BACKUP 'nightly');
            DETACH IF EXISTS prod;
            """)
        guard case .query(let q) = stmts[0], case .select(let s) = q.body, case .table(let name, let alias, let asOf, _) = s.from[0],
              case .version(let v)? = asOf else { Issue.record("\(stmts[0])"); return }
        #expect(name.map(\.value) == ["cassandra", "ks", "t"] && alias?.name.value == "b" && v.description == "'backup-2'")
        guard case .attach(let url, let n, let options) = stmts[1] else { Issue.record("\(stmts[1])"); return }
        #expect(url == "file:///var/backups" && n.value == "prod")
        #expect(options.map(\.name.value) == ["TYPE", "BACKUP"] && options.map(\.value.description) == ["cassandra", "'nightly'"])
        guard case .detach(let d, true) = stmts[2] else { Issue.record("\(stmts[2])"); return }
        #expect(d.value == "prod")
        #expect(throws: SQLError.self) { try Parser.parse("ATTACH prod AS x") }
    }

    @Test func identifiersKeepQuotingAndCase() throws {
        let e = try Parser.parseExpression("MyCol + \"MyCol\"")
        guard case .binary(_, let a, let b) = e.kind, case .column(let x) = a.kind, case .column(let y) = b.kind else {
            Issue.record("\(e)"); return
        }
        #expect(x[0].normalized == "mycol" && !x[0].quoted)
        #expect(y[0].normalized == "MyCol" && y[0].quoted)
    }

    @Test func errorsPointAtLineAndColumnWithACaret() {
        let sql = "SELECT a,\n       b +\nFROM t"
        do {
            _ = try Parser.parse(sql)
            Issue.record("no error")
        } catch let e as SQLError {
            #expect(e.kind == .syntax)
            #expect(e.location?.line == 3 && e.location?.column == 1, "\(e)")
            #expect(e.render(source: sql) == "syntax error at line 3, column 1: expected an expression at or near \"FROM\"\n  FROM t\n  ^")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func statementErrorsPointAtTheirLineOfTheScript() throws {
        let script = "SELECT 1;\n-- a comment\nSELECT 2; SELECT a,\n  b +\nFROM t;\n"
        let pieces = Parser.statements(script)
        #expect(pieces.map(\.start.line) == [1, 1, 3], "\(pieces)")
        #expect(pieces[2].text == " SELECT a,\n  b +\nFROM t")
        do {
            _ = try Parser.parse(pieces[2].text)
            Issue.record("no error")
        } catch let e as SQLError {
            let whole = e.located(in: pieces[2].start)
            #expect(whole.location?.line == 5 && whole.location?.column == 1, "\(whole)")
            #expect(whole.render(source: script).hasSuffix("\n  FROM t;\n  ^"), "\(whole.render(source: script))")
            // An error on the statement's first line keeps its column in the script's line.
            let first = SQLError(.binder, "x", at: SourceLocation(line: 1, column: 2, offset: 1)).located(in: pieces[2].start)
            #expect(first.location == SourceLocation(line: 3, column: 11, offset: pieces[2].start.offset + 1), "\(first)")
        }
    }

    @Test(arguments: [
        ("SELEC 1", 1), ("SELECT (1", 10), ("SELECT 'abc", 8), ("SELECT 1 FROM t WHERE", 22), ("SELECT 1a", 9),
        ("CREATE TABLE t (a)", 17), ("SELECT * FROM a JOIN b", 23), ("SELECT CASE END", 13),
    ])
    func syntaxErrors(_ sql: String, _ column: Int) {
        do {
            _ = try Parser.parse(sql)
            Issue.record("\(sql) parsed")
        } catch let e as SQLError {
            #expect(e.location?.column == column, "\(sql): \(e)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func scriptsSplitOnSemicolonsOutsideStrings() throws {
        let stmts = try Parser.parse("SELECT ';' ; -- a comment; still a comment\n SELECT 2; /* ; */ SELECT 3")
        #expect(stmts.count == 3)
    }
}
