import BenchData
import Benchmark
import Cassandra
import Foundation

// Decode throughput of a multi-MB SSTable, uncompressed and LZ4: the raw scan (partitions,
// rows, cells, as the merge consumes them) and the merged live rows decoded to values.
// The data: scripts/make_bench_sstable.py, 100 000 partitions of 2 rows (16 MB of Data.db),
// and one partition of 200 000 rows (streaming over a wide partition). See docs/benchmarks.md.

struct Table {
    let dir: URL
    let schema: TableSchema
    let dataBytes: Int
}

/// The same table with Data.db recompressed in 64 KiB LZ4 chunks.
func lz4Copy(of dir: URL) -> URL {
    let out = URL(fileURLWithPath: dir.path + "-lz4")
    if FileManager.default.fileExists(atPath: out.appendingPathComponent("nb-1-big-Data.db").path) { return out }
    try! FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let plain = try! Data(contentsOf: dir.appendingPathComponent("nb-1-big-Data.db"))
    let version = try! FormatVersion(letters: "nb", family: .big, file: "")
    let c = CompressedDataWriter.compress([UInt8](plain), codec: .lz4, version: version)
    try! Data(c.data).write(to: out.appendingPathComponent("nb-1-big-Data.db"))
    try! Data(c.compressionInfo).write(to: out.appendingPathComponent("nb-1-big-CompressionInfo.db"))
    for f in ["nb-1-big-Statistics.db", "schema.cql"] {
        try! FileManager.default.copyItem(at: dir.appendingPathComponent(f), to: out.appendingPathComponent(f))
    }
    return out
}

func table(_ dir: URL) -> Table {
    let schema = try! CQLSchemaParser.parse(String(contentsOf: dir.appendingPathComponent("schema.cql"), encoding: .utf8))[0]
    let plain = dataRoot.appendingPathComponent(dir.lastPathComponent.replacingOccurrences(of: "-lz4", with: ""))
    let size = (try! FileManager.default.attributesOfItem(atPath: plain.appendingPathComponent("nb-1-big-Data.db").path)[.size] as! NSNumber).intValue
    return Table(dir: dir, schema: schema, dataBytes: size)
}

/// Reads every partition, row and cell; returns the number of unfiltereds.
func scan(_ t: Table) throws -> Int {
    let reader = try TableReader(path: t.dir.path, schema: t.schema)
    var n = 0
    for s in try reader.scanners() {
        while try s.nextPartition() != nil {
            while let u = try s.nextUnfiltered() {
                if case .row(let r) = u { n += r.cells.count > 0 ? 1 : 0 }
            }
        }
    }
    return n
}

/// Merged live rows decoded to values.
func rows(_ t: Table) throws -> Int {
    let stream = try TableReader(path: t.dir.path, schema: t.schema).rows(now: nil)
    var n = 0
    while let r = try stream.next() { n += r.count > 0 ? 1 : 0 }
    return n
}

let benchmarks: @Sendable () -> Void = {
    let narrow = generate("narrow", partitions: 100_000, rows: 2)
    let wide = generate("wide", partitions: 1, rows: 200_000)
    let tables: [(String, Table)] = [
        ("uncompressed", table(narrow)), ("LZ4", table(lz4Copy(of: narrow))), ("wide partition", table(wide)),
    ]
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                                         maxDuration: .seconds(10), maxIterations: 20)
    for (label, t) in tables {
        Benchmark("scan \(label) (200k rows, \(t.dataBytes / 1_000_000) MB)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try scan(t)) }
        }
        Benchmark("rows \(label) (200k rows, \(t.dataBytes / 1_000_000) MB)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try rows(t)) }
        }
    }
}
