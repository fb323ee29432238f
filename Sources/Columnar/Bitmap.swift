/// A bitmap of `count` bits in 64-bit words: the validity of a column (bit set = not null).
public struct Bitmap: Sendable, Hashable {
    public private(set) var words: [UInt64]
    public private(set) var count: Int

    /// `count` bits, all set or all clear.
    public init(count: Int, allSet: Bool) {
        self.count = count
        let fill: UInt64 = allSet ? ~0 : 0
        words = [UInt64](repeating: fill, count: (count + 63) / 64)
        if allSet { clearTail() }
    }

    @inline(__always) public subscript(i: Int) -> Bool {
        get { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
        set {
            if newValue { words[i >> 6] |= 1 << UInt64(i & 63) } else { words[i >> 6] &= ~(1 << UInt64(i & 63)) }
        }
    }

    public mutating func append(_ bit: Bool) {
        if count & 63 == 0 { words.append(0) }
        count += 1
        if bit { self[count - 1] = true }
    }

    /// The number of set bits.
    public var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    public var allSet: Bool { setCount == count }

    /// Bits i where both are set.
    public static func & (a: Bitmap, b: Bitmap) -> Bitmap {
        precondition(a.count == b.count, "bitmaps of different lengths")
        var r = a
        for i in r.words.indices { r.words[i] &= b.words[i] }
        return r
    }

    private mutating func clearTail() {
        let rem = count & 63
        if rem != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(rem)) - 1 }
    }
}
