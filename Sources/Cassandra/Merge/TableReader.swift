/// The SSTables of one table, read as one: the files of a folder merged into the table's
/// live CQL rows, or shown one by one as they are stored.
public final class TableReader {
    public let sstables: [SSTable]
    public let layout: TableLayout
    public let partitioner: Partitioner

    /// Opens every SSTable under `path` (a folder, or one component file). `schema` names the
    /// table's columns; without it they come from the files' serialization headers.
    public convenience init(path: String, schema: TableSchema? = nil) throws {
        let sstables = try SSTable.discover(path: path)
        try self.init(sstables: sstables, schema: schema)
    }

    public init(sstables: [SSTable], schema: TableSchema? = nil) throws {
        guard let first = sstables.first else {
            throw SSTableError(.missingComponent, file: "", "no SSTables given")
        }
        self.sstables = sstables
        let p = try first.partitioner
        for s in sstables.dropFirst() where try s.partitioner != p {
            throw SSTableError(.schema, file: s.descriptor.path("Statistics.db"),
                               "partitioner \(s.statistics.partitionerName) differs from \(first.descriptor)'s \(p.rawValue): these files are not of one table")
        }
        self.partitioner = p
        // The files of one table share their key and clustering types.
        let key = first.header.partitionKeyType.marshalName
        let clustering = first.header.clusteringTypes.map(\.marshalName)
        for s in sstables.dropFirst() {
            let otherKey = s.header.partitionKeyType.marshalName
            let otherClustering = s.header.clusteringTypes.map(\.marshalName)
            guard otherKey == key, otherClustering == clustering else {
                throw SSTableError(.schema, file: s.descriptor.path("Statistics.db"),
                                   "primary key types (\(s.header.partitionKeyType.cql); \(s.header.clusteringTypes.map(\.cql).joined(separator: ", "))) differ from \(first.descriptor)'s (\(first.header.partitionKeyType.cql); \(first.header.clusteringTypes.map(\.cql).joined(separator: ", "))): these files are not of one table")
            }
        }
        let resolved = try schema ?? TableReader.schemaFromHeaders(sstables)
        if schema != nil {
            let fileKey = first.header.partitionKeyType
            let pkCount: Int
            if case .composite(let parts) = fileKey { pkCount = parts.count } else { pkCount = 1 }
            guard pkCount == resolved.partitionKey.count else {
                throw SSTableError(.schema, file: first.descriptor.path("Statistics.db"),
                                   "the schema has \(resolved.partitionKey.count) partition key columns, the file has \(pkCount)")
            }
            let fileClustering = resolved.isStaticCompact ? 0 : first.header.clusteringTypes.count
            guard resolved.isStaticCompact || fileClustering == resolved.clustering.count else {
                throw SSTableError(.schema, file: first.descriptor.path("Statistics.db"),
                                   "the schema has \(resolved.clustering.count) clustering columns, the file has \(fileClustering)")
            }
        }
        self.layout = TableLayout(schema: resolved)
    }

    /// The union of the columns every file's header lists.
    static func schemaFromHeaders(_ sstables: [SSTable]) throws -> TableSchema {
        var schema = TableSchema.fromHeader(sstables[0].header)
        for s in sstables.dropFirst() {
            let other = TableSchema.fromHeader(s.header)
            for c in other.staticColumns where schema.column(named: c.name) == nil { schema.staticColumns.append(c) }
            for c in other.regularColumns where schema.column(named: c.name) == nil { schema.regularColumns.append(c) }
        }
        schema.displayOrder = schema.allColumns.map(\.name)
        return schema
    }

    /// A scanner per file, of the partitions `filter` selects.
    public func scanners(filter: PartitionFilter = .all) throws -> [SSTableScanner] {
        try sstables.map { try SSTableScanner(sstable: $0, layout: layout, filter: filter) }
    }

    /// The merged live rows of the partitions `filter` selects.
    public func rows(now: Int64?, filter: PartitionFilter = .all) throws -> LiveRowStream {
        LiveRowStream(merged: MergedScanner(scanners: try scanners(filter: filter), layout: layout, now: now), layout: layout)
    }

    /// The serialized partition key for the given key column values, in CQL literal form.
    public func partitionKey(literals: [String]) throws -> [UInt8] {
        let pk = layout.schema.partitionKey
        guard literals.count == pk.count else {
            throw SSTableError(.schema, file: "", "the partition key has \(pk.count) columns (\(pk.map(\.name).joined(separator: ", "))), \(literals.count) values given")
        }
        let parts = try zip(literals, pk).map { literal, column -> [UInt8] in
            do { return try CQLLiteral.encode(literal, as: column.type) } catch let e as CQLLiteral.LiteralError {
                throw SSTableError(.schema, file: "", "key column \(column.name): \(e.message)")
            }
        }
        if parts.count == 1 { return parts[0] }
        // CompositeType: each component with a 16-bit length and an end-of-component byte.
        var out: [UInt8] = []
        for p in parts {
            out.append(UInt8(p.count >> 8)); out.append(UInt8(p.count & 0xff))
            out.append(contentsOf: p)
            out.append(0)
        }
        return out
    }

    /// Parses a token in the partitioner's notation (a signed 64-bit integer for Murmur3,
    /// a non-negative integer for Random, hex bytes for ByteOrdered).
    public func token(literal: String) throws -> Token {
        switch partitioner {
        case .murmur3:
            guard let v = Int64(literal) else { throw SSTableError(.schema, file: "", "'\(literal)' is not a Murmur3 token (a signed 64-bit integer)") }
            return .murmur3(v)
        case .byteOrdered:
            guard let b = CQLLiteral.hexBytes(literal) else { throw SSTableError(.schema, file: "", "'\(literal)' is not a ByteOrdered token (hex bytes)") }
            return .bytes(b)
        case .random:
            guard let v = CQLLiteral.unsignedMagnitude(literal, bytes: 16) else {
                throw SSTableError(.schema, file: "", "'\(literal)' is not a RandomPartitioner token (0 to 2^127)")
            }
            return .random(v)
        }
    }
}

