import Cassandra
import Columnar
import Engine
import ObjectStore
import SQL
import Threads

/// The `cassandra` catalog: the backups in one store (../shared/docs/backup-layout.md) as
/// tables. `cassandra.ks.t` is table `t` of keyspace `ks` in the latest backup that satisfies
/// the read's consistency (or the pinned backup, or the one `AS OF` picks), with that
/// backup's schema and topology; `cassandra.system.backups`, `.sstables` and `.tables`
/// describe what the store holds.
///
/// Settings read at each statement: `consistency` ('ALL' default, 'QUORUM', 'ONE'),
/// `ttl_reference_time` (a timestamp; default the backup's start), `cassandra_exact_types`
/// ('text' reads varint, decimal and time as text), `cassandra_split_mb` (split size;
/// automatic when unset).
public final class CassandraCatalog: CatalogProvider, @unchecked Sendable {
    // Immutable after init.
    public let backups: BackupCatalog
    /// The backup every table reads unless AS OF names another (ATTACH … (BACKUP 'name')).
    public let pinnedBackup: String?
    public var kind: String { "cassandra" }
    /// The name it is attached under: the cluster, as queries and lineage name it.
    private let nameLock = Monitor()
    private var attachedName = "cassandra"
    public var name: String { nameLock.withLock { attachedName } }

    public func attached(as name: String) { nameLock.withLock { attachedName = name } }

    public init(store: any ObjectStore, prefix: String = "", backup: String? = nil) {
        backups = BackupCatalog(store: store, prefix: prefix)
        pinnedBackup = backup
    }

    /// `file:///path` or a plain path; S3 comes with its store.
    public static func open(url: String, options: [String: String]) throws -> CassandraCatalog {
        var path = url
        if path.hasPrefix("file://") { path = String(path.dropFirst("file://".count)) }
        else if let colon = path.firstIndex(of: ":"), path[..<colon].allSatisfy(\.isLetter), path[colon...].hasPrefix("://") {
            throw SQLError(.catalog, "\(url): only file:// folders are supported for now (S3 comes behind the same store protocol)")
        }
        guard LocalFiles.status(path)?.isDirectory == true else { throw SQLError(.catalog, "\(url): no such folder") }
        for k in options.keys where k != "backup" && k != "prefix" {
            throw SQLError(.catalog, "ATTACH … (TYPE cassandra) takes BACKUP and PREFIX, not \(k.uppercased())")
        }
        return CassandraCatalog(store: LocalFolderStore(root: path), prefix: options["prefix"] ?? "", backup: options["backup"])
    }

    public static let factory: CatalogFactory = { url, options in try CassandraCatalog.open(url: url, options: options) }

    // MARK: resolving names

    public func table(_ path: [String], version: TableVersion?, context: CatalogContext) throws -> TableProvider? {
        guard path.count == 2 else {
            throw SQLError(.catalog, "cassandra tables are named catalog.keyspace.table (\(path.joined(separator: ".")) has \(path.count) parts)")
        }
        if path[0].lowercased() == "system" {
            if version != nil { throw SQLError(.catalog, "system tables describe every backup; AS OF does not apply") }
            return try SystemTables.table(path[1].lowercased(), of: self)
        }
        let consistency = try Self.consistency(context)
        let (candidates, pinned) = try self.candidates(version: version)
        // The newest candidate whose replicas satisfy the consistency; a named backup must.
        var firstError: ReadPlan.PlanError?
        for backup in candidates {
            do {
                if path[1].contains("*") || path[1].contains("?") {
                    return try openUnion(keyspace: path[0], pattern: path[1], in: backup, consistency: consistency, context: context)
                }
                return try openTable(keyspace: path[0], table: path[1], in: backup, consistency: consistency, context: context)
            } catch let e as ReadPlan.PlanError {
                if pinned { throw SQLError(.catalog, "cassandra.\(path[0]).\(path[1]): \(e.message)") }
                if firstError == nil { firstError = e }
            }
        }
        throw SQLError(.catalog, "cassandra.\(path[0]).\(path[1]): no backup\(Self.when(version)) satisfies consistency \(consistency.rawValue); the newest: \(firstError!.message)")
    }

