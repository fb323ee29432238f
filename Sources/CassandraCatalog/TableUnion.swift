import Columnar
import Engine
import SQL

/// `cassandra.ks."data_*"`: every table of a keyspace whose name matches a pattern, read as
/// one table — the slice tables of a Time-Series namespace, which retention creates and drops
/// (data-models.md §2.2). The tables come from one backup and must have the same columns;
/// each is read as itself (its own files, splits and pushdown), one after another in name
/// order, and `backup_source()` says which table a row came from.
public final class TableUnion: TableProvider, @unchecked Sendable {
    // Immutable after init.
    public let pattern: String
    public let tables: [BackupTable]
    public let schema: [Field]
    public let metadataColumns: [Field]

    init(pattern: String, tables: [BackupTable]) throws {
        self.pattern = pattern
        self.tables = tables
        let first = tables[0]
        for t in tables.dropFirst() where t.schema != first.schema || t.metadataColumns != first.metadataColumns {
            let describe = { (t: BackupTable) in t.schema.map { "\($0.name) \($0.type)" }.joined(separator: ", ") }
            throw SQLError(.catalog, "\(pattern) matches tables of different columns: \(first.qualifiedName) (\(describe(first))) and \(t.qualifiedName) (\(describe(t)))")
        }
        schema = first.schema
        metadataColumns = first.metadataColumns
    }

    /// Whether a table name matches a pattern of `*` (any run of characters) and `?` (one),
    /// without regard to case.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let n = Array(name.lowercased()), p = Array(pattern.lowercased())
        var i = 0, j = 0, star = -1, mark = 0
        while i < n.count {
            if j < p.count, p[j] == "?" || p[j] == n[i] { i += 1; j += 1 }
            else if j < p.count, p[j] == "*" { star = j; mark = i; j += 1 }
            else if star >= 0 { j = star + 1; mark += 1; i = mark }
            else { return false }
        }
        while j < p.count, p[j] == "*" { j += 1 }
        return j == p.count
    }

    public var estimatedRows: Int? { tables.reduce(0) { $0 + ($1.estimatedRows ?? 0) } }

    public func supportsFilter(_ filter: BoundExpr) -> FilterPushdown {
        // Every member applies what it can; the engine still applies all (inexact).
        tables.contains { $0.supportsFilter(filter) != .unsupported } ? .inexact : .unsupported
    }

    public func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
        try tables.flatMap { try $0.partitions(request) }
    }

    public func explainDetails(_ request: ScanRequest) -> [String] {
        ["union of \(tables.count) tables matching \(pattern): " + tables.map(\.tableName).joined(separator: ", ")]
            + tables.flatMap { t in t.explainDetails(request).map { "\(t.tableName): \($0)" } }
    }
}
