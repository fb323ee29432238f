/// Parses the marshal type strings of serialization headers, e.g.
/// `org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(...))`.
/// Follows `db.marshal.TypeParser`.
public enum MarshalTypeParser {
    public struct ParseError: Error, CustomStringConvertible {
        public var text: String
        public var message: String
        public var description: String { "cannot parse type '\(text)': \(message)" }
    }

    public static func parse(_ text: String) throws -> CQLType {
        try parse(Substring(text), whole: text, frozen: false)
    }

    private static func parse(_ s: Substring, whole: String, frozen: Bool) throws -> CQLType {
        let trimmed = s.trimmingSpaces
        let name: Substring
        var args: [Substring] = []
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.last == ")" else { throw ParseError(text: whole, message: "unbalanced parentheses") }
            name = trimmed[..<open]
            args = try splitTopLevel(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)], whole: whole)
        } else {
            name = trimmed
        }
        let simple = name.split(separator: ".").last.map(String.init) ?? String(name)
        func arg(_ i: Int) throws -> CQLType {
            guard i < args.count else { throw ParseError(text: whole, message: "\(simple) needs \(i + 1) arguments") }
            return try parse(args[i], whole: whole, frozen: frozen)
        }
        switch simple {
        case "AsciiType": return .ascii
        case "UTF8Type": return .text
        case "BytesType": return .blob
        case "BooleanType": return .boolean
        case "ByteType": return .tinyint
        case "ShortType": return .smallint
        case "Int32Type": return .int
        case "LongType": return .bigint
        case "IntegerType": return .varint
        case "DecimalType": return .decimal
        case "FloatType": return .float
        case "DoubleType": return .double
        case "CounterColumnType": return .counter
        case "UUIDType", "LexicalUUIDType": return .uuid
        case "TimeUUIDType": return .timeuuid
        case "TimestampType", "DateType": return .timestamp
        case "SimpleDateType": return .date
        case "TimeType": return .time
        case "DurationType": return .duration
        case "InetAddressType": return .inet
        case "EmptyType": return .empty
        case "FrozenType":
            guard args.count == 1 else { throw ParseError(text: whole, message: "FrozenType takes one argument") }
            return try parse(args[0], whole: whole, frozen: true).frozen
        case "ReversedType": return .reversed(try arg(0))
        case "ListType": return .list(try arg(0).frozen, frozen: frozen)
        case "SetType": return .set(try arg(0).frozen, frozen: frozen)
        case "MapType": return .map(try arg(0).frozen, try arg(1).frozen, frozen: frozen)
        case "TupleType": return .tuple(try args.indices.map { try arg($0).frozen })
        case "CompositeType": return .composite(try args.indices.map { try arg($0) })
        case "VectorType":
            guard args.count == 2, let n = Int(args[1].trimmingSpaces), n > 0 else {
                throw ParseError(text: whole, message: "VectorType takes an element type and a dimension")
            }
            return .vector(try arg(0).frozen, dimension: n)
        case "UserType":
            guard args.count >= 2 else { throw ParseError(text: whole, message: "UserType needs a keyspace and a name") }
            let keyspace = String(args[0].trimmingSpaces)
            let name = try hexDecode(args[1].trimmingSpaces, whole: whole)
            var names: [String] = []
            var types: [CQLType] = []
            for field in args.dropFirst(2) {
                guard let colon = field.firstIndex(of: ":") else {
                    throw ParseError(text: whole, message: "UserType field '\(field)' has no ':'")
                }
                names.append(try hexDecode(field[..<colon].trimmingSpaces, whole: whole))
                types.append(try parse(field[field.index(after: colon)...], whole: whole, frozen: true).frozen)
            }
            return .udt(UserTypeDefinition(keyspace: keyspace, name: name, fieldNames: names, fieldTypes: types), frozen: frozen)
        default:
            return .custom(String(trimmed))
        }
    }

    private static func splitTopLevel(_ s: Substring, whole: String) throws -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = s.startIndex
        for i in s.indices {
            switch s[i] {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { throw ParseError(text: whole, message: "unbalanced parentheses") }
            case "," where depth == 0:
                parts.append(s[start..<i])
                start = s.index(after: i)
            default: break
            }
        }
        guard depth == 0 else { throw ParseError(text: whole, message: "unbalanced parentheses") }
        let last = s[start...]
        if !last.trimmingSpaces.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts
    }

    private static func hexDecode(_ s: Substring, whole: String) throws -> String {
        var bytes: [UInt8] = []
        var it = s.utf8.makeIterator()
        while let hi = it.next() {
            guard let lo = it.next(), let h = hexNibble(hi), let l = hexNibble(lo) else {
                throw ParseError(text: whole, message: "'\(s)' is not hex")
            }
            bytes.append(h << 4 | l)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

func hexNibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}
