/// How rows of one table are laid out for the reader and the merge: the table's cell
/// columns (static, then regular, each in Cassandra's row order) that cells refer to by
/// index, and the clustering types that order rows.
public struct TableLayout: Sendable {
    public let schema: TableSchema
    /// Columns that hold cells: static columns first, then regular ones.
    public let cellColumns: [ColumnDefinition]
    public let staticColumnCount: Int
    public let clusteringTypes: [CQLType]
    public let comparator: ClusteringComparator

    public init(schema: TableSchema) {
        self.schema = schema
        let statics = schema.staticColumns.sorted(by: ColumnDefinition.rowOrder)
        let regulars = schema.regularColumns.sorted(by: ColumnDefinition.rowOrder)
        cellColumns = statics + regulars
        staticColumnCount = statics.count
        clusteringTypes = schema.clustering.map(\.type)
        comparator = ClusteringComparator(types: clusteringTypes)
    }

    /// Maps the columns of one SSTable's header onto this table's cell columns.
    func mapping(for header: SerializationHeader, file: String) throws -> ColumnMapping {
        func index(of c: ColumnDefinition, statics: Bool) throws -> Int {
            let range = statics ? 0..<staticColumnCount : staticColumnCount..<cellColumns.count
            guard let i = range.first(where: { cellColumns[$0].name == c.name }) else { return -1 }
            let mine = cellColumns[i]
            if mine.isComplex != c.isComplex {
                throw SSTableError(.schema, file: file,
                                   "column \(c.name) is \(c.type.cql) in the file but \(mine.type.cql) in the schema")
            }
            return i
        }
        if schema.isStaticCompact {
            // The file's static columns are the table's regular columns.
            return ColumnMapping(staticColumns: try header.staticColumns.map { try index(of: $0, statics: false) },
                                 staticTypes: header.staticColumns.map(\.type),
                                 regularColumns: try header.regularColumns.map { try index(of: $0, statics: false) },
                                 regularTypes: header.regularColumns.map(\.type), staticRowIsRegular: true)
        }
        return ColumnMapping(staticColumns: try header.staticColumns.map { try index(of: $0, statics: true) },
                             staticTypes: header.staticColumns.map(\.type),
                             regularColumns: try header.regularColumns.map { try index(of: $0, statics: false) },
                             regularTypes: header.regularColumns.map(\.type), staticRowIsRegular: false)
    }
}

/// For one SSTable: which table cell column each header column is (-1: not in the table,
/// e.g. dropped), and the type the file wrote it with.
struct ColumnMapping {
    var staticColumns: [Int]
    var staticTypes: [CQLType]
    var regularColumns: [Int]
    var regularTypes: [CQLType]
    /// Static-compact tables: the static row is the partition's one CQL row.
    var staticRowIsRegular: Bool
}
