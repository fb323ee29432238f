import Columnar
import Engine
import Foundation
import Iceberg
import Parquet
import SQL

/// What a scan of an Iceberg table reads: one snapshot (the current one, or the one `FOR
/// VERSION AS OF` / `FOR SYSTEM_TIME AS OF` names), under the schema it was written with.
struct IcebergReadPoint {
    let snapshot: Snapshot?
    let schema: IcebergSchema

    init(_ table: IcebergTable, version: TableVersion?) throws {
        switch version {
        case nil: snapshot = table.currentSnapshot
        case .named(let name)?: snapshot = try table.snapshot(named: name)
        case .asOfTime(let micros)?: snapshot = try table.snapshot(asOfMillis: micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000))
        }
        // Time travel reads with the snapshot's own schema; the present with the current one.
        schema = version == nil ? try table.schema : try table.schema(of: snapshot)
    }
}

/// One data file of a scan: read on one thread, row group after row group.
struct IcebergFileScan: ScanPartition {
    let file: LiveDataFile
    let fields: [IcebergField]
    let types: [DataType]
    /// The scan's filters, to skip row groups on their statistics.
    let pruner: FilePruner
    /// Every top-level field of the read schema (statistics are per field id).
    let schema: IcebergSchema

    var estimatedRows: Int? { Int(file.recordCount) }

    func open() throws -> BatchStream { try IcebergFileStream(self) }
}

final class IcebergFileStream: BatchStream {
    let scan: IcebergFileScan
    let reader: ParquetFileReader
    /// Per projected field: the file's top-level column holding it, or nil (added since).
    let columns: [Int?]
    var group = 0
    var pending: [Batch] = []

    init(_ scan: IcebergFileScan) throws {
        self.scan = scan
        guard scan.file.format.uppercased() == "PARQUET" else {
            throw SQLError(.unsupported, "\(scan.file.path) is a \(scan.file.format) data file; movesql reads Parquet")
        }
        let reader: ParquetFileReader
        do { reader = try ParquetFileReader(path: IcebergTable.path(ofLocation: scan.file.path)) } catch let e as ParquetError {
            throw SQLError(.runtime, e.message)
        }
        self.reader = reader
        let withIds = reader.columns.contains { $0.fieldId != nil }
        columns = scan.fields.map { f in
            if withIds { return reader.columns.firstIndex { $0.fieldId == f.id } }
            // A file without field ids (added from elsewhere): by name.
            return reader.columns.firstIndex { $0.name == f.name }
        }
        guard reader.rowCount == scan.file.recordCount else {
            throw SQLError(.runtime, "\(scan.file.path) holds \(reader.rowCount) rows; its manifest entry says \(scan.file.recordCount)")
        }
    }

    /// Row groups skipped on their statistics since the process started (all scans).
    nonisolated(unsafe) static var skipped = 0
    static let skippedLock = NSLock()
    static var rowGroupsSkipped: Int { skippedLock.withLock { skipped } }

    /// The statistics of row group `g` for the top-level primitive columns, in comparable form
    /// — only where the stored values are what the engine reads (no unit conversions).
    func statistics(_ g: Int) -> [Int32: (min: PartitionValue?, max: PartitionValue?, nulls: Int64?)] {
        var out: [Int32: (min: PartitionValue?, max: PartitionValue?, nulls: Int64?)] = [:]
        for f in scan.schema.fields {
            let index = reader.columns.firstIndex { $0.fieldId == f.id }
            guard let index, case .leaf(let leaf) = reader.columns[index].shape,
                  let st = reader.statistics(rowGroup: g, leaf: leaf) else { continue }
            let l = reader.leaves[leaf]
            func decode(_ b: [UInt8]?) -> PartitionValue? {
                guard let b else { return nil }
                switch (l.conversion, l.physical, f.type) {
                case (.int32, .int32, .int), (.int32, .int32, .date), (.int64, .int64, .long), (.timestamp(.micros), .int64, _), (.time64(.micros), .int64, _):
                    return PartitionValue.decode(bound: b, f.type == .long || l.physical == .int64 ? .long : .int)
                case (.string, .byteArray, .string), (.binary, .byteArray, .binary): return .bytes(b)
                case (.decimal, .int32, .decimal): return PartitionValue.decode(bound: b, .int).flatMap { if case .long(let x) = $0 { return .decimal(Int128(x)) } else { return nil } }
                case (.decimal, .int64, .decimal): return PartitionValue.decode(bound: b, .long).flatMap { if case .long(let x) = $0 { return .decimal(Int128(x)) } else { return nil } }
                case (.decimal, .fixedLenByteArray, .decimal), (.decimal, .byteArray, .decimal): return PartitionValue.decode(bound: b, f.type)
                default: return nil
                }
            }
            let lo = st.exact ? decode(st.min) : nil, hi = st.exact ? decode(st.max) : nil
            out[f.id] = (lo, hi, st.nullCount)
        }
        return out
    }

