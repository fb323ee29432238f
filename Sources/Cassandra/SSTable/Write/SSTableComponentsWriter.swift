/// Streams partitions into the files of one `big`-format SSTable: Data.db (compressed in
/// chunks, or plain with CRC.db), Index.db, Summary.db, Filter.db, CompressionInfo.db,
/// Digest.crc32 and TOC.txt — each as Cassandra writes it (the fixture tests hold Data, Index,
/// Summary and Filter to Cassandra's bytes). Memory holds one chunk, the current partition's
/// index blocks, the summary samples and the filter bits.
///
/// Statistics.db is not written yet (issue 4 continues): `finish` takes its bytes from the
/// caller, and nothing outside the tests calls this type until it writes its own.
struct SSTableComponentsWriter {
    let descriptor: Descriptor
    private var partitions: PartitionWriter
    private let data: DataFileSink
    private let index: OutputFile
    private var summary = SummaryWriter()
    private var filter: BloomFilterWriter
    private let compressed: Bool

    init(directory: String, generation: Int, version: FormatVersion, serializer: PartitionSerializer,
         codec: CompressedDataWriter.Codec? = .lz4, chunkLength: Int = 16 * 1024, expectedKeys: Int,
         falsePositiveChance: Double = 0.01) throws {
        descriptor = Descriptor(directory: directory, version: version, generation: String(generation), formatName: "big")
        partitions = PartitionWriter(serializer: serializer)
        data = try DataFileSink(path: descriptor.path("Data.db"), codec: codec, chunkLength: chunkLength, version: version)
        index = try OutputFile(path: descriptor.path("Index.db"))
        filter = BloomFilterWriter(expectedKeys: expectedKeys, falsePositiveChance: falsePositiveChance, version: version)
        compressed = codec != nil
    }

    mutating func beginPartition(key: [UInt8], deletion: DeletionTime, staticRow: Row?) throws {
        try partitions.beginPartition(key: key, deletion: deletion, staticRow: staticRow)
        summary.add(key: key, indexPosition: partitions.indexPosition)
        filter.add(key: key)
    }

    mutating func add(_ u: Unfiltered) throws {
        try partitions.add(u)
        // Flushed between rows so that a wide partition never sits in memory.
        if partitions.data.bytes.count >= 1 << 16 { try data.write(partitions.takeData()) }
    }

    mutating func endPartition() throws {
        partitions.endPartition()
        try data.write(partitions.takeData())
        try index.write(partitions.takeIndex())
    }

    /// Writes the remaining components; `statistics` is Statistics.db's content.
    mutating func finish(statistics: [UInt8]) throws -> [String] {
        let info = try data.finish()
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
