/// Orders serialized values the way Cassandra's `AbstractType.compare` does, so that rows
/// from several SSTables merge in the order each file already has.
public enum ValueComparator {
    public static func compare(_ a: [UInt8], _ b: [UInt8], as type: CQLType) -> Int {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in compare(pa[...], pb[...], as: type) } }
    }

    public static func compare(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>, as type: CQLType) -> Int {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in compare(pa[...], pb[...], as: type) } }
    }

    static func bytes(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
        let n = Swift.min(a.count, b.count)
        var i = a.startIndex, j = b.startIndex
        for _ in 0..<n {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    static func signedBigEndian(_ a: Slice<UnsafeBufferPointer<UInt8>>) -> Int64 {
        var v: Int64 = a.isEmpty ? 0 : Int64(Int8(bitPattern: a[a.startIndex]))
        for i in (a.startIndex + 1)..<a.endIndex { v = v << 8 | Int64(a[i]) }
        return v
    }

    static func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }

    public static func compare(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: Slice<UnsafeBufferPointer<UInt8>>, as type: CQLType) -> Int {
        // Empty values sort first for every type, reversed or not.
        if a.isEmpty || b.isEmpty { return a.isEmpty ? (b.isEmpty ? 0 : -1) : 1 }
        switch type {
        case .reversed(let t): return -compare(a, b, as: t)
        case .tinyint, .smallint, .int, .bigint, .counter, .timestamp, .time:
            guard a.count <= 8, b.count <= 8 else { return bytes(a, b) }
            return cmp(signedBigEndian(a), signedBigEndian(b))
        case .varint:
            return compareVarint(a, b)
        case .float:
            guard a.count == 4, b.count == 4 else { return bytes(a, b) }
            return compareFloating(Double(Float(bitPattern: UInt32(truncatingIfNeeded: signedBigEndian(a)))),
                                   Double(Float(bitPattern: UInt32(truncatingIfNeeded: signedBigEndian(b)))))
        case .double:
            guard a.count == 8, b.count == 8 else { return bytes(a, b) }
            return compareFloating(Double(bitPattern: UInt64(bitPattern: signedBigEndian(a))),
                                   Double(bitPattern: UInt64(bitPattern: signedBigEndian(b))))
        case .timeuuid:
            guard a.count == 16, b.count == 16 else { return bytes(a, b) }
            let c = cmp(reorderTimestamp(msb(a)), reorderTimestamp(msb(b)))
            return c != 0 ? c : cmp(signedBytesLong(lsb(a)), signedBytesLong(lsb(b)))
        case .uuid:
            guard a.count == 16, b.count == 16 else { return bytes(a, b) }
            let ma = msb(a), mb = msb(b)
            let va = (ma >> 12) & 0xf, vb = (mb >> 12) & 0xf
            if va != vb { return va < vb ? -1 : 1 }
            let c = va == 1 ? cmp(reorderTimestamp(ma), reorderTimestamp(mb)) : cmp(ma, mb)
            return c != 0 ? c : cmp(signedBytesLong(lsb(a)), signedBytesLong(lsb(b)))
        case .decimal:
            // By approximate value, then bytes to keep the order total. Decimal clustering
            // columns whose values differ beyond a double's precision may misorder.
            let da = decimalApprox(a), db = decimalApprox(b)
            return da != db ? cmp(da, db) : bytes(a, b)
        case .list(let e, _), .set(let e, _):
            return compareElements(a, b, types: { _ in e }, countPrefix: true)
        case .map(let k, let v, _):
            return compareElements(a, b, types: { $0 % 2 == 0 ? k : v }, countPrefix: true, pairs: true)
        case .tuple(let ts):
            return compareElements(a, b, types: { $0 < ts.count ? ts[$0] : .blob }, countPrefix: false)
        case .udt(let d, _):
            return compareElements(a, b, types: { $0 < d.fieldTypes.count ? d.fieldTypes[$0] : .blob }, countPrefix: false)
        default:
            // ascii, text, blob, boolean, inet, date (unsigned with its 2^31 offset): bytes.
            return bytes(a, b)
        }
    }

    static func compareFloating(_ x: Double, _ y: Double) -> Int {
        // Java's Float/Double.compare: -0.0 < 0.0, NaN greatest.
        if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
        if x == y {
            if x == 0 && x.sign != y.sign { return x.sign == .minus ? -1 : 1 }
            return 0
        }
        return x < y ? -1 : 1
    }

    static func msb(_ a: Slice<UnsafeBufferPointer<UInt8>>) -> Int64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(a[a.startIndex + i]) }
        return Int64(bitPattern: v)
    }

    static func lsb(_ a: Slice<UnsafeBufferPointer<UInt8>>) -> Int64 {
        var v: UInt64 = 0
        for i in 8..<16 { v = v << 8 | UInt64(a[a.startIndex + i]) }
        return Int64(bitPattern: v)
    }

    /// `TimeUUIDType.reorderTimestampBytes`: time_hi, time_mid, time_low order.
    static func reorderTimestamp(_ m: Int64) -> Int64 {
        let u = UInt64(bitPattern: m)
        return Int64(bitPattern: (u << 48) | ((u << 16) & 0xFFFF_0000_0000) | (u >> 32))
    }

    /// Java's per-byte signed comparison of the low 64 bits (`signedBytesToNativeLong`).
    static func signedBytesLong(_ v: Int64) -> Int64 { v ^ 0x0080_8080_8080_8080 }

    static func compareVarint(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
        let na = a[a.startIndex] & 0x80 != 0, nb = b[b.startIndex] & 0x80 != 0
        if na != nb { return na ? -1 : 1 }
        // Same sign: strip redundant sign-extension bytes, then longer magnitude is larger
        // for positives and smaller for negatives.
        func strip(_ s: Slice<UnsafeBufferPointer<UInt8>>, _ neg: Bool) -> Slice<UnsafeBufferPointer<UInt8>> {
            var s = s
            let pad: UInt8 = neg ? 0xFF : 0
            while s.count > 1, s[s.startIndex] == pad, (s[s.startIndex + 1] & 0x80 != 0) == neg { s = s.dropFirst() }
            return s
        }
        let sa = strip(a, na), sb = strip(b, nb)
        if sa.count != sb.count { return (sa.count < sb.count) != na ? -1 : 1 }
        return bytes(sa, sb)
    }

    static func decimalApprox(_ a: Slice<UnsafeBufferPointer<UInt8>>) -> Double {
        guard a.count >= 5 else { return 0 }
        let scale = Int32(truncatingIfNeeded: signedBigEndian(a.prefix(4)))
        var v = 0.0
        let digits = a.dropFirst(4)
        let negative = digits[digits.startIndex] & 0x80 != 0
        for (i, byte) in digits.enumerated() {
            v = v * 256 + (i == 0 && negative ? Double(Int8(bitPattern: byte)) : Double(byte))
        }
        return v * pow10(-Int(scale))
    }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        let base = e < 0 ? 0.1 : 10.0
        for _ in 0..<Swift.min(abs(e), 400) { r *= base }
        return r
    }

    /// Frozen collections compare element by element (then by count); tuples and UDTs
    /// component by component.
    static func compareElements(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: Slice<UnsafeBufferPointer<UInt8>>,
                                types: (Int) -> CQLType, countPrefix: Bool, pairs: Bool = false) -> Int {
        var ra = ValueDecoder.SliceReader(a), rb = ValueDecoder.SliceReader(b)
        var na = Int.max, nb = Int.max
        if countPrefix {
            guard let x = try? ra.i32(), let y = try? rb.i32() else { return bytes(a, b) }
            na = Int(x) * (pairs ? 2 : 1)
            nb = Int(y) * (pairs ? 2 : 1)
        }
        var i = 0
        while true {
            let endA = countPrefix ? i >= na : ra.atEnd
            let endB = countPrefix ? i >= nb : rb.atEnd
            if endA || endB { return endA ? (endB ? 0 : -1) : 1 }
            guard let la = try? ra.i32(), let lb = try? rb.i32() else { return bytes(a, b) }
            if la < 0 || lb < 0 {
                if la != lb { return la < 0 ? -1 : 1 }
            } else {
                guard let ea = try? ra.take(Int(la)), let eb = try? rb.take(Int(lb)) else { return bytes(a, b) }
                let c = compare(ea, eb, as: types(i))
                if c != 0 { return c }
            }
            i += 1
        }
    }
}

