import JSON
import Threads
#if canImport(Glibc)
import Glibc
#endif

/// `movesql backup synth`: a seeded generator of realistic clusters. It writes the schema, the
/// token map and the mutation file it made, the expected logical content of every table
/// (computed by `ReferenceModel` from the writes, at the backup's start as reference time),
/// and the backup itself through `BackupWriter`.
///
/// Output folder:
///
///     schema.cql  tokenmap.json  mutations.jsonl  synth.json
///     expected/<keyspace>.<table>.jsonl      live rows at the reference time, token then clustering order
///     backups/                               the Medusa root (<fqdn>/…, index/…)
///
/// Memory: partitions are generated one at a time, each with its own reference model; lines
/// go to one file per flush, joined in flush order, so that `backup write` holds one flush per
/// node; wide partitions are generated in blocks of rows spread over the flushes.
public struct SynthOptions: Sendable {
    public enum Family: String, Sendable, CaseIterable {
        /// Every CQL type family, statics, collections, UDTs, counters, every deletion kind.
        case types
        /// Key-Value (data-models.md §1): items, chunked and compressed values, expiring deletes.
        case kv
        /// Time-Series (data-models.md §2): slices, buckets, events, hedged writes, wide copies.
        case ts
    }

    public var seed: UInt64 = 1
    public var datacenters = 1
    public var nodesPerDatacenter = 3
    public var racksPerDatacenter = 1
    /// Tokens per node: 1 gives evenly spaced single tokens; more gives random vnode tokens.
    public var vnodes = 1
    /// Per datacenter.
    public var replicationFactor = 3
    public var flushes = 3
    /// Approximate size of the backup on disk (every node's files), MiB.
    public var sizeMB: Double = 4
    /// Rows of the wide partitions (one KV record, one `types` partition); 0 for none.
    public var wideRows = 20_000
    /// The share of writes one replica misses.
    public var missingReplicaRate = 0.02
    public var families: [Family] = Family.allCases
    /// KV values stored in chunks (each over 1 MiB; the second is overwritten by a new version,
    /// the third loses a chunk); 0 for none.
    public var chunkedValues = 3
    /// The backup's start time, seconds since the epoch: the reference time of the expected rows.
    public var started: Int64 = 1_795_996_800
    public var backupName = "20261130T0000"
    public var version: FormatVersion
    public var codec: CompressedDataWriter.Codec? = .lz4
    /// Memtable memory per `backup write` worker, bytes (past it memtables spill sorted runs).
    public var memtableBudget = 1 << 30

    public init(version: FormatVersion) { self.version = version }
}

/// xoshiro256** seeded by SplitMix64: fast, and the same on every platform.
struct SynthRandom {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64) {
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (next(), next(), next(), next())
    }

    mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in 0..<n.
    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + int(r.count) }
    mutating func double() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ p: Double) -> Bool { double() < p }
    mutating func bytes(_ n: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(n + 8)
        while out.count < n {
            let v = next()
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        return Array(out.prefix(n))
    }
    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
    /// A heavy-tailed count in 1...max: most small, a few large (the skew of real tables).
    mutating func skewed(max: Int) -> Int { Swift.min(max, Int(1.0 / Swift.max(1e-9, pow3(double())))) }
    private func pow3(_ x: Double) -> Double { x * x * x }
}

/// What a synth run made.
public struct SynthReport: Sendable {
    public var lines = 0
    public var partitions = 0
    public var expectedRows: [String: Int] = [:]
    /// Rows of each connector expectation (expected/connectors/<name>.jsonl).
    public var connectorRows: [String: Int] = [:]
    public var backup = BackupWriter.Summary()
    public var backupBytes: Int64 { backup.nodes.reduce(0) { $0 + $1.bytes } }
}

public final class SyntheticCluster: @unchecked Sendable {
    // Immutable after init, so that the family generators can share it across threads.
    public let options: SynthOptions
    let schemaText: String
    let schema: CQLSchema
    let tokenMap: TokenMap
    private(set) var placements: [String: ReplicaPlacement] = [:]
    private let directory: String
    /// The span of write times: the month before the backup.
    let firstSecond: Int64
    var started: Int64 { options.started }

