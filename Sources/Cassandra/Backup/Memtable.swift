import Digests
import JSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One table's memtable on one node: the writes of a flush merged the way Cassandra's memtable
/// merges them (cells reconcile, deletions take the greater), then written as one SSTable
/// whose partitions are in token order, rows in clustering order and range deletions as
/// non-overlapping markers.
///
/// Memory is bounded: when its owner says so (`spill()`, past a memory budget) the content is
/// written out as a sorted run (an uncompressed SSTable in `spillDirectory`) and the memtable
/// starts again; the flush then merges the runs (`RunMerger`), so a flush — or a partition —
/// of any size streams.
final class TableMemtable {
    let layout: TableLayout
    private let encoder: MutationEncoder
    private var partitions: [[UInt8]: MemPartition] = [:]
    private let spillDirectory: String
    /// Roughly the memory the content takes.
    private(set) var estimatedBytes = 0
    private var runs: [SSTable] = []

    init(schema: TableSchema, spillDirectory: String) {
        layout = TableLayout(schema: schema)
        encoder = MutationEncoder(layout: layout)
        self.spillDirectory = spillDirectory
    }

    deinit { removeRuns() }

    var isEmpty: Bool { partitions.isEmpty && runs.isEmpty }

    /// Applies one line (already known to be for this table and this node).
    func apply(_ m: Mutation) throws {
        let key = try encoder.partitionKey(m)
        if partitions[key] == nil { estimatedBytes += key.count + 160 }
        // Modified in place: a copy of a partition out of the dictionary would copy its rows.
        estimatedBytes += try apply(m, to: &partitions[key, default: MemPartition(key: key)])
    }

    /// Writes what the memtable holds as one sorted run and empties it.
    func spill() throws {
        guard !partitions.isEmpty else { return }
        let directory = spillDirectory
        try makeDirectories(directory)
        let version = try FormatVersion(letters: "nb", family: .big, file: directory)
        let generation = runs.count + 1
        _ = try writeSSTable(directory: directory, generation: generation, version: version, codec: nil, chunkLength: 64 * 1024)
        runs.append(try SSTable(descriptor: Descriptor(directory: directory, version: version, generation: String(generation), formatName: "big")))
        partitions = [:]
        estimatedBytes = 0
    }

    private func removeRuns() {
        for r in runs {
            for c in r.components { unlink(r.descriptor.path(c)) }
        }
        if !runs.isEmpty { rmdir(spillDirectory) }
        runs = []
    }

    private func apply(_ m: Mutation, to p: inout MemPartition) throws -> Int {
        let deletion = DeletionTime(markedForDeleteAt: m.timestamp, localDeletionTime: m.now)
        let expiry = m.ttl > 0 ? m.now + Int64(m.ttl) : Int64(Int32.max)
        switch m.kind {
        case .deletePartition:
            p.deletion = .max(p.deletion, deletion)
        case .deleteRange:
            let start = try encoder.clusteringPrefix(m.rangeStart.values, m)
            let end = try encoder.clusteringPrefix(m.rangeEnd.values, m)
            // An omitted bound is the bottom (or top) of the partition: an inclusive empty prefix.
            let range = RangeDeletion(start: start, startKind: m.rangeStart.inclusive || start.isEmpty ? .inclusiveStart : .exclusiveStart,
                                      end: end, endKind: m.rangeEnd.inclusive || end.isEmpty ? .inclusiveEnd : .exclusiveEnd,
                                      deletion: deletion)
            guard layout.comparator.compare(range.start.map { $0[...] }, range.startKind, range.end.map { $0[...] }, range.endKind) < 0 else {
                throw encoder.fail(m, "the range is empty (its start does not come before its end in the table's clustering order)")
            }
            p.ranges.append(range)
            return 64 + start.reduce(0) { $0 + $1.count } + end.reduce(0) { $0 + $1.count }
        default:
            let target = try encoder.target(m)
            if target.isStatic {
                if p.staticRow == nil { p.staticRow = MemRow() }
                return try encoder.apply(m, to: &p.staticRow!, isStatic: true, deletion: deletion, expiry: expiry)
            }
            let isNew = p.rows[target.clustering] == nil
            let added = try encoder.apply(m, to: &p.rows[target.clustering, default: MemRow()], isStatic: false, deletion: deletion, expiry: expiry)
            return added + (isNew ? 128 + target.clustering.reduce(0) { $0 + $1.count } : 0)
        }
        return 0
    }