/// Orders clusterings and range tombstone bounds (`ClusteringComparator`).
public struct ClusteringComparator: Sendable {
    public let types: [CQLType]

    public init(types: [CQLType]) { self.types = types }

    func compareValue(_ a: Bytes?, _ b: Bytes?, at i: Int) -> Int {
        guard let a else { return b == nil ? 0 : -1 }
        guard let b else { return 1 }
        return ValueComparator.compare(a, b, as: i < types.count ? types[i] : .blob)
    }

    /// Compares two prefixes with their kinds (a row is `.clustering`).
    public func compare(_ a: ClusteringValues, _ ak: BoundKind, _ b: ClusteringValues, _ bk: BoundKind) -> Int {
        if ak == .staticClustering || bk == .staticClustering {
            return ak == bk ? 0 : (ak == .staticClustering ? -1 : 1)
        }
        let n = min(a.count, b.count)
        for i in 0..<n {
            let c = compareValue(a[i], b[i], at: i)
            if c != 0 { return c }
        }
        if a.count == b.count { return ValueComparator.cmp(ak.comparedToClustering, bk.comparedToClustering) }
        // The shorter prefix is a bound: it lies before or after everything it prefixes.
        return a.count < b.count ? ak.comparedToClustering : -bk.comparedToClustering
    }
}
