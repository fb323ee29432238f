import Columnar
import Engine
import Foundation
import Iceberg
import Parquet
import SQL

/// The `iceberg` catalog: Iceberg tables of a warehouse folder and its SQLite catalog (the
/// layout pyiceberg's SqlCatalog opens) as engine tables. `iceberg.ns.t` names namespace and
/// table; CREATE SCHEMA / CREATE TABLE [AS] / INSERT [OVERWRITE] / DROP TABLE write through it.
public final class IcebergCatalog: CatalogProvider, @unchecked Sendable {
    public let kind = "iceberg"
    public let warehouse: String
    public let catalogPath: String
    public let catalogName: String
    public var writeOptions = ParquetWriteOptions()
    /// Row groups that scans skipped on their statistics, since the process started.
    public static var rowGroupsSkipped: Int { IcebergFileStream.rowGroupsSkipped }

    /// The name it is attached under (`iceberg` by default), for messages.
    public private(set) var name = "iceberg"
    public func attached(as name: String) { self.name = name }

    /// Parquet writers per INSERT, each on its own thread (nil: one per core).
    public var writers: Int?
    private var opened: IcebergCatalogStore?
    private let lock = NSLock()

    /// Nothing is created until something is written: reading an absent warehouse finds no tables.
    public init(warehouse: String, catalogPath: String? = nil, catalogName: String = "default") throws {
        func absolute(_ p: String) -> String {
            ((p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p) as NSString).standardizingPath
        }
        self.warehouse = absolute(warehouse)
        self.catalogPath = absolute(catalogPath ?? warehouse + "/catalog.db")
        self.catalogName = catalogName
    }

    /// A REST catalog: the server owns table locations and metadata files; we write the data
    /// files and manifests where its metadata says.
    public init(rest: RESTCatalog) {
        warehouse = ""
        catalogPath = rest.uri
        catalogName = "rest"
        opened = rest
    }

    /// The catalog, opened (and, for SQLite when `create`, made) on first use; nil when it
    /// does not exist and nothing is to be written.
    func catalog(create: Bool) throws -> IcebergCatalogStore? {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        guard create || FileManager.default.fileExists(atPath: catalogPath) else { return nil }
        let c = try SQLiteCatalog(path: catalogPath, name: catalogName)
        opened = c
        return c
    }

    var catalog: IcebergCatalogStore { get throws { try catalog(create: true)! } }

    func split(_ path: [String]) throws -> (String, String) {
        guard path.count == 2 else {
            throw SQLError(.catalog, "an Iceberg table is named iceberg.<namespace>.<table>, not \(path.joined(separator: "."))")
        }
        return (path[0], path[1])
    }

    public func table(_ path: [String], version: TableVersion?, context: CatalogContext) throws -> TableProvider? {
        var (ns, name) = try split(path)
        // `t$snapshots`, `t$files`, …: the table's metadata as a table.
        var metadataKind: String?
        if let dollar = name.lastIndex(of: "$") {
            let kind = String(name[name.index(after: dollar)...]).lowercased()
            guard IcebergMetadataTable.kinds.contains(kind) else {
                throw SQLError(.catalog, "\(kind) is not a metadata table of Iceberg tables (\(IcebergMetadataTable.kinds.map { "$" + $0 }.joined(separator: ", ")))")
            }
            metadataKind = kind
            name = String(name[..<dollar])
        }
        guard let c = try wrap({ try catalog(create: false) }) else { return nil }
        guard let t = try wrap({ try IcebergTable.load(catalog: c, namespace: ns, name: name) }) else { return nil }
        if let metadataKind { return try wrap { try IcebergMetadataTable.make(metadataKind, table: t, version: version) } }
        return try IcebergEngineTable(table: t, catalog: self, context: context, version: version)
    }

    public func tableNames(context: CatalogContext) throws -> [[String]] {
        try wrap {
            guard let c = try catalog(create: false) else { return [] }
            return try c.namespaces().flatMap { ns in try c.tables(in: ns).map { [ns, $0] } }
        }
    }

