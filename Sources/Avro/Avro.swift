import Codecs
import JSON

/// An Avro schema (the subset Iceberg's manifests use: primitives, records, arrays, maps,
/// unions, fixed, enums; logical types ride along as annotations that do not change the
/// encoding). Parsed from the schema's JSON, which is also what a container file stores, so
/// the text a writer declares is exactly what readers see.
public indirect enum AvroSchema: Sendable, Equatable {
    case null, boolean, int, long, float, double, bytes, string
    case record(name: String, fields: [(name: String, schema: AvroSchema)])
    case array(AvroSchema)
    case map(AvroSchema)
    case union([AvroSchema])
    case fixed(name: String, size: Int)
    case enumeration(name: String, symbols: [String])

    public static func == (a: AvroSchema, b: AvroSchema) -> Bool {
        switch (a, b) {
        case (.null, .null), (.boolean, .boolean), (.int, .int), (.long, .long), (.float, .float), (.double, .double),
             (.bytes, .bytes), (.string, .string): return true
        case (.record(let n, let f), .record(let m, let g)):
            return n == m && f.count == g.count && zip(f, g).allSatisfy { $0.name == $1.name && $0.schema == $1.schema }
        case (.array(let x), .array(let y)), (.map(let x), .map(let y)): return x == y
        case (.union(let x), .union(let y)): return x == y
        case (.fixed(let n, let s), .fixed(let m, let t)): return n == m && s == t
        case (.enumeration(let n, let s), .enumeration(let m, let t)): return n == m && s == t
        default: return false
        }
    }

    public static func parse(_ json: JSONValue) throws -> AvroSchema {
        var named: [String: AvroSchema] = [:]
        return try parse(json, &named)
    }

    static func parse(_ json: JSONValue, _ named: inout [String: AvroSchema]) throws -> AvroSchema {
        switch json {
        case .string(let name):
            switch name {
            case "null": return .null
            case "boolean": return .boolean
            case "int": return .int
            case "long": return .long
            case "float": return .float
            case "double": return .double
            case "bytes": return .bytes
            case "string": return .string
            default:
                guard let s = named[name] else { throw AvroError("unknown Avro type \"\(name)\"") }
                return s
            }
        case .array(let branches):
            return .union(try branches.map { try parse($0, &named) })
        case .object:
            guard case .string(let type)? = json["type"] else {
                if let inner = json["type"] { return try parse(inner, &named) }
                throw AvroError("an Avro schema object without a type: \(json.text)")
            }
            switch type {
            case "record", "error":
                guard case .string(let name)? = json["name"], case .array(let fields)? = json["fields"] else {
                    throw AvroError("a record needs a name and fields: \(json.text)")
                }
                var out: [(String, AvroSchema)] = []
                for f in fields {
                    guard case .string(let fname)? = f["name"], let ftype = f["type"] else { throw AvroError("a record field needs a name and type: \(f.text)") }
                    out.append((fname, try parse(ftype, &named)))
                }
                let s = AvroSchema.record(name: name, fields: out)
                named[name] = s
                return s
            case "array":
                guard let items = json["items"] else { throw AvroError("an array needs items: \(json.text)") }
                return .array(try parse(items, &named))
            case "map":
                guard let values = json["values"] else { throw AvroError("a map needs values: \(json.text)") }
                return .map(try parse(values, &named))
            case "fixed":
                guard case .string(let name)? = json["name"], case .int(let size)? = json["size"], size >= 0 else {
                    throw AvroError("a fixed needs a name and size: \(json.text)")
                }
                let s = AvroSchema.fixed(name: name, size: Int(size))
                named[name] = s
                return s
            case "enum":
                guard case .string(let name)? = json["name"], case .array(let symbols)? = json["symbols"] else {
                    throw AvroError("an enum needs a name and symbols: \(json.text)")
                }
                let s = AvroSchema.enumeration(name: name, symbols: symbols.compactMap { if case .string(let x) = $0 { return x } else { return nil } })
                named[name] = s
                return s
            default:
                // A primitive with annotations ({"type": "int", "logicalType": "date"}).
                return try parse(.string(type), &named)
            }
        default:
            throw AvroError("not an Avro schema: \(json.text)")
        }
    }
}

/// A value of an Avro schema.
public indirect enum AvroValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case bytes([UInt8])
    case string(String)
    case record([AvroValue])
    case array([AvroValue])
    case map([(String, AvroValue)])
    /// The branch of a union and its value.
    case union(Int, AvroValue)
    case fixed([UInt8])
    case enumeration(Int)

    public static func == (a: AvroValue, b: AvroValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.boolean(let x), .boolean(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.long(let x), .long(let y)): return x == y
        case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.bytes(let x), .bytes(let y)), (.fixed(let x), .fixed(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.record(let x), .record(let y)), (.array(let x), .array(let y)): return x == y
        case (.map(let x), .map(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.union(let i, let x), .union(let j, let y)): return i == j && x == y
        case (.enumeration(let x), .enumeration(let y)): return x == y
        default: return false
        }
    }

    /// The value of a record's field by position, for readers.
    public subscript(_ i: Int) -> AvroValue? {
        if case .record(let f) = self, i < f.count { return f[i] }
        return nil
    }

    /// A union's value, or the value itself.
    public var unwrapped: AvroValue { if case .union(_, let v) = self { return v.unwrapped } else { return self } }
}

