import JSON

/// Serializes values given in the fixture JSON encoding (../shared/fixtures/sstables/README.md,
/// the encoding `sstable dump --rows` prints and mutation files use) into Cassandra's value
/// bytes (`TypeSerializer.serialize` of each type): the inverse of `ValueDecoder` + `ValueJSON`.
public enum ValueEncoder {
    public struct EncodeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The bytes of a non-null value. JSON null is not a value here (the caller decides what a
    /// null means: a tombstone for a cell, a null element inside a collection).
    public static func encode(_ v: JSONValue, as type: CQLType) throws -> [UInt8] {
        func bad(_ why: String = "") -> EncodeError {
            EncodeError(message: "\(v.text) is not a \(type.cql) value" + (why.isEmpty ? "" : ": " + why))
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws -> [UInt8] {
            guard case .int(let i) = v, let x = T(exactly: i) else { throw bad("expected an integer in range") }
            return CQLLiteral.bigEndian(x)
        }
        func floating() throws -> Double {
            switch v {
            case .int(let i): return Double(i)
            case .number(let s): guard let d = Double(s) else { throw bad() }; return d
            case .string("NaN"): return .nan
            case .string("Infinity"): return .infinity
            case .string("-Infinity"): return -.infinity
            default: throw bad("expected a number")
            }
        }
        func string() throws -> String {
            guard case .string(let s) = v else { throw bad("expected a string") }
            return s
        }
        func array() throws -> [JSONValue] {
            guard case .array(let items) = v else { throw bad("expected an array") }
            return items
        }
        if case .null = v { throw bad("null is not a value here") }
        switch type {
        case .reversed(let t): return try encode(v, as: t)
        case .text: return Array(try string().utf8)
        case .ascii:
            let s = try string()
            guard s.utf8.allSatisfy({ $0 < 0x80 }) else { throw bad("ascii values are 7-bit") }
            return Array(s.utf8)
        case .blob, .custom:
            guard let b = CQLLiteral.hexBytes(try string()) else { throw bad("expected \"0x\" and hex digits") }
            return b
        case .empty: return []
        case .boolean:
            guard case .bool(let b) = v else { throw bad("expected true or false") }
            return [b ? 1 : 0]
        case .tinyint: return try integer(Int8.self)
        case .smallint: return try integer(Int16.self)
        case .int: return try integer(Int32.self)
        case .bigint, .counter: return try integer(Int64.self)
        case .varint:
            let text: String
            switch v {
            case .int(let i): text = String(i)
            case .number(let s): text = s
            default: throw bad("expected an integer")
            }
            guard let b = BigDecimalText.twosComplement(ofInteger: text) else { throw bad("expected an integer") }
            return b
        case .decimal:
            let text: String
            switch v {
            case .string(let s): text = s
            case .int(let i): text = String(i)
            case .number(let s): text = s
            default: throw bad("expected a decimal string")
            }
            guard let (unscaled, scale) = BigDecimalText.parse(text) else { throw bad("expected a decimal such as \"12.340\"") }
            return CQLLiteral.bigEndian(scale) + unscaled
        case .float: return CQLLiteral.bigEndian(Float(try floating()).bitPattern)
        case .double: return CQLLiteral.bigEndian(try floating().bitPattern)
        case .uuid, .timeuuid:
            let hex = try string().filter { $0 != "-" }
            guard hex.count == 32, let b = CQLLiteral.hexBytes(hex) else { throw bad("expected a canonical uuid") }
            if case .timeuuid = type, b[6] >> 4 != 1 { throw bad("not a version 1 (time-based) uuid") }
            return b
        case .timestamp:
            if case .int(let ms) = v { return CQLLiteral.bigEndian(ms) }
            let s = try string()
            guard let seconds = ISO8601.parseSeconds(s) else { throw bad("expected \"YYYY-MM-DDTHH:MM:SS.mmmZ\"") }
            return CQLLiteral.bigEndian(seconds * 1000 + CQLLiteral.fractionMilliseconds(s))
        case .date:
            let parts = try string().split(separator: "-", omittingEmptySubsequences: false)
            let negative = parts.first == ""
            let p = negative ? Array(parts.dropFirst()) : Array(parts)
            guard p.count == 3, let y0 = Int64(p[0]), let m = Int64(p[1]), let d = Int64(p[2]), (1...12).contains(m), (1...31).contains(d) else {
                throw bad("expected \"YYYY-MM-DD\"")
            }
            let days = ISO8601.daysFromCivil(negative ? -y0 : y0, m, d)
            guard let u = UInt32(exactly: days + (1 << 31)) else { throw bad("date out of range") }
            return CQLLiteral.bigEndian(u)
        case .time:
            let s = try string()
            let parts = s.split(separator: ":")
            guard parts.count == 3, let h = Int64(parts[0]), let m = Int64(parts[1]), h < 24, m < 60 else { throw bad("expected \"HH:MM:SS.nnnnnnnnn\"") }
            let sec = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard let whole = Int64(sec[0]), whole < 60, sec.count <= 2 else { throw bad("expected \"HH:MM:SS.nnnnnnnnn\"") }
            var nanos: Int64 = 0
            if sec.count == 2 {
                let f = sec[1]
                guard !f.isEmpty, f.count <= 9, let n = Int64(f + String(repeating: "0", count: 9 - f.count)) else { throw bad() }
                nanos = n
            }
            return CQLLiteral.bigEndian(((h * 60 + m) * 60 + whole) * 1_000_000_000 + nanos)
        case .duration:
            guard case .int(let months)? = v["months"], case .int(let days)? = v["days"], case .int(let nanos)? = v["nanoseconds"],
                  Int32(exactly: months) != nil, Int32(exactly: days) != nil else {
                throw bad("expected {\"months\", \"days\", \"nanoseconds\"}")
            }
            guard (months >= 0 && days >= 0 && nanos >= 0) || (months <= 0 && days <= 0 && nanos <= 0) else {
                throw bad("a duration's parts must share one sign")
            }
            var out = ByteOutput()
            out.writeSignedVInt(months)
            out.writeSignedVInt(days)
            out.writeSignedVInt(nanos)
            return out.bytes
        case .inet:
            guard let b = parseInet(try string()) else { throw bad("expected an IPv4 or IPv6 address") }
            return b
        case .list(let e, _):
            return collection(try array().map { try element($0, e) })
        case .set(let e, _):
            var items = try array().map { item -> [UInt8] in
                guard case .null = item else { return try encode(item, as: e) }
                throw bad("a set cannot hold null")
            }
            // A frozen set is serialized in the element type's order, without duplicates.
            items.sort { ValueComparator.compare($0, $1, as: e) < 0 }
            items = dedupe(items, e)
            return collection(items)
        case .map(let k, let vt, _):
            var pairs = try array().map { pair -> ([UInt8], [UInt8]?) in
                guard case .array(let kv) = pair, kv.count == 2 else { throw bad("map entries are [key, value] pairs") }
                if case .null = kv[0] { throw bad("a map key cannot be null") }
                return (try encode(kv[0], as: k), try element(kv[1], vt))
            }
            pairs.sort { ValueComparator.compare($0.0, $1.0, as: k) < 0 }
            var previous: [UInt8]?
            var count = 0
            var body: [UInt8] = []
            for (key, value) in pairs {
                if let p = previous, ValueComparator.compare(p, key, as: k) == 0 { throw bad("a map key appears twice") }
                previous = key
                append(key, to: &body)
                append(value, to: &body)
                count += 1
            }
            return CQLLiteral.bigEndian(Int32(count)) + body
        case .tuple(let ts):
            let items = try array()
            guard items.count == ts.count else { throw bad("a tuple of \(ts.count) values") }
            var out: [UInt8] = []
            for (item, t) in zip(items, ts) { append(try element(item, t), to: &out) }
            return out
        case .udt(let def, _):
            guard case .object(let fields) = v else { throw bad("expected an object of fields") }
            for (name, _) in fields where !def.fieldNames.contains(name) { throw bad("\(def.name) has no field \(name)") }
            var out: [UInt8] = []
            for (name, t) in zip(def.fieldNames, def.fieldTypes) {
                append(try element(fields.first { $0.0 == name }?.1 ?? .null, t), to: &out)
            }
            return out
        case .vector(let e, let n):
            let items = try array()
            guard items.count == n else { throw bad("a vector of \(n) values") }
            var out = ByteOutput()
            for item in items {
                let b = try encode(item, as: e)
                if e.fixedLength == nil { out.writeUnsignedVInt(UInt64(b.count)) }
                out.writeBytes(b)
            }
            return out.bytes
        case .composite(let ts):
            let items = try array()
            guard items.count == ts.count else { throw bad("a key of \(ts.count) values") }
            return try compositeKey(zip(items, ts).map { try encode($0, as: $1) })
        }
    }

    /// A nested value: null is allowed (written with length -1).
    static func element(_ v: JSONValue, _ t: CQLType) throws -> [UInt8]? {
        if case .null = v { return nil }
        return try encode(v, as: t.frozen)
    }

    static func append(_ value: [UInt8]?, to out: inout [UInt8]) {
        guard let value else { out += CQLLiteral.bigEndian(Int32(-1)); return }
        out += CQLLiteral.bigEndian(Int32(value.count))
        out += value
    }

    static func collection(_ items: [[UInt8]?]) -> [UInt8] {
        var out = CQLLiteral.bigEndian(Int32(items.count))
        for item in items { append(item, to: &out) }
        return out
    }

    static func dedupe(_ sorted: [[UInt8]], _ t: CQLType) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for b in sorted where out.last.map({ ValueComparator.compare($0, b, as: t) != 0 }) ?? true { out.append(b) }
        return out
    }

    /// A partition key of several columns (`CompositeType`): per component a 2-byte length,
    /// the bytes and an end-of-component byte.
    public static func compositeKey(_ parts: [[UInt8]]) throws -> [UInt8] {
        var out: [UInt8] = []
        for p in parts {
            guard p.count <= 0xFFFF else { throw EncodeError(message: "a key component of \(p.count) bytes (at most 65535)") }
            out += CQLLiteral.bigEndian(UInt16(p.count))
            out += p
            out.append(0)
        }
        return out
    }

    /// IPv4 dotted quads and IPv6 (with `::` and an embedded IPv4 tail).
    public static func parseInet(_ s: String) -> [UInt8]? {
        if !s.contains(":") {
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var out: [UInt8] = []
            for p in parts {
                guard !p.isEmpty, p.count <= 3, let v = UInt8(p) else { return nil }
                out.append(v)
            }
            return out
        }
        var text = Substring(s)
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseInet(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = v4
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
        }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        let str = String(text)
        let halves: [Substring]
        if let r = str.firstRange(of: "::") {
            guard str[r.upperBound...].firstRange(of: "::") == nil else { return nil }
            halves = [str[..<r.lowerBound], str[r.upperBound...]]
        } else {
            halves = [str[...]]
        }
        var words: [UInt16]
        let needed = 8 - tail.count / 2
        if halves.count == 2 {
            guard let head = groups(halves[0]), let rest = groups(halves[1]), head.count + rest.count < needed else { return nil }
            words = head + [UInt16](repeating: 0, count: needed - head.count - rest.count) + rest
        } else if halves.count == 1 {
            guard let all = groups(halves[0]), all.count == needed else { return nil }
            words = all
        } else {
            return nil
        }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + tail
    }
}

/// Decimal text → Cassandra's varint and decimal bytes, exactly, with no size limit.
extension BigDecimalText {
    /// "-12.340" → (unscaled 12340 as two's complement, scale 3); "1.5E-7", "1E+3" too.
    static func parse(_ text: String) -> ([UInt8], Int32)? {
        var s = Substring(text)
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(s[s.index(after: e)...]) else { return nil }
            exponent = x
            s = s[..<e]
        }
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        var digits = ""
        var scale = 0
        if let dot = s.firstIndex(of: ".") {
            let frac = s[s.index(after: dot)...]
            digits = String(s[..<dot]) + frac
            scale = frac.count
        } else {
            digits = String(s)
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        scale -= exponent
        guard let sc = Int32(exactly: scale), let b = twosComplement(ofInteger: (negative ? "-" : "") + digits) else { return nil }
        return (b, sc)
    }

