import BenchData
import Benchmark
import Cassandra
import CassandraCatalog
import Foundation
import MoveSQL

// Scan + merge of backups through SQL (`SELECT * FROM cassandra.…`): every replica's SSTables
// merged per token range, every value decoded into columns. Synthesized backups (three nodes,
// the `types` family: every CQL type, overwrites, deletions, TTLs) at RF 1 and RF 3, read on
// one and two threads; and one wide partition replicated three times, for the peak memory of
// a partition far wider than memory should hold. See docs/benchmarks.md.

func synthBackup(rf: Int) throws -> URL {
    let dir = dataRoot.appendingPathComponent("backup-rf\(rf)")
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent("synth.json").path) { return dir }
    try? FileManager.default.removeItem(at: dir)
    var o = SynthOptions(version: try FormatVersion(letters: "nb", family: .big, file: ""))
    o.seed = 11
    o.sizeMB = 48
    o.replicationFactor = rf
    o.nodesPerDatacenter = 3
    o.families = [.types]
    o.wideRows = 20_000
    _ = try SyntheticCluster(options: o, directory: dir.path).run()
    return dir
}

/// One partition of `megabytes` MiB (1 KiB blobs), the same SSTable on three replicas.
func widePartitionBackup(megabytes: Int) throws -> URL {
    let dir = dataRoot.appendingPathComponent("backup-wide-\(megabytes)mb")
    let done = dir.appendingPathComponent("done")
    if FileManager.default.fileExists(atPath: done.path) { return dir }
    try? FileManager.default.removeItem(at: dir)
    let schemaText = """
        CREATE KEYSPACE wide WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3'};
        CREATE TABLE wide.p (k int, c int, v blob, PRIMARY KEY (k, c));

        """
    let schema = try CQLSchemaParser.parseSchema(schemaText)
    let layout = TableLayout(schema: schema.tables[0])
    let version = try FormatVersion(letters: "nb", family: .big, file: "")
    let tableDir = "wide/p-0123456789abcdef0123456789abcdef"
    let first = dir.appendingPathComponent("n1/data/\(tableDir)")
    try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
    let ts: Int64 = 1_795_000_000_000_000
    var w = try SSTableComponentsWriter(directory: first.path, generation: 1, version: version,
                                        serializer: try PartitionSerializer(header: SerializationHeader(layout: layout, minTimestamp: ts),
                                                                            layout: layout, version: version),
                                        codec: .lz4, expectedKeys: 1)
    try w.beginPartition(key: [0, 0, 0, 1], deletion: .live, staticRow: nil)
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    var value = [UInt8](repeating: 0, count: 1024)
    for c in 0..<(megabytes * 1024) {
        for i in stride(from: 0, to: value.count, by: 8) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            withUnsafeBytes(of: x) { b in for j in 0..<8 { value[i + j] = b[j] } }
        }
        let key = withUnsafeBytes(of: UInt32(c).bigEndian) { Array($0) }
        var row = Row(isStatic: false, clustering: [key[...]], liveness: LivenessInfo(timestamp: ts + Int64(c), ttl: 0, localExpirationTime: Int64(Int32.max)),
                      deletion: .live, cells: [], complexDeletions: [], storage: [])
        row.appendCell(column: 0, timestamp: ts + Int64(c), value: value)
        try w.add(.row(row))
    }
    try w.endPartition()
    let files = try w.finish()
    var objects: [String] = []
    for node in ["n1", "n2", "n3"] {
        let folder = dir.appendingPathComponent("\(node)/data/\(tableDir)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var mine: [String] = []
        for f in files {
            // finish() names components; the files carry the descriptor's prefix.
            let base = URL(fileURLWithPath: f).lastPathComponent
            let name = base.hasPrefix("nb-") ? base : "nb-1-big-" + base
            if node != "n1" { try FileManager.default.linkItem(at: first.appendingPathComponent(name), to: folder.appendingPathComponent(name)) }
            let size = (try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as! NSNumber).intValue
            mine.append("{\"path\": \"\(node)/data/\(tableDir)/\(name)\", \"MD5\": \"\", \"size\": \(size)}")
        }
        objects = mine
        let meta = dir.appendingPathComponent("\(node)/b1/meta")
        try FileManager.default.createDirectory(at: meta, withIntermediateDirectories: true)
        try schemaText.write(to: meta.appendingPathComponent("schema.cql"), atomically: true, encoding: .utf8)
        try """
            {"n1": {"tokens": [-3000000000000000000], "is_up": true, "rack": "r1", "dc": "dc1"},
             "n2": {"tokens": [0], "is_up": true, "rack": "r1", "dc": "dc1"},
             "n3": {"tokens": [3000000000000000000], "is_up": true, "rack": "r1", "dc": "dc1"}}
            """.write(to: meta.appendingPathComponent("tokenmap.json"), atomically: true, encoding: .utf8)
        try "[{\"keyspace\": \"wide\", \"columnfamily\": \"p-0123456789abcdef0123456789abcdef\", \"objects\": [\(objects.joined(separator: ", "))]}]"
            .write(to: meta.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
    }
    try "".write(to: done, atomically: true, encoding: .utf8)
    return dir
}

/// Uncompressed Data.db bytes of a table over every node (what the merge decodes).
func uncompressedBytes(_ backups: URL, keyspace: String, table: String) throws -> Int64 {
    var total: Int64 = 0
    for node in try FileManager.default.contentsOfDirectory(atPath: backups.path) where node != "index" {
        let ks = backups.appendingPathComponent("\(node)/data/\(keyspace)")
        for folder in (try? FileManager.default.contentsOfDirectory(atPath: ks.path)) ?? [] where folder.hasPrefix(table + "-") {
            for s in try SSTable.discover(path: ks.appendingPathComponent(folder).path) {
                total += s.compression?.uncompressedLength ?? s.dataFile.size
            }
        }
    }
    return total
}

func rows(_ session: Session, _ sql: String) throws -> Int {
    guard case .rows(_, let batches)? = try session.execute(sql).last else { return 0 }
    return batches.reduce(0) { $0 + $1.count }
}

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                                         maxDuration: .seconds(20), maxIterations: 5)
    for rf in [1, 3] {
        let dir = try! synthBackup(rf: rf)
        let backups = dir.appendingPathComponent("backups")
        let bytes = try! uncompressedBytes(backups, keyspace: "synth", table: "all_types")
        for threads in [1, 2] {
            let session = Session()
            try! CassandraCatalog.install(in: session, folder: backups.path, environment: [:])
            _ = try! session.execute("SET cassandra_exact_types = 'text'; SET threads = \(threads)")
            let n = try! rows(session, "SELECT * FROM cassandra.synth.all_types")
            Benchmark("scan RF \(rf), \(threads) thread\(threads == 1 ? "" : "s") (\(n / 1000)k rows, \(bytes / 1_000_000) MB uncompressed Data.db)",
                      configuration: config) { benchmark in
                for _ in benchmark.scaledIterations { blackHole(try rows(session, "SELECT * FROM cassandra.synth.all_types")) }
            }
        }
    }
    let mb = Int(ProcessInfo.processInfo.environment["MOVESQL_BENCH_WIDE_MB"] ?? "1024") ?? 1024
    let wide = try! widePartitionBackup(megabytes: mb)
    let session = Session()
    try! CassandraCatalog.install(in: session, folder: wide.path, environment: [:])
    Benchmark("wide partition: \(mb) MiB × 3 replicas, one partition (count and sum of lengths)",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxDuration: .seconds(1), maxIterations: 1)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try session.execute("SELECT count(*), sum(octet_length(v)) FROM cassandra.wide.p"))
        }
    }
}
