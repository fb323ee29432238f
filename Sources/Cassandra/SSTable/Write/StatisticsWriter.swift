/// What Statistics.db says about the data, gathered as partitions are written
/// (`MetadataCollector`): timestamp, deletion-time and TTL ranges, partition size and cell
/// count histograms, tombstone drop times, per-component clustering bounds, row and column
/// totals, and the key cardinality sketch.
public struct MetadataCollector {
    public private(set) var minTimestamp = Int64.max, maxTimestamp = Int64.min
    public private(set) var minLocalDeletionTime = Int64(Int32.max), maxLocalDeletionTime = Int64(Int32.min)
    /// `MinMaxIntTracker(NO_TTL, NO_TTL)`: 0 and 0 until a TTL is seen.
    public private(set) var minTTL = Int32.max, maxTTL = Int32.min
    var sawTTL = false
    var partitionSizes: EstimatedHistogram
    var cellCounts: EstimatedHistogram
    var tombstoneDropTimes = TombstoneHistogram()
    var cardinality = CardinalitySketch()
    var minClustering: ClusteringValues = [], maxClustering: ClusteringValues = []
    public private(set) var totalColumnsSet: Int64 = 0
    public private(set) var totalRows: Int64 = 0
    var cellsInPartition: Int64 = 0
    let clusteringTypes: [CQLType]
    var sawClustering = false
    /// 5.0's covered clustering (`MetadataCollector.updateClusteringValues…`): the smallest
    /// and largest whole clustering or non-boundary bound; nil stands for MAX_START / MIN_END.
    var coveredMin: (ClusteringValues, BoundKind)?
    var coveredMax: (ClusteringValues, BoundKind)?
    var firstKey: [UInt8]?
    var lastKey: [UInt8]?
    var hasPartitionLevelDeletions = false
    private let comparator: ClusteringComparator

    /// 5.0 widened the histograms (155 partition-size and 118 cell-count buckets, from 150 and 114).
    init(clusteringTypes: [CQLType], version: FormatVersion) {
        self.clusteringTypes = clusteringTypes
        comparator = ClusteringComparator(types: clusteringTypes)
        let wide = version.hasUIntDeletionTime
        partitionSizes = EstimatedHistogram(bucketCount: wide ? 155 : 150)
        cellCounts = EstimatedHistogram(bucketCount: wide ? 118 : 114)
    }

    mutating func addKey(_ key: [UInt8]) {
        cardinality.add(key)
        if firstKey == nil { firstKey = key }
        lastKey = key
    }

    mutating func partitionDeletion(_ d: DeletionTime) {
        if !d.isLive { hasPartitionLevelDeletions = true }
        deletion(d)
    }

    private func compare(_ a: (ClusteringValues, BoundKind), _ b: (ClusteringValues, BoundKind)) -> Int {
        comparator.compare(a.0, a.1, b.0, b.1)
    }

    mutating func covered(row c: ClusteringValues) {
        let p = (c, BoundKind.clustering)
        if coveredMax.map({ compare(p, $0) > 0 }) ?? true {
            coveredMax = p
            if coveredMin == nil { coveredMin = p }
        } else if coveredMin.map({ compare(p, $0) < 0 }) ?? true {
            coveredMin = p
        }
    }

    mutating func covered(bound m: RangeTombstoneMarker) {
        // Boundaries are never the extremes: a start is always closed later, an end opened earlier.
        guard !m.kind.isBoundary else { return }
        let p = (m.clustering, m.kind)
        if coveredMax.map({ compare(p, $0) > 0 }) ?? true {
            if m.kind.isEnd { coveredMax = p } else if coveredMin == nil { coveredMin = p }
        } else if coveredMin.map({ compare(p, $0) < 0 }) ?? true {
            if m.kind.isStart { coveredMin = p } else if coveredMax == nil { coveredMax = p }
        }
    }

    mutating func timestamp(_ t: Int64) {
        minTimestamp = min(minTimestamp, t)
        maxTimestamp = max(maxTimestamp, t)
    }

    /// `updateLocalDeletionTime`: every deletion time counts for the range; only real ones
    /// (not "never") for the drop-time histogram.
    mutating func localDeletionTime(_ t: Int64) {
        minLocalDeletionTime = min(minLocalDeletionTime, t)
        maxLocalDeletionTime = max(maxLocalDeletionTime, t)
        if t != Int64(Int32.max) { tombstoneDropTimes.add(t) }
    }

    mutating func ttl(_ t: Int32) {
        sawTTL = true
        minTTL = min(minTTL, t)
        maxTTL = max(maxTTL, t)
    }

