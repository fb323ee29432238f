import Avro
import Columnar
import Foundation
import JSON

/// A partition transform (iceberg-writer-notes §6, the spec's "Partition Transforms").
public enum PartitionTransform: Sendable, Hashable, CustomStringConvertible {
    case identity, bucket(Int), truncate(Int), year, month, day, hour, void

    public var description: String {
        switch self {
        case .identity: return "identity"
        case .bucket(let n): return "bucket[\(n)]"
        case .truncate(let w): return "truncate[\(w)]"
        case .year: return "year"
        case .month: return "month"
        case .day: return "day"
        case .hour: return "hour"
        case .void: return "void"
        }
    }

    public static func parse(_ s: String) throws -> PartitionTransform {
        switch s {
        case "identity": return .identity
        case "year": return .year
        case "month": return .month
        case "day": return .day
        case "hour": return .hour
        case "void": return .void
        default:
            func parameter(_ prefix: String) -> Int? {
                guard s.hasPrefix(prefix + "["), s.hasSuffix("]") else { return nil }
                return Int(s.dropFirst(prefix.count + 1).dropLast())
            }
            if let n = parameter("bucket"), n > 0 { return .bucket(n) }
            if let w = parameter("truncate"), w > 0 { return .truncate(w) }
            throw IcebergError("unknown partition transform \(s)")
        }
    }

    /// The default partition field name for a source column (as Spark and pyiceberg name them).
    public func fieldName(_ source: String) -> String {
        switch self {
        case .identity: return source
        case .bucket: return source + "_bucket"
        case .truncate: return source + "_trunc"
        case .year: return source + "_year"
        case .month: return source + "_month"
        case .day: return source + "_day"
        case .hour: return source + "_hour"
        case .void: return source + "_null"
        }
    }

    /// The type of the partition values, or an error when the transform does not apply to the source.
    public func resultType(_ source: IcebergType) throws -> IcebergType {
        func refuse() -> IcebergError { IcebergError("the partition transform \(self) does not apply to a \(source.json.text) column") }
        switch source {
        case .list, .map, .structure: throw IcebergError("a \(source.json.text.prefix(40)) column cannot be partitioned on; partition on a primitive column")
        default: break
        }
        switch self {
        case .identity, .void: return source
        case .bucket:
            switch source {
            case .int, .long, .decimal, .date, .time, .timestamp, .timestamptz, .string, .uuid, .fixed, .binary: return .int
            default: throw refuse()
            }
        case .truncate:
            switch source {
            case .int, .long, .decimal, .string, .binary: return source
            default: throw refuse()
            }
        case .year, .month, .day:
            switch source {
            case .date, .timestamp, .timestamptz: return self == .day ? .date : .int
            default: throw refuse()
            }
        case .hour:
            switch source {
            case .timestamp, .timestamptz: return .int
            default: throw refuse()
            }
        }
    }
}

public struct PartitionField: Sendable, Hashable {
    public var sourceId: Int32
    public var fieldId: Int32
    public var name: String
    public var transform: PartitionTransform

    public init(sourceId: Int32, fieldId: Int32, name: String, transform: PartitionTransform) {
        self.sourceId = sourceId
        self.fieldId = fieldId
        self.name = name
        self.transform = transform
    }
}

/// A partition spec of a table's metadata: how rows map to partitions.
public struct PartitionSpec: Sendable, Hashable {
    public var id: Int32
    public var fields: [PartitionField]

    public init(id: Int32 = 0, fields: [PartitionField] = []) {
        self.id = id
        self.fields = fields
    }

    public static let unpartitioned = PartitionSpec()

    public var isUnpartitioned: Bool { fields.allSatisfy { $0.transform == .void } }

