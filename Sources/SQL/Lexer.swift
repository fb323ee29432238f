/// One token of SQL text.
public struct Token: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A bare word: keyword or identifier (case kept; compare with `isKeyword`).
        case word(String)
        /// A "quoted" identifier, exact.
        case quotedIdentifier(String)
        case string(String)
        case integer(String)
        case decimal(String)
        /// Punctuation and operators: ( ) , . ; [ ] { } : :: + - * / % || = <> != < <= > >= ->
        case symbol(String)
        case end
    }

    public var kind: Kind
    public var location: SourceLocation

    public func isKeyword(_ k: String) -> Bool {
        if case .word(let w) = kind { return w.caseInsensitiveEquals(k) }
        return false
    }

    public func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
}

extension String {
    /// ASCII case-insensitive equality (SQL keywords and unquoted identifiers).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = x >= 65 && x <= 90 ? x + 32 : x
            let ly = y >= 65 && y <= 90 ? y + 32 : y
            if lx != ly { return false }
        }
        return true
    }
}

/// Splits SQL text into tokens, tracking line and column for every one.
public enum Lexer {
    public static func tokenize(_ text: String) throws -> [Token] {
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0, line = 1, lineStart = 0
        func location(_ at: Int) -> SourceLocation { SourceLocation(line: line, column: at - lineStart + 1, offset: at) }
        // Any non-ASCII character may start a name, as in DuckDB and PostgreSQL.
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.value >= 0x80 || c.properties.isAlphabetic }
        func isIdentPart(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) || c == "$" }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" { i += 1; line += 1; lineStart = i; continue }
            if c == " " || c == "\t" || c == "\r" { i += 1; continue }
            let start = location(i)
            if c == "-" && i + 1 < chars.count && chars[i + 1] == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                i += 2
                while i < chars.count && !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") {
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    i += 1
                }
                guard i < chars.count else { throw SQLError(.syntax, "unterminated /* comment", at: start) }
                i += 2
                continue
            }
            if c == "'" || c == "\"" {
                var s = String.UnicodeScalarView()
                i += 1
                while true {
                    guard i < chars.count else {
                        throw SQLError(.syntax, c == "'" ? "unterminated string literal" : "unterminated quoted identifier", at: start)
                    }
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c { s.append(c); i += 2; continue }
                        i += 1
                        break
                    }
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    s.append(chars[i])
                    i += 1
                }
                tokens.append(Token(kind: c == "'" ? .string(String(s)) : .quotedIdentifier(String(s)), location: start))
                continue
            }
            if ("0"..."9").contains(c) || (c == "." && i + 1 < chars.count && ("0"..."9").contains(chars[i + 1])) {
                var s = String.UnicodeScalarView()
                var isDecimal = false
                while i < chars.count && ("0"..."9").contains(chars[i]) { s.append(chars[i]); i += 1 }
                if i < chars.count && chars[i] == "." && !(i + 1 < chars.count && chars[i + 1] == ".") {
                    isDecimal = true
                    s.append("."); i += 1
                    while i < chars.count && ("0"..."9").contains(chars[i]) { s.append(chars[i]); i += 1 }
                }
                if i < chars.count && (chars[i] == "e" || chars[i] == "E") {
                    var j = i + 1
                    if j < chars.count && (chars[j] == "+" || chars[j] == "-") { j += 1 }
                    if j < chars.count && ("0"..."9").contains(chars[j]) {
                        isDecimal = true
                        while i < j { s.append(chars[i]); i += 1 }
                        while i < chars.count && ("0"..."9").contains(chars[i]) { s.append(chars[i]); i += 1 }
                    }
                }
                if i < chars.count && isIdentStart(chars[i]) {
                    throw SQLError(.syntax, "a number cannot run into a name", at: location(i))
                }
                tokens.append(Token(kind: isDecimal ? .decimal(String(s)) : .integer(String(s)), location: start))
                continue
            }
            if isIdentStart(c) {
                var s = String.UnicodeScalarView()
                while i < chars.count && isIdentPart(chars[i]) { s.append(chars[i]); i += 1 }
                tokens.append(Token(kind: .word(String(s)), location: start))
                continue
            }
            let two = i + 1 < chars.count ? String(String.UnicodeScalarView([c, chars[i + 1]])) : ""
            if ["||", "<>", "!=", "<=", ">=", "::", "->", "==", ":="].contains(two) {
                tokens.append(Token(kind: .symbol(two == "==" ? "=" : two), location: start))
                i += 2
                continue
            }
            if "(),.;[]{}:+-*/%=<>".unicodeScalars.contains(c) {
                tokens.append(Token(kind: .symbol(String(c)), location: start))
                i += 1
                continue
            }
            throw SQLError(.syntax, "unexpected character '\(c)'", at: start)
        }
        tokens.append(Token(kind: .end, location: location(i)))
        return tokens
    }
}
