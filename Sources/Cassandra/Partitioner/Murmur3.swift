/// Cassandra's MurmurHash3 x64 128 (`utils.MurmurHash.hash3_x64_128`), keeping its quirk:
/// the tail bytes are sign-extended before they are mixed in, so tokens of keys whose
/// length is not a multiple of 16 and whose tail has bytes ≥ 0x80 differ from the reference
/// MurmurHash3.
public enum Murmur3 {
    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func fmix(_ k0: UInt64) -> UInt64 {
        var k = k0
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    public static func hash(_ key: [UInt8], seed: UInt64 = 0) -> (UInt64, UInt64) {
        key.withUnsafeBufferPointer { hash($0, seed: seed) }
    }

    public static func hash(_ key: UnsafeBufferPointer<UInt8>, seed: UInt64 = 0) -> (UInt64, UInt64) {
        let length = key.count
        let nblocks = length >> 4
        var h1 = seed, h2 = seed
        let c1: UInt64 = 0x87c3_7b91_1142_53d5
        let c2: UInt64 = 0x4cf5_ad43_2745_937f
        @inline(__always) func block(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in (0..<8).reversed() { v = v << 8 | UInt64(key[at + i]) }
            return v
        }
        for i in 0..<nblocks {
            var k1 = block(i * 16), k2 = block(i * 16 + 8)
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52dc_e729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5ab5
        }
        let tail = nblocks * 16
        // Java's `(long) key.get(i)`: a signed byte widened with its sign.
        @inline(__always) func signed(_ i: Int) -> UInt64 { UInt64(bitPattern: Int64(Int8(bitPattern: key[tail + i]))) }
        var k1: UInt64 = 0, k2: UInt64 = 0
        let rem = length & 15
        if rem > 8 {
            for i in (8..<rem).reversed() { k2 ^= signed(i) << UInt64((i - 8) * 8) }
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
        }
        if rem > 0 {
            for i in (0..<min(rem, 8)).reversed() { k1 ^= signed(i) << UInt64(i * 8) }
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
        }
        h1 ^= UInt64(length); h2 ^= UInt64(length)
        h1 &+= h2; h2 &+= h1
        h1 = fmix(h1); h2 = fmix(h2)
        h1 &+= h2; h2 &+= h1
        return (h1, h2)
    }

    /// The Murmur3Partitioner token of a key.
    public static func token(_ key: [UInt8]) -> Int64 {
        // An empty key sorts first: Murmur3Partitioner.getToken returns MINIMUM for it.
        if key.isEmpty { return .min }
        let t = Int64(bitPattern: hash(key).0)
        // Long.MIN_VALUE is the partitioner's minimum token, never a key's.
        return t == .min ? .max : t
    }
}
