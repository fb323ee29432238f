import Codecs
import Columnar

public enum ParquetCompression: String, Sendable, CaseIterable {
    case none, snappy, gzip, zstd, lz4Raw = "lz4_raw"

    var codec: (Codec?, Int32) {
        switch self {
        case .none: return (nil, 0)
        case .snappy: return (.snappy, 1)
        case .gzip: return (.gzip, 2)
        case .zstd: return (.zstd(level: 3), 6)
        case .lz4Raw: return (.lz4Block, 7)
        }
    }
}

public struct ParquetWriteOptions: Sendable {
    public var compression: ParquetCompression = .zstd
    /// The zstd level (Iceberg's `write.parquet.compression-level`); 3 when unset.
    public var compressionLevel: Int32?
    /// A row group is closed once its encoded pages reach this many bytes.
    public var rowGroupBytes: Int = 128 << 20
    /// A data page is closed (at a record boundary) once it holds about this many bytes.
    public var pageBytes: Int = 1 << 20
    /// Dictionary encoding gives way to PLAIN once the dictionary passes this size.
    public var dictionaryPageBytes: Int = 1 << 20
    public var dictionary = true
    /// PLAIN pages of INT32/INT64 columns are written DELTA_BINARY_PACKED when that is at
    /// least 10 % smaller (sorted or clustered keys and timestamps).
    public var delta = true
    public var createdBy = "movesql"

    public init() {}
}

/// Where a Parquet file's bytes go, in order.
public protocol ParquetSink: AnyObject {
    func write(_ bytes: [UInt8]) throws
}

public final class MemorySink: ParquetSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ b: [UInt8]) throws { bytes.append(contentsOf: b) }
}

/// Streams column batches into one Parquet file: rows are shredded into each leaf column's
/// levels and values (Dremel), pages are cut by size at record boundaries, row groups by the
/// bytes their pages take, and the footer written on `close`. Memory holds one row group.
public final class ParquetFileWriter {
    public let schema: [ParquetNode]
    public let leaves: [LeafColumn]
    public let options: ParquetWriteOptions
    private let sink: ParquetSink
    private let columns: [ColumnChunkWriter]
    private var written: Int64 = 0
    private var rowGroups: [(inout ThriftWriter) -> Void] = []
    /// Where each row group starts (its first column chunk), for Iceberg's split_offsets.
    public private(set) var rowGroupOffsets: [Int64] = []
    private var groupRows: Int64 = 0
    private var totalRows: Int64 = 0
    private var closed = false
    /// The first leaf of each top-level node, and how many it has.
    private let leafRanges: [Range<Int>]

    public init(schema: [ParquetNode], sink: ParquetSink, options: ParquetWriteOptions = ParquetWriteOptions()) throws {
        self.schema = schema
        self.sink = sink
        self.options = options
        leaves = LeafColumn.leaves(of: schema)
        columns = leaves.map { ColumnChunkWriter(leaf: $0, options: options) }
        var ranges: [Range<Int>] = []
        var next = 0
        for n in schema {
            let c = LeafColumn.leaves(of: [n]).count
            ranges.append(next..<(next + c))
            next += c
        }
        leafRanges = ranges
        try emit(Array("PAR1".utf8))
    }

    private func emit(_ b: [UInt8]) throws {
        try sink.write(b)
        written += Int64(b.count)
    }

    /// Rows so far.
    public var rowCount: Int64 { totalRows + groupRows }
    /// Bytes written so far plus those buffered in the open row group.
    /// Bytes held in memory for the open row group.
    public var bufferedBytes: Int { columns.reduce(0) { $0 + $1.bufferedBytes } }

    public var estimatedSize: Int64 { written + Int64(columns.reduce(0) { $0 + $1.bufferedBytes }) }

    /// Appends the rows of `batch`, whose columns follow the schema's top-level nodes.
    public func write(_ batch: Batch) throws {
        precondition(!closed, "write after close")
        guard batch.columns.count == schema.count else {
            throw ParquetError("a batch of \(batch.columns.count) columns for a schema of \(schema.count)")
        }
        for (k, node) in schema.enumerated() {
            let column = batch.columns[k]
            let range = leafRanges[k]
            if node.isPrimitive {
                try writeFlat(column, node: node, writer: columns[range.lowerBound], rows: batch.count)
            } else {
                for i in 0..<batch.count {
                    for l in range { try columns[l].beginRecord() }
                    try shred(column.value(at: i), node: node, def: 0, rep: 0, repLevel: 0, leaves: range)
                }
            }
        }
        groupRows += Int64(batch.count)
        if columns.reduce(0, { $0 + $1.bufferedBytes }) >= options.rowGroupBytes { try flushRowGroup() }
    }

