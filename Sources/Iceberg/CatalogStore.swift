import Foundation
import JSON

/// A table's metadata file and its contents, as a catalog points at it.
public struct TableState: Sendable {
    public var location: String
    public var metadata: JSONValue

    public init(location: String, metadata: JSONValue) {
        self.location = location
        self.metadata = metadata
    }
}

/// What one commit adds: the snapshot (its metadata.json object), the snapshot it was built on.
public struct SnapshotChange: Sendable {
    public var snapshot: JSONValue
    public var snapshotId: Int64
    public var parentId: Int64?
}

/// Where tables are registered and how a commit lands: the embedded SQLite catalog (we write
/// metadata files and swap a pointer) or an Iceberg REST catalog (we send the change with its
/// requirements; the server writes the metadata). Both answer a lost race with nil.
public protocol IcebergCatalogStore: AnyObject, Sendable {
    /// For messages: the catalog's database file or URL.
    var description: String { get }
    func namespaces() throws -> [String]
    func namespaceExists(_ namespace: String) throws -> Bool
    func createNamespace(_ namespace: String) throws
    func tables(in namespace: String) throws -> [String]
    func loadTable(namespace: String, table: String) throws -> TableState?
    /// Registers a table whose first metadata is `metadata` (its `location` is where the
    /// table's files go, when the catalog lets the client choose); nil when it exists.
    func createTable(namespace: String, table: String, metadata: JSONValue, schema: IcebergSchema, spec: PartitionSpec,
                     properties: [(String, String)]) throws -> TableState?
    /// Makes `next` (built on `base`, adding `change`) the table's metadata; nil when the
    /// table moved on from `base` first.
    func commit(namespace: String, table: String, base: TableState, next: JSONValue, change: SnapshotChange) throws -> TableState?
    func drop(namespace: String, table: String) throws -> Bool
}

extension SQLiteCatalog: IcebergCatalogStore {
    public var description: String { path }

    public func createNamespace(_ namespace: String) throws { try createNamespace(namespace, ifNotExists: true) }

    public func loadTable(namespace: String, table: String) throws -> TableState? {
        guard let location = try metadataLocation(namespace: namespace, table: table) else { return nil }
        return TableState(location: location, metadata: try IcebergTable.readJSON(location))
    }

    public func createTable(namespace: String, table: String, metadata: JSONValue, schema: IcebergSchema, spec: PartitionSpec,
                            properties: [(String, String)]) throws -> TableState? {
        guard case .string(let location)? = metadata["location"] else { throw IcebergError("new metadata without a location") }
        let file = IcebergTable.path(ofLocation: location) + "/metadata/00000-\(IcebergTable.uuid()).metadata.json"
        try IcebergTable.write(Array(metadata.text.utf8), to: file)
        guard try register(namespace: namespace, table: table, metadataLocation: "file://" + file) else {
            try? FileManager.default.removeItem(atPath: file)
            return nil
        }
        return TableState(location: "file://" + file, metadata: metadata)
    }

    public func commit(namespace: String, table: String, base: TableState, next: JSONValue, change: SnapshotChange) throws -> TableState? {
        guard case .string(let location)? = next["location"] else { throw IcebergError("metadata without a location") }
        let version = (IcebergTable.version(of: base.location) ?? 0) + 1
        let file = IcebergTable.path(ofLocation: location) + "/metadata/" + String(format: "%05d", version) + "-\(IcebergTable.uuid()).metadata.json"
        try IcebergTable.write(Array(next.text.utf8), to: file)
        FaultPoint.hit("iceberg.commit.before-swap")
        if try swap(namespace: namespace, table: table, from: base.location, to: "file://" + file) {
            return TableState(location: "file://" + file, metadata: next)
        }
        try? FileManager.default.removeItem(atPath: file)
        return nil
    }
}