    public func createTable(_ path: [String], schema: [Field], layout: NewTableLayout, context: CatalogContext) throws -> Bool {
        let (ns, name) = try split(path)
        var icebergSchema = try wrap { try IcebergSchema.fresh(schema) }
        do { try icebergSchema.identify(layout.identifier) } catch let e as IcebergError { throw SQLError(.catalog, e.message) }
        var terms: [(column: String, transform: PartitionTransform)] = []
        for t in layout.partitioning {
            let transform: PartitionTransform
            switch t.transform {
            case "identity": transform = .identity
            case "bucket": transform = .bucket(t.parameter ?? 0)
            case "truncate": transform = .truncate(t.parameter ?? 0)
            case "year": transform = .year
            case "month": transform = .month
            case "day": transform = .day
            case "hour": transform = .hour
            default: throw SQLError(.unsupported, "Iceberg has no partition transform \(t.transform)", at: t.location)
            }
            terms.append((t.column, transform))
        }
        let spec: PartitionSpec
        do { spec = try PartitionSpec.build(terms, schema: icebergSchema) } catch let e as IcebergError {
            throw SQLError(.catalog, e.message, at: layout.partitioning.first?.location)
        }
        // Checked now, so that a bad value fails CREATE TABLE rather than the first write.
        var checked = WriteSettings()
        for (key, value) in layout.properties { try Self.applyProperty(key, value, to: &checked) }
        return try wrap {
            let c = try catalog
            if try IcebergTable.load(catalog: c, namespace: ns, name: name) != nil { return false }
            _ = try IcebergTable.create(catalog: c, warehouse: warehouse, namespace: ns, name: name, schema: icebergSchema, spec: spec,
                                        properties: layout.properties.map { ($0.key, $0.value) })
            return true
        }
    }

    /// How one table's files are written, from its properties (Iceberg's names).
    struct WriteSettings {
        var parquet = ParquetWriteOptions()
        var targetFileBytes: Int64 = 512 << 20
    }

    /// Applies one table property; false when it is not one the writer reads (it is kept).
    @discardableResult
    static func applyProperty(_ key: String, _ value: String, to settings: inout WriteSettings) throws -> Bool {
        func bytes() throws -> Int {
            guard let n = Int(value), n > 0 else { throw SQLError(.catalog, "the table property \(key) is a positive number of bytes, not \(value)") }
            return n
        }
        switch key {
        case "write.format.default":
            guard value.lowercased() == "parquet" else { throw SQLError(.unsupported, "write.format.default = \(value): movesql writes Parquet data files") }
        case "write.parquet.compression-codec":
            switch value.lowercased() {
            case "zstd": settings.parquet.compression = .zstd
            case "snappy": settings.parquet.compression = .snappy
            case "gzip": settings.parquet.compression = .gzip
            case "lz4", "lz4_raw": settings.parquet.compression = .lz4Raw
            case "uncompressed", "none": settings.parquet.compression = .none
            default: throw SQLError(.catalog, "write.parquet.compression-codec = \(value): one of zstd, snappy, gzip, lz4, uncompressed")
            }
        case "write.parquet.compression-level":
            guard let n = Int32(value), (1...22).contains(n) else { throw SQLError(.catalog, "write.parquet.compression-level is a zstd level 1…22, not \(value)") }
            settings.parquet.compressionLevel = n
        case "write.target-file-size-bytes": settings.targetFileBytes = Int64(try bytes())
        case "write.parquet.row-group-size-bytes": settings.parquet.rowGroupBytes = try bytes()
        case "write.parquet.page-size-bytes": settings.parquet.pageBytes = try bytes()
        case "write.parquet.dict-size-bytes": settings.parquet.dictionaryPageBytes = try bytes()
        default: return false
        }
        return true
    }

    /// The write settings of a table: the catalog's defaults, then the table's properties.
    func writeSettings(_ table: IcebergTable) throws -> WriteSettings {
        var s = WriteSettings(parquet: writeOptions)
        for (k, v) in table.properties { try Self.applyProperty(k, v, to: &s) }
        return s
    }

