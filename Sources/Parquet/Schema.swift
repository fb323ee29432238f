/// The shape of a Parquet file's columns as a writer declares them: named nodes with the
/// Iceberg field id each carries, required or optional, primitive or nested (3-level lists,
/// maps of key_value, structs), following iceberg-writer-notes §7.
public struct ParquetNode: Sendable, Hashable {
    public var name: String
    public var fieldId: Int32?
    public var required: Bool
    public var kind: Kind

    public indirect enum Kind: Sendable, Hashable {
        case boolean
        case int32
        case int64
        case float
        case double
        case string
        case binary
        /// Days since 1970-01-01.
        case date
        /// Microseconds since midnight.
        case time
        /// Microseconds since the epoch; `utc` is Iceberg's timestamptz.
        case timestamp(utc: Bool)
        /// 16 big-endian bytes.
        case uuid
        case decimal(precision: Int, scale: Int)
        case fixed(Int)
        case list(element: ParquetNode)
        case map(key: ParquetNode, value: ParquetNode)
        case structure([ParquetNode])
    }

    public init(name: String, fieldId: Int32?, required: Bool, kind: Kind) {
        self.name = name
        self.fieldId = fieldId
        self.required = required
        self.kind = kind
    }

    public var isPrimitive: Bool {
        switch kind {
        case .list, .map, .structure: return false
        default: return true
        }
    }
}

/// Parquet's physical types (`Type` in parquet.thrift).
public enum PhysicalType: Int32, Sendable {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

public enum Repetition: Int32, Sendable {
    case required = 0, optional = 1, repeated = 2
}

public enum Encoding: Int32, Sendable {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4, deltaBinaryPacked = 5, deltaLengthByteArray = 6,
         deltaByteArray = 7, rleDictionary = 8, byteStreamSplit = 9
}

/// A primitive column of the file: where it sits (path, levels) and how its values are stored.
public struct LeafColumn: Sendable {
    public var path: [String]
    public var node: ParquetNode
    public var physical: PhysicalType
    /// FIXED_LEN_BYTE_ARRAY's length.
    public var typeLength: Int?
    public var maxDefinition: Int
    public var maxRepetition: Int

    /// Bytes of a decimal of this precision as FIXED_LEN_BYTE_ARRAY: the fewest that hold it.
    static func decimalBytes(_ precision: Int) -> Int {
        var n = 1
        while true {
            // Largest magnitude representable in n bytes of two's complement: 2^(8n-1) - 1.
            let digits = Double(8 * n - 1) * 0.30102999566398120
            if Int(digits.rounded(.down)) >= precision { return n }
            n += 1
        }
    }

    static func physical(of kind: ParquetNode.Kind) -> (PhysicalType, Int?) {
        switch kind {
        case .boolean: return (.boolean, nil)
        case .int32, .date: return (.int32, nil)
        case .int64, .time, .timestamp: return (.int64, nil)
        case .float: return (.float, nil)
        case .double: return (.double, nil)
        case .string, .binary: return (.byteArray, nil)
        case .uuid: return (.fixedLenByteArray, 16)
        case .fixed(let n): return (.fixedLenByteArray, n)
        case .decimal(let p, _):
            if p <= 9 { return (.int32, nil) }
            if p <= 18 { return (.int64, nil) }
            return (.fixedLenByteArray, decimalBytes(p))
        case .list, .map, .structure: preconditionFailure("not a primitive")
        }
    }

    /// The leaves of `nodes` in schema (depth-first) order, with their levels.
    public static func leaves(of nodes: [ParquetNode]) -> [LeafColumn] {
        var out: [LeafColumn] = []
        func walk(_ n: ParquetNode, path: [String], def: Int, rep: Int) {
            let d = def + (n.required ? 0 : 1)
            switch n.kind {
            case .list(let element):
                walk(element, path: path + [n.name, "list"], def: d + 1, rep: rep + 1)
            case .map(let key, let value):
                walk(key, path: path + [n.name, "key_value"], def: d + 1, rep: rep + 1)
                walk(value, path: path + [n.name, "key_value"], def: d + 1, rep: rep + 1)
            case .structure(let children):
                for c in children { walk(c, path: path + [n.name], def: d, rep: rep) }
            default:
                let (p, len) = physical(of: n.kind)
                out.append(LeafColumn(path: path + [n.name], node: n, physical: p, typeLength: len, maxDefinition: d, maxRepetition: rep))
            }
        }
        for n in nodes { walk(n, path: [], def: 0, rep: 0) }
        return out
    }
}

extension ParquetNode {
    /// The node and its descendants as `SchemaElement`s, depth first (parquet.thrift field ids).
    func writeSchemaElements(into list: inout [(inout ThriftWriter) -> Void]) {
        let repetition: Repetition = required ? .required : .optional
        let name = self.name, fieldId = self.fieldId
        func group(_ children: Int, converted: Int32?, logical: Int16?) -> (inout ThriftWriter) -> Void {
            return { w in
                w.i32(3, repetition.rawValue)
                w.string(4, name)
                w.i32(5, Int32(children))
                if let converted { w.i32(6, converted) }
                if let fieldId { w.i32(9, fieldId) }
                if let logical { w.structure(10) { $0.structure(logical) { _ in } } }
            }
        }
        switch kind {
        case .list(let element):
            list.append(group(1, converted: 3, logical: 3))
            list.append { w in
                w.i32(3, Repetition.repeated.rawValue)
                w.string(4, "list")
                w.i32(5, 1)
            }
            element.writeSchemaElements(into: &list)
        case .map(let key, let value):
            list.append(group(1, converted: 1, logical: 2))
            list.append { w in
                w.i32(3, Repetition.repeated.rawValue)
                w.string(4, "key_value")
                w.i32(5, 2)
            }
            key.writeSchemaElements(into: &list)
            value.writeSchemaElements(into: &list)
        case .structure(let children):
            list.append(group(children.count, converted: nil, logical: nil))
            for c in children { c.writeSchemaElements(into: &list) }
        default:
            let (physical, length) = LeafColumn.physical(of: kind)
            let kind = self.kind
            list.append { w in
                w.i32(1, physical.rawValue)
                if let length { w.i32(2, Int32(length)) }
                w.i32(3, repetition.rawValue)
                w.string(4, name)
                switch kind {
                case .string: w.i32(6, 0)
                case .date: w.i32(6, 6)
                case .time: w.i32(6, 8)
                case .timestamp(let utc): if utc { w.i32(6, 10) }
                case .decimal(let p, let s):
                    w.i32(6, 5)
                    w.i32(7, Int32(s))
                    w.i32(8, Int32(p))
                default: break
                }
                if let fieldId { w.i32(9, fieldId) }
                switch kind {
                case .string: w.structure(10) { $0.structure(1) { _ in } }
                case .date: w.structure(10) { $0.structure(6) { _ in } }
                case .time:
                    w.structure(10) { l in l.structure(7) { t in t.bool(1, false); t.structure(2) { $0.structure(2) { _ in } } } }
                case .timestamp(let utc):
                    w.structure(10) { l in l.structure(8) { t in t.bool(1, utc); t.structure(2) { $0.structure(2) { _ in } } } }
                case .uuid: w.structure(10) { $0.structure(14) { _ in } }
                case .decimal(let p, let s):
                    w.structure(10) { l in l.structure(5) { d in d.i32(1, Int32(s)); d.i32(2, Int32(p)) } }
                default: break
                }
            }
        }
    }
}
