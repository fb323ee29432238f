/// Statistics.db: validation, compaction, stats and serialization-header metadata.
/// Follows `io.sstable.metadata.MetadataSerializer` and its component serializers.
public struct Statistics: Sendable {
    public var partitioner: String
    public var bloomFilterFPChance: Double
    public var stats: StatsMetadata
    public var header: SerializationHeader

    public var partitionerName: String {
        partitioner.split(separator: ".").last.map(String.init) ?? partitioner
    }

    public static func parse(path: String, bytes: [UInt8], version: FormatVersion) throws -> Statistics {
        let input = ByteInput(path: path, bytes: bytes)
        let count = try input.readInt32()
        guard count > 0 && count <= 16 else { throw input.error(.corrupt, at: 0, "impossible component count \(count)") }
        // From na on: the CRC32 of the count follows it, then the table of contents, then the
        // CRC32 of count and table together; each component is followed by its own CRC32.
        let checksummed = version.hasMetadataChecksum
        var crc = CRC32()
        crc.update(bytes[0..<4])
        if checksummed {
            let stored = try input.readUInt32()
            guard stored == crc.value else {
                throw SSTableError(.checksumMismatch, file: path, offset: 4,
                                   "component count CRC32 is \(hex32(crc.value)), the file says \(hex32(stored))")
            }
        }
        let tocStart = Int(input.position)
        var toc: [(type: Int32, offset: Int32)] = []
        for _ in 0..<count { toc.append((try input.readInt32(), try input.readInt32())) }
        if checksummed {
            let end = Int(input.position)
            crc.update(bytes[tocStart..<end])
            let stored = try input.readUInt32()
            guard stored == crc.value else {
                throw SSTableError(.checksumMismatch, file: path, offset: Int64(end),
                                   "table of contents CRC32 is \(hex32(crc.value)), the file says \(hex32(stored))")
            }
        }
        let sorted = toc.sorted { $0.offset < $1.offset }
        var components: [Int32: ByteInput] = [:]
        for (i, entry) in sorted.enumerated() {
            let start = Int(entry.offset)
            let end = i + 1 < sorted.count ? Int(sorted[i + 1].offset) : bytes.count
            let bodyEnd = checksummed ? end - 4 : end
            guard start >= Int(input.position) || start >= 8, start <= bodyEnd, end <= bytes.count else {
                throw SSTableError(.corrupt, file: path, offset: Int64(start), "metadata component \(entry.type) lies outside the file")
            }
            if checksummed {
                let r = ByteInput(path: path, bytes: Array(bytes[bodyEnd..<end]))
                let stored = try r.readUInt32()
                let actual = CRC32.checksum(bytes[start..<bodyEnd])
                guard stored == actual else {
                    throw SSTableError(.checksumMismatch, file: path, offset: Int64(bodyEnd),
                                       "metadata component \(entry.type) CRC32 is \(hex32(actual)), the file says \(hex32(stored))")
                }
            }
            // Each component reads only its own bytes; errors still name offsets in the file.
            components[entry.type] = ByteInput(source: InMemoryBlockSource(path: path, bytes: Array(bytes[start..<bodyEnd]),
                                                                           fileOffset: Int64(start)))
        }
        // Ordinals of MetadataType: VALIDATION, COMPACTION, STATS, HEADER.
        guard let validation = components[0] else { throw SSTableError(.corrupt, file: path, "no validation metadata") }
        guard let statsInput = components[2] else { throw SSTableError(.corrupt, file: path, "no stats metadata") }
        guard let headerInput = components[3] else {
            throw SSTableError(.corrupt, file: path, "no serialization header (a 2.x file?)")
        }
        let partitioner = try validation.readUTF()
        let fp = try validation.readDouble()
        let header = try SerializationHeader.parse(headerInput, version: version)
        let stats = try StatsMetadata.parse(statsInput, version: version)
        return Statistics(partitioner: partitioner, bloomFilterFPChance: fp, stats: stats, header: header)
    }
}

