/// A decoded Cassandra value. Integers of every width share `.int`; big numbers keep their
/// exact two's-complement bytes.
public indirect enum CQLValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    /// varint: big-endian two's complement, as stored.
    case varint([UInt8])
    /// decimal: unscaled varint bytes and the scale (value = unscaled × 10^-scale).
    case decimal(unscaled: [UInt8], scale: Int32)
    case float(Float)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case uuid([UInt8])
    /// Milliseconds since the Unix epoch.
    case timestamp(Int64)
    /// Days since the Unix epoch.
    case date(Int64)
    /// Nanoseconds since midnight.
    case time(Int64)
    case duration(months: Int32, days: Int32, nanoseconds: Int64)
    case inet([UInt8])
    case list([CQLValue])
    case set([CQLValue])
    case map([CQLValue], [CQLValue])
    case tuple([CQLValue])
    case udt(names: [String], values: [CQLValue])
    case vector([CQLValue])
}

/// Decodes the serialized form of values (`TypeSerializer.deserialize` of each type).
public enum ValueDecoder {
    public struct DecodeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func decode(_ bytes: [UInt8], as type: CQLType) throws -> CQLValue {
        try bytes.withUnsafeBufferPointer { try decode($0[...], as: type) }
    }

    public static func decode(_ bytes: ArraySlice<UInt8>, as type: CQLType) throws -> CQLValue {
        try bytes.withUnsafeBufferPointer { try decode($0[...], as: type) }
    }

    public static func decode(_ b: Slice<UnsafeBufferPointer<UInt8>>, as type: CQLType) throws -> CQLValue {
        func need(_ n: Int) throws {
            guard b.count == n else {
                throw DecodeError(message: "\(type.cql) value has \(b.count) bytes, expected \(n)")
            }
        }
        func be(_ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n { v = v << 8 | UInt64(b[b.startIndex + i]) }
            return v
        }
        switch type {
        case .reversed(let t): return try decode(b, as: t)
        case .ascii, .text: return .text(String(decoding: b, as: UTF8.self))
        case .blob, .custom, .empty: return .blob(Array(b))
        case .boolean:
            if b.isEmpty { return .null }
            try need(1)
            return .bool(b[b.startIndex] != 0)
        case .tinyint:
            if b.isEmpty { return .null }
            try need(1)
            return .int(Int64(Int8(bitPattern: b[b.startIndex])))
        case .smallint:
            if b.isEmpty { return .null }
            try need(2)
            return .int(Int64(Int16(bitPattern: UInt16(be(2)))))
        case .int:
            if b.isEmpty { return .null }
            try need(4)
            return .int(Int64(Int32(bitPattern: UInt32(be(4)))))
        case .bigint, .counter:
            if b.isEmpty { return .null }
            try need(8)
            return .int(Int64(bitPattern: be(8)))
        case .timestamp:
            if b.isEmpty { return .null }
            try need(8)
            return .timestamp(Int64(bitPattern: be(8)))
        case .time:
            if b.isEmpty { return .null }
            try need(8)
            return .time(Int64(bitPattern: be(8)))
        case .date:
            if b.isEmpty { return .null }
            try need(4)
            return .date(Int64(UInt32(be(4))) - (1 << 31))
        case .float:
            if b.isEmpty { return .null }
            try need(4)
            return .float(Float(bitPattern: UInt32(be(4))))
        case .double:
            if b.isEmpty { return .null }
            try need(8)
            return .double(Double(bitPattern: be(8)))
        case .uuid, .timeuuid:
            if b.isEmpty { return .null }
            try need(16)
            return .uuid(Array(b))
        case .inet:
            if b.isEmpty { return .null }
            guard b.count == 4 || b.count == 16 else {
                throw DecodeError(message: "inet value has \(b.count) bytes, expected 4 or 16")
            }
            return .inet(Array(b))
        case .varint:
            if b.isEmpty { return .null }
            return .varint(Array(b))
        case .decimal:
            if b.isEmpty { return .null }
            guard b.count >= 5 else { throw DecodeError(message: "decimal value has \(b.count) bytes, expected at least 5") }
            return .decimal(unscaled: Array(b.dropFirst(4)), scale: Int32(bitPattern: UInt32(be(4))))
        case .duration:
            if b.isEmpty { return .null }
            var r = SliceReader(b)
            let months = try r.vint(), days = try r.vint(), nanos = try r.vint()
            guard r.atEnd, let m = Int32(exactly: months), let d = Int32(exactly: days) else {
                throw DecodeError(message: "malformed duration value")
            }
            return .duration(months: m, days: d, nanoseconds: nanos)
        case .list(let e, _), .set(let e, _):
            var r = SliceReader(b)
            let n = try r.count()
            var items: [CQLValue] = []
            items.reserveCapacity(min(n, 1024))
            for _ in 0..<n { items.append(try r.element(e)) }
            guard r.atEnd else { throw DecodeError(message: "\(type.cql) value has trailing bytes") }
            if case .set = type { return .set(items) }
            return .list(items)
        case .map(let k, let v, _):
            var r = SliceReader(b)
            let n = try r.count()
            var keys: [CQLValue] = [], values: [CQLValue] = []
            for _ in 0..<n {
                keys.append(try r.element(k))
                values.append(try r.element(v))
            }
            guard r.atEnd else { throw DecodeError(message: "\(type.cql) value has trailing bytes") }
            return .map(keys, values)
        case .tuple(let ts):
            var r = SliceReader(b)
            var items: [CQLValue] = []
            for t in ts {
                // A tuple written before a field was added may end early: the rest are null.
                items.append(r.atEnd ? .null : try r.element(t))
            }
            return .tuple(items)
        case .udt(let def, _):
            var r = SliceReader(b)
            var items: [CQLValue] = []
            for t in def.fieldTypes { items.append(r.atEnd ? .null : try r.element(t)) }
            return .udt(names: def.fieldNames, values: items)
        case .vector(let e, let n):
            var r = SliceReader(b)
            var items: [CQLValue] = []
            for _ in 0..<n {
                if let len = e.fixedLength {
                    items.append(try decode(try r.take(len), as: e))
                } else {
                    let len = try r.uvint()
                    guard len <= UInt64(b.count) else { throw DecodeError(message: "vector element length \(len) too large") }
                    items.append(try decode(try r.take(Int(len)), as: e))
                }
            }
            guard r.atEnd else { throw DecodeError(message: "\(type.cql) value has trailing bytes") }
            return .vector(items)
        case .composite(let ts):
            // Partition keys of several columns: <short length><bytes><end-of-component byte>.
            var r = SliceReader(b)
            var items: [CQLValue] = []
            for t in ts {
                let len = Int(try r.u16())
                items.append(try decode(try r.take(len), as: t))
                _ = try r.take(1)
            }
            return .tuple(items)
        }
    }