    public func dropTable(_ path: [String], context: CatalogContext) throws -> Bool {
        let (ns, name) = try split(path)
        // As pyiceberg's drop_table: the catalog forgets the table; its files stay.
        return try wrap { try catalog(create: false)?.drop(namespace: ns, table: name) ?? false }
    }

    public func createNamespace(_ path: [String], context: CatalogContext) throws -> Bool {
        guard path.count == 1 else { throw SQLError(.catalog, "an Iceberg namespace is one name: iceberg.<namespace>") }
        return try wrap {
            let c = try catalog
            if try c.namespaceExists(path[0]) { return false }
            try c.createNamespace(path[0])
            return true
        }
    }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as IcebergError { throw SQLError(.catalog, e.message) } catch let e as ParquetError {
            throw SQLError(.runtime, e.message)
        }
    }

    /// `ATTACH 'file:///warehouse' AS lake (TYPE iceberg [, CATALOG '/path/catalog.db'] [, NAME 'default'])`,
    /// or a REST catalog: `ATTACH 'http://host:8181' AS lake (TYPE iceberg [, WAREHOUSE 'name'] [, TOKEN '…'])`.
    public static let factory: CatalogFactory = { url, options in
        if url.hasPrefix("http://") || url.hasPrefix("https://") {
            do { return IcebergCatalog(rest: try RESTCatalog(uri: url, warehouse: options["warehouse"], token: options["token"])) } catch let e as IcebergError {
                throw SQLError(.catalog, e.message)
            }
        }
        let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
        guard !url.contains("://") || url.hasPrefix("file://") else {
            throw SQLError(.unsupported, "an Iceberg catalog is a file:// warehouse folder or an http(s):// REST catalog, not \(url)")
        }
        let c = try IcebergCatalog(warehouse: path, catalogPath: options["catalog"], catalogName: options["name"] ?? "default")
        if let w = options["writers"] {
            guard let n = Int(w), n > 0 else { throw SQLError(.catalog, "WRITERS is a positive number of Parquet writers per INSERT, not \(w)") }
            c.writers = n
        }
        return c
    }

    /// The default `iceberg` catalog: `--warehouse`, else `$MOVESQL_WAREHOUSE`, else ./warehouse
    /// (created when first written), with its catalog at `<warehouse>/catalog.db`.
    public static func install(in session: Session, warehouse: String?, environment: [String: String]) throws {
        session.catalogTypes["iceberg"] = factory
        let path = warehouse ?? environment["MOVESQL_WAREHOUSE"] ?? "./warehouse"
        try session.attach("iceberg", try IcebergCatalog(warehouse: path))
    }
}

/// One Iceberg table as an engine table: the rows of a snapshot (the current one, or the one
/// `FOR VERSION AS OF` / `FOR SYSTEM_TIME AS OF` names), and writes that become one snapshot.
final class IcebergEngineTable: TableSink, @unchecked Sendable {
    let table: IcebergTable
    let catalog: IcebergCatalog
    let context: CatalogContext
    let version: TableVersion?
    let point: IcebergReadPoint
    let schema: [Field]

    init(table: IcebergTable, catalog: IcebergCatalog, context: CatalogContext, version: TableVersion?) throws {
        self.table = table
        self.catalog = catalog
        self.context = context
        self.version = version
        point = try catalog.wrap { try IcebergReadPoint(table, version: version) }
        schema = point.schema.fields.map { Field($0.name, $0.type.engineType, nullable: !$0.required) }
    }

    var estimatedRows: Int? {
        guard let s = point.snapshot else { return 0 }
        return s.summary.first { $0.0 == "total-records" }.flatMap { Int($0.1) }
    }

    func supportsFilter(_ filter: BoundExpr) -> FilterPushdown {
        IcebergFilters.predicates(filter, schema: point.schema).isEmpty ? .unsupported : .inexact
    }