/// The parts of `StatsMetadata` that describe the data.
public struct StatsMetadata: Sendable {
    /// Estimated partition sizes: (upper bound in bytes, count) buckets.
    public var partitionSizeHistogram: [(offset: Int64, count: Int64)]
    public var cellCountHistogram: [(offset: Int64, count: Int64)]
    public var minTimestamp: Int64
    public var maxTimestamp: Int64
    public var minLocalDeletionTime: Int64
    public var maxLocalDeletionTime: Int64
    public var minTTL: Int32
    public var maxTTL: Int32
    public var compressionRatio: Double
    public var sstableLevel: Int32
    public var repairedAt: Int64
    public var pendingRepair: String?
    public var isTransient: Bool?
    public var originatingHostId: String?
    public var tokenSpaceCoverage: Double?
    public var totalColumnsSet: Int64?
    public var totalRows: Int64?

    /// The partition count the writer recorded (the histogram's total).
    public var estimatedPartitionCount: Int64 { partitionSizeHistogram.reduce(0) { $0 + $1.count } }

    static func parse(_ input: ByteInput, version: FormatVersion) throws -> StatsMetadata {
        func histogram() throws -> [(Int64, Int64)] {
            let n = try input.readInt32()
            guard n >= 0 && n < 1_000_000 else { throw input.error(.corrupt, "impossible histogram size \(n)") }
            var h: [(Int64, Int64)] = []
            for _ in 0..<n { h.append((try input.readInt64(), try input.readInt64())) }
            return h
        }
        let sizes = try histogram()
        let cells = try histogram()
        _ = try input.readInt64() // commit log upper bound: segment id
        _ = try input.readInt32() //   and position
        let minTs = try input.readInt64(), maxTs = try input.readInt64()
        let ldtMin: Int64, ldtMax: Int64
        if version.hasUIntDeletionTime {
            ldtMin = Int64(try input.readUInt32())
            ldtMax = Int64(try input.readUInt32())
        } else {
            ldtMin = Int64(try input.readInt32())
            ldtMax = Int64(try input.readInt32())
        }
        let minTTL = try input.readInt32(), maxTTL = try input.readInt32()
        let ratio = try input.readDouble()
        // Tombstone drop-time histogram: max bin size, then (point, count) pairs.
        _ = try input.readInt32()
        let bins = try input.readInt32()
        guard bins >= 0 && bins < 1_000_000 else { throw input.error(.corrupt, "impossible tombstone histogram size \(bins)") }
        try input.skip(Int(bins) * (version.hasUIntDeletionTime ? 12 : 16))
        let level = try input.readInt32()
        let repairedAt = try input.readInt64()
        var result = StatsMetadata(partitionSizeHistogram: sizes, cellCountHistogram: cells, minTimestamp: minTs, maxTimestamp: maxTs,
                                   minLocalDeletionTime: ldtMin, maxLocalDeletionTime: ldtMax, minTTL: minTTL, maxTTL: maxTTL,
                                   compressionRatio: ratio, sstableLevel: level, repairedAt: repairedAt)
        // What follows (clustering bounds, commit log intervals, repair and host ids) is read
        // only as far as it can be exactly; the reader does not depend on it.
        guard !version.hasImprovedMinMax else { return result }
        do {
            for _ in 0..<2 {
                let n = try input.readInt32()
                guard n >= 0 && n < 65536 else { return result }
                for _ in 0..<n { try input.skip(Int(try input.readUInt16())) }
            }
            _ = try input.readBool() // hasLegacyCounterShards
            result.totalColumnsSet = try input.readInt64()
            result.totalRows = try input.readInt64()
            if version.hasCommitLogLowerBound { try input.skip(12) }
            if version.hasCommitLogIntervals {
                let n = try input.readInt32()
                guard n >= 0 && n < 1_000_000 else { return result }
                try input.skip(Int(n) * 24)
            }
            if version.hasPendingRepair, try input.readBool() {
                result.pendingRepair = uuidText(try input.readUInt64(), try input.readUInt64())
            }
            if version.hasIsTransient { result.isTransient = try input.readBool() }
            if version.hasOriginatingHostId, try input.readBool() {
                result.originatingHostId = uuidText(try input.readUInt64(), try input.readUInt64())
            }
        } catch {
            return result
        }
        return result
    }

    private static func uuidText(_ hi: UInt64, _ lo: UInt64) -> String {
        var b: [UInt8] = []
        for i in (0..<8).reversed() { b.append(UInt8(truncatingIfNeeded: hi >> (UInt64(i) * 8))) }
        for i in (0..<8).reversed() { b.append(UInt8(truncatingIfNeeded: lo >> (UInt64(i) * 8))) }
        return ValueJSON.uuidString(b)
    }
}