    /// A top-level primitive column straight from its buffers.
    private func writeFlat(_ column: Column, node: ParquetNode, writer w: ColumnChunkWriter, rows: Int) throws {
        let def = node.required ? 0 : 1
        func nullCheck(_ i: Int) throws -> Bool {
            guard column.isNull(i) else { return false }
            if node.required { throw ParquetError("column \(node.name) is required but row \(totalRows + groupRows + Int64(i)) is null") }
            return true
        }
        // One loop per layout, so that the switch and the array binding happen once per batch.
        @inline(__always) func each(_ body: (Int) throws -> Void) throws {
            for i in 0..<rows {
                try w.beginRecord()
                if try nullCheck(i) { w.appendNull(def: 0, rep: 0); continue }
                try body(i)
            }
        }
        switch column.data {
        case .bool(let a): try each { w.append(bool: a[$0], def: def, rep: 0) }
        case .int8(let a): try each { w.append(int64: Int64(a[$0]), def: def, rep: 0) }
        case .int16(let a): try each { w.append(int64: Int64(a[$0]), def: def, rep: 0) }
        case .int32(let a): try each { w.append(int64: Int64(a[$0]), def: def, rep: 0) }
        case .int64(let a): try each { try appendInt64(a[$0], node: node, writer: w, def: def, rep: 0) }
        case .float32(let a): try each { w.append(double: Double(a[$0]), def: def, rep: 0) }
        case .float64(let a): try each { w.append(double: a[$0], def: def, rep: 0) }
        case .bytes(let offsets, let bytes):
            try bytes.withUnsafeBytes { raw in
                try each { i in w.append(bytes: UnsafeRawBufferPointer(rebasing: raw[Int(offsets[i])..<Int(offsets[i + 1])]), def: def, rep: 0) }
            }
        case .int128(let a) where w.leaf.physical == .fixedLenByteArray:
            try each { fixedDecimal(a[$0], node: node, writer: w, def: def, rep: 0) }
        case .uint128(let a):
            try each { i in
                var be = a[i].bigEndian
                withUnsafeBytes(of: &be) { w.append(bytes: $0, def: def, rep: 0) }
            }
        case .constant(let v):
            try each { _ in try appendValue(v, node: node, writer: w, def: def, rep: 0) }
        default:
            try each { try appendValue(column.value(at: $0), node: node, writer: w, def: def, rep: 0) }
        }
    }

    private func appendInt64(_ v: Int64, node: ParquetNode, writer w: ColumnChunkWriter, def: Int, rep: Int) throws {
        if case .decimal(let p, _) = node.kind, p > 18 {
            try appendValue(.decimal(Int128(v), scale: 0), node: node, writer: w, def: def, rep: rep)
        } else {
            w.append(int64: v, def: def, rep: rep)
        }
    }

    /// The slow path: one value of a primitive node.
    private func appendValue(_ v: Value, node: ParquetNode, writer w: ColumnChunkWriter, def: Int, rep: Int) throws {
        switch (v, node.kind) {
        case (.bool(let b), _): w.append(bool: b, def: def, rep: rep)
        case (.int(let x), .decimal(let p, _)) where p > 18:
            fixedDecimal(Int128(x), node: node, writer: w, def: def, rep: rep)
        case (.int(let x), _): w.append(int64: x, def: def, rep: rep)
        case (.date(let d), _): w.append(int64: Int64(d), def: def, rep: rep)
        case (.time(let x), _), (.timestamp(let x), _): w.append(int64: x, def: def, rep: rep)
        case (.float(let f), _): w.append(double: Double(f), def: def, rep: rep)
        case (.double(let d), _): w.append(double: d, def: def, rep: rep)
        case (.hugeint(let u), .decimal(let p, _)), (.decimal(let u, _), .decimal(let p, _)):
            if p <= 18 { w.append(int64: Int64(truncatingIfNeeded: u), def: def, rep: rep) } else { fixedDecimal(u, node: node, writer: w, def: def, rep: rep) }
        case (.string(let s), _):
            var s = s
            s.withUTF8 { w.append(bytes: UnsafeRawBufferPointer($0), def: def, rep: rep) }
        case (.blob(let b), _): b.withUnsafeBytes { w.append(bytes: $0, def: def, rep: rep) }
        case (.uuid(let u), _):
            var be = u.bigEndian
            withUnsafeBytes(of: &be) { w.append(bytes: $0, def: def, rep: rep) }
        default:
            throw ParquetError("column \(node.name): a \(v) value cannot be written as \(node.kind)")
        }
    }

    /// A decimal as FIXED: the last `typeLength` bytes of its 16-byte big-endian two's complement.
    private func fixedDecimal(_ u: Int128, node: ParquetNode, writer w: ColumnChunkWriter, def: Int, rep: Int) {
        let n = w.leaf.typeLength ?? 16
        var be = u.bigEndian
        withUnsafeBytes(of: &be) { w.append(bytes: UnsafeRawBufferPointer(rebasing: $0[(16 - n)...]), def: def, rep: rep) }
    }

