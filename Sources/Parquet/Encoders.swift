/// Parquet's value and level encodings as the writer emits them.
enum LevelEncoding {
    /// Bits needed for values up to `max`.
    static func bitWidth(_ max: Int) -> Int { max == 0 ? 0 : Int.bitWidth - max.leadingZeroBitCount }

    /// The RLE / bit-packing hybrid: runs of 8 or more equal values as RLE runs, the rest
    /// bit-packed in groups of 8 (padded with zeros only after the last value).
    static func hybrid<S: RandomAccessCollection>(_ values: S, bitWidth: Int, into out: inout [UInt8]) where S.Element: BinaryInteger, S.Index == Int {
        let n = values.count
        let base = values.startIndex
        @inline(__always) func v(_ i: Int) -> UInt64 { UInt64(truncatingIfNeeded: values[base + i]) }
        func uvarint(_ x: UInt64) { Varint.write(x, into: &out) }
        let valueBytes = (bitWidth + 7) / 8
        func runLength(at i: Int, limit: Int) -> Int {
            var j = i + 1
            while j < n && j - i < limit && v(j) == v(i) { j += 1 }
            return j - i
        }
        var i = 0
        while i < n {
            let run = runLength(at: i, limit: Int.max)
            if run >= 8 {
                uvarint(UInt64(run) << 1)
                let x = v(i)
                for k in 0..<valueBytes { out.append(UInt8(truncatingIfNeeded: x >> UInt64(8 * k))) }
                i += run
                continue
            }
            // Bit-packed groups until a long run starts at a group boundary (63 groups at most
            // per header keeps it one byte).
            let start = i
            var groups = 0
            while i < n && groups < 63 {
                if groups > 0 && runLength(at: i, limit: 8) >= 8 { break }
                i = min(i + 8, n)
                groups += 1
            }
            uvarint(UInt64(groups) << 1 | 1)
            var acc: UInt64 = 0, bits = 0
            for k in 0..<(groups * 8) {
                let x = start + k < n ? v(start + k) : 0
                acc |= x << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    out.append(UInt8(truncatingIfNeeded: acc))
                    acc >>= 8
                    bits -= 8
                }
            }
            if bits > 0 { out.append(UInt8(truncatingIfNeeded: acc)) }
        }
    }

    /// Levels of a v1 data page: their byte length (4 bytes, little-endian), then the hybrid.
    static func v1Levels(_ levels: [UInt8], max: Int, into out: inout [UInt8]) {
        let lengthAt = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        hybrid(levels, bitWidth: bitWidth(max), into: &out)
        let n = out.count - lengthAt - 4
        for k in 0..<4 { out[lengthAt + k] = UInt8(truncatingIfNeeded: n >> (8 * k)) }
    }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        var x = v.littleEndian
        Swift.withUnsafeBytes(of: &x) { append(contentsOf: $0) }
    }
}

/// DELTA_BINARY_PACKED, written as parquet-mr and Arrow write it: blocks of 128 deltas in 4
/// miniblocks of 32, each bit-packed at its own width above the block's least delta. INT32
/// columns take their deltas in 32-bit arithmetic (as 32-bit readers decode them).
enum DeltaEncoder {
    static func uvarint(_ x: UInt64, _ out: inout [UInt8]) { Varint.write(x, into: &out) }

    static func zigzag(_ v: Int64, _ out: inout [UInt8]) { Varint.write(zigzag: v, into: &out) }

    /// The PLAIN little-endian values of `plain` (`width` 4 or 8 bytes each), delta-encoded;
    /// nil as soon as the output passes `limit` bytes (it would not pay).
    static func encode(_ plain: [UInt8], width: Int, limit: Int) -> [UInt8]? {
        let n = plain.count / width
        guard n > 0 else { return nil }
        var values = [Int64](repeating: 0, count: n)
        plain.withUnsafeBytes { raw in
            for i in 0..<n {
                values[i] = width == 4 ? Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
                    : Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(min(limit, plain.count + 64))
        uvarint(128, &out)
        uvarint(4, &out)
        uvarint(UInt64(n), &out)
        zigzag(values[0], &out)
        var deltas = [Int64](repeating: 0, count: 128)
        var i = 1
        while i < n {
            let count = min(128, n - i)
            var minDelta = Int64.max
            for k in 0..<count {
                let d = width == 4 ? Int64(Int32(truncatingIfNeeded: values[i + k]) &- Int32(truncatingIfNeeded: values[i + k - 1])) : values[i + k] &- values[i + k - 1]
                deltas[k] = d
                minDelta = min(minDelta, d)
            }
            zigzag(minDelta, &out)
            let widthsAt = out.count
            out.append(contentsOf: [0, 0, 0, 0])
            for m in 0..<4 where m * 32 < count {
                var maxBits: UInt64 = 0
                let lo = m * 32, hi = min(count, lo + 32)
                func adjusted(_ k: Int) -> UInt64 {
                    width == 4 ? UInt64(UInt32(truncatingIfNeeded: Int32(truncatingIfNeeded: deltas[k]) &- Int32(truncatingIfNeeded: minDelta)))
                        : UInt64(bitPattern: deltas[k] &- minDelta)
                }
                for k in lo..<hi { maxBits |= adjusted(k) }
                let bits = maxBits == 0 ? 0 : 64 - maxBits.leadingZeroBitCount
                out[widthsAt + m] = UInt8(bits)
                guard bits > 0 else { continue }
                // 32 values, least significant bits first, padded with zeros; fewer than 8 bits
                // wait in `acc` between pieces of at most 56.
                var acc: UInt64 = 0, held = 0
                for k in lo..<(lo + 32) {
                    var v = k < hi ? adjusted(k) : 0
                    var left = bits
                    while left > 0 {
                        let take = min(left, 56)
                        acc |= (v & ((1 << UInt64(take)) - 1)) << UInt64(held)
                        held += take
                        left -= take
                        v = take == 64 ? 0 : v >> UInt64(take)
                        while held >= 8 {
                            out.append(UInt8(truncatingIfNeeded: acc))
                            acc >>= 8
                            held -= 8
                        }
                    }
                }
            }
            if out.count > limit { return nil }
            i += count
        }
        return out.count > limit ? nil : out
    }
}
