import Digests
import JSON
import Threads
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `movesql backup write`: a schema, a token map and a mutation file become a Medusa backup in
/// differential mode (backup-layout.md, mutations-format.md). Each node's memtable of each
/// flush is written as one SSTable generation per table, in the node's shared data folder; the
/// node's `meta/` gets schema.cql first and manifest.json (sizes and MD5s) last, and the index
/// folder gets its cache entries.
///
/// The mutation file is read twice: once to check every line and learn the last line of each
/// (node, flush), then to apply the lines, writing each memtable as soon as its last line is in.
/// A file whose lines come in flush order therefore needs memory for one flush per node.
///
/// Nothing is left half-written: an error removes every file this run created. SSTables are
/// deterministic, so a file that already exists (written by an earlier backup into the same
/// folder) is shared when its bytes are the same and an error when they differ.
public struct BackupWriter: Sendable {
    public struct Options: Sendable {
        public var backupName: String
        public var outputDirectory: String
        /// The backup's start, seconds since the epoch.
        public var started: Int64
        public var version: FormatVersion
        public var codec: CompressedDataWriter.Codec?
        public var chunkLength: Int
        /// Memory for memtables per worker (bytes, roughly): past it the largest memtable is
        /// written out as a sorted run, merged into its SSTable at the flush.
        public var memtableBudget: Int

        public init(backupName: String, outputDirectory: String, started: Int64, version: FormatVersion,
                    codec: CompressedDataWriter.Codec? = .lz4, chunkLength: Int = 16 * 1024, memtableBudget: Int = 1 << 30) {
            self.backupName = backupName
            self.outputDirectory = outputDirectory
            self.started = started
            self.version = version
            self.codec = codec
            self.chunkLength = chunkLength
            self.memtableBudget = memtableBudget
        }
    }

    public struct NodeSummary: Sendable {
        public var fqdn: String
        public var writes = 0
        public var sstables = 0
        public var files = 0
        public var bytes: Int64 = 0
    }

    public struct Summary: Sendable {
        public var lines = 0
        public var nodes: [NodeSummary] = []
        public var started: Int64 = 0
        public var finished: Int64 = 0
    }

    public let schemaText: String
    public let schema: CQLSchema
    public let tokenMap: TokenMap
    public let options: Options
    /// Per table (`keyspace.table`): its folder name, `<table>-<id without dashes>`.
    public let tableFolders: [String: String]

    public init(schemaText: String, tokenMap: TokenMap, options: Options) throws {
        self.schemaText = schemaText
        schema = try CQLSchemaParser.parseSchema(schemaText)
        self.tokenMap = tokenMap
        self.options = options
        var folders: [String: String] = [:]
        for (t, id) in zip(schema.tables, schema.tableIDs) {
            guard let ks = t.keyspace, let name = t.name else {
                throw SSTableError(.schema, file: "schema.cql", "table \(t.name ?? "?") must be named keyspace.table")
            }
            guard schema.keyspace(ks) != nil else {
                throw SSTableError(.schema, file: "schema.cql", "table \(ks).\(name): keyspace \(ks) has no CREATE KEYSPACE")
            }
            folders["\(ks).\(name)"] = "\(name)-" + (id.map { $0.filter { $0 != "-" }.lowercased() } ?? Self.derivedTableID(ks, name))
        }
        tableFolders = folders
        guard case .big = options.version.family else {
            throw SSTableError(.unsupported, file: options.outputDirectory, "backups are written in the big format")
        }
    }

    /// A table id for a schema that gives none: a name-based (version 3) uuid of
    /// `keyspace.table`, so that the same schema always yields the same folders.
    public static func derivedTableID(_ keyspace: String, _ table: String) -> String {
        var b = Digest.md5(Array("\(keyspace).\(table)".utf8))
        b[6] = b[6] & 0x0F | 0x30
        b[8] = b[8] & 0x3F | 0x80
        return Hex.encode(b)
    }

    /// The Cassandra release a format version comes from, for server_version.json.
    public static func releaseVersion(_ v: FormatVersion) -> String {
        switch v.letters {
        case "nb": return "4.1.5"
        case "na": return "4.0.13"
        case "oa": return "5.0.2"
        default: return "3.11.17"
        }
    }

    public func write(mutations path: String) throws -> Summary {
        var created: [String] = []
        do {
            return try write(mutations: path, created: &created)
        } catch {
            // Everything this run made goes again: a failed write leaves no partial backup.
            for f in created.reversed() { unlink(f) }
            throw error
        }
    }

    private struct FlushKey: Hashable {
        var node: String
        var flush: Int
    }

