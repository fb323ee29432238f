import Avro
import Columnar
import Foundation
import JSON
import Parquet

/// One Iceberg table of the embedded catalog: its metadata files in the warehouse, its row
/// in the SQLite catalog. Snapshots are committed by writing new metadata and swapping the
/// catalog's pointer to it (retrying on a lost race with the same data files).
public final class IcebergTable: @unchecked Sendable {
    public let catalog: IcebergCatalogStore
    public let namespace: String
    public let name: String
    /// The table folder (absolute path) and its `file://` location.
    public let folder: String
    public private(set) var metadataLocation: String
    public private(set) var metadata: JSONValue

    init(catalog: IcebergCatalogStore, namespace: String, name: String, folder: String, metadataLocation: String, metadata: JSONValue) {
        self.catalog = catalog
        self.namespace = namespace
        self.name = name
        self.folder = folder
        self.metadataLocation = metadataLocation
        self.metadata = metadata
    }

    public var qualifiedName: String { "\(namespace).\(name)" }

    public var schema: IcebergSchema {
        get throws {
            guard case .array(let schemas)? = metadata["schemas"], case .int(let current)? = metadata["current-schema-id"] else {
                throw IcebergError("\(metadataLocation): no schemas or current-schema-id")
            }
            guard let s = schemas.first(where: { $0["schema-id"] == .int(current) }) else {
                throw IcebergError("\(metadataLocation): no schema \(current)")
            }
            return try IcebergSchema.parse(s)
        }
    }

    /// The table properties of metadata.json.
    public var properties: [(String, String)] {
        guard case .object(let p)? = metadata["properties"] else { return [] }
        return p.compactMap { if case .string(let v) = $0.1 { return ($0.0, v) } else { return nil } }
    }

    /// The partition spec new files are written with.
    public var spec: PartitionSpec {
        get throws {
            guard case .int(let id)? = metadata["default-spec-id"] else { throw IcebergError("\(metadataLocation): no default-spec-id") }
            return try spec(id: Int32(id))
        }
    }

    public func spec(id: Int32) throws -> PartitionSpec {
        guard case .array(let specs)? = metadata["partition-specs"], let s = specs.first(where: { $0["spec-id"] == .int(Int64(id)) }) else {
            throw IcebergError("\(metadataLocation): no partition spec \(id)")
        }
        return try PartitionSpec.parse(s)
    }

    /// The Avro `manifest_entry` schema (text) of a spec's manifests, and its partition types.
    func entrySchema(_ spec: PartitionSpec) throws -> (text: String, types: [IcebergType]) {
        let typed = try spec.typed(try schema)
        return (ManifestSchemas.manifestEntry(partition: PartitionAvro.record(typed.map { ($0.field, $0.result) })), typed.map(\.result))
    }

    /// How many concurrent commits the last commit lost to (and rebuilt on) before it landed.
    public private(set) var lostRaces = 0

    public var currentSnapshotId: Int64? { if case .int(let id)? = metadata["current-snapshot-id"], id >= 0 { return id } else { return nil } }

    // MARK: files

    public static func path(ofLocation location: String) -> String {
        location.hasPrefix("file://") ? String(location.dropFirst("file://".count)) : location
    }

