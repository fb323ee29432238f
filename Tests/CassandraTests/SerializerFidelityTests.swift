@testable import Cassandra
import Digests
import Foundation
import FixtureSupport
import Testing

/// The writer against Cassandra's own bytes: every fixture SSTable written by Apache Cassandra
/// or ScyllaDB (static rows, range tombstones and boundaries, TTLs, collections, counters, wide
/// partitions, ma to oa) is read and written again with its own header; the result must be its
/// uncompressed Data.db, Index.db (promoted indexes included), Summary.db and Filter.db byte
/// for byte. Only the two deliberately corrupt fixtures and DSE's BTI file are left out.
@Suite("Partition serializer fidelity", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct SerializerFidelityTests {
    static var sstables: [String] {
        var out: [String] = []
        for table in Fixtures.sstableTables where !table.hasPrefix("dse") && !table.hasPrefix("<") && !table.contains("integrity_invalid") {
            guard let dir = try? Fixtures.sstableFolder(table), let found = try? SSTable.discover(path: dir.path) else { continue }
            for s in found { out.append(table + "|" + s.descriptor.baseName) }
        }
        return out.isEmpty && Fixtures.isCI ? ["<missing ../shared: CI must have it>"] : out
    }

    /// The Data.db and Index.db bytes of `sstable` as the writer writes its content.
    static func rewrite(_ sstable: SSTable, columnIndexSize: Int? = nil) throws -> (data: [UInt8], index: [UInt8], summary: [UInt8], filter: [UInt8]) {
        let layout = TableLayout(schema: .fromHeader(sstable.header))
        let serializer = try PartitionSerializer(header: sstable.header, layout: layout, version: sstable.version)
        var writer = PartitionWriter(serializer: serializer, columnIndexSize: columnIndexSize)
        let scanner = try SSTableScanner(sstable: sstable, layout: layout)
        var data: [UInt8] = [], index: [UInt8] = []
        var summary = SummaryWriter()
        // Flushed SSTables size their filter from the exact partition count; others (compaction,
        // offline writers) from an estimate, recovered here from the file's word count — any
        // count giving the same words gives the same bits, so the bit layout is still checked.
        var expectedKeys = try countPartitions(sstable, layout)
        if let words = try? originalFilterWords(sstable),
           BloomFilterWriter(expectedKeys: expectedKeys, version: sstable.version).capacity != Int64(words) * 64 {
            expectedKeys = (words * 64 - 20) / 10
        }
        var filter = BloomFilterWriter(expectedKeys: expectedKeys, version: sstable.version)
        while let p = try scanner.nextPartition() {
            try writer.beginPartition(key: p.key, deletion: p.deletion, staticRow: scanner.staticRow)
            while let u = try scanner.nextUnfiltered() { try writer.add(u) }
            writer.endPartition()
            summary.add(key: p.key, indexPosition: writer.lastEntryIndexPosition)
            filter.add(key: p.key)
            // Taken a partition at a time, as a file writer would.
            data += writer.takeData()
            index += writer.takeIndex()
        }
        return (data, index, summary.finish(), filter.finish())
    }

    static func originalFilterWords(_ sstable: SSTable) throws -> Int {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sstable.descriptor.path("Filter.db"))))
        return Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
    }

    static func countPartitions(_ sstable: SSTable, _ layout: TableLayout) throws -> Int {
        let s = try SSTableScanner(sstable: sstable, layout: layout)
        var n = 0
        while try s.nextPartition() != nil { n += 1 }
        return n
    }

    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
    }

    @Test(arguments: sstables)
    func dataIsCassandrasByteForByte(_ entry: String) throws {
        let parts = entry.split(separator: "|").map(String.init)
        try #require(parts.count == 2, "\(entry)")
        let dir = try Fixtures.sstableFolder(parts[0])
        let sstable = try #require(try SSTable.discover(path: dir.path).first { $0.descriptor.baseName == parts[1] })
        let input = ByteInput(source: try sstable.makeDataSource())
        try input.require(Int(input.length))
        let original = try input.readBytes(Int(input.length))
        // Cassandra's legacy test SSTables were written with its test configuration's
        // column_index_size_in_kb: 4; the others with the default of their version.
        let written = try Self.rewrite(sstable, columnIndexSize: parts[0].hasPrefix("cassandra-legacy") ? 4096 : nil)
        // Compared to a Bool first: #expect would diff megabytes of bytes on a mismatch.
        let sameData = written.data == original
        #expect(sameData, "\(entry): \(written.data.count) bytes written, \(original.count) in the file; first difference at \(Self.firstDifference(written.data, original))")
        let indexPath = sstable.descriptor.path("Index.db")
        if FileManager.default.fileExists(atPath: indexPath) {
            let originalIndex = [UInt8](try Data(contentsOf: URL(fileURLWithPath: indexPath)))
            let sameIndex = written.index == originalIndex
            for (name, bytes) in [("Summary.db", written.summary), ("Filter.db", written.filter)] {
                let path = sstable.descriptor.path(name)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                let same = bytes == original
                #expect(same, "\(entry) \(name): \(bytes.count) bytes written, \(original.count) in the file; first difference at \(Self.firstDifference(bytes, original))")
            }
            #expect(sameIndex, "\(entry) Index.db: \(written.index.count) bytes written, \(originalIndex.count) in the file; first difference at \(Self.firstDifference(written.index, originalIndex))")
        }
    }
}

