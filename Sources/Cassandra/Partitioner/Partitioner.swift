import Digests

/// A partition's token: where the partitioner places its key on the ring.
public enum Token: Sendable, Hashable, Comparable, CustomStringConvertible {
    case murmur3(Int64)
    /// RandomPartitioner: |MD5 as a signed 128-bit integer|, as its 16-byte big-endian magnitude.
    case random([UInt8])
    /// ByteOrderedPartitioner: the key bytes themselves.
    case bytes([UInt8])

    public static func < (a: Token, b: Token) -> Bool {
        switch (a, b) {
        case (.murmur3(let x), .murmur3(let y)): return x < y
        case (.random(let x), .random(let y)), (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .murmur3(let v): return String(v)
        case .random(let m): return BigDecimalText.integerString(twosComplement: [0] + m)
        case .bytes(let b): return ValueJSON.hexString(b)
        }
    }
}

/// The partitioners Cassandra ships: they order partitions on disk.
public enum Partitioner: String, Sendable {
    case murmur3 = "Murmur3Partitioner"
    case random = "RandomPartitioner"
    case byteOrdered = "ByteOrderedPartitioner"

    public init?(className: String) {
        let simple = className.split(separator: ".").last.map(String.init) ?? className
        self.init(rawValue: simple)
    }

    public func token(_ key: [UInt8]) -> Token {
        switch self {
        case .murmur3: return .murmur3(Murmur3.token(key))
        case .random:
            let digest = Digest.md5(key)
            // BigInteger(digest).abs(): negate the two's complement when the sign bit is set.
            var mag = digest
            if mag[0] & 0x80 != 0 {
                for i in mag.indices { mag[i] = ~mag[i] }
                var i = 15
                while i >= 0 {
                    let (v, o) = mag[i].addingReportingOverflow(1)
                    mag[i] = v
                    if !o { break }
                    i -= 1
                }
            }
            return .random(mag)
        case .byteOrdered: return .bytes(key)
        }
    }
}

/// Orders partitions as Cassandra does: by token, then by key bytes.
@inline(__always)
func partitionPrecedes(_ aToken: Token, _ aKey: [UInt8], _ bToken: Token, _ bKey: [UInt8]) -> Bool {
    if aToken != bToken { return aToken < bToken }
    return aKey.lexicographicallyPrecedes(bKey)
}
