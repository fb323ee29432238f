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
        if memberConstraint(filter) != nil { return .inexact }
        return tables.contains { $0.supportsFilter(filter) != .unsupported } ? .inexact : .unsupported
    }

    /// `backup_source()."table" = 'x'`, `IN ('x', …)` or `NOT IN (…)`: the tables it keeps
    /// (names in lower case) and whether it keeps those or all the others.
    func memberConstraint(_ e: BoundExpr) -> (names: Set<String>, keep: Bool)? {
        let source = schema.count + metadataColumns.count - 1
        guard metadataColumns.last?.name == "backup_source()" else { return nil }
        func isTableField(_ x: BoundExpr) -> Bool {
            guard case .call(let f, let args) = x, f.name == "struct_extract_2", args.count == 1, case .column(let i, _) = args[0] else { return false }
            return i == source
        }
        func names(_ xs: [BoundExpr]) -> Set<String>? {
            var out = Set<String>()
            for x in xs { guard case .constant(.string(let s), _) = x else { return nil }; out.insert(s.lowercased()) }
            return out
        }
        switch e {
        case .call(let f, let args) where f.name == "=" && args.count == 2:
            if isTableField(args[0]), let n = names([args[1]]) { return (n, true) }
            if isTableField(args[1]), let n = names([args[0]]) { return (n, true) }
        case .call(let f, let args) where f.name == "in" && args.count >= 2 && isTableField(args[0]):
            if let n = names(Array(args.dropFirst())) { return (n, true) }
        case .inList(let x, let items, let negated) where isTableField(x):
            if let n = names(items) { return (n, !negated) }
        default: break
        }
        return nil
    }

    /// The members a request's filters leave.
    func members(_ request: ScanRequest) -> [BackupTable] {
        var kept = tables
        for f in request.filters {
            guard let (names, keep) = memberConstraint(f) else { continue }
            kept = kept.filter { names.contains($0.tableName.lowercased()) == keep }
        }
        return kept
    }

    public func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
        let kept = members(request)
        // An empty scan still has one (empty) partition.
        guard !kept.isEmpty else { return [BatchListPartition([])] }
        return try kept.flatMap { try $0.partitions(request) }
    }

    public func explainDetails(_ request: ScanRequest) -> [String] {
        let kept = members(request)
        var lines = ["union of \(tables.count) tables matching \(pattern): " + tables.map(\.tableName).joined(separator: ", ")]
        if kept.count < tables.count {
            lines.append("backup_source().\"table\" filter: \(kept.count) of \(tables.count) tables read" + (kept.isEmpty ? "" : " (" + kept.map(\.tableName).joined(separator: ", ") + ")"))
        }
        return lines + kept.flatMap { t in t.explainDetails(request).map { "\(t.tableName): \($0)" } }
    }
}
