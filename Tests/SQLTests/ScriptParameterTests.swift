import SQL
import Testing

struct ScriptParameterTests {
    @Test func valuesReplaceTheirNames() throws {
        let text = "CREATE TABLE ${target} AS SELECT * FROM ${source}\nWHERE x = '${source}' AND y = $${literal}"
        #expect(try ScriptParameters.substitute(text, ["target": "iceberg.a.t", "source": "cassandra.k.t"])
            == "CREATE TABLE iceberg.a.t AS SELECT * FROM cassandra.k.t\nWHERE x = 'cassandra.k.t' AND y = ${literal}")
        #expect(try ScriptParameters.substitute("SELECT 1 -- no parameters, $5", [:]) == "SELECT 1 -- no parameters, $5")
        #expect(try ScriptParameters.parse(["a=1", "b=x=y", "c="]) == ["a": "1", "b": "x=y", "c": ""])
    }

    @Test func defaultsApplyOnlyWithoutAValue() throws {
        let text = "PARTITIONED BY (bucket(${buckets:-16}, id)) ${as_of:-} -- ${note:-a b, c}"
        #expect(try ScriptParameters.substitute(text, [:]) == "PARTITIONED BY (bucket(16, id))  -- a b, c")
        #expect(try ScriptParameters.substitute(text, ["buckets": "4", "as_of": "FOR VERSION AS OF 'b1'", "note": ""])
            == "PARTITIONED BY (bucket(4, id)) FOR VERSION AS OF 'b1' -- ")
        // A default may use other parameters.
        #expect(try ScriptParameters.substitute("FROM ${chunks:-${source}_chunk}", ["source": "c.kv.items"]) == "FROM c.kv.items_chunk")
        #expect(try ScriptParameters.substitute("FROM ${chunks:-${source}_chunk}", ["chunks": "c.kv.other"]) == "FROM c.kv.other")
        #expect(throws: SQLError.self) { try ScriptParameters.substitute("FROM ${chunks:-${source}_chunk}", [:]) }
        // A default ends at its brace and may not run past the line.
        #expect(throws: SQLError.self) { try ScriptParameters.substitute("SELECT ${x:-1\n}", [:]) }
    }

    @Test func missingValuesAreNamedWhereTheyAre() {
        do {
            _ = try ScriptParameters.substitute("SELECT 1;\nSELECT * FROM ${nope}", ["other": "x"])
            Issue.record("substituted nothing")
        } catch let e as SQLError {
            #expect(e.message.contains("${nope} has no value: pass -D nope=… (given: other)"), "\(e.message)")
            #expect(e.location?.line == 2 && e.location?.column == 15)
        } catch { Issue.record("\(error)") }
        #expect(throws: SQLError.self) { try ScriptParameters.substitute("SELECT ${1x}", ["1x": "y"]) }
        #expect(throws: SQLError.self) { try ScriptParameters.substitute("SELECT ${unclosed", [:]) }
        #expect(throws: SQLError.self) { try ScriptParameters.parse(["=x"]) }
    }
}
