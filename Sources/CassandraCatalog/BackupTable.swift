import Cassandra
import Columnar
import Engine
import JSON
import SQL

/// One Cassandra table of one cluster backup as a virtual table: every SSTable of every
/// replica merged per token range ("mutation compaction"), live rows at the TTL reference
/// time, as column batches. Splits follow the token ring (ReadPlan); each split merges the
/// files of the replicas of its ranges, so nothing but the current row is held per file.
public final class BackupTable: TableProvider, @unchecked Sendable {
    // Immutable after init; SSTables support concurrent readers.
    public let qualifiedName: String
    /// Lineage: the catalog (cluster) name, keyspace and table it was read as.
    public let cluster: String, keyspace: String, tableName: String
    public let backup: BackupCatalog.ClusterBackup
    public let tableSchema: TableSchema
    public let layout: TableLayout
    public let schema: [Field]
    public let metadataColumns: [Field]
    /// TTL expiry is judged at this time (seconds since the epoch).
    public let referenceTime: Int64
    public let consistency: ReadConsistency
    let mapping: CQLTypeMapping
    let plan: ReadPlan
    let sstables: [String: [SSTable]]
    /// Token bounds per SSTable (by Data.db path), when Summary.db gives them.
    let bounds: [String: (Int64, Int64)]
    let partitioner: Partitioner
    let targetSplitBytes: Double
    let columns: [OutputColumn]
    let referenceTimeSource: String

    enum OutputColumn: Sendable {
        case partitionKey(Int)
        case clustering(Int)
        case cell(Int)
        case writetime(Int)
        case ttl(Int)
        case token
        case lastModified
        /// `backup_source()`: the same value on every row.
        case source
    }

    /// `backup_source()`: where the rows come from, for lineage columns.
    public static let sourceType = DataType.structure([
        Field("cluster", .varchar), Field("keyspace", .varchar), Field("table", .varchar), Field("backup", .varchar),
        Field("snapshot_ts", .timestamp), Field("ttl_reference_time", .timestamp),
    ])

    public var sourceValue: Value {
        .structure([.string(cluster), .string(keyspace), .string(tableName), .string(backup.name),
                    .timestamp(backup.started * 1_000_000), .timestamp(referenceTime * 1_000_000)])
    }

    init(cluster: String, keyspace: String, table: String, backup: BackupCatalog.ClusterBackup, schema tableSchema: TableSchema,
         sstables: [String: [SSTable]], plan: ReadPlan, mapping: CQLTypeMapping, referenceTime: Int64,
         referenceTimeSource: String, consistency: ReadConsistency, targetSplitBytes: Double) throws {
        self.qualifiedName = "\(cluster).\(keyspace).\(table)"
        self.cluster = cluster
        self.keyspace = keyspace
        self.tableName = table
        self.backup = backup
        self.tableSchema = tableSchema
        self.sstables = sstables
        self.plan = plan
        self.mapping = mapping
        self.referenceTime = referenceTime
        self.referenceTimeSource = referenceTimeSource
        self.consistency = consistency
        self.targetSplitBytes = targetSplitBytes
        let all = sstables.values.flatMap { $0 }
        if !all.isEmpty {
            // Checks that every file belongs to this table's primary key and partitioner.
            let reader = try TableReader(sstables: all, schema: tableSchema)
            layout = reader.layout
            partitioner = reader.partitioner
        } else {
            layout = TableLayout(schema: tableSchema)
            partitioner = .murmur3
        }
        var bounds: [String: (Int64, Int64)] = [:]
        for s in all {
            guard let (f, l) = try s.keyBounds(), case .murmur3(let a) = partitioner.token(f), case .murmur3(let b) = partitioner.token(l) else { continue }
            bounds[s.dataFile.path] = (a, b)
        }
        self.bounds = bounds
        var fields: [Field] = []
        var columns: [OutputColumn] = []
        var meta: [Field] = []
        var metaColumns: [OutputColumn] = []
        let s = layout.schema
        for name in s.displayOrder {
            if let i = s.partitionKey.firstIndex(where: { $0.name == name }) {
                fields.append(Field(name, mapping.engineType(s.partitionKey[i].type), nullable: false))
                columns.append(.partitionKey(i))
            } else if let i = s.clustering.firstIndex(where: { $0.name == name }) {
                fields.append(Field(name, mapping.engineType(s.clustering[i].type)))
                columns.append(.clustering(i))
            } else if let i = layout.cellColumns.firstIndex(where: { $0.name == name }) {
                let def = layout.cellColumns[i]
                fields.append(Field(name, mapping.engineType(def.type)))
                columns.append(.cell(i))
                meta.append(Field("writetime(\(name.lowercased()))", .bigint))
                metaColumns.append(.writetime(i))
                meta.append(Field("ttl(\(name.lowercased()))", .integer))
                metaColumns.append(.ttl(i))
            }
        }
        let tokenType: DataType
        switch partitioner {
        case .murmur3: tokenType = .bigint
        case .random: tokenType = .decimal(precision: 38, scale: 0)
        case .byteOrdered: tokenType = .blob
        }
        meta.append(Field("token(" + s.partitionKey.map { $0.name.lowercased() }.joined(separator: ",") + ")", tokenType))
        metaColumns.append(.token)
        meta.append(Field("last_modified()", .timestamp))
        metaColumns.append(.lastModified)
        meta.append(Field("backup_source()", Self.sourceType))
        metaColumns.append(.source)
        self.schema = fields
        self.metadataColumns = meta
        self.columns = columns + metaColumns
    }

