import Columnar
import JSON
import Parquet

/// An Iceberg field: id, name, required, type (the table schema of metadata.json).
public struct IcebergField: Sendable, Hashable {
    public var id: Int32
    public var name: String
    public var required: Bool
    public var type: IcebergType

    public init(id: Int32, name: String, required: Bool, type: IcebergType) {
        self.id = id
        self.name = name
        self.required = required
        self.type = type
    }
}

public indirect enum IcebergType: Sendable, Hashable {
    case boolean, int, long, float, double, date, time, timestamp, timestamptz, string, uuid, binary
    case fixed(Int)
    case decimal(precision: Int, scale: Int)
    case list(elementId: Int32, element: IcebergType, elementRequired: Bool)
    case map(keyId: Int32, key: IcebergType, valueId: Int32, value: IcebergType, valueRequired: Bool)
    case structure([IcebergField])

    /// The JSON of metadata.json's schemas.
    public var json: JSONValue {
        switch self {
        case .boolean: return .string("boolean")
        case .int: return .string("int")
        case .long: return .string("long")
        case .float: return .string("float")
        case .double: return .string("double")
        case .date: return .string("date")
        case .time: return .string("time")
        case .timestamp: return .string("timestamp")
        case .timestamptz: return .string("timestamptz")
        case .string: return .string("string")
        case .uuid: return .string("uuid")
        case .binary: return .string("binary")
        case .fixed(let n): return .string("fixed[\(n)]")
        case .decimal(let p, let s): return .string("decimal(\(p), \(s))")
        case .list(let id, let element, let required):
            return .object([("type", .string("list")), ("element-id", .int(Int64(id))), ("element", element.json), ("element-required", .bool(required))])
        case .map(let kid, let key, let vid, let value, let required):
            return .object([("type", .string("map")), ("key-id", .int(Int64(kid))), ("key", key.json), ("value-id", .int(Int64(vid))),
                            ("value", value.json), ("value-required", .bool(required))])
        case .structure(let fields): return IcebergSchema.structJSON(fields)
        }
    }

    public static func parse(_ j: JSONValue) throws -> IcebergType {
        switch j {
        case .string(let s):
            switch s {
            case "boolean": return .boolean
            case "int": return .int
            case "long": return .long
            case "float": return .float
            case "double": return .double
            case "date": return .date
            case "time": return .time
            case "timestamp": return .timestamp
            case "timestamptz": return .timestamptz
            case "string": return .string
            case "uuid": return .uuid
            case "binary": return .binary
            default:
                if s.hasPrefix("fixed["), s.hasSuffix("]"), let n = Int(s.dropFirst(6).dropLast()) { return .fixed(n) }
                if s.hasPrefix("decimal("), s.hasSuffix(")") {
                    let parts = s.dropFirst(8).dropLast().split(separator: ",").map { String($0.filter { $0 != " " }) }
                    if parts.count == 2, let p = Int(parts[0]), let sc = Int(parts[1]) { return .decimal(precision: p, scale: sc) }
                }
                throw IcebergError("unknown Iceberg type \(s)")
            }
        case .object:
            switch j["type"] {
            case .string("struct")?: return .structure(try IcebergSchema.parseFields(j))
            case .string("list")?:
                guard case .int(let id)? = j["element-id"], let e = j["element"] else { throw IcebergError("a list without element-id: \(j.text)") }
                return .list(elementId: Int32(id), element: try parse(e), elementRequired: j["element-required"] == .bool(true))
            case .string("map")?:
                guard case .int(let kid)? = j["key-id"], case .int(let vid)? = j["value-id"], let k = j["key"], let v = j["value"] else {
                    throw IcebergError("a map without key-id/value-id: \(j.text)")
                }
                return .map(keyId: Int32(kid), key: try parse(k), valueId: Int32(vid), value: try parse(v), valueRequired: j["value-required"] == .bool(true))
            default: throw IcebergError("unknown Iceberg type \(j.text)")
            }
        default: throw IcebergError("unknown Iceberg type \(j.text)")
        }
    }

    /// The engine type its values have.
    public var engineType: DataType {
        switch self {
        case .boolean: return .boolean
        case .int: return .integer
        case .long: return .bigint
        case .float: return .float
        case .double: return .double
        case .date: return .date
        case .time: return .time
        case .timestamp, .timestamptz: return .timestamp
        case .string: return .varchar
        case .uuid: return .uuid
        case .binary, .fixed: return .blob
        case .decimal(let p, let s): return .decimal(precision: p, scale: s)
        case .list(_, let e, _): return .list(e.engineType)
        case .map(_, let k, _, let v, _): return .map(k.engineType, v.engineType)
        case .structure(let fields): return .structure(fields.map { Field($0.name, $0.type.engineType, nullable: !$0.required) })
        }
    }
}

public struct IcebergSchema: Sendable, Hashable {
    public var id: Int32
    public var fields: [IcebergField]
    /// The fields that identify a row (`identifier-field-ids`): required primitives.
    public var identifierFieldIds: [Int32] = []

    public init(id: Int32 = 0, fields: [IcebergField], identifierFieldIds: [Int32] = []) {
        self.id = id
        self.fields = fields
        self.identifierFieldIds = identifierFieldIds
    }

