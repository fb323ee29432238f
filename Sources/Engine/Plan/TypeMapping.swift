import Columnar
import SQL

/// SQL type names to engine types.
enum TypeMapping {
    static func type(_ t: TypeName, at location: SourceLocation?) throws -> DataType {
        switch t {
        case .list(let e): return .list(try type(e, at: location))
        case .map(let k, let v): return .map(try type(k, at: location), try type(v, at: location))
        case .structure(let fields): return .structure(try fields.map { Field($0.name.normalized, try type($0.type, at: location)) })
        case .named(let name, let params):
            switch name {
            case "BOOLEAN", "BOOL", "LOGICAL": return .boolean
            case "TINYINT", "INT1": return .tinyint
            case "SMALLINT", "INT2", "SHORT": return .smallint
            case "INTEGER", "INT", "INT4", "SIGNED": return .integer
            case "BIGINT", "INT8", "LONG": return .bigint
            case "HUGEINT", "INT128", "VARINT": return .hugeint
            // FLOAT and REAL are read as DOUBLE: the corpus' REAL columns (SQLite) hold doubles.
            case "DOUBLE", "FLOAT8", "FLOAT", "FLOAT4", "REAL": return .double
            case "DECIMAL", "NUMERIC", "DEC":
                // DuckDB's default when no precision is given.
                let p = params.first ?? 18, s = params.count > 1 ? params[1] : (params.isEmpty ? 3 : 0)
                guard (1...DecimalMath.maxPrecision).contains(p), (0...p).contains(s), params.count <= 2 else {
                    throw SQLError(.binder, "DECIMAL(\(p), \(s)): the precision is 1 to 38 and the scale 0 to the precision", at: location)
                }
                return .decimal(precision: p, scale: s)
            case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "NVARCHAR", "CHARACTER": return .varchar
            case "BLOB", "BYTEA", "BINARY", "VARBINARY": return .blob
            case "DATE": return .date
            case "TIME": return .time
            case "TIMESTAMP", "DATETIME", "TIMESTAMPTZ": return .timestamp
            case "INTERVAL": return .interval
            case "UUID": return .uuid
            default: throw SQLError(.binder, "unknown type \(name)", at: location)
            }
        }
    }

    /// The type two values meet in (for CASE, COALESCE, UNION, VALUES), or nil.
    static func supertype(_ a: DataType, _ b: DataType) -> DataType? {
        if a == b { return a }
        if a == .null { return b }
        if b == .null { return a }
        if let n = numericSupertype(a, b) { return n }
        if (a == .date && b == .timestamp) || (a == .timestamp && b == .date) { return .timestamp }
        if case .list(let x) = a, case .list(let y) = b { return supertype(x, y).map { .list($0) } }
        if case .map(let xk, let xv) = a, case .map(let yk, let yv) = b, let k = supertype(xk, yk), let v = supertype(xv, yv) { return .map(k, v) }
        if a == .varchar || b == .varchar { return .varchar }
        return nil
    }
}
