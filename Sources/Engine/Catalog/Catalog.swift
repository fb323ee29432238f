import Columnar
import SQL

/// How a provider can apply a filter it is offered (DataFusion's
/// `TableProviderFilterPushDown`): `exact` filters are left to it alone; `inexact` ones it uses
/// to skip data while the engine still applies them; `unsupported` ones stay with the engine.
public enum FilterPushdown: Sendable {
    case unsupported, inexact, exact
}

/// What a scan asks of a provider: the columns (all when nil), the filters it accepted
/// (conjuncts over the table's columns), and how many rows suffice (a hint: the engine still
/// applies its LIMIT).
public struct ScanRequest: Sendable {
    public var projection: [Int]?
    public var filters: [BoundExpr]
    public var limit: Int?

    public init(projection: [Int]? = nil, filters: [BoundExpr] = [], limit: Int? = nil) {
        self.projection = projection
        self.filters = filters
        self.limit = limit
    }
}

/// A source of batches with a schema: what a catalog resolves a table name to. In-memory
/// tables here; SSTable backups and Iceberg tables plug in through the same protocol.
public protocol TableProvider: AnyObject, Sendable {
    var schema: [Field] { get }
    /// Estimated row count, for the optimizer; nil if unknown.
    var estimatedRows: Int? { get }
    /// Whether the provider can take this filter (a conjunct over its columns).
    func supportsFilter(_ filter: BoundExpr) -> FilterPushdown
    /// The table's rows as batches.
    func scan(_ request: ScanRequest) throws -> [Batch]
}

extension TableProvider {
    public func supportsFilter(_ filter: BoundExpr) -> FilterPushdown { .unsupported }

    public func scan(projection: [Int]?) throws -> [Batch] { try scan(ScanRequest(projection: projection)) }
}

/// A table that also accepts rows (the sink side: INSERT, CREATE TABLE AS).
public protocol TableSink: TableProvider {
    /// Appends all batches or none.
    func append(_ batches: [Batch]) throws
}

/// A table held in memory.
public final class MemoryTable: TableSink, @unchecked Sendable {
    // Guarded by `lock`.
    public let schema: [Field]
    private var batches: [Batch] = []
    private let lock = NSLockish()

    public init(schema: [Field]) { self.schema = schema }

    public var estimatedRows: Int? { lock.withLock { batches.reduce(0) { $0 + $1.count } } }

    public func scan(_ request: ScanRequest) throws -> [Batch] {
        var all = lock.withLock { batches }
        if let limit = request.limit {
            // Enough whole batches to cover the limit.
            var rows = 0
            all = Array(all.prefix { b in defer { rows += b.count }; return rows < limit })
        }
        guard let projection = request.projection else { return all }
        return all.map { b in Batch(columns: projection.map { b.columns[$0] }, count: b.count) }
    }

    public func append(_ new: [Batch]) throws {
        for b in new where b.columns.count != schema.count {
            throw SQLError(.binder, "inserting \(b.columns.count) columns into a table of \(schema.count)")
        }
        lock.withLock { batches.append(contentsOf: new.filter { $0.count > 0 }) }
    }
}

/// Tables by name in one namespace, names compared as the binder normalizes them.
public final class Catalog: @unchecked Sendable {
    // Guarded by `lock`.
    private var tables: [String: TableProvider] = [:]
    private var order: [String] = []
    private let lock = NSLockish()

    public init() {}

    /// Tables are found without regard to the case of their names.
    public func table(_ name: String) -> TableProvider? { lock.withLock { tables[name.lowercased()] } }

    public func create(_ name0: String, _ table: TableProvider, replace: Bool = false) throws {
        let name = name0.lowercased()
        try lock.withLock {
            if tables[name] != nil && !replace { throw SQLError(.catalog, "table \(name) already exists") }
            if tables[name] == nil { order.append(name) }
            tables[name] = table
        }
    }

    public func drop(_ name0: String) -> Bool {
        let name = name0.lowercased()
        return lock.withLock {
            guard tables.removeValue(forKey: name) != nil else { return false }
            order.removeAll { $0 == name }
            return true
        }
    }

    public var names: [String] { lock.withLock { order } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex, so the engine needs no Foundation.
final class NSLockish: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
