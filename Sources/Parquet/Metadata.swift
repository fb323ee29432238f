import Columnar

/// A Parquet file's footer (`FileMetaData` of parquet.thrift): schema, row groups, column
/// chunks with their statistics. Parsed once per file.
public struct ParquetMetadata: Sendable {
    public var version: Int
    public var numRows: Int64
    public var createdBy: String?
    public var keyValues: [(String, String)]
    public var schema: [SchemaElement]
    public var rowGroups: [RowGroup]

    public struct SchemaElement: Sendable {
        public var name: String
        public var physical: PhysicalType?
        public var typeLength: Int?
        public var repetition: Repetition
        public var numChildren: Int
        public var converted: Int?
        public var scale: Int?
        public var precision: Int?
        public var fieldId: Int32?
        public var logical: LogicalType?
    }

    /// `LogicalType` (the union), reduced to what decides how values are read.
    public enum LogicalType: Sendable, Hashable {
        case string, map, list, enumeration, json, bson, uuid, float16, unknown, date
        case decimal(precision: Int, scale: Int)
        case time(utc: Bool, unit: TimeUnit)
        case timestamp(utc: Bool, unit: TimeUnit)
        case integer(bits: Int, signed: Bool)
        case other(Int16)
    }

    public enum TimeUnit: Sendable, Hashable { case millis, micros, nanos }

    public struct RowGroup: Sendable {
        public var numRows: Int64
        public var totalByteSize: Int64
        public var columns: [ColumnChunk]
    }

    public struct ColumnChunk: Sendable {
        public var path: [String]
        public var physical: PhysicalType
        public var codec: Int32
        public var numValues: Int64
        public var totalCompressedSize: Int64
        public var totalUncompressedSize: Int64
        public var dataPageOffset: Int64
        public var dictionaryPageOffset: Int64?
        public var statistics: Statistics?
        public var encodings: [Int32]

        /// Where the chunk's pages start: the dictionary page, if any, else the first data page.
        public var start: Int64 {
            if let d = dictionaryPageOffset, d > 0, d < dataPageOffset { return d }
            return dataPageOffset
        }
    }

    /// Column-chunk statistics as written (plain-encoded min and max; `min_value`/`max_value`
    /// preferred over the deprecated `min`/`max`, whose order was undefined for byte arrays).
    public struct Statistics: Sendable {
        public var min: [UInt8]?
        public var max: [UInt8]?
        public var nullCount: Int64?
        public var exact: Bool
    }

    static let magic: [UInt8] = Array("PAR1".utf8)

