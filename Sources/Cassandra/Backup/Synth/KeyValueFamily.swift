import Digests
import JSON

/// Key-Value namespaces shaped as data-models.md §1 and its checklist (§6): records of items
/// (flat maps, sets, many-item records), values inline, compressed (LZ4/Zstd, flagged in
/// `value_metadata`) or chunked into `items_chunk` (with orphan, superseded and incomplete
/// chunk sets), LWW overwrites, record and range deletes, item deletes by expired metadata
/// with jittered TTLs, a DESC namespace, and a replica that misses a flush.
enum KeyValueFamily {
    static let chunkSize = 64 * 1024

    static func blob(_ b: [UInt8]) -> JSONValue { .string("0x" + Hex.encode(b)) }

    static func key(_ i: Int) -> [UInt8] { CQLLiteral.bigEndian(UInt32(i)) }

    /// An item value: raw, or compressed and described by its metadata.
    static func value(_ c: FamilyGenerator) -> (value: [UInt8], metadata: [UInt8]) {
        let r = c.random.double()
        if r < 0.5 { return (c.random.bytes(c.random.int(8...256)), []) }
        var text = Array("{\"title\":\"item \(c.random.int(10_000))\",\"tags\":[".utf8)
        for _ in 0..<c.random.int(4...40) { text += Array("\"tag-\(c.random.int(50))\",".utf8) }
        text += Array("\"end\"]}".utf8)
        if r < 0.7 { return (text, []) }
        let (stored, meta) = KVValueMetadata.compress(text, codec: c.random.chance(0.5) ? .lz4 : .zstd)
        c.kvPlain[stored] = text
        return (stored, meta.encoded())
    }

    static func generate(_ c: FamilyGenerator, until target: Double) throws {
        // Every expectation file exists, empty or not.
        for name in ["kv.items", "kv.items_errors", "kv.desc_items", "kv.desc_items_errors"] { c.logical[name] = [] }
        var n = 0
        if c.options.wideRows > 0 { try wideRecord(c, items: c.options.wideRows) }
        for i in 0..<c.options.chunkedValues { try chunkedItem(c, record: "chunked-\(i)", overwrite: i % 2 == 1, incomplete: i == 2) }
        if c.options.chunkedValues > 0 { try orphanChunks(c) }
        while c.estimatedBytes < target {
            try record(c, table: n % 5 == 4 ? "kv.desc_items" : "kv.items", id: "rec-\(n)", stale: n == 3)
            n += 1
        }
    }

