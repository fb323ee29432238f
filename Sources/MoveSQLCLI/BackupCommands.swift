import ArgumentParser
import Cassandra
#if canImport(Glibc)
import Glibc
#endif

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        _superCommandName: "movesql",
        abstract: "Make Medusa-layout backups of real SSTables from writes whose result is known.",
        subcommands: [BackupWrite.self, BackupSynth.self]
    )
}

/// The codec named by `--compression`.
func compressionCodec(_ name: String) throws -> CompressedDataWriter.Codec? {
    switch name {
    case "lz4": return .lz4
    case "snappy": return .snappy
    case "zstd": return .zstd
    case "deflate": return .deflate
    case "none": return nil
    default: throw ValidationError("--compression is lz4, snappy, zstd, deflate or none")
    }
}

func validateChunkKB(_ chunkKB: Int) throws {
    guard chunkKB > 0, chunkKB & (chunkKB - 1) == 0, chunkKB <= 1024 else {
        throw ValidationError("--chunk-kb must be a power of two from 1 to 1024")
    }
}

struct BackupWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Turn a schema, a token map and a mutation file into a Medusa backup (differential mode).",
        discussion: """
        The mutation file (JSON Lines, ../shared/docs/mutations-format.md) says which writes each \
        node received and which flush holds each. Every node of the token map gets a node \
        backup: meta/schema.cql (its time is the backup's start), tokenmap.json, \
        server_version.json, differential, the SSTables of each flush (nb-<flush>-big-*) in \
        <fqdn>/data/<ks>/<table>-<id>/, and meta/manifest.json with sizes and MD5s, written last. \
        index/backup_index/<backup>/ gets Medusa's cache entries. Every line is checked before \
        anything is written; a failure removes what the run wrote.
        """
    )

    @Option(help: "CREATE KEYSPACE / TYPE / TABLE statements.") var schema: String
    @Option(help: "Medusa's tokenmap.json.") var topology: String
    @Option(help: "The mutation file (JSON Lines).") var mutations: String
    @Option(help: "The backup's name, e.g. 20261130T0000.") var backup: String
    @Option(help: "The folder the backup goes into (the bucket's root).") var out: String
    @Option(help: "The backup's start time, ISO 8601 (default: now).") var started: String?
    @Option(name: [.customLong("format"), .customLong("sstable-format")], help: "SSTable format: ma to oa.") var format: String = "nb"
    @Option(help: "lz4, snappy, zstd, deflate or none.") var compression: String = "lz4"
    @Option(name: .customLong("chunk-kb"), help: "Compression chunk size in KiB (a power of two).") var chunkKB: Int = 16
    @Option(name: .customLong("memtable-mb"), help: "Memtable memory per worker, MiB; past it memtables spill sorted runs to disk.")
    var memtableMB: Int = 1024

    func validate() throws {
        _ = try compressionCodec(compression)
        guard memtableMB > 0 else { throw ValidationError("--memtable-mb must be positive") }
        try validateChunkKB(chunkKB)
        guard !backup.isEmpty, !backup.contains("/") else { throw ValidationError("--backup must be a name without '/'") }
    }

    func run() throws {
        try runReporting {
            let version = try FormatVersion(letters: format, family: .big, file: out)
            guard let schemaBytes = readFile(schema) else { throw CLIError("cannot read \(schema)") }
            guard let topologyBytes = readFile(topology) else { throw CLIError("cannot read \(topology)") }
            let startedAt: Int64
            if let started {
                guard let t = ISO8601.parseSeconds(started) else { throw ValidationError("--started '\(started)' is not an ISO 8601 time") }
                startedAt = t
            } else {
                startedAt = Int64(time(nil))
            }
            let writer = try BackupWriter(
                schemaText: String(decoding: schemaBytes, as: UTF8.self),
                tokenMap: try TokenMap.parse(topologyBytes, file: topology),
                options: .init(backupName: backup, outputDirectory: out, started: startedAt, version: version,
                               codec: try compressionCodec(compression), chunkLength: chunkKB * 1024,
                               memtableBudget: memtableMB << 20))
            let summary = try writer.write(mutations: mutations)
            var o = OutputBuffer()
            o.write("backup \(backup) in \(out): \(summary.lines) writes, started \(ValueJSON.timestampString(milliseconds: summary.started * 1000))\n")
            for n in summary.nodes {
                o.write("  \(n.fqdn): \(n.writes) writes, \(n.sstables) SSTables, \(n.files) files, \(n.bytes) bytes\n")
            }
            o.flush()
        }
    }
}

