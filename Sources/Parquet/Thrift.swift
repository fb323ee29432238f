/// Thrift's compact protocol, the encoding of Parquet's footer and page headers: field headers
/// with id deltas, zigzag varints, length-prefixed binaries, lists with their element type.
/// The writer emits structs field by field; the reader parses any struct into `ThriftValue`s,
/// so unknown fields (from newer writers) are kept or skipped, never misread.
public struct ThriftWriter {
    public private(set) var bytes: [UInt8] = []
    private var lastFieldIds: [Int16] = [0]

    public init() {}

    enum FieldType: UInt8 {
        case boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8, list = 9, set = 10, map = 11, structure = 12
    }

    mutating func varint(_ v: UInt64) { Varint.write(v, into: &bytes) }

    mutating func zigzag(_ v: Int64) { Varint.write(zigzag: v, into: &bytes) }

    private mutating func field(_ id: Int16, _ type: FieldType) {
        let last = lastFieldIds[lastFieldIds.count - 1]
        let delta = Int(id) - Int(last)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta << 4) | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastFieldIds[lastFieldIds.count - 1] = id
    }

    public mutating func i32(_ id: Int16, _ v: Int32) { field(id, .i32); zigzag(Int64(v)) }
    public mutating func i64(_ id: Int16, _ v: Int64) { field(id, .i64); zigzag(v) }
    public mutating func i8(_ id: Int16, _ v: Int8) { field(id, .byte); bytes.append(UInt8(bitPattern: v)) }
    public mutating func i16(_ id: Int16, _ v: Int16) { field(id, .i16); zigzag(Int64(v)) }
    public mutating func bool(_ id: Int16, _ v: Bool) { field(id, v ? .boolTrue : .boolFalse) }
    public mutating func binary(_ id: Int16, _ v: [UInt8]) {
        field(id, .binary)
        varint(UInt64(v.count))
        bytes.append(contentsOf: v)
    }
    public mutating func string(_ id: Int16, _ v: String) { binary(id, Array(v.utf8)) }

    /// A struct field: `body` writes its fields.
    public mutating func structure(_ id: Int16, _ body: (inout ThriftWriter) -> Void) {
        field(id, .structure)
        structBody(body)
    }

    /// The fields of a struct, then its stop byte (also the top-level message).
    public mutating func structBody(_ body: (inout ThriftWriter) -> Void) {
        lastFieldIds.append(0)
        body(&self)
        bytes.append(0)
        lastFieldIds.removeLast()
    }

    private mutating func listHeader(_ id: Int16, _ element: FieldType, _ count: Int) {
        field(id, .list)
        if count < 15 {
            bytes.append(UInt8(count << 4) | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    public mutating func listOfI32(_ id: Int16, _ values: [Int32]) {
        listHeader(id, .i32, values.count)
        for v in values { zigzag(Int64(v)) }
    }

    public mutating func listOfStrings(_ id: Int16, _ values: [String]) {
        listHeader(id, .binary, values.count)
        for v in values {
            let u = Array(v.utf8)
            varint(UInt64(u.count))
            bytes.append(contentsOf: u)
        }
    }

    public mutating func listOfStructs<T>(_ id: Int16, _ values: [T], _ body: (inout ThriftWriter, T) -> Void) {
        listHeader(id, .structure, values.count)
        for v in values { structBody { body(&$0, v) } }
    }
}

/// A parsed compact-protocol value.
public indirect enum ThriftValue: Sendable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure([Int16: ThriftValue])

    public var int: Int64? { if case .int(let v) = self { return v } else { return nil } }
    public var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    public var binary: [UInt8]? { if case .binary(let v) = self { return v } else { return nil } }
    public var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
    public var list: [ThriftValue]? { if case .list(let v) = self { return v } else { return nil } }
    public var fields: [Int16: ThriftValue]? { if case .structure(let v) = self { return v } else { return nil } }
    public subscript(_ id: Int16) -> ThriftValue? { fields?[id] }
}

public struct ThriftError: Error, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "at byte \(offset): \(message)" }
}

/// Parses one struct of the compact protocol from bytes, and says how many it took.
public struct ThriftReader {
    let bytes: UnsafeRawBufferPointer
    public private(set) var position: Int
    private var depth = 0

    public init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private func fail(_ m: String) -> ThriftError { ThriftError(offset: position, message: m) }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("the data ends inside a Thrift struct") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws -> UInt64 {
        guard let v = Varint.read(bytes, &position) else {
            throw fail(position >= bytes.count ? "the data ends inside a Thrift struct" : "a varint longer than 10 bytes")
        }
        return v
    }

    mutating func zigzag() throws -> Int64 { Varint.unzigzag(try varint()) }

    public mutating func readStruct() throws -> [Int16: ThriftValue] {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw fail("Thrift structs nested more than 64 deep") }
        var fields: [Int16: ThriftValue] = [:]
        var last: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return fields }
            let type = header & 0x0f
            let delta = header >> 4
            let id: Int16
            if delta != 0 {
                id = last &+ Int16(delta)
            } else {
                let z = try zigzag()
                guard let i = Int16(exactly: z) else { throw fail("field id \(z) out of range") }
                id = i
            }
            last = id
            fields[id] = try value(type)
        }
    }

    private mutating func value(_ type: UInt8) throws -> ThriftValue {
        switch type {
        case 1: return .bool(true)
        case 2: return .bool(false)
        case 3: return .int(Int64(Int8(bitPattern: try byte())))
        case 4, 5, 6: return .int(try zigzag())
        case 7:
            guard position + 8 <= bytes.count else { throw fail("the data ends inside a double") }
            var bits: UInt64 = 0
            for k in 0..<8 { bits |= UInt64(bytes[position + k]) << UInt64(8 * k) }
            position += 8
            return .double(Double(bitPattern: bits))
        case 8:
            let n = try varint()
            guard n <= UInt64(bytes.count - position) else { throw fail("a binary of \(n) bytes runs past the end") }
            defer { position += Int(n) }
            return .binary(Array(bytes[position..<(position + Int(n))]))
        case 9, 10:
            let header = try byte()
            var count = UInt64(header >> 4)
            if count == 15 { count = try varint() }
            guard count <= UInt64(bytes.count - position) else { throw fail("a list of \(count) elements runs past the end") }
            let element = header & 0x0f
            var out: [ThriftValue] = []
            out.reserveCapacity(Int(count))
            for _ in 0..<count {
                // Booleans inside lists take a byte each.
                if element == 1 || element == 2 { out.append(.bool(try byte() == 1)) } else { out.append(try value(element)) }
            }
            return .list(out)
        case 11:
            let n = try varint()
            guard n == 0 else { throw fail("Thrift maps are not used by Parquet") }
            return .list([])
        case 12: return .structure(try readStruct())
        default: throw fail("unknown Thrift field type \(type)")
        }
    }
}