    static func when(_ version: TableVersion?) -> String {
        guard case .asOfTime(let micros)? = version else { return "" }
        return " started at or before \(ValueJSON.timestampString(microseconds: micros))"
    }

    public func tableNames(context: CatalogContext) throws -> [[String]] {
        var names = SystemTables.names.map { ["system", $0] }
        guard let b = try backups.latestComplete() ?? backups.backups().last, let node = b.nodes.first(where: \.isComplete) ?? b.nodes.first else { return names }
        let schema = try parseSchema(of: node)
        names += schema.tables.compactMap { t in t.keyspace.flatMap { ks in t.name.map { [ks, $0] } } }.sorted { $0.joined() < $1.joined() }
        return names
    }

    static func consistency(_ context: CatalogContext) throws -> ReadConsistency {
        guard let text = context.settings["consistency"] else { return .all }
        guard let c = ReadConsistency(rawValue: text.uppercased()) else {
            throw SQLError(.catalog, "consistency '\(text)' is not one of ALL, QUORUM, ONE")
        }
        return c
    }

    /// The backups a read may use, newest first, and whether they were named (VERSION AS OF,
    /// ATTACH … BACKUP): those started at or before a SYSTEM_TIME, or all. Each needs at least
    /// one complete node backup; the read plan then checks its replicas per range.
    func candidates(version: TableVersion?) throws -> ([BackupCatalog.ClusterBackup], pinned: Bool) {
        let all = try backups.backups()
        func describe() -> String {
            all.isEmpty ? "the store \(backups.store.location) has no backups"
                : "backups: " + all.map { "\($0.name) (\(ValueJSON.timestampString(milliseconds: $0.started * 1000))\($0.isComplete ? "" : ", incomplete"))" }.joined(separator: ", ")
        }
        var name: String? = pinnedBackup
        var before: Int64?
        switch version {
        case .named(let n)?: name = n
        case .asOfTime(let micros)?:
            name = nil
            before = micros >= 0 ? micros / 1_000_000 : -((-micros + 999_999) / 1_000_000)
        case nil: break
        }
        if let name {
            guard let b = all.first(where: { $0.name == name }) else { throw SQLError(.catalog, "no backup named \(name); \(describe())") }
            guard b.nodes.contains(where: \.isComplete) else { throw SQLError(.catalog, "backup \(name) has no complete node backup; \(describe())") }
            return ([b], true)
        }
        let eligible = all.filter { b in (before.map { b.started <= $0 } ?? true) && b.nodes.contains(where: \.isComplete) }
        guard !eligible.isEmpty else {
            throw SQLError(.catalog, "no complete backup\(Self.when(version)); \(describe())")
        }
        return (eligible.reversed(), false)
    }

    func parseSchema(of node: BackupCatalog.NodeBackup) throws -> CQLSchema {
        let text = try backups.schemaText(of: node)
        do { return try CQLSchemaParser.parseSchema(text) } catch let e as CQLSchemaParser.ParseError {
            throw SQLError(.catalog, "\(backups.store.location)/\(backups.prefix)\(node.fqdn)/\(node.name)/meta/schema.cql: \(e)")
        }
    }

    /// The union of the nodes' token maps (each node's may list only its datacenter).
    func tokenMap(_ backup: BackupCatalog.ClusterBackup) throws -> TokenMap? {
        var nodes: [String: TokenMap.Node] = [:]
        var any = false
        for n in backup.nodes {
            guard let m = try backups.tokenMap(of: n) else { continue }
            any = true
            for node in m.nodes where nodes[node.fqdn] == nil { nodes[node.fqdn] = node }
        }
        return any ? TokenMap(nodes: nodes.values.sorted { $0.fqdn < $1.fqdn }) : nil
    }