    static func record(_ c: FamilyGenerator, table: String, id: String, stale: Bool) throws {
        let p = try c.partition(table, [("id", .string(id))])
        let shape = c.random.double()
        let isFlat = shape < 0.1, isSet = !isFlat && shape < 0.2
        let count = isFlat ? 1 : c.random.skewed(max: 200)
        // A replica that misses the middle flush entirely: stale.
        let staleNode = stale && p.replicas.count > 1 ? p.replicas.last : nil
        func write(_ kind: Mutation.Kind, _ ck: [(String, JSONValue)]?, _ fields: [(String, JSONValue)], at second: Int64, ttl: Int? = nil) {
            let ts = p.timestamp(second: second)
            let flush = c.flush(at: second)
            var nodes: [String]?
            if let staleNode, flush == min(2, c.options.flushes) { nodes = p.replicas.filter { $0 != staleNode } }
            p.write(kind, clustering: ck, fields: fields, at: ts, ttl: ttl, flush: flush, nodes: nodes)
        }
        for i in 0..<count {
            // Flat maps have one item with an empty key; sets have items with empty values.
            let k: [UInt8] = isFlat ? [] : key(i * 7 + c.random.int(7))
            let ck: [(String, JSONValue)] = [("key", blob(k))]
            let at = p.second()
            let (v, meta) = isSet ? ([UInt8](), [UInt8]()) : value(c)
            write(.insert, ck, [("values", .object([("value", blob(v)), ("value_metadata", meta.isEmpty ? .null : blob(meta))]))], at: at)
            let r = c.random.double()
            if r < 0.15 {
                let (v2, m2) = isSet ? ([UInt8](), [UInt8]()) : value(c)
                // LWW: newer wins, older (arriving later) loses.
                let second = c.random.chance(0.7) ? min(c.started - 1, at + Int64(c.random.int(1...86_400))) : at - Int64(c.random.int(1...3600))
                write(.insert, ck, [("values", .object([("value", blob(v2)), ("value_metadata", m2.isEmpty ? .null : blob(m2))]))], at: second)
            } else if r < 0.2 && !isSet {
                // A value written with a TTL that has not run out at the backup: live, expiring.
                let (v2, m2) = value(c)
                let second = min(c.started - 1, at + Int64(c.random.int(1...3600)))
                write(.insert, ck, [("values", .object([("value", blob(v2)), ("value_metadata", m2.isEmpty ? .null : blob(m2))]))],
                      at: second, ttl: Int(c.started - second) + c.random.int(3600...30 * 86_400))
            } else if r < 0.25 {
                // Item delete: metadata marked expired, the item rewritten with a jittered TTL;
                // some TTLs have run out by the backup, some have not.
                var m = KVValueMetadata()
                m.expired = true
                let ttl = c.random.int(3600...7 * 86_400)
                let second = c.random.chance(0.5) ? c.started - Int64(ttl) - Int64(c.random.int(1...3600))
                                                  : c.started - Int64(c.random.int(1...max(1, ttl - 1)))
                write(.insert, ck, [("values", .object([("value", blob(v)), ("value_metadata", blob(m.encoded()))]))],
                      at: max(at + 1, second), ttl: ttl)
            }
        }
        if count > 10 && c.random.chance(0.2) {
            var a = c.random.int(count) * 7, b = a + c.random.int(1...40)
            // The start comes first in the table's clustering order: the larger key when DESC.
            if table == "kv.desc_items" { swap(&a, &b) }
            write(.deleteRange, nil, [("range", .object([("start", .object([("key", blob(key(a)))])), ("start_inclusive", .bool(true)),
                                                          ("end", .object([("key", blob(key(b)))])), ("end_inclusive", .bool(c.random.chance(0.5)))]))],
                  at: p.second())
        }
        if c.random.chance(0.04) {
            let at = p.second()
            write(.deletePartition, nil, [], at: at)
            if c.random.chance(0.5) {
                write(.insert, [("key", blob(key(999_999)))], [("values", .object([("value", blob([1, 2, 3]))]))],
                      at: min(c.started - 1, at + 5))
            }
        }
        try c.finish(p)
    }

    /// A record with many items (streaming test), in blocks spread over the flushes.
    static func wideRecord(_ c: FamilyGenerator, items: Int) throws {
        var i = 0, b = 0
        while i < items {
            let p = try c.partition("kv.items", [("id", .string("wide-record"))])
            for _ in 0..<min(5000, items - i) {
                let (v, m) = value(c)
                p.write(.insert, clustering: [("key", blob(key(i)))],
                        fields: [("values", .object([("value", blob(v)), ("value_metadata", m.isEmpty ? .null : blob(m))]))],
                        at: p.timestamp(second: p.second()), flush: b % c.options.flushes + 1)
                i += 1
            }
            b += 1
            try c.finish(p)
        }
    }

    /// Stages a value over 1 MiB as chunks and commits it in the item's metadata. `overwrite`
    /// commits a second version later (the first one's chunks stay, superseded); `incomplete`
    /// loses one chunk on every replica (the item must be reported, not emitted).
    static func chunkedItem(_ c: FamilyGenerator, record: String, overwrite: Bool, incomplete: Bool) throws {
        let main = try c.partition("kv.items", [("id", .string(record))])
        let itemKey = key(1)
        var second = main.second()
        for version in 0..<(overwrite ? 2 : 1) {
            let token = SynthValues.uuid(&c.random)
            // The first is compressed before it is chunked (as the write protocol does): text
            // that Zstd halves, still over 1 MiB stored.
            var plain = c.random.bytes(1_048_576 + c.random.int(1...400_000))
            var stored = plain
            var codec = KVValueMetadata.Codec.none
            if record == "chunked-0" {
                plain = Array(Hex.encode(c.random.bytes(1_400_000)).utf8)
                (stored, _) = KVValueMetadata.compress(plain, codec: .zstd)
                codec = .zstd
            }
            let chunks = (stored.count + chunkSize - 1) / chunkSize
            let cp = try c.partition("kv.items_chunk", [("id", .string(record)), ("key", blob(itemKey)), ("version", .string(token))])
            let ts = cp.timestamp(second: second)
            for i in 0..<chunks where !(incomplete && i == 1) {
                cp.write(.insert, clustering: [("chunk_index", .int(Int64(i)))],
                         fields: [("values", .object([("value", blob(Array(stored[(i * chunkSize)..<min(stored.count, (i + 1) * chunkSize)])))]))],
                         at: ts)
            }
            try c.finish(cp)
            var meta = KVValueMetadata()
            meta.version = CQLLiteral.hexBytes(token.filter { $0 != "-" })!
            meta.chunkCount = UInt32(chunks)
            meta.chunkSize = UInt32(chunkSize)
            meta.totalLength = UInt64(stored.count)
            meta.uncompressedLength = UInt64(plain.count)
            meta.codec = codec
            c.kvChunkSets[chunkSetKey(record, itemKey, meta.version)] = (plain, !incomplete, chunks - (incomplete ? 1 : 0))
            meta.checksum = CRC32C.checksum(stored)
            main.write(.insert, clustering: [("key", blob(itemKey))],
                       fields: [("values", .object([("value", .null), ("value_metadata", blob(meta.encoded()))]))], at: main.timestamp(second: second + 1))
            _ = version
            second = min(c.started - 10, second + 3600)
        }
        try c.finish(main)
    }

