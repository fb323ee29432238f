/// The types of the engine: SQL's logical types, each with one physical layout.
public indirect enum DataType: Sendable, Hashable, CustomStringConvertible {
    /// The type of a bare NULL literal, castable to anything.
    case null
    case boolean
    case tinyint, smallint, integer, bigint
    /// 128-bit integer: varint values that fit, sums of bigints.
    case hugeint
    case float, double
    /// Exact decimal; stored as Int64 up to precision 18, as Int128 up to 38.
    case decimal(precision: Int, scale: Int)
    case varchar
    case blob
    /// Days since 1970-01-01.
    case date
    /// Microseconds since midnight.
    case time
    /// Microseconds since 1970-01-01T00:00:00Z (UTC).
    case timestamp
    /// Months, days and microseconds (a Cassandra duration keeps nanoseconds: see `Interval`).
    case interval
    case uuid
    case list(DataType)
    case map(DataType, DataType)
    case structure([Field])

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .boolean: return "BOOLEAN"
        case .tinyint: return "TINYINT"
        case .smallint: return "SMALLINT"
        case .integer: return "INTEGER"
        case .bigint: return "BIGINT"
        case .hugeint: return "HUGEINT"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .decimal(let p, let s): return "DECIMAL(\(p),\(s))"
        case .varchar: return "VARCHAR"
        case .blob: return "BLOB"
        case .date: return "DATE"
        case .time: return "TIME"
        case .timestamp: return "TIMESTAMP"
        case .interval: return "INTERVAL"
        case .uuid: return "UUID"
        case .list(let e): return "\(e)[]"
        case .map(let k, let v): return "MAP(\(k), \(v))"
        case .structure(let fs): return "STRUCT(" + fs.map { "\($0.name) \($0.type)" }.joined(separator: ", ") + ")"
        }
    }

    public var isInteger: Bool {
        switch self {
        case .tinyint, .smallint, .integer, .bigint, .hugeint: return true
        default: return false
        }
    }

    public var isNumeric: Bool {
        switch self {
        case .tinyint, .smallint, .integer, .bigint, .hugeint, .float, .double, .decimal: return true
        default: return false
        }
    }

    /// How values of this type are laid out in a column.
    public var physical: PhysicalType {
        switch self {
        case .null, .boolean: return .bool
        case .tinyint: return .int8
        case .smallint: return .int16
        case .integer, .date: return .int32
        case .bigint, .time, .timestamp: return .int64
        case .hugeint: return .int128
        case .float: return .float32
        case .double: return .float64
        case .decimal(let p, _): return p <= 18 ? .int64 : .int128
        case .varchar, .blob: return .bytes
        case .interval: return .interval
        case .uuid: return .uint128
        case .list, .map: return .list
        case .structure: return .structure
        }
    }
}

/// A named, typed member of a struct or a schema.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: DataType
    public var nullable: Bool

    public init(_ name: String, _ type: DataType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// The physical layouts of `Column`.
public enum PhysicalType: Sendable, Hashable {
    case bool, int8, int16, int32, int64, int128, uint128, float32, float64, interval, bytes, list, structure
}

/// A calendar interval: months and days stay apart from the exact part, as in PostgreSQL,
/// DuckDB and Iceberg. Cassandra durations keep nanoseconds; the engine keeps microseconds
/// and `nanosRemainder` so that a duration survives the round trip exactly.
public struct Interval: Sendable, Hashable {
    public var months: Int32
    public var days: Int32
    public var micros: Int64
    public var nanosRemainder: Int16

    public init(months: Int32 = 0, days: Int32 = 0, micros: Int64 = 0, nanosRemainder: Int16 = 0) {
        self.months = months
        self.days = days
        self.micros = micros
        self.nanosRemainder = nanosRemainder
    }
}