    /// The tables of `keyspace` in `backup` whose names match `pattern`, as one table.
    func openUnion(keyspace: String, pattern: String, in backup: BackupCatalog.ClusterBackup,
                   consistency: ReadConsistency, context: CatalogContext) throws -> TableUnion {
        guard let first = backup.nodes.first(where: \.isComplete) else { throw SQLError(.catalog, "backup \(backup.name) has no complete node backup") }
        let schema = try parseSchema(of: first)
        let inKeyspace = schema.tables.filter { $0.keyspace?.lowercased() == keyspace.lowercased() }.compactMap(\.name).sorted()
        let names = inKeyspace.filter { TableUnion.matches($0, pattern) }
        guard !names.isEmpty else {
            throw SQLError(.catalog, "\(name).\(keyspace).\"\(pattern)\": no table of backup \(backup.name) matches (keyspace \(keyspace) has \(inKeyspace.isEmpty ? "no tables" : inKeyspace.joined(separator: ", ")))")
        }
        let tables = try names.map { n in
            guard let t = try openTable(keyspace: keyspace, table: n, in: backup, consistency: consistency, context: context) else {
                throw SQLError(.catalog, "\(name).\(keyspace).\(n) is in the schema but cannot be opened")
            }
            return t
        }
        return try TableUnion(pattern: "\(name).\(keyspace).\"\(pattern)\"", tables: tables)
    }

    func openTable(keyspace: String, table: String, in backup: BackupCatalog.ClusterBackup,
                   consistency: ReadConsistency, context: CatalogContext) throws -> BackupTable? {
        let complete = backup.nodes.filter(\.isComplete)
        guard let first = complete.first else { throw SQLError(.catalog, "backup \(backup.name) has no complete node backup") }
        let schema = try parseSchema(of: first)
        let match = { (a: String?, b: String) in a == b || a?.lowercased() == b.lowercased() }
        let found = schema.tables.first(where: { match($0.keyspace, keyspace) && match($0.name, table) })
        let ks = found?.keyspace ?? schema.keyspaces.first(where: { match($0.name, keyspace) })?.name ?? keyspace
        let tn = found?.name ?? table
        // Data.db sizes from the manifests: enough to check the replicas before opening anything.
        var objects: [String: [BackupCatalog.ManifestObject]] = [:]
        var nodeBytes: [String: Int64] = [:]
        for node in complete {
            let mine = try backups.manifest(of: node).filter { $0.keyspace == ks && $0.table == tn }.flatMap(\.objects)
            objects[node.fqdn] = mine
            nodeBytes[node.fqdn] = mine.filter { $0.path.hasSuffix("-Data.db") }.reduce(0) { $0 + $1.size }
        }
        let plan = try ReadPlan.make(tokenMap: try tokenMap(backup), keyspace: schema.keyspace(ks), nodeBytes: nodeBytes,
                                     consistency: consistency, backupName: backup.name)
        // Only a backup the consistency accepts says whether the table exists (an older one is
        // not consulted when the newest acceptable backup has no such table).
        guard let tableSchema = found else { return nil }
        // Deep verification of what this read uses; warnings for rewritable components.
        for node in complete {
            for w in try backups.verify(objects[node.fqdn] ?? [], of: node, in: backup) { context.warn(w.description) }
        }
        var sstables: [String: [SSTable]] = [:]
        for node in complete {
            var seen = Set<Descriptor>()
            var files: [SSTable] = []
            for o in objects[node.fqdn] ?? [] {
                guard let s = try openSSTable(key: backups.prefix + o.path, seen: &seen) else { continue }
                files.append(s)
            }
            sstables[node.fqdn] = files
        }
        if !plan.underReplicated.isEmpty {
            context.warn("\(name).\(ks).\(tn): backup \(backup.name): " + plan.notes.last!)
        }
        var reference = backup.started
        var source = "the backup's start"
        if let text = context.settings["ttl_reference_time"] {
            guard let us = Self.parseTimestamp(text) else {
                throw SQLError(.catalog, "ttl_reference_time '\(text)' is not a timestamp (e.g. '2026-11-30T00:00:00Z')")
            }
            reference = us >= 0 ? us / 1_000_000 : -((-us + 999_999) / 1_000_000)
            source = "SET ttl_reference_time"
        }
        let exactText: Bool
        switch context.settings["cassandra_exact_types"]?.lowercased() {
        case nil, "strict"?: exactText = false
        case "text"?: exactText = true
        case let other?: throw SQLError(.catalog, "cassandra_exact_types '\(other)' is not 'strict' or 'text'")
        }
        let total = plan.segments.reduce(0) { $0 + $1.bytes }
        var target = min(128 * 1_048_576, max(4 * 1_048_576, total / 32))
        if let mb = context.settings["cassandra_split_mb"] {
            guard let v = Double(mb), v > 0 else { throw SQLError(.catalog, "cassandra_split_mb '\(mb)' is not a positive number") }
            target = v * 1_048_576
        }
        let table: BackupTable
        do {
            table = try BackupTable(cluster: name, keyspace: ks, table: tn, backup: backup, schema: tableSchema, sstables: sstables, plan: plan,
                                    mapping: CQLTypeMapping(exactAsText: exactText), referenceTime: reference, referenceTimeSource: source,
                                    consistency: consistency, targetSplitBytes: target)
        } catch let e as SSTableError { throw SQLError(.catalog, "\(e)") }
        context.note("read \(name).\(ks).\(tn) from backup \(backup.name) (started \(ValueJSON.timestampString(milliseconds: backup.started * 1000))), "
                     + "TTL reference time \(ValueJSON.timestampString(milliseconds: reference * 1000)) (\(source)), consistency \(consistency.rawValue), "
                     + "\(sstables.values.reduce(0) { $0 + $1.count }) SSTables on \(sstables.count) nodes")
        return table
    }