    /// Chunks staged by a write that never committed.
    static func orphanChunks(_ c: FamilyGenerator) throws {
        let p = try c.partition("kv.items_chunk", [("id", .string("rec-0")), ("key", blob(key(3))), ("version", .string(SynthValues.uuid(&c.random)))])
        let ts = p.timestamp(second: p.second())
        for i in 0..<3 {
            p.write(.insert, clustering: [("chunk_index", .int(Int64(i)))], fields: [("values", .object([("value", blob(c.random.bytes(chunkSize)))]))], at: ts)
        }
        try c.finish(p)
    }

    static func chunkSetKey(_ id: String, _ key: [UInt8], _ version: [UInt8]) -> String {
        id + "/" + Hex.encode(key) + "/" + Hex.encode(version)
    }

    /// The connector's expected output for one finished partition of an items table
    /// (data-models.md §1.8–1.9), from the reference model's live rows and what the generator
    /// knows it wrote: the plain value behind each compressed one and each committed chunk
    /// set. Expired items are deletes; a chunked item whose set lost a chunk is an error.
    static func expect(_ c: FamilyGenerator, table: String, model: ReferenceModel) throws {
        guard table == "kv.items" || table == "kv.desc_items" else { return }
        func hex(_ b: [UInt8]?) -> JSONValue { b.map { .string(Hex.encode($0)) } ?? .null }
        for row in model.liveRows(table: table, now: c.started) {
            let id = String(decoding: row.partitionKey[0], as: UTF8.self)
            let key = row.clustering[0]
            let rawMeta = row.cells["value_metadata"]?.value
            let m = try KVValueMetadata(decoding: rawMeta ?? [])
            if m.expired { continue }
            let expires = (row.cells["value_metadata"]?.expiresAt ?? row.cells["value"]?.expiresAt).map { JSONValue.int($0 * 1_000_000) } ?? .null
            let stored = row.cells["value"]?.value
            var plain: [UInt8]?
            if m.chunkCount > 0 {
                guard let set = c.kvChunkSets[chunkSetKey(id, key, m.version)] else { fatalError("synth: no chunk set for \(id)") }
                if !set.complete {
                    c.logical[table + "_errors", default: []].append(JSONValue.object([
                        ("id", .string(id)), ("item_key", hex(key)), ("version", .string(ValueJSON.uuidString(m.version))),
                        ("chunk_count", .int(Int64(m.chunkCount))), ("chunks_found", .int(Int64(set.chunks))),
                    ]).text)
                    continue
                }
                plain = set.plain
            } else if m.codec != .none {
                guard let stored, let p = c.kvPlain[stored] else { fatalError("synth: a compressed value of \(id) it did not write") }
                plain = p
            } else {
                plain = stored
            }
            c.logical[table, default: []].append(JSONValue.object([
                ("id", .string(id)), ("item_key", hex(key)), ("value", hex(plain)), ("value_len", plain.map { .int(Int64($0.count)) } ?? .null),
                ("codec", .string(m.codec.name)), ("chunk_count", .int(Int64(m.chunkCount))), ("value_metadata", hex(rawMeta)),
                ("write_ts", .int(row.lastModified)), ("expires_at", expires),
            ]).text)
        }
    }
}