/// Whole SSTables written by `SSTableComponentsWriter` from fixture content, with several
/// codecs (3.x, 4.x and 5.0 formats), read back by the reader to the same rows, checksums included.
@Suite("SSTable component files", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct ComponentFilesTests {
    static let tables = ["cassandra-legacy/nb/legacy_nb_clust", "cassandra-legacy/ma/legacy_ma_clust_counter",
                         "sstable-to-arrow/md/testtypes1.map", "scylla/mc/slicing_interleaved_rows_and_rts", "scylla/mc/static_row",
                         "sstable-transformer/oa/spark_test.testtable"]

    @Test(arguments: tables, [CompressedDataWriter.Codec?.some(.lz4), .some(.zstd), .none])
    func writtenSetsReadBack(_ name: String, _ codec: CompressedDataWriter.Codec?) throws {
        guard let source = try? Fixtures.sstableFolder(name), FileManager.default.fileExists(atPath: source.path) else {
            // Not every listed table need exist in every fixture release; the others still run.
            Issue.record("fixture \(name) missing")
            return
        }
        let schema = try fixtureSchema(try Fixtures.expected(name))
        let original = try RecompressionTests.rows(source, schema)
        let sstable = try #require(try SSTable.discover(path: source.path).first)
        let layout = TableLayout(schema: .fromHeader(sstable.header))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-write-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var writer = try SSTableComponentsWriter(directory: dir.path, generation: 7, version: sstable.version,
                                                 serializer: try PartitionSerializer(header: sstable.header, layout: layout, version: sstable.version),
                                                 partitioner: sstable.statistics.partitioner, codec: codec, chunkLength: 4096,
                                                 expectedKeys: try SerializerFidelityTests.countPartitions(sstable, layout))
        let scanner = try SSTableScanner(sstable: sstable, layout: layout)
        while let p = try scanner.nextPartition() {
            try writer.beginPartition(key: p.key, deletion: p.deletion, staticRow: scanner.staticRow)
            while let u = try scanner.nextUnfiltered() { try writer.add(u) }
            try writer.endPartition()
        }
        let components = try writer.finish()
        #expect(components.contains(codec == nil ? "CRC.db" : "CompressionInfo.db"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")

        // The reader verifies chunk CRCs (or CRC.db) and Digest.crc32 on a full read.
        #expect(try RecompressionTests.rows(dir, schema) == original)
        let written = try #require(try SSTable.discover(path: dir.path).first)
        #expect(written.descriptor.generation == "7")
        let input = ByteInput(source: try written.makeDataSource())
        try input.require(Int(input.length))
        let back = try input.readBytes(Int(input.length))
        let originalInput = ByteInput(source: try sstable.makeDataSource())
        try originalInput.require(Int(originalInput.length))
        let same = back == (try originalInput.readBytes(Int(originalInput.length)))
        #expect(same)
        #expect(written.statistics.stats.minTimestamp == sstable.statistics.stats.minTimestamp)
        #expect(written.statistics.stats.estimatedPartitionCount == sstable.statistics.stats.estimatedPartitionCount)
    }
}

/// Statistics.db as the writer makes it, against the fixtures': the serialization header byte
/// for byte, and the stats the data determines (timestamp, deletion-time and TTL ranges, the
/// partition-size histogram, row totals) equal to what Cassandra recorded. ScyllaDB orders
/// header columns and counts rows its own way: its files are held to the ranges and sizes.
@Suite("Statistics writer", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct StatisticsWriterTests {
    static var sstables: [String] {
        SerializerFidelityTests.sstables.filter { e in !e.contains("/oa/") && !e.hasPrefix("<") }
    }

    /// The metadata the writer collects for `sstable`'s content, and the Statistics.db bytes.
    static func collect(_ sstable: SSTable) throws -> (MetadataCollector, [UInt8]) {
        let layout = TableLayout(schema: .fromHeader(sstable.header))
        let serializer = try PartitionSerializer(header: sstable.header, layout: layout, version: sstable.version)
        var writer = PartitionWriter(serializer: serializer)
        var collector = MetadataCollector(clusteringTypes: sstable.header.clusteringTypes, version: sstable.version)
        let scanner = try SSTableScanner(sstable: sstable, layout: layout)
        while let p = try scanner.nextPartition() {
            let start = writer.dataPosition + Int64(writer.data.bytes.count)
            try writer.beginPartition(key: p.key, deletion: p.deletion, staticRow: scanner.staticRow)
            collector.addKey(p.key)
            collector.partitionDeletion(p.deletion)
            if let s = scanner.staticRow { collector.row(s) }
            while let u = try scanner.nextUnfiltered() {
                try writer.add(u)
                switch u {
                case .row(let r): collector.row(r)
                case .marker(let m): collector.marker(m)
                }
            }
            writer.endPartition()
            collector.endPartition(size: writer.dataPosition + Int64(writer.data.bytes.count) - start)
            _ = writer.takeData()
        }
        let bytes = try StatisticsWriter.write(partitioner: sstable.statistics.partitioner, bloomFilterFPChance: sstable.statistics.bloomFilterFPChance,
                                               collector: collector, compressionRatio: -1, header: sstable.header, version: sstable.version)
        return (collector, bytes)
    }

    /// The raw bytes of one metadata component of a Statistics.db.
    static func component(_ type: Int32, of bytes: [UInt8], version: FormatVersion) throws -> [UInt8] {
        let input = ByteInput(path: "Statistics.db", bytes: bytes)
        let count = Int(try input.readInt32())
        if version.hasMetadataChecksum { _ = try input.readInt32() }
        var toc: [(Int32, Int)] = []
        for _ in 0..<count { toc.append((try input.readInt32(), Int(try input.readInt32()))) }
        let offsets = toc.map(\.1).sorted() + [bytes.count]
        let start = try #require(toc.first { $0.0 == type }?.1)
        let end = offsets[offsets.firstIndex(of: start)! + 1] - (version.hasMetadataChecksum ? 4 : 0)
        return Array(bytes[start..<end])
    }

    static var oaSSTables: [String] { SerializerFidelityTests.sstables.filter { $0.contains("/oa/") } }

    /// 5.0 (oa) files: the serialization header (with 5.0's unsigned deletion times) byte for
    /// byte, and the stats component — wider histograms, unsigned deletion times, the covered
    /// clustering slice, partition-deletion marker, key range, token-space coverage — too, but
    /// for what only the writing node knows.
    @Test(arguments: oaSSTables)
    func oaStatisticsMatchCassandras(_ entry: String) throws {
        let parts = entry.split(separator: "|").map(String.init)
        let dir = try Fixtures.sstableFolder(parts[0])
        let sstable = try #require(try SSTable.discover(path: dir.path).first { $0.descriptor.baseName == parts[1] })
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sstable.descriptor.path("Statistics.db"))))
        var mine = ByteOutput()
        sstable.header.serialize(into: &mine, version: sstable.version)
        let sameHeader = mine.bytes == (try Self.component(3, of: original, version: sstable.version))
        #expect(sameHeader, "\(entry): serialization header differs")
        // The whole stats component, but for what only the writing node knows (commit-log
        // positions, host id) and the compression ratio.
        let (_, written) = try Self.collect(sstable)
        let ours = try Self.oaStatsWithoutNodeFields(try Self.component(2, of: written, version: sstable.version))
        let theirs = try Self.oaStatsWithoutNodeFields(try Self.component(2, of: original, version: sstable.version))
        let at = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs.count)
        let same = ours == theirs
        #expect(same, "\(entry): stats differ from byte \(at) of \(ours.count)/\(theirs.count): \(Hex.encode(Array(ours[max(0, at - 8)...].prefix(64)))) vs \(Hex.encode(Array(theirs[max(0, at - 8)...].prefix(64))))")
    }

    /// 5.0's StatsMetadata with the commit-log bounds and intervals, the compression ratio and
    /// the originating host id left out.
    static func oaStatsWithoutNodeFields(_ b: [UInt8]) throws -> [UInt8] {
        let input = ByteInput(path: "Statistics.db", bytes: b)
        var out: [UInt8] = []
        func keep(_ n: Int) throws { out += try input.readBytes(n) }
        func skip(_ n: Int) throws { _ = try input.readBytes(n) }
        func histogram() throws {
            let n = try input.readInt32()
            out += CQLLiteral.bigEndian(n)
            try keep(Int(n) * 16)
        }
        try histogram(); try histogram()
        try skip(12)                      // commit log upper bound
        try keep(16 + 8 + 8)              // timestamps, deletion times, TTLs
        try skip(8)                       // compression ratio
        try keep(4)                       // tombstone histogram: max bin size
        let bins = try input.readInt32()
        out += CQLLiteral.bigEndian(bins)
        try keep(Int(bins) * 12)
        try keep(4 + 8)                   // level, repairedAt
        let types = try input.readUnsignedVInt()
        out += CQLLiteral.bigEndian(UInt32(types))
        for _ in 0..<types { out += try input.readVIntLengthBytes() }
        let rest = Array(b[Int(input.position)...])
        // Slice bounds, counter shards, totals: up to the commit-log lower bound, found from the end.
        // Tail: lower bound (12), intervals (4 + 24 n), pending repair (1), transient (1), host id
        // (1 [+16]), partition deletions (1), first and last key (vint lengths), coverage (8).
        out += rest.prefix(sliceAndTotalsLength(rest))
        var tail = Array(rest.dropFirst(sliceAndTotalsLength(rest)))
        let intervals = Int(Int32(bitPattern: UInt32(tail[12]) << 24 | UInt32(tail[13]) << 16 | UInt32(tail[14]) << 8 | UInt32(tail[15])))
        tail = Array(tail.dropFirst(16 + 24 * intervals))
        out += tail.prefix(2)                         // pending repair, transient
        tail = Array(tail.dropFirst(2))
        tail = Array(tail.dropFirst(tail[0] == 1 ? 17 : 1))   // host id
        out += tail
        return out
    }

    /// The bytes of the covered-clustering slice plus counter shards and totals (17 bytes).
    static func sliceAndTotalsLength(_ b: [UInt8]) -> Int {
        // Two bounds: kind, size, values; the fixtures have no clustering columns, so each bound
        // is a kind byte and a zero size (asserted: anything else would need the types to parse).
        precondition(b[1] == 0 && b[2] == 0 && b[4] == 0 && b[5] == 0, "oa fixture with clustering columns: extend the parser")
        return 6 + 17
    }

    @Test(arguments: sstables)
    func statisticsMatchCassandras(_ entry: String) throws {
        let parts = entry.split(separator: "|").map(String.init)
        let dir = try Fixtures.sstableFolder(parts[0])
        let sstable = try #require(try SSTable.discover(path: dir.path).first { $0.descriptor.baseName == parts[1] })
        let (collector, bytes) = try Self.collect(sstable)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sstable.descriptor.path("Statistics.db"))))
        let sameHeader = try Self.component(3, of: bytes, version: sstable.version) == (try Self.component(3, of: original, version: sstable.version))
        let fromCassandra = !parts[0].hasPrefix("scylla")
        #expect(sameHeader || !fromCassandra, "\(entry): serialization header differs")
        // Our own file parses, checksums included, to what was collected.
        let mine = try Statistics.parse(path: "written Statistics.db", bytes: bytes, version: sstable.version)
        let theirs = sstable.statistics.stats
        #expect(mine.stats.minTimestamp == theirs.minTimestamp && mine.stats.maxTimestamp == theirs.maxTimestamp, "\(entry) timestamps")
        #expect(mine.stats.minTTL == theirs.minTTL && mine.stats.maxTTL == theirs.maxTTL, "\(entry) TTLs")
        #expect(mine.stats.minLocalDeletionTime == theirs.minLocalDeletionTime && mine.stats.maxLocalDeletionTime == theirs.maxLocalDeletionTime,
                "\(entry) deletion times: \(mine.stats.minLocalDeletionTime)…\(mine.stats.maxLocalDeletionTime) vs \(theirs.minLocalDeletionTime)…\(theirs.maxLocalDeletionTime)")
        let sameSizes = mine.stats.partitionSizeHistogram.map { [$0.offset, $0.count] } == theirs.partitionSizeHistogram.map { [$0.offset, $0.count] }
        #expect(sameSizes, "\(entry) partition sizes: \(mine.stats.partitionSizeHistogram.filter { $0.count > 0 }) vs \(theirs.partitionSizeHistogram.filter { $0.count > 0 }) of \(theirs.partitionSizeHistogram.count) vs \(mine.stats.partitionSizeHistogram.count)")
        if fromCassandra, let rows = theirs.totalRows { #expect(collector.totalRows == rows, "\(entry) rows \(collector.totalRows) vs \(rows)") }
        if fromCassandra, let cols = theirs.totalColumnsSet { #expect(collector.totalColumnsSet == cols, "\(entry) columns set \(collector.totalColumnsSet) vs \(cols)") }
        #expect(mine.header.regularColumns.map(\.name) == sstable.header.regularColumns.map(\.name))
    }
}