    /// A spec for a table being created: `(column, transform)` pairs, ids from 1000, checked
    /// against the schema.
    public static func build(_ terms: [(column: String, transform: PartitionTransform)], schema: IcebergSchema) throws -> PartitionSpec {
        var fields: [PartitionField] = []
        for (k, term) in terms.enumerated() {
            guard let source = schema.fields.first(where: { $0.name == term.column }) ?? schema.fields.first(where: { $0.name.lowercased() == term.column.lowercased() }) else {
                throw IcebergError("PARTITIONED BY names \(term.column), which is not a column of the table")
            }
            _ = try term.transform.resultType(source.type)
            let name = term.transform.fieldName(source.name)
            if fields.contains(where: { $0.name == name }) { throw IcebergError("PARTITIONED BY has \(name) twice") }
            if fields.contains(where: { $0.sourceId == source.id && $0.transform == term.transform }) {
                throw IcebergError("PARTITIONED BY applies \(term.transform) to \(source.name) twice")
            }
            let temporal: Set<PartitionTransform> = [.year, .month, .day, .hour]
            if temporal.contains(term.transform), let other = fields.first(where: { $0.sourceId == source.id && temporal.contains($0.transform) }) {
                // As Iceberg's spec builder (and pyiceberg): one time transform per column.
                throw IcebergError("PARTITIONED BY has \(other.transform) and \(term.transform) of \(source.name): one time transform per column (they are redundant)")
            }
            if schema.fields.contains(where: { $0.name == name }) && term.transform != .identity {
                throw IcebergError("the partition field \(name) would have the name of a column")
            }
            fields.append(PartitionField(sourceId: source.id, fieldId: 1000 + Int32(k), name: name, transform: term.transform))
        }
        return PartitionSpec(fields: fields)
    }

    public var fieldsJSON: JSONValue {
        .array(fields.map {
            .object([("source-id", .int(Int64($0.sourceId))), ("field-id", .int(Int64($0.fieldId))), ("name", .string($0.name)),
                     ("transform", .string($0.transform.description))])
        })
    }

    public var json: JSONValue { .object([("spec-id", .int(Int64(id))), ("fields", fieldsJSON)]) }

    public static func parse(_ j: JSONValue) throws -> PartitionSpec {
        guard case .int(let id)? = j["spec-id"], case .array(let fs)? = j["fields"] else { throw IcebergError("a partition spec without spec-id or fields: \(j.text)") }
        return PartitionSpec(id: Int32(id), fields: try fs.map { f in
            guard case .int(let source)? = f["source-id"], case .int(let fid)? = f["field-id"], case .string(let name)? = f["name"],
                  case .string(let t)? = f["transform"] else { throw IcebergError("a partition field without source-id, field-id, name or transform: \(f.text)") }
            return PartitionField(sourceId: Int32(source), fieldId: Int32(fid), name: name, transform: try PartitionTransform.parse(t))
        })
    }

    /// Each field with its source and result types.
    public func typed(_ schema: IcebergSchema) throws -> [(field: PartitionField, source: IcebergField, result: IcebergType)] {
        try fields.map { f in
            guard let source = schema.fields.first(where: { $0.id == f.sourceId }) else {
                throw IcebergError("partition field \(f.name) has source id \(f.sourceId), which is not a top-level column")
            }
            return (f, source, try f.transform.resultType(source.type))
        }
    }
}

/// One partition value, after the transform: small integers as `long` whatever their Iceberg
/// type, decimals unscaled, uuids and strings as their bytes, doubles as their bits (so NaN
/// is one value).
public enum PartitionValue: Sendable, Hashable {
    case null
    case long(Int64)
    case decimal(Int128)
    case double(UInt64)
    case bytes([UInt8])

    static func double(_ d: Double) -> PartitionValue { .double(d.isNaN ? Double.nan.bitPattern : d.bitPattern) }
}

// MARK: applying transforms

enum Murmur3 {
    @inline(__always) static func rotl(_ x: UInt32, _ r: UInt32) -> UInt32 { (x << r) | (x >> (32 - r)) }