    /// Dremel shredding of one value of a nested node into its leaves (`leaves`): `def` is the
    /// definition level reached by its parent, `rep` the repetition level of its first leaf
    /// value, `repLevel` the repetition depth of its parent.
    private func shred(_ v: Value, node: ParquetNode, def: Int, rep: Int, repLevel: Int, leaves: Range<Int>) throws {
        if v.isNull {
            if node.required { throw ParquetError("field \(node.name) is required but row \(totalRows + groupRows) holds a null") }
            for l in leaves { columns[l].appendNull(def: def, rep: rep) }
            return
        }
        let d = def + (node.required ? 0 : 1)
        switch node.kind {
        case .list(let element):
            guard case .list(let items) = v else { throw ParquetError("field \(node.name): a list expected, \(v) found") }
            if items.isEmpty {
                for l in leaves { columns[l].appendNull(def: d, rep: rep) }
                return
            }
            for (k, item) in items.enumerated() {
                try shred(item, node: element, def: d + 1, rep: k == 0 ? rep : repLevel + 1, repLevel: repLevel + 1, leaves: leaves)
            }
        case .map(let key, let value):
            guard case .map(let keys, let values) = v else { throw ParquetError("field \(node.name): a map expected, \(v) found") }
            if keys.isEmpty {
                for l in leaves { columns[l].appendNull(def: d, rep: rep) }
                return
            }
            let keyLeaves = leaves.lowerBound..<(leaves.lowerBound + LeafColumn.leaves(of: [key]).count)
            let valueLeaves = keyLeaves.upperBound..<leaves.upperBound
            for k in keys.indices {
                let r = k == 0 ? rep : repLevel + 1
                try shred(keys[k], node: key, def: d + 1, rep: r, repLevel: repLevel + 1, leaves: keyLeaves)
                try shred(values[k], node: value, def: d + 1, rep: r, repLevel: repLevel + 1, leaves: valueLeaves)
            }
        case .structure(let children):
            guard case .structure(let fields) = v, fields.count == children.count else {
                throw ParquetError("field \(node.name): a struct of \(children.count) fields expected, \(v) found")
            }
            var next = leaves.lowerBound
            for (c, child) in children.enumerated() {
                let n = LeafColumn.leaves(of: [child]).count
                try shred(fields[c], node: child, def: d, rep: rep, repLevel: repLevel, leaves: next..<(next + n))
                next += n
            }
        default:
            try appendValue(v, node: node, writer: columns[leaves.lowerBound], def: d, rep: rep)
        }
    }

    private func flushRowGroup() throws {
        guard groupRows > 0 else { return }
        let start = written
        rowGroupOffsets.append(start)
        var chunks: [(inout ThriftWriter) -> Void] = []
        var totalCompressed: Int64 = 0
        var totalUncompressed: Int64 = 0
        for c in columns {
            let offset = written
            let (bytes, meta) = try c.finishChunk()
            try emit(bytes)
            totalCompressed += Int64(bytes.count)
            totalUncompressed += Int64(bytes.count)
            let m = meta(offset)
            chunks.append { w in
                w.i64(2, offset)
                w.structure(3, m)
            }
        }
        let rows = groupRows, ordinal = Int16(rowGroups.count)
        let compressed = totalCompressed
        rowGroups.append { w in
            w.listOfStructs(1, chunks) { cw, chunk in chunk(&cw) }
            w.i64(2, compressed)
            w.i64(3, rows)
            w.i64(5, start)
            w.i64(6, compressed)
            w.i16(7, ordinal)
        }
        totalRows += groupRows
        groupRows = 0
    }

    /// Flushes the last row group and writes the footer; returns the file's size, rows and
    /// per-leaf metrics.
    @discardableResult
    public func close(keyValueMetadata: [(String, String)] = []) throws -> (size: Int64, rows: Int64, metrics: [LeafMetrics]) {
        precondition(!closed, "closed twice")
        try flushRowGroup()
        closed = true
        var elements: [(inout ThriftWriter) -> Void] = []
        let topCount = Int32(schema.count)
        elements.append { w in
            w.string(4, "schema")
            w.i32(5, topCount)
        }
        for n in schema { n.writeSchemaElements(into: &elements) }
        var footer = ThriftWriter()
        let rows = totalRows, groups = rowGroups, createdBy = options.createdBy, leafCount = leaves.count
        footer.structBody { w in
            w.i32(1, 1)
            w.listOfStructs(2, elements) { ew, e in e(&ew) }
            w.i64(3, rows)
            w.listOfStructs(4, groups) { gw, g in g(&gw) }
            if !keyValueMetadata.isEmpty {
                w.listOfStructs(5, keyValueMetadata) { kw, kv in kw.string(1, kv.0); kw.string(2, kv.1) }
            }
            w.string(6, createdBy)
            // Every column ordered by its type's order (min_value/max_value are valid).
            w.listOfStructs(7, Array(repeating: 0, count: leafCount)) { ow, _ in ow.structure(1) { _ in } }
        }
        try emit(footer.bytes)
        var tail: [UInt8] = []
        tail.appendLE(UInt32(footer.bytes.count))
        tail.append(contentsOf: Array("PAR1".utf8))
        try emit(tail)
        return (written, totalRows, columns.map(\.file))
    }
}

extension Value {
    var isString: Bool { if case .string = self { return true } else { return false } }
    var isBlob: Bool { if case .blob = self { return true } else { return false } }
}