/// `movesql sstable rewrite`: an md table upgraded to nb (and rewritten as md, uncompressed)
/// and to oa dumps to the same rows.
@Suite("sstable rewrite", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct SSTableRewriteCLITests {
    @Test func rewritesDumpToTheSameRows() throws {
        let binary = try #require(CLI.binary, "the movesql executable next to the test bundle")
        let source = try Fixtures.sstableFolder("sstable-to-arrow/md/baselines.iot")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-rewrite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try CLI.run(binary, ["sstable", "dump", source.path])
        #expect(original.status == 0)
        for (sub, args) in [("nb", ["--compression", "snappy"]), ("md", ["--sstable-format", "md", "--compression", "none"]),
                            ("oa", ["--format", "oa", "--compression", "zstd"])] {
            let target = dir.appendingPathComponent(sub).path
            let r = try CLI.run(binary, ["sstable", "rewrite", source.path, target] + args)
            #expect(r.status == 0, "\(r.stderr)")
            let names = try FileManager.default.contentsOfDirectory(atPath: target)
            #expect(names.contains("\(sub)-2-big-Data.db") && names.contains("\(sub)-2-big-Statistics.db"), "\(names)")
            let dumped = try CLI.run(binary, ["sstable", "dump", target])
            #expect(dumped.status == 0 && dumped.stdout == original.stdout)
        }
    }
}