    /// Writes the memtable as SSTable `generation` in `directory`; returns its component names.
    func flush(directory: String, generation: Int, version: FormatVersion, codec: CompressedDataWriter.Codec?,
               chunkLength: Int) throws -> [String] {
        guard !runs.isEmpty else {
            return try writeSSTable(directory: directory, generation: generation, version: version, codec: codec, chunkLength: chunkLength)
        }
        try spill()
        defer { removeRuns() }
        return try RunMerger(layout: layout, pathTypes: encoder.pathTypes, runs: runs)
            .write(directory: directory, generation: generation, version: version, codec: codec, chunkLength: chunkLength)
    }

    private func writeSSTable(directory: String, generation: Int, version: FormatVersion, codec: CompressedDataWriter.Codec?,
                              chunkLength: Int) throws -> [String] {
        let header = serializationHeader()
        let serializer = try PartitionSerializer(header: header, layout: layout, version: version)
        var writer = try SSTableComponentsWriter(directory: directory, generation: generation, version: version, serializer: serializer,
                                                 codec: codec, chunkLength: chunkLength, expectedKeys: max(1, partitions.count))
        let ordered = partitions.values.map { (Murmur3.token($0.key), $0) }.sorted {
            $0.0 != $1.0 ? $0.0 < $1.0 : $0.1.key.lexicographicallyPrecedes($1.1.key)
        }
        let cmp = layout.comparator
        for (_, p) in ordered {
            try writer.beginPartition(key: p.key, deletion: p.deletion, staticRow: p.staticRow.map { row($0, clustering: [], isStatic: true) })
            // Sorted by index, so that the rows themselves are not moved (and retained) by the sort.
            let rows = Array(p.rows)
            let clusterings = rows.map { $0.key.map { $0[...] } }
            let order = clusterings.indices.sorted { cmp.compare(clusterings[$0], .clustering, clusterings[$1], .clustering) < 0 }
            let markers = Self.markers(p.ranges, cmp)
            var mi = 0
            for i in order {
                let c = clusterings[i], r = rows[i].value
                while mi < markers.count, cmp.compare(markers[mi].clustering, markers[mi].kind, c, .clustering) < 0 {
                    try writer.add(.marker(markers[mi]))
                    mi += 1
                }
                try writer.add(.row(row(r, clustering: c, isStatic: false)))
            }
            while mi < markers.count {
                try writer.add(.marker(markers[mi]))
                mi += 1
            }
            try writer.endPartition()
        }
        return try writer.finish()
    }

    /// The row model of a memtable row: cells in column order, then path order.
    private func row(_ r: MemRow, clustering: ClusteringValues, isStatic: Bool) -> Row {
        var out = Row(isStatic: isStatic, clustering: clustering, liveness: r.liveness, deletion: r.deletion, cells: [],
                      complexDeletions: r.complexDeletions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, storage: [])
        let cells = Array(r.cells)
        let order = cells.indices.sorted { a, b in
            let ka = cells[a].key, kb = cells[b].key
            if ka.column != kb.column { return ka.column < kb.column }
            guard let pa = ka.path, let pb = kb.path else { return false }
            return ValueComparator.compare(pa, pb, as: encoder.pathTypes[ka.column]) < 0
        }
        for i in order {
            let (k, v) = cells[i]
            out.appendCell(column: k.column, timestamp: v.timestamp, ttl: v.isTombstone ? 0 : v.ttl, localDeletionTime: v.localDeletionTime,
                           isTombstone: v.isTombstone, path: k.path, value: v.value)
        }
        return out
    }

