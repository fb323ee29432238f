import Threads
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

/// Batches one after another, pulled by the consumer: a scan of one partition, an operator.
public protocol BatchStream: AnyObject {
    /// The next batch, or nil at the end.
    func next() throws -> Batch?
}

/// One independently readable piece of a scan. Partitions of one scan are read in parallel,
/// each on one thread; the engine keeps their batches in partition order, so a provider whose
/// partitions follow its natural order (token order, file order) is read in that order.
public protocol ScanPartition: Sendable {
    /// Estimated rows in this piece, for EXPLAIN; nil if unknown.
    var estimatedRows: Int? { get }
    /// Starts reading; called once, on the thread that will pull the stream.
    func open() throws -> BatchStream
}

extension ScanPartition {
    public var estimatedRows: Int? { nil }
}

/// A source of batches with a schema: what a catalog resolves a table name to. In-memory
/// tables here; SSTable backups and Iceberg tables plug in through the same protocol.
public protocol TableProvider: AnyObject, Sendable {
    var schema: [Field] { get }
    /// Estimated row count, for the optimizer; nil if unknown.
    var estimatedRows: Int? { get }
    /// Whether the provider can take this filter (a conjunct over its columns).
    func supportsFilter(_ filter: BoundExpr) -> FilterPushdown
    /// The scan split into pieces that can be read in parallel (at least one). Batches carry
    /// the request's projection, in its order (all columns when it is nil). Projection and
    /// filter indices past `schema` name `metadataColumns`.
    func partitions(_ request: ScanRequest) throws -> [ScanPartition]
    /// Columns read only by name through call syntax and never by `*` (a backup's
    /// `writetime(email)`, `ttl(email)`, `token(id)`, `last_modified()`), named exactly as the
    /// call is written in lower case without spaces.
    var metadataColumns: [Field] { get }
    /// Lines EXPLAIN shows under the scan: which version it reads, how it splits and why.
    func explainDetails(_ request: ScanRequest) -> [String]
}

extension TableProvider {
    public func supportsFilter(_ filter: BoundExpr) -> FilterPushdown { .unsupported }
    public var metadataColumns: [Field] { [] }
    public func explainDetails(_ request: ScanRequest) -> [String] { [] }

    /// Every batch of a scan, partition after partition (for tests and small tables).
    public func scanAll(_ request: ScanRequest = ScanRequest()) throws -> [Batch] {
        var out: [Batch] = []
        for p in try partitions(request) {
            let stream = try p.open()
            while let b = try stream.next() { out.append(b) }
        }
        return out
    }
}

/// A partition over batches already in memory.
public struct BatchListPartition: ScanPartition {
    public let batches: [Batch]
    public init(_ batches: [Batch]) { self.batches = batches }
    public var estimatedRows: Int? { batches.reduce(0) { $0 + $1.count } }
    public func open() throws -> BatchStream { BatchListStream(batches) }
}

/// A stream over batches already in memory.
public final class BatchListStream: BatchStream {
    private var batches: [Batch]
    private var index = 0
    public init(_ batches: [Batch]) { self.batches = batches }
    public func next() throws -> Batch? {
        guard index < batches.count else { return nil }
        defer { batches[index] = Batch(columns: [], count: 0); index += 1 }
        return batches[index]
    }
}

/// A write into a sink: batches are staged as they come and become visible together at
/// `commit()`; a write that is never committed leaves the table as it was.
public protocol TableWrite: AnyObject {
    func append(_ batch: Batch) throws
    /// Makes every appended batch visible at once.
    func commit() throws
    /// Gives up the write: nothing becomes visible, and what was staged is removed.
    func abort()
}

extension TableWrite {
    public func abort() {}
}

/// A table that also accepts rows (the sink side: INSERT, CREATE TABLE AS).
public protocol TableSink: TableProvider {
    func beginWrite() throws -> TableWrite
    /// A write whose commit replaces every row of the table (INSERT OVERWRITE).
    func beginOverwrite() throws -> TableWrite
}

extension TableSink {
    public func beginOverwrite() throws -> TableWrite {
        throw SQLError(.unsupported, "this table cannot be overwritten (INSERT OVERWRITE); use INSERT INTO")
    }
}

extension TableSink {
    /// Appends all batches or none.
    public func append(_ batches: [Batch]) throws {
        let w = try beginWrite()
        for b in batches { try w.append(b) }
        try w.commit()
    }
}

/// A table held in memory; scans split it into partitions of `partitionRows` rows, a number
/// that does not depend on the machine so that results (and float rounding) do not either.
public final class MemoryTable: TableSink, @unchecked Sendable {
    public static let partitionBatches = 32
    // Guarded by `lock`.
    public let schema: [Field]
    private var batches: [Batch] = []
    private let lock = Monitor()

    public init(schema: [Field]) { self.schema = schema }

    public var estimatedRows: Int? { lock.withLock { batches.reduce(0) { $0 + $1.count } } }

    public func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
        var all = lock.withLock { batches }
        if let limit = request.limit {
            // Enough whole batches to cover the limit.
            var rows = 0
            all = Array(all.prefix { b in defer { rows += b.count }; return rows < limit })
        }
        if let projection = request.projection {
            all = all.map { b in Batch(columns: projection.map { b.columns[$0] }, count: b.count) }
        }
        if all.isEmpty { return [BatchListPartition([])] }
        return stride(from: 0, to: all.count, by: Self.partitionBatches).map {
            BatchListPartition(Array(all[$0..<min(all.count, $0 + Self.partitionBatches)]))
        }
    }

    public func beginWrite() throws -> TableWrite { Write(self, replacing: false) }
    public func beginOverwrite() throws -> TableWrite { Write(self, replacing: true) }

    final class Write: TableWrite {
        let table: MemoryTable
        let replacing: Bool
        var staged: [Batch] = []
        var committed = false
        init(_ table: MemoryTable, replacing: Bool) {
            self.table = table
            self.replacing = replacing
        }
        func append(_ b: Batch) throws {
            guard b.columns.count == table.schema.count else {
                throw SQLError(.binder, "inserting \(b.columns.count) columns into a table of \(table.schema.count)")
            }
            if b.count > 0 { staged.append(b) }
        }
        func commit() throws {
            guard !committed else { throw SQLError(.runtime, "a write was committed twice") }
            committed = true
            // Rebatched so that scans see full batches however small the appends were.
            let full = Executor.rebatch(staged)
            table.lock.withLock {
                if replacing { table.batches = [] }
                table.batches.append(contentsOf: full)
            }
        }
    }
}

/// Tables by name in one namespace, names compared as the binder normalizes them.
public final class Catalog: @unchecked Sendable {
    // Guarded by `lock`.
    private var tables: [String: TableProvider] = [:]
    private var order: [String] = []
    private let lock = Monitor()

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