    public var estimatedRows: Int? {
        // Rows per file from Statistics.db (partitions where it has no row count), counted
        // once per replica.
        let rows = sstables.values.flatMap { $0 }.reduce(Int64(0)) { $0 + ($1.statistics.stats.totalRows ?? $1.statistics.stats.estimatedPartitionCount) }
        let replicas = max(1, plan.segments.first?.nodes.count ?? 1)
        return Int(rows) / replicas
    }

    // MARK: pushdown

    /// Partition-key equalities (and IN lists) narrow the read to those partitions; token
    /// comparisons to those ranges. The engine still applies both (inexact): they only decide
    /// what is read.
    public func supportsFilter(_ filter: BoundExpr) -> FilterPushdown {
        if keyConstraint(filter) != nil || tokenConstraint(filter) != nil || modifiedSince(filter) != nil
            || clusteringConstraint(filter) != nil { return .inexact }
        return .unsupported
    }

    /// `ck <op> constant` over a clustering column whose Cassandra order is the engine's
    /// order for its values: its index, the comparison (column on the left) and the value
    /// serialized as Cassandra stores it.
    func clusteringConstraint(_ e: BoundExpr) -> (column: Int, op: String, value: [UInt8])? {
        guard case .call(let f, let args) = e, args.count == 2, ["=", "<", "<=", ">", ">="].contains(f.name) else { return nil }
        func column(_ x: BoundExpr) -> Int? {
            var x = x
            // Only widening integer casts keep the order (the binder adds them to compare an
            // int column with a bigint literal).
            if case .cast(let inner, let to, _) = x {
                guard Self.integerWidth(inner.type).map({ w in Self.integerWidth(to).map { $0 >= w } ?? false }) ?? false else { return nil }
                x = inner
            }
            guard case .column(let i, _) = x, i < columns.count, case .clustering(let k) = columns[i] else { return nil }
            return k
        }
        var op = f.name
        let k: Int, constant: Value
        if let c = column(args[0]), case .constant(let v, _) = args[1] { k = c; constant = v } else if let c = column(args[1]), case .constant(let v, _) = args[0] {
            k = c
            constant = v
            switch op { case "<": op = ">"; case "<=": op = ">="; case ">": op = "<"; case ">=": op = "<="; default: break }
        } else { return nil }
        let type = layout.schema.clustering[k].type.base
        switch type {
        case .tinyint, .smallint, .int, .bigint, .text, .ascii, .timestamp, .date, .blob, .boolean: break
        // Equal values only: their Cassandra order differs from the engine's (UUID versions,
        // inet bytes against text), or equality does (-0.0 and 0.0, NaN).
        case .uuid, .timeuuid, .inet: guard op == "=" else { return nil }
        default: return nil
        }
        guard let bytes = KeyEncoding.encode(constant, as: type) else { return nil }
        return (k, op, bytes)
    }

    static func integerWidth(_ t: DataType) -> Int? {
        switch t {
        case .tinyint: return 1
        case .smallint: return 2
        case .integer: return 4
        case .bigint: return 8
        default: return nil
        }
    }

