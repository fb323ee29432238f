import Digests
import JSON

/// Random values in the fixture JSON encoding, for any CQL type.
struct SynthValues {
    static let words = ["alpha", "beta", "gamma", "delta", "épsilon", "ζήτα", "日本", "naïve", "x", "", "with space", "quote\"d", "tab\tnl\n"]

    static func uuid(_ r: inout SynthRandom, version: UInt8 = 4) -> String {
        var b = r.bytes(16)
        b[6] = b[6] & 0x0F | version << 4
        b[8] = b[8] & 0x3F | 0x80
        return ValueJSON.uuidString(b)
    }

    static func value(_ t: CQLType, _ r: inout SynthRandom) -> JSONValue {
        switch t.base {
        case .ascii: return .string("ascii-\(r.int(100_000))")
        case .text: return .string(r.pick(words) + (r.chance(0.5) ? " \(r.int(1000))" : ""))
        case .blob: return .string("0x" + Hex.encode(r.bytes(r.int(0...48))))
        case .boolean: return .bool(r.chance(0.5))
        case .tinyint: return .int(Int64(r.int(256)) - 128)
        case .smallint: return .int(Int64(r.int(65_536)) - 32_768)
        case .int: return .int(Int64(Int32(truncatingIfNeeded: r.next())))
        case .bigint, .counter: return .int(r.chance(0.05) ? r.pick([Int64.min, Int64.max, 0]) : Int64(bitPattern: r.next()))
        case .varint:
            if r.chance(0.3) { return .int(Int64(bitPattern: r.next())) }
            return .number((r.chance(0.5) ? "-" : "") + String(r.next() % 9 + 1) + String(r.next()) + String(r.next()))
        case .decimal:
            return .string((r.chance(0.3) ? "-" : "") + String(r.int(1_000_000)) + "." + String(r.int(10_000) + 10_000).dropFirst())
        case .float:
            if r.chance(0.02) { return .string(r.pick(["NaN", "Infinity", "-Infinity"])) }
            return .number(String(Float(Int(r.int(2_000_000)) - 1_000_000) / 64))
        case .double:
            if r.chance(0.02) { return .string(r.pick(["NaN", "Infinity", "-Infinity"])) }
            return .number(String(Double(Int64(bitPattern: r.next()) >> 20) / 1024))
        case .uuid: return .string(uuid(&r))
        case .timeuuid: return .string(uuid(&r, version: 1))
        case .timestamp:
            return .string(ValueJSON.timestampString(milliseconds: Int64(r.int(4_000_000_000)) * 1000 - 1_000_000_000_000 + Int64(r.int(1000))))
        case .date: return .string(ValueJSON.dateString(daysSinceEpoch: Int64(r.int(80_000)) - 30_000))
        case .time: return .string(ValueJSON.timeString(nanoseconds: Int64(r.next() % 86_400_000_000_000)))
        case .duration:
            let sign: Int64 = r.chance(0.2) ? -1 : 1
            return .object([("months", .int(sign * Int64(r.int(24)))), ("days", .int(sign * Int64(r.int(31)))),
                            ("nanoseconds", .int(sign * Int64(r.int(86_400_000_000_000 / 1000)) * 1000))])
        case .inet:
            if r.chance(0.7) { return .string((0..<4).map { _ in String(r.int(256)) }.joined(separator: ".")) }
            return .string(ValueJSON.inetString(r.bytes(16)))
        case .set(let e, _):
            var seen = Set<String>()
            var items: [JSONValue] = []
            for _ in 0..<r.int(0...4) {
                let v = value(e, &r)
                if seen.insert(v.text).inserted { items.append(v) }
            }
            return .array(items)
        case .list(let e, _): return .array((0..<r.int(0...4)).map { _ in value(e, &r) })
        case .map(let k, let v, _):
            var seen = Set<String>()
            var items: [JSONValue] = []
            for _ in 0..<r.int(0...4) {
                let key = value(k, &r)
                if seen.insert(key.text).inserted { items.append(.array([key, value(v, &r)])) }
            }
            return .array(items)
        case .tuple(let ts): return .array(ts.map { r.chance(0.1) ? .null : value($0, &r) })
        case .udt(let def, _):
            return .object(zip(def.fieldNames, def.fieldTypes).compactMap { r.chance(0.15) ? nil : ($0, value($1, &r)) })
        case .vector(let e, let n): return .array((0..<n).map { _ in
            if case .float = e { return .number(String(Float(r.int(2000)) / 8 - 125)) }
            return value(e, &r)
        })
        default: return .string("0x")
        }
    }
}

