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
