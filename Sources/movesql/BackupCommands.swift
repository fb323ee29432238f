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
        subcommands: [BackupWrite.self]
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
    @Option(name: [.customLong("format"), .customLong("sstable-format")], help: "SSTable format: ma to nb.") var format: String = "nb"
    @Option(help: "lz4, snappy, zstd, deflate or none.") var compression: String = "lz4"
    @Option(name: .customLong("chunk-kb"), help: "Compression chunk size in KiB (a power of two).") var chunkKB: Int = 16

    func validate() throws {
        _ = try compressionCodec(compression)
        guard chunkKB > 0, chunkKB & (chunkKB - 1) == 0, chunkKB <= 1024 else {
            throw ValidationError("--chunk-kb must be a power of two from 1 to 1024")
        }
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
                               codec: try compressionCodec(compression), chunkLength: chunkKB * 1024))
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
