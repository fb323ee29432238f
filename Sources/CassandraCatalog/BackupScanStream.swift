import Cassandra
import Columnar
import Engine
import SQL

/// The rows of one split as batches: each read (a token range, or one partition) merges the
/// files of its replica nodes; rows come out in token then clustering order, with only the
/// projected columns decoded.
final class BackupScanStream: BatchStream {
    let part: BackupScanPartition
    let table: BackupTable
    let layout: TableLayout
    let now: Int64
    private var readIndex = 0
    private var merged: MergedScanner?
    private var partition: MergedScanner.Partition?
    private var rowsInPartition = 0
    /// Per output slot: the partition's value (key columns, token), set once per partition.
    private var partitionValues: [Value]
    private var staticRow: Row?
    private var staticLastModified = Int64.min
    /// Per cell column: where its cells start and end in the current row's cells, and in the
    /// partition's static row's; start < 0 when it has none there.
    private var rowGroups: Groups
    private var staticGroups: Groups

    struct Groups {
        var start: [Int]
        var end: [Int]
        init(_ n: Int) { start = Array(repeating: -1, count: n); end = start }
    }
    private var builders: [ColumnBuilder]
    private var rowCount = 0
    /// Per output slot: how values of simple columns go straight from bytes into the column.
    private let fast: [FastDecoder?]
    private let fastCollections: [FastCollection?]
    private let fastFrozen: [FastFrozen?]
    private let needsKey: Bool
    static let batchRows = 2048

    /// Fixed-layout CQL values decoded without a `CQLValue` or `Value` in between.
    enum FastDecoder {
        case boolean, tinyint, smallint, int, bigint, float, double, timestamp, date, uuid, blob, text

        init?(_ t: CQLType, _ engine: DataType) {
            switch (t.base, engine) {
            case (.boolean, .boolean): self = .boolean
            case (.tinyint, .tinyint): self = .tinyint
            case (.smallint, .smallint): self = .smallint
            case (.int, .integer): self = .int
            case (.bigint, .bigint): self = .bigint
            case (.float, .float): self = .float
            case (.double, .double): self = .double
            case (.timestamp, .timestamp): self = .timestamp
            case (.date, .date): self = .date
            case (.uuid, .uuid), (.timeuuid, .uuid): self = .uuid
            case (.blob, .blob): self = .blob
            case (.ascii, .varchar), (.text, .varchar): self = .text
            default: return nil
            }
        }

        @inline(__always) static func be(_ b: UnsafeRawBufferPointer, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n { v = v << 8 | UInt64(b[i]) }
            return v
        }

        /// Whether `b` is in the common form this decoder takes (else the general path decodes
        /// and judges it: empty, another length, non-ASCII text).
        @inline(__always) func accepts(_ b: UnsafeRawBufferPointer) -> Bool {
            switch self {
            case .boolean, .tinyint: return b.count == 1
            case .smallint: return b.count == 2
            case .int, .float, .date: return b.count == 4
            case .bigint, .double: return b.count == 8
            case .timestamp:
                guard b.count == 8 else { return false }
                return !Int64(bitPattern: Self.be(b, 8)).multipliedReportingOverflow(by: 1000).overflow
            case .uuid: return b.count == 16
            case .blob: return true
            case .text: return Self.isValidUTF8(b)
            }
        }

        /// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): bytes a
        /// String would keep as they are.
        static func isValidUTF8(_ b: UnsafeRawBufferPointer) -> Bool {
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c < 0x80 { i += 1; continue }
                func cont(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
                if c >= 0xC2 && c <= 0xDF {
                    guard cont(1) else { return false }
                    i += 2
                } else if c >= 0xE0 && c <= 0xEF {
                    guard cont(1), cont(2) else { return false }
                    let c1 = b[i + 1]
                    if c == 0xE0 && c1 < 0xA0 { return false }
                    if c == 0xED && c1 >= 0xA0 { return false }
                    i += 3
                } else if c >= 0xF0 && c <= 0xF4 {
                    guard cont(1), cont(2), cont(3) else { return false }
                    let c1 = b[i + 1]
                    if c == 0xF0 && c1 < 0x90 { return false }
                    if c == 0xF4 && c1 >= 0x90 { return false }
                    i += 4
                } else {
                    return false
                }
            }
            return true
        }