    /// A decimal integer of any size as minimal big-endian two's complement (`BigInteger.toByteArray`).
    static func twosComplement(ofInteger text: String) -> [UInt8]? {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        // Magnitude, little-endian base 256.
        var mag: [UInt8] = []
        for c in s.utf8 {
            var carry = UInt32(c - UInt8(ascii: "0"))
            for i in 0..<mag.count {
                let v = UInt32(mag[i]) * 10 + carry
                mag[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            while carry > 0 { mag.append(UInt8(carry & 0xFF)); carry >>= 8 }
        }
        while mag.last == 0 { mag.removeLast() }
        if mag.isEmpty { return [0] }
        if negative {
            // Two's complement: invert and add one.
            var carry: UInt16 = 1
            for i in 0..<mag.count {
                let v = UInt16(~mag[i]) + carry
                mag[i] = UInt8(v & 0xFF)
                carry = v >> 8
            }
            // Sign extension: keep a leading 0xFF unless the top byte already reads negative.
            if mag.last! & 0x80 == 0 { mag.append(0xFF) }
            while mag.count > 1 && mag[mag.count - 1] == 0xFF && mag[mag.count - 2] & 0x80 != 0 { mag.removeLast() }
        } else if mag.last! & 0x80 != 0 {
            mag.append(0)
        }
        return mag.reversed()
    }
}
