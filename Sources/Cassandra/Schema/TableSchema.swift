/// One column of a table.
public struct ColumnDefinition: Sendable, Hashable {
    public enum Kind: Int, Sendable, Comparable {
        case partitionKey, clustering, staticColumn, regular
        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    public var name: String
    public var type: CQLType
    public var kind: Kind

    public init(name: String, type: CQLType, kind: Kind) {
        self.name = name
        self.type = type
        self.kind = kind
    }

    public var isComplex: Bool { type.isMultiCell }

    /// Cassandra's order of columns within a row: simple before complex, then by the name's
    /// UTF-8 bytes (`ColumnMetadata.compareTo`).
    static func rowOrder(_ a: ColumnDefinition, _ b: ColumnDefinition) -> Bool {
        if a.isComplex != b.isComplex { return !a.isComplex }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }
}

/// The columns of a table as movesql presents them: every CQL column by name in
/// CREATE TABLE order (partition key, clustering, then the others).
public struct TableSchema: Sendable {
    public var keyspace: String?
    public var name: String?
    public var partitionKey: [ColumnDefinition]
    public var clustering: [ColumnDefinition]
    public var staticColumns: [ColumnDefinition]
    public var regularColumns: [ColumnDefinition]
    /// COMPACT STORAGE without clustering columns: the file holds the columns as static
    /// columns of a hidden clustering column, but CQL shows them as regular columns.
    public var isStaticCompact: Bool = false
    /// The order columns are printed in; defaults to key, clustering, static, regular.
    public var displayOrder: [String]

    public init(keyspace: String? = nil, name: String? = nil, partitionKey: [ColumnDefinition], clustering: [ColumnDefinition],
                staticColumns: [ColumnDefinition], regularColumns: [ColumnDefinition], isStaticCompact: Bool = false,
                displayOrder: [String]? = nil) {
        self.keyspace = keyspace
        self.name = name
        self.partitionKey = partitionKey
        self.clustering = clustering
        self.staticColumns = staticColumns
        self.regularColumns = regularColumns
        self.isStaticCompact = isStaticCompact
        self.displayOrder = displayOrder ?? (partitionKey + clustering + staticColumns + regularColumns).map(\.name)
    }

    public var allColumns: [ColumnDefinition] { partitionKey + clustering + staticColumns + regularColumns }

    public func column(named n: String) -> ColumnDefinition? { allColumns.first { $0.name == n } }

    /// The partition key as one type (a composite when the key has several columns).
    public var partitionKeyType: CQLType {
        partitionKey.count == 1 ? partitionKey[0].type : .composite(partitionKey.map(\.type))
    }

    /// The schema a serialization header describes. Key columns have no names in the file:
    /// they get Cassandra's defaults for schema-less tables (`key`, `key2`…, `column1`…).
    public static func fromHeader(_ h: SerializationHeader) -> TableSchema {
        var pk: [ColumnDefinition] = []
        if case .composite(let parts) = h.partitionKeyType {
            for (i, t) in parts.enumerated() {
                pk.append(ColumnDefinition(name: i == 0 ? "key" : "key\(i + 1)", type: t, kind: .partitionKey))
            }
        } else {
            pk.append(ColumnDefinition(name: "key", type: h.partitionKeyType, kind: .partitionKey))
        }
        let clustering = h.clusteringTypes.enumerated().map {
            ColumnDefinition(name: "column\($0.offset + 1)", type: $0.element, kind: .clustering)
        }
        // A static-compact table: one clustering column, static columns, no regular ones.
        let staticCompact = h.clusteringTypes.count == 1 && !h.staticColumns.isEmpty && h.regularColumns.isEmpty
        if staticCompact {
            return TableSchema(partitionKey: pk, clustering: [], staticColumns: [],
                               regularColumns: h.staticColumns.map { ColumnDefinition(name: $0.name, type: $0.type, kind: .regular) },
                               isStaticCompact: true)
        }
        return TableSchema(partitionKey: pk, clustering: clustering, staticColumns: h.staticColumns,
                           regularColumns: h.regularColumns)
    }
}
