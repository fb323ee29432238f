import Columnar

/// Exact decimals: values are unscaled integers (Int64 up to precision 18, Int128 up to 38)
/// with the scale in the type, as DuckDB and Parquet store them. Arithmetic is done in 128
/// bits; a result that needs more digits than its type's precision is an error, never a
/// rounded or wrapped value.
enum DecimalMath {
    static let maxPrecision = 38
    /// 10^0 … 10^38.
    static let powers: [Int128] = {
        var p: [Int128] = [1]
        for _ in 0..<38 { p.append(p[p.count - 1] * 10) }
        return p
    }()

    /// Whether |u| has at most `precision` digits.
    @inline(__always) static func fits(_ u: Int128, precision: Int) -> Bool {
        let limit = powers[min(precision, maxPrecision)]
        return u > -limit && u < limit
    }

    /// `u` at scale `from` moved to scale `to`: multiplied (nil on overflow) or divided with
    /// rounding half away from zero.
    static func rescale(_ u: Int128, from: Int, to: Int) -> Int128? {
        if to == from { return u }
        if to > from {
            guard to - from <= maxPrecision else { return u == 0 ? 0 : nil }
            let (r, overflow) = u.multipliedReportingOverflow(by: powers[to - from])
            return overflow ? nil : r
        }
        // Every Int128 has fewer than 39 digits: dropping more rounds it to 0.
        guard from - to <= maxPrecision else { return 0 }
        let d = powers[from - to]
        let q = u / d, r = u % d
        if (r < 0 ? -r : r) * 2 >= d { return u < 0 ? q - 1 : q + 1 }
        return q
    }

    /// Compares a×10^-sa with b×10^-sb exactly (integer parts first, so nothing overflows).
    static func compare(_ a: Int128, _ sa: Int, _ b: Int128, _ sb: Int) -> Int {
        if sa == sb { return a < b ? -1 : (a > b ? 1 : 0) }
        let s = max(sa, sb)
        if let x = rescale(a, from: sa, to: s), let y = rescale(b, from: sb, to: s) { return x < y ? -1 : (x > y ? 1 : 0) }
        let ia = a / powers[sa], ib = b / powers[sb]
        if ia != ib { return ia < ib ? -1 : 1 }
        // Same integer part: the fractions fit at the larger scale.
        let fa = (a % powers[sa]) * powers[s - sa], fb = (b % powers[sb]) * powers[s - sb]
        return fa < fb ? -1 : (fa > fb ? 1 : 0)
    }

