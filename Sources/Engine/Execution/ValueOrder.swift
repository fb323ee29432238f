import Columnar

/// Orders and hashes values across types, for sorts, groups, DISTINCT and joins.
enum ValueOrder {
    /// A canonical form for hashing: integers, doubles that are whole, and decimals meet, so
    /// that 1, 1.0 and 1::BIGINT group together.
    static func hashKey(_ v: Value) -> Value {
        switch v {
        case .double(let d):
            if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
            return d.isNaN ? .double(.nan) : (d == 0 ? .int(0) : v)
        case .float(let f): return hashKey(.double(Double(f)))
        // '1 day' and '24 hours' are one value, as comparisons say.
        case .interval(let i): return .hugeint(IntervalMath.normalized(i))
        case .hugeint(let h): return Int64(exactly: h).map { .int($0) } ?? v
        case .decimal(var u, var s):
            // Trailing zeros dropped: 1.50 and 1.5 and 1.500 group together, exactly.
            while s > 0 && u % 10 == 0 { u /= 10; s -= 1 }
            if s == 0 { return Int64(exactly: u).map { .int($0) } ?? .hugeint(u) }
            return .decimal(u, scale: s)
        default: return v
        }
    }

    /// Compares two non-null values of comparable types.
    static func compare(_ a: Value, _ b: Value) -> Int {
        func c<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case (.int(let x), .int(let y)): return c(x, y)
        case (.bool(let x), .bool(let y)): return c(x ? 1 : 0, y ? 1 : 0)
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x == y ? 0 : 1)
        case (.blob(let x), .blob(let y)): return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        case (.date(let x), .date(let y)): return c(x, y)
        case (.timestamp(let x), .timestamp(let y)), (.time(let x), .time(let y)): return c(x, y)
        case (.hugeint(let x), .hugeint(let y)): return c(x, y)
        case (.decimal(let x, let sx), .decimal(let y, let sy)): return DecimalMath.compare(x, sx, y, sy)
        case (.decimal(let x, let sx), .int(let y)): return DecimalMath.compare(x, sx, Int128(y), 0)
        case (.int(let x), .decimal(let y, let sy)): return DecimalMath.compare(Int128(x), 0, y, sy)
        case (.uuid(let x), .uuid(let y)): return c(x, y)
        case (.interval(let x), .interval(let y)): return c(IntervalMath.normalized(x), IntervalMath.normalized(y))
        case (.list(let x), .list(let y)):
            for (p, q) in zip(x, y) {
                if p.isNull || q.isNull { if p.isNull != q.isNull { return p.isNull ? 1 : -1 } else { continue } }
                let r = compare(p, q)
                if r != 0 { return r }
            }
            return c(x.count, y.count)
        default:
            if let x = number(a), let y = number(b) { return Builtins.compareDoubles(x, y) }
            return ValueText.render(a).utf8.lexicographicallyPrecedes(ValueText.render(b).utf8) ? -1 : 1
        }
    }

    /// The 64-bit integer of an integer-like value (what typed int group keys hold).
    static func int64(_ v: Value) -> Int64? {
        switch v {
        case .int(let i), .time(let i), .timestamp(let i): return i
        case .date(let d): return Int64(d)
        default: return nil
        }
    }

    static func number(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .float(let f): return Double(f)
        case .hugeint(let h): return Double(h)
        case .decimal(let u, let s): return DecimalMath.toDouble(u, scale: s)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
}
