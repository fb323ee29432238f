import Digests

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

    public static func encode(_ text: String, as type: CQLType) throws -> [UInt8] {
        func bad() -> LiteralError { LiteralError(message: "'\(text)' is not a \(type.cql) literal") }
        var t = text
        if t.count >= 2, t.first == "'", t.last == "'" { t = String(t.dropFirst().dropLast()).replacingDoubledQuotes() }
        switch type.base {
        case .ascii, .text: return Array(t.utf8)
        case .blob:
            guard let b = hexBytes(t) else { throw bad() }
            return b
        case .boolean:
            switch t.lowercased() {
            case "true": return [1]
            case "false": return [0]
            default: throw bad()
            }
        case .tinyint: guard let v = Int8(t) else { throw bad() }; return bigEndian(v)
        case .smallint: guard let v = Int16(t) else { throw bad() }; return bigEndian(v)
        case .int: guard let v = Int32(t) else { throw bad() }; return bigEndian(v)
        case .bigint, .counter: guard let v = Int64(t) else { throw bad() }; return bigEndian(v)
        case .float: guard let v = Float(t) else { throw bad() }; return bigEndian(v.bitPattern)
        case .double: guard let v = Double(t) else { throw bad() }; return bigEndian(v.bitPattern)
        case .uuid, .timeuuid:
            let hex = t.filter { $0 != "-" }
            guard hex.count == 32, let b = hexBytes(hex) else { throw bad() }
            return b
        case .timestamp:
            if let ms = Int64(t) { return bigEndian(ms) }
            guard let s = ISO8601.parseSeconds(t) else { throw bad() }
            return bigEndian(s * 1000 + fractionMilliseconds(t))
        case .date:
            let parts = t.split(separator: "-")
            guard parts.count == 3, let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]) else { throw bad() }
            return bigEndian(UInt32(truncatingIfNeeded: ISO8601.daysFromCivil(y, m, d) + (1 << 31)))
        case .inet:
            let octets = t.split(separator: ".")
            guard octets.count == 4 else { throw LiteralError(message: "'\(text)': only IPv4 keys can be given here") }
            return try octets.map { guard let v = UInt8($0) else { throw bad() }; return v }
        default:
            throw LiteralError(message: "\(type.cql) keys cannot be given as literals yet")
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