    mutating func deletion(_ d: DeletionTime) {
        guard !d.isLive else { return }
        timestamp(d.markedForDeleteAt)
        localDeletionTime(d.localDeletionTime)
    }

    mutating func row(_ r: Row) {
        if !r.isStatic {
            clustering(r.clustering)
            covered(row: r.clustering)
        }
        if !r.liveness.isEmpty {
            timestamp(r.liveness.timestamp)
            ttl(r.liveness.ttl)
            localDeletionTime(r.liveness.isExpiring ? r.liveness.localExpirationTime : Int64(Int32.max))
        }
        deletion(r.deletion)
        for (_, d) in r.complexDeletions { deletion(d) }
        // Cells are sorted by column: the columns set are the runs of equal columns.
        var columns = 0, last = -1
        for c in r.cells {
            if c.column != last { columns += 1; last = c.column }
            timestamp(c.timestamp)
            ttl(c.isExpiring ? c.ttl : 0)
            localDeletionTime(c.isTombstone || c.isExpiring ? c.localDeletionTime : Int64(Int32.max))
            cellsInPartition += 1
        }
        totalColumnsSet += Int64(columns)
        totalRows += 1
    }

    mutating func marker(_ m: RangeTombstoneMarker) {
        clustering(m.clustering)
        covered(bound: m)
        if let d = m.closeDeletion { deletion(d) }
        if let d = m.openDeletion { deletion(d) }
    }

    /// Per-component bounds (`ColumnNameHelper` up to 4.x): each clustering column's smallest
    /// and largest value over rows and bounds, so readers can skip a file for a slice.
    mutating func clustering(_ values: ClusteringValues) {
        if !sawClustering {
            minClustering = values
            maxClustering = values
            sawClustering = true
            return
        }
        for i in 0..<min(values.count, clusteringTypes.count) {
            guard let v = values[i] else { continue }
            let t = clusteringTypes[i]
            if i >= minClustering.count { minClustering.append(v) }
            else if let m = minClustering[i] { if ValueComparator.compare(v, m, as: t) < 0 { minClustering[i] = v } }
            else { minClustering[i] = v }
            if i >= maxClustering.count { maxClustering.append(v) }
            else if let m = maxClustering[i] { if ValueComparator.compare(v, m, as: t) > 0 { maxClustering[i] = v } }
            else { maxClustering[i] = v }
        }
    }

    mutating func endPartition(size: Int64) {
        partitionSizes.add(size)
        cellCounts.add(cellsInPartition)
        cellsInPartition = 0
    }
}

/// `utils.EstimatedHistogram`: buckets whose bounds grow by 1.2 from 1, and an overflow bucket.
struct EstimatedHistogram {
    let offsets: [Int64]
    var buckets: [Int64]

    init(bucketCount: Int) {
        var o: [Int64] = [1]
        while o.count < bucketCount {
            let last = o[o.count - 1]
            var next = Int64((Double(last) * 1.2).rounded(.toNearestOrAwayFromZero))
            if next == last { next += 1 }
            o.append(next)
        }
        offsets = o
        buckets = [Int64](repeating: 0, count: bucketCount + 1)
    }

    mutating func add(_ n: Int64) {
        var lo = 0, hi = offsets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] < n { lo = mid + 1 } else { hi = mid }
        }
        buckets[lo] += 1
    }

    /// `EstimatedHistogramSerializer`: every bucket, overflow included, each with the previous
    /// bucket's bound (the first with its own).
    func serialize(into out: inout ByteOutput) {
        out.writeInt32(Int32(buckets.count))
        for i in 0..<buckets.count {
            out.writeInt64(offsets[i == 0 ? 0 : i - 1])
            out.writeInt64(buckets[i])
        }
    }
}

/// `StreamingTombstoneHistogramBuilder(100, 100000, 60)`: deletion times rounded up to the
/// minute, at most 100 bins; past that the two closest bins merge into their weighted mean
/// (Ben-Haim and Tom-Tov's streaming histogram).
struct TombstoneHistogram {
    static let maxBins = 100
    var bins: [(point: Int64, count: Int64)] = []

