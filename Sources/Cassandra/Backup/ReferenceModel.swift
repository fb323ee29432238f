import JSON

/// What reading a table must return, computed from mutation lines with CQL's rules alone —
/// no cells, SSTables, markers or merge: for every column the one winning write, for every
/// collection element the same, deletions kept as (timestamp, extent) and applied when rows
/// are read. Tests hold the writer + reader to it; `backup synth` writes its rows as the
/// expected logical table. It shares with the reader only the value codec and the type orders
/// (themselves proven on Cassandra's fixtures).
public final class ReferenceModel {
    public let schema: CQLSchema
    private var tables: [String: ModelTable] = [:]

    public init(schema: CQLSchema) { self.schema = schema }

    public func apply(_ m: Mutation) throws {
        guard let t = schema.table(m.table) else {
            throw Mutation.FormatError(file: "", line: m.line, message: "table \(m.table) is not in the schema")
        }
        let table = tables[m.table] ?? ModelTable(t)
        tables[m.table] = table
        try table.apply(m)
    }

    /// A live row's serialized key and simple (non-collection, non-counter) cells with their
    /// write times and expiries: what connector expectations are computed from.
    public struct LiveRow {
        public struct Cell {
            public var value: [UInt8]
            public var timestamp: Int64
            /// When the cell expires (seconds), for a cell written with a TTL.
            public var expiresAt: Int64?
        }

        public var partitionKey: [[UInt8]]
        public var clustering: [[UInt8]]
        public var cells: [String: Cell]
        /// The newest timestamp of the row's live marker and cells (`last_modified()`).
        public var lastModified: Int64
    }

    /// The live rows of a table at `now` with their cells' metadata, in clustering order per
    /// partition (partitions in no particular order).
    public func liveRows(table: String, now: Int64?) -> [LiveRow] {
        tables[table]?.liveRows(now: now) ?? []
    }

    /// The live rows of a table at `now` (seconds; nil ignores TTLs) as JSON objects in the
    /// fixture encoding, every column by name, in token then clustering order.
    public func rows(table: String, now: Int64?) throws -> [String] {
        guard let t = tables[table] else { return [] }
        return try t.rows(now: now)
    }
}

/// One write of a cell or collection element: the version that wins is chosen by
/// `Cells.reconcile`'s order (timestamp; then tombstone, expiring, live; then expiry; then value).
struct ModelCell {
    var timestamp: Int64
    var tombstone: Bool
    var ttl: Int32
    /// When an expiring cell expires, or when a tombstone was made (seconds).
    var localTime: Int64
    var value: [UInt8]

    func beats(_ o: ModelCell) -> Bool {
        if timestamp != o.timestamp { return timestamp > o.timestamp }
        let mine = tombstone ? 2 : (ttl > 0 ? 1 : 0), theirs = o.tombstone ? 2 : (o.ttl > 0 ? 1 : 0)
        if mine != theirs { return mine > theirs }
        if mine > 0 && localTime != o.localTime { return localTime > o.localTime }
        return !value.lexicographicallyPrecedes(o.value)
    }

    func live(now: Int64?, deletedAt: Int64) -> Bool {
        if tombstone || timestamp <= deletedAt { return false }
        if ttl > 0, let now { return now < localTime }
        return true
    }
}

/// A collection element's identity: set element or map key bytes, UDT field index, or a list
/// element's (timestamp, line, index).
struct ElementKey: Hashable {
    var bytes: [UInt8]
    var listOrder: [Int64]
}

struct ModelRow {
    var marker: ModelCell?
    var deletion = Int64.min
    var cells: [String: ModelCell] = [:]
    var collectionDeletions: [String: Int64] = [:]
    var elements: [String: [ElementKey: ModelCell]] = [:]
    /// Counter columns: the increments of each line (a line's replicas are one increment).
    var counters: [String: [Int: (timestamp: Int64, delta: Int64)]] = [:]
}

struct ModelPartition {
    var keyValues: [[UInt8]]
    var deletion = Int64.min
    var staticRow = ModelRow()
    var rows: [[[UInt8]]: ModelRow] = [:]
    var ranges: [(start: [[UInt8]], startInclusive: Bool, end: [[UInt8]], endInclusive: Bool, timestamp: Int64)] = []
}

final class ModelTable {
    let schema: TableSchema
    private var partitions: [[UInt8]: ModelPartition] = [:]

    init(_ schema: TableSchema) { self.schema = schema }

    private func fail(_ m: Mutation, _ s: String) -> Mutation.FormatError {
        Mutation.FormatError(file: "", line: m.line, message: "\(m.table): \(s)")
    }