    /// One line as a mutation; nil for a blank line.
    private func mutation(_ bytes: [UInt8], line: Int, file: String) throws -> Mutation? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch let e as JSONError {
            throw Mutation.FormatError(file: file, line: line, message: "column \(e.column): \(e.message)")
        }
        return try Mutation(json, line: line, file: file)
    }

    private func write(mutations path: String, created: inout [String]) throws -> Summary {
        let out = options.outputDirectory
        var summary = Summary()
        summary.started = options.started
        var nodes = Dictionary(uniqueKeysWithValues: tokenMap.nodes.map { ($0.fqdn, NodeSummary(fqdn: $0.fqdn)) })

        // 1. Every line checked before anything is written; the last line of each flush found.
        var lastLine: [FlushKey: Int] = [:]
        let check = try LineReader(path: path)
        while let bytes = try check.next() {
            guard let m = try mutation(bytes, line: check.lineNumber, file: path) else { continue }
            guard tableFolders[m.table] != nil else {
                throw Mutation.FormatError(file: path, line: m.line, message: "table \(m.table) is not in the schema")
            }
            for n in m.nodes {
                guard nodes[n] != nil else {
                    throw Mutation.FormatError(file: path, line: m.line, message: "node \(n) is not in the token map")
                }
                lastLine[FlushKey(node: n, flush: m.flush)] = m.line
                nodes[n]!.writes += 1
            }
            summary.lines += 1
        }

        // 2. meta/ first: a node backup has begun once its schema.cql exists.
        let serverVersion = JSONValue.object([("server_type", .string("cassandra")),
                                              ("release_version", .string(Self.releaseVersion(options.version)))]).text
        func put(_ file: String, _ text: String, mtime: Int64? = nil) throws {
            try writeFile(file, Array(text.utf8))
            created.append(file)
            if let mtime { try setModificationTime(file, seconds: mtime) }
        }
        for n in tokenMap.nodes {
            let meta = "\(out)/\(n.fqdn)/\(options.backupName)/meta"
            guard !fileExists(meta + "/schema.cql") else {
                throw SSTableError(.io, file: meta + "/schema.cql", "backup \(options.backupName) of \(n.fqdn) already exists")
            }
            try makeDirectories(meta)
            try put(meta + "/schema.cql", schemaText, mtime: options.started)
            try put(meta + "/tokenmap.json", tokenMap.json(datacenter: n.dc))
            try put(meta + "/server_version.json", serverVersion)
            try put(meta + "/differential", "")
        }

        // 3. The lines applied; each memtable flushed after its last line. Nodes are
        // independent: each worker thread reads the file for its share of them.
        let names = tokenMap.nodes.map(\.fqdn)
        let workers = max(1, min(processorCount(), names.count))
        let shares = (0..<workers).map { w in Set(names.enumerated().filter { $0.offset % workers == w }.map(\.element)) }
        let results = UncheckedBox(shares.map { _ in NodeWork() })
        let finalLines = lastLine
        runConcurrently(workers) { [self] w in
            let work = results.value[w]
            do { try self.apply(mutations: path, nodes: shares[w], lastLine: finalLines, into: work) } catch { work.error = error }
        }
        var objects: [String: [String: [JSONValue]]] = [:]
        for work in results.value {
            created += work.created
            for (n, tables) in work.objects { objects[n] = tables }
            for (n, stats) in work.stats {
                nodes[n]!.sstables = stats.sstables
                nodes[n]!.files = stats.files
                nodes[n]!.bytes = stats.bytes
            }
        }
        if let e = results.value.compactMap(\.error).first { throw e }

        // 4. manifest.json last: the node backup is complete. 5. The index cache.
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        summary.finished = max(options.started, Int64(clock.tv_sec))
        let index = "\(out)/index/backup_index/\(options.backupName)"
        try makeDirectories(index)
        for n in tokenMap.nodes {
            let manifest = JSONValue.array(schema.tables.map { t in
                let name = "\(t.keyspace!).\(t.name!)"
                return .object([("keyspace", .string(t.keyspace!)), ("columnfamily", .string(tableFolders[name]!)),
                                ("objects", .array(objects[n.fqdn]?[name] ?? []))])
            }).text
            let meta = "\(out)/\(n.fqdn)/\(options.backupName)/meta"
            try put(meta + "/manifest.json", manifest, mtime: summary.finished)
            try put("\(index)/tokenmap_\(n.fqdn).json", tokenMap.json(datacenter: n.dc))
            try put("\(index)/schema_\(n.fqdn).cql", schemaText)
            try put("\(index)/manifest_\(n.fqdn).json", manifest)
            try put("\(index)/started_\(n.fqdn)_\(options.started).timestamp", String(options.started))
            try put("\(index)/finished_\(n.fqdn)_\(summary.finished).timestamp", String(summary.finished))
        }
        summary.nodes = tokenMap.nodes.map { nodes[$0.fqdn]! }
        return summary
    }

    /// What one worker made: its nodes' SSTables (as manifest objects), the files it created
    /// (removed again if the run fails) and its first error.
    private final class NodeWork {
        var objects: [String: [String: [JSONValue]]] = [:]
        var stats: [String: (sstables: Int, files: Int, bytes: Int64)] = [:]
        var created: [String] = []
        var error: Error?
    }

    private func apply(mutations path: String, nodes share: Set<String>, lastLine: [FlushKey: Int], into work: NodeWork) throws {
        var memtables: [FlushKey: [String: TableMemtable]] = [:]
        var used = 0
        let reader = try LineReader(path: path)
        while let bytes = try reader.next() {
            guard let m = try mutation(bytes, line: reader.lineNumber, file: path) else { continue }
            for n in m.nodes where share.contains(n) {
                let key = FlushKey(node: n, flush: m.flush)
                let table = memtables[key]?[m.table] ?? TableMemtable(schema: schema.table(m.table)!,
                                                                           spillDirectory: stagingDirectory(table: m.table, key: key) + "-runs")
                memtables[key, default: [:]][m.table] = table
                let before = table.estimatedBytes
                do { try table.apply(m) } catch var e as Mutation.FormatError {
                    e.file = path
                    throw e
                }
                used += table.estimatedBytes - before
                if used > options.memtableBudget {
                    // The largest memtables go to disk as sorted runs until half the budget is free.
                    let all = memtables.values.flatMap(\.values).sorted { $0.estimatedBytes > $1.estimatedBytes }
                    for t in all where used > options.memtableBudget / 2 {
                        used -= t.estimatedBytes
                        try t.spill()
                    }
                }
                guard lastLine[key] == m.line, let tables = memtables.removeValue(forKey: key) else { continue }
                used -= tables.values.reduce(0) { $0 + $1.estimatedBytes }
                for (name, memtable) in tables.sorted(by: { $0.key < $1.key }) where !memtable.isEmpty {
                    let written = try flush(memtable, table: name, key: key, created: &work.created)
                    work.objects[n, default: [:]][name, default: []] += written
                    var stats = work.stats[n] ?? (0, 0, 0)
                    stats.sstables += 1
                    stats.files += written.count
                    for o in written { if case .int(let size)? = o["size"] { stats.bytes += size } }
                    work.stats[n] = stats
                }
            }
        }
    }

    /// Writes one memtable as generation `flush` of its table on its node; returns the
    /// manifest objects of its files.
    private func tableDirectory(table: String, node: String) -> (relative: String, absolute: String) {
        let keyspace = String(table.split(separator: ".")[0])
        let relative = "\(node)/data/\(keyspace)/\(tableFolders[table]!)"
        return (relative, "\(options.outputDirectory)/\(relative)")
    }

    /// Where a flush's files are written before they move into place.
    private func stagingDirectory(table: String, key: FlushKey) -> String {
        "\(tableDirectory(table: table, node: key.node).absolute)/.movesql-\(options.backupName)-\(key.flush)"
    }

    private func flush(_ memtable: TableMemtable, table: String, key: FlushKey, created: inout [String]) throws -> [JSONValue] {
        let (relative, directory) = tableDirectory(table: table, node: key.node)
        let staging = stagingDirectory(table: table, key: key)
        try makeDirectories(staging)
        defer {
            for f in (try? listDirectory(staging)) ?? [] { unlink(staging + "/" + f) }
            rmdir(staging)
        }
        let components = try memtable.flush(directory: staging, generation: key.flush, version: options.version,
                                            codec: options.codec, chunkLength: options.chunkLength)
        var result: [JSONValue] = []
        for c in components {
            let name = "\(options.version.letters)-\(key.flush)-big-\(c)"
            let source = staging + "/" + name, target = directory + "/" + name
            if fileExists(target) {
                guard try Self.sameBytes(source, target) else {
                    throw SSTableError(.io, file: target, "exists with other content (an earlier backup's flush \(key.flush) held other writes)")
                }
            } else {
                guard rename(source, target) == 0 else {
                    throw SSTableError(.io, file: target, "cannot move into place: \(String(cString: strerror(errno)))")
                }
                created.append(target)
            }
            let (size, md5) = try Self.sizeAndMD5(target)
            result.append(.object([("path", .string(relative + "/" + name)), ("MD5", .string(Hex.encode(md5))), ("size", .int(size))]))
        }
        return result
    }

    static func sizeAndMD5(_ path: String) throws -> (Int64, [UInt8]) {
        let f = try RandomAccessFile(path: path)
        var h = MD5()
        var offset: Int64 = 0
        var buffer: [UInt8] = []
        while offset < f.size {
            let n = Int(min(Int64(4 << 20), f.size - offset))
            try f.read(at: offset, count: n, into: &buffer)
            h.update(buffer)
            offset += Int64(n)
        }
        return (f.size, h.finish())
    }

    static func sameBytes(_ a: String, _ b: String) throws -> Bool {
        let fa = try RandomAccessFile(path: a), fb = try RandomAccessFile(path: b)
        guard fa.size == fb.size else { return false }
        var offset: Int64 = 0
        while offset < fa.size {
            let n = Int(min(Int64(4 << 20), fa.size - offset))
            guard try fa.read(at: offset, count: n) == fb.read(at: offset, count: n) else { return false }
            offset += Int64(n)
        }
        return true
    }
}