    /// Makes top-level `columns` the identifier, checked as the spec requires: required, and
    /// primitive but not float or double.
    public mutating func identify(_ columns: [String]) throws {
        identifierFieldIds = try columns.map { name in
            guard let f = fields.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw IcebergError("the identifier names \(name), which is not a column")
            }
            guard f.required else { throw IcebergError("identifier column \(f.name) must be NOT NULL") }
            switch f.type {
            case .float, .double, .list, .map, .structure: throw IcebergError("identifier column \(f.name) is \(f.type.json.text); Iceberg identifies rows by primitive columns other than float and double")
            default: return f.id
            }
        }
    }

    /// A schema for engine fields with fresh ids: the top-level fields 1…n first, then nested
    /// ones in order (as Iceberg's `assignFreshIds`).
    public static func fresh(_ engine: [Field]) throws -> IcebergSchema {
        var next: Int32 = Int32(engine.count) + 1
        func type(_ t: DataType, _ where_: String) throws -> IcebergType {
            switch t {
            case .boolean: return .boolean
            case .tinyint, .smallint, .integer: return .int
            case .bigint: return .long
            case .hugeint: return .decimal(precision: 38, scale: 0)
            case .float: return .float
            case .double: return .double
            case .decimal(let p, let s): return .decimal(precision: p, scale: s)
            case .varchar: return .string
            case .blob: return .binary
            case .date: return .date
            case .time: return .time
            case .timestamp: return .timestamptz
            case .uuid: return .uuid
            case .list(let e):
                let id = next; next += 1
                return .list(elementId: id, element: try type(e, where_ + ".element"), elementRequired: false)
            case .map(let k, let v):
                let kid = next, vid = next + 1; next += 2
                return .map(keyId: kid, key: try type(k, where_ + ".key"), valueId: vid, value: try type(v, where_ + ".value"), valueRequired: false)
            case .structure(let fs):
                let first = next; next += Int32(fs.count)
                return .structure(try fs.enumerated().map { k, f in
                    IcebergField(id: first + Int32(k), name: f.name, required: !f.nullable, type: try type(f.type, where_ + "." + f.name))
                })
            case .interval, .null:
                throw IcebergError("column \(where_) has type \(t), which Iceberg cannot hold (cast it, e.g. to VARCHAR)")
            }
        }
        let fields = try engine.enumerated().map { k, f in
            IcebergField(id: Int32(k + 1), name: f.name, required: !f.nullable, type: try type(f.type, f.name))
        }
        return IcebergSchema(fields: fields)
    }

    public var lastColumnId: Int32 {
        func maxId(_ t: IcebergType) -> Int32 {
            switch t {
            case .list(let id, let e, _): return max(id, maxId(e))
            case .map(let k, let kt, let v, let vt, _): return max(k, v, maxId(kt), maxId(vt))
            case .structure(let fs): return fs.map { max($0.id, maxId($0.type)) }.max() ?? 0
            default: return 0
            }
        }
        return maxId(.structure(fields))
    }

    static func structJSON(_ fields: [IcebergField]) -> JSONValue {
        .object([("type", .string("struct")), ("fields", .array(fields.map { f in
            .object([("id", .int(Int64(f.id))), ("name", .string(f.name)), ("required", .bool(f.required)), ("type", f.type.json)])
        }))])
    }

    public var json: JSONValue {
        guard case .object(let parts) = IcebergSchema.structJSON(fields) else { return .null }
        return .object([parts[0], ("schema-id", .int(Int64(id))), ("identifier-field-ids", .array(identifierFieldIds.map { .int(Int64($0)) }))] + parts.dropFirst())
    }

    static func parseFields(_ j: JSONValue) throws -> [IcebergField] {
        guard case .array(let fs)? = j["fields"] else { throw IcebergError("a struct without fields: \(j.text)") }
        return try fs.map { f in
            guard case .int(let id)? = f["id"], case .string(let name)? = f["name"], let t = f["type"] else {
                throw IcebergError("a field without id, name or type: \(f.text)")
            }
            return IcebergField(id: Int32(id), name: name, required: f["required"] == .bool(true), type: try IcebergType.parse(t))
        }
    }

    public static func parse(_ j: JSONValue) throws -> IcebergSchema {
        guard case .int(let id)? = j["schema-id"] else { throw IcebergError("a schema without schema-id") }
        var ids: [Int32] = []
        if case .array(let a)? = j["identifier-field-ids"] { ids = a.compactMap { if case .int(let i) = $0 { return Int32(i) } else { return nil } } }
        return IcebergSchema(id: Int32(id), fields: try parseFields(j), identifierFieldIds: ids)
    }

    /// The Parquet columns of this schema (field ids on every node).
    public var parquet: [ParquetNode] { fields.map(Self.parquetNode) }

    static func parquetNode(_ f: IcebergField) -> ParquetNode {
        ParquetNode(name: f.name, fieldId: f.id, required: f.required, kind: parquetKind(f.type))
    }

    static func parquetKind(_ t: IcebergType) -> ParquetNode.Kind {
        switch t {
        case .boolean: return .boolean
        case .int: return .int32
        case .long: return .int64
        case .float: return .float
        case .double: return .double
        case .date: return .date
        case .time: return .time
        case .timestamp: return .timestamp(utc: false)
        case .timestamptz: return .timestamp(utc: true)
        case .string: return .string
        case .uuid: return .uuid
        case .binary: return .binary
        case .fixed(let n): return .fixed(n)
        case .decimal(let p, let s): return .decimal(precision: p, scale: s)
        case .list(let id, let e, let req):
            return .list(element: ParquetNode(name: "element", fieldId: id, required: req, kind: parquetKind(e)))
        case .map(let kid, let k, let vid, let v, let req):
            return .map(key: ParquetNode(name: "key", fieldId: kid, required: true, kind: parquetKind(k)),
                        value: ParquetNode(name: "value", fieldId: vid, required: req, kind: parquetKind(v)))
        case .structure(let fs): return .structure(fs.map(parquetNode))
        }
    }
}
