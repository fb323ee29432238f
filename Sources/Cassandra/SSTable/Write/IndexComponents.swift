/// Summary.db: every `minIndexInterval`-th partition key with its position in Index.db, then
/// the first and last keys. Follows `IndexSummaryBuilder` at full sampling and
/// `IndexSummary.IndexSummarySerializer` (offsets and entries in the writer's native,
/// little-endian order; the header big-endian).
public struct SummaryWriter {
    public let minIndexInterval: Int
    public static let fullSampling: Int32 = 128
    private var offsets: [Int32] = []
    private var entries: [UInt8] = []
    private var keys = 0
    private var first: [UInt8]?
    private var last: [UInt8] = []

    public init(minIndexInterval: Int = 128) { self.minIndexInterval = minIndexInterval }

    /// Called for every partition, in order, with where its entry starts in Index.db.
    public mutating func add(key: [UInt8], indexPosition: Int64) {
        if first == nil { first = key }
        last = key
        if keys % minIndexInterval == 0 {
            offsets.append(Int32(entries.count))
            entries.append(contentsOf: key)
            withUnsafeBytes(of: indexPosition.littleEndian) { entries.append(contentsOf: $0) }
        }
        keys += 1
    }

    public func finish() -> [UInt8] {
        var out = ByteOutput()
        out.writeInt32(Int32(minIndexInterval))
        out.writeInt32(Int32(offsets.count))
        out.writeInt64(Int64(offsets.count * 4 + entries.count))
        out.writeInt32(Self.fullSampling)
        out.writeInt32(Int32((keys + minIndexInterval - 1) / minIndexInterval))
        let base = Int32(offsets.count * 4)
        var bytes = out.bytes
        for o in offsets { withUnsafeBytes(of: (o + base).littleEndian) { bytes.append(contentsOf: $0) } }
        bytes.append(contentsOf: entries)
        var tail = ByteOutput()
        for k in [first ?? [], last] {
            tail.writeInt32(Int32(k.count))
            tail.writeBytes(k)
        }
        return bytes + tail.bytes
    }
}

/// Filter.db: Cassandra's bloom filter over partition keys (`BloomFilter`, `FilterFactory`,
/// `BloomCalculations`, `OffHeapBitSet`): MurmurHash3 x64-128 of the key, `hashCount` bits at
/// h1 + i·h2 modulo the bit count, bits sized from the expected key count and the false
/// positive chance.
public struct BloomFilterWriter {
    public let hashCount: Int
    /// The bits asked for (keys × buckets + 20); the filter uses every bit of the 64-bit
    /// words that hold them (`bitset.capacity()`), so indices run modulo `capacity`.
    public let bitCount: Int64
    public let capacity: Int64
    public let version: FormatVersion
    private var words: [UInt8]

    /// `FilterFactory.getFilter(numElements, fpChance)`.
    public init(expectedKeys: Int, falsePositiveChance: Double = 0.01, version: FormatVersion) {
        self.version = version
        let n = max(1, expectedKeys)
        let (k, buckets) = Self.bloomSpec(falsePositiveChance)
        hashCount = k
        bitCount = Int64(n) * Int64(buckets) + 20
        let wordCount = Int((bitCount - 1) >> 6) + 1
        capacity = Int64(wordCount) * 64
        words = [UInt8](repeating: 0, count: wordCount * 8)
    }

    public mutating func add(key: [UInt8]) {
        let (h0, h1) = Murmur3.hash(key)
        // `setIndexes(hash[1], hash[0], …)`: the second half is the base, the first the step.
        var base = Int64(bitPattern: h1)
        let inc = Int64(bitPattern: h0)
        for _ in 0..<hashCount {
            let index = Self.abs(base % capacity)
            words[Int(index >> 3)] |= UInt8(1 << (index & 7))
            base = base &+ inc
        }
    }

    /// `FBUtilities.abs`: Long.MIN_VALUE maps to Long.MAX_VALUE.
    static func abs(_ x: Int64) -> Int64 { x == .min ? .max : Swift.abs(x) }