    func next() throws -> Batch? {
        while pending.isEmpty {
            guard group < reader.metadata.rowGroups.count else { return nil }
            if !scan.pruner.isEmpty {
                let rows = reader.metadata.rowGroups[group].numRows
                if !scan.pruner.mayMatch(rowGroup: statistics(group), rows: rows) {
                    Self.skippedLock.withLock { Self.skipped += 1 }
                    group += 1
                    continue
                }
            }
            let wanted = columns.compactMap { $0 }
            let read: [Batch]
            do { read = try reader.read(rowGroup: group, columns: wanted) } catch let e as ParquetError { throw SQLError(.runtime, e.message) }
            group += 1
            pending = try read.reversed().map { b in
                var k = 0
                return Batch(columns: try zip(zip(scan.fields, scan.types), columns).map { pair, index in
                    let (field, type) = pair
                    guard let index else { return Column.constant(.null, type: type, count: b.count) }
                    defer { k += 1 }
                    return try IcebergValues.adapt(b.columns[k], node: reader.columns[index], to: field.type, as: type, file: scan.file.path)
                }, count: b.count)
            }
        }
        return pending.removeLast()
    }
}

/// Columns as a file stores them, into the table schema's types: nested fields matched by
/// field id, and Iceberg's promotions (int → long, float → double, wider decimals).
enum IcebergValues {
    static func adapt(_ c: Column, node: ReadNode?, to iceberg: IcebergType, as type: DataType, file: String) throws -> Column {
        if c.type == type { return c }
        func fail() -> SQLError { SQLError(.runtime, "\(file): column \(node?.name ?? "?") is \(c.type) in the file where the table has \(type)") }
        let c = c.materialized()
        switch (c.data, type) {
        case (.int32(let v), .bigint): return Column(type: type, count: c.count, validity: c.validity, data: .int64(v.map { Int64($0) }))
        case (.float32(let v), .double): return Column(type: type, count: c.count, validity: c.validity, data: .float64(v.map { Double($0) }))
        case (.int64(let v), .decimal(let p, _)) where p > 18:
            return Column(type: type, count: c.count, validity: c.validity, data: .int128(v.map { Int128($0) }))
        case (.int64, .decimal), (.int128, .decimal): return Column(type: type, count: c.count, validity: c.validity, data: c.data)
        case (.bytes(let offsets, let bytes), .uuid):
            var out = [UInt128](repeating: 0, count: c.count)
            for i in 0..<c.count where !c.isNull(i) {
                let s = Int(offsets[i]), e = Int(offsets[i + 1])
                guard e - s == 16 else { throw fail() }
                var x: UInt128 = 0
                for b in bytes[s..<e] { x = x << 8 | UInt128(b) }
                out[i] = x
            }
            return Column(type: type, count: c.count, validity: c.validity, data: .uint128(out))
        case (.list(let offsets, let values), .list(let e)):
            guard case .list(_, let ie, _) = iceberg, case .list(let en, _, _)? = node?.shape else { throw fail() }
            return Column(type: type, count: c.count, validity: c.validity,
                          data: .list(offsets: offsets, values: try adapt(values, node: en, to: ie, as: e, file: file)))
        case (.list(let offsets, let entries), .map(let k, let v)):
            guard case .map(_, let ik, _, let iv, _) = iceberg, case .map(let kn, let vn, _, _)? = node?.shape,
                  case .structure(let kv) = entries.materialized().data, kv.count == 2 else { throw fail() }
            let keys = try adapt(kv[0], node: kn, to: ik, as: k, file: file), values = try adapt(kv[1], node: vn, to: iv, as: v, file: file)
            let entry = Column(type: .structure([Field("key", k), Field("value", v)]), count: entries.count, validity: nil, data: .structure([keys, values]))
            return Column(type: type, count: c.count, validity: c.validity, data: .list(offsets: offsets, values: entry))
        case (.structure(let children), .structure(let fields)):
            guard case .structure(let icebergFields) = iceberg, case .structure(let nodes)? = node?.shape else { throw fail() }
            let built = try zip(icebergFields, fields).map { f, engine -> Column in
                guard let i = nodes.firstIndex(where: { $0.fieldId == f.id }) ?? nodes.firstIndex(where: { $0.fieldId == nil && $0.name == f.name }) else {
                    return Column.constant(.null, type: engine.type, count: c.count).materialized()
                }
                return try adapt(children[i], node: nodes[i], to: f.type, as: engine.type, file: file)
            }
            return Column(type: type, count: c.count, validity: c.validity, data: .structure(built))
        case (.constant, _): return Column(type: type, count: c.count, validity: c.validity, data: c.data)
        default:
            // The same values under other field names or nullability.
            if c.type.physical == type.physical, c.type.isNested == false { return Column(type: type, count: c.count, validity: c.validity, data: c.data) }
            throw fail()
        }
    }
}

