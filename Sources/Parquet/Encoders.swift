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
        func uvarint(_ x: UInt64) {
            var x = x
            while x >= 0x80 { out.append(UInt8(truncatingIfNeeded: x) | 0x80); x >>= 7 }
            out.append(UInt8(x))
        }
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