    private func bytes(_ v: JSONValue, _ t: CQLType, _ m: Mutation) throws -> [UInt8] {
        do { return try ValueEncoder.encode(v, as: t) } catch { throw fail(m, "\(error)") }
    }

    private func prefix(_ values: [(String, JSONValue)]?, _ m: Mutation) throws -> [[UInt8]] {
        guard let values else { return [] }
        var out: [[UInt8]] = []
        for c in schema.clustering {
            guard let v = values.first(where: { $0.0 == c.name })?.1 else { break }
            out.append(try bytes(v, c.type, m))
        }
        return out
    }

    func apply(_ m: Mutation) throws {
        let keyValues = try schema.partitionKey.map { c -> [UInt8] in
            guard let v = m.partition.first(where: { $0.0 == c.name })?.1 else { throw fail(m, "no value for \(c.name)") }
            return try bytes(v, c.type, m)
        }
        let key = keyValues.count == 1 ? keyValues[0] : try ValueEncoder.compositeKey(keyValues)
        // Modified in place: a copy out of the dictionary would copy every row.
        try apply(m, to: &partitions[key, default: ModelPartition(keyValues: keyValues)])
    }

    private func apply(_ m: Mutation, to p: inout ModelPartition) throws {
        switch m.kind {
        case .deletePartition:
            p.deletion = max(p.deletion, m.timestamp)
            return
        case .deleteRange:
            p.ranges.append((try prefix(m.rangeStart.values, m), m.rangeStart.inclusive, try prefix(m.rangeEnd.values, m),
                             m.rangeEnd.inclusive, m.timestamp))
            return
        default: break
        }
        let isStatic = m.clustering == nil && !schema.clustering.isEmpty
        let clustering = try prefix(m.clustering, m)
        if isStatic {
            try apply(m, to: &p.staticRow)
        } else {
            try apply(m, to: &p.rows[clustering, default: ModelRow()])
        }
    }

    private func apply(_ m: Mutation, to row: inout ModelRow) throws {
        let expires = m.now + Int64(m.ttl)
        func write(_ v: [UInt8]) -> ModelCell { ModelCell(timestamp: m.timestamp, tombstone: false, ttl: m.ttl, localTime: expires, value: v) }
        let tombstone = ModelCell(timestamp: m.timestamp, tombstone: true, ttl: 0, localTime: m.now, value: [])
        func put(_ c: inout ModelCell?, _ v: ModelCell) { if c == nil || v.beats(c!) { c = v } }
        func putElement(_ col: String, _ k: ElementKey, _ v: ModelCell) {
            var cur = row.elements[col]?[k]
            put(&cur, v)
            row.elements[col, default: [:]][k] = cur
        }
        func deleteCollection(_ col: String, at ts: Int64) { row.collectionDeletions[col] = max(row.collectionDeletions[col] ?? .min, ts) }
        func column(_ name: String) throws -> ColumnDefinition {
            guard let c = schema.column(named: name), c.kind == .regular || c.kind == .staticColumn else { throw fail(m, "no cell column \(name)") }
            return c
        }
        func addElements(_ c: ColumnDefinition, _ v: JSONValue) throws {
            guard case .array(let items) = v else { throw fail(m, "\(c.name): elements are an array") }
            switch c.type.base {
            case .set(let e, _):
                for item in items { putElement(c.name, ElementKey(bytes: try bytes(item, e.frozen, m), listOrder: []), write([])) }
            case .map(let k, let vt, _):
                for item in items {
                    guard case .array(let kv) = item, kv.count == 2 else { throw fail(m, "\(c.name): [key, value] pairs") }
                    let ek = ElementKey(bytes: try bytes(kv[0], k.frozen, m), listOrder: [])
                    putElement(c.name, ek, kv[1] == .null ? tombstone : write(try bytes(kv[1], vt.frozen, m)))
                }
            case .list(let e, _):
                for (i, item) in items.enumerated() {
                    putElement(c.name, ElementKey(bytes: [], listOrder: [m.timestamp, Int64(m.line), Int64(i)]), write(try bytes(item, e.frozen, m)))
                }
            default: throw fail(m, "\(c.name) is not a collection")
            }
        }
        switch m.kind {
        case .insert, .update:
            if m.kind == .insert { put(&row.marker, write([])) }
            for (name, v) in m.values {
                let c = try column(name)
                if c.type.isCounter {
                    guard case .int(let d) = v else { throw fail(m, "counter increments are integers") }
                    row.counters[name, default: [:]][m.line] = (m.timestamp, d)
                } else if c.isComplex {
                    deleteCollection(name, at: m.timestamp - 1)
                    if v == .null { continue }
                    if case .udt(let def, _) = c.type.base {
                        guard case .object(let fields) = v else { throw fail(m, "\(name): a UDT value is an object") }
                        for (f, fv) in fields where fv != .null {
                            guard let fi = def.fieldNames.firstIndex(of: f) else { throw fail(m, "\(name): no field \(f)") }
                            putElement(name, ElementKey(bytes: [UInt8(fi >> 8), UInt8(fi & 0xFF)], listOrder: []),
                                       write(try bytes(fv, def.fieldTypes[fi].frozen, m)))
                        }
                    } else {
                        try addElements(c, v)
                    }
                } else {
                    var cur = row.cells[name]
                    put(&cur, v == .null ? tombstone : write(try bytes(v, c.type, m)))
                    row.cells[name] = cur
                }
            }
        case .deleteRow:
            row.deletion = max(row.deletion, m.timestamp)
        case .deleteCells:
            for name in m.columns {
                let c = try column(name)
                if c.isComplex {
                    deleteCollection(name, at: m.timestamp)
                } else {
                    var cur = row.cells[name]
                    put(&cur, tombstone)
                    row.cells[name] = cur
                }
            }
        case .add:
            for (name, v) in m.elements { try addElements(try column(name), v) }
        case .remove:
            for (name, v) in m.elements {
                let c = try column(name)
                guard case .array(let items) = v else { throw fail(m, "\(name): remove takes an array") }
                let t: CQLType
                switch c.type.base {
                case .set(let e, _): t = e
                case .map(let k, _, _): t = k
                default: throw fail(m, "\(name): remove needs a set or a map")
                }
                for item in items { putElement(name, ElementKey(bytes: try bytes(item, t.frozen, m), listOrder: []), tombstone) }
            }
        case .deletePartition, .deleteRange:
            break
        }
    }