    public static func readJSON(_ location: String) throws -> JSONValue {
        let p = path(ofLocation: location)
        guard let data = FileManager.default.contents(atPath: p) else { throw IcebergError("cannot read \(location)") }
        do { return try JSONParser.parse([UInt8](data)) } catch { throw IcebergError("\(location): \(error)") }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Written whole under a temporary name, then renamed: a reader never sees half a file.
        let temporary = path + ".tmp-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else { throw IcebergError("cannot write \(path)") }
        if rename(temporary, path) != 0 { throw IcebergError("cannot rename \(temporary) to \(path): errno \(errno)") }
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func uuid() -> String { UUID().uuidString.lowercased() }

    // MARK: create and load

    /// Creates an empty table (v2, unsorted) at `<warehouse>/<namespace>/<name>` (a REST
    /// catalog may place it elsewhere: the metadata it returns says where).
    public static func create(catalog: IcebergCatalogStore, warehouse: String, namespace: String, name: String,
                              schema: IcebergSchema, spec: PartitionSpec = .unpartitioned, properties: [(String, String)] = []) throws -> IcebergTable {
        guard try catalog.namespaceExists(namespace) else { throw IcebergError("namespace \(namespace) does not exist (CREATE SCHEMA \(namespace) first)") }
        guard try catalog.loadTable(namespace: namespace, table: name) == nil else {
            throw IcebergError("table \(namespace).\(name) already exists")
        }
        let folder = warehouse + "/" + namespace + "/" + name
        let now = nowMillis()
        let metadata = JSONValue.object([
            ("format-version", .int(2)),
            ("table-uuid", .string(uuid())),
            ("location", .string("file://" + folder)),
            ("last-sequence-number", .int(0)),
            ("last-updated-ms", .int(now)),
            ("last-column-id", .int(Int64(schema.lastColumnId))),
            ("current-schema-id", .int(Int64(schema.id))),
            ("schemas", .array([schema.json])),
            ("default-spec-id", .int(0)),
            ("partition-specs", .array([spec.json])),
            ("last-partition-id", .int(Int64(spec.fields.map(\.fieldId).max() ?? 999))),
            ("default-sort-order-id", .int(0)),
            ("sort-orders", .array([.object([("order-id", .int(0)), ("fields", .array([]))])])),
            ("properties", .object(properties.map { ($0.0, .string($0.1)) })),
            ("refs", .object([])),
            ("snapshots", .array([])),
            ("snapshot-log", .array([])),
            ("metadata-log", .array([])),
            ("statistics", .array([])),
            ("partition-statistics", .array([])),
        ])
        guard let state = try catalog.createTable(namespace: namespace, table: name, metadata: metadata, schema: schema, spec: spec, properties: properties) else {
            throw IcebergError("table \(namespace).\(name) already exists")
        }
        return try IcebergTable(catalog: catalog, namespace: namespace, name: name, state: state)
    }

    convenience init(catalog: IcebergCatalogStore, namespace: String, name: String, state: TableState) throws {
        guard case .string(let tableLocation)? = state.metadata["location"] else { throw IcebergError("\(state.location): no location") }
        self.init(catalog: catalog, namespace: namespace, name: name, folder: Self.path(ofLocation: tableLocation),
                  metadataLocation: state.location, metadata: state.metadata)
    }

    public static func load(catalog: IcebergCatalogStore, namespace: String, name: String) throws -> IcebergTable? {
        guard let state = try catalog.loadTable(namespace: namespace, table: name) else { return nil }
        return try IcebergTable(catalog: catalog, namespace: namespace, name: name, state: state)
    }

    public func refresh() throws {
        guard let state = try catalog.loadTable(namespace: namespace, table: name) else {
            throw IcebergError("table \(qualifiedName) no longer exists")
        }
        metadata = state.metadata
        metadataLocation = state.location
    }

    // MARK: snapshots

    /// The manifest list entries of the current snapshot (empty before the first).
    func currentManifests(_ metadata: JSONValue) throws -> [AvroValue] {
        guard case .int(let current)? = metadata["current-snapshot-id"], current >= 0,
              case .array(let snapshots)? = metadata["snapshots"],
              let snap = snapshots.first(where: { $0["snapshot-id"] == .int(current) }),
              case .string(let list)? = snap["manifest-list"] else { return [] }
        let bytes = FileManager.default.contents(atPath: Self.path(ofLocation: list)).map { [UInt8]($0) }
        guard let bytes else { throw IcebergError("cannot read the manifest list \(list)") }
        let container = try AvroContainer(bytes: bytes, file: list)
        let ours = try AvroSchema.parse(try JSONParser.parse(ManifestSchemas.manifestFile))
        return try container.records.map { try AvroRemap.remap($0, from: container.schema, to: ours) }
    }

    public enum Operation: String, Sendable { case append, overwrite }

    /// Commits `files` as one snapshot: appended to the table, or replacing all of its rows.
    /// Returns the new snapshot's id.
    @discardableResult
    public func commit(_ files: [DataFile], operation: Operation = .append, extraSummary: [(String, String)] = []) throws -> Int64 {
        let commitId = Self.uuid()
        let snapshotId = Int64.random(in: 1...Int64.max)
        // The manifest of the new files does not depend on the base: written once, reused.
        let manifestPath = folder + "/metadata/\(commitId)-m0.avro"
        let spec = try self.spec
        let (entrySchema, partitionTypes) = try entrySchema(spec)
        var manifest = try AvroContainerWriter(schema: try JSONParser.parse(entrySchema), metadata: try manifestMetadata(spec))
        for f in files {
            guard f.partition.count == partitionTypes.count else {
                throw IcebergError("\(f.path) has \(f.partition.count) partition values; the spec of \(qualifiedName) has \(partitionTypes.count) fields")
            }
            try manifest.append(ManifestSchemas.entry(f, partitionTypes: partitionTypes, status: 1, snapshotId: snapshotId, sequenceNumber: nil, fileSequenceNumber: nil))
        }
        let manifestBytes = manifest.finish()
        try Self.write(manifestBytes, to: manifestPath)
        let addedRows = files.reduce(0) { $0 + $1.recordCount }
        let addedSize = files.reduce(0) { $0 + $1.sizeInBytes }

        for attempt in 0..<20 {
            try refresh()
            let base = metadata, baseLocation = metadataLocation
            guard case .int(let lastSequence)? = base["last-sequence-number"] else { throw IcebergError("\(baseLocation): no last-sequence-number") }
            let sequence = lastSequence + 1
            let parent = currentSnapshotId
            let parentManifests = try currentManifests(base)
            var listed: [AvroValue] = []
            listed.append(.record([
                .string("file://" + manifestPath), .long(Int64(manifestBytes.count)), .int(spec.id), .int(0),
                .long(sequence), .long(sequence), .long(snapshotId),
                .int(Int32(files.count)), .int(0), .int(0), .long(addedRows), .long(0), .long(0),
                PartitionSummary.summaries(files.map(\.partition), types: partitionTypes), .union(0, .null),
            ]))
            var deletedFiles = 0, deletedRows: Int64 = 0, deletedSize: Int64 = 0
            var changedPartitions = Set(files.map { PartitionKey(specId: spec.id, values: $0.partition) })
            var attemptFiles: [String] = []
            if operation == .append {
                listed += parentManifests
            } else if !parentManifests.isEmpty {
                let deleted = try deletedManifests(of: parentManifests, snapshotId: snapshotId, sequence: sequence, commitId: commitId, attempt: attempt)
                listed += deleted.listed
                attemptFiles += deleted.listed.compactMap { if case .string(let p)? = $0[0] { return Self.path(ofLocation: p) } else { return nil } }
                (deletedFiles, deletedRows, deletedSize) = (deleted.files, deleted.rows, deleted.size)
                changedPartitions.formUnion(deleted.partitions)
            }
            let listPath = folder + "/metadata/snap-\(snapshotId)-\(attempt)-\(commitId).avro"
            var list = try AvroContainerWriter(schema: try JSONParser.parse(ManifestSchemas.manifestFile), metadata: [
                ("snapshot-id", String(snapshotId)), ("parent-snapshot-id", parent.map(String.init) ?? "null"),
                ("sequence-number", String(sequence)), ("format-version", "2"),
            ])
            for m in listed { try list.append(m) }
            try Self.write(list.finish(), to: listPath)

            let now = max(Self.nowMillis(), (base["last-updated-ms"].flatMap { if case .int(let v) = $0 { return v } else { return nil } } ?? 0) + 1)
            let summary = snapshotSummary(base: base, parent: parent, operation: operation, addedFiles: files.count, addedRows: addedRows,
                                          addedSize: addedSize, deletedFiles: deletedFiles, deletedRows: deletedRows, deletedSize: deletedSize,
                                          changedPartitions: changedPartitions.count) + extraSummary
            var snapshot: [(String, JSONValue)] = [("snapshot-id", .int(snapshotId))]
            if let parent { snapshot.append(("parent-snapshot-id", .int(parent))) }
            snapshot += [("sequence-number", .int(sequence)), ("timestamp-ms", .int(now)), ("manifest-list", .string("file://" + listPath)),
                         ("summary", .object(summary.map { ($0.0, .string($0.1)) })), ("schema-id", base["current-schema-id"] ?? .int(0))]
            var next = base
            next.set("last-sequence-number", .int(sequence))
            next.set("last-updated-ms", .int(now))
            next.set("current-snapshot-id", .int(snapshotId))
            next.append(to: "snapshots", .object(snapshot))
            next.append(to: "snapshot-log", .object([("snapshot-id", .int(snapshotId)), ("timestamp-ms", .int(now))]))
            next.append(to: "metadata-log", .object([("metadata-file", .string(baseLocation)), ("timestamp-ms", base["last-updated-ms"] ?? .int(now))]))
            var refs: [(String, JSONValue)] = []
            if case .object(let r)? = base["refs"] { refs = r.filter { $0.0 != "main" } }
            next.set("refs", .object([("main", .object([("snapshot-id", .int(snapshotId)), ("type", .string("branch"))]))] + refs))
            let change = SnapshotChange(snapshot: .object(snapshot), snapshotId: snapshotId, parentId: parent)
            if let state = try catalog.commit(namespace: namespace, table: name, base: TableState(location: baseLocation, metadata: base), next: next, change: change) {
                lostRaces = attempt
                metadata = state.metadata
                metadataLocation = state.location
                return snapshotId
            }
            // Another writer committed first: drop what this attempt wrote and go again.
            try? FileManager.default.removeItem(atPath: listPath)
            for f in attemptFiles { try? FileManager.default.removeItem(atPath: f) }
        }
        throw IcebergError("\(qualifiedName): the commit lost 20 races in a row; nothing was committed; its data files are left in \(folder)/data")
    }

    public static func version(of location: String) -> Int? {
        let name = location.split(separator: "/").last.map(String.init) ?? ""
        return Int(name.prefix { $0.isNumber })
    }

    func snapshotSummary(base: JSONValue, parent: Int64?, operation: Operation, addedFiles: Int, addedRows: Int64, addedSize: Int64,
                         deletedFiles: Int, deletedRows: Int64, deletedSize: Int64, changedPartitions: Int) -> [(String, String)] {
        var totals: [String: Int64] = [:]
        if let parent, case .array(let snaps)? = base["snapshots"], let p = snaps.first(where: { $0["snapshot-id"] == .int(parent) }),
           case .object(let s)? = p["summary"] {
            for (k, v) in s { if case .string(let t) = v, let n = Int64(t) { totals[k] = n } }
        }
        func total(_ k: String) -> Int64 { totals[k] ?? 0 }
        var out: [(String, String)] = [("operation", operation.rawValue)]
        if addedFiles > 0 { out += [("added-data-files", String(addedFiles)), ("added-records", String(addedRows)), ("added-files-size", String(addedSize))] }
        if deletedFiles > 0 { out += [("deleted-data-files", String(deletedFiles)), ("deleted-records", String(deletedRows)), ("removed-files-size", String(deletedSize))] }
        out += [("changed-partition-count", String(changedPartitions)),
                ("total-data-files", String(total("total-data-files") + Int64(addedFiles) - Int64(deletedFiles))),
                ("total-delete-files", String(total("total-delete-files"))),
                ("total-records", String(total("total-records") + addedRows - deletedRows)),
                ("total-files-size", String(total("total-files-size") + addedSize - deletedSize)),
                ("total-position-deletes", String(total("total-position-deletes"))),
                ("total-equality-deletes", String(total("total-equality-deletes")))]
        return out
    }

    func manifestMetadata(_ spec: PartitionSpec) throws -> [(String, String)] {
        let schema = try self.schema
        return [("schema", schema.json.text), ("schema-id", String(schema.id)), ("partition-spec", spec.fieldsJSON.text),
                ("partition-spec-id", String(spec.id)), ("format-version", "2"), ("content", "data")]
    }

    struct PartitionKey: Hashable {
        var specId: Int32
        var values: [PartitionValue]
    }

    /// For an overwrite: per partition spec of the parent's manifests, one manifest marking
    /// every live file deleted (status 2, with its sequence numbers), and its list entry.
    func deletedManifests(of manifests: [AvroValue], snapshotId: Int64, sequence: Int64, commitId: String, attempt: Int) throws
        -> (listed: [AvroValue], files: Int, rows: Int64, size: Int64, partitions: Set<PartitionKey>) {
        var bySpec: [Int32: [AvroValue]] = [:]
        for m in manifests {
            guard case .int(let specId)? = m[2] else { throw IcebergError("a manifest list entry without partition_spec_id") }
            guard case .int(let content)? = m[3], content == 0 else {
                throw IcebergError("\(qualifiedName) has delete files (written by another engine); overwriting such a table is not supported yet")
            }
            bySpec[specId, default: []].append(m)
        }
        var listed: [AvroValue] = []
        var files = 0, rows: Int64 = 0, size: Int64 = 0
        var partitions = Set<PartitionKey>()
        for (specId, group) in bySpec.sorted(by: { $0.key < $1.key }) {
            let spec = try self.spec(id: specId)
            let (schemaText, partitionTypes) = try entrySchema(spec)
            let entrySchema = try AvroSchema.parse(try JSONParser.parse(schemaText))
            var out = try AvroContainerWriter(schema: try JSONParser.parse(schemaText), metadata: try manifestMetadata(spec))
            var count = 0, minSequence = sequence, specRows: Int64 = 0
            var values: [[PartitionValue]] = []
            for m in group {
                guard case .string(let path)? = m[0], case .long(let manifestSequence)? = m[4] else { continue }
                guard let bytes = FileManager.default.contents(atPath: Self.path(ofLocation: path)) else { throw IcebergError("cannot read the manifest \(path)") }
                let container = try AvroContainer(bytes: [UInt8](bytes), file: path)
                for e in container.records {
                    var entry = try AvroRemap.remap(e, from: container.schema, to: entrySchema)
                    guard case .record(var fields) = entry, case .int(let status) = fields[0], status != 2 else { continue }
                    // Inherited numbers are written out once the entry leaves its manifest.
                    let dataSequence = fields[2].unwrapped == .null ? manifestSequence : (fields[2].unwrapped.long ?? manifestSequence)
                    let fileSequence = fields[3].unwrapped == .null ? manifestSequence : (fields[3].unwrapped.long ?? manifestSequence)
                    fields[0] = .int(2)
                    fields[1] = .union(1, .long(snapshotId))
                    fields[2] = .union(1, .long(dataSequence))
                    fields[3] = .union(1, .long(fileSequence))
                    minSequence = min(minSequence, dataSequence)
                    entry = .record(fields)
                    if case .record(let df) = fields[4], case .long(let n) = df[4], case .long(let s) = df[5] {
                        specRows += n
                        size += s
                        if case .record(let p) = df[3] {
                            let v = try zip(p, partitionTypes).map { try PartitionValue.from(avro: $0, $1) }
                            values.append(v)
                            partitions.insert(PartitionKey(specId: specId, values: v))
                        }
                    }
                    count += 1
                    try out.append(entry)
                }
            }
            guard count > 0 else { continue }
            let path = folder + "/metadata/\(commitId)-d\(attempt)-\(specId).avro"
            let bytes = out.finish()
            try Self.write(bytes, to: path)
            listed.append(.record([
                .string("file://" + path), .long(Int64(bytes.count)), .int(specId), .int(0), .long(sequence), .long(minSequence), .long(snapshotId),
                .int(0), .int(0), .int(Int32(count)), .long(0), .long(0), .long(specRows),
                PartitionSummary.summaries(values, types: partitionTypes), .union(0, .null),
            ]))
            files += count
            rows += specRows
        }
        return (listed, files, rows, size, partitions)
    }
}

extension AvroValue {
    var long: Int64? {
        switch self {
        case .long(let v): return v
        case .int(let v): return Int64(v)
        default: return nil
        }
    }
}

extension JSONValue {
    mutating func set(_ key: String, _ value: JSONValue) {
        guard case .object(var fields) = self else { return }
        if let i = fields.firstIndex(where: { $0.0 == key }) { fields[i].1 = value } else { fields.append((key, value)) }
        self = .object(fields)
    }