    /// The clustering range the accepted filters allow, in clustering order: equalities on
    /// a prefix of the clustering columns, then a range on the next one (a descending column's
    /// range turned around). Nil when they constrain nothing that way.
    func clusteringSlice(_ filters: [BoundExpr]) -> ClusteringSlice? {
        let clustering = layout.schema.clustering
        guard !clustering.isEmpty else { return nil }
        var equal = [[UInt8]?](repeating: nil, count: clustering.count)
        var lower = [(value: [UInt8], inclusive: Bool)?](repeating: nil, count: clustering.count)
        var upper = lower
        for f in filters {
            guard let (k, op, v) = clusteringConstraint(f) else { continue }
            let type = clustering[k].type.base
            switch op {
            case "=":
                if equal[k] == nil { equal[k] = v }
            case ">", ">=":
                let inclusive = op == ">="
                if let old = lower[k] {
                    let c = ValueComparator.compare(v[...], old.value[...], as: type)
                    if c > 0 || (c == 0 && !inclusive) { lower[k] = (v, inclusive) }
                } else { lower[k] = (v, inclusive) }
            default:
                let inclusive = op == "<="
                if let old = upper[k] {
                    let c = ValueComparator.compare(v[...], old.value[...], as: type)
                    if c < 0 || (c == 0 && !inclusive) { upper[k] = (v, inclusive) }
                } else { upper[k] = (v, inclusive) }
            }
        }
        var prefix: ClusteringValues = []
        var k = 0
        while k < clustering.count, let v = equal[k] {
            prefix.append(v[...])
            k += 1
        }
        var start = prefix.isEmpty ? nil : ClusteringBound(values: prefix, kind: .inclusiveStart)
        var end = prefix.isEmpty ? nil : ClusteringBound(values: prefix, kind: .inclusiveEnd)
        if k < clustering.count {
            var (from, to) = (lower[k], upper[k])
            if case .reversed = clustering[k].type { swap(&from, &to) }
            if let from { start = ClusteringBound(values: prefix + [from.value[...]], kind: from.inclusive ? .inclusiveStart : .exclusiveStart) }
            if let to { end = ClusteringBound(values: prefix + [to.value[...]], kind: to.inclusive ? .inclusiveEnd : .exclusiveEnd) }
        }
        if start == nil && end == nil { return nil }
        return ClusteringSlice(start: start, end: end)
    }

    /// The slice in CQL terms, for EXPLAIN.
    func describe(_ slice: ClusteringSlice) -> String {
        func bound(_ b: ClusteringBound) -> String {
            let names = layout.schema.clustering.prefix(b.values.count).map(\.name)
            let values = zip(b.values, layout.schema.clustering).map { v, c in
                v.map { (try? ValueJSON.render(ValueDecoder.decode($0, as: c.type))) ?? "0x" + ValueJSON.hexString(Array($0)) } ?? "null"
            }
            let tuple = names.count == 1 ? "\(names[0])" : "(\(names.joined(separator: ", ")))"
            let value = values.count == 1 ? values[0] : "(\(values.joined(separator: ", ")))"
            let op: String
            switch b.kind {
            case .inclusiveStart: op = ">="
            case .exclusiveStart: op = ">"
            case .inclusiveEnd: op = "<="
            default: op = "<"
            }
            return "\(tuple) \(op) \(value)"
        }
        return [slice.start.map(bound), slice.end.map(bound)].compactMap { $0 }.joined(separator: " and ") + " in clustering order"
    }

    /// `last_modified() > constant` (or >=): the write time (µs) a row's newest live data must
    /// pass, and whether equal passes.
    func modifiedSince(_ e: BoundExpr) -> (micros: Int64, inclusive: Bool)? {
        guard case .call(let f, let args) = e, args.count == 2 else { return nil }
        let index = schema.count + metadataColumns.count - 2
        func isLastModified(_ x: BoundExpr) -> Bool { if case .column(let i, _) = x { return i == index } else { return false } }
        func constant(_ x: BoundExpr) -> Int64? { if case .constant(.timestamp(let t), _) = x { return t } else { return nil } }
        if isLastModified(args[0]), let t = constant(args[1]) {
            if f.name == ">" { return (t, false) }
            if f.name == ">=" { return (t, true) }
        }
        if isLastModified(args[1]), let t = constant(args[0]) {
            if f.name == "<" { return (t, false) }
            if f.name == "<=" { return (t, true) }
        }
        return nil
    }