    mutating func add(_ t: Int64) {
        let rounded = t % 60 == 0 ? t : min(t + 60 - t % 60, Int64(Int32.max))
        var lo = 0, hi = bins.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bins[mid].point < rounded { lo = mid + 1 } else { hi = mid }
        }
        if lo < bins.count && bins[lo].point == rounded { bins[lo].count += 1; return }
        bins.insert((rounded, 1), at: lo)
        if bins.count > Self.maxBins {
            var best = 0
            for i in 1..<(bins.count - 1) where bins[i + 1].point - bins[i].point < bins[best + 1].point - bins[best].point { best = i }
            let a = bins[best], b = bins[best + 1]
            let count = a.count + b.count
            let point = (a.point * a.count + b.point * b.count) / count
            bins[best] = (point, count)
            bins.remove(at: best + 1)
        }
    }

    func serialize(into out: inout ByteOutput, version: FormatVersion) {
        out.writeInt32(0) // max bin size, unused by readers
        out.writeInt32(Int32(bins.count))
        for b in bins {
            if version.hasUIntDeletionTime {
                out.writeInt64(b.point)
                out.writeInt32(Int32(truncatingIfNeeded: b.count))
            } else {
                out.writeInt64(Double(b.point).bitPattern.toSigned)
                out.writeInt64(b.count)
            }
        }
    }
}

private extension UInt64 {
    var toSigned: Int64 { Int64(bitPattern: self) }
}

/// The partition-key cardinality sketch of CompactionMetadata: stream-lib's HyperLogLogPlus
/// with p = 13 and sp = 25 over MurmurHash64A of each key (`MetadataCollector.addKey`),
/// serialized in its sparse form (exact for up to 6 144 distinct sparse entries) or, past
/// that, as 8 192 five-bit registers.
struct CardinalitySketch {
    static let p = 13, sp = 25
    var sparse = Set<UInt32>()
    var registers: [UInt8]?

    mutating func add(_ key: [UInt8]) {
        let hash = MurmurHash64A.hash(key)
        if registers != nil { addNormal(hash); return }
        sparse.insert(Self.encode(hash))
        if sparse.count > (1 << Self.p) * 3 / 4 { toNormal() }
    }

    /// `HyperLogLogPlus.encodeHash`.
    static func encode(_ hash: UInt64) -> UInt32 {
        let idx = UInt32(truncatingIfNeeded: hash >> UInt64(64 - sp))
        if idx & ((1 << UInt32(sp - p)) - 1) == 0 {
            let zeros = UInt32(((hash << UInt64(sp)) | (1 << UInt64(sp - 1))).leadingZeroBitCount + 1)
            return idx << 7 | zeros << 1 | 1
        }
        return idx << 1
    }

    mutating func addNormal(_ hash: UInt64) {
        let idx = Int(hash >> UInt64(64 - Self.p))
        let rank = UInt8(((hash << UInt64(Self.p)) | (1 << UInt64(Self.p - 1))).leadingZeroBitCount + 1)
        if rank > registers![idx] { registers![idx] = rank }
    }

    mutating func toNormal() {
        registers = [UInt8](repeating: 0, count: 1 << Self.p)
        for k in sparse {
            // Back to the register index and rank the sparse entry stands for.
            let (idx, rank) = Self.decode(k)
            if rank > registers![idx] { registers![idx] = rank }
        }
        sparse = []
    }

    static func decode(_ k: UInt32) -> (Int, UInt8) {
        if k & 1 == 1 {
            let sparseIndex = k >> 7
            let zeros = UInt8((k >> 1) & 0x3F)
            return (Int(sparseIndex >> UInt32(sp - p)), zeros + UInt8(sp - p))
        }
        let sparseIndex = k >> 1
        let rest = sparseIndex & ((1 << UInt32(sp - p)) - 1)
        return (Int(sparseIndex >> UInt32(sp - p)), UInt8((rest << UInt32(32 - sp + p)).leadingZeroBitCount + 1))
    }

    /// `HyperLogLogPlus.getBytes`.
    func bytes() -> [UInt8] {
        var out = ByteOutput()
        out.writeInt32(-2) // version 2
        out.writeVarInt(UInt32(Self.p))
        out.writeVarInt(UInt32(Self.sp))
        if let registers {
            out.writeVarInt(0) // NORMAL
            // RegisterSet: six 5-bit registers per 32-bit word.
            let words = (1 << Self.p) / 6 + 1
            var ints = [UInt32](repeating: 0, count: words)
            for (i, r) in registers.enumerated() { ints[i / 6] |= UInt32(r) << UInt32(5 * (i % 6)) }
            out.writeVarInt(UInt32(words * 4))
            for w in ints { out.write(w) }
        } else {
            out.writeVarInt(1) // SPARSE
            let sorted = sparse.sorted()
            out.writeVarInt(UInt32(sorted.count))
            var previous: UInt32 = 0
            for k in sorted {
                out.writeVarInt(k &- previous)
                previous = k
            }
        }
        return out.bytes
    }
}