        /// Appends the value of `b`, which `accepts`.
        @inline(__always) func appendAccepted(_ b: UnsafeRawBufferPointer, to builder: inout ColumnBuilder) {
            switch self {
            case .boolean: builder.append(bool: b[0] != 0)
            case .tinyint: builder.append(int8: Int8(bitPattern: b[0]))
            case .smallint: builder.append(int16: Int16(bitPattern: UInt16(Self.be(b, 2))))
            case .int: builder.append(int32: Int32(bitPattern: UInt32(Self.be(b, 4))))
            case .bigint: builder.append(int64: Int64(bitPattern: Self.be(b, 8)))
            case .float: builder.append(float: Float(bitPattern: UInt32(Self.be(b, 4))))
            case .double: builder.append(double: Double(bitPattern: Self.be(b, 8)))
            case .timestamp: builder.append(int64: Int64(bitPattern: Self.be(b, 8)) &* 1000)
            case .date: builder.append(int32: Int32(truncatingIfNeeded: Int64(UInt32(Self.be(b, 4))) - (1 << 31)))
            case .uuid: builder.append(uint128: UInt128(Self.be(b, 8)) << 64 | UInt128(Self.be(UnsafeRawBufferPointer(rebasing: b[8...]), 8)))
            case .blob, .text: builder.append(bytes: b)
            }
        }

        /// Appends the value of `b` if it is in the common form; false otherwise.
        @inline(__always) func append(_ b: UnsafeRawBufferPointer, to builder: inout ColumnBuilder) -> Bool {
            guard accepts(b) else { return false }
            appendAccepted(b, to: &builder)
            return true
        }
    }

    /// A non-frozen collection of fixed-layout elements, built from its cells without values:
    /// a list's or set's elements (a set's are its cells' paths), a map's keys and values.
    enum FastCollection {
        case list(FastDecoder), set(FastDecoder), map(FastDecoder, FastDecoder)
        /// A non-frozen UDT: one cell per set field, its path the field's index.
        case udt([FastDecoder])

        init?(_ t: CQLType, _ engine: DataType) {
            switch (t.base, engine) {
            case (.list(let e, false), .list(let ee)): guard let f = FastDecoder(e, ee) else { return nil }; self = .list(f)
            case (.set(let e, false), .list(let ee)): guard let f = FastDecoder(e, ee) else { return nil }; self = .set(f)
            case (.map(let k, let v, false), .map(let ek, let ev)):
                guard let fk = FastDecoder(k, ek), let fv = FastDecoder(v, ev) else { return nil }
                self = .map(fk, fv)
            case (.udt(let d, false), .structure(let fields)) where fields.count == d.fieldTypes.count:
                var decoders: [FastDecoder] = []
                for (t, f) in zip(d.fieldTypes, fields) {
                    guard let dec = FastDecoder(t, f.type) else { return nil }
                    decoders.append(dec)
                }
                self = .udt(decoders)
            default: return nil
            }
        }