    /// Parses the footer of a whole file's bytes.
    public static func parse(_ file: UnsafeRawBufferPointer, name: String) throws -> ParquetMetadata {
        func fail(_ m: String) -> ParquetError { ParquetError("\(name): \(m)") }
        guard file.count >= 12 else { throw fail("\(file.count) bytes is too short for a Parquet file") }
        guard Array(file[0..<4]) == magic else { throw fail("does not start with PAR1: not a Parquet file") }
        guard Array(file[(file.count - 4)...]) == magic else { throw fail("does not end with PAR1 (truncated, or an encrypted footer)") }
        let footerLength = Int(file.loadUnaligned(fromByteOffset: file.count - 8, as: UInt32.self).littleEndian)
        let footerStart = file.count - 8 - footerLength
        guard footerLength > 0, footerStart >= 4 else { throw fail("a footer of \(footerLength) bytes does not fit in \(file.count)") }
        var reader = ThriftReader(UnsafeRawBufferPointer(rebasing: file[footerStart..<(file.count - 8)]))
        let root: [Int16: ThriftValue]
        do { root = try reader.readStruct() } catch let e as ThriftError {
            throw fail("footer at byte \(footerStart + e.offset): \(e.message)")
        }
        guard let schemaList = root[2]?.list, let numRows = root[3]?.int, let groups = root[4]?.list else {
            throw fail("the footer has no schema, num_rows or row_groups")
        }
        let schema = try schemaList.map { v -> SchemaElement in
            guard let f = v.fields, let name = f[4]?.string else { throw fail("a schema element without a name") }
            let repetition = f[3]?.int.flatMap { Repetition(rawValue: Int32($0)) } ?? .required
            return SchemaElement(
                name: name, physical: f[1]?.int.flatMap { PhysicalType(rawValue: Int32($0)) }, typeLength: f[2]?.int.map(Int.init),
                repetition: repetition, numChildren: Int(f[5]?.int ?? 0), converted: f[6]?.int.map(Int.init),
                scale: f[7]?.int.map(Int.init), precision: f[8]?.int.map(Int.init), fieldId: f[9]?.int.map { Int32(truncatingIfNeeded: $0) },
                logical: f[10]?.fields.flatMap(logicalType))
        }
        let rowGroups = try groups.enumerated().map { g, v -> RowGroup in
            guard let f = v.fields, let cols = f[1]?.list, let rows = f[3]?.int else { throw fail("row group \(g) has no columns or num_rows") }
            return RowGroup(numRows: rows, totalByteSize: f[2]?.int ?? 0, columns: try cols.enumerated().map { c, cv in
                guard let m = cv[3]?.fields else {
                    throw fail("row group \(g) column \(c) has no metadata (columns in other files are not supported)")
                }
                guard let t = m[1]?.int.flatMap({ PhysicalType(rawValue: Int32($0)) }), let path = m[3]?.list?.compactMap(\.string),
                      let numValues = m[5]?.int, let dataPage = m[9]?.int else {
                    throw fail("row group \(g) column \(c): incomplete column metadata")
                }
                var stats: Statistics?
                if let s = m[12]?.fields {
                    if s[5] != nil || s[6] != nil {
                        stats = Statistics(min: s[6]?.binary, max: s[5]?.binary, nullCount: s[3]?.int, exact: true)
                    } else {
                        // The deprecated fields compare signed bytes for byte arrays: trust them for numbers only.
                        let numeric = t != .byteArray && t != .fixedLenByteArray
                        stats = Statistics(min: numeric ? s[2]?.binary : nil, max: numeric ? s[1]?.binary : nil, nullCount: s[3]?.int, exact: numeric)
                    }
                }
                return ColumnChunk(path: path, physical: t, codec: Int32(m[4]?.int ?? 0), numValues: numValues,
                                   totalCompressedSize: m[7]?.int ?? 0, totalUncompressedSize: m[6]?.int ?? 0,
                                   dataPageOffset: dataPage, dictionaryPageOffset: m[11]?.int, statistics: stats,
                                   encodings: m[2]?.list?.compactMap { $0.int.map { Int32($0) } } ?? [])
            })
        }
        let kv = root[5]?.list?.compactMap { v -> (String, String)? in
            guard let k = v[1]?.string else { return nil }
            return (k, v[2]?.string ?? "")
        } ?? []
        return ParquetMetadata(version: Int(root[1]?.int ?? 1), numRows: numRows, createdBy: root[6]?.string, keyValues: kv,
                               schema: schema, rowGroups: rowGroups)
    }

    static func logicalType(_ f: [Int16: ThriftValue]) -> LogicalType? {
        guard let (id, v) = f.first else { return nil }
        func unit(_ u: ThriftValue?) -> TimeUnit {
            guard let u = u?.fields else { return .micros }
            if u[1] != nil { return .millis }
            if u[3] != nil { return .nanos }
            return .micros
        }
        switch id {
        case 1: return .string
        case 2: return .map
        case 3: return .list
        case 4: return .enumeration
        case 5: return .decimal(precision: Int(v[2]?.int ?? 0), scale: Int(v[1]?.int ?? 0))
        case 6: return .date
        case 7: return .time(utc: v[1]?.bool ?? false, unit: unit(v[2]))
        case 8: return .timestamp(utc: v[1]?.bool ?? false, unit: unit(v[2]))
        case 10: return .integer(bits: Int(v[1]?.int ?? 32), signed: v[2]?.bool ?? true)
        case 11: return .unknown
        case 12: return .json
        case 13: return .bson
        case 14: return .uuid
        case 15: return .float16
        default: return .other(id)
        }
    }
}

// MARK: the schema as a tree to read

/// How a leaf's stored values become engine values.
public enum LeafConversion: Sendable, Hashable {
    case bool, int32, int8, int16, uint32, int64, uint64
    case timestamp(TimeUnitScale), time32Millis, time64(TimeUnitScale), int96
    case float, double, float16
    case string, binary, fixedBinary, uuid
    /// Unscaled integers or big-endian two's-complement bytes into a decimal's storage.
    case decimal
    /// A column of only nulls (the UNKNOWN logical type).
    case null

    public enum TimeUnitScale: Sendable, Hashable { case millis, micros, nanos }
}

/// A node of a file's schema as the reader walks it: the engine type it reads as, the
/// definition level at which it is present, and its shape.
public struct ReadNode: Sendable {
    public var name: String
    public var fieldId: Int32?
    public var type: DataType
    public var optional: Bool
    /// The node's value is non-null when a level's definition is at least this.
    public var definition: Int
    public var shape: Shape

    public indirect enum Shape: Sendable {
        case leaf(Int)
        case structure([ReadNode])
        /// `repeatedDefinition`: an element exists at or above it; `repetition`: the level of
        /// the repeated group.
        case list(element: ReadNode, repeatedDefinition: Int, repetition: Int)
        case map(key: ReadNode, value: ReadNode, repeatedDefinition: Int, repetition: Int)
    }

