import Cassandra
import Columnar

/// How CQL types become engine types (docs/cassandra-catalog.md has the table). Every mapping
/// is exact: a value the engine type cannot hold exactly — a varint past 38 digits, a decimal
/// with more than 18 places, a time with nanoseconds — is an error naming the column, unless
/// the table is read with `SET cassandra_exact_types = 'text'`, which reads varint, decimal
/// and time as their exact text instead.
public struct CQLTypeMapping: Sendable {
    /// varint, decimal and time as VARCHAR (their exact text).
    public var exactAsText: Bool

    public init(exactAsText: Bool = false) { self.exactAsText = exactAsText }

    /// The scale decimals get: Iceberg and Parquet need one per column, Cassandra has one per value.
    public static let decimalScale = 18

    public func engineType(_ t: CQLType) -> DataType {
        switch t.base {
        case .ascii, .text, .inet: return .varchar
        case .blob, .custom, .empty: return .blob
        case .boolean: return .boolean
        case .tinyint: return .tinyint
        case .smallint: return .smallint
        case .int: return .integer
        case .bigint, .counter: return .bigint
        case .varint: return exactAsText ? .varchar : .decimal(precision: 38, scale: 0)
        case .decimal: return exactAsText ? .varchar : .decimal(precision: 38, scale: Self.decimalScale)
        case .float: return .float
        case .double: return .double
        case .uuid, .timeuuid: return .uuid
        case .timestamp: return .timestamp
        case .date: return .date
        case .time: return exactAsText ? .varchar : .time
        case .duration: return .interval
        case .list(let e, _), .set(let e, _), .vector(let e, _): return .list(engineType(e))
        case .map(let k, let v, _): return .map(engineType(k), engineType(v))
        case .tuple(let ts): return .structure(ts.enumerated().map { Field("_\($0.offset + 1)", engineType($0.element)) })
        case .udt(let d, _): return .structure(zip(d.fieldNames, d.fieldTypes).map { Field($0, engineType($1)) })
        case .composite(let ts): return .structure(ts.enumerated().map { Field("_\($0.offset + 1)", engineType($0.element)) })
        case .reversed(let inner): return engineType(inner)
        }
    }

    public struct ConversionError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    static let pow10: [Int128] = (0...38).map { n in (0..<n).reduce(Int128(1)) { a, _ in a * 10 } }

    /// The engine value of a decoded CQL value of type `t`.
    public func value(_ v: CQLValue, _ t: CQLType) throws -> Value {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let n): return .int(n)
        case .float(let f): return .float(f)
        case .double(let d): return .double(d)
        case .text(let s): return .string(s)
        case .blob(let b): return .blob(b)
        case .uuid(let b):
            var u: UInt128 = 0
            for x in b { u = u << 8 | UInt128(x) }
            return .uuid(u)
        case .timestamp(let ms):
            let (us, overflow) = ms.multipliedReportingOverflow(by: 1000)
            guard !overflow else { throw ConversionError(message: "timestamp \(ms) ms is outside the engine's range") }
            return .timestamp(us)
        case .date(let d):
            guard let d32 = Int32(exactly: d) else { throw ConversionError(message: "date \(d) days is outside the engine's range") }
            return .date(d32)
        case .time(let ns):
            if exactAsText { return .string(ValueJSON.timeString(nanoseconds: ns)) }
            guard ns % 1000 == 0 else {
                throw ConversionError(message: "time \(ValueJSON.timeString(nanoseconds: ns)) has nanoseconds, which TIME (microseconds) cannot hold; SET cassandra_exact_types = 'text' reads it as text")
            }
            return .time(ns / 1000)
        case .duration(let months, let days, let ns):
            return .interval(Interval(months: months, days: days, micros: ns / 1000, nanosRemainder: Int16(ns % 1000)))
        case .inet(let b): return .string(ValueJSON.inetString(b))
        case .varint(let b):
            if exactAsText { return .string(BigDecimalText.integerString(twosComplement: b)) }
            guard let n = Self.int128(b), n.magnitude < Self.pow10[38].magnitude else {
                throw ConversionError(message: "varint \(BigDecimalText.integerString(twosComplement: b)) has more than 38 digits, more than DECIMAL(38,0) holds; SET cassandra_exact_types = 'text' reads it as text")
            }
            return .decimal(n, scale: 0)
        case .decimal(let unscaled, let scale):
            let text = { BigDecimalText.decimalString(unscaled: unscaled, scale: scale) }
            if exactAsText { return .string(text()) }
            let target = Self.decimalScale
            guard var n = Self.int128(unscaled) else { throw Self.decimalError(text()) }
            if Int(scale) > target {
                let drop = Int(scale) - target
                guard drop <= 38, n % Self.pow10[drop] == 0 else { throw Self.decimalError(text()) }
                n /= Self.pow10[drop]
            } else if Int(scale) < target {
                let raise = target - Int(scale)
                guard raise <= 38 else { throw Self.decimalError(text()) }
                let (m, overflow) = n.multipliedReportingOverflow(by: Self.pow10[raise])
                guard !overflow else { throw Self.decimalError(text()) }
                n = m
            }
            guard n.magnitude < Self.pow10[38].magnitude else { throw Self.decimalError(text()) }
            return .decimal(n, scale: target)
        case .list(let items), .set(let items), .vector(let items):
            let e = Self.elementType(t)
            return .list(try items.map { try value($0, e) })
        case .map(let ks, let vs):
            guard case .map(let kt, let vt, _) = t.base else { throw ConversionError(message: "a map value for \(t.cql)") }
            return .map(keys: try ks.map { try value($0, kt) }, values: try vs.map { try value($0, vt) })
        case .tuple(let items):
            let ts: [CQLType]
            switch t.base {
            case .tuple(let x), .composite(let x): ts = x
            default: throw ConversionError(message: "a tuple value for \(t.cql)")
            }
            return .structure(try zip(items, ts).map { try value($0, $1) } + Array(repeating: .null, count: max(0, ts.count - items.count)))
        case .udt(_, let values):
            guard case .udt(let d, _) = t.base else { throw ConversionError(message: "a UDT value for \(t.cql)") }
            return .structure(try d.fieldTypes.enumerated().map { i, ft in i < values.count ? try value(values[i], ft) : .null })
        }
    }

    static func decimalError(_ text: String) -> ConversionError {
        ConversionError(message: "decimal \(text) does not fit DECIMAL(38,\(decimalScale)) exactly; SET cassandra_exact_types = 'text' reads it as text")
    }

    static func elementType(_ t: CQLType) -> CQLType {
        switch t.base {
        case .list(let e, _), .set(let e, _), .vector(let e, _): return e
        default: return .blob
        }
    }

    /// Big-endian two's complement of at most 16 bytes (after sign padding) as Int128.
    static func int128(_ b: [UInt8]) -> Int128? {
        var bytes = b[...]
        // Redundant sign bytes do not count against the width.
        while bytes.count > 16, let f = bytes.first, f == 0 || f == 0xFF,
              let s = bytes.dropFirst().first, (s & 0x80 != 0) == (f == 0xFF) {
            bytes = bytes.dropFirst()
        }
        guard bytes.count <= 16 else { return nil }
        guard let first = bytes.first else { return 0 }
        var u: UInt128 = first & 0x80 != 0 ? ~0 : 0
        for x in bytes { u = u << 8 | UInt128(x) }
        return Int128(bitPattern: u)
    }
}