    /// Range deletions as Cassandra writes them: wherever ranges overlap the greater deletion
    /// holds, and where one deletion meets another a boundary marker closes one and opens the other.
    static func markers(_ ranges: [RangeDeletion], _ cmp: ClusteringComparator) -> [RangeTombstoneMarker] {
        guard !ranges.isEmpty else { return [] }
        // Every bound is either just before its prefix (inclusive start, exclusive end) or
        // just after it (exclusive start, inclusive end).
        struct Point { var clustering: ClusteringValues; var after: Bool }
        func point(_ c: ClusteringValues, _ k: BoundKind) -> Point {
            Point(clustering: c, after: k == .exclusiveStart || k == .inclusiveEnd)
        }
        func compare(_ a: Point, _ b: Point) -> Int {
            cmp.compare(a.clustering, a.after ? .inclusiveEnd : .inclusiveStart, b.clustering, b.after ? .inclusiveEnd : .inclusiveStart)
        }
        let ends = ranges.map { (start: point($0.start.map { $0[...] }, $0.startKind), end: point($0.end.map { $0[...] }, $0.endKind), $0.deletion) }
        var points = ends.flatMap { [$0.start, $0.end] }
        points.sort { compare($0, $1) < 0 }
        var unique: [Point] = []
        for p in points where unique.last.map({ compare($0, p) != 0 }) ?? true { unique.append(p) }
        var out: [RangeTombstoneMarker] = []
        var open: DeletionTime?
        for (i, p) in unique.enumerated() {
            var next: DeletionTime?
            if i + 1 < unique.count {
                for e in ends where compare(e.start, p) <= 0 && compare(e.end, unique[i + 1]) >= 0 {
                    next = next.map { DeletionTime.max($0, e.2) } ?? e.2
                }
            }
            if next == open { continue }
            let kind: BoundKind
            switch (open, next) {
            case (nil, _): kind = p.after ? .exclusiveStart : .inclusiveStart
            case (_, nil): kind = p.after ? .inclusiveEnd : .exclusiveEnd
            default: kind = p.after ? .inclusiveEndExclusiveStartBoundary : .exclusiveEndInclusiveStartBoundary
            }
            out.append(RangeTombstoneMarker(kind: kind, clustering: p.clustering, closeDeletion: open, openDeletion: next))
            open = next
        }
        return out
    }

    /// The header of the flush: the table's columns, and encoding stats from the data
    /// (`EncodingStats.Collector`) so that deltas stay small.
    private func serializationHeader() -> SerializationHeader {
        var minTimestamp = Int64.max, minDeletion = Int64.max, minTTL = Int64.max
        func deletion(_ d: DeletionTime) {
            guard !d.isLive else { return }
            minTimestamp = min(minTimestamp, d.markedForDeleteAt)
            minDeletion = min(minDeletion, d.localDeletionTime)
        }
        func row(_ r: MemRow) {
            if !r.liveness.isEmpty {
                minTimestamp = min(minTimestamp, r.liveness.timestamp)
                if r.liveness.isExpiring {
                    minTTL = min(minTTL, Int64(r.liveness.ttl))
                    minDeletion = min(minDeletion, r.liveness.localExpirationTime)
                }
            }
            deletion(r.deletion)
            for d in r.complexDeletions.values { deletion(d) }
            for c in r.cells.values {
                minTimestamp = min(minTimestamp, c.timestamp)
                if c.isTombstone || c.ttl > 0 { minDeletion = min(minDeletion, c.localDeletionTime) }
                if c.ttl > 0 && !c.isTombstone { minTTL = min(minTTL, Int64(c.ttl)) }
            }
        }
        for p in partitions.values {
            deletion(p.deletion)
            p.staticRow.map(row)
            p.rows.values.forEach(row)
            for r in p.ranges { deletion(r.deletion) }
        }
        return SerializationHeader(layout: layout,
            minTimestamp: minTimestamp == .max ? SerializationHeader.timestampEpoch : minTimestamp,
            minLocalDeletionTime: minDeletion == .max ? SerializationHeader.deletionTimeEpoch : minDeletion,
            minTTL: minTTL == .max ? 0 : minTTL)
    }
}

struct CellKey: Hashable {
    var column: Int
    var path: [UInt8]?
}

struct CellVersion {
    var timestamp: Int64
    var ttl: Int32
    var localDeletionTime: Int64
    var isTombstone: Bool
    var value: [UInt8]

    var cell: Cell {
        Cell(column: 0, timestamp: timestamp, ttl: ttl, localDeletionTime: localDeletionTime, isTombstone: isTombstone,
             isExpiring: ttl != 0 && !isTombstone, path: nil, value: 0..<0)
    }
}

struct MemRow {
    var liveness = LivenessInfo.empty
    var deletion = DeletionTime.live
    var cells: [CellKey: CellVersion] = [:]
    var complexDeletions: [Int: DeletionTime] = [:]
}