    public init(options: SynthOptions, directory: String) throws {
        self.options = options
        self.directory = directory
        var random = SynthRandom(seed: options.seed)
        firstSecond = options.started - 30 * 86_400
        var nodes: [TokenMap.Node] = []
        var used = Set<Int64>()
        for dc in 0..<options.datacenters {
            for i in 0..<options.nodesPerDatacenter {
                var tokens: [Int64] = []
                if options.vnodes <= 1 {
                    // Evenly spaced, each datacenter offset a little (as `allocate_tokens` would).
                    let step = UInt64.max / UInt64(options.nodesPerDatacenter)
                    tokens = [Int64(bitPattern: UInt64(bitPattern: Int64.min) &+ step &* UInt64(i) &+ UInt64(dc) * 1000)]
                } else {
                    while tokens.count < options.vnodes {
                        let t = Int64(bitPattern: random.next())
                        if t != .min, used.insert(t).inserted { tokens.append(t) }
                    }
                }
                nodes.append(TokenMap.Node(fqdn: "node\(i + 1).dc\(dc + 1).synth.local", tokens: tokens.sorted(),
                                           rack: "rack\(i % max(1, options.racksPerDatacenter) + 1)", dc: "dc\(dc + 1)"))
            }
        }
        tokenMap = TokenMap(nodes: nodes)
        let replication = (1...options.datacenters).map { "'dc\($0)': '\(options.replicationFactor)'" }.joined(separator: ", ")
        var text = ""
        for f in options.families { text += SynthSchemas.cql(f, replication: replication, started: options.started) }
        schemaText = text
        schema = try CQLSchemaParser.parseSchema(text)
        for k in schema.keyspaces { placements[k.name] = tokenMap.placement(k) }
    }

