import Columnar
import Digests

/// The `rowsum-sha256-v1` content hash of iceberg-writer-notes §9, computed independently of
/// pyiceberg: each row as canonical JSON (keys sorted; integers, days and µs as numbers;
/// floats as the 16-hex bits of the double, NaN 7ff8000000000000; decimals with exactly their
/// scale's digits; uuids 8-4-4-4-12; binaries hex; maps as `[[k, v], …]` sorted by the key's
/// JSON), then Σ SHA-256(row) mod 2^256 as 64 hex digits.
public enum RowSum {
    public static func json(_ values: [Value], _ fields: [Field]) -> String { value(.structure(values), .structure(fields)) }

    public static func value(_ v: Value, _ type: DataType) -> String {
        switch (v, type) {
        case (.null, _): return "null"
        case (.bool(let b), _): return b ? "true" : "false"
        case (.int(let x), _), (.time(let x), _), (.timestamp(let x), _): return String(x)
        case (.date(let d), _): return String(d)
        case (.float(let f), _): return bits(Double(f))
        case (.double(let d), _): return bits(d)
        case (.decimal(let u, let s), _): return string(Canonical.decimal(u, s))
        case (.hugeint(let u), _): return String(u)
        case (.string(let s), _): return string(s)
        case (.blob(let b), _): return string(hex(b))
        case (.uuid(let u), _):
            let h = hex((0..<16).map { UInt8(truncatingIfNeeded: u >> UInt128(8 * (15 - $0))) })
            let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { r in String(h.dropFirst(r.lowerBound).prefix(r.count)) }
            return string(parts.joined(separator: "-"))
        case (.list(let items), .list(let e)): return "[" + items.map { value($0, e) }.joined(separator: ",") + "]"
        case (.map(let ks, let vs), .map(let kt, let vt)):
            let pairs = zip(ks, vs).map { (value($0, kt), value($1, vt)) }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            return "[" + pairs.map { "[\($0.0),\($0.1)]" }.joined(separator: ",") + "]"
        case (.structure(let values), .structure(let fields)):
            let parts = zip(values, fields).map { (string($1.name), value($0, $1.type)) }
                .sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            return "{" + parts.map { "\($0.0):\($0.1)" }.joined(separator: ",") + "}"
        default: return "?\(v)"
        }
    }

    static func hex(_ b: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func bits(_ d: Double) -> String {
        let b = d.isNaN ? 0x7ff8_0000_0000_0000 : d.bitPattern
        let h = String(b, radix: 16)
        return "\"" + String(repeating: "0", count: 16 - h.count) + h + "\""
    }

    /// A JSON string with only `"`, `\` and U+0000–U+001F escaped.
    static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if c.value < 0x20 {
                    let h = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out + "\""
    }

    /// Σ SHA-256 of each row's JSON, as 256-bit big-endian integers mod 2^256.
    public static func hash(_ rows: [String]) -> String {
        var sum = [UInt8](repeating: 0, count: 32)
        for r in rows {
            let d = Digest.sha256(Array(r.utf8))
            var carry = 0
            for i in stride(from: 31, through: 0, by: -1) {
                let t = Int(sum[i]) + Int(d[i]) + carry
                sum[i] = UInt8(t & 0xff)
                carry = t >> 8
            }
        }
        return hex(sum)
    }
}