    /// The SSTable an object of a manifest belongs to, opened once per descriptor (nil for the
    /// other components of one already seen). A local folder is read with pread on its files;
    /// any other store through its ranged reads.
    func openSSTable(key: String, seen: inout Set<Descriptor>) throws -> SSTable? {
        let store = backups.store
        let local = store as? LocalFolderStore
        let full = local.map { $0.root + "/" + key } ?? SSTableFiles.path(of: key, in: store)
        guard let slash = full.lastIndex(of: "/"),
              let (d, _) = try Descriptor.parse(fileName: String(full[full.index(after: slash)...]), directory: String(full[..<slash])),
              seen.insert(d).inserted else { return nil }
        do { return try SSTable(descriptor: d, files: local == nil ? .objects(in: store) : .local) } catch {
            throw SQLError(.catalog, "\(error)")
        }
    }

    /// A TIMESTAMP literal's text (ISO 8601, `Z` or an offset, or none for UTC) in microseconds.
    public static func parseTimestamp(_ text: String) -> Int64? {
        let column = Column.constant(.string(text), type: .varchar, count: 1)
        guard let c = try? Cast.cast(column, to: .timestamp, isTry: false), case .timestamp(let us) = c.value(at: 0) else { return nil }
        return us
    }
}

/// The default `cassandra` catalog when its folder does not exist: every use says so.
public final class UnavailableCatalog: CatalogProvider, @unchecked Sendable {
    public let kind: String
    let reason: String

    public init(kind: String, reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public func table(_ path: [String], version: TableVersion?, context: CatalogContext) throws -> TableProvider? {
        throw SQLError(.catalog, reason)
    }

    public func tableNames(context: CatalogContext) throws -> [[String]] { [] }
}

extension CassandraCatalog {
    /// The session's default `cassandra` catalog: `folder` if given, else `MOVESQL_BACKUPS`,
    /// else `./backups`; and ATTACH … (TYPE cassandra).
    public static func install(in session: Session, folder: String?, environment: [String: String]) throws {
        session.catalogTypes["cassandra"] = factory
        KeyValueFunctions.register(into: session.registry)
        TimeSeriesFunctions.register(into: session.registry)
        let (path, source) = folder.map { ($0, "--backups") } ?? environment["MOVESQL_BACKUPS"].map { ($0, "MOVESQL_BACKUPS") } ?? ("./backups", "the default")
        if LocalFiles.status(path)?.isDirectory == true {
            try session.attach("cassandra", CassandraCatalog(store: LocalFolderStore(root: path)))
        } else {
            try session.attach("cassandra", UnavailableCatalog(kind: "cassandra", reason:
                "the cassandra catalog's folder \(path) (\(source)) does not exist: set MOVESQL_BACKUPS or --backups, or ATTACH 'file:///path' AS name (TYPE cassandra)"))
        }
    }
}