    public func finish() -> [UInt8] {
        var out = ByteOutput()
        out.writeInt32(Int32(hashCount))
        out.writeInt32(Int32(words.count / 8))
        if version.hasOldBloomFilterFormat {
            // 3.x: each 8 bytes of the bit set read as a little-endian long, written big-endian.
            for w in stride(from: 0, to: words.count, by: 8) { out.writeBytes(words[w..<(w + 8)].reversed()) }
        } else {
            // The bit set's memory as it is (`OffHeapBitSet.serialize` since 4.0).
            out.writeBytes(words)
        }
        return out.bytes
    }

    /// `BloomCalculations.computeBloomSpec` with the default maximum of buckets per element.
    static func bloomSpec(_ p: Double) -> (k: Int, bucketsPerElement: Int) {
        let maxBuckets = probabilities.count - 1
        if p >= probabilities[2][optimalK[2]] { return (optimalK[2], 2) }
        var buckets = 2
        var k = optimalK[2]
        while buckets < maxBuckets && probabilities[buckets][k] > p {
            buckets += 1
            k = optimalK[buckets]
        }
        while k > 1 && probabilities[buckets][k - 1] <= p { k -= 1 }
        return (k, buckets)
    }

    /// False positive rates by buckets per element and hash count (`BloomCalculations.probs`).
    static let probabilities: [[Double]] = [
        [1.0], // dummy, 0 buckets per element
        [1.0, 1.0], // dummy, 1 bucket per element
        [1.0, 0.393, 0.400],
        [1.0, 0.283, 0.237, 0.253],
        [1.0, 0.221, 0.155, 0.147, 0.160],
        [1.0, 0.181, 0.109, 0.092, 0.092, 0.101], // 5
        [1.0, 0.154, 0.0804, 0.0609, 0.0561, 0.0578, 0.0638],
        [1.0, 0.133, 0.0618, 0.0423, 0.0359, 0.0347, 0.0364],
        [1.0, 0.118, 0.0489, 0.0306, 0.024, 0.0217, 0.0216, 0.0229],
        [1.0, 0.105, 0.0397, 0.0228, 0.0166, 0.0141, 0.0133, 0.0135, 0.0145],
        [1.0, 0.0952, 0.0329, 0.0174, 0.0118, 0.00943, 0.00844, 0.00819, 0.00846], // 10
        [1.0, 0.0869, 0.0276, 0.0136, 0.00864, 0.0065, 0.00552, 0.00513, 0.00509],
        [1.0, 0.08, 0.0236, 0.0108, 0.00646, 0.00459, 0.00371, 0.00329, 0.00314],
        [1.0, 0.074, 0.0203, 0.00875, 0.00492, 0.00332, 0.00255, 0.00217, 0.00199, 0.00194],
        [1.0, 0.0689, 0.0177, 0.00718, 0.00381, 0.00244, 0.00179, 0.00146, 0.00129, 0.00121, 0.0012],
        [1.0, 0.0645, 0.0156, 0.00596, 0.003, 0.00183, 0.00128, 0.001, 0.000852, 0.000775, 0.000744], // 15
        [1.0, 0.0606, 0.0138, 0.005, 0.00239, 0.00139, 0.000935, 0.000702, 0.000574, 0.000505, 0.00047, 0.000459],
        [1.0, 0.0571, 0.0123, 0.00423, 0.00193, 0.00107, 0.000692, 0.000499, 0.000394, 0.000335, 0.000302, 0.000287, 0.000284],
        [1.0, 0.054, 0.0111, 0.00362, 0.00158, 0.000839, 0.000519, 0.00036, 0.000275, 0.000226, 0.000198, 0.000183, 0.000176],
        [1.0, 0.0513, 0.00998, 0.00312, 0.0013, 0.000663, 0.000394, 0.000264, 0.000194, 0.000155, 0.000132, 0.000118, 0.000111, 0.000109],
        [1.0, 0.0488, 0.00906, 0.0027, 0.00108, 0.00053, 0.000303, 0.000196, 0.00014, 0.000108, 8.89e-05, 7.77e-05, 7.12e-05, 6.79e-05, 6.71e-05], // 20
    ]

    /// The best hash count for each buckets-per-element (`BloomCalculations.optKPerBuckets`).
    static let optimalK: [Int] = probabilities.map { row in
        var best = 1
        for k in 1..<row.count where row[k] < row[best] { best = k }
        return max(1, best)
    }
}