    /// The live files of the snapshot that the request's filters do not rule out, and how many there were.
    func files(_ request: ScanRequest) throws -> (kept: [LiveDataFile], total: Int, pruner: FilePruner) {
        guard let snapshot = point.snapshot else { return ([], 0, FilePruner(predicates: [], schema: point.schema, specs: [])) }
        let all = try catalog.wrap { try table.liveFiles(of: snapshot) }
        let predicates = request.filters.flatMap { IcebergFilters.predicates($0, schema: point.schema) }
        let specs = try catalog.wrap { try Set(all.map(\.specId)).map { try table.spec(id: $0) } }
        let pruner = FilePruner(predicates: predicates, schema: point.schema, specs: specs)
        return (pruner.isEmpty ? all : all.filter(pruner.mayMatch), all.count, pruner)
    }

    func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
        guard point.snapshot != nil else { return [BatchListPartition([])] }
        let (files, _, pruner) = try self.files(request)
        let projection = request.projection ?? Array(schema.indices)
        let fields = projection.map { point.schema.fields[$0] }
        let types = projection.map { schema[$0].type }
        if files.isEmpty { return [BatchListPartition([])] }
        return files.map { IcebergFileScan(file: $0, fields: fields, types: types, pruner: pruner, schema: point.schema) }
    }

    func explainDetails(_ request: ScanRequest) -> [String] {
        guard let s = point.snapshot else { return ["iceberg \(table.qualifiedName): no snapshot (empty)"] }
        guard let (kept, total, pruner) = try? files(request) else { return ["iceberg \(table.qualifiedName) snapshot \(s.id): its manifests cannot be read"] }
        let pruned = pruner.isEmpty ? "" : " (\(total - kept.count) pruned by partition values and column bounds)"
        return ["iceberg \(table.qualifiedName) snapshot \(s.id)\(version.map { " (\($0))" } ?? ""): \(kept.count) of \(total) data files\(pruned)"]
    }

    func beginWrite() throws -> TableWrite {
        guard version == nil else { throw SQLError(.unsupported, "a past snapshot of \(catalog.name).\(table.qualifiedName) cannot be written to") }
        return try Write(self, operation: .append)
    }

    func beginOverwrite() throws -> TableWrite {
        guard version == nil else { throw SQLError(.unsupported, "a past snapshot of \(catalog.name).\(table.qualifiedName) cannot be written to") }
        return try Write(self, operation: .overwrite)
    }

    final class Write: TableWrite {
        let sink: IcebergEngineTable
        let operation: IcebergTable.Operation
        let writer: ParallelTableWriter
        var rows = 0
        var committed = false

        init(_ sink: IcebergEngineTable, operation: IcebergTable.Operation) throws {
            self.sink = sink
            self.operation = operation
            let settings = try sink.catalog.writeSettings(sink.table)
            writer = try sink.catalog.wrap {
                try ParallelTableWriter(table: sink.table, writers: sink.catalog.writers, options: settings.parquet, targetFileBytes: settings.targetFileBytes)
            }
        }

        func append(_ batch: Batch) throws {
            do {
                try sink.catalog.wrap { try writer.write(batch) }
                rows += batch.count
            } catch {
                writer.abort()
                throw error
            }
        }

        func abort() {
            if !committed { writer.abort() }
        }

        func commit() throws {
            guard !committed else { throw SQLError(.runtime, "a write was committed twice") }
            committed = true
            let files: [DataFile]
            do { files = try sink.catalog.wrap { try writer.finish() } } catch {
                writer.abort()
                throw error
            }
            let snapshot = try sink.catalog.wrap { try sink.table.commit(files, operation: operation) }
            let bytes = files.reduce(Int64(0)) { $0 + $1.sizeInBytes }
            let races = sink.table.lostRaces
            let retried = races == 0 ? "" : "; rebuilt on \(races) concurrent commit\(races == 1 ? "" : "s") that landed first"
            sink.context.note("committed snapshot \(snapshot) of \(sink.catalog.name).\(sink.table.qualifiedName) (\(operation.rawValue)): \(rows) rows in \(files.count) Parquet file\(files.count == 1 ? "" : "s"), \(bytes) bytes\(retried)")
        }
    }
}
