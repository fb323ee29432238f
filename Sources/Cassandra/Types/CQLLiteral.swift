import Digests
import JSON

/// Serializes CQL literals of simple types (as a user types a partition key on the command
/// line) into Cassandra's value bytes.
public enum CQLLiteral {
    public struct LiteralError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    static func bigEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }

    /// The literal as the value it spells, encoded by `ValueEncoder` (one value codec): quotes
    /// and doubled quotes are undone, numbers and booleans read as such, everything else is
    /// the string the JSON encoding uses for that type.
    public static func encode(_ text: String, as type: CQLType) throws -> [UInt8] {
        var t = text
        if t.count >= 2, t.first == "'", t.last == "'" { t = String(t.dropFirst().dropLast()).replacingDoubledQuotes() }
        let value: JSONValue
        switch type.base {
        case .boolean:
            switch t.lowercased() {
            case "true": value = .bool(true)
            case "false": value = .bool(false)
            default: throw LiteralError(message: "'\(text)' is not a \(type.cql) literal")
            }
        case .tinyint, .smallint, .int, .bigint, .counter:
            guard let n = Int64(t) else { throw LiteralError(message: "'\(text)' is not a \(type.cql) literal") }
            value = .int(n)
        case .varint, .float, .double:
            value = Int64(t).map(JSONValue.int) ?? .number(t)
        case .timestamp:
            value = Int64(t).map(JSONValue.int) ?? .string(t)
        case .list, .set, .map, .tuple, .udt, .vector, .composite, .duration:
            throw LiteralError(message: "\(type.cql) keys cannot be given as literals yet")
        default:
            value = .string(t)
        }
        do { return try ValueEncoder.encode(value, as: type.base) } catch {
            throw LiteralError(message: "'\(text)' is not a \(type.cql) literal (\(error))")
        }
    }

    /// "0x…" or plain hex.
    public static func hexBytes(_ s: String) -> [UInt8]? { Hex.decode(s) }

    /// A non-negative decimal integer as a big-endian magnitude of `bytes` bytes.
    static func unsignedMagnitude(_ s: String, bytes: Int) -> [UInt8]? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var mag = [UInt8](repeating: 0, count: bytes)
        for c in s.utf8 {
            var carry = UInt32(c - UInt8(ascii: "0"))
            for i in (0..<bytes).reversed() {
                let v = UInt32(mag[i]) * 10 + carry
                mag[i] = UInt8(v & 0xff)
                carry = v >> 8
            }
            if carry != 0 { return nil }
        }
        return mag
    }

    static func fractionMilliseconds(_ s: String) -> Int64 {
        guard let dot = s.firstIndex(where: { $0 == "." || $0 == "," }) else { return 0 }
        let digits = s[s.index(after: dot)...].prefix { $0.isNumber }
        let ms = String((digits + "000").prefix(3))
        return Int64(ms) ?? 0
    }
}

extension String {
    func replacingDoubledQuotes() -> String {
        var out = ""
        var last: Character?
        for c in self {
            if c == "'" && last == "'" { last = nil; continue }
            out.append(c)
            last = c
        }
        return out
    }
}