    /// MurmurHash3 x86 32-bit.
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51, c2: UInt32 = 0x1b87_3593
        var h = seed
        let n = bytes.count, blocks = n / 4
        for i in 0..<blocks {
            var k = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            k &*= c1; k = rotl(k, 15); k &*= c2
            h ^= k; h = rotl(h, 13); h = h &* 5 &+ 0xe654_6b64
        }
        let t = blocks * 4
        var k: UInt32 = 0
        switch n & 3 {
        case 3:
            k ^= UInt32(bytes[t + 2]) << 16
            fallthrough
        case 2:
            k ^= UInt32(bytes[t + 1]) << 8
            fallthrough
        case 1:
            k ^= UInt32(bytes[t])
            k &*= c1; k = rotl(k, 15); k &*= c2
            h ^= k
        default: break
        }
        h ^= UInt32(truncatingIfNeeded: n)
        h ^= h >> 16; h &*= 0x85eb_ca6b; h ^= h >> 13; h &*= 0xc2b2_ae35; h ^= h >> 16
        return h
    }

    static func hash(long v: Int64) -> UInt32 {
        var x = v.littleEndian
        return withUnsafeBytes(of: &x) { hash($0) }
    }

    static func hash(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { hash($0) } }
}

enum Civil {
    static func date(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) { CivilDate.from(days: days) }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a - 1) / b) - 1 }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
}

extension PartitionTransform {
    /// The transform of every row of `column` (an engine column of the source's type).
    func apply(_ column: Column, source: IcebergType) -> [PartitionValue] {
        let c = column.materialized()
        var out = [PartitionValue](repeating: .null, count: c.count)
        if self == .void { return out }
        func each(_ body: (Int) -> PartitionValue) {
            for i in 0..<c.count where !c.isNull(i) { out[i] = body(i) }
        }
        switch c.data {
        case .bool(let v): each { .long(v[$0] ? 1 : 0) }
        case .int8(let v): each { long(Int64(v[$0]), source) }
        case .int16(let v): each { long(Int64(v[$0]), source) }
        case .int32(let v): each { long(Int64(v[$0]), source) }
        case .int64(let v):
            if case .decimal = source { each { decimal(Int128(v[$0])) } } else { each { long(v[$0], source) } }
        case .int128(let v): each { decimal(v[$0]) }
        case .uint128(let v):
            each { i in
                let x = v[i]
                return bytes((0..<16).map { UInt8(truncatingIfNeeded: x >> (8 * (15 - $0))) }, source)
            }
        case .float32(let v): each { .double(Double(v[$0])) }
        case .float64(let v): each { .double(v[$0]) }
        case .bytes(let offsets, let b):
            each { i in bytes(Array(b[Int(offsets[i])..<Int(offsets[i + 1])]), source) }
        default: break
        }
        return out
    }

    func long(_ v: Int64, _ source: IcebergType) -> PartitionValue {
        switch self {
        case .identity: return .long(v)
        case .bucket(let n):
            return .long(Int64((Int32(bitPattern: Murmur3.hash(long: v)) & Int32.max) % Int32(truncatingIfNeeded: n)))
        case .truncate(let w): return .long(v - Civil.floorMod(v, Int64(w)))
        case .year, .month, .day, .hour:
            let micros: Int64?, days: Int64
            if source == .date {
                micros = nil
                days = v
            } else {
                micros = v
                days = Civil.floorDiv(v, 86_400_000_000)
            }
            switch self {
            case .day: return .long(days)
            case .hour: return .long(Civil.floorDiv(micros ?? days * 86_400_000_000, 3_600_000_000))
            case .month:
                let d = Civil.date(days)
                return .long((d.year - 1970) * 12 + d.month - 1)
            default: return .long(Civil.date(days).year - 1970)
            }
        case .void: return .null
        }
    }

    func decimal(_ v: Int128) -> PartitionValue {
        switch self {
        case .bucket(let n): return .long(Int64((Int32(bitPattern: Murmur3.hash(Bounds.minimalTwosComplement(v))) & Int32.max) % Int32(truncatingIfNeeded: n)))
        case .truncate(let w):
            let w = Int128(w)
            let r = v % w
            return .decimal(v - (r < 0 ? r + w : r))
        case .void: return .null
        default: return .decimal(v)
        }
    }

    func bytes(_ b: [UInt8], _ source: IcebergType) -> PartitionValue {
        switch self {
        case .bucket(let n): return .long(Int64((Int32(bitPattern: Murmur3.hash(b)) & Int32.max) % Int32(truncatingIfNeeded: n)))
        case .truncate(let w): return .bytes(source == .string ? Array(Bounds.truncatedString(b, w)) : Array(b.prefix(w)))
        case .void: return .null
        default: return .bytes(b)
        }
    }
}

