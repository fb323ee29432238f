import BenchData
import Benchmark
import Cassandra
import Foundation

// Writer throughput by compression codec: the partitions of the decode benchmark's narrow table
// (100 000 partitions × 2 rows, 16 MB of Data.db; scripts/make_bench_sstable.py), held in
// memory, written as a whole nb SSTable set (Data, Index, Summary, Filter, Statistics,
// CompressionInfo or CRC, Digest, TOC) — the work `backup write` and `sstable rewrite` do per
// flush. And `backup write` end to end on a synthesized mutation file. See docs/benchmarks.md.

func narrowTable() -> URL { generate("narrow", partitions: 100_000, rows: 2) }

struct Loaded {
    var sstable: SSTable
    var layout: TableLayout
    var partitions: [(key: [UInt8], deletion: DeletionTime, staticRow: Row?, items: [Unfiltered])]
    var rows: Int
    var dataBytes: Int64
}

func load(_ dir: URL) throws -> Loaded {
    let sstable = try SSTable.discover(path: dir.path)[0]
    let layout = TableLayout(schema: .fromHeader(sstable.header))
    let scanner = try SSTableScanner(sstable: sstable, layout: layout)
    var partitions: [(key: [UInt8], deletion: DeletionTime, staticRow: Row?, items: [Unfiltered])] = []
    var rows = 0
    while let p = try scanner.nextPartition() {
        var items: [Unfiltered] = []
        while let u = try scanner.nextUnfiltered() { items.append(u); rows += 1 }
        partitions.append((p.key, p.deletion, scanner.staticRow, items))
    }
    return Loaded(sstable: sstable, layout: layout, partitions: partitions, rows: rows, dataBytes: sstable.dataFile.size)
}

func write(_ t: Loaded, codec: CompressedDataWriter.Codec?, into dir: String) throws {
    let version = try FormatVersion(letters: "nb", family: .big, file: dir)
    var w = try SSTableComponentsWriter(directory: dir, generation: 1, version: version,
                                        serializer: try PartitionSerializer(header: t.sstable.header, layout: t.layout, version: version),
                                        codec: codec, expectedKeys: t.partitions.count)
    for p in t.partitions {
        try w.beginPartition(key: p.key, deletion: p.deletion, staticRow: p.staticRow)
        for u in p.items { try w.add(u) }
        try w.endPartition()
    }
    _ = try w.finish()
}

let benchmarks: @Sendable () -> Void = {
    let table = try! load(narrowTable())
    let out = dataRoot.appendingPathComponent("write-out").path
    try? FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                                         maxDuration: .seconds(10), maxIterations: 10)
    let codecs: [(String, CompressedDataWriter.Codec?)] = [("none", nil), ("LZ4", .lz4), ("Snappy", .snappy), ("Zstd", .zstd), ("Deflate", .deflate)]
    for (label, codec) in codecs {
        Benchmark("write \(label) (\(table.rows / 1000)k rows, \(table.dataBytes / 1_000_000) MB of Data.db)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { try write(table, codec: codec, into: out) }
        }
    }
}
