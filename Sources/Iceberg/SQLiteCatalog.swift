import CSQLite
import Foundation

/// The embedded catalog: a SQLite database laid out exactly as pyiceberg's `SqlCatalog`
/// (iceberg-writer-notes §2), so that `SqlCatalog("default", uri=…, warehouse=…)` opens what
/// movesql writes and movesql opens what pyiceberg writes. A commit is a compare-and-swap of
/// the table's metadata location inside `BEGIN IMMEDIATE`.
public final class SQLiteCatalog: @unchecked Sendable {
    public let path: String
    public let name: String
    private var db: OpaquePointer?

    public init(path: String, name: String = "default") throws {
        self.path = path
        self.name = name
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw IcebergError("the catalog \(path): \(message)")
        }
        sqlite3_busy_timeout(db, 10_000)
        try execute("""
            CREATE TABLE IF NOT EXISTS iceberg_tables (
                catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL,
                table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000),
                previous_metadata_location VARCHAR(1000), iceberg_type VARCHAR(5),
                PRIMARY KEY (catalog_name, table_namespace, table_name))
            """)
        try execute("""
            CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
                catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL,
                property_key VARCHAR(255) NOT NULL, property_value VARCHAR(1000) NOT NULL,
                PRIMARY KEY (catalog_name, namespace, property_key))
            """)
    }

    deinit { sqlite3_close(db) }

    private func error(_ context: String) -> IcebergError {
        IcebergError("the catalog \(path): \(context): \(String(cString: sqlite3_errmsg(db)))")
    }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw error(sql.prefix(40) + "…") }
    }

    /// Runs one statement with text (or NULL) parameters; returns the rows (as text) and the
    /// number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ parameters: [String?]) throws -> (rows: [[String?]], changes: Int) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw error("preparing \(sql)") }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, p) in parameters.enumerated() {
            if let p { sqlite3_bind_text(statement, Int32(i + 1), p, -1, transient) } else { sqlite3_bind_null(statement, Int32(i + 1)) }
        }
        var rows: [[String?]] = []
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error("running \(sql)") }
            let n = sqlite3_column_count(statement)
            rows.append((0..<n).map { c in sqlite3_column_text(statement, c).map { String(cString: $0) } })
        }
        return (rows, Int(sqlite3_changes(db)))
    }

    public func createNamespace(_ namespace: String, ifNotExists: Bool = true) throws {
        if try namespaceExists(namespace) {
            if ifNotExists { return }
            throw IcebergError("namespace \(namespace) already exists")
        }
        try run("INSERT INTO iceberg_namespace_properties VALUES (?, ?, 'exists', 'true')", [name, namespace])
    }

    public func namespaceExists(_ namespace: String) throws -> Bool {
        let props = try run("SELECT 1 FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ? LIMIT 1", [name, namespace]).rows
        let tables = try run("SELECT 1 FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? LIMIT 1", [name, namespace]).rows
        return !props.isEmpty || !tables.isEmpty
    }

    public func namespaces() throws -> [String] {
        let a = try run("SELECT DISTINCT namespace FROM iceberg_namespace_properties WHERE catalog_name = ?", [name]).rows
        let b = try run("SELECT DISTINCT table_namespace FROM iceberg_tables WHERE catalog_name = ?", [name]).rows
        return Array(Set((a + b).compactMap { $0[0] })).sorted()
    }

    public func tables(in namespace: String) throws -> [String] {
        try run("SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND (iceberg_type IS NULL OR iceberg_type = 'TABLE') ORDER BY table_name",
                [name, namespace]).rows.compactMap { $0[0] }
    }

    /// The current metadata location of a table, or nil when it does not exist.
    public func metadataLocation(namespace: String, table: String) throws -> String? {
        try run("SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
                [name, namespace, table]).rows.first?[0] ?? nil
    }

    /// Registers a new table; false when one of that name exists.
    public func register(namespace: String, table: String, metadataLocation: String) throws -> Bool {
        do {
            try run("INSERT INTO iceberg_tables VALUES (?, ?, ?, ?, NULL, 'TABLE')", [name, namespace, table, metadataLocation])
            return true
        } catch {
            if try self.metadataLocation(namespace: namespace, table: table) != nil { return false }
            throw error
        }
    }

    /// Moves the table from `old` to `new` if it is still at `old`; false when another commit
    /// got there first.
    public func swap(namespace: String, table: String, from old: String, to new: String) throws -> Bool {
        try execute("BEGIN IMMEDIATE")
        do {
            let changed = try run("""
                UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?
                WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?
                """, [new, old, name, namespace, table, old]).changes
            if changed == 1 {
                try execute("COMMIT")
                return true
            }
            try execute("ROLLBACK")
            return false
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public func drop(namespace: String, table: String) throws -> Bool {
        try run("DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?", [name, namespace, table]).changes == 1
    }
}

public struct IcebergError: Error, CustomStringConvertible {
    public var message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}