struct RangeDeletion {
    var start: [[UInt8]]
    var startKind: BoundKind
    var end: [[UInt8]]
    var endKind: BoundKind
    var deletion: DeletionTime
}

struct MemPartition {
    var key: [UInt8]
    var deletion = DeletionTime.live
    var staticRow: MemRow?
    var rows: [[[UInt8]]: MemRow] = [:]
    var ranges: [RangeDeletion] = []

    init(key: [UInt8]) { self.key = key }
}

/// CQL semantics of the mutation kinds, as cells of one table.
struct MutationEncoder {
    let layout: TableLayout
    let columnIndex: [String: Int]
    /// The type cell paths of each cell column compare by (sets: the element; maps: the key;
    /// lists: timeuuid; UDTs: the field index as a short).
    let pathTypes: [CQLType]

    init(layout: TableLayout) {
        self.layout = layout
        var index: [String: Int] = [:]
        for (i, c) in layout.cellColumns.enumerated() { index[c.name] = i }
        columnIndex = index
        pathTypes = layout.cellColumns.map { c in
            switch c.type.base {
            case .set(let e, _): return e.frozen
            case .map(let k, _, _): return k.frozen
            case .list: return .timeuuid
            case .udt: return .smallint
            default: return .blob
            }
        }
    }

    func fail(_ m: Mutation, _ message: String) -> Mutation.FormatError {
        Mutation.FormatError(file: "", line: m.line, message: "\(m.table): \(message)")
    }

    private func encode(_ v: JSONValue, _ t: CQLType, column: String, _ m: Mutation) throws -> [UInt8] {
        do { return try ValueEncoder.encode(v, as: t) } catch {
            throw fail(m, "column \(column): \(error)")
        }
    }

    func partitionKey(_ m: Mutation) throws -> [UInt8] {
        let pk = layout.schema.partitionKey
        for (k, _) in m.partition where !pk.contains(where: { $0.name == k }) {
            throw fail(m, "\"partition\" names \(k), which is not a partition key column")
        }
        let parts = try pk.map { c -> [UInt8] in
            guard let v = m.partition.first(where: { $0.0 == c.name })?.1, v != .null else {
                throw fail(m, "\"partition\" needs a value for \(c.name)")
            }
            return try encode(v, c.type, column: c.name, m)
        }
        if parts.count == 1 {
            guard parts[0].count <= 0xFFFF else { throw fail(m, "the partition key has \(parts[0].count) bytes (at most 65535)") }
            return parts[0]
        }
        do { return try ValueEncoder.compositeKey(parts) } catch { throw fail(m, "\(error)") }
    }

    /// A prefix of the clustering columns (all of them, or the first few).
    func clusteringPrefix(_ values: [(String, JSONValue)]?, _ m: Mutation) throws -> [[UInt8]] {
        guard let values else { return [] }
        let ck = layout.schema.clustering
        for (k, _) in values where !ck.contains(where: { $0.name == k }) {
            throw fail(m, "\(k) is not a clustering column")
        }
        var out: [[UInt8]] = []
        for c in ck {
            guard let v = values.first(where: { $0.0 == c.name })?.1 else { break }
            guard v != .null else { throw fail(m, "clustering column \(c.name) cannot be null") }
            out.append(try encode(v, c.type, column: c.name, m))
        }
        guard out.count == values.count else { throw fail(m, "a clustering bound must name a prefix of the clustering columns") }
        return out
    }

    /// The row a write goes to: the static row (no clustering) or one clustering row.
    func target(_ m: Mutation) throws -> (isStatic: Bool, clustering: [[UInt8]]) {
        let ck = layout.schema.clustering
        guard let given = m.clustering else {
            if ck.isEmpty { return (false, []) }
            // Without clustering a write may only touch static columns.
            let named: [String]
            switch m.kind {
            case .deleteCells: named = m.columns
            case .add, .remove: named = m.elements.map(\.0)
            default: named = m.values.map(\.0)
            }
            guard m.kind != .deleteRow else { throw fail(m, "delete_row needs \"clustering\"") }
            for n in named where layout.schema.staticColumns.first(where: { $0.name == n }) == nil {
                throw fail(m, "a write without \"clustering\" may only set static columns; \(n) is not static")
            }
            return (true, [])
        }
        let values = try clusteringPrefix(given, m)
        guard values.count == ck.count else { throw fail(m, "\"clustering\" needs a value for every clustering column") }
        return (false, values)
    }