        /// Appends the collection of `cells` if every element is in the common form.
        func append(_ row: Row, _ cells: ArraySlice<Cell>, to builder: inout ColumnBuilder) -> Bool {
            row.storage.withUnsafeBytes { raw in
                func bytes(_ start: Int32, _ count: Int32) -> UnsafeRawBufferPointer {
                    UnsafeRawBufferPointer(rebasing: raw[Int(start)..<Int(start + count)])
                }
                switch self {
                case .list(let f):
                    guard cells.allSatisfy({ f.accepts(bytes($0.valueStart, $0.valueCount)) }) else { return false }
                    builder.appendList { e in
                        for c in cells { f.appendAccepted(bytes(c.valueStart, c.valueCount), to: &e) }
                        return cells.count
                    }
                case .set(let f):
                    guard cells.allSatisfy({ $0.pathCount >= 0 && f.accepts(bytes($0.pathStart, $0.pathCount)) }) else { return false }
                    builder.appendList { e in
                        for c in cells { f.appendAccepted(bytes(c.pathStart, c.pathCount), to: &e) }
                        return cells.count
                    }
                case .map(let fk, let fv):
                    guard cells.allSatisfy({ $0.pathCount >= 0 && fk.accepts(bytes($0.pathStart, $0.pathCount)) && fv.accepts(bytes($0.valueStart, $0.valueCount)) })
                    else { return false }
                    builder.appendList { entry in
                        for c in cells {
                            entry.appendStruct { kv in
                                fk.appendAccepted(bytes(c.pathStart, c.pathCount), to: &kv[0])
                                fv.appendAccepted(bytes(c.valueStart, c.valueCount), to: &kv[1])
                            }
                        }
                        return cells.count
                    }
                case .udt(let fields):
                    // Cells in field order; a field without a cell is null.
                    var byField = [Int](repeating: -1, count: fields.count)
                    for (k, c) in zip(cells.indices, cells) {
                        guard c.pathCount == 2 else { return false }
                        let f = Int(raw[Int(c.pathStart)]) << 8 | Int(raw[Int(c.pathStart) + 1])
                        guard f < fields.count, fields[f].accepts(bytes(c.valueStart, c.valueCount)) else { return false }
                        byField[f] = k
                    }
                    builder.appendStruct { children in
                        for (f, k) in byField.enumerated() {
                            if k < 0 { children[f].appendNull() } else {
                                fields[f].appendAccepted(bytes(cells[k].valueStart, cells[k].valueCount), to: &children[f])
                            }
                        }
                    }
                }
                return true
            }
        }
    }

    /// A frozen collection, tuple or UDT of fixed-layout elements, decoded from its one cell:
    /// `[count:int32]([length:int32][bytes])*` for lists and sets (maps: key, value pairs),
    /// `([length:int32][bytes])*` per field for tuples and UDTs (length -1: null; fields past
    /// the end: null).
    enum FastFrozen {
        case list(FastDecoder), map(FastDecoder, FastDecoder), fields([FastDecoder])

        init?(_ t: CQLType, _ engine: DataType) {
            switch (t.base, engine) {
            case (.list(let e, true), .list(let ee)), (.set(let e, true), .list(let ee)):
                guard let f = FastDecoder(e, ee) else { return nil }
                self = .list(f)
            case (.map(let k, let v, true), .map(let ek, let ev)):
                guard let fk = FastDecoder(k, ek), let fv = FastDecoder(v, ev) else { return nil }
                self = .map(fk, fv)
            case (.tuple(let ts), .structure(let fs)) where ts.count == fs.count:
                guard let ds = Self.decoders(ts, fs) else { return nil }
                self = .fields(ds)
            case (.udt(let d, true), .structure(let fs)) where d.fieldTypes.count == fs.count:
                guard let ds = Self.decoders(d.fieldTypes, fs) else { return nil }
                self = .fields(ds)
            default: return nil
            }
        }

        static func decoders(_ ts: [CQLType], _ fs: [Field]) -> [FastDecoder]? {
            var out: [FastDecoder] = []
            for (t, f) in zip(ts, fs) {
                guard let d = FastDecoder(t, f.type) else { return nil }
                out.append(d)
            }
            return out
        }

        /// Reads `[length:int32][bytes]` at `at`: the element (nil for null) and the next offset,
        /// or nil when the bytes end first.
        @inline(__always) static func element(_ b: UnsafeRawBufferPointer, _ at: Int) -> (UnsafeRawBufferPointer?, Int)? {
            guard at + 4 <= b.count else { return nil }
            let n = Int(Int32(bitPattern: UInt32(FastDecoder.be(UnsafeRawBufferPointer(rebasing: b[at..<(at + 4)]), 4))))
            if n < 0 { return (nil, at + 4) }
            guard at + 4 + n <= b.count else { return nil }
            return (UnsafeRawBufferPointer(rebasing: b[(at + 4)..<(at + 4 + n)]), at + 4 + n)
        }