    // MARK: reading

    private func compareClustering(_ a: [[UInt8]], _ b: [[UInt8]]) -> Int {
        for i in 0..<min(a.count, b.count) {
            let c = ValueComparator.compare(a[i], b[i], as: schema.clustering[i].type)
            if c != 0 { return c }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Whether a clustering lies within a range (bounds are prefixes; an empty prefix is unbounded).
    private func contains(_ r: (start: [[UInt8]], startInclusive: Bool, end: [[UInt8]], endInclusive: Bool, timestamp: Int64),
                          _ c: [[UInt8]]) -> Bool {
        if !r.start.isEmpty {
            let s = compareClustering(Array(c.prefix(r.start.count)), r.start)
            if s < 0 || (s == 0 && !r.startInclusive) { return false }
        }
        if !r.end.isEmpty {
            let e = compareClustering(Array(c.prefix(r.end.count)), r.end)
            if e > 0 || (e == 0 && !r.endInclusive) { return false }
        }
        return true
    }

    /// The live values of a row's columns, rendered; nil when no cell of the row is live.
    private func values(_ row: ModelRow, columns: [ColumnDefinition], deletedAt: Int64, now: Int64?) throws -> [String: String] {
        var out: [String: String] = [:]
        for c in columns {
            if c.type.isCounter {
                if let shards = row.counters[c.name] {
                    let floor = max(deletedAt, row.cells[c.name].map { $0.tombstone ? $0.timestamp : .min } ?? .min)
                    let live = shards.values.filter { $0.timestamp > floor }
                    if !live.isEmpty { out[c.name] = String(live.reduce(0) { $0 &+ $1.delta }) }
                }
                continue
            }
            if c.isComplex {
                let floor = max(deletedAt, row.collectionDeletions[c.name] ?? .min)
                let live = (row.elements[c.name] ?? [:]).filter { $0.value.live(now: now, deletedAt: floor) }
                guard !live.isEmpty else { continue }
                out[c.name] = try render(c.type, live)
                continue
            }
            if let cell = row.cells[c.name], cell.live(now: now, deletedAt: deletedAt) {
                out[c.name] = ValueJSON.render(try ValueDecoder.decode(cell.value, as: c.type))
            }
        }
        return out
    }

    private func render(_ type: CQLType, _ live: [ElementKey: ModelCell]) throws -> String {
        switch type.base {
        case .set(let e, _):
            let items = live.keys.map(\.bytes).sorted { ValueComparator.compare($0, $1, as: e) < 0 }
            return ValueJSON.render(.set(try items.map { try ValueDecoder.decode($0, as: e.frozen) }))
        case .map(let k, let v, _):
            let keys = live.keys.sorted { ValueComparator.compare($0.bytes, $1.bytes, as: k) < 0 }
            return ValueJSON.render(.map(try keys.map { try ValueDecoder.decode($0.bytes, as: k.frozen) },
                                         try keys.map { try ValueDecoder.decode(live[$0]!.value, as: v.frozen) }))
        case .list(let e, _):
            let keys = live.keys.sorted { $0.listOrder.lexicographicallyPrecedes($1.listOrder) }
            return ValueJSON.render(.list(try keys.map { try ValueDecoder.decode(live[$0]!.value, as: e.frozen) }))
        case .udt(let def, _):
            var values: [CQLValue] = []
            for (i, t) in def.fieldTypes.enumerated() {
                let k = ElementKey(bytes: [UInt8(i >> 8), UInt8(i & 0xFF)], listOrder: [])
                values.append(try live[k].map { try ValueDecoder.decode($0.value, as: t.frozen) } ?? .null)
            }
            return ValueJSON.render(.udt(names: def.fieldNames, values: values))
        default:
            return "null"
        }
    }

    func liveRows(now: Int64?) -> [ReferenceModel.LiveRow] {
        var out: [ReferenceModel.LiveRow] = []
        let simple = schema.regularColumns.filter { !$0.isComplex && !$0.type.isCounter }
        for p in partitions.values {
            for (clustering, r) in p.rows.sorted(by: { compareClustering($0.key, $1.key) < 0 }) {
                var deletedAt = max(p.deletion, r.deletion)
                for range in p.ranges where contains(range, clustering) { deletedAt = max(deletedAt, range.timestamp) }
                var cells: [String: ReferenceModel.LiveRow.Cell] = [:]
                var newest = Int64.min
                for c in simple {
                    guard let cell = r.cells[c.name], cell.live(now: now, deletedAt: deletedAt) else { continue }
                    cells[c.name] = .init(value: cell.value, timestamp: cell.timestamp, expiresAt: cell.ttl > 0 ? cell.localTime : nil)
                    newest = max(newest, cell.timestamp)
                }
                let marker = r.marker.flatMap { $0.live(now: now, deletedAt: deletedAt) ? $0 : nil }
                if let marker { newest = max(newest, marker.timestamp) }
                guard marker != nil || !cells.isEmpty else { continue }
                out.append(.init(partitionKey: p.keyValues, clustering: clustering, cells: cells, lastModified: newest))
            }
        }
        return out
    }

    func rows(now: Int64?) throws -> [String] {
        var out: [String] = []
        // Each key hashed once, not once per comparison.
        let order = partitions.map { (token: Murmur3.token($0.key), key: $0.key, value: $0.value) }.sorted { a, b in
            a.token != b.token ? a.token < b.token : a.key.lexicographicallyPrecedes(b.key)
        }.map { (key: $0.key, value: $0.value) }
        let statics = schema.staticColumns, regulars = schema.regularColumns
        for (_, p) in order {
            var key: [String: String] = [:]
            for (c, b) in zip(schema.partitionKey, p.keyValues) { key[c.name] = ValueJSON.render(try ValueDecoder.decode(b, as: c.type)) }
            let staticValues = try values(p.staticRow, columns: statics, deletedAt: max(p.deletion, p.staticRow.deletion), now: now)
            var emitted = false
            let rows = p.rows.sorted { compareClustering($0.key, $1.key) < 0 }
            for (clustering, r) in rows {
                var deletedAt = max(p.deletion, r.deletion)
                for range in p.ranges where contains(range, clustering) { deletedAt = max(deletedAt, range.timestamp) }
                let v = try values(r, columns: regulars, deletedAt: deletedAt, now: now)
                let markerLive = r.marker.map { $0.live(now: now, deletedAt: deletedAt) } ?? false
                guard markerLive || !v.isEmpty else { continue }
                var all = key.merging(staticValues) { a, _ in a }.merging(v) { a, _ in a }
                for (c, b) in zip(schema.clustering, clustering) { all[c.name] = ValueJSON.render(try ValueDecoder.decode(b, as: c.type)) }
                out.append(line(all))
                emitted = true
            }
            // A partition with live static cells and no live row reads as one row of nulls.
            let staticMarker = p.staticRow.marker.map { $0.live(now: now, deletedAt: max(p.deletion, p.staticRow.deletion)) } ?? false
            if !emitted && (!staticValues.isEmpty || (staticMarker && schema.clustering.isEmpty == false)) {
                out.append(line(key.merging(staticValues) { a, _ in a }))
            }
        }
        return out
    }

    private func line(_ values: [String: String]) -> String {
        var s = "{"
        for (i, name) in schema.displayOrder.enumerated() {
            if i > 0 { s += ", " }
            ValueJSON.writeString(name, to: &s)
            s += ": " + (values[name] ?? "null")
        }
        return s + "}"
    }
}
