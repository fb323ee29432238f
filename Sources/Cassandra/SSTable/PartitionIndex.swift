/// Summary.db: every Nth key of Index.db with its position there, so a lookup reads one
/// stretch of Index.db. Follows `io.sstable.indexsummary.IndexSummary.IndexSummarySerializer`.
public struct IndexSummary: Sendable {
    public var minIndexInterval: Int32
    public var samplingLevel: Int32
    /// Sampled keys in token order with their offsets in Index.db.
    public var keys: [[UInt8]]
    public var indexPositions: [Int64]
    public var firstKey: [UInt8]
    public var lastKey: [UInt8]

    public static func parse(path: String, bytes: [UInt8]) throws -> IndexSummary {
        let input = ByteInput(path: path, bytes: bytes)
        let minInterval = try input.readInt32()
        let count = try input.readInt32()
        let memorySize = try input.readInt64()
        let sampling = try input.readInt32()
        _ = try input.readInt32() // size at full sampling
        guard count >= 0, memorySize >= Int64(count) * 4, memorySize <= input.length - input.position else {
            throw input.error(.corrupt, at: 4, "impossible summary of \(count) entries in \(memorySize) bytes")
        }
        let base = input.position
        // Offsets and entries are written in the writer's native (little-endian) order, the
        // offsets counted from the start of the offsets themselves.
        var offsets: [Int] = []
        offsets.reserveCapacity(Int(count))
        for _ in 0..<count { offsets.append(Int(try input.readUInt32LE())) }
        var keys: [[UInt8]] = []
        var positions: [Int64] = []
        for i in 0..<Int(count) {
            let start = offsets[i]
            let end = i + 1 < offsets.count ? offsets[i + 1] : Int(memorySize)
            guard start >= Int(count) * 4, end - start >= 8, end <= Int(memorySize) else {
                throw input.error(.corrupt, at: base + Int64(i) * 4, "summary entry \(i) spans \(start)..<\(end)")
            }
            try input.seek(to: base + Int64(start))
            keys.append(try input.readBytes(end - start - 8))
            positions.append(try input.readInt64LE())
        }
        try input.seek(to: base + memorySize)
        func sized() throws -> [UInt8] {
            let n = try input.readInt32()
            guard n >= 0, Int64(n) <= input.length - input.position else { throw input.error(.corrupt, "impossible key length \(n)") }
            return try input.readBytes(Int(n))
        }
        let first = try sized(), last = try sized()
        return IndexSummary(minIndexInterval: minInterval, samplingLevel: sampling, keys: keys, indexPositions: positions,
                            firstKey: first, lastKey: last)
    }
}

/// Index.db: one entry per partition in Data.db order: its key, its position in Data.db and
/// its promoted (row) index, kept as bytes only when asked for (the scanner parses it, since
/// it needs the file's clustering types). Follows `RowIndexEntry.Serializer`.
public final class PartitionIndexReader {
    let input: ByteInput
    public let path: String

    public struct Entry: Sendable {
        public var key: [UInt8]
        public var dataPosition: Int64
        /// Offset of this entry in Index.db.
        public var indexPosition: Int64
        /// The promoted index (`headerLength`, deletion, IndexInfo blocks, offsets) when the
        /// partition has one and it was asked for.
        public var rowIndex: [UInt8]? = nil
    }

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.input = ByteInput(path: path, bytes: bytes)
    }

    init(input: ByteInput) {
        self.path = input.path
        self.input = input
    }

    public func seek(to indexPosition: Int64) throws { try input.seek(to: indexPosition) }

    public func next(withRowIndex: Bool = false) throws -> Entry? {
        if input.isAtEnd { return nil }
        let at = input.position
        let keyLength = Int(try input.readUInt16())
        let key = try input.readBytes(keyLength)
        let position = try input.readUnsignedVInt()
        let promotedSize = try input.readLength("promoted index size")
        var rowIndex: [UInt8]?
        if withRowIndex && promotedSize > 0 {
            rowIndex = try input.readBytes(promotedSize)
        } else {
            try input.skip(promotedSize)
        }
        guard position <= UInt64(Int64.max) else { throw input.error(.corrupt, at: at, "impossible data position \(position)") }
        return Entry(key: key, dataPosition: Int64(position), indexPosition: at, rowIndex: rowIndex)
    }
}