        /// Appends the value of `b` if it is well formed and every element is in the common
        /// form; false otherwise (the general path then decodes and judges it).
        func append(_ b: UnsafeRawBufferPointer, to builder: inout ColumnBuilder) -> Bool {
            switch self {
            case .list(let f), .map(let f, _):
                guard b.count >= 4 else { return false }
                let n = Int(Int32(bitPattern: UInt32(FastDecoder.be(b, 4))))
                guard n >= 0, n <= b.count else { return false }
                let perEntry: Int
                var valueDecoder: FastDecoder?
                if case .map(_, let v) = self { perEntry = 2; valueDecoder = v } else { perEntry = 1 }
                // First pass: the shape and every element; nothing is appended unless all fit.
                var at = 4
                for _ in 0..<n {
                    for k in 0..<perEntry {
                        guard let (e, next) = Self.element(b, at), let e else { return false }
                        guard (k == 0 ? f : valueDecoder!).accepts(e) else { return false }
                        at = next
                    }
                }
                guard at == b.count else { return false }
                at = 4
                builder.appendList { child in
                    for _ in 0..<n {
                        if let v = valueDecoder {
                            child.appendStruct { kv in
                                let (key, k2) = Self.element(b, at)!
                                f.appendAccepted(key!, to: &kv[0])
                                let (value, v2) = Self.element(b, k2)!
                                v.appendAccepted(value!, to: &kv[1])
                                at = v2
                            }
                        } else {
                            let (e, next) = Self.element(b, at)!
                            f.appendAccepted(e!, to: &child)
                            at = next
                        }
                    }
                    return n
                }
                return true
            case .fields(let ds):
                var at = 0
                for d in ds where at < b.count {
                    guard let (e, next) = Self.element(b, at) else { return false }
                    if let e, !d.accepts(e) { return false }
                    at = next
                }
                guard at == b.count else { return false }
                at = 0
                builder.appendStruct { children in
                    for (i, d) in ds.enumerated() {
                        guard at < b.count, let (e, next) = Self.element(b, at) else { children[i].appendNull(); continue }
                        if let e { d.appendAccepted(e, to: &children[i]) } else { children[i].appendNull() }
                        at = next
                    }
                }
                return true
            }
        }
    }

    init(_ part: BackupScanPartition) {
        self.part = part
        table = part.table
        layout = part.table.layout
        now = part.table.referenceTime
        let n = layout.cellColumns.count
        rowGroups = Groups(n)
        staticGroups = Groups(n)
        fast = zip(part.outputs, part.types).map { c, t in
            switch c {
            case .cell(let i) where !part.table.layout.cellColumns[i].isComplex: return FastDecoder(part.table.layout.cellColumns[i].type, t)
            case .clustering(let i): return FastDecoder(part.table.layout.schema.clustering[i].type, t)
            default: return nil
            }
        }
        fastCollections = zip(part.outputs, part.types).map { c, t in
            guard case .cell(let i) = c, part.table.layout.cellColumns[i].isComplex else { return nil }
            return FastCollection(part.table.layout.cellColumns[i].type, t)
        }
        fastFrozen = zip(part.outputs, part.types).map { c, t in
            guard case .cell(let i) = c, !part.table.layout.cellColumns[i].isComplex else { return nil }
            return FastFrozen(part.table.layout.cellColumns[i].type, t)
        }
        needsKey = part.outputs.contains { if case .partitionKey = $0 { return true } else { return false } }
        builders = part.types.map { ColumnBuilder(type: $0, capacity: Self.batchRows) }
        partitionValues = Array(repeating: .null, count: part.outputs.count)
    }

    func fail(_ message: String) -> SQLError {
        var at = ""
        if let p = partition { at = " in partition token \(p.token)" }
        return SQLError(.runtime, "\(table.qualifiedName)\(at): \(message)")
    }

    func next() throws -> Batch? {
        rowCount = 0
        while rowCount < Self.batchRows, try wrapped({ try emitNextRow() }) {}
        guard rowCount > 0 else { return nil }
        var columns = builders.map { $0.finish() }
        // Constant per table: made once per batch, not per row.
        for (slot, c) in part.outputs.enumerated() {
            if case .source = c { columns[slot] = Column.constant(table.sourceValue, type: BackupTable.sourceType, count: rowCount) }
        }
        builders = part.types.map { ColumnBuilder(type: $0, capacity: Self.batchRows) }
        return Batch(columns: columns, count: rowCount)
    }