// MARK: partition values in manifests and paths

extension PartitionValue {
    /// The single-value binary encoding (manifest-list partition summaries).
    func encoded(_ type: IcebergType) -> [UInt8]? {
        switch (self, type) {
        case (.null, _): return nil
        case (.long(let v), .boolean): return [v != 0 ? 1 : 0]
        case (.long(let v), .int), (.long(let v), .date): return Bounds.le(Int32(truncatingIfNeeded: v))
        case (.long(let v), _): return Bounds.le(v)
        case (.decimal(let v), _): return Bounds.minimalTwosComplement(v)
        case (.double(let bits), .float): return Bounds.le(Float(Double(bitPattern: bits)).bitPattern)
        case (.double(let bits), _): return Bounds.le(bits)
        case (.bytes(let b), _): return b
        }
    }

    /// The Avro value of the manifest's partition record field (a `["null", T]` union).
    func avro(_ type: IcebergType) -> AvroValue {
        switch (self, type) {
        case (.null, _): return .union(0, .null)
        case (.long(let v), .boolean): return .union(1, .boolean(v != 0))
        case (.long(let v), .int), (.long(let v), .date): return .union(1, .int(Int32(truncatingIfNeeded: v)))
        case (.long(let v), _): return .union(1, .long(v))
        case (.decimal(let v), .decimal(let p, _)):
            let size = PartitionAvro.decimalBytes(p)
            return .union(1, .fixed((0..<size).map { UInt8(truncatingIfNeeded: v >> Int128(8 * (size - 1 - $0))) }))
        case (.decimal(let v), _): return .union(1, .bytes(Bounds.minimalTwosComplement(v)))
        case (.double(let bits), .float): return .union(1, .float(Float(Double(bitPattern: bits))))
        case (.double(let bits), _): return .union(1, .double(Double(bitPattern: bits)))
        case (.bytes(let b), .string): return .union(1, .string(String(decoding: b, as: UTF8.self)))
        case (.bytes(let b), .uuid), (.bytes(let b), .fixed): return .union(1, .fixed(b))
        case (.bytes(let b), _): return .union(1, .bytes(b))
        }
    }

    /// The partition value of a manifest's partition record field (another writer's too).
    static func from(avro v: AvroValue, _ type: IcebergType) throws -> PartitionValue {
        switch (v.unwrapped, type) {
        case (.null, _): return .null
        case (.boolean(let b), _): return .long(b ? 1 : 0)
        case (.int(let x), _): return .long(Int64(x))
        case (.long(let x), _): return .long(x)
        case (.float(let f), _): return .double(Double(f))
        case (.double(let d), _): return .double(d)
        case (.string(let s), _): return .bytes(Array(s.utf8))
        case (.bytes(let b), .decimal), (.fixed(let b), .decimal):
            var x: Int128 = b.first.map { $0 & 0x80 != 0 ? -1 : 0 } ?? 0
            for byte in b { x = (x << 8) | Int128(byte) }
            return .decimal(x)
        case (.bytes(let b), _), (.fixed(let b), _): return .bytes(b)
        default: throw IcebergError("a partition value \(v) where a \(type.json.text) was expected")
        }
    }