extension ByteOutput {
    /// stream-lib's `Varint.writeUnsignedVarInt`: seven bits a byte, low first.
    mutating func writeVarInt(_ v: UInt32) {
        var x = v
        while x & ~0x7F != 0 {
            writeUInt8(UInt8(x & 0x7F) | 0x80)
            x >>= 7
        }
        writeUInt8(UInt8(x))
    }
}

/// `MurmurHash.hash2_64` (MurmurHash64A) with Cassandra's seed 0.
enum MurmurHash64A {
    static func hash(_ key: [UInt8], seed: UInt64 = 0) -> UInt64 {
        let m: UInt64 = 0xc6a4_a793_5bd1_e995
        let r: UInt64 = 47
        let n = key.count
        var h = seed ^ (UInt64(n) &* m)
        let blocks = n / 8
        for i in 0..<blocks {
            var k: UInt64 = 0
            for b in 0..<8 { k |= UInt64(key[i * 8 + b]) << UInt64(8 * b) }
            k = k &* m
            k ^= k >> r
            k = k &* m
            h ^= k
            h = h &* m
        }
        let tail = blocks * 8
        let left = n - tail
        if left > 0 {
            for b in stride(from: left - 1, through: 0, by: -1) { h ^= UInt64(key[tail + b]) << UInt64(8 * b) }
            h = h &* m
        }
        h ^= h >> r
        h = h &* m
        h ^= h >> r
        return h
    }
}

/// Statistics.db from collected metadata (`MetadataSerializer`), for the formats ma to oa:
/// validation (partitioner, bloom filter chance), compaction (cardinality), stats and the
/// serialization header, each followed by its CRC32 from na on.
enum StatisticsWriter {
    static func write(partitioner: String, bloomFilterFPChance: Double, collector: MetadataCollector, compressionRatio: Double,
                      header: SerializationHeader, version: FormatVersion, originatingHostId: [UInt8]? = nil) throws -> [UInt8] {
        var validation = ByteOutput()
        validation.writeUTF(partitioner)
        validation.writeInt64(Int64(bitPattern: bloomFilterFPChance.bitPattern))

        var compaction = ByteOutput()
        let hll = collector.cardinality.bytes()
        compaction.writeInt32(Int32(hll.count))
        compaction.writeBytes(hll)

        var stats = ByteOutput()
        collector.partitionSizes.serialize(into: &stats)
        collector.cellCounts.serialize(into: &stats)
        stats.writeInt64(-1); stats.writeInt32(0) // commit log upper bound: none
        let empty = collector.minTimestamp > collector.maxTimestamp
        stats.writeInt64(empty ? .min : collector.minTimestamp)
        stats.writeInt64(empty ? .min : collector.maxTimestamp)
        // Up to nb signed ints with Int32.max for "never"; oa unsigned with 0xFFFFFFFF for it.
        func deletionTime(_ t: Int64) -> Int32 {
            if version.hasUIntDeletionTime && t == Int64(Int32.max) { return -1 }
            return Int32(truncatingIfNeeded: t)
        }
        stats.writeInt32(deletionTime(empty ? Int64(Int32.max) : collector.minLocalDeletionTime))
        stats.writeInt32(deletionTime(empty ? Int64(Int32.max) : collector.maxLocalDeletionTime))
        stats.writeInt32(collector.sawTTL ? collector.minTTL : 0)
        stats.writeInt32(collector.sawTTL ? collector.maxTTL : 0)
        stats.writeInt64(Int64(bitPattern: compressionRatio.bitPattern))
        collector.tombstoneDropTimes.serialize(into: &stats, version: version)
        stats.writeInt32(0) // sstable level
        stats.writeInt64(0) // repairedAt: unrepaired
        if version.hasImprovedMinMax {
            // 5.0: the clustering types, then the covered clustering as a slice of two bounds.
            stats.writeTypeList(header.clusteringTypes)
            let start: (ClusteringValues, BoundKind) = collector.coveredMin.map { $0.1 == .clustering ? ($0.0, .inclusiveStart) : $0 }
                ?? ([], .exclusiveStart)
            let end: (ClusteringValues, BoundKind) = collector.coveredMax.map { $0.1 == .clustering ? ($0.0, .inclusiveEnd) : $0 }
                ?? ([], .exclusiveEnd)
            for (values, kind) in [start, end] {
                stats.writeUInt8(kind.rawValue)
                stats.write(UInt16(values.count))
                PartitionSerializer.writeClustering(values, types: header.clusteringTypes, into: &stats)
            }
        } else {
            for bound in [collector.minClustering, collector.maxClustering] {
                let values = bound.prefix { $0 != nil }
                stats.writeInt32(Int32(values.count))
                for v in values { stats.write(UInt16(v!.count)); stats.writeBytes(Array(v!)) }
            }
        }
        stats.writeUInt8(0) // no legacy counter shards
        stats.writeInt64(collector.totalColumnsSet)
        stats.writeInt64(collector.totalRows)
        if version.hasCommitLogLowerBound { stats.writeInt64(-1); stats.writeInt32(0) }
        if version.hasCommitLogIntervals { stats.writeInt32(0) }
        if version.hasPendingRepair { stats.writeUInt8(0) }
        if version.hasIsTransient { stats.writeUInt8(0) }
        if version.hasOriginatingHostId {
            if let id = originatingHostId, id.count == 16 { stats.writeUInt8(1); stats.writeBytes(id) } else { stats.writeUInt8(0) }
        }
        if version.hasImprovedMinMax {
            // 5.0: partition deletions present, the key range, token-space coverage (unknown).
            stats.writeUInt8(collector.hasPartitionLevelDeletions ? 1 : 0)
            stats.writeVIntLengthBytes(collector.firstKey ?? [])
            stats.writeVIntLengthBytes(collector.lastKey ?? [])
            stats.writeInt64(Int64(bitPattern: Double.nan.bitPattern))
        }

        var serialized = ByteOutput()
        header.serialize(into: &serialized, version: version)

        let components = [validation.bytes, compaction.bytes, stats.bytes, serialized.bytes]
        let checksummed = version.hasMetadataChecksum
        var out = ByteOutput()
        var crc = CRC32()
        out.writeInt32(Int32(components.count))
        crc.update(out.bytes)
        if checksummed { out.write(crc.value) }
        var position = 4 + 8 * components.count + (checksummed ? 8 : 0)
        var toc = ByteOutput()
        for (type, c) in components.enumerated() {
            toc.writeInt32(Int32(type))
            toc.writeInt32(Int32(position))
            position += c.count + (checksummed ? 4 : 0)
        }
        crc.update(toc.bytes)
        out.writeBytes(toc.bytes)
        if checksummed { out.write(crc.value) }
        for c in components {
            out.writeBytes(c)
            if checksummed { out.write(CRC32.checksum(c)) }
        }
        return out.bytes
    }
}

