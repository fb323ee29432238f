import Parquet

/// A data file of a table, with the metrics its manifest entry carries (iceberg-writer-notes §5–6).
public struct DataFile: Sendable {
    public var path: String
    public var sizeInBytes: Int64
    public var recordCount: Int64
    public var columnSizes: [(Int32, Int64)] = []
    public var valueCounts: [(Int32, Int64)] = []
    public var nullValueCounts: [(Int32, Int64)] = []
    public var nanValueCounts: [(Int32, Int64)] = []
    public var lowerBounds: [(Int32, [UInt8])] = []
    public var upperBounds: [(Int32, [UInt8])] = []
    public var splitOffsets: [Int64] = []
    /// The values of the table's partition spec (empty when unpartitioned).
    public var partition: [PartitionValue] = []

    /// The metrics of a Parquet file the writer closed, keyed by the leaves' field ids; bounds
    /// only for leaves outside lists and maps, strings and binaries truncated to 16.
    public init(path: String, sizeInBytes: Int64, recordCount: Int64, leaves: [LeafColumn], metrics: [LeafMetrics],
                splitOffsets: [Int64], types: [Int32: IcebergType], partition: [PartitionValue] = []) {
        self.path = path
        self.partition = partition
        self.sizeInBytes = sizeInBytes
        self.recordCount = recordCount
        self.splitOffsets = splitOffsets
        for (leaf, m) in zip(leaves, metrics) {
            guard let id = leaf.node.fieldId else { continue }
            columnSizes.append((id, m.compressedSize))
            valueCounts.append((id, m.valueCount))
            nullValueCounts.append((id, m.nullCount))
            let type = types[id]
            if type == .float || type == .double { nanValueCounts.append((id, m.nanCount)) }
            guard leaf.maxRepetition == 0, let type else { continue }
            if let lo = m.min, let b = Bounds.lower(lo, type) { lowerBounds.append((id, b)) }
            if let hi = m.max, let b = Bounds.upper(hi, type) { upperBounds.append((id, b)) }
        }
    }
}

/// Iceberg's single-value binary serialization of bounds, with the default `truncate(16)`
/// metrics mode for strings and binaries.
enum Bounds {
    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        var x = v.littleEndian
        return withUnsafeBytes(of: &x) { Array($0) }
    }

    static func encode(_ v: StatValue, _ type: IcebergType) -> [UInt8]? {
        switch (v, type) {
        case (.int(let x), .boolean): return [x != 0 ? 1 : 0]
        case (.int(let x), .int), (.int(let x), .date): return le(Int32(truncatingIfNeeded: x))
        case (.int(let x), .long), (.int(let x), .time), (.int(let x), .timestamp), (.int(let x), .timestamptz): return le(x)
        case (.double(let d), .float): return le(Float(d).bitPattern)
        case (.double(let d), .double): return le(d.bitPattern)
        case (.int(let x), .decimal): return minimalTwosComplement(Int128(x))
        case (.bytes(let b), .decimal): return minimalTwosComplement(bytes: b)
        case (.bytes(let b), _): return b
        default: return nil
        }
    }

    /// The unscaled value in the fewest big-endian two's-complement bytes.
    static func minimalTwosComplement(_ v: Int128) -> [UInt8] {
        var out: [UInt8] = (0..<16).map { UInt8(truncatingIfNeeded: v >> Int128(8 * (15 - $0))) }
        while out.count > 1 && ((out[0] == 0 && out[1] & 0x80 == 0) || (out[0] == 0xff && out[1] & 0x80 != 0)) { out.removeFirst() }
        return out
    }

    static func minimalTwosComplement(bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        while out.count > 1 && ((out[0] == 0 && out[1] & 0x80 == 0) || (out[0] == 0xff && out[1] & 0x80 != 0)) { out.removeFirst() }
        return out
    }

    static func lower(_ v: StatValue, _ type: IcebergType) -> [UInt8]? {
        guard let b = encode(v, type) else { return nil }
        switch type {
        case .string: return Array(truncatedString(b, 16))
        case .binary: return Array(b.prefix(16))
        default: return b
        }
    }

    static func upper(_ v: StatValue, _ type: IcebergType) -> [UInt8]? {
        guard let b = encode(v, type) else { return nil }
        switch type {
        case .string:
            let t = truncatedString(b, 16)
            if t.count == b.count { return b }
            return incrementedString(Array(t))
        case .binary:
            if b.count <= 16 { return b }
            var t = Array(b.prefix(16))
            while let last = t.last {
                if last < 0xff { t[t.count - 1] = last + 1; return t }
                t.removeLast()
            }
            return nil
        default: return b
        }
    }

    /// The first `n` code points of UTF-8 bytes.
    static func truncatedString(_ b: [UInt8], _ n: Int) -> ArraySlice<UInt8> {
        var points = 0, i = 0
        while i < b.count {
            if b[i] & 0xC0 != 0x80 {
                if points == n { return b[..<i] }
                points += 1
            }
            i += 1
        }
        return b[...]
    }

    /// The smallest string above every string with this prefix: the last code point that can
    /// be incremented, incremented (skipping surrogates), and the rest dropped.
    static func incrementedString(_ b: [UInt8]) -> [UInt8]? {
        var scalars = Array(String(decoding: b, as: UTF8.self).unicodeScalars)
        while let last = scalars.popLast() {
            var v = last.value + 1
            if v == 0xD800 { v = 0xE000 }
            if let s = Unicode.Scalar(v), v <= 0x10FFFF {
                scalars.append(s)
                var out = ""
                out.unicodeScalars.append(contentsOf: scalars)
                return Array(out.utf8)
            }
        }
        return nil
    }
}