public struct AvroError: Error, CustomStringConvertible {
    public var message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}

// MARK: binary encoding

struct AvroEncoder {
    var bytes: [UInt8] = []

    mutating func long(_ v: Int64) {
        var u = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        while u >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: u) | 0x80); u >>= 7 }
        bytes.append(UInt8(u))
    }

    mutating func raw(_ b: [UInt8]) {
        long(Int64(b.count))
        bytes.append(contentsOf: b)
    }

    mutating func encode(_ v: AvroValue, as s: AvroSchema) throws {
        switch (s, v) {
        case (.null, .null): break
        case (.boolean, .boolean(let b)): bytes.append(b ? 1 : 0)
        case (.int, .int(let x)): long(Int64(x))
        case (.long, .long(let x)): long(x)
        case (.long, .int(let x)): long(Int64(x))
        case (.float, .float(let f)):
            let b = f.bitPattern
            for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: b >> UInt32(8 * k))) }
        case (.double, .double(let d)):
            let b = d.bitPattern
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: b >> UInt64(8 * k))) }
        case (.bytes, .bytes(let b)): raw(b)
        case (.string, .string(let t)): raw(Array(t.utf8))
        case (.fixed(let name, let size), .fixed(let b)):
            guard b.count == size else { throw AvroError("fixed \(name) holds \(size) bytes, not \(b.count)") }
            bytes.append(contentsOf: b)
        case (.enumeration(_, let symbols), .enumeration(let i)):
            guard i >= 0 && i < symbols.count else { throw AvroError("enum index \(i) of \(symbols.count) symbols") }
            long(Int64(i))
        case (.record(let name, let fields), .record(let values)):
            guard fields.count == values.count else { throw AvroError("record \(name) has \(fields.count) fields, \(values.count) values given") }
            for (f, x) in zip(fields, values) {
                do { try encode(x, as: f.schema) } catch let e as AvroError { throw AvroError("\(name).\(f.name): \(e.message)") }
            }
        case (.array(let items), .array(let values)):
            if !values.isEmpty {
                long(Int64(values.count))
                for x in values { try encode(x, as: items) }
            }
            long(0)
        case (.map(let valueSchema), .map(let entries)):
            if !entries.isEmpty {
                long(Int64(entries.count))
                for (k, x) in entries {
                    raw(Array(k.utf8))
                    try encode(x, as: valueSchema)
                }
            }
            long(0)
        case (.union(let branches), .union(let i, let x)):
            guard i >= 0 && i < branches.count else { throw AvroError("union branch \(i) of \(branches.count)") }
            long(Int64(i))
            try encode(x, as: branches[i])
        case (.union(let branches), let x):
            // A bare value in a union: the first branch that takes it (null → the null branch).
            for (i, b) in branches.enumerated() {
                var trial = AvroEncoder()
                if (try? trial.encode(x, as: b)) != nil {
                    long(Int64(i))
                    bytes.append(contentsOf: trial.bytes)
                    return
                }
            }
            throw AvroError("no branch of the union takes \(x)")
        default:
            throw AvroError("a \(v) value for an Avro \(s)")
        }
    }
}

struct AvroDecoder {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    func fail(_ m: String) -> AvroError { AvroError("byte \(position): \(m)") }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw fail("the data ends inside a value") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func long() throws -> Int64 {
        var u: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw fail("a varint longer than 10 bytes") }
            u |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    mutating func take(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= end - position else { throw fail("\(n) bytes run past the end") }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    mutating func count() throws -> Int {
        var n = try long()
        if n < 0 {
            n = -n
            _ = try long() // block size in bytes
        }
        guard n <= Int64(end - position) else { throw fail("a block of \(n) items runs past the end") }
        return Int(n)
    }

    mutating func decode(_ s: AvroSchema) throws -> AvroValue {
        switch s {
        case .null: return .null
        case .boolean: return .boolean(try byte() != 0)
        case .int:
            let v = try long()
            guard let i = Int32(exactly: v) else { throw fail("int \(v) out of range") }
            return .int(i)
        case .long: return .long(try long())
        case .float:
            let b = try take(4)
            return .float(Float(bitPattern: b.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }))
        case .double:
            let b = try take(8)
            return .double(Double(bitPattern: b.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }))
        case .bytes: return .bytes(try take(Int(try long())))
        case .string: return .string(String(decoding: try take(Int(try long())), as: UTF8.self))
        case .fixed(_, let size): return .fixed(try take(size))
        case .enumeration(_, let symbols):
            let i = try long()
            guard i >= 0 && i < symbols.count else { throw fail("enum index \(i) of \(symbols.count)") }
            return .enumeration(Int(i))
        case .record(_, let fields): return .record(try fields.map { try decode($0.schema) })
        case .array(let items):
            var out: [AvroValue] = []
            while true {
                let n = try count()
                if n == 0 { return .array(out) }
                for _ in 0..<n { out.append(try decode(items)) }
            }
        case .map(let values):
            var out: [(String, AvroValue)] = []
            while true {
                let n = try count()
                if n == 0 { return .map(out) }
                for _ in 0..<n {
                    let k = String(decoding: try take(Int(try long())), as: UTF8.self)
                    out.append((k, try decode(values)))
                }
            }
        case .union(let branches):
            let i = try long()
            guard i >= 0 && i < branches.count else { throw fail("union branch \(i) of \(branches.count)") }
            return .union(Int(i), try decode(branches[Int(i)]))
        }
    }
}

