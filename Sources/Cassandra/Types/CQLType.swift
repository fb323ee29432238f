/// A Cassandra data type, as named by a marshal class in a serialization header
/// (`org.apache.cassandra.db.marshal.Int32Type`) or by CQL (`int`).
public indirect enum CQLType: Sendable, Hashable, CustomStringConvertible {
    case ascii, text, blob, boolean, tinyint, smallint, int, bigint, varint, decimal
    case float, double, counter, uuid, timeuuid, timestamp, date, time, duration, inet
    /// `EmptyType`: a column that only ever holds empty values (hidden compact-storage columns).
    case empty
    case list(CQLType, frozen: Bool)
    case set(CQLType, frozen: Bool)
    case map(CQLType, CQLType, frozen: Bool)
    case tuple([CQLType])
    case udt(UserTypeDefinition, frozen: Bool)
    case vector(CQLType, dimension: Int)
    /// A clustering column in descending order.
    case reversed(CQLType)
    /// A composite partition key: one component per key column.
    case composite([CQLType])
    /// A type this reader does not interpret; its values are shown as blobs.
    case custom(String)

    /// The type with any `ReversedType` wrapper removed.
    public var base: CQLType {
        if case .reversed(let t) = self { return t.base }
        return self
    }

    /// True for non-frozen collections and UDTs: each element is its own cell.
    public var isMultiCell: Bool {
        switch self {
        case .list(_, let frozen), .set(_, let frozen), .map(_, _, let frozen): return !frozen
        case .udt(_, let frozen): return !frozen
        default: return false
        }
    }

    public var isCounter: Bool { if case .counter = base { return true } else { return false } }

    /// The byte length every value has, or nil when values carry a length
    /// (`AbstractType.valueLengthIfFixed`). smallint, tinyint, date and time are variable.
    public var fixedLength: Int? {
        switch self {
        case .boolean: return 1
        case .int, .float: return 4
        case .bigint, .double, .timestamp: return 8
        case .uuid, .timeuuid: return 16
        case .empty: return 0
        case .reversed(let t): return t.fixedLength
        case .vector(let e, let n): return e.fixedLength.map { $0 * n }
        default: return nil
        }
    }

    /// Frozen form, as used for values nested inside other values.
    public var frozen: CQLType {
        switch self {
        case .list(let e, _): return .list(e.frozen, frozen: true)
        case .set(let e, _): return .set(e.frozen, frozen: true)
        case .map(let k, let v, _): return .map(k.frozen, v.frozen, frozen: true)
        case .udt(let d, _): return .udt(d, frozen: true)
        default: return self
        }
    }

    public var description: String { cql }

    /// The CQL spelling, e.g. `frozen<map<text, int>>`.
    public var cql: String {
        switch self {
        case .ascii: return "ascii"
        case .text: return "text"
        case .blob: return "blob"
        case .boolean: return "boolean"
        case .tinyint: return "tinyint"
        case .smallint: return "smallint"
        case .int: return "int"
        case .bigint: return "bigint"
        case .varint: return "varint"
        case .decimal: return "decimal"
        case .float: return "float"
        case .double: return "double"
        case .counter: return "counter"
        case .uuid: return "uuid"
        case .timeuuid: return "timeuuid"
        case .timestamp: return "timestamp"
        case .date: return "date"
        case .time: return "time"
        case .duration: return "duration"
        case .inet: return "inet"
        case .empty: return "empty"
        case .list(let e, let f): return wrap("list<\(e.cql)>", f)
        case .set(let e, let f): return wrap("set<\(e.cql)>", f)
        case .map(let k, let v, let f): return wrap("map<\(k.cql), \(v.cql)>", f)
        case .tuple(let ts): return "tuple<" + ts.map(\.cql).joined(separator: ", ") + ">"
        case .udt(let d, let f): return wrap(d.name, f)
        case .vector(let e, let n): return "vector<\(e.cql), \(n)>"
        case .reversed(let t): return t.cql
        case .composite(let ts): return "(" + ts.map(\.cql).joined(separator: ", ") + ")"
        case .custom(let c): return "'\(c)'"
        }
    }

    private func wrap(_ s: String, _ frozen: Bool) -> String { frozen ? "frozen<\(s)>" : s }
}

/// A user-defined type: its keyspace, name and fields in declaration order.
public struct UserTypeDefinition: Sendable, Hashable {
    public var keyspace: String
    public var name: String
    public var fieldNames: [String]
    public var fieldTypes: [CQLType]

    public init(keyspace: String, name: String, fieldNames: [String], fieldTypes: [CQLType]) {
        self.keyspace = keyspace
        self.name = name
        self.fieldNames = fieldNames
        self.fieldTypes = fieldTypes
    }
}

extension CQLType {
    /// The marshal class string Cassandra writes in serialization headers, e.g.
    /// `org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(...))`.
    public var marshalName: String { marshal(insideFrozen: false) }

    private func marshal(insideFrozen: Bool) -> String {
        let p = "org.apache.cassandra.db.marshal."
        func frozenWrap(_ s: String, _ frozen: Bool) -> String {
            frozen && !insideFrozen ? p + "FrozenType(" + s + ")" : s
        }
        switch self {
        case .ascii: return p + "AsciiType"
        case .text: return p + "UTF8Type"
        case .blob: return p + "BytesType"
        case .boolean: return p + "BooleanType"
        case .tinyint: return p + "ByteType"
        case .smallint: return p + "ShortType"
        case .int: return p + "Int32Type"
        case .bigint: return p + "LongType"
        case .varint: return p + "IntegerType"
        case .decimal: return p + "DecimalType"
        case .float: return p + "FloatType"
        case .double: return p + "DoubleType"
        case .counter: return p + "CounterColumnType"
        case .uuid: return p + "UUIDType"
        case .timeuuid: return p + "TimeUUIDType"
        case .timestamp: return p + "TimestampType"
        case .date: return p + "SimpleDateType"
        case .time: return p + "TimeType"
        case .duration: return p + "DurationType"
        case .inet: return p + "InetAddressType"
        case .empty: return p + "EmptyType"
        case .list(let e, let f):
            return frozenWrap(p + "ListType(" + e.marshal(insideFrozen: f || insideFrozen) + ")", f)
        case .set(let e, let f):
            return frozenWrap(p + "SetType(" + e.marshal(insideFrozen: f || insideFrozen) + ")", f)
        case .map(let k, let v, let f):
            return frozenWrap(p + "MapType(" + k.marshal(insideFrozen: f || insideFrozen) + "," + v.marshal(insideFrozen: f || insideFrozen) + ")", f)
        case .tuple(let ts):
            return p + "TupleType(" + ts.map { $0.marshal(insideFrozen: true) }.joined(separator: ",") + ")"
        case .udt(let d, let f):
            let fields = zip(d.fieldNames, d.fieldTypes).map { ValueJSON.hexString(Array($0.utf8)) + ":" + $1.marshal(insideFrozen: true) }
            let body = ([d.keyspace, ValueJSON.hexString(Array(d.name.utf8))] + fields).joined(separator: ",")
            return frozenWrap(p + "UserType(" + body + ")", f)
        case .vector(let e, let n): return p + "VectorType(" + e.marshal(insideFrozen: true) + "," + String(n) + ")"
        case .reversed(let t): return p + "ReversedType(" + t.marshal(insideFrozen: insideFrozen) + ")"
        case .composite(let ts): return p + "CompositeType(" + ts.map { $0.marshal(insideFrozen: insideFrozen) }.joined(separator: ",") + ")"
        case .custom(let c): return c
        }
    }
}