/// Live CQL rows of a table, one at a time, as values in the schema's display order.
public final class LiveRowStream {
    public let layout: TableLayout
    let merged: MergedScanner
    private var partition: MergedScanner.Partition?
    private var partitionKey: [CQLValue] = []
    private var staticValues: [CQLValue?] = []
    private var hasLiveStatic = false
    private var values: [CQLValue?] = []
    private var rowsInPartition = 0
    private let displayIndex: [(kind: ColumnDefinition.Kind, index: Int)]
    private let schema: TableSchema
    private let clustering: [ColumnDefinition]

    init(merged: MergedScanner, layout: TableLayout) {
        self.merged = merged
        self.layout = layout
        let s = layout.schema
        schema = s
        clustering = s.clustering
        displayIndex = s.displayOrder.map { name in
            if let i = s.partitionKey.firstIndex(where: { $0.name == name }) { return (.partitionKey, i) }
            if let i = s.clustering.firstIndex(where: { $0.name == name }) { return (.clustering, i) }
            if let i = layout.cellColumns.firstIndex(where: { $0.name == name }) { return (.regular, i) }
            return (.regular, -1)
        }
    }

    public var columnNames: [String] { layout.schema.displayOrder }

    /// The next live row, or nil after the last. Throws on corrupt input.
    public func next() throws -> [CQLValue]? {
        while true {
            if partition == nil {
                guard let p = try merged.nextPartition() else { return nil }
                partition = p
                rowsInPartition = 0
                partitionKey = try RowDecoder.partitionKey(p.key, schema: schema)
                staticValues = [CQLValue?](repeating: nil, count: layout.cellColumns.count)
                hasLiveStatic = false
                if let st = p.staticRow {
                    try RowDecoder.cellValues(st, layout: layout, into: &staticValues)
                    hasLiveStatic = !st.cells.isEmpty
                }
            }
            if let row = try merged.nextRow() {
                rowsInPartition += 1
                return try assemble(row)
            }
            let hadRows = rowsInPartition > 0
            partition = nil
            // A partition with only a live static row shows as one row with null clustering.
            if !hadRows && hasLiveStatic {
                return try assemble(nil)
            }
        }
    }

    private func assemble(_ row: Row?) throws -> [CQLValue] {
        values = staticValues
        if let row { try RowDecoder.cellValues(row, layout: layout, into: &values) }
        return try displayIndex.map { kind, index in
            switch kind {
            case .partitionKey: return partitionKey[index]
            case .clustering:
                guard let row, index < row.clustering.count, let bytes = row.clustering[index] else { return .null }
                return try RowDecoder.decode(bytes, as: clustering[index].type, column: clustering[index].name)
            default:
                return index >= 0 ? values[index] ?? .null : .null
            }
        }
    }
}

/// Turns stored bytes into values.
enum RowDecoder {
    static func decode(_ bytes: Bytes, as type: CQLType, column: String) throws -> CQLValue {
        do {
            if case .counter = type.base {
                guard let total = CounterContext.total(bytes) else {
                    throw ValueDecoder.DecodeError(message: "not a counter context (\(bytes.count) bytes)")
                }
                return .int(total)
            }
            return try ValueDecoder.decode(bytes, as: type)
        } catch let e as ValueDecoder.DecodeError {
            throw SSTableError(.corrupt, file: "", "column \(column): \(e.message)")
        }
    }

    static func partitionKey(_ key: [UInt8], schema: TableSchema) throws -> [CQLValue] {
        if schema.partitionKey.count == 1 {
            return [try decode(key[...], as: schema.partitionKey[0].type, column: schema.partitionKey[0].name)]
        }
        guard case .tuple(let parts) = try decode(key[...], as: schema.partitionKeyType, column: "partition key") else { return [] }
        return parts
    }

    /// Values of a resolved row's live cells, stored at their cell column index.
    static func cellValues(_ row: Row, layout: TableLayout, into out: inout [CQLValue?]) throws {
        var i = 0
        let cells = row.cells
        while i < cells.count {
            let column = cells[i].column
            let def = layout.cellColumns[column]
            if !def.isComplex {
                out[column] = try decode(row.value(cells[i]), as: def.type, column: def.name)
                i += 1
                continue
            }
            var j = i
            while j < cells.count && cells[j].column == column { j += 1 }
            let group = cells[i..<j]
            i = j
            switch def.type.base {
            case .list(let e, _):
                out[column] = .list(try group.map { try decode(row.value($0), as: e, column: def.name) })
            case .set(let e, _):
                out[column] = .set(try group.map { try decode(row.path($0) ?? [], as: e, column: def.name) })
            case .map(let k, let v, _):
                out[column] = .map(try group.map { try decode(row.path($0) ?? [], as: k, column: def.name) },
                                   try group.map { try decode(row.value($0), as: v, column: def.name) })
            case .udt(let d, _):
                var values = [CQLValue](repeating: .null, count: d.fieldTypes.count)
                for c in group {
                    guard let p = row.path(c), p.count == 2 else { continue }
                    let f = Int(UInt16(p[p.startIndex]) << 8 | UInt16(p[p.startIndex + 1]))
                    if f < values.count { values[f] = try decode(row.value(c), as: d.fieldTypes[f], column: def.name) }
                }
                out[column] = .udt(names: d.fieldNames, values: values)
            default:
                break
            }
        }
    }
}
