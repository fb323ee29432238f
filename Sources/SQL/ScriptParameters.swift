/// `${name}` in a script replaced by a value given on the command line (`movesql -D
/// name=value`): how one SQL file — a connector — serves any source and target. A `${name}`
/// with no value is an error at its line and column, never left in the SQL; `${name:-text}`
/// uses `text` when no value is given; `$${` writes a literal `${`.
public enum ScriptParameters {
    public static func substitute(_ text: String, _ values: [String: String]) throws -> String {
        let chars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0, line = 1, column = 1
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.properties.isAlphabetic && c.isASCII) }
        func isName(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) }
        while i < chars.count {
            let c = chars[i]
            if c == "$", i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                out.append("$"); out.append("{")
                i += 3; column += 3
                continue
            }
            if c == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                var j = i + 2
                while j < chars.count, isName(chars[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(chars[(i + 2)..<j]))
                // `${name:-default}`: the default runs to its closing brace, on one line, and
                // may use other parameters (`${chunks:-${source}_chunk}`).
                var fallback: String?
                if j + 1 < chars.count, chars[j] == ":", chars[j + 1] == "-" {
                    var k = j + 2, depth = 0
                    while k < chars.count, chars[k] != "\n", chars[k] != "}" || depth > 0 {
                        if chars[k] == "$", k + 1 < chars.count, chars[k + 1] == "{" { depth += 1; k += 1 } else if chars[k] == "}" { depth -= 1 }
                        k += 1
                    }
                    if k < chars.count, chars[k] == "}" {
                        let text = String(String.UnicodeScalarView(chars[(j + 2)..<k]))
                        if values[name] == nil {
                            do { fallback = try substitute(text, values) } catch let e as SQLError {
                                // Where the inner parameter is, in the whole text.
                                throw SQLError(.syntax, e.message, at: SourceLocation(line: line, column: column, offset: i))
                            }
                        }
                    }
                    j = k
                }
                guard j < chars.count, chars[j] == "}", let first = name.unicodeScalars.first, isNameStart(first) else {
                    throw SQLError(.syntax, "${ starts a parameter: ${name} or ${name:-default}, a name of letters, digits and _ (write $${ for a literal ${)",
                                   at: SourceLocation(line: line, column: column, offset: i))
                }
                guard let value = values[name] ?? fallback else {
                    let known = values.keys.sorted().joined(separator: ", ")
                    throw SQLError(.syntax, "${\(name)} has no value: pass -D \(name)=…" + (known.isEmpty ? "" : " (given: \(known))"),
                                   at: SourceLocation(line: line, column: column, offset: i))
                }
                out.append(contentsOf: value.unicodeScalars)
                column += j + 1 - i
                i = j + 1
                continue
            }
            out.append(c)
            if c == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }
        return String(out)
    }

    /// `name=value` pairs as given to `-D`.
    public static func parse(_ definitions: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for d in definitions {
            guard let eq = d.firstIndex(of: "="), eq != d.startIndex else { throw SQLError(.syntax, "-D takes name=value, not \(d)") }
            out[String(d[..<eq])] = String(d[d.index(after: eq)...])
        }
        return out
    }
}
