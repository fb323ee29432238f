/// Streams partitions into the files of one `big`-format SSTable: Data.db (compressed in
/// chunks, or plain with CRC.db), Index.db, Summary.db, Filter.db, CompressionInfo.db,
/// Digest.crc32 and TOC.txt — each as Cassandra writes it (the fixture tests hold Data, Index,
/// Summary and Filter to Cassandra's bytes). Memory holds one chunk, the current partition's
/// index blocks, the summary samples and the filter bits.
///
/// Statistics.db is written from the metadata collected on the way (formats ma to oa).
public struct SSTableComponentsWriter {
    public let descriptor: Descriptor
    private var partitions: PartitionWriter
    private var collector: MetadataCollector
    private let partitioner: String
    private let falsePositiveChance: Double
    private var partitionStart: Int64 = 0
    private let data: DataFileSink
    private let index: OutputFile
    private var summary = SummaryWriter()
    private var filter: BloomFilterWriter
    private let compressed: Bool

    public init(directory: String, generation: Int, version: FormatVersion, serializer: PartitionSerializer,
                partitioner: String = "org.apache.cassandra.dht.Murmur3Partitioner",
                codec: CompressedDataWriter.Codec? = .lz4, chunkLength: Int = 16 * 1024, expectedKeys: Int,
                falsePositiveChance: Double = 0.01, columnIndexSize: Int? = nil) throws {
        self.partitioner = partitioner
        self.falsePositiveChance = falsePositiveChance
        collector = MetadataCollector(clusteringTypes: serializer.header.clusteringTypes, version: version)
        descriptor = Descriptor(directory: directory, version: version, generation: String(generation), formatName: "big")
        partitions = PartitionWriter(serializer: serializer, columnIndexSize: columnIndexSize)
        data = try DataFileSink(path: descriptor.path("Data.db"), codec: codec, chunkLength: chunkLength, version: version)
        index = try OutputFile(path: descriptor.path("Index.db"))
        filter = BloomFilterWriter(expectedKeys: expectedKeys, falsePositiveChance: falsePositiveChance, version: version)
        compressed = codec != nil
    }

    public mutating func beginPartition(key: [UInt8], deletion: DeletionTime, staticRow: Row?) throws {
        partitionStart = partitions.dataPosition + Int64(partitions.data.bytes.count)
        try partitions.beginPartition(key: key, deletion: deletion, staticRow: staticRow)
        collector.addKey(key)
        collector.partitionDeletion(deletion)
        if let staticRow { collector.row(staticRow) }
        summary.add(key: key, indexPosition: partitions.indexPosition)
        filter.add(key: key)
    }

    public mutating func add(_ u: Unfiltered) throws {
        try partitions.add(u)
        switch u {
        case .row(let r): collector.row(r)
        case .marker(let m): collector.marker(m)
        }
        // Flushed between rows so that a wide partition never sits in memory.
        if partitions.data.bytes.count >= 1 << 16 { try partitions.drainData { try data.write($0) } }
    }

    public mutating func endPartition() throws {
        partitions.endPartition()
        collector.endPartition(size: partitions.dataPosition + Int64(partitions.data.bytes.count) - partitionStart)
        try partitions.drainData { try data.write($0) }
        try partitions.drainIndex { try index.write($0) }
    }

    /// Writes the remaining components; returns the component names (as TOC.txt lists them).
    public mutating func finish() throws -> [String] {
        let info = try data.finish()
        let ratio = compressed && data.uncompressedLength > 0 ? Double(data.file.size) / Double(data.uncompressedLength) : -1
        let statistics = try StatisticsWriter.write(partitioner: partitioner, bloomFilterFPChance: falsePositiveChance, collector: collector,
                                                    compressionRatio: ratio, header: partitions.serializer.header, version: descriptor.version)
        try index.commit()
        try OutputFile.write(info, to: descriptor.path(compressed ? "CompressionInfo.db" : "CRC.db"))
        try OutputFile.write(summary.finish(), to: descriptor.path("Summary.db"))
        try OutputFile.write(filter.finish(), to: descriptor.path("Filter.db"))
        try OutputFile.write(statistics, to: descriptor.path("Statistics.db"))
        try OutputFile.write(Array(String(data.file.checksum).utf8), to: descriptor.path("Digest.crc32"))
        var components = ["Data.db", "Index.db", compressed ? "CompressionInfo.db" : "CRC.db", "Summary.db", "Filter.db",
                          "Statistics.db", "Digest.crc32", "TOC.txt"]
        components.sort()
        // TOC.txt last: a set without it is incomplete to every reader.
        try OutputFile.write(Array((components.joined(separator: "\n") + "\n").utf8), to: descriptor.path("TOC.txt"))
        return components
    }
}
