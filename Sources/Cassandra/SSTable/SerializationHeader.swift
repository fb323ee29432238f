/// The serialization header of an SSTable (in Statistics.db): the encoding stats that
/// timestamps, TTLs and deletion times are stored relative to, and the types and names of
/// the columns the file holds. Follows `db.SerializationHeader` and `rows.EncodingStats`.
public struct SerializationHeader: Sendable {
    /// 2015-09-22T00:00:00Z, the epoch of the encoding stats.
    public static let timestampEpoch: Int64 = 1_442_880_000_000_000
    public static let deletionTimeEpoch: Int64 = 1_442_880_000

    public var minTimestamp: Int64
    public var minLocalDeletionTime: Int64
    public var minTTL: Int64
    public var partitionKeyType: CQLType
    public var clusteringTypes: [CQLType]
    /// In Cassandra's row order (simple by name, then complex by name), whatever order the
    /// writer used: ScyllaDB writes schema order.
    public var staticColumns: [ColumnDefinition]
    public var regularColumns: [ColumnDefinition]

    public var hasStatic: Bool { !staticColumns.isEmpty }

    /// The header a writer of `layout`'s table puts in a new SSTable, with the encoding stats'
    /// minimums of the data it holds.
    public init(layout: TableLayout, minTimestamp: Int64, minLocalDeletionTime: Int64 = deletionTimeEpoch, minTTL: Int64 = 0) {
        self.init(minTimestamp: minTimestamp, minLocalDeletionTime: minLocalDeletionTime, minTTL: minTTL,
                  partitionKeyType: layout.schema.partitionKeyType, clusteringTypes: layout.clusteringTypes,
                  staticColumns: layout.schema.staticColumns.sorted(by: ColumnDefinition.rowOrder),
                  regularColumns: layout.schema.regularColumns.sorted(by: ColumnDefinition.rowOrder))
    }

    init(minTimestamp: Int64, minLocalDeletionTime: Int64, minTTL: Int64, partitionKeyType: CQLType, clusteringTypes: [CQLType],
         staticColumns: [ColumnDefinition], regularColumns: [ColumnDefinition]) {
        self.minTimestamp = minTimestamp
        self.minLocalDeletionTime = minLocalDeletionTime
        self.minTTL = minTTL
        self.partitionKeyType = partitionKeyType
        self.clusteringTypes = clusteringTypes
        self.staticColumns = staticColumns
        self.regularColumns = regularColumns
    }

    static func parse(_ input: ByteInput, version: FormatVersion) throws -> SerializationHeader {
        // The deltas are written as unsigned vints of a wrapping subtraction.
        let ts = Int64(bitPattern: try input.readUnsignedVInt()) &+ timestampEpoch
        let ldtRaw = Int64(bitPattern: try input.readUnsignedVInt()) &+ deletionTimeEpoch
        // Up to nb local deletion times are signed ints; oa made them unsigned.
        let ldt = version.hasUIntDeletionTime ? Int64(UInt32(truncatingIfNeeded: ldtRaw)) : Int64(Int32(truncatingIfNeeded: ldtRaw))
        let ttl = Int64(Int32(truncatingIfNeeded: try input.readUnsignedVInt()))
        func type() throws -> CQLType {
            let at = input.position
            let text = String(decoding: try input.readVIntLengthBytes(), as: UTF8.self)
            do { return try MarshalTypeParser.parse(text) } catch {
                throw input.error(.corrupt, at: at, "\(error)")
            }
        }
        let keyType = try type()
        let nClustering = try input.readLength("clustering column count", max: 65535)
        var clustering: [CQLType] = []
        for _ in 0..<nClustering { clustering.append(try type()) }
        func columns(_ kind: ColumnDefinition.Kind) throws -> [ColumnDefinition] {
            let n = try input.readLength("column count", max: 1 << 20)
            var cols: [ColumnDefinition] = []
            for _ in 0..<n {
                let name = String(decoding: try input.readVIntLengthBytes(), as: UTF8.self)
                cols.append(ColumnDefinition(name: name, type: try type(), kind: kind))
            }
            return cols.sorted(by: ColumnDefinition.rowOrder)
        }
        let statics = try columns(.staticColumn)
        let regulars = try columns(.regular)
        return SerializationHeader(minTimestamp: ts, minLocalDeletionTime: ldt, minTTL: ttl,
                                   partitionKeyType: keyType, clusteringTypes: clustering,
                                   staticColumns: statics, regularColumns: regulars)
    }
}
