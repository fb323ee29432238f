/// JSON as the project reads it (RFC 8259): mutation files, token maps, manifests, read_json.
/// Numbers keep their text when they are not exact 64-bit integers, so that varints, decimals
/// and tokens are never rounded through Double.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    /// Any other number, exactly as written (a fraction, an exponent, or an integer beyond Int64).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Fields in the order written.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    /// The value as compact JSON text (object fields in their order).
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let s): out += s
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, everything
    /// else as is. Runs of plain bytes are appended whole.
    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        var s = s
        s.withUTF8 { u in
            var start = 0
            for i in 0..<u.count {
                let b = u[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if start < i { out += String(decoding: UnsafeBufferPointer(rebasing: u[start..<i]), as: UTF8.self) }
                switch b {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default:
                    let hex = String(b, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                start = i + 1
            }
            if start < u.count { out += String(decoding: UnsafeBufferPointer(rebasing: u[start..<u.count]), as: UTF8.self) }
        }
        out += "\""
    }
}

/// A parse failure with its 1-based line and column.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var line: Int
    public var column: Int
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Parses JSON text from UTF-8 bytes: one document, or a sequence of documents (JSON Lines).
public struct JSONParser {
    private let bytes: [UInt8]
    private var i: Int
    private var line = 1
    private var lineStart = 0
    /// Nesting limit, so that hostile input cannot overflow the stack.
    private static let maxDepth = 512

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark is allowed and ignored.
        i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    public init(_ text: String) { self.init(Array(text.utf8)) }

    /// Parses exactly one document (whitespace around it allowed).
    public static func parse(_ text: String) throws -> JSONValue {
        var p = JSONParser(text)
        let v = try p.value()
        p.skipSpace()
        guard p.atEnd else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes)
        let v = try p.value()
        p.skipSpace()
        guard p.atEnd else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    public var atEnd: Bool { i >= bytes.count }
    public var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    public func error(_ message: String) -> JSONError {
        JSONError(message: message, line: line, column: i - lineStart + 1)
    }

    public mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0D: i += 1
            case 0x0A: i += 1; line += 1; lineStart = i
            default: return
            }
        }
    }

    /// The next document, or nil at the end of the input (for JSON Lines and concatenated JSON).
    public mutating func nextDocument() throws -> JSONValue? {
        skipSpace()
        if atEnd { return nil }
        return try value()
    }

    public mutating func value() throws -> JSONValue { try value(depth: 0) }

    private mutating func value(depth: Int) throws -> JSONValue {
        skipSpace()
        guard let c = peek else { throw error("unexpected end of JSON") }
        guard depth < Self.maxDepth else { throw error("JSON nested deeper than \(Self.maxDepth) levels") }
        switch c {
        case UInt8(ascii: "{"):
            i += 1
            var fields: [(String, JSONValue)] = []
            skipSpace()
            if peek == UInt8(ascii: "}") { i += 1; return .object(fields) }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipSpace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                fields.append((key, try value(depth: depth + 1)))
                skipSpace()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                i += 1
                return .object(fields)
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipSpace()
            if peek == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                if peek == UInt8(ascii: ",") { i += 1; continue }
                guard peek == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                i += 1
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): return try word("true", .bool(true))
        case UInt8(ascii: "f"): return try word("false", .bool(false))
        case UInt8(ascii: "n"): return try word("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            throw error("unexpected character '\(Unicode.Scalar(c))'")
        }
    }

    private mutating func word(_ w: StaticString, _ v: JSONValue) throws -> JSONValue {
        let n = w.utf8CodeUnitCount
        guard i + n <= bytes.count, w.withUTF8Buffer({ Array($0) == Array(bytes[i..<(i + n)]) }) else {
            throw error("unexpected text (expected \(w))")
        }
        i += n
        return v
    }

    private mutating func number() throws -> JSONValue {
        let start = i
        func digits() -> Int {
            let s = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }
        if peek == UInt8(ascii: "-") { i += 1 }
        let intDigits = digits()
        guard intDigits > 0 else { throw error("a number needs digits") }
        guard intDigits == 1 || bytes[i - intDigits] != 0x30 else { throw error("a number cannot start with 0") }
        var integral = true
        if peek == UInt8(ascii: ".") {
            i += 1
            integral = false
            guard digits() > 0 else { throw error("a fraction needs digits") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            i += 1
            integral = false
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw error("an exponent needs digits") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let v = Int64(text) { return .int(v) }
        return .number(text)
    }

    private mutating func string() throws -> String {
        i += 1  // the opening quote
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: bytes[start..<i], as: UTF8.self)
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("a control character in a string") }
            i += 1
        }
        var out = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw error("unterminated string") }
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw error("a control character in a string") }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard i < bytes.count else { throw error("unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(e)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    // A surrogate pair: \uD83D\uDE00.
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("an unpaired surrogate in a \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("an unpaired surrogate in a \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("an invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw error("an invalid escape '\\\(Unicode.Scalar(e))'")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else {
            throw error("a \\u escape needs four hex digits")
        }
        i += 4
        return v
    }
}