    /// Leaf indexes under this node, in order.
    public var leaves: [Int] {
        switch shape {
        case .leaf(let i): return [i]
        case .structure(let cs): return cs.flatMap(\.leaves)
        case .list(let e, _, _): return e.leaves
        case .map(let k, let v, _, _): return k.leaves + v.leaves
        }
    }
}

/// A primitive column of a file being read.
public struct ReadLeaf: Sendable {
    public var path: [String]
    public var physical: PhysicalType
    public var typeLength: Int
    public var maxDefinition: Int
    public var maxRepetition: Int
    public var conversion: LeafConversion
    public var type: DataType
}

extension ParquetMetadata {
    /// The file's columns as trees to read, and its leaves in file order.
    public func readSchema(file name: String) throws -> (columns: [ReadNode], leaves: [ReadLeaf]) {
        var leaves: [ReadLeaf] = []
        var index = 1
        func fail(_ m: String) -> ParquetError { ParquetError("\(name): schema: \(m)") }

        /// `element`: a repeated node that is itself a list's element (legacy list shapes).
        func node(path: [String], def: Int, rep: Int, element: Bool = false) throws -> ReadNode {
            guard index < schema.count else { throw fail("the schema ends inside a group") }
            let e = schema[index]
            index += 1
            let path = path + [e.name]
            let optional = e.repetition == .optional
            let d = def + (e.repetition == .required ? 0 : 1)
            let r = rep + (e.repetition == .repeated ? 1 : 0)
            if e.numChildren == 0 {
                let leaf = try leafNode(e, path: path, def: d, rep: r)
                if e.repetition == .repeated && !element {
                    // A legacy two-level list: a repeated primitive is a list of required elements.
                    return ReadNode(name: e.name, fieldId: e.fieldId, type: .list(leaf.type), optional: false, definition: def,
                                    shape: .list(element: ReadNode(name: "element", fieldId: e.fieldId, type: leaf.type, optional: false, definition: d,
                                                                   shape: leaf.shape), repeatedDefinition: d, repetition: r))
                }
                return leaf
            }
            var children: [ReadNode] = []
            let isList = e.logical == .list || e.converted == 3
            let isMap = e.logical == .map || e.converted == 1 || e.converted == 2
            if (isList || isMap) && e.numChildren == 1 {
                // <group (LIST|MAP)> { repeated group list|key_value { … } }
                guard index < schema.count else { throw fail("\(path.joined(separator: ".")) ends early") }
                let repeated = schema[index]
                guard repeated.repetition == .repeated else { throw fail("\(path.joined(separator: ".")): the child of a LIST or MAP is not repeated") }
                let rd = d + 1, rr = r + 1
                if isMap {
                    index += 1
                    guard repeated.numChildren == 2 else { throw fail("\(path.joined(separator: ".")): key_value has \(repeated.numChildren) children, not key and value") }
                    let key = try node(path: path + [repeated.name], def: rd, rep: rr)
                    let value = try node(path: path + [repeated.name], def: rd, rep: rr)
                    return ReadNode(name: e.name, fieldId: e.fieldId, type: .map(key.type, value.type), optional: optional, definition: d,
                                    shape: .map(key: key, value: value, repeatedDefinition: rd, repetition: rr))
                }
                // Backward-compatible list shapes: a repeated group of several fields, or named
                // `array` / `<name>_tuple`, is itself the element.
                let legacy = repeated.numChildren != 1 || repeated.name == "array" || repeated.name == e.name + "_tuple" || repeated.numChildren == 0
                if legacy {
                    let element = try node(path: path, def: d, rep: r, element: true)
                    return ReadNode(name: e.name, fieldId: e.fieldId, type: .list(element.type), optional: optional, definition: d,
                                    shape: .list(element: element, repeatedDefinition: rd, repetition: rr))
                }
                index += 1
                let element = try node(path: path + [repeated.name], def: rd, rep: rr)
                return ReadNode(name: e.name, fieldId: e.fieldId, type: .list(element.type), optional: optional, definition: d,
                                shape: .list(element: element, repeatedDefinition: rd, repetition: rr))
            }
            for _ in 0..<e.numChildren { children.append(try node(path: path, def: d, rep: r)) }
            let structType = DataType.structure(children.map { Field($0.name, $0.type, nullable: $0.optional) })
            let structure = ReadNode(name: e.name, fieldId: e.fieldId, type: structType, optional: optional, definition: d, shape: .structure(children))
            if e.repetition == .repeated && !element {
                // A repeated group outside LIST: a list of required structs.
                var element = structure
                element.optional = false
                return ReadNode(name: e.name, fieldId: e.fieldId, type: .list(structType), optional: false, definition: def,
                                shape: .list(element: element, repeatedDefinition: d, repetition: r))
            }
            return structure
        }

        func leafNode(_ e: SchemaElement, path: [String], def: Int, rep: Int) throws -> ReadNode {
            guard let physical = e.physical else { throw fail("\(path.joined(separator: ".")) has no type") }
            let (conversion, type) = try Self.conversion(e, path: path, fail: fail)
            if physical == .fixedLenByteArray && (e.typeLength ?? 0) <= 0 {
                throw fail("\(path.joined(separator: ".")) is FIXED_LEN_BYTE_ARRAY without a length")
            }
            leaves.append(ReadLeaf(path: path, physical: physical, typeLength: e.typeLength ?? 0, maxDefinition: def, maxRepetition: rep,
                                   conversion: conversion, type: type))
            return ReadNode(name: e.name, fieldId: e.fieldId, type: type, optional: e.repetition == .optional, definition: def,
                            shape: .leaf(leaves.count - 1))
        }

        guard let root = schema.first else { throw fail("no root element") }
        var columns: [ReadNode] = []
        for _ in 0..<root.numChildren { columns.append(try node(path: [], def: 0, rep: 0)) }
        guard index == schema.count else { throw fail("\(schema.count - index) schema elements past the root's children") }
        return (columns, leaves)
    }