extension DataType {
    var isNested: Bool {
        switch self {
        case .list, .map, .structure: return true
        default: return false
        }
    }
}

// MARK: metadata tables

/// `iceberg.ns."t$snapshots"`, `$history`, `$files`, `$manifests`, `$refs`: the table's
/// metadata as rows, in the columns Spark and Trino give them.
enum IcebergMetadataTable {
    static let kinds = ["snapshots", "history", "files", "manifests", "refs"]

    static func make(_ kind: String, table: IcebergTable, version: TableVersion?) throws -> TableProvider {
        switch kind {
        case "snapshots":
            let schema = [Field("committed_at", .timestamp), Field("snapshot_id", .bigint), Field("parent_id", .bigint), Field("sequence_number", .bigint),
                          Field("operation", .varchar), Field("manifest_list", .varchar), Field("summary", .map(.varchar, .varchar)), Field("schema_id", .integer)]
            return rows(schema, table.snapshots.map { s in
                [.timestamp(s.timestampMillis * 1000), .int(s.id), s.parentId.map { .int($0) } ?? .null, .int(s.sequenceNumber),
                 s.operation.map { .string($0) } ?? .null, .string(s.manifestList),
                 .map(keys: s.summary.map { .string($0.0) }, values: s.summary.map { .string($0.1) }), s.schemaId.map { .int(Int64($0)) } ?? .null]
            })
        case "history":
            let schema = [Field("made_current_at", .timestamp), Field("snapshot_id", .bigint), Field("parent_id", .bigint), Field("is_current_ancestor", .boolean)]
            let byId = Dictionary(table.snapshots.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            var ancestors = Set<Int64>()
            var at = table.currentSnapshotId
            while let id = at, ancestors.insert(id).inserted { at = byId[id]?.parentId }
            return rows(schema, table.snapshotLog.map { e in
                [.timestamp(e.timestampMillis * 1000), .int(e.snapshotId), byId[e.snapshotId]?.parentId.map { .int($0) } ?? .null, .bool(ancestors.contains(e.snapshotId))]
            })
        case "manifests":
            let schema = [Field("path", .varchar), Field("length", .bigint), Field("partition_spec_id", .integer), Field("content", .integer),
                          Field("sequence_number", .bigint), Field("added_snapshot_id", .bigint), Field("added_data_files_count", .integer),
                          Field("existing_data_files_count", .integer), Field("deleted_data_files_count", .integer)]
            let point = try IcebergReadPoint(table, version: version)
            return rows(schema, try point.snapshot.map { try table.manifests(of: $0) }?.map { m in
                [.string(m.path), .int(m.length), .int(Int64(m.specId)), .int(Int64(m.content)), .int(m.sequenceNumber), .int(m.addedSnapshotId),
                 .int(Int64(m.addedFiles)), .int(Int64(m.existingFiles)), .int(Int64(m.deletedFiles))]
            } ?? [])
        case "refs":
            let schema = [Field("name", .varchar), Field("type", .varchar), Field("snapshot_id", .bigint)]
            var out: [[Value]] = []
            if case .object(let refs)? = table.metadata["refs"] {
                for (name, r) in refs {
                    guard case .string(let t)? = r["type"], case .int(let id)? = r["snapshot-id"] else { continue }
                    out.append([.string(name), .string(t), .int(id)])
                }
            }
            return rows(schema, out)
        default:
            let point = try IcebergReadPoint(table, version: version)
            let spec = try table.spec
            let typed = try spec.typed(point.schema)
            let partitionType = DataType.structure(typed.map { Field($0.field.name, $0.result.engineType) })
            let schema = [Field("content", .integer), Field("file_path", .varchar), Field("file_format", .varchar), Field("spec_id", .integer),
                          Field("partition", partitionType), Field("record_count", .bigint), Field("file_size_in_bytes", .bigint),
                          Field("column_sizes", .map(.integer, .bigint)), Field("value_counts", .map(.integer, .bigint)),
                          Field("null_value_counts", .map(.integer, .bigint)), Field("nan_value_counts", .map(.integer, .bigint)),
                          Field("lower_bounds", .map(.integer, .blob)), Field("upper_bounds", .map(.integer, .blob))]
            func longs(_ p: [(Int32, Int64)]) -> Value { .map(keys: p.map { .int(Int64($0.0)) }, values: p.map { .int($0.1) }) }
            func blobs(_ p: [(Int32, [UInt8])]) -> Value { .map(keys: p.map { .int(Int64($0.0)) }, values: p.map { .blob($0.1) }) }
            return rows(schema, try (point.snapshot.map { try table.liveFiles(of: $0) } ?? []).map { f in
                let partition: Value = f.specId == spec.id
                    ? .structure(zip(f.partition, typed).map { engineValue($0, $1.result) }) : .null
                return [.int(0), .string(f.path), .string(f.format), .int(Int64(f.specId)), partition, .int(f.recordCount), .int(f.sizeInBytes),
                        longs(f.columnSizes), longs(f.valueCounts), longs(f.nullValueCounts), longs(f.nanValueCounts), blobs(f.lowerBounds), blobs(f.upperBounds)]
            })
        }
    }

    static func engineValue(_ v: PartitionValue, _ t: IcebergType) -> Value {
        switch (v, t) {
        case (.null, _): return .null
        case (.long(let x), .boolean): return .bool(x != 0)
        case (.long(let x), .date): return .date(Int32(truncatingIfNeeded: x))
        case (.long(let x), .time): return .time(x)
        case (.long(let x), .timestamp), (.long(let x), .timestamptz): return .timestamp(x)
        case (.long(let x), _): return .int(x)
        case (.decimal(let x), .decimal(_, let s)): return .decimal(x, scale: s)
        case (.decimal(let x), _): return .hugeint(x)
        case (.double(let bits), .float): return .float(Float(Double(bitPattern: bits)))
        case (.double(let bits), _): return .double(Double(bitPattern: bits))
        case (.bytes(let b), .string): return .string(String(decoding: b, as: UTF8.self))
        case (.bytes(let b), .uuid): return .uuid(b.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
        case (.bytes(let b), _): return .blob(b)
        }
    }

    static func rows(_ schema: [Field], _ rows: [[Value]]) -> TableProvider {
        let table = MemoryTable(schema: schema)
        var builders = schema.map { ColumnBuilder(type: $0.type) }
        for r in rows { for (k, v) in r.enumerated() { builders[k].append(v) } }
        if let write = try? table.beginWrite() {
            try? write.append(Batch(columns: builders.map { $0.finish() }, count: rows.count))
            try? write.commit()
        }
        return table
    }
}

// MARK: filters

/// The engine's filters as predicates that prune data files: `column <op> constant` (either
/// side), `IS [NOT] NULL`, `IN (constants)`, and the conjuncts of an AND, over top-level
/// primitive columns. What does not translate is left to the engine alone.
enum IcebergFilters {
    static func predicates(_ e: BoundExpr, schema: IcebergSchema) -> [IcebergPredicate] {
        switch e {
        case .and(let parts): return parts.flatMap { predicates($0, schema: schema) }
        case .isNull(let x, let negated):
            guard let f = column(x, schema) else { return [] }
            return [IcebergPredicate(fieldId: f.id, op: negated ? .notNull : .isNull)]
        case .inList(let x, let items, false):
            guard let f = column(x, schema) else { return [] }
            let values = items.map { constant($0).flatMap { comparable($0, f.type) } }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return [] }
            return [IcebergPredicate(fieldId: f.id, op: .isIn, values: values.map { $0! })]
        case .call(let fn, let args) where args.count == 2:
            let ops: [String: IcebergPredicate.Op] = ["=": .eq, "<": .lt, "<=": .le, ">": .gt, ">=": .ge]
            let flipped: [IcebergPredicate.Op: IcebergPredicate.Op] = [.eq: .eq, .lt: .gt, .le: .ge, .gt: .lt, .ge: .le]
            guard var op = ops[fn.name] else { return [] }
            var f = column(args[0], schema), c = constant(args[1])
            if f == nil || c == nil {
                f = column(args[1], schema)
                c = constant(args[0])
                op = flipped[op]!
            }
            guard let f, let c, let v = comparable(c, f.type) else { return [] }
            return [IcebergPredicate(fieldId: f.id, op: op, values: [v])]
        default: return []
        }
    }

    static func integerWidth(_ t: DataType) -> Int? {
        switch t {
        case .tinyint: return 8
        case .smallint: return 16
        case .integer: return 32
        case .bigint: return 64
        default: return nil
        }
    }

    static func column(_ e: BoundExpr, _ schema: IcebergSchema) -> IcebergField? {
        var e = e
        // Only widening integer casts keep comparisons as they are (the binder adds them to
        // compare an int column with a bigint constant).
        if case .cast(let inner, let to, _) = e {
            guard let a = integerWidth(inner.type), let b = integerWidth(to), b >= a else { return nil }
            e = inner
        }
        guard case .column(let i, _) = e, i < schema.fields.count else { return nil }
        let f = schema.fields[i]
        switch f.type {
        case .list, .map, .structure: return nil
        default: return f
        }
    }

    static func constant(_ e: BoundExpr) -> Value? {
        switch e {
        case .constant(let v, _): return v.isNull ? nil : v
        case .cast(.constant(let v, let t), let to, _):
            guard !v.isNull, let c = try? Cast.cast(Column.constant(v, type: t, count: 1), to: to, isTry: false) else { return nil }
            let out = c.value(at: 0)
            return out.isNull ? nil : out
        default: return nil
        }
    }

    /// A constant in the comparable form of a column of `type`.
    static func comparable(_ v: Value, _ type: IcebergType) -> PartitionValue? {
        switch (v, type) {
        case (.bool(let b), .boolean): return .long(b ? 1 : 0)
        case (.int(let x), .int), (.int(let x), .long): return .long(x)
        case (.date(let d), .date): return .long(Int64(d))
        case (.timestamp(let t), .timestamp), (.timestamp(let t), .timestamptz): return .long(t)
        case (.time(let t), .time): return .long(t)
        case (.int(let x), .decimal(_, let s)):
            let (r, o) = Int128(x).multipliedReportingOverflow(by: pow10(s))
            return o ? nil : .decimal(r)
        case (.decimal(let u, let cs), .decimal(_, let s)):
            if cs == s { return .decimal(u) }
            guard cs < s else { return nil }
            let (r, o) = u.multipliedReportingOverflow(by: pow10(s - cs))
            return o ? nil : .decimal(r)
        // Zero is left alone: -0.0 = 0.0 in SQL, but bounds order -0.0 below 0.0.
        case (.double(let d), .double), (.double(let d), .float): return d.isNaN || d == 0 ? nil : .double(d.bitPattern)
        case (.float(let f), .double), (.float(let f), .float): return f.isNaN || f == 0 ? nil : .double(Double(f).bitPattern)
        case (.string(let s), .string): return .bytes(Array(s.utf8))
        case (.blob(let b), .binary), (.blob(let b), .fixed): return .bytes(b)
        case (.uuid(let u), .uuid): return .bytes((0..<16).map { UInt8(truncatingIfNeeded: u >> UInt128(8 * (15 - $0))) })
        default: return nil
        }
    }

    static func pow10(_ n: Int) -> Int128 { (0..<n).reduce(Int128(1)) { r, _ in r * 10 } }
}
