import JSON
import ObjectStore

/// The backups in a store, found and judged exactly as ../shared/docs/backup-layout.md says:
/// a node backup exists iff `<fqdn>/<backup>/meta/schema.cql` exists and is complete iff its
/// `meta/manifest.json` does; a cluster backup is complete iff every node named in the union
/// of its nodes' token maps has a complete node backup. Backups are ordered by start time (the
/// earliest node's schema.cql time), not by name. The index folder is a cache and is not read.
public struct BackupCatalog: Sendable {
    public let store: any ObjectStore
    /// Keys start with this (`prefix/` in the layout); empty for a store's root.
    public let prefix: String

    public init(store: any ObjectStore, prefix: String = "") {
        self.store = store
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public struct ManifestObject: Sendable, Equatable {
        /// The object's key relative to the store root (Medusa's `path`).
        public var path: String
        public var size: Int64
        /// Opaque: hex MD5, an S3 multipart ETag, base64 on GCS.
        public var md5: String
    }

    public struct ManifestTable: Sendable, Equatable {
        public var keyspace: String
        /// `<table>-<table id>`.
        public var columnFamily: String
        public var objects: [ManifestObject]

        public var table: String { columnFamily.split(separator: "-").dropLast().joined(separator: "-") }
        public var tableID: String { columnFamily.split(separator: "-").last.map(String.init) ?? "" }
    }

    public struct NodeBackup: Sendable {
        public var fqdn: String
        public var name: String
        /// schema.cql's time: when the node backup began.
        public var started: Int64
        /// manifest.json's time, if complete.
        public var finished: Int64?
        public var isComplete: Bool { finished != nil }
    }

    public struct ClusterBackup: Sendable {
        public var name: String
        public var nodes: [NodeBackup]
        /// Every node the token maps name (the cluster as the backup saw it).
        public var expectedNodes: [String]
        /// Nodes the token maps name that have no complete node backup.
        public var missingNodes: [String]
        public var started: Int64
        public var isComplete: Bool { missingNodes.isEmpty }
    }

    public struct LayoutError: Error, CustomStringConvertible, Sendable {
        public var location: String
        public var message: String
        public var description: String { "\(location): \(message)" }
    }

    private func fail(_ key: String, _ m: String) -> LayoutError { LayoutError(location: "\(store.location)/\(key)", message: m) }

    private func meta(_ fqdn: String, _ backup: String) -> String { "\(prefix)\(fqdn)/\(backup)/meta/" }

    /// Every cluster backup, earliest start first.
    public func backups() throws -> [ClusterBackup] {
        var byName: [String: [NodeBackup]] = [:]
        for fqdn in try store.children(of: prefix) where fqdn != "index" {
            for name in try store.children(of: "\(prefix)\(fqdn)/") where name != "data" {
                let m = meta(fqdn, name)
                guard let schema = try store.head(m + "schema.cql") else { continue }
                let manifest = try store.head(m + "manifest.json")
                byName[name, default: []].append(NodeBackup(fqdn: fqdn, name: name, started: schema.modified, finished: manifest?.modified))
            }
        }
        var result: [ClusterBackup] = []
        for (name, nodes) in byName {
            var expected = Set<String>()
            for n in nodes {
                guard let map = try tokenMap(of: n) else { continue }
                expected.formUnion(map.nodes.map(\.fqdn))
            }
            expected.formUnion(nodes.map(\.fqdn))
            let complete = Set(nodes.filter(\.isComplete).map(\.fqdn))
            result.append(ClusterBackup(name: name, nodes: nodes.sorted { $0.fqdn < $1.fqdn }, expectedNodes: expected.sorted(),
                                        missingNodes: expected.subtracting(complete).sorted(),
                                        started: nodes.map(\.started).min() ?? 0))
        }
        return result.sorted { $0.started != $1.started ? $0.started < $1.started : $0.name < $1.name }
    }

    /// The latest complete backup that started at or before `time` (seconds), or the latest
    /// complete one.
    public func latestComplete(asOf time: Int64? = nil) throws -> ClusterBackup? {
        try backups().last { b in b.isComplete && (time.map { b.started <= $0 } ?? true) }
    }

    public func backup(named name: String) throws -> ClusterBackup? { try backups().first { $0.name == name } }

    public func tokenMap(of node: NodeBackup) throws -> TokenMap? {
        let key = meta(node.fqdn, node.name) + "tokenmap.json"
        guard try store.head(key) != nil else { return nil }
        do { return try TokenMap.parse(try store.read(key), file: "\(store.location)/\(key)") } catch let e as TokenMap.FormatError {
            throw LayoutError(location: e.file, message: e.message)
        }
    }

    public func schemaText(of node: NodeBackup) throws -> String {
        String(decoding: try store.read(meta(node.fqdn, node.name) + "schema.cql"), as: UTF8.self)
    }

    /// A complete node backup's manifest. `size` may be an integer or a numeric string.
    public func manifest(of node: NodeBackup) throws -> [ManifestTable] {
        let key = meta(node.fqdn, node.name) + "manifest.json"
        let json: JSONValue
        do { json = try JSONParser.parse(try store.read(key)) } catch let e as JSONError { throw fail(key, "\(e)") }
        guard case .array(let tables) = json else { throw fail(key, "a manifest is an array of tables") }
        return try tables.enumerated().map { i, t in
            guard case .string(let ks)? = t["keyspace"], case .string(let cf)? = t["columnfamily"], case .array(let objects)? = t["objects"] else {
                throw fail(key, "entry \(i) needs keyspace, columnfamily and objects")
            }
            return ManifestTable(keyspace: ks, columnFamily: cf, objects: try objects.enumerated().map { j, o in
                guard case .string(let path)? = o["path"] else { throw fail(key, "entry \(i), object \(j) has no path") }
                let size: Int64?
                switch o["size"] {
                case .int(let n)?: size = n
                case .string(let s)?: size = Int64(s)
                default: size = nil
                }
                guard let size, size >= 0 else { throw fail(key, "\(path): size is not a byte count") }
                var md5 = ""
                if case .string(let m)? = o["MD5"] { md5 = m }
                return ManifestObject(path: path, size: size, md5: md5)
            })
        }
    }

    /// A difference between a manifest and the store that does not stop a job.
    public struct Warning: Sendable, CustomStringConvertible {
        public var object: String
        public var message: String
        public var description: String { "\(object): \(message)" }
    }

    /// Deep verification before a job reads: every object of every complete node backup
    /// exists with its listed size. A missing or resized Data.db, CompressionInfo.db, Index.db,
    /// TOC or digest is an error naming the object; Summary.db, Filter.db and Statistics.db,
    /// which Cassandra may rewrite after the manifest was made (index summary redistribution,
    /// repairs, upgrades), give warnings only.
    /// With `keyspace` and `table`, only that table's objects are checked.
    public func verify(_ backup: ClusterBackup, keyspace: String? = nil, table name: String? = nil) throws -> [Warning] {
        var warnings: [Warning] = []
        for node in backup.nodes where node.isComplete {
            let objects = try manifest(of: node).filter { t in (keyspace == nil || keyspace == t.keyspace) && (name == nil || name == t.table) }
            warnings += try verify(objects.flatMap(\.objects), of: node, in: backup)
        }
        return warnings
    }

    /// Checks objects of `node`'s manifest (already read) against the store.
    public func verify(_ objects: [ManifestObject], of node: NodeBackup, in backup: ClusterBackup) throws -> [Warning] {
        var warnings: [Warning] = []
        for object in objects {
            let key = prefix + object.path
            let mutable = ["-Summary.db", "-Filter.db", "-Statistics.db"].contains { object.path.hasSuffix($0) }
            guard let found = try store.head(key) else {
                if mutable {
                    warnings.append(Warning(object: "\(store.location)/\(key)", message: "listed in \(node.fqdn)'s manifest but missing"))
                    continue
                }
                throw fail(key, "listed in \(node.fqdn)'s manifest of \(backup.name) but missing")
            }
            guard found.size == object.size else {
                let m = "is \(found.size) bytes; \(node.fqdn)'s manifest of \(backup.name) says \(object.size)"
                if mutable {
                    warnings.append(Warning(object: "\(store.location)/\(key)", message: m + " (Cassandra may rewrite this component)"))
                    continue
                }
                throw fail(key, m)
            }
        }
        return warnings
    }
}
