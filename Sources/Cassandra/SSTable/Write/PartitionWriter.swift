/// Writes partitions into Data.db bytes and their Index.db entries, as Cassandra's
/// `ColumnIndex` and `BigTableWriter.IndexWriter` do: a partition larger than
/// `columnIndexSize` gets a promoted index of blocks (first and last clustering, offset, width,
/// the range tombstone open at the block's end) so readers can seek inside it.
///
/// Partitions must come in token order and rows in clustering order; memory holds the
/// current partition's index blocks, never its rows.
public struct PartitionWriter {
    public let serializer: PartitionSerializer
    /// `column_index_size`: 64 KiB up to Cassandra 4.1, 4 KiB in 5.0.
    public let columnIndexSize: Int
    /// Data.db bytes not yet taken by `takeData()`.
    public private(set) var data = ByteOutput()
    /// Index.db bytes not yet taken by `takeIndex()`.
    public private(set) var index = ByteOutput()
    /// Uncompressed Data.db bytes written so far (taken or not).
    public private(set) var dataPosition: Int64 = 0
    /// Index.db bytes written so far (taken or not).
    public private(set) var indexPosition: Int64 = 0
    /// Where the last finished partition's entry starts in Index.db (for Summary.db).
    public private(set) var lastEntryIndexPosition: Int64 = 0
    public private(set) var partitionCount = 0

    // The current partition.
    private var partitionStart: Int64 = 0
    private var key: [UInt8] = []
    private var deletion = DeletionTime.live
    private var headerLength: Int64 = 0
    private var previousRowStart: Int64 = 0
    private var written = 0
    private var blockStart: Int64 = 0
    private var firstClustering: (ClusteringValues, BoundKind)?
    private var lastClustering: (ClusteringValues, BoundKind) = ([], .clustering)
    private var openMarker: DeletionTime?
    private var blocks = ByteOutput()
    private var blockOffsets: [Int32] = []
    private var inPartition = false

    public init(serializer: PartitionSerializer, columnIndexSize: Int? = nil) {
        self.serializer = serializer
        self.columnIndexSize = columnIndexSize ?? (serializer.version.hasUIntDeletionTime ? 4 * 1024 : 64 * 1024)
    }

    private var position: Int64 { dataPosition + Int64(data.bytes.count) - partitionStart }

    public mutating func beginPartition(key: [UInt8], deletion: DeletionTime, staticRow: Row?) throws {
        precondition(!inPartition, "beginPartition inside a partition")
        partitionStart = dataPosition + Int64(data.bytes.count)
        self.key = key
        self.deletion = deletion
        try serializer.writePartitionHeader(key: key, deletion: deletion, staticRow: staticRow, into: &data)
        headerLength = position
        previousRowStart = 0
        written = 0
        firstClustering = nil
        openMarker = nil
        blocks = ByteOutput()
        blockOffsets = []
        inPartition = true
    }

    public mutating func add(_ u: Unfiltered) throws {
        let pos = position
        let clustering: (ClusteringValues, BoundKind)
        switch u {
        case .row(let r): clustering = (r.clustering, .clustering)
        case .marker(let m): clustering = (m.clustering, m.kind)
        }
        if firstClustering == nil {
            firstClustering = clustering
            blockStart = pos
        }
        try serializer.write(u, previousSize: pos - previousRowStart, into: &data)
        lastClustering = clustering
        previousRowStart = pos
        written += 1
        if case .marker(let m) = u { openMarker = m.kind.isStart || m.kind.isBoundary ? m.openDeletion : nil }
        if position - blockStart >= Int64(columnIndexSize) { addIndexBlock() }
    }

    public mutating func endPartition() {
        precondition(inPartition, "endPartition outside a partition")
        serializer.writeEndOfPartition(into: &data)
        // A partition of one block gets no promoted index: its block is not written at all.
        if written > 0 && firstClustering != nil && !blockOffsets.isEmpty { addIndexBlock() }
        // The Index.db entry: key, position, and the promoted index when there is more than
        // one block.
        let before = index.bytes.count
        lastEntryIndexPosition = indexPosition
        index.write(UInt16(key.count))
        index.writeBytes(key)
        index.writeUnsignedVInt(UInt64(partitionStart))
        if blockOffsets.count > 1 {
            var promoted = ByteOutput()
            promoted.writeUnsignedVInt(UInt64(headerLength))
            serializer.writePartitionDeletion(deletion, into: &promoted)
            promoted.writeUnsignedVInt(UInt64(blockOffsets.count))
            promoted.writeBytes(blocks.bytes)
            for o in blockOffsets { promoted.writeInt32(o) }
            index.writeUnsignedVInt(UInt64(promoted.bytes.count))
            index.writeBytes(promoted.bytes)
        } else {
            index.writeUnsignedVInt(0)
        }
        indexPosition += Int64(index.bytes.count - before)
        partitionCount += 1
        inPartition = false
    }

    /// `IndexInfo.Serializer`: first and last clustering (kind byte, then a size for bounds),
    /// offset, width as a signed vint from 64 KiB, and the deletion open at the block's end.
    private mutating func addIndexBlock() {
        guard let first = firstClustering else { return }
        blockOffsets.append(Int32(blocks.bytes.count))
        writeIndexClustering(first, into: &blocks)
        writeIndexClustering(lastClustering, into: &blocks)
        blocks.writeUnsignedVInt(UInt64(blockStart))
        blocks.writeSignedVInt(position - blockStart - 65536)
        blocks.writeUInt8(openMarker == nil ? 0 : 1)
        if let openMarker { serializer.writePartitionDeletion(openMarker, into: &blocks) }
        firstClustering = nil
    }

    private func writeIndexClustering(_ c: (ClusteringValues, BoundKind), into out: inout ByteOutput) {
        out.writeUInt8(c.1.rawValue)
        if c.1 != .clustering { out.write(UInt16(c.0.count)) }
        serializer.writeClustering(c.0, into: &out)
    }

    /// The Data.db bytes written since the last call (to stream them to a file).
    public mutating func takeData() -> [UInt8] {
        let b = data.bytes
        dataPosition += Int64(b.count)
        data = ByteOutput()
        return b
    }

    public mutating func takeIndex() -> [UInt8] {
        let b = index.bytes
        index = ByteOutput()
        return b
    }

    /// Hands the pending Data.db bytes to `sink`, then empties the buffer keeping its memory.
    public mutating func drainData(_ sink: ([UInt8]) throws -> Void) rethrows {
        try sink(data.bytes)
        dataPosition += Int64(data.bytes.count)
        data.removeAll()
    }

    public mutating func drainIndex(_ sink: ([UInt8]) throws -> Void) rethrows {
        try sink(index.bytes)
        index.removeAll()
    }
}

extension ByteOutput {
    /// Cassandra's signed vint: zigzag, then unsigned.
    public mutating func writeSignedVInt(_ v: Int64) {
        writeUnsignedVInt(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }
}