    /// With `last_modified() > T` only partitions that some SSTable newer than T holds can
    /// match (every timestamp of an older file is at most T), so those partitions are found
    /// in the newer files' Index.db and read, whole, from every file of their replicas. Nil
    /// when that is not cheaper: a file without Index.db, or too many partitions.
    static let maxPrunedPartitions = 2_000

    func recentPartitions(_ segment: Segment, since bound: (micros: Int64, inclusive: Bool)) throws -> [[UInt8]]? {
        let filter: PartitionFilter = partitioner == .murmur3 ? .tokenRange(after: segment.after.map(Token.murmur3), upTo: segment.upTo.map(Token.murmur3)) : .all
        var keys: [(Cassandra.Token, [UInt8])] = []
        var seen = Set<[UInt8]>()
        for node in segment.nodes {
            for s in files(of: node, range: (segment.after, segment.upTo)) {
                let newest = s.statistics.stats.maxTimestamp
                guard bound.inclusive ? newest >= bound.micros : newest > bound.micros else { continue }
                guard let found = try s.partitionKeys(filter) else { return nil }
                for k in found where seen.insert(k).inserted { keys.append((partitioner.token(k), k)) }
                if keys.count > Self.maxPrunedPartitions { return nil }
            }
        }
        return keys.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.lexicographicallyPrecedes($1.1) }.map(\.1)
    }

    /// `pk = constant` or `pk IN (constants)` over a partition key column: its index and values.
    func keyConstraint(_ e: BoundExpr) -> (column: Int, values: [Value])? {
        guard case .call(let f, let args) = e else { return nil }
        let keyColumns = columns.indices.compactMap { i -> (Int, Int)? in if case .partitionKey(let k) = columns[i] { return (i, k) } else { return nil } }
        func column(_ x: BoundExpr) -> Int? {
            var x = x
            if case .cast(let inner, _, _) = x { x = inner }
            guard case .column(let i, _) = x else { return nil }
            return keyColumns.first { $0.0 == i }?.1
        }
        func constant(_ x: BoundExpr) -> Value? { if case .constant(let v, _) = x { return v } else { return nil } }
        if f.name == "=", args.count == 2 {
            if let c = column(args[0]), let v = constant(args[1]) { return (c, [v]) }
            if let c = column(args[1]), let v = constant(args[0]) { return (c, [v]) }
        }
        if f.name == "in", args.count >= 2, let c = column(args[0]) {
            let vs = args.dropFirst().compactMap(constant)
            if vs.count == args.count - 1 { return (c, vs) }
        }
        return nil
    }

    /// `token(pk) <op> constant` (Murmur3): the range of tokens it allows, as (after, upTo].
    func tokenConstraint(_ e: BoundExpr) -> (after: Int64?, upTo: Int64?)? {
        guard partitioner == .murmur3, case .call(let f, let args) = e, args.count == 2 else { return nil }
        let tokenIndex = schema.count + metadataColumns.count - 3
        func isToken(_ x: BoundExpr) -> Bool { if case .column(let i, _) = x { return i == tokenIndex } else { return false } }
        func constant(_ x: BoundExpr) -> Int64? {
            if case .constant(.int(let v), _) = x { return v }
            return nil
        }
        var op = f.name
        var value: Int64
        if isToken(args[0]), let v = constant(args[1]) { value = v } else if isToken(args[1]), let v = constant(args[0]) {
            value = v
            switch op { case "<": op = ">"; case "<=": op = ">="; case ">": op = "<"; case ">=": op = "<="; default: break }
        } else { return nil }
        switch op {
        case ">": return (value, nil)
        case ">=": return value == .min ? (nil, nil) : (value - 1, nil)
        case "<": return value == .min ? (.min, .min) : (nil, value - 1)
        case "<=": return (nil, value)
        case "=": return value == .min ? (.min, .min) : (value - 1, value)
        default: return nil
        }
    }

    /// The serialized partition keys the accepted filters pin, or nil when they do not pin
    /// every key column (empty: no partition can match).
    func pinnedKeys(_ filters: [BoundExpr]) -> [[UInt8]]? {
        let pk = layout.schema.partitionKey
        var allowed: [[Value]?] = Array(repeating: nil, count: pk.count)
        for f in filters {
            guard let (c, vs) = keyConstraint(f) else { continue }
            allowed[c] = allowed[c].map { old in old.filter(vs.contains) } ?? vs
        }
        guard allowed.allSatisfy({ $0 != nil }) else { return nil }
        var combos: [[[UInt8]]] = [[]]
        for (i, vs) in allowed.enumerated() {
            var encoded: [[UInt8]] = []
            for v in vs! {
                guard let b = KeyEncoding.encode(v, as: pk[i].type) else {
                    if v.isNull { continue }
                    return nil
                }
                if !encoded.contains(b) { encoded.append(b) }
            }
            combos = combos.flatMap { prefix in encoded.map { prefix + [$0] } }
            if combos.count > 10_000 { return nil }
        }
        return combos.compactMap { parts in parts.count == 1 ? parts[0] : try? ValueEncoder.compositeKey(parts) }
    }

    // MARK: splits

    public func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
        let projection = request.projection ?? Array(schema.indices)
        let outputs = projection.map { columns[$0] }
        let types = projection.map { i in i < schema.count ? schema[i].type : metadataColumns[i - schema.count].type }
        let slice = clusteringSlice(request.filters)
        if let slice, slice.isEmpty(layout.comparator) {
            return [BackupScanPartition(table: self, reads: [], outputs: outputs, types: types, rows: 0)]
        }
        if let keys = pinnedKeys(request.filters) {
            // One partition per key, in token order, each from its own replicas.
            let tokened = keys.map { (key: $0, token: partitioner.token($0)) }.sorted { $0.token != $1.token ? $0.token < $1.token : $0.key.lexicographicallyPrecedes($1.key) }
            let parts: [ScanPartition] = tokened.map { k in
                var nodes = sstables.keys.sorted()
                if case .murmur3(let t) = k.token, let seg = plan.segments.first(where: { $0.contains(t) }) { nodes = seg.nodes }
                else if case .murmur3 = k.token { nodes = [] }
                return BackupScanPartition(table: self, reads: [ScanRead(filter: .key(k.key), nodes: nodes, slice: slice)], outputs: outputs, types: types, rows: 1)
            }
            return parts.isEmpty ? [BackupScanPartition(table: self, reads: [], outputs: outputs, types: types, rows: 0)] : parts
        }
        var segments = plan.segments
        for f in request.filters {
            guard let (a, b) = tokenConstraint(f) else { continue }
            segments = segments.compactMap { $0.clipped(after: a, upTo: b) }
        }
        let clippedPlan = ReadPlan(segments: segments, underReplicated: plan.underReplicated, notes: plan.notes)
        let groups = clippedPlan.splits(targetBytes: targetSplitBytes)
        let totalBytes = max(1, plan.segments.reduce(0) { $0 + $1.bytes })
        let rows = Double(estimatedRows ?? 0)
        let since = request.filters.lazy.compactMap { self.modifiedSince($0) }.max { $0.micros < $1.micros }
        return try groups.map { group in
            var reads: [ScanRead] = []
            for s in group {
                let range = ScanRead(filter: partitioner == .murmur3 ? .tokenRange(after: s.after.map(Token.murmur3), upTo: s.upTo.map(Token.murmur3)) : .all,
                                     nodes: s.nodes, range: (s.after, s.upTo), slice: slice)
                if let since, let keys = try recentPartitions(s, since: since) {
                    reads += keys.map { ScanRead(filter: .key($0), nodes: s.nodes, slice: slice) }
                } else {
                    reads.append(range)
                }
            }
            let bytes = group.reduce(0) { $0 + $1.bytes }
            return BackupScanPartition(table: self, reads: reads, outputs: outputs, types: types, rows: Int(rows * bytes / totalBytes))
        }
    }

    public func explainDetails(_ request: ScanRequest) -> [String] {
        var lines = ["backup \(backup.name) started \(ValueJSON.timestampString(milliseconds: backup.started * 1000)), \(sstables.values.reduce(0) { $0 + $1.count }) SSTables on \(sstables.count) nodes",
                     "ttl reference time \(ValueJSON.timestampString(milliseconds: referenceTime * 1000)) (\(referenceTimeSource))"]
        lines += plan.notes
        if let slice = clusteringSlice(request.filters) {
            lines.append(slice.isEmpty(layout.comparator) ? "clustering slice: empty (no row can match; nothing is read)"
                         : "clustering slice: \(describe(slice)); partitions entered through Index.db's promoted index at the block holding the start, left at the end")
        }
        if let keys = pinnedKeys(request.filters) {
            lines.append("partition key pinned: \(keys.count) partition\(keys.count == 1 ? "" : "s") read through Summary.db/Index.db")
            return lines
        }
        let parts = ((try? partitions(request)) ?? []).compactMap { $0 as? BackupScanPartition }
        if let since = request.filters.lazy.compactMap({ self.modifiedSince($0) }).max(by: { $0.micros < $1.micros }) {
            let all = sstables.values.flatMap { $0 }
            let newer = all.filter { since.inclusive ? $0.statistics.stats.maxTimestamp >= since.micros : $0.statistics.stats.maxTimestamp > since.micros }
            let keys = parts.reduce(0) { n, p in n + p.reads.filter { if case .key = $0.filter { return true } else { return false } }.count }
            lines.append("last_modified() pruning: \(newer.count) of \(all.count) SSTables are newer than the bound; \(keys) partition\(keys == 1 ? "" : "s") found in their Index.db read from every replica file (ranges with more than \(Self.maxPrunedPartitions) are read whole)")
        }
        let mib = plan.segments.reduce(0) { $0 + $1.bytes } / 1_048_576
        lines.append("splits: \(parts.count) of ~\(String(format1(targetSplitBytes / 1_048_576))) MiB Data.db each (\(String(format1(mib))) MiB over \(plan.segments.count) token ranges, replicas counted)")
        return lines
    }

    func format1(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// The files of `node` to read for `range`: those whose key span can overlap it.
    func files(of node: String, range: (Int64?, Int64?)?) -> [SSTable] {
        let all = sstables[node] ?? []
        guard let range else { return all }
        return all.filter { s in
            guard let (lo, hi) = bounds[s.dataFile.path] else { return true }
            if let a = range.0, hi <= a { return false }
            if let b = range.1, lo > b { return false }
            return true
        }
    }
}

