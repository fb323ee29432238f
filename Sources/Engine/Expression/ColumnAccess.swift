import Columnar

/// Typed views of columns for kernels: each returns a plain buffer with one slot per row
/// (null slots hold 0/false/empty) so that loops run without a branch per layout.
extension Column {
    /// Integers, dates, times, timestamps and decimals' unscaled values as Int64.
    func int64Values() -> [Int64] {
        switch data {
        case .int8(let a): return a.map(Int64.init)
        case .int16(let a): return a.map(Int64.init)
        case .int32(let a): return a.map(Int64.init)
        case .int64(let a): return a
        case .int128(let a): return a.map { Int64(truncatingIfNeeded: $0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        case .float32(let a): return a.map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 }
        case .float64(let a): return a.map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 }
        case .constant(let v):
            let x: Int64
            switch v {
            case .int(let i), .time(let i), .timestamp(let i): x = i
            case .date(let d): x = Int64(d)
            case .bool(let b): x = b ? 1 : 0
            case .hugeint(let h), .decimal(let h, _): x = Int64(truncatingIfNeeded: h)
            default: x = 0
            }
            return [Int64](repeating: x, count: count)
        default: return [Int64](repeating: 0, count: count)
        }
    }

    /// UUIDs as their 128-bit values.
    func uint128Values() -> [UInt128] {
        switch data {
        case .uint128(let a): return a
        case .constant(.uuid(let u)): return [UInt128](repeating: u, count: count)
        default: return [UInt128](repeating: 0, count: count)
        }
    }

    /// Numbers as Double (decimals scaled).
    func doubleValues() -> [Double] {
        switch data {
        case .float32(let a): return a.map(Double.init)
        case .float64(let a): return a
        case .int128(let a):
            if case .decimal(_, let s) = type { return a.map { DecimalMath.toDouble(Int128($0), scale: s) } }
            return a.map(Double.init)
        case .int64(let a):
            if case .decimal(_, let s) = type { return a.map { DecimalMath.toDouble(Int128($0), scale: s) } }
            return a.map(Double.init)
        case .constant(let v):
            let x: Double
            switch v {
            case .double(let d): x = d
            case .float(let f): x = Double(f)
            case .int(let i): x = Double(i)
            case .hugeint(let h): x = Double(h)
            case .decimal(let u, let s): x = DecimalMath.toDouble(u, scale: s)
            case .bool(let b): x = b ? 1 : 0
            default: x = 0
            }
            return [Double](repeating: x, count: count)
        default: return int64Values().map(Double.init)
        }
    }

    func boolValues() -> [Bool] {
        switch data {
        case .bool(let a): return a
        case .constant(.bool(let b)): return [Bool](repeating: b, count: count)
        default: return int64Values().map { $0 != 0 }
        }
    }

    /// The validity as a bitmap of `count` bits (all set when there are no nulls).
    func validityBitmap() -> Bitmap {
        if case .constant(let v) = data { return Bitmap(count: count, allSet: !v.isNull) }
        return validity ?? Bitmap(count: count, allSet: true)
    }
}

@inline(__always) func pow10(_ s: Int) -> Double {
    var r = 1.0
    for _ in 0..<max(0, s) { r *= 10 }
    return r
}

/// Validity of a result whose row is null when any argument's is.
func combinedValidity(_ columns: [Column], count: Int) -> Bitmap? {
    var result: Bitmap?
    for c in columns {
        if case .constant(let v) = c.data {
            if v.isNull { return Bitmap(count: count, allSet: false) }
            continue
        }
        guard let v = c.validity else { continue }
        result = result.map { $0 & v } ?? v
    }
    return result
}