    /// Exact text to (unscaled, scale): `-12.340`, `+.5`, `1e-3`, `1.5E2`.
    static func parse(_ text: String) -> (Int128, scale: Int)? {
        var s = Substring(text.trimmingCharacters())
        var negative = false
        if let f = s.first, f == "-" || f == "+" { negative = f == "-"; s = s.dropFirst() }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(s[s.index(after: e)...]), abs(x) <= 76 else { return nil }
            exponent = x
            s = s[..<e]
        }
        var u: Int128 = 0, scale = 0, digits = 0, seenPoint = false, sawDigit = false
        var roundUp: Bool?
        for c in s.utf8 {
            if c == UInt8(ascii: ".") {
                guard !seenPoint else { return nil }
                seenPoint = true
                continue
            }
            guard c >= 48 && c <= 57 else { return nil }
            sawDigit = true
            if u == 0 && c == 48 {
                if seenPoint { scale += 1 }
                continue
            }
            if digits == maxPrecision {
                // Digits past 38: an integer part that long does not fit; fraction digits
                // round the last kept one.
                guard seenPoint || roundUp != nil else { return nil }
                if roundUp == nil { roundUp = c >= 53 }
                continue
            }
            digits += 1
            u = u * 10 + Int128(c - 48)
            if seenPoint { scale += 1 }
        }
        guard sawDigit else { return nil }
        if roundUp == true { u += 1 }
        scale -= exponent
        if scale < 0 {
            guard let x = rescale(u, from: 0, to: -scale) else { return nil }
            u = x
            scale = 0
        }
        if scale > maxPrecision {
            guard let x = rescale(u, from: scale, to: maxPrecision) else { return nil }
            u = x
            scale = maxPrecision
        }
        return (negative ? -u : u, scale)
    }

    /// The digits an integer type needs as a decimal.
    static func integerDigits(_ t: DataType) -> Int? {
        switch t {
        case .boolean: return 1
        case .tinyint: return 3
        case .smallint: return 5
        case .integer: return 10
        case .bigint: return 19
        case .hugeint: return 38
        default: return nil
        }
    }

    /// The (precision, scale) of a decimal or integer type.
    static func shape(_ t: DataType) -> (Int, Int)? {
        if case .decimal(let p, let s) = t { return (p, s) }
        return integerDigits(t).map { ($0, 0) }
    }

    /// The decimal both operands fit in (for comparisons, CASE, UNION): the larger scale and
    /// the larger integer part, at most 38 digits.
    static func supertype(_ a: DataType, _ b: DataType) -> DataType? {
        if a == .null, case .decimal = b { return b }
        if b == .null, case .decimal = a { return a }
        guard let (pa, sa) = shape(a), let (pb, sb) = shape(b) else { return nil }
        let s = max(sa, sb)
        return .decimal(precision: min(maxPrecision, max(pa - sa, pb - sb) + s), scale: s)
    }

    /// The result type of `a op b` for + - * (DuckDB's rules), or nil where the operation
    /// is done in DOUBLE (/, % and anything with a float).
    static func resultType(_ op: String, _ a: DataType, _ b: DataType) -> DataType? {
        guard let (pa, sa) = shape(a), let (pb, sb) = shape(b) else { return nil }
        switch op {
        case "+", "-":
            let s = max(sa, sb)
            return .decimal(precision: min(maxPrecision, max(pa - sa, pb - sb) + s + 1), scale: s)
        case "*":
            guard sa + sb <= maxPrecision else { return nil }
            return .decimal(precision: min(maxPrecision, pa + pb), scale: sa + sb)
        default: return nil
        }
    }

    /// A column of unscaled values at `scale` from a decimal or integer column; throws if a
    /// value does not fit in 128 bits at that scale.
    static func unscaled(_ c: Column, scale: Int) throws -> [Int128] {
        let from: Int
        if case .decimal(_, let s) = c.type { from = s } else { from = 0 }
        var raw: [Int128]
        switch c.data {
        case .int128(let a): raw = a
        case .constant(let v):
            let x: Int128
            switch v {
            case .decimal(let u, let s): x = rescale(u, from: s, to: from) ?? 0
            case .int(let i): x = Int128(i)
            case .hugeint(let h): x = h
            case .bool(let b): x = b ? 1 : 0
            default: x = 0
            }
            raw = [Int128](repeating: x, count: c.count)
        default: raw = c.int64Values().map { Int128($0) }
        }
        if from == scale { return raw }
        let factor = powers[scale - from]
        for i in raw.indices {
            let (r, overflow) = raw[i].multipliedReportingOverflow(by: factor)
            if overflow { throw runtimeError("\(ValueText.decimal(raw[i], scale: from)) does not fit DECIMAL(38,\(scale))") }
            raw[i] = r
        }
        return raw
    }

    /// A decimal column of `type` from unscaled values.
    static func column(_ values: [Int128], type: DataType, validity: Bitmap?) -> Column {
        guard case .decimal(let p, _) = type else { fatalError("not a decimal type: \(type)") }
        let data: Column.ColumnData = p <= 18 ? .int64(values.map { Int64(truncatingIfNeeded: $0) }) : .int128(values)
        return Column(type: type, count: values.count, validity: validity, data: data)
    }

    /// + - * over decimals (and integers met as decimals of scale 0).
    static func arithmetic(_ op: String, _ types: [DataType]) -> BoundFunction? {
        guard types.count == 2, types.contains(where: { if case .decimal = $0 { return true } else { return false } }),
              let result = resultType(op, types[0] == .null ? types[1] : types[0], types[1] == .null ? types[0] : types[1]),
              case .decimal(let p, let s) = result else { return nil }
        let (sa, sb): (Int, Int)
        switch op {
        case "*": (sa, sb) = (shape(types[0])?.1 ?? 0, shape(types[1])?.1 ?? 0)
        default: (sa, sb) = (s, s)
        }
        return BoundFunction(name: op, returnType: result) { args, count in
            let validity = combinedValidity(args, count: count)
            let a = try unscaled(args[0], scale: sa), b = try unscaled(args[1], scale: sb)
            var out = [Int128](repeating: 0, count: count)
            for i in 0..<count where validity?[i] ?? true {
                let (r, overflow): (Int128, Bool)
                switch op {
                case "+": (r, overflow) = a[i].addingReportingOverflow(b[i])
                case "-": (r, overflow) = a[i].subtractingReportingOverflow(b[i])
                default: (r, overflow) = a[i].multipliedReportingOverflow(by: b[i])
                }
                guard !overflow, fits(r, precision: p) else {
                    throw runtimeError("DECIMAL(\(p),\(s)) overflow in \(ValueText.decimal(a[i], scale: sa)) \(op) \(ValueText.decimal(b[i], scale: sb))")
                }
                out[i] = r
            }
            return column(out, type: result, validity: validity)
        }
    }

    /// Comparisons at the operands' common scale.
    static func comparison(_ result: @escaping @Sendable (Int) -> Bool, _ name: String, _ types: [DataType]) -> BoundFunction? {
        guard types.count == 2, let t = supertype(types[0], types[1]), case .decimal(_, let s) = t else { return nil }
        let sa = shape(types[0])?.1 ?? s, sb = shape(types[1])?.1 ?? s
        return BoundFunction(name: name, returnType: .boolean) { args, count in
            let validity = combinedValidity(args, count: count)
            let a = try unscaled(args[0], scale: sa), b = try unscaled(args[1], scale: sb)
            var out = [Bool](repeating: false, count: count)
            for i in 0..<count where validity?[i] ?? true { out[i] = result(compare(a[i], sa, b[i], sb)) }
            return Column(type: .boolean, count: count, validity: validity, data: .bool(out))
        }
    }

    /// CAST of one value to DECIMAL(p, s).
    static func convert(_ v: Value, precision p: Int, scale s: Int) -> Value? {
        let u: Int128?
        switch v {
        case .int(let i): u = rescale(Int128(i), from: 0, to: s)
        case .hugeint(let h): u = rescale(h, from: 0, to: s)
        case .bool(let b): u = rescale(b ? 1 : 0, from: 0, to: s)
        case .decimal(let x, let from): u = rescale(x, from: from, to: s)
        case .double(let d): u = fromDouble(d, scale: s)
        case .float(let f): u = fromDouble(Double(f), scale: s)
        case .string(let text):
            guard let (x, from) = parse(text) else { return nil }
            u = rescale(x, from: from, to: s)
        default: return nil
        }
        guard let u, fits(u, precision: p) else { return nil }
        return .decimal(u, scale: s)
    }

    static func fromDouble(_ d: Double, scale s: Int) -> Int128? {
        guard d.isFinite else { return nil }
        // Through the shortest decimal text of the double: 0.285 is 0.285, not 0.28499….
        if let (x, from) = parse(String(d)) { return rescale(x, from: from, to: s) }
        let scaled = (d * pow10(s)).rounded(.toNearestOrAwayFromZero)
        guard abs(scaled) < 1.7e38 else { return nil }
        return Int128(scaled)
    }

    /// The double nearest to u × 10^-scale (one correct rounding: exact operands divide once;
    /// anything larger goes through the decimal text).
    static func toDouble(_ u: Int128, scale: Int) -> Double {
        let magnitude = u < 0 ? -u : u
        if magnitude < (1 << 53) && scale <= 22 { return Double(u) / exactPowers[scale] }
        return Double(ValueText.decimal(u, scale: scale)) ?? Double(u) / pow10(scale)
    }

    /// 10^0 … 10^22, every one exact in a Double.
    static let exactPowers: [Double] = (0...22).map { pow10($0) }

    /// DECIMAL → integer: rounded half away from zero.
    static func toInteger(_ u: Int128, scale: Int) -> Int128 { rescale(u, from: scale, to: 0)! }
}