    /// Generates everything and writes the backup. Families are generated in parallel (one
    /// worker per core), each from a random stream of its own, so that the files do not
    /// depend on the number of cores.
    public func run() throws -> SynthReport {
        try makeDirectories(directory + "/expected")
        let budget = options.sizeMB * 1_048_576
        let shares: [SynthOptions.Family: Double] = [.types: 0.4, .kv: 0.4, .ts: 0.2]
        let total = options.families.reduce(0) { $0 + shares[$1]! }
        let generators = try options.families.enumerated().map { i, f in
            try FamilyGenerator(cluster: self, family: f, seed: options.seed &+ UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15,
                                budget: budget * shares[f]! / total, directory: directory)
        }
        // Greedy by share onto the workers; each worker runs its families in order.
        let workers = max(1, min(processorCount(), generators.count))
        var load = [Double](repeating: 0, count: workers)
        var assignment = [[Int]](repeating: [], count: workers)
        for i in generators.indices.sorted(by: { shares[generators[$0].family]! > shares[generators[$1].family]! }) {
            let w = load.indices.min { load[$0] < load[$1] }!
            assignment[w].append(i)
            load[w] += shares[generators[i].family]!
        }
        let boxed = UncheckedBox(generators)
        let plan = assignment
        runConcurrently(workers) { w in
            for i in plan[w] {
                let g = boxed.value[i]
                do { try g.generate() } catch { g.error = error }
            }
        }
        if let e = generators.compactMap(\.error).first { throw e }
        var report = SynthReport()
        // The lines, in flush order (families in order within a flush): each node's memtables
        // then close one flush at a time.
        let mutations = try OutputFile(path: directory + "/mutations.jsonl")
        for f in 0..<options.flushes {
            for g in generators {
                try g.flushFiles[f].commit()
                let r = try RandomAccessFile(path: g.flushFiles[f].path)
                var offset: Int64 = 0
                while offset < r.size {
                    let n = Int(min(Int64(8 << 20), r.size - offset))
                    try mutations.write(try r.read(at: offset, count: n))
                    offset += Int64(n)
                }
                unlink(g.flushFiles[f].path)
            }
        }
        try mutations.commit()
        var expected: [String: [ExpectedRow]] = [:]
        var logical: [String: [String]] = [:]
        for g in generators {
            for (name, lines) in g.logical { logical[name, default: []] += lines }
            g.logical = [:]
            report.lines += g.lines
            report.partitions += g.partitions
            for (t, rows) in g.expected { expected[t, default: []] += rows }
            g.expected = [:]
        }
        for t in schema.tables {
            let name = "\(t.keyspace!).\(t.name!)"
            var rows = expected[name] ?? []
            rows.sort { a, b in
                if a.token != b.token { return a.token < b.token }
                if a.key != b.key { return a.key.lexicographicallyPrecedes(b.key) }
                return a.block != b.block ? a.block < b.block : a.row < b.row
            }
            report.expectedRows[name] = rows.count
            let file = try OutputFile(path: "\(directory)/expected/\(name).jsonl")
            for r in rows { try file.write(Array((r.text + "\n").utf8)) }
            try file.commit()
        }
        // What each connector must make of the backup (sorted: the files do not depend on
        // the order partitions were generated in).
        if !logical.isEmpty { try makeDirectories(directory + "/expected/connectors") }
        for (name, lines) in logical {
            let file = try OutputFile(path: "\(directory)/expected/connectors/\(name).jsonl")
            for l in lines.sorted() { try file.write(Array((l + "\n").utf8)) }
            try file.commit()
            report.connectorRows[name] = lines.count
        }
        try writeFile(directory + "/schema.cql", Array(schemaText.utf8))
        try writeFile(directory + "/tokenmap.json", Array(tokenMap.json().utf8))
        let writer = try BackupWriter(schemaText: schemaText, tokenMap: tokenMap,
                                      options: .init(backupName: options.backupName, outputDirectory: directory + "/backups",
                                                     started: options.started, version: options.version, codec: options.codec,
                                                     memtableBudget: options.memtableBudget))
        report.backup = try writer.write(mutations: directory + "/mutations.jsonl")
        let info = JSONValue.object([
            ("seed", .int(Int64(bitPattern: options.seed))), ("families", .array(options.families.map { .string($0.rawValue) })),
            ("datacenters", .int(Int64(options.datacenters))), ("nodes_per_datacenter", .int(Int64(options.nodesPerDatacenter))),
            ("vnodes", .int(Int64(options.vnodes))), ("replication_factor", .int(Int64(options.replicationFactor))),
            ("flushes", .int(Int64(options.flushes))), ("size_mb", .number(String(options.sizeMB))),
            ("wide_rows", .int(Int64(options.wideRows))), ("missing_replica_rate", .number(String(options.missingReplicaRate))),
            ("backup", .string(options.backupName)), ("started", .string(ValueJSON.timestampString(milliseconds: options.started * 1000))),
            ("reference_time", .string(ValueJSON.timestampString(milliseconds: options.started * 1000))),
            ("lines", .int(Int64(report.lines))), ("partitions", .int(Int64(report.partitions))),
            ("expected_rows", .object(report.expectedRows.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ("connector_rows", .object(report.connectorRows.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ("backup_bytes", .int(report.backupBytes)),
        ])
        try writeFile(directory + "/synth.json", Array((info.text + "\n").utf8))
        return report
    }
}

struct ExpectedRow {
    var token: Int64
    var key: [UInt8]
    var block: Int
    var row: Int
    var text: String
}

/// One family's generation: its own random stream, flush files, expected rows and budget.
final class FamilyGenerator {
    unowned let cluster: SyntheticCluster
    let family: SynthOptions.Family
    var random: SynthRandom
    let budget: Double
    var flushFiles: [OutputFile] = []
    var expected: [String: [ExpectedRow]] = [:]
    /// A connector's expected output, by file name (expected/connectors/<name>.jsonl).
    var logical: [String: [String]] = [:]
    /// KV: the plain value behind each compressed stored one; each staged chunk set.
    var kvPlain: [[UInt8]: [UInt8]] = [:]
    var kvChunkSets: [String: (plain: [UInt8], complete: Bool, chunks: Int)] = [:]
    var lines = 0
    var partitions = 0
    var error: Error?
    private var sequence = 0
    private var blockCounter = 0
    /// Estimated backup bytes written so far, over all replicas.
    var estimatedBytes: Double = 0

    init(cluster: SyntheticCluster, family: SynthOptions.Family, seed: UInt64, budget: Double, directory: String) throws {
        self.cluster = cluster
        self.family = family
        random = SynthRandom(seed: seed)
        self.budget = budget
        for f in 1...cluster.options.flushes {
            flushFiles.append(try OutputFile(path: "\(directory)/.mutations-\(family.rawValue)-flush-\(f).jsonl"))
        }
    }

    var options: SynthOptions { cluster.options }
    var schema: CQLSchema { cluster.schema }
    var started: Int64 { cluster.options.started }
    var firstSecond: Int64 { cluster.firstSecond }

    func generate() throws {
        switch family {
        case .types: try TypesFamily.generate(self, until: budget)
        case .kv: try KeyValueFamily.generate(self, until: budget)
        case .ts: try TimeSeriesFamily.generate(self, until: budget)
        }
    }

    /// Starts a partition of `table`: its writes are collected, then `finish()` applies them to
    /// a reference model of their own, records the expected rows and writes the lines.
    func partition(_ table: String, _ key: [(String, JSONValue)]) throws -> SynthPartition {
        guard let t = schema.table(table) else { fatalError("synth table \(table) is not in its schema") }
        let parts = try t.partitionKey.map { c in try ValueEncoder.encode(key.first { $0.0 == c.name }!.1, as: c.type) }
        let bytes = parts.count == 1 ? parts[0] : try ValueEncoder.compositeKey(parts)
        let token = Murmur3.token(bytes)
        let ks = String(table.split(separator: ".")[0])
        partitions += 1
        blockCounter += 1
        return SynthPartition(cluster: self, table: table, key: .object(key), keyBytes: bytes, token: token,
                              replicas: cluster.placements[ks]!.replicas(of: token), block: blockCounter)
    }

    /// Backup bytes (LZ4-compressed SSTables, all components) per byte of a line, per replica:
    /// measured on the default families (hex blobs, JSON text and compressible values).
    static let backupBytesPerLineByte = 0.22

    func finish(_ p: SynthPartition) throws {
        let model = ReferenceModel(schema: schema)
        for (line, _) in p.lines {
            sequence += 1
            try model.apply(try Mutation(line, line: sequence, file: "synth"))
        }
        for (i, row) in try model.rows(table: p.table, now: options.started).enumerated() {
            expected[p.table, default: []].append(ExpectedRow(token: p.token, key: p.keyBytes, block: p.block, row: i, text: row))
        }
        if family == .kv { try KeyValueFamily.expect(self, table: p.table, model: model) }
        for (line, flush) in p.lines {
            let text = line.text
            var nodes = 1
            if case .array(let n)? = line["nodes"] { nodes = n.count }
            estimatedBytes += Double(text.utf8.count) * Self.backupBytesPerLineByte * Double(nodes)
            try flushFiles[flush - 1].write(Array((text + "\n").utf8))
            lines += 1
        }
    }

    /// The flush of a write made at `second`: the month is split into as many windows as
    /// there are flushes; a tenth of the writes arrive a flush late.
    func flush(at second: Int64) -> Int {
        let window = max(1, (options.started - firstSecond) / Int64(options.flushes))
        var f = Int(min(Int64(options.flushes), max(1, 1 + (second - firstSecond) / window)))
        if f < options.flushes && random.chance(0.1) { f += 1 }
        return f
    }
}

/// The writes of one partition (or one block of a wide partition).
final class SynthPartition {
    unowned let cluster: FamilyGenerator
    let table: String
    let key: JSONValue
    let keyBytes: [UInt8]
    let token: Int64
    let replicas: [String]
    let block: Int
    var lines: [(JSONValue, Int)] = []
    private var usedTimestamps = Set<Int64>()

    init(cluster: FamilyGenerator, table: String, key: JSONValue, keyBytes: [UInt8], token: Int64, replicas: [String], block: Int) {
        self.cluster = cluster
        self.table = table
        self.key = key
        self.keyBytes = keyBytes
        self.token = token
        self.replicas = replicas
        self.block = block
    }

    /// A write timestamp (µs) within the second, unique in the partition.
    func timestamp(second: Int64) -> Int64 {
        var ts = second * 1_000_000 + Int64(cluster.random.int(1_000_000))
        while !usedTimestamps.insert(ts).inserted { ts += 1 }
        return ts
    }

    /// A random second in the month before the backup.
    func second() -> Int64 { cluster.firstSecond + Int64(cluster.random.int(Int(cluster.started - cluster.firstSecond))) }

    /// Emits one line. `nodes` defaults to every replica, minus one now and then.
    func write(_ kind: Mutation.Kind, clustering: [(String, JSONValue)]? = nil, fields: [(String, JSONValue)] = [],
               at ts: Int64, ttl: Int? = nil, flush: Int? = nil, nodes: [String]? = nil) {
        var targets = nodes ?? replicas
        if nodes == nil, targets.count > 1, cluster.random.chance(cluster.options.missingReplicaRate) {
            targets.remove(at: cluster.random.int(targets.count))
        }
        let flushNumber = flush ?? cluster.flush(at: ts / 1_000_000)
        var line: [(String, JSONValue)] = [("nodes", .array(targets.map { .string($0) })), ("flush", .int(Int64(flushNumber))),
                                          ("table", .string(table)), ("kind", .string(kind.rawValue)), ("partition", key)]
        if let clustering { line.append(("clustering", .object(clustering))) }
        line += fields
        line.append(("timestamp", .int(ts)))
        if let ttl { line.append(("ttl", .int(Int64(ttl)))) }
        lines.append((.object(line), flushNumber))
    }
}
