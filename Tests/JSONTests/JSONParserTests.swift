import JSON
import Testing

/// The one JSON parser: exact integers (tokens, varints), escapes, positions in errors.
struct JSONParserTests {
    @Test func integersStayExact() throws {
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        // Beyond Int64 and non-integers keep their text: nothing goes through Double.
        #expect(try JSONParser.parse("123456789012345678901234567890") == .number("123456789012345678901234567890"))
        #expect(try JSONParser.parse("1.50") == .number("1.50"))
        #expect(try JSONParser.parse("-2e3") == .number("-2e3"))
    }

    @Test func stringsAndEscapes() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\n\u00e9\ud83d\ude00/""#) == .string("a\"b\\c\né😀/"))
        #expect(try JSONParser.parse("\"héllo\"") == .string("héllo"))
        let round = JSONValue.object([("k", .string("x\"\n\u{1}")), ("n", .array([.int(1), .null, .bool(false)]))])
        #expect(try JSONParser.parse(round.text) == round)
        #expect(round.text == #"{"k":"x\"\n\u0001","n":[1,null,false]}"#)
    }

    @Test func objectsKeepOrder() throws {
        let v = try JSONParser.parse(#"{"b": 1, "a": {"c": []}}"#)
        guard case .object(let fields) = v else { Issue.record("not an object"); return }
        #expect(fields.map(\.0) == ["b", "a"])
        #expect(v["a"]?["c"] == .array([]))
    }

    @Test func jsonLines() throws {
        var p = JSONParser("{\"a\":1}\n\n{\"a\":2}\n")
        var docs: [JSONValue] = []
        while let d = try p.nextDocument() { docs.append(d) }
        #expect(docs == [.object([("a", .int(1))]), .object([("a", .int(2))])])
    }

    @Test func errorsNameLineAndColumn() {
        for (text, line, column) in [("{\"a\": }", 1, 7), ("[1,\n 2,\n x]", 3, 2), ("\"abc", 1, 5), ("01", 1, 3), ("[1] 2", 1, 5),
                                     ("\"\\ud800\"", 1, 8)] {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("no error for \(text)")
            } catch let e as JSONError {
                #expect(e.line == line && e.column == column, "\(text): \(e)")
            } catch {
                Issue.record("\(error)")
            }
        }
        var deep = String(repeating: "[", count: 10_000)
        deep += String(repeating: "]", count: 10_000)
        #expect(throws: JSONError.self) { try JSONParser.parse(deep) }
    }
}
