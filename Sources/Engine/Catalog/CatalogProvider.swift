import Threads
import Columnar
import SQL

/// Which version of a table a scan reads (`FOR SYSTEM_TIME AS OF`, `FOR VERSION AS OF`).
public enum TableVersion: Sendable, Hashable, CustomStringConvertible {
    /// The latest version at or before this time (microseconds since the epoch, UTC).
    case asOfTime(micros: Int64)
    /// The version of this name (a backup's name, a snapshot id).
    case named(String)

    public var description: String {
        switch self {
        case .asOfTime(let t): return "AS OF \(ValueText.render(.timestamp(t), type: .timestamp))"
        case .named(let n): return "VERSION \(n)"
        }
    }
}

/// What resolving a name may use from the session: its settings (`SET name = value`, names
/// lower-cased) and a place for warnings the statement reports along with its result.
public struct CatalogContext: Sendable {
    public var settings: [String: String]
    private let warnings: WarningList
    private let notes: WarningList

    public init(settings: [String: String] = [:], warnings: WarningList = WarningList(), notes: WarningList = WarningList()) {
        self.settings = settings
        self.warnings = warnings
        self.notes = notes
    }

    /// Reports something the statement's user must know but that does not fail it.
    public func warn(_ message: String) { warnings.append(message) }

    /// Records what a statement read (which version, at which reference time), for the output
    /// of jobs that write.
    public func note(_ message: String) { notes.append(message) }
}

/// Warnings collected while a statement runs.
public final class WarningList: @unchecked Sendable {
    // Guarded by `lock`.
    private var items: [String] = []
    private let lock = Monitor()
    public init() {}
    public func append(_ m: String) { lock.withLock { if !items.contains(m) { items.append(m) } } }
    /// The warnings so far, emptying the list.
    public func drain() -> [String] { lock.withLock { defer { items = [] }; return items } }
}

/// A catalog of tables of one kind — the backups of a store, an Iceberg catalog — attached to a
/// session under a name: `name.namespace….table` resolves through it (DataFusion's
/// `CatalogProvider`). The engine knows nothing of what is behind it.
public protocol CatalogProvider: AnyObject, Sendable {
    /// The catalog's kind (`cassandra`), for SHOW and errors.
    var kind: String { get }
    /// The table at `path` (the parts after the catalog's name, as written, normalized), or
    /// nil when there is none. Errors say why a table that exists cannot be read.
    func table(_ path: [String], version: TableVersion?, context: CatalogContext) throws -> TableProvider?
    /// Every table's path, for SHOW TABLES.
    func tableNames(context: CatalogContext) throws -> [[String]]
    /// Creates an empty table (CREATE TABLE, and CREATE TABLE AS before its rows) laid out as
    /// `layout` says; false when it exists already.
    func createTable(_ path: [String], schema: [Field], layout: NewTableLayout, context: CatalogContext) throws -> Bool
    /// Drops a table; false when there is none.
    func dropTable(_ path: [String], context: CatalogContext) throws -> Bool
    /// Creates a namespace (CREATE SCHEMA); false when it exists already.
    func createNamespace(_ path: [String], context: CatalogContext) throws -> Bool
    /// Told the name it is attached under (for messages that name its tables).
    func attached(as name: String)
}

extension CatalogProvider {
    public func attached(as name: String) {}
    public func createTable(_ path: [String], schema: [Field], layout: NewTableLayout, context: CatalogContext) throws -> Bool {
        throw SQLError(.unsupported, "a \(kind) catalog does not create tables")
    }
    public func dropTable(_ path: [String], context: CatalogContext) throws -> Bool {
        throw SQLError(.unsupported, "a \(kind) catalog does not drop tables")
    }
    public func createNamespace(_ path: [String], context: CatalogContext) throws -> Bool {
        throw SQLError(.unsupported, "a \(kind) catalog has no namespaces to create")
    }
}

/// Makes a catalog from `ATTACH 'url' AS name (TYPE kind, option value, …)`; options have
/// lower-cased names and their values as text.
public typealias CatalogFactory = @Sendable (_ url: String, _ options: [String: String]) throws -> CatalogProvider

/// How CREATE TABLE lays a table out in its catalog: partition terms and table properties.
public struct NewTableLayout: Sendable {
    /// `bucket(16, id)` is `PartitionTerm(transform: "bucket", parameter: 16, column: "id")`;
    /// a bare column is `identity`. Transform names are normalized: year, month, day, hour.
    public struct PartitionTerm: Sendable, Hashable {
        public var transform: String
        public var parameter: Int?
        public var column: String
        public var location: SourceLocation?

        public init(transform: String, parameter: Int? = nil, column: String, location: SourceLocation? = nil) {
            self.transform = transform
            self.parameter = parameter
            self.column = column
            self.location = location
        }
    }

    public var partitioning: [PartitionTerm] = []
    public var properties: [(key: String, value: String)] = []
    /// The PRIMARY KEY columns: the rows' identifier (Iceberg's identifier fields).
    public var identifier: [String] = []

    public init(partitioning: [PartitionTerm] = [], properties: [(key: String, value: String)] = []) {
        self.partitioning = partitioning
        self.properties = properties
    }

    public var isEmpty: Bool { partitioning.isEmpty && properties.isEmpty }

    /// The layout of a parsed `PARTITIONED BY (…) WITH (…)`.
    public init(_ options: TableOptions) throws {
        properties = options.properties.map { ($0.key, $0.value) }
        partitioning = try options.partitionBy.map { e in
            func columnName(_ e: Expr) -> String? {
                if case .column(let q) = e.kind, let last = q.last { return last.normalized }
                return nil
            }
            if let c = columnName(e) { return PartitionTerm(transform: "identity", column: c, location: e.location) }
            guard case .function(let call) = e.kind, let fname = call.name.last?.normalized.lowercased() else {
                throw SQLError(.syntax, "a partition term is a column or a transform of one (bucket(16, id), truncate(4, s), days(ts), …)", at: e.location)
            }
            let names: [String: String] = ["identity": "identity", "bucket": "bucket", "truncate": "truncate", "year": "year", "years": "year",
                                           "month": "month", "months": "month", "day": "day", "days": "day", "date": "day",
                                           "hour": "hour", "hours": "hour", "date_hour": "hour"]
            guard let transform = names[fname] else {
                throw SQLError(.syntax, "\(fname) is not a partition transform (identity, bucket, truncate, years, months, days, hours)", at: e.location)
            }
            var column: String?, parameter: Int?
            for a in call.arguments {
                if let c = columnName(a), column == nil { column = c; continue }
                if case .literal(.integer(let digits)) = a.kind, parameter == nil, let n = Int(digits), n > 0 { parameter = n; continue }
                throw SQLError(.syntax, "\(fname)(…) takes \(transform == "bucket" || transform == "truncate" ? "a positive width and a column" : "one column")", at: a.location)
            }
            guard let column else { throw SQLError(.syntax, "\(fname)(…) names no column", at: e.location) }
            let wantsParameter = transform == "bucket" || transform == "truncate"
            if wantsParameter != (parameter != nil) {
                throw SQLError(.syntax, wantsParameter ? "\(fname)(…) needs its width: \(fname)(16, \(column))" : "\(fname)(…) takes only a column", at: e.location)
            }
            return PartitionTerm(transform: transform, parameter: parameter, column: column, location: e.location)
        }
    }
}