    /// Errors of the files (corrupt, truncated, missing) as SQL errors naming the table; they
    /// already name the file and offset.
    private func wrapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as SQLError { throw e } catch {
            throw SQLError(.runtime, "\(table.qualifiedName): \(error)")
        }
    }

    /// Appends the next live row to the builders; false at the end of the split.
    private func emitNextRow() throws -> Bool {
        while true {
            if merged == nil {
                guard readIndex < part.reads.count else { return false }
                let read = part.reads[readIndex]
                readIndex += 1
                var scanners: [any PartitionSource] = []
                var seen = Set<String>()
                for node in read.nodes {
                    for s in table.files(of: node, range: read.range) where seen.insert(s.dataFile.path).inserted {
                        scanners.append(try SSTableScanner(sstable: s, layout: layout, filter: read.filter, slice: read.slice))
                    }
                }
                if scanners.isEmpty { continue }
                merged = MergedScanner(scanners: scanners, layout: layout, now: now)
            }
            if partition == nil {
                guard let p = try merged!.nextPartition() else { merged = nil; continue }
                try startPartition(p)
            }
            if let row = try merged!.nextRow() {
                rowsInPartition += 1
                try emit(row)
                return true
            }
            let staticOnly = rowsInPartition == 0 && staticRow.map { !$0.cells.isEmpty } == true
            if staticOnly {
                // A partition with only a live static row shows as one row with null clustering.
                try emit(nil)
                partition = nil
                return true
            }
            partition = nil
        }
    }

    private func startPartition(_ p: MergedScanner.Partition) throws {
        partition = p
        rowsInPartition = 0
        if needsKey {
            let keyValues: [CQLValue]
            do { keyValues = try decodePartitionKey(p.key) } catch { throw fail("partition key: \(error)") }
            for (slot, c) in part.outputs.enumerated() {
                guard case .partitionKey(let i) = c else { continue }
                let def = layout.schema.partitionKey[i]
                do { partitionValues[slot] = try table.mapping.value(keyValues[i], def.type) } catch { throw fail("column \(def.name): \(error)") }
            }
        }
        for (slot, c) in part.outputs.enumerated() {
            guard case .token = c else { continue }
            switch p.token {
            case .murmur3(let t): partitionValues[slot] = .int(t)
            case .bytes(let b): partitionValues[slot] = .blob(b)
            case .random(let b):
                var u: UInt128 = 0
                for x in b { u = u << 8 | UInt128(x) }
                partitionValues[slot] = .decimal(Int128(bitPattern: u), scale: 0)
            }
        }
        staticRow = p.staticRow
        staticLastModified = Self.group(staticRow, into: &staticGroups)
    }

    /// Records where each column's cells are in `row`; returns the row's greatest cell
    /// timestamp.
    private static func group(_ row: Row?, into groups: inout Groups) -> Int64 {
        for c in groups.start.indices { groups.start[c] = -1 }
        guard let row else { return .min }
        var newest = Int64.min
        let cells = row.cells
        var i = 0
        while i < cells.count {
            let column = cells[i].column
            var j = i + 1
            newest = max(newest, cells[i].timestamp)
            while j < cells.count && cells[j].column == column { newest = max(newest, cells[j].timestamp); j += 1 }
            groups.start[column] = i
            groups.end[column] = j
            i = j
        }
        return newest
    }

    private func decodePartitionKey(_ key: [UInt8]) throws -> [CQLValue] {
        let schema = layout.schema
        if schema.partitionKey.count == 1 { return [try decode(key[...], schema.partitionKey[0].type)] }
        guard case .tuple(let parts) = try ValueDecoder.decode(key, as: schema.partitionKeyType) else { return [] }
        return parts
    }

    private func decode(_ bytes: Bytes, _ type: CQLType) throws -> CQLValue {
        if case .counter = type.base {
            guard let total = CounterContext.total(bytes) else {
                throw CQLTypeMapping.ConversionError(message: "not a counter context (\(bytes.count) bytes)")
            }
            return .int(total)
        }
        return try ValueDecoder.decode(bytes, as: type)
    }

    /// Appends one output row: `row`'s clustering and cells over the partition's key and
    /// static cells (`row` nil: the static-only row).
    private func emit(_ row: Row?) throws {
        var lastModified = staticLastModified
        let newest = Self.group(row, into: &rowGroups)
        if let row { lastModified = max(row.liveness.timestamp, newest) }
        let outputs = part.outputs
        // A column's cells: in the row, else in the static row (static columns; a static-
        // compact table's row holds them itself).
        func cells(_ c: Int) -> (Row, Range<Int>)? {
            if rowGroups.start[c] >= 0, let row { return (row, rowGroups.start[c]..<rowGroups.end[c]) }
            if staticGroups.start[c] >= 0, let st = staticRow { return (st, staticGroups.start[c]..<staticGroups.end[c]) }
            return nil
        }
        for slot in outputs.indices {
            switch outputs[slot] {
            case .partitionKey, .token:
                builders[slot].append(partitionValues[slot])
            case .clustering(let i):
                guard let row, i < row.clustering.count, let bytes = row.clustering[i] else { builders[slot].appendNull(); continue }
                if let f = fast[slot], bytes.withUnsafeBytes({ f.append($0, to: &builders[slot]) }) { continue }
                let def = layout.schema.clustering[i]
                do { builders[slot].append(try table.mapping.value(try decode(bytes, def.type), def.type)) } catch { throw fail("column \(def.name): \(error)") }
            case .cell(let c):
                guard let (source, group) = cells(c) else { builders[slot].appendNull(); continue }
                let first = source.cells[group.lowerBound]
                let def = layout.cellColumns[c]
                let range = Int(first.valueStart)..<Int(first.valueStart + first.valueCount)
                if let f = fast[slot],
                   source.storage.withUnsafeBytes({ f.append(UnsafeRawBufferPointer(rebasing: $0[range]), to: &builders[slot]) }) { continue }
                if let f = fastFrozen[slot],
                   source.storage.withUnsafeBytes({ f.append(UnsafeRawBufferPointer(rebasing: $0[range]), to: &builders[slot]) }) { continue }
                if let f = fastCollections[slot], f.append(source, source.cells[group], to: &builders[slot]) { continue }
                do {
                    builders[slot].append(try table.mapping.value(try cellValue(source, source.cells[group], def), def.type))
                } catch {
                    throw fail("column \(def.name): \(error)")
                }
            case .writetime(let c):
                guard let (source, group) = cells(c) else { builders[slot].appendNull(); continue }
                var ts = Int64.min
                for cell in source.cells[group] { ts = max(ts, cell.timestamp) }
                builders[slot].append(int64: ts)
            case .ttl(let c):
                guard let (source, group) = cells(c) else { builders[slot].appendNull(); continue }
                var ttl: Int64?
                for cell in source.cells[group] where cell.isExpiring {
                    ttl = min(ttl ?? .max, max(0, cell.localDeletionTime - now))
                }
                if let ttl { builders[slot].append(int32: Int32(clamping: ttl)) } else { builders[slot].appendNull() }
            case .lastModified:
                if lastModified == LivenessInfo.noTimestamp { builders[slot].appendNull() } else { builders[slot].append(int64: lastModified) }
            case .source:
                break
            }
        }
        rowCount += 1
    }

    private func cellValue(_ row: Row, _ group: ArraySlice<Cell>, _ def: Cassandra.ColumnDefinition) throws -> CQLValue {
        guard def.isComplex else { return try decode(row.value(group[group.startIndex]), def.type) }
        switch def.type.base {
        case .list(let e, _):
            return .list(try group.map { try decode(row.value($0), e) })
        case .set(let e, _):
            return .set(try group.map { try decode(row.path($0) ?? [], e) })
        case .map(let k, let v, _):
            return .map(try group.map { try decode(row.path($0) ?? [], k) }, try group.map { try decode(row.value($0), v) })
        case .udt(let d, _):
            var values = [CQLValue](repeating: .null, count: d.fieldTypes.count)
            for c in group {
                guard let p = row.path(c), p.count == 2 else { continue }
                let f = Int(UInt16(p[p.startIndex]) << 8 | UInt16(p[p.startIndex + 1]))
                if f < values.count { values[f] = try decode(row.value(c), d.fieldTypes[f]) }
            }
            return .udt(names: d.fieldNames, values: values)
        default:
            return try decode(row.value(group[group.startIndex]), def.type)
        }
    }
}
