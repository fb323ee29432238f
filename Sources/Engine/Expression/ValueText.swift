import Columnar

/// Values as text: CAST to VARCHAR and results shown to people. Doubles are shortest
/// round-trip with a point or exponent, dates ISO, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`.
public enum ValueText {
    /// With the value's type, structs show their field names: `{'x': 1, 'y': z}` (DuckDB's form).
    public static func render(_ v: Value, type: DataType) -> String {
        switch (v, type) {
        case (.structure(let items), .structure(let fields)):
            return "{" + zip(items, fields).map { "'\($1.name)': " + render($0, type: $1.type) }.joined(separator: ", ") + "}"
        case (.list(let items), .list(let e)):
            return "[" + items.map { render($0, type: e) }.joined(separator: ", ") + "]"
        case (.map(let k, let vs), .map(let kt, let vt)):
            return "{" + zip(k, vs).map { render($0, type: kt) + "=" + render($1, type: vt) }.joined(separator: ", ") + "}"
        default:
            return render(v)
        }
    }

    public static func render(_ v: Value) -> String {
        switch v {
        case .null: return "NULL"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .hugeint(let h): return String(h)
        case .float(let f): return double(Double(f), shortest: "\(f)")
        case .double(let d): return double(d, shortest: "\(d)")
        case .decimal(let u, let s): return decimal(u, scale: s)
        case .string(let s): return s
        case .blob(let b): return "\\x" + b.map { let h = String($0, radix: 16); return h.count == 1 ? "0" + h : h }.joined()
        case .date(let d): return DateText.date(Int64(d))
        case .time(let us): return DateText.time(us)
        case .timestamp(let us): return DateText.timestamp(us)
        case .interval(let i): return IntervalMath.render(i)
        case .uuid(let u):
            var hex = String(u, radix: 16)
            hex = String(repeating: "0", count: 32 - hex.count) + hex
            let c = Array(hex)
            return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
        case .list(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .map(let k, let vs): return "{" + zip(k, vs).map { render($0) + "=" + render($1) }.joined(separator: ", ") + "}"
        case .structure(let items): return "{" + items.map(render).joined(separator: ", ") + "}"
        }
    }

    static func double(_ d: Double, shortest: String) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return shortest
    }

    static func decimal(_ u: Int128, scale: Int) -> String {
        let negative = u < 0
        var digits = String(negative ? -u : u)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return (negative ? "-" : "") + digits
    }
}

/// Dates and timestamps to and from text (proleptic Gregorian, UTC).
public enum DateText {
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let c = CivilDate.from(days: days)
        return (c.year, c.month, c.day)
    }

    static func days(_ y: Int64, _ m: Int64, _ d: Int64) -> Int64 { CivilDate.days(year: y, month: m, day: d) }

    static func pad(_ v: Int64, _ w: Int) -> String {
        let s = String(abs(v))
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, w - s.count)) + s
    }

    public static func date(_ days: Int64) -> String {
        let (y, m, d) = civil(days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func time(_ us: Int64) -> String {
        let h = us / 3_600_000_000, m = us / 60_000_000 % 60, s = us / 1_000_000 % 60, f = us % 1_000_000
        // DuckDB's form: the fraction without trailing zeros.
        var fraction = f == 0 ? "" : pad(f, 6)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2))" + (fraction.isEmpty ? "" : "." + fraction)
    }

    public static func timestamp(_ us: Int64) -> String {
        let days = floorDiv(us, 86_400_000_000)
        return date(days) + " " + time(us - days * 86_400_000_000)
    }

    /// `YYYY-MM-DD`.
    public static func parseDate(_ s: String) -> Int32? {
        let parts = s.trimmingCharacters().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2].prefix(2)),
              parts[2].count == 2, (1...12).contains(m), (1...daysIn(y, m)).contains(d) else { return nil }
        return Int32(exactly: days(y, m, d))
    }

    static func daysIn(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z]`, or a date alone.
    public static func parseTimestamp(_ s: String) -> Int64? {
        let t = s.trimmingCharacters()
        let sep = t.firstIndex(where: { $0 == " " || $0 == "T" })
        guard let d = parseDate(String(sep.map { t[..<$0] } ?? Substring(t))) else { return nil }
        let us = Int64(d) * 86_400_000_000
        guard let sep else { return us }
        var rest = t[t.index(after: sep)...]
        if rest.hasSuffix("Z") { rest = rest.dropLast() }
        if rest.hasSuffix("+00") { rest = rest.dropLast(3) }
        return parseTime(String(rest)).map { us + $0 }
    }

    /// `HH:MM[:SS[.ffffff]]` as microseconds since midnight.
    public static func parseTime(_ s: String) -> Int64? {
        var us: Int64 = 0
        let hms = s.trimmingCharacters().split(separator: ":")
        guard hms.count >= 2, let h = Int64(hms[0]), let m = Int64(hms[1]), h < 24, m < 60 else { return nil }
        us += (h * 3600 + m * 60) * 1_000_000
        if hms.count == 3 {
            let secParts = hms[2].split(separator: ".", omittingEmptySubsequences: false)
            guard let sec = Int64(secParts[0]), sec < 60 else { return nil }
            us += sec * 1_000_000
            if secParts.count == 2 {
                let frac = String((secParts[1] + "000000").prefix(6))
                guard let f = Int64(frac) else { return nil }
                us += f
            }
        }
        return us
    }
}