/// `synth.all_types` and `synth.counters`: every type family, statics, collections, UDTs and
/// counters, with overwrites newer and older, every deletion kind and TTLs live and expired.
enum TypesFamily {
    static func generate(_ c: FamilyGenerator, until target: Double) throws {
        let table = c.schema.table("synth.all_types")!
        let regular = table.regularColumns
        var n: Int64 = 1
        if c.options.wideRows > 0 { try wide(c, rows: c.options.wideRows) }
        while c.estimatedBytes < target {
            try partition(c, id: n, regular: regular)
            if n % 8 == 0 { try counter(c, n) }
            n += 1
        }
    }

    static func clustering(_ seq: Int, _ label: String) -> [(String, JSONValue)] { [("seq", .int(Int64(seq))), ("label", .string(label))] }

    static func partition(_ c: FamilyGenerator, id: Int64, regular: [ColumnDefinition]) throws {
        let p = try c.partition("synth.all_types", [("id", .int(id &* 0x9E37_79B9)), ("bucket", .int(Int64(id % 4)))])
        let rows = c.random.skewed(max: 64)
        if c.random.chance(0.5) {
            p.write(.update, fields: [("values", .object([("owner", SynthValues.value(.text, &c.random))]))], at: p.timestamp(second: p.second()))
        }
        for seq in 0..<rows {
            let label = c.random.pick(["a", "b", "c"])
            let ck = clustering(seq, label)
            let second = p.second()
            var values: [(String, JSONValue)] = []
            for col in regular where c.random.chance(0.7) { values.append((col.name, SynthValues.value(col.type, &c.random))) }
            // A tenth expire: half of those before the backup starts.
            var ttl: Int?
            var at = second
            if c.random.chance(0.1) {
                if c.random.chance(0.5) {
                    ttl = c.random.int(60...3600)
                    at = c.started - Int64(ttl!) - Int64(c.random.int(1...86_400))
                } else {
                    ttl = c.random.int(40 * 86_400...400 * 86_400)
                }
            }
            p.write(.insert, clustering: ck, fields: [("values", .object(values))], at: p.timestamp(second: at), ttl: ttl)
            let r = c.random.double()
            if r < 0.2 {
                // Overwrite some columns later (usually a later flush).
                let col = c.random.pick(regular)
                p.write(.update, clustering: ck, fields: [("values", .object([(col.name, SynthValues.value(col.type, &c.random))]))],
                        at: p.timestamp(second: min(c.started - 1, at + Int64(c.random.int(1...86_400 * 5)))))
            } else if r < 0.3 {
                // An overwrite with an older timestamp, arriving in the last flush: it loses.
                let col = c.random.pick(regular)
                p.write(.update, clustering: ck, fields: [("values", .object([(col.name, SynthValues.value(col.type, &c.random))]))],
                        at: p.timestamp(second: at - Int64(c.random.int(1...86_400))), flush: c.options.flushes)
            } else if r < 0.4 {
                p.write(.add, clustering: ck, fields: [("elements", .object([
                    ("c_set", .array([.string("added-\(c.random.int(100))")])), ("c_list", .array([.int(Int64(c.random.int(100)))])),
                    ("c_map", .array([.array([.string("k\(c.random.int(10))"), .int(Int64(c.random.int(1000)))])])),
                ]))], at: p.timestamp(second: min(c.started - 1, at + 60)))
            } else if r < 0.45 {
                p.write(.remove, clustering: ck, fields: [("elements", .object([("c_set", .array([.string("alpha")])),
                                                                                ("c_map", .array([.string("k1")]))]))],
                        at: p.timestamp(second: min(c.started - 1, at + 120)))
            } else if r < 0.5 {
                p.write(.deleteCells, clustering: ck, fields: [("columns", .array([.string(c.random.pick(regular).name), .string("c_set")]))],
                        at: p.timestamp(second: min(c.started - 1, at + 180)))
            } else if r < 0.55 {
                p.write(.deleteRow, clustering: ck, at: p.timestamp(second: min(c.started - 1, at + 240)))
            } else if r < 0.57 {
                // Null values: a cell tombstone, a collection tombstone.
                p.write(.update, clustering: ck, fields: [("values", .object([("c_text", .null), ("c_list", .null), ("c_udt", .null)]))],
                        at: p.timestamp(second: min(c.started - 1, at + 300)))
            }
        }
        if rows > 4 && c.random.chance(0.3) {
            let a = c.random.int(rows), b = a + c.random.int(1...4)
            let start: JSONValue = .object([("seq", .int(Int64(a)))])
            let end: JSONValue = c.random.chance(0.5) ? .object([("seq", .int(Int64(b)))]) : .object(clustering(b, "b"))
            p.write(.deleteRange, fields: [("range", .object([("start", start), ("start_inclusive", .bool(c.random.chance(0.5))),
                                                               ("end", end), ("end_inclusive", .bool(c.random.chance(0.5)))]))],
                    at: p.timestamp(second: p.second()))
        }
        if c.random.chance(0.03) {
            let at = p.second()
            p.write(.deletePartition, at: p.timestamp(second: at))
            // Written again after the deletion: only this survives.
            p.write(.insert, clustering: clustering(1000, "z"), fields: [("values", .object([("c_int", .int(7))]))],
                    at: p.timestamp(second: min(c.started - 1, at + 10)))
        }
        try c.finish(p)
    }