// MARK: object container files

/// Writes an Avro object container file: the magic, the metadata (schema text, codec, the
/// caller's keys), a sync marker, then blocks of records, each followed by the marker.
public struct AvroContainerWriter {
    public let schemaJSON: JSONValue
    public let schema: AvroSchema
    private let sync: [UInt8]
    private var block = AvroEncoder()
    private var blockCount = 0
    public private(set) var bytes: [UInt8] = []

    public init(schema json: JSONValue, metadata: [(String, String)], sync: [UInt8]? = nil) throws {
        schemaJSON = json
        schema = try AvroSchema.parse(json)
        var s = sync ?? []
        if s.isEmpty { var g = SystemRandomNumberGenerator(); for _ in 0..<16 { s.append(UInt8.random(in: 0...255, using: &g)) } }
        precondition(s.count == 16, "an Avro sync marker is 16 bytes")
        self.sync = s
        var header = AvroEncoder()
        header.bytes = Array("Obj".utf8) + [1]
        let meta: [(String, String)] = [("avro.schema", json.text), ("avro.codec", "null")] + metadata
        header.long(Int64(meta.count))
        for (k, v) in meta {
            header.raw(Array(k.utf8))
            header.raw(Array(v.utf8))
        }
        header.long(0)
        header.bytes.append(contentsOf: s)
        bytes = header.bytes
    }

    public mutating func append(_ record: AvroValue) throws {
        try block.encode(record, as: schema)
        blockCount += 1
        if block.bytes.count >= 1 << 20 { flush() }
    }

    private mutating func flush() {
        guard blockCount > 0 else { return }
        var head = AvroEncoder()
        head.long(Int64(blockCount))
        head.long(Int64(block.bytes.count))
        bytes.append(contentsOf: head.bytes)
        bytes.append(contentsOf: block.bytes)
        bytes.append(contentsOf: sync)
        block = AvroEncoder()
        blockCount = 0
    }

    /// The whole file.
    public mutating func finish() -> [UInt8] {
        flush()
        return bytes
    }
}

/// Reads an Avro object container file (codecs null and deflate).
public struct AvroContainer {
    public let metadata: [String: String]
    public let schemaJSON: JSONValue
    public let schema: AvroSchema
    public let records: [AvroValue]

    public init(bytes: [UInt8], file: String = "") throws {
        func failing(_ body: () throws -> Void) throws {
            do { try body() } catch let e as AvroError { throw AvroError("\(file.isEmpty ? "" : file + ": ")\(e.message)") }
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == Array("Obj".utf8) + [1] else {
            throw AvroError("\(file.isEmpty ? "" : file + ": ")not an Avro object container file (no Obj\\x01 magic)")
        }
        var d = AvroDecoder(bytes: bytes, position: 4, end: bytes.count)
        var meta: [String: String] = [:]
        var json = JSONValue.null
        var schema = AvroSchema.null
        var records: [AvroValue] = []
        try failing {
            while true {
                let n = try d.count()
                if n == 0 { break }
                for _ in 0..<n {
                    let k = String(decoding: try d.take(Int(try d.long())), as: UTF8.self)
                    meta[k] = String(decoding: try d.take(Int(try d.long())), as: UTF8.self)
                }
            }
            guard let text = meta["avro.schema"] else { throw AvroError("no avro.schema in the file metadata") }
            do { json = try JSONParser.parse(text) } catch { throw AvroError("avro.schema is not JSON: \(error)") }
            schema = try AvroSchema.parse(json)
            let codec = meta["avro.codec"] ?? "null"
            guard codec == "null" || codec == "deflate" else { throw AvroError("Avro codec \(codec) is not supported (null, deflate)") }
            let sync = try d.take(16)
            while d.position < d.end {
                let count = try d.long()
                let size = try d.long()
                guard count >= 0, size >= 0 else { throw d.fail("a block of \(count) records in \(size) bytes") }
                var data = try d.take(Int(size))
                if codec == "deflate" {
                    guard let inflated = data.withUnsafeBytes({ Codec.inflate($0, raw: true) }) else {
                        throw d.fail("a deflate block that does not inflate")
                    }
                    data = inflated
                }
                var block = AvroDecoder(bytes: data, position: 0, end: data.count)
                for _ in 0..<count { records.append(try block.decode(schema)) }
                guard try d.take(16) == sync else { throw d.fail("a block not followed by the file's sync marker") }
            }
        }
        metadata = meta
        schemaJSON = json
        self.schema = schema
        self.records = records
    }
}
