import BenchData
import Benchmark
import Cassandra
import CassandraCatalog
import Connectors
import Foundation
import IcebergCatalog
import MoveSQL
import SQL

// The data-model connectors end to end (docs/connectors.md): a synthesized KV + TS cluster
// (three nodes, RF 3, chunked and compressed values, expired items, hedged events, a wide copy)
// read from its backup, rebuilt by each connector's SQL and written to an Iceberg table and its
// errors table, as `movesql connector run` does. The name carries the rows each run writes, so
// rows/s is rows ÷ the wall clock. See docs/benchmarks.md.

func connectorBackup() throws -> URL {
    let dir = dataRoot.appendingPathComponent("connectors-kv-ts")
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent("synth.json").path) { return dir }
    try? FileManager.default.removeItem(at: dir)
    var o = SynthOptions(version: try FormatVersion(letters: "nb", family: .big, file: ""))
    o.seed = 5
    o.sizeMB = Double(ProcessInfo.processInfo.environment["MOVESQL_BENCH_CONNECTOR_MB"] ?? "160") ?? 160
    o.families = [.kv, .ts]
    o.wideRows = 20_000
    _ = try SyntheticCluster(options: o, directory: dir.path).run()
    return dir
}

/// Runs a connector's statements; the rows it wrote into its target.
func run(_ connector: Connector, _ parameters: [String: String], backups: URL, warehouse: URL) throws -> Int {
    let session = Session()
    try CassandraCatalog.install(in: session, folder: backups.path, environment: [:])
    try IcebergCatalog.install(in: session, warehouse: warehouse.path, environment: [:])
    let target = parameters["target"]!.split(separator: ".")
    _ = try session.execute("CREATE SCHEMA IF NOT EXISTS \(target[0]).\(target[1])")
    for statement in Parser.splitStatements(try ScriptParameters.substitute(connector.sql, parameters)) {
        _ = try session.execute(statement)
    }
    // The target is the first table the one-pass insert writes.
    return session.lastWrites.first?.rows ?? 0
}

let benchmarks: @Sendable () -> Void = {
    let dir = try! connectorBackup()
    let backups = dir.appendingPathComponent("backups")
    let config = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal], maxDuration: .seconds(30), maxIterations: 3)
    let cases: [(String, [String: String])] = [
        ("kv", ["source": "cassandra.kv.items", "target": "iceberg.kv.items", "as_of": ""]),
        ("ts", ["keyspace": "ts", "namespace": "playback", "target": "iceberg.ts.playback_events", "as_of": ""]),
    ]
    for (name, parameters) in cases {
        let connector = Connectors.named(name)!
        let warehouse = dataRoot.appendingPathComponent("connectors-warehouse-\(name)")
        try? FileManager.default.removeItem(at: warehouse)
        let rows = try! run(connector, parameters, backups: backups, warehouse: warehouse)
        Benchmark("connector \(name): \(parameters["source"] ?? "cassandra." + parameters["keyspace"]!) → \(parameters["target"]!) (\(rows) rows)", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try run(connector, parameters, backups: backups, warehouse: warehouse)) }
        }
    }
}
