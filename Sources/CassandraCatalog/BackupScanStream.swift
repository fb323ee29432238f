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
    private var partitionValues: [Value] = []
    private var rowsInPartition = 0
    private var staticValues: [Value]
    private var staticLastModified = Int64.min
    private var builders: [ColumnBuilder]
    private var values: [Value]
    /// Per cell column: the output slots of its value, writetime and ttl (-1: not read).
    private var valueSlot: [Int]
    private var writetimeSlot: [Int]
    private var ttlSlot: [Int]
    private let keySlots: [(slot: Int, index: Int)]
    private let clusteringSlots: [(slot: Int, index: Int)]
    private let tokenSlot: Int
    private let lastModifiedSlot: Int
    private let needsKey: Bool
    static let batchRows = 2048

    init(_ part: BackupScanPartition) {
        self.part = part
        table = part.table
        layout = part.table.layout
        now = part.table.referenceTime
        let n = layout.cellColumns.count
        valueSlot = Array(repeating: -1, count: n)
        writetimeSlot = Array(repeating: -1, count: n)
        ttlSlot = Array(repeating: -1, count: n)
        var keys: [(Int, Int)] = [], clustering: [(Int, Int)] = []
        var token = -1, lastModified = -1
        for (slot, c) in part.outputs.enumerated() {
            switch c {
            case .partitionKey(let i): keys.append((slot, i))
            case .clustering(let i): clustering.append((slot, i))
            case .cell(let i): valueSlot[i] = slot
            case .writetime(let i): writetimeSlot[i] = slot
            case .ttl(let i): ttlSlot[i] = slot
            case .token: token = slot
            case .lastModified: lastModified = slot
            }
        }
        keySlots = keys
        clusteringSlots = clustering
        tokenSlot = token
        lastModifiedSlot = lastModified
        needsKey = !keys.isEmpty
        builders = part.types.map { ColumnBuilder(type: $0, capacity: Self.batchRows) }
        values = Array(repeating: .null, count: part.outputs.count)
        staticValues = Array(repeating: .null, count: part.outputs.count)
    }

    func fail(_ message: String) -> SQLError {
        var at = ""
        if let p = partition { at = " in partition token \(p.token)" }
        return SQLError(.runtime, "\(table.qualifiedName)\(at): \(message)")
    }

    func next() throws -> Batch? {
        var count = 0
        while count < Self.batchRows, try wrapped({ try nextRow() }) {
            for i in values.indices { builders[i].append(values[i]) }
            count += 1
        }
        guard count > 0 else { return nil }
        let columns = builders.map { $0.finish() }
        builders = part.types.map { ColumnBuilder(type: $0, capacity: Self.batchRows) }
        return Batch(columns: columns, count: count)
    }

    /// Errors of the files (corrupt, truncated, missing) as SQL errors naming the table; they
    /// already name the file and offset.
    private func wrapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as SQLError { throw e } catch {
            throw SQLError(.runtime, "\(table.qualifiedName): \(error)")
        }
    }

    /// Fills `values` with the next live row; false at the end of the split.
    private func nextRow() throws -> Bool {
        while true {
            if merged == nil {
                guard readIndex < part.reads.count else { return false }
                let read = part.reads[readIndex]
                readIndex += 1
                var scanners: [any PartitionSource] = []
                var seen = Set<String>()
                for node in read.nodes {
                    for s in table.files(of: node, range: read.range) where seen.insert(s.dataFile.path).inserted {
                        scanners.append(try SSTableScanner(sstable: s, layout: layout, filter: read.filter))
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
                try assemble(row)
                return true
            }
            let staticOnly = rowsInPartition == 0 && partition?.staticRow.map { !$0.cells.isEmpty } == true
            partition = nil
            if staticOnly {
                // A partition with only a live static row shows as one row with null clustering.
                values = staticValues
                if lastModifiedSlot >= 0 { values[lastModifiedSlot] = staticLastModified == .min ? .null : .timestamp(staticLastModified) }
                return true
            }
        }
    }

    private func startPartition(_ p: MergedScanner.Partition) throws {
        partition = p
        rowsInPartition = 0
        for i in staticValues.indices { staticValues[i] = .null }
        if needsKey {
            let keyValues: [CQLValue]
            do { keyValues = try decodePartitionKey(p.key) } catch { throw fail("partition key: \(error)") }
            for (slot, i) in keySlots {
                let def = layout.schema.partitionKey[i]
                do { staticValues[slot] = try table.mapping.value(keyValues[i], def.type) } catch { throw fail("column \(def.name): \(error)") }
            }
        }
        if tokenSlot >= 0 {
            switch p.token {
            case .murmur3(let t): staticValues[tokenSlot] = .int(t)
            case .bytes(let b): staticValues[tokenSlot] = .blob(b)
            case .random(let b):
                var u: UInt128 = 0
                for x in b { u = u << 8 | UInt128(x) }
                staticValues[tokenSlot] = .decimal(Int128(bitPattern: u), scale: 0)
            }
        }
        staticLastModified = .min
        if let st = p.staticRow {
            staticLastModified = try fillCells(st, into: &staticValues)
        }
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

    private func assemble(_ row: Row) throws {
        values = staticValues
        var lastModified = row.liveness.timestamp
        let cellsMax = try fillCells(row, into: &values)
        lastModified = max(lastModified, cellsMax)
        for (slot, i) in clusteringSlots {
            let def = layout.schema.clustering[i]
            guard i < row.clustering.count, let bytes = row.clustering[i] else { values[slot] = .null; continue }
            do { values[slot] = try table.mapping.value(try decode(bytes, def.type), def.type) } catch { throw fail("column \(def.name): \(error)") }
        }
        if lastModifiedSlot >= 0 { values[lastModifiedSlot] = lastModified == LivenessInfo.noTimestamp ? .null : .timestamp(lastModified) }
    }

    /// Writes the projected cell values and metadata of `row` into `out`; returns the row's
    /// greatest cell timestamp.
    private func fillCells(_ row: Row, into out: inout [Value]) throws -> Int64 {
        var newest = Int64.min
        let cells = row.cells
        var i = 0
        while i < cells.count {
            let column = cells[i].column
            var j = i + 1
            while j < cells.count && cells[j].column == column { j += 1 }
            var ts = Int64.min
            var ttl: Int64? = nil
            for c in cells[i..<j] {
                ts = max(ts, c.timestamp)
                if c.isExpiring { ttl = min(ttl ?? .max, max(0, c.localDeletionTime - now)) }
            }
            newest = max(newest, ts)
            if writetimeSlot[column] >= 0 { out[writetimeSlot[column]] = .int(ts) }
            if ttlSlot[column] >= 0 { out[ttlSlot[column]] = ttl.map { .int($0) } ?? .null }
            if valueSlot[column] >= 0 {
                let def = layout.cellColumns[column]
                do {
                    out[valueSlot[column]] = try table.mapping.value(try cellValue(row, cells[i..<j], def), def.type)
                } catch {
                    throw fail("column \(def.name): \(error)")
                }
            }
            i = j
        }
        return newest
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