    static func conversion(_ e: SchemaElement, path: [String], fail: (String) -> ParquetError) throws -> (LeafConversion, DataType) {
        let name = path.joined(separator: ".")
        let physical = e.physical!
        var logical = e.logical
        if logical == nil, let c = e.converted {
            // The legacy converted types, as their logical equivalents.
            switch c {
            case 0: logical = .string
            case 4: logical = .enumeration
            case 5: logical = .decimal(precision: e.precision ?? 38, scale: e.scale ?? 0)
            case 6: logical = .date
            case 7: logical = .time(utc: true, unit: .millis)
            case 8: logical = .time(utc: true, unit: .micros)
            case 9: logical = .timestamp(utc: true, unit: .millis)
            case 10: logical = .timestamp(utc: true, unit: .micros)
            case 11: logical = .integer(bits: 8, signed: false)
            case 12: logical = .integer(bits: 16, signed: false)
            case 13: logical = .integer(bits: 32, signed: false)
            case 14: logical = .integer(bits: 64, signed: false)
            case 15: logical = .integer(bits: 8, signed: true)
            case 16: logical = .integer(bits: 16, signed: true)
            case 17: logical = .integer(bits: 32, signed: true)
            case 18: logical = .integer(bits: 64, signed: true)
            case 19: logical = .json
            case 20: logical = .bson
            default: break
            }
        }
        func unsupported(_ what: String) -> ParquetError { fail("\(name): \(what) is not supported") }
        func scale(_ u: TimeUnit) -> LeafConversion.TimeUnitScale { u == .millis ? .millis : u == .micros ? .micros : .nanos }
        switch (physical, logical) {
        case (_, .unknown?): return (.null, .null)
        case (.boolean, _): return (.bool, .boolean)
        case (.int32, .decimal(let p, let s)?), (.int64, .decimal(let p, let s)?), (.fixedLenByteArray, .decimal(let p, let s)?), (.byteArray, .decimal(let p, let s)?):
            guard p >= 1, p <= 38, s >= 0, s <= p else { throw unsupported("DECIMAL(\(p), \(s))") }
            return (.decimal, .decimal(precision: p, scale: s))
        case (.int32, .date?): return (.int32, .date)
        case (.int32, .time(_, .millis)?): return (.time32Millis, .time)
        case (.int32, .integer(let bits, let signed)?):
            if !signed { return (.uint32, .bigint) }
            return bits == 8 ? (.int8, .tinyint) : bits == 16 ? (.int16, .smallint) : (.int32, .integer)
        case (.int32, _): return (.int32, .integer)
        case (.int64, .timestamp(_, let u)?): return (.timestamp(scale(u)), .timestamp)
        case (.int64, .time(_, let u)?): return (.time64(scale(u)), .time)
        case (.int64, .integer(_, false)?): return (.uint64, .hugeint)
        case (.int64, _): return (.int64, .bigint)
        case (.int96, _): return (.int96, .timestamp)
        case (.float, _): return (.float, .float)
        case (.double, _): return (.double, .double)
        case (.byteArray, .string?), (.byteArray, .enumeration?), (.byteArray, .json?): return (.string, .varchar)
        case (.byteArray, _): return (.binary, .blob)
        case (.fixedLenByteArray, .uuid?):
            guard e.typeLength == 16 else { throw fail("\(name): a UUID of \(e.typeLength ?? 0) bytes") }
            return (.uuid, .uuid)
        case (.fixedLenByteArray, .float16?): return (.float16, .float)
        case (.fixedLenByteArray, _): return (.fixedBinary, .blob)
        }
    }
}