    /// Applies one line to a row; returns roughly how many bytes of memory it added.
    @discardableResult
    func apply(_ m: Mutation, to row: inout MemRow, isStatic: Bool, deletion: DeletionTime, expiry: Int64) throws -> Int {
        var addedBytes = 0
        func column(_ name: String) throws -> (Int, ColumnDefinition) {
            guard let i = columnIndex[name] else {
                if layout.schema.column(named: name) != nil { throw fail(m, "\(name) is a key column and cannot be written as a cell") }
                throw fail(m, "the table has no column \(name)")
            }
            let c = layout.cellColumns[i]
            if isStatic != (i < layout.staticColumnCount) && !layout.schema.isStaticCompact {
                throw fail(m, isStatic ? "\(name) is not a static column" : "\(name) is static: write it without \"clustering\"")
            }
            return (i, c)
        }
        func put(_ key: CellKey, _ v: CellVersion, counter: Bool = false) {
            guard let old = row.cells[key] else {
                row.cells[key] = v
                addedBytes += v.value.count + (key.path?.count ?? 0) + 96
                return
            }
            switch Reconcile.cell(old.cell, old.value[...], v.cell, v.value[...], isCounter: counter, now: nil) {
            case .first: break
            case .second: row.cells[key] = v
            case .merged(let c, let bytes):
                row.cells[key] = CellVersion(timestamp: c.timestamp, ttl: c.ttl, localDeletionTime: c.localDeletionTime,
                                             isTombstone: c.isTombstone, value: bytes)
            }
        }
        func live(_ value: [UInt8]) -> CellVersion {
            CellVersion(timestamp: m.timestamp, ttl: m.ttl, localDeletionTime: expiry, isTombstone: false, value: value)
        }
        let tombstone = CellVersion(timestamp: m.timestamp, ttl: 0, localDeletionTime: m.now, isTombstone: true, value: [])
        func complexDeletion(_ i: Int, at ts: Int64) {
            let d = DeletionTime(markedForDeleteAt: ts, localDeletionTime: m.now)
            row.complexDeletions[i] = row.complexDeletions[i].map { .max($0, d) } ?? d
        }
        func elements(_ i: Int, _ c: ColumnDefinition, _ v: JSONValue) throws {
            guard case .array(let items) = v else { throw fail(m, "column \(c.name): \(c.type.cql) elements are given as an array") }
            switch c.type.base {
            case .set(let e, _):
                for item in items { put(CellKey(column: i, path: try encode(item, e.frozen, column: c.name, m)), live([])) }
            case .map(let k, let vt, _):
                for item in items {
                    guard case .array(let kv) = item, kv.count == 2 else { throw fail(m, "column \(c.name): map entries are [key, value] pairs") }
                    let key = try encode(kv[0], k.frozen, column: c.name, m)
                    if kv[1] == .null { put(CellKey(column: i, path: key), tombstone) } else {
                        put(CellKey(column: i, path: key), live(try encode(kv[1], vt.frozen, column: c.name, m)))
                    }
                }
            case .list(let e, _):
                for (index, item) in items.enumerated() {
                    guard item != .null else { throw fail(m, "column \(c.name): a list cannot hold null") }
                    put(CellKey(column: i, path: try listCellPath(m, index: index)), live(try encode(item, e.frozen, column: c.name, m)))
                }
            default:
                throw fail(m, "column \(c.name) is \(c.type.cql), not a collection")
            }
        }
        switch m.kind {
        case .insert, .update:
            if m.kind == .insert {
                let l = LivenessInfo(timestamp: m.timestamp, ttl: m.ttl, localExpirationTime: m.ttl > 0 ? expiry : Int64(Int32.max))
                if row.liveness.isEmpty || l.supersedes(row.liveness, now: nil) { row.liveness = l }
            }
            for (name, v) in m.values {
                let (i, c) = try column(name)
                if c.type.isCounter {
                    guard m.kind == .update, case .int(let delta) = v else { throw fail(m, "counter \(name) takes an integer increment in an update") }
                    guard m.ttl == 0 else { throw fail(m, "counters cannot have a TTL") }
                    put(CellKey(column: i, path: nil), live(counterContext(m, delta: delta)), counter: true)
                    continue
                }
                if c.isComplex {
                    // Overwriting (or nulling) a whole collection deletes what was there just before.
                    complexDeletion(i, at: m.timestamp - 1)
                    if v == .null { continue }
                    if case .udt(let def, _) = c.type.base {
                        guard case .object(let fields) = v else { throw fail(m, "column \(name): a \(def.name) value is an object") }
                        for (f, fv) in fields {
                            guard let fi = def.fieldNames.firstIndex(of: f) else { throw fail(m, "column \(name): \(def.name) has no field \(f)") }
                            if fv == .null { continue }
                            put(CellKey(column: i, path: CQLLiteral.bigEndian(Int16(fi))), live(try encode(fv, def.fieldTypes[fi].frozen, column: name, m)))
                        }
                    } else {
                        try elements(i, c, v)
                    }
                    continue
                }
                if v == .null { put(CellKey(column: i, path: nil), tombstone) } else {
                    put(CellKey(column: i, path: nil), live(try encode(v, c.type, column: name, m)))
                }
            }
        case .deleteRow:
            row.deletion = .max(row.deletion, deletion)
        case .deleteCells:
            for name in m.columns {
                let (i, c) = try column(name)
                if c.isComplex { complexDeletion(i, at: m.timestamp) } else { put(CellKey(column: i, path: nil), tombstone) }
            }
        case .add:
            for (name, v) in m.elements {
                let (i, c) = try column(name)
                guard c.isComplex else { throw fail(m, "add needs a non-frozen collection; \(name) is \(c.type.cql)") }
                try elements(i, c, v)
            }
        case .remove:
            for (name, v) in m.elements {
                let (i, c) = try column(name)
                guard case .array(let items) = v else { throw fail(m, "column \(name): remove takes an array") }
                switch c.type.base {
                case .set(let e, false):
                    for item in items { put(CellKey(column: i, path: try encode(item, e.frozen, column: name, m)), tombstone) }
                case .map(let k, _, false):
                    for item in items { put(CellKey(column: i, path: try encode(item, k.frozen, column: name, m)), tombstone) }
                default:
                    throw fail(m, "remove takes set elements or map keys; \(name) is \(c.type.cql)")
                }
            }
        case .deletePartition, .deleteRange:
            break
        }
        return addedBytes
    }