/// One merged read: the files of `nodes` restricted to `filter`.
struct ScanRead: Sendable {
    var filter: PartitionFilter
    var nodes: [String]
    var range: (Int64?, Int64?)?
    /// The clustering range read of each partition.
    var slice: ClusteringSlice?

    init(filter: PartitionFilter, nodes: [String], range: (Int64?, Int64?)? = nil, slice: ClusteringSlice? = nil) {
        self.filter = filter
        self.nodes = nodes
        self.range = range
        self.slice = slice
    }
}

struct BackupScanPartition: ScanPartition, @unchecked Sendable {
    let table: BackupTable
    let reads: [ScanRead]
    let outputs: [BackupTable.OutputColumn]
    let types: [DataType]
    let rows: Int

    var estimatedRows: Int? { rows }

    func open() throws -> BatchStream { BackupScanStream(self) }
}

/// Encodes engine values of partition key columns as Cassandra serializes them, through the
/// one value encoder (`ValueEncoder`, from the values' fixture-JSON text). Nil when the value
/// has no exact key form.
enum KeyEncoding {
    static func encode(_ v: Value, as t: CQLType) -> [UInt8]? {
        let json: JSONValue
        switch (v, t.base) {
        case (.null, _): return nil
        case (.string(let s), .ascii), (.string(let s), .text), (.string(let s), .inet): json = .string(s)
        case (.int(let n), .tinyint), (.int(let n), .smallint), (.int(let n), .int), (.int(let n), .bigint), (.int(let n), .varint):
            json = .int(n)
        case (.bool(let b), .boolean): json = .bool(b)
        case (.uuid(let u), .uuid), (.uuid(let u), .timeuuid):
            json = .string(ValueJSON.uuidString((0..<16).map { UInt8(truncatingIfNeeded: u >> (8 * (15 - $0))) }))
        case (.timestamp(let us), .timestamp):
            // A key with sub-millisecond digits names no stored partition.
            guard us % 1000 == 0 else { return nil }
            json = .string(ValueJSON.timestampString(milliseconds: us / 1000))
        case (.date(let d), .date): json = .string(ValueJSON.dateString(daysSinceEpoch: Int64(d)))
        case (.blob(let b), .blob): json = .string("0x" + ValueJSON.hexString(b))
        case (.double(let d), .double): json = .number(String(d))
        case (.float(let f), .float): json = .number(String(f))
        default: return nil
        }
        return try? ValueEncoder.encode(json, as: t)
    }
}
