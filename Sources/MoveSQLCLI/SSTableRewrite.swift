import ArgumentParser
import Cassandra
#if canImport(Glibc)
import Glibc
#endif

struct SSTableRewrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrite",
        abstract: "Write the content of SSTables again as new SSTables: recompress, rechunk, or change the format (e.g. 3.x to nb or oa).",
        discussion: """
        Each SSTable in SRC becomes one SSTable in DST with the same generation and content, \
        written as Cassandra would write it (Data.db, Index.db, Summary.db, Filter.db, \
        Statistics.db, CompressionInfo.db or CRC.db, Digest.crc32, TOC.txt). Files appear \
        under their names only once complete. Formats ma to oa (Cassandra 3.0 to 5.0).
        """
    )

    @Argument(help: "A folder of SSTables, or one SSTable component file.")
    var source: String

    @Argument(help: "The folder to write into (created if missing).")
    var destination: String

    @Option(name: [.customLong("format"), .customLong("sstable-format")], help: "Format version to write: ma to oa.")
    var format: String = "nb"

    @Option(help: "lz4, snappy, zstd, deflate or none.")
    var compression: String = "lz4"

    @Option(name: .customLong("chunk-kb"), help: "Compression chunk size in KiB (a power of two).")
    var chunkKB: Int = 16

    func validate() throws {
        _ = try compressionCodec(compression)
        try validateChunkKB(chunkKB)
    }

    func run() throws {
        try runReporting {
            let version = try FormatVersion(letters: format, family: .big, file: destination)
            let codec = try compressionCodec(compression)
            try makeDirectories(destination)
            var out = OutputBuffer()
            for sstable in try SSTable.discover(path: source) {
                let layout = TableLayout(schema: .fromHeader(sstable.header))
                let serializer = try PartitionSerializer(header: sstable.header, layout: layout, version: version)
                guard let generation = Int(sstable.descriptor.generation) else {
                    throw SSTableError(.unsupported, file: sstable.descriptor.path("Data.db"), "generation \(sstable.descriptor.generation) is not a number")
                }
                var writer = try SSTableComponentsWriter(
                    directory: destination, generation: generation, version: version, serializer: serializer,
                    partitioner: sstable.statistics.partitioner, codec: codec, chunkLength: chunkKB * 1024,
                    expectedKeys: Int(max(1, sstable.statistics.stats.estimatedPartitionCount)),
                    falsePositiveChance: sstable.statistics.bloomFilterFPChance)
                let scanner = try SSTableScanner(sstable: sstable, layout: layout)
                var partitions = 0
                while let p = try scanner.nextPartition() {
                    try writer.beginPartition(key: p.key, deletion: p.deletion, staticRow: scanner.staticRow)
                    while let u = try scanner.nextUnfiltered() { try writer.add(u) }
                    try writer.endPartition()
                    partitions += 1
                }
                _ = try writer.finish()
                out.write("\(sstable.descriptor.baseName) -> \(writer.descriptor.path("Data.db")): \(partitions) partitions\n")
            }
            out.flush()
        }
    }
}