    /// The text of the value in a data file's folder name (pyiceberg's human strings).
    func human(_ type: IcebergType, _ transform: PartitionTransform) -> String {
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(abs(v))
            return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, n - s.count)) + s
        }
        func day(_ d: Int64) -> String {
            let c = Civil.date(d)
            return pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2)
        }
        switch (self, transform) {
        case (.null, _): return "null"
        case (.long(let v), .year): return pad(1970 + v, 4)
        case (.long(let v), .month):
            return pad(1970 + Civil.floorDiv(v, 12), 4) + "-" + pad(Civil.floorMod(v, 12) + 1, 2)
        case (.long(let v), .day): return day(v)
        case (.long(let v), .hour): return day(Civil.floorDiv(v, 24)) + "-" + pad(Civil.floorMod(v, 24), 2)
        case (.long(let v), .bucket): return String(v)
        default: break
        }
        switch (self, type) {
        case (.long(let v), .boolean): return v != 0 ? "true" : "false"
        case (.long(let v), .date): return day(v)
        case (.long(let v), .timestamp), (.long(let v), .timestamptz):
            let d = Civil.floorDiv(v, 86_400_000_000), us = Civil.floorMod(v, 86_400_000_000)
            let s = us / 1_000_000, frac = us % 1_000_000
            var text = day(d) + "T" + pad(s / 3600, 2) + ":" + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2)
            if frac != 0 { text += "." + pad(frac, 6) }
            return text + (type == .timestamptz ? "+00:00" : "")
        case (.long(let v), _): return String(v)
        case (.decimal(let v), .decimal(_, let scale)):
            let digits = String(v < 0 ? -v : v)
            guard scale > 0 else { return (v < 0 ? "-" : "") + digits }
            let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
            return (v < 0 ? "-" : "") + padded.dropLast(scale) + "." + padded.suffix(scale)
        case (.decimal(let v), _): return String(v)
        case (.double(let bits), _): return String(Double(bitPattern: bits))
        case (.bytes(let b), .string): return String(decoding: b, as: UTF8.self)
        case (.bytes(let b), .uuid):
            let hex = b.map { String(format: "%02x", $0) }.joined()
            let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { r in String(hex.dropFirst(r.lowerBound).prefix(r.count)) }
            return parts.joined(separator: "-")
        case (.bytes(let b), _): return Data(b).base64EncodedString()
        default: return "null"
        }
    }
}

enum PartitionAvro {
    /// Bytes of the smallest fixed that holds every unscaled value of precision `p`.
    static func decimalBytes(_ p: Int) -> Int {
        var size = 1
        while size < 16 {
            // 2^(8·size − 1) > 10^p − 1
            if Double(8 * size - 1) * log10(2.0) >= Double(p) { break }
            size += 1
        }
        return size
    }

    /// The Avro type of a partition field's values.
    static func type(_ t: IcebergType, fieldId: Int32) -> String {
        switch t {
        case .boolean: return "\"boolean\""
        case .int: return "\"int\""
        case .long: return "\"long\""
        case .float: return "\"float\""
        case .double: return "\"double\""
        case .date: return "{\"type\": \"int\", \"logicalType\": \"date\"}"
        case .time: return "{\"type\": \"long\", \"logicalType\": \"time-micros\"}"
        case .timestamp: return "{\"type\": \"long\", \"logicalType\": \"timestamp-micros\", \"adjust-to-utc\": false}"
        case .timestamptz: return "{\"type\": \"long\", \"logicalType\": \"timestamp-micros\", \"adjust-to-utc\": true}"
        case .string: return "\"string\""
        case .uuid: return "{\"type\": \"fixed\", \"size\": 16, \"logicalType\": \"uuid\", \"name\": \"uuid_fixed_\(fieldId)\"}"
        case .binary: return "\"bytes\""
        case .fixed(let n): return "{\"type\": \"fixed\", \"size\": \(n), \"name\": \"fixed_\(n)_\(fieldId)\"}"
        case .decimal(let p, let s):
            return "{\"type\": \"fixed\", \"size\": \(decimalBytes(p)), \"logicalType\": \"decimal\", \"precision\": \(p), \"scale\": \(s), \"name\": \"decimal_\(p)_\(s)_\(fieldId)\"}"
        default: return "\"null\""
        }
    }

    /// The `partition` record (field 102) of a spec's manifests.
    static func record(_ fields: [(field: PartitionField, result: IcebergType)]) -> String {
        let members = fields.map { f in
            "{\"name\": \(JSONValue.string(f.field.name).text), \"field-id\": \(f.field.fieldId), \"default\": null, \"type\": [\"null\", \(type(f.result, fieldId: f.field.fieldId))]}"
        }
        return "{\"type\": \"record\", \"name\": \"r102\", \"fields\": [" + members.joined(separator: ", ") + "]}"
    }
}

/// Percent-encodes as Python's `quote_plus(s, safe="")`, which pyiceberg uses for partition folders.
func quotePlus(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        case UInt8(ascii: " "): out += "+"
        default: out += String(format: "%%%02X", byte)
        }
    }
    return out
}