extension SerializationHeader {
    /// `SerializationHeader.Serializer.serializeForMessaging`'s SSTable form: the encoding
    /// stats as deltas from their epochs, the key and clustering types, then the static and
    /// regular columns with their names and types.
    func serialize(into out: inout ByteOutput, version: FormatVersion) {
        out.writeUnsignedVInt(UInt64(bitPattern: minTimestamp &- Self.timestampEpoch))
        if version.hasUIntDeletionTime {
            out.writeUnsignedVInt(UInt64(bitPattern: minLocalDeletionTime &- Self.deletionTimeEpoch))
        } else {
            let d = Int32(truncatingIfNeeded: minLocalDeletionTime) &- Int32(truncatingIfNeeded: Self.deletionTimeEpoch)
            out.writeUnsignedVInt(UInt64(bitPattern: Int64(d)))
        }
        out.writeUnsignedVInt(UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: minTTL))))
        out.writeVIntLengthString(partitionKeyType.marshalName)
        out.writeTypeList(clusteringTypes)
        for columns in [staticColumns, regularColumns] {
            out.writeUnsignedVInt(UInt64(columns.count))
            for c in columns {
                out.writeVIntLengthString(c.name)
                out.writeVIntLengthString(c.type.marshalName)
            }
        }
    }
}

extension ByteOutput {
    /// A vint length, then the bytes (`ByteBufferUtil.writeWithVIntLength`).
    mutating func writeVIntLengthBytes(_ b: [UInt8]) {
        writeUnsignedVInt(UInt64(b.count))
        writeBytes(b)
    }

    mutating func writeVIntLengthString(_ s: String) { writeVIntLengthBytes(Array(s.utf8)) }

    /// `AbstractTypeSerializer.serializeList`: a count, then each marshal name.
    mutating func writeTypeList(_ types: [CQLType]) {
        writeUnsignedVInt(UInt64(types.count))
        for t in types { writeVIntLengthString(t.marshalName) }
    }
}
