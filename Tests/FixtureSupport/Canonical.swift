import Columnar

/// Rows as the canonical JSON the interop scripts print (Tests/FixtureSupport/interop.py):
/// objects with sorted keys, integers for dates, times and timestamps (days, µs), floats by
/// their IEEE-754 bit pattern ("f:<16 hex>", NaN as "nan"), decimals as plain text with their
/// scale, blobs and uuids as "x:<hex>", maps as [[key, value], …]. Both sides of a comparison
/// go through one definition each, so a difference is a difference in the data.
public enum Canonical {
    public static func row(_ values: [Value], _ fields: [Field]) -> String {
        value(.structure(values), .structure(fields))
    }

    public static func value(_ v: Value, _ type: DataType) -> String {
        switch (v, type) {
        case (.null, _): return "null"
        case (.bool(let b), _): return b ? "true" : "false"
        case (.int(let x), _), (.time(let x), _), (.timestamp(let x), _): return String(x)
        case (.date(let d), _): return String(d)
        case (.float(let f), _): return bits(Double(f))
        case (.double(let d), _): return bits(d)
        case (.decimal(let u, let s), _): return string(decimal(u, s))
        case (.hugeint(let u), _): return string(decimal(u, 0))
        case (.string(let s), _): return string(s)
        case (.blob(let b), _): return string(hex(b))
        case (.uuid(let u), _): return string(hex((0..<16).map { UInt8(truncatingIfNeeded: u >> UInt128(8 * (15 - $0))) }))
        case (.list(let items), .list(let element)): return "[" + items.map { value($0, element) }.joined(separator: ",") + "]"
        case (.map(let ks, let vs), .map(let kt, let vt)):
            return "[" + zip(ks, vs).map { "[\(value($0, kt)),\(value($1, vt))]" }.joined(separator: ",") + "]"
        case (.structure(let values), .structure(let fields)):
            let parts = zip(values, fields).map { (string($1.name), value($0, $1.type)) }.sorted { $0.0 < $1.0 }
            return "{" + parts.map { "\($0.0):\($0.1)" }.joined(separator: ",") + "}"
        default: return "?\(v)"
        }
    }

    /// A JSON string: only `"` and `\` escaped (the test data holds no control characters).
    public static func string(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    static let digits = Array("0123456789abcdef".utf8)

    public static func hex(_ b: [UInt8]) -> String {
        var out: [UInt8] = Array("x:".utf8)
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public static func bits(_ d: Double) -> String {
        if d.isNaN { return string("nan") }
        let h = String(d.bitPattern, radix: 16)
        return string("f:" + String(repeating: "0", count: 16 - h.count) + h)
    }

    public static func decimal(_ u: Int128, _ scale: Int) -> String {
        let negative = u < 0
        var digits = String(negative ? (0 - u).magnitude : u.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return (negative ? "-" : "") + digits
    }
}