    mutating func append(to key: String, _ value: JSONValue) {
        var items: [JSONValue] = []
        if case .array(let a)? = self[key] { items = a }
        items.append(value)
        set(key, .array(items))
    }
}

/// Moves a record written under one Avro schema into another by field names (another
/// writer's manifests into ours): missing optional fields become null.
enum AvroRemap {
    static func remap(_ v: AvroValue, from a: AvroSchema, to b: AvroSchema) throws -> AvroValue {
        switch (a, b) {
        case (.record(_, let fa), .record(let name, let fb)):
            guard case .record(let values) = v else { throw AvroError("a record expected for \(name)") }
            return .record(try fb.map { f in
                if let i = fa.firstIndex(where: { $0.name == f.name }) { return try remap(values[i], from: fa[i].schema, to: f.schema) }
                if case .union(let branches) = f.schema, let n = branches.firstIndex(of: .null) { return .union(n, .null) }
                throw AvroError("\(name).\(f.name) is required and missing")
            })
        case (.union(let ba), .union(let bb)):
            guard case .union(let i, let inner) = v else { return v }
            let from = ba[i]
            if from == .null, let n = bb.firstIndex(of: .null) { return .union(n, .null) }
            for (j, to) in bb.enumerated() where to != .null {
                if let r = try? remap(inner, from: from, to: to) { return .union(j, r) }
            }
            throw AvroError("no branch for a \(from) value")
        case (.union(let ba), _):
            guard case .union(let i, let inner) = v else { return v }
            return try remap(inner, from: ba[i], to: b)
        case (_, .union(let bb)):
            for (j, to) in bb.enumerated() where to != .null { if let r = try? remap(v, from: a, to: to) { return .union(j, r) } }
            throw AvroError("no branch for a \(a) value")
        case (.array(let ia), .array(let ib)):
            guard case .array(let items) = v else { return v }
            return .array(try items.map { try remap($0, from: ia, to: ib) })
        case (.int, .long): if case .int(let x) = v { return .long(Int64(x)) }; return v
        default:
            guard sameKind(a, b) else { throw AvroError("a \(a) value cannot become \(b)") }
            return v
        }
    }

    static func sameKind(_ a: AvroSchema, _ b: AvroSchema) -> Bool {
        switch (a, b) {
        case (.fixed(_, let x), .fixed(_, let y)): return x == y
        case (.map, .map), (.enumeration, .enumeration): return true
        default: return a == b
        }
    }
}