struct BackupSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a realistic cluster's writes, the tables they must read as, and their backup.",
        discussion: """
        Seeded: the same options give the same files. OUT gets schema.cql, tokenmap.json, \
        mutations.jsonl (the writes), expected/<keyspace>.<table>.jsonl (the live rows at the \
        backup's start, computed from the writes by a reference model of CQL's rules, in \
        token then clustering order), synth.json (what was made), and backups/ (the Medusa \
        backup, written as `backup write` does). Families: types (every CQL type, statics, \
        collections, UDTs, counters, every deletion kind, TTLs), kv and ts (the Key-Value and \
        Time-Series models of data-models.md). Writes are spread over the month before the \
        start, over the flushes, and now and then miss a replica.
        """
    )

    @Option(help: "The folder to write into.") var out: String
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Datacenters.") var datacenters: Int = 1
    @Option(help: "Nodes per datacenter.") var nodes: Int = 3
    @Option(help: "Racks per datacenter.") var racks: Int = 1
    @Option(help: "Tokens per node (1: evenly spaced single tokens).") var vnodes: Int = 1
    @Option(name: .customLong("rf"), help: "Replication factor per datacenter.") var replicationFactor: Int = 3
    @Option(help: "Memtable flushes (SSTable generations) per node.") var flushes: Int = 3
    @Option(name: .customLong("size-mb"), help: "Approximate size of the backup on disk (all nodes), MiB.") var sizeMB: Double = 4
    @Option(name: .customLong("wide-rows"), help: "Rows of the wide partitions (0: none).") var wideRows: Int = 20_000
    @Option(name: .customLong("chunked-values"), help: "KV values over 1 MiB stored in chunks (0: none).") var chunkedValues: Int = 3
    @Option(name: .customLong("missing-replica-rate"), help: "Share of writes one replica misses.") var missingReplicaRate: Double = 0.02
    @Option(help: "Comma-separated: types, kv, ts.") var families: String = "types,kv,ts"
    @Option(help: "The backup's start (the expected rows' reference time), ISO 8601.") var started: String = "2026-11-30T00:00:00Z"
    @Option(help: "The backup's name.") var backup: String = "20261130T0000"
    @Option(name: [.customLong("format"), .customLong("sstable-format")], help: "SSTable format: ma to oa.") var format: String = "nb"
    @Option(help: "lz4, snappy, zstd, deflate or none.") var compression: String = "lz4"
    @Option(name: .customLong("memtable-mb"), help: "Memtable memory per writer worker, MiB (as backup write).") var memtableMB: Int = 1024

    func validate() throws {
        _ = try compressionCodec(compression)
        guard memtableMB > 0 else { throw ValidationError("--memtable-mb must be positive") }
        guard nodes >= 1, datacenters >= 1, racks >= 1, vnodes >= 1, flushes >= 1, replicationFactor >= 1 else {
            throw ValidationError("--nodes, --datacenters, --racks, --vnodes, --flushes and --rf are at least 1")
        }
        guard sizeMB > 0, wideRows >= 0, chunkedValues >= 0, (0...1).contains(missingReplicaRate) else {
            throw ValidationError("--size-mb must be positive, --wide-rows and --chunked-values not negative, --missing-replica-rate in 0...1")
        }
        for f in families.split(separator: ",") where SynthOptions.Family(rawValue: String(f)) == nil {
            throw ValidationError("--families takes types, kv and ts; '\(f)' is none of them")
        }
    }

    func run() throws {
        try runReporting {
            var o = SynthOptions(version: try FormatVersion(letters: format, family: .big, file: out))
            o.seed = seed
            o.datacenters = datacenters
            o.nodesPerDatacenter = nodes
            o.racksPerDatacenter = racks
            o.vnodes = vnodes
            o.replicationFactor = replicationFactor
            o.flushes = flushes
            o.sizeMB = sizeMB
            o.wideRows = wideRows
            o.chunkedValues = chunkedValues
            o.missingReplicaRate = missingReplicaRate
            o.families = families.split(separator: ",").compactMap { SynthOptions.Family(rawValue: String($0)) }
            guard let t = ISO8601.parseSeconds(started) else { throw ValidationError("--started '\(started)' is not an ISO 8601 time") }
            o.started = t
            o.backupName = backup
            o.codec = try compressionCodec(compression)
            o.memtableBudget = memtableMB << 20
            let report = try SyntheticCluster(options: o, directory: out).run()
            var text = OutputBuffer()
            text.write("\(out): \(report.lines) writes to \(report.partitions) partitions; backup \(backup) of \(report.backup.nodes.count) nodes, \(report.backupBytes) bytes\n")
            for (table, rows) in report.expectedRows.sorted(by: { $0.key < $1.key }) { text.write("  \(table): \(rows) rows expected\n") }
            text.flush()
        }
    }
}