    static func counter(_ c: FamilyGenerator, _ n: Int64) throws {
        let p = try c.partition("synth.counters", [("name", .string("counter-\(n)"))])
        var last: Int64 = 0
        for _ in 0..<c.random.int(1...6) {
            let at = p.second()
            last = max(last, at)
            p.write(.update, fields: [("values", .object([("hits", .int(Int64(c.random.int(100)) - 20)),
                                                          ("misses", .int(Int64(c.random.int(5))))]))], at: p.timestamp(second: at))
        }
        // A counter deleted after its last increment stays deleted.
        if c.random.chance(0.1) {
            p.write(.deleteCells, fields: [("columns", .array([.string("misses")]))], at: p.timestamp(second: min(c.started - 1, last + 1)))
        }
        try c.finish(p)
    }

    /// One wide partition of simple inserts, in blocks of rows spread over the flushes.
    static func wide(_ c: FamilyGenerator, rows: Int) throws {
        let block = 5000
        var seq = 0
        var b = 0
        while seq < rows {
            let p = try c.partition("synth.all_types", [("id", .int(0)), ("bucket", .int(0))])
            for _ in 0..<min(block, rows - seq) {
                p.write(.insert, clustering: clustering(seq, "w"),
                        fields: [("values", .object([("c_text", .string("wide row \(seq)")), ("c_bigint", .int(Int64(seq))),
                                                     ("c_blob", .string("0x" + Hex.encode(c.random.bytes(64))))]))],
                        at: p.timestamp(second: p.second()), flush: b % c.options.flushes + 1)
                seq += 1
            }
            b += 1
            try c.finish(p)
        }
    }
}