    /// A list element's cell path: a version 1 uuid whose time is the write's timestamp and
    /// whose remaining bytes hold the line and the element's index, so that every replica of
    /// a line gets the same paths and a list orders by (timestamp, line, index). Every byte
    /// after the variant stays below 0x80, so signed and unsigned byte orders agree.
    func listCellPath(_ m: Mutation, index: Int) throws -> [UInt8] {
        guard index < 1 << 20, m.line < 1 << 29 else { throw fail(m, "a list write of more than 2^20 elements, or a file of more than 2^29 lines") }
        let ticks = UInt64(bitPattern: m.timestamp &* 10 &+ 0x01B2_1DD2_1381_4000)
        var out = [UInt8](repeating: 0, count: 16)
        let timeLow = UInt32(truncatingIfNeeded: ticks), timeMid = UInt16(truncatingIfNeeded: ticks >> 32)
        let timeHigh = UInt16(truncatingIfNeeded: ticks >> 48) & 0x0FFF | 0x1000
        out[0..<4] = CQLLiteral.bigEndian(timeLow)[...]
        out[4..<6] = CQLLiteral.bigEndian(timeMid)[...]
        out[6..<8] = CQLLiteral.bigEndian(timeHigh)[...]
        out[8] = 0x80
        var rest = UInt64(m.line) << 20 | UInt64(index)
        for i in stride(from: 15, through: 9, by: -1) {
            out[i] = UInt8(rest & 0x7F)
            rest >>= 7
        }
        return out
    }

    /// A counter increment as a context of one global shard whose id comes from the line:
    /// replicas of a line hold the same shard, and shards of different lines add up.
    func counterContext(_ m: Mutation, delta: Int64) -> [UInt8] {
        var out: [UInt8] = [0, 1, 0x80, 0x00]
        out += Digest.md5(Array("movesql counter shard of line \(m.line)".utf8))
        out += CQLLiteral.bigEndian(Int64(1))
        out += CQLLiteral.bigEndian(delta)
        return out
    }
}