    /// Reads the parts of nested values: 32-bit lengths (negative = null) in collections,
    /// tuples and UDTs since native protocol v3.
    struct SliceReader {
        var s: Slice<UnsafeBufferPointer<UInt8>>
        init(_ s: Slice<UnsafeBufferPointer<UInt8>>) { self.s = s }
        var atEnd: Bool { s.isEmpty }

        mutating func take(_ n: Int) throws -> Slice<UnsafeBufferPointer<UInt8>> {
            guard n >= 0, s.count >= n else { throw DecodeError(message: "value truncated: needed \(n) bytes, \(s.count) left") }
            let r = s.prefix(n)
            s = s.dropFirst(n)
            return r
        }

        mutating func u16() throws -> UInt16 {
            let p = try take(2)
            return UInt16(p[p.startIndex]) << 8 | UInt16(p[p.startIndex + 1])
        }

        mutating func i32() throws -> Int32 {
            let p = try take(4)
            var v: UInt32 = 0
            for i in 0..<4 { v = v << 8 | UInt32(p[p.startIndex + i]) }
            return Int32(bitPattern: v)
        }

        mutating func count() throws -> Int {
            let n = try i32()
            guard n >= 0, Int(n) <= s.count else { throw DecodeError(message: "impossible element count \(n)") }
            return Int(n)
        }

        mutating func element(_ t: CQLType) throws -> CQLValue {
            let n = try i32()
            if n < 0 { return .null }
            return try ValueDecoder.decode(try take(Int(n)), as: t)
        }

        mutating func uvint() throws -> UInt64 {
            guard let first = s.first else { throw DecodeError(message: "value truncated: needed a vint, 0 bytes left") }
            let bytes = try take(1 + VInt.extraBytes(first))
            return VInt.decode(UnsafeRawPointer(bytes.base.baseAddress! + bytes.startIndex))
        }

        mutating func vint() throws -> Int64 { VInt.zigzag(try uvint()) }
    }
}
