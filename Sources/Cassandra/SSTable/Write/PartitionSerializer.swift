/// Serializes partitions into Data.db bytes (uncompressed), exactly as Cassandra's
/// `ColumnIndex.buildRowIndex` / `UnfilteredSerializer` / `Cell.Serializer` /
/// `ClusteringPrefix.Serializer` / `DeletionTime.Serializer` do for the formats `ma` to `oa`:
/// the same flags, the same deltas against the header's encoding stats, the same row sizes
/// and previous-row sizes, so that the bytes are Cassandra's for the same content.
///
/// It is the inverse of `SSTableScanner`: rows carry cells by table cell column
/// (`TableLayout.cellColumns`), written in the header's column order.
public struct PartitionSerializer {
    public let header: SerializationHeader
    public let version: FormatVersion
    let layout: TableLayout
    /// Header position of each table cell column, for statics and regulars (nil: the header
    /// does not have it; writing a cell for it is an error).
    let staticPosition: [Int: Int]
    let regularPosition: [Int: Int]
    let staticTypes: [CQLType]
    let regularTypes: [CQLType]
    let staticRowIsRegular: Bool
    /// Buffers reused from row to row (a writer serialises one row at a time).
    let scratch = SerializerScratch()

    public init(header: SerializationHeader, layout: TableLayout, version: FormatVersion) throws {
        self.header = header
        self.version = version
        self.layout = layout
        let mapping = try layout.mapping(for: header, file: "the serialization header")
        var s: [Int: Int] = [:], r: [Int: Int] = [:]
        for (i, c) in mapping.staticColumns.enumerated() where c >= 0 { s[c] = i }
        for (i, c) in mapping.regularColumns.enumerated() where c >= 0 { r[c] = i }
        staticPosition = s
        regularPosition = r
        staticTypes = mapping.staticTypes
        regularTypes = mapping.regularTypes
        staticRowIsRegular = mapping.staticRowIsRegular
    }

    typealias Flags = SSTableScanner.Flags

    // MARK: partitions

    /// The partition header: key, partition deletion, and the static row when the table has
    /// static columns (Cassandra writes one, empty or not).
    public func writePartitionHeader(key: [UInt8], deletion: DeletionTime, staticRow: Row?, into out: inout ByteOutput) throws {
        guard key.count <= 0xFFFF else { throw SSTableError(.corrupt, file: "Data.db", "a partition key of \(key.count) bytes (at most 65535)") }
        out.write(UInt16(key.count))
        out.writeBytes(key)
        writePartitionDeletion(deletion, into: &out)
        if header.hasStatic {
            let row = staticRow ?? Row(isStatic: true, clustering: [], liveness: .empty, deletion: .live, cells: [],
                                       complexDeletions: [], storage: [])
            try writeRow(row, asStatic: true, previousSize: 0, into: &out)
        }
    }

    public func writeEndOfPartition(into out: inout ByteOutput) {
        out.writeUInt8(Flags.endOfPartition)
    }

    func writePartitionDeletion(_ d: DeletionTime, into out: inout ByteOutput) {
        if version.hasUIntDeletionTime {
            // 5.0: a live deletion is one 0x80 byte.
            if d.isLive { out.writeUInt8(0x80); return }
            out.writeInt64(d.markedForDeleteAt)
            out.write(UInt32(truncatingIfNeeded: d.localDeletionTime))
            return
        }
        let ldt = d.isLive ? Int64(Int32.max) : d.localDeletionTime
        out.writeInt32(Int32(truncatingIfNeeded: ldt))
        out.writeInt64(d.isLive ? .min : d.markedForDeleteAt)
    }

    /// One row or marker; `previousSize` is the distance from the start of the previous
    /// unfiltered of the partition (from the partition's start for the first).
    public func write(_ u: Unfiltered, previousSize: Int64, into out: inout ByteOutput) throws {
        switch u {
        case .row(let r): try writeRow(r, asStatic: r.isStatic || staticRowIsRegular, previousSize: previousSize, into: &out)
        case .marker(let m): writeMarker(m, previousSize: previousSize, into: &out)
        }
    }

    // MARK: rows

    func writeRow(_ row: Row, asStatic: Bool, previousSize: Int64, into out: inout ByteOutput) throws {
        let positions = asStatic ? staticPosition : regularPosition
        let types = asStatic ? staticTypes : regularTypes
        let total = types.count
        // The header columns the row has, in header order, with their cells.
        var present: [(position: Int, cells: ArraySlice<Cell>, deletion: DeletionTime)] = []
        var i = 0
        let cells = row.cells
        // Cells come sorted by column, and complex deletions are few: no sets or maps per row.
        func complexDeletion(_ column: Int) -> DeletionTime {
            row.complexDeletions.first { $0.column == column }?.deletion ?? .live
        }
        while i < cells.count {
            var j = i
            while j < cells.count && cells[j].column == cells[i].column { j += 1 }
            guard let p = positions[cells[i].column] else {
                throw SSTableError(.schema, file: "Data.db", "a cell for column \(layout.cellColumns[cells[i].column].name), which the header lacks")
            }
            present.append((p, cells[i..<j], complexDeletion(cells[i].column)))
            i = j
        }
        for (c, d) in row.complexDeletions where !cells.contains(where: { $0.column == c }) {
            guard let p = positions[c] else {
                throw SSTableError(.schema, file: "Data.db", "a deletion of column \(layout.cellColumns[c].name), which the header lacks")
            }
            present.append((p, [], d))
        }
        present.sort { $0.position < $1.position }

        var flags: UInt8 = 0
        let hasComplexDeletion = row.complexDeletions.contains { !$0.deletion.isLive }
        if !row.liveness.isEmpty { flags |= Flags.hasTimestamp }
        if row.liveness.isExpiring && !row.liveness.isEmpty { flags |= Flags.hasTTL }
        if !row.deletion.isLive { flags |= Flags.hasDeletion }
        if hasComplexDeletion { flags |= Flags.hasComplexDeletion }
        if present.count == total { flags |= Flags.hasAllColumns }
        if asStatic { flags |= Flags.extended }
        out.writeUInt8(flags)
        if asStatic { out.writeUInt8(Flags.isStatic) }
        if !asStatic { writeClustering(row.clustering, into: &out) }

        // The body is serialised first to learn its size; its buffer is reused from row to row.
        var body = scratch.take()
        defer { scratch.give(body) }
        if flags & Flags.hasTimestamp != 0 { writeTimestamp(row.liveness.timestamp, into: &body) }
        if flags & Flags.hasTTL != 0 {
            writeTTL(row.liveness.ttl, into: &body)
            writeLocalDeletionTime(row.liveness.localExpirationTime, into: &body)
        }
        if flags & Flags.hasDeletion != 0 { writeDeletion(row.deletion, into: &body) }
        if flags & Flags.hasAllColumns == 0 {
            var positions = scratch.positions
            scratch.positions = []
            positions.removeAll(keepingCapacity: true)
            for p in present { positions.append(p.position) }
            writeSubset(positions, total: total, into: &body)
            scratch.positions = positions
        }
        for (p, columnCells, deletion) in present {
            let type = types[p]
            if type.isMultiCell {
                if hasComplexDeletion { writeDeletion(deletion, into: &body) }
                body.writeUnsignedVInt(UInt64(columnCells.count))
                for c in columnCells { writeCell(c, of: row, type: type, complex: true, liveness: row.liveness, into: &body) }
            } else {
                guard columnCells.count == 1, let c = columnCells.first else {
                    throw SSTableError(.corrupt, file: "Data.db", "\(columnCells.count) cells for the simple column \(layout.cellColumns[columnCells.first!.column].name)")
                }
                writeCell(c, of: row, type: type, complex: false, liveness: row.liveness, into: &body)
            }
        }
        let previous = UInt64(previousSize)
        out.writeUnsignedVInt(UInt64(body.bytes.count + ByteOutput.unsignedVIntSize(previous)))
        out.writeUnsignedVInt(previous)
        out.writeBytes(body.bytes)
    }

    func writeCell(_ c: Cell, of row: Row, type: CQLType, complex: Bool, liveness: LivenessInfo, into out: inout ByteOutput) {
        let value = row.value(c)
        let isExpiring = c.isExpiring && !c.isTombstone
        let useRowTimestamp = !liveness.isEmpty && c.timestamp == liveness.timestamp
        let useRowTTL = isExpiring && liveness.isExpiring && c.ttl == liveness.ttl && c.localDeletionTime == liveness.localExpirationTime
        var flags: UInt8 = 0
        if value.isEmpty { flags |= Flags.cellEmptyValue }
        if c.isTombstone { flags |= Flags.cellDeleted } else if isExpiring { flags |= Flags.cellExpiring }
        if useRowTimestamp { flags |= Flags.cellRowTimestamp }
        if useRowTTL { flags |= Flags.cellRowTTL }
        out.writeUInt8(flags)
        if !useRowTimestamp { writeTimestamp(c.timestamp, into: &out) }
        if (c.isTombstone || isExpiring) && !useRowTTL { writeLocalDeletionTime(c.localDeletionTime, into: &out) }
        if isExpiring && !useRowTTL { writeTTL(c.ttl, into: &out) }
        if complex {
            let path = row.path(c) ?? []
            out.writeUnsignedVInt(UInt64(path.count))
            out.writeBytes(path)
        }
        if !value.isEmpty {
            // `header.getType(column).writeValue`: a complex column's type is a collection or
            // UDT, never fixed-width, so its cells' values are length-prefixed; a simple
            // column's fixed-width values are written bare.
            if complex || type.fixedLength == nil { out.writeUnsignedVInt(UInt64(value.count)) }
            out.writeBytes(value)
        }
    }

    /// `Columns.Serializer.serializeSubset`: under 64 columns a bitmap of the missing ones;
    /// else the count missing, then the indices of whichever side is smaller.
    func writeSubset(_ present: [Int], total: Int, into out: inout ByteOutput) {
        // `present` is sorted: the missing columns are the gaps between its entries.
        if total < 64 {
            var have: UInt64 = 0
            for p in present { have |= 1 << UInt64(p) }
            let all: UInt64 = total == 64 ? .max : (1 << UInt64(total)) - 1
            out.writeUnsignedVInt(all & ~have)
            return
        }
        let missingCount = total - present.count
        out.writeUnsignedVInt(UInt64(missingCount))
        if present.count < total / 2 {
            for p in present { out.writeUnsignedVInt(UInt64(p)) }
        } else {
            var next = 0
            for p in present {
                while next < p { out.writeUnsignedVInt(UInt64(next)); next += 1 }
                next = p + 1
            }
            while next < total { out.writeUnsignedVInt(UInt64(next)); next += 1 }
        }
    }

    // MARK: markers

    func writeMarker(_ m: RangeTombstoneMarker, previousSize: Int64, into out: inout ByteOutput) {
        out.writeUInt8(Flags.isMarker)
        out.writeUInt8(m.kind.rawValue)
        out.write(UInt16(m.clustering.count))
        writeClustering(m.clustering, into: &out)
        var body = ByteOutput()
        if m.kind.isBoundary {
            writeDeletion(m.closeDeletion ?? .live, into: &body)
            writeDeletion(m.openDeletion ?? .live, into: &body)
        } else {
            writeDeletion((m.kind.isEnd ? m.closeDeletion : m.openDeletion) ?? .live, into: &body)
        }
        let previous = UInt64(previousSize)
        out.writeUnsignedVInt(UInt64(body.bytes.count + ByteOutput.unsignedVIntSize(previous)))
        out.writeUnsignedVInt(previous)
        out.writeBytes(body.bytes)
    }

    // MARK: pieces

    /// Blocks of up to 32 values, each led by a vint with two bits per value (empty, null).
    func writeClustering(_ values: ClusteringValues, into out: inout ByteOutput) {
        Self.writeClustering(values, types: header.clusteringTypes, into: &out)
    }

    /// `ClusteringPrefix.Serializer.serializeValuesWithoutSize`: per 32 values a vint of
    /// empty/null bits, then the values (with a length unless the type is fixed-width).
    static func writeClustering(_ values: ClusteringValues, types: [CQLType], into out: inout ByteOutput) {
        var offset = 0
        while offset < values.count {
            let limit = min(values.count, offset + 32)
            var bits: UInt64 = 0
            for i in offset..<limit {
                let shift = UInt64((i - offset) * 2)
                if let v = values[i] { if v.isEmpty { bits |= 1 << shift } } else { bits |= 1 << (shift + 1) }
            }
            out.writeUnsignedVInt(bits)
            for i in offset..<limit {
                guard let v = values[i], !v.isEmpty else { continue }
                if i >= types.count || types[i].fixedLength == nil { out.writeUnsignedVInt(UInt64(v.count)) }
                out.writeBytes(v)
            }
            offset = limit
        }
    }

    func writeTimestamp(_ t: Int64, into out: inout ByteOutput) {
        out.writeUnsignedVInt(UInt64(bitPattern: t &- header.minTimestamp))
    }

    /// Up to nb a 32-bit subtraction, sign-extended (Java's int arithmetic); oa's deletion
    /// times are unsigned.
    func writeLocalDeletionTime(_ t: Int64, into out: inout ByteOutput) {
        if version.hasUIntDeletionTime {
            out.writeUnsignedVInt(UInt64(bitPattern: t &- header.minLocalDeletionTime))
        } else {
            let d = Int32(truncatingIfNeeded: t) &- Int32(truncatingIfNeeded: header.minLocalDeletionTime)
            out.writeUnsignedVInt(UInt64(bitPattern: Int64(d)))
        }
    }

    func writeTTL(_ ttl: Int32, into out: inout ByteOutput) {
        let d = ttl &- Int32(truncatingIfNeeded: header.minTTL)
        out.writeUnsignedVInt(UInt64(bitPattern: Int64(d)))
    }

    func writeDeletion(_ d: DeletionTime, into out: inout ByteOutput) {
        writeTimestamp(d.isLive ? .min : d.markedForDeleteAt, into: &out)
        writeLocalDeletionTime(d.isLive ? Int64(Int32.max) : d.localDeletionTime, into: &out)
    }
}

extension ByteOutput {
    /// Bytes of `writeUnsignedVInt(v)`.
    public static func unsignedVIntSize(_ v: UInt64) -> Int {
        if v < 0x80 { return 1 }
        for n in 2...8 where v < (1 << UInt64(7 * n)) { return n }
        return 9
    }
}

/// The row serialiser's reusable buffers: taken for a row and given back after it, so that
/// a row costs no buffer allocation once the first rows have sized them.
final class SerializerScratch {
    private var spare = ByteOutput()
    var positions: [Int] = []

    func take() -> ByteOutput {
        var b = spare
        spare = ByteOutput()
        b.removeAll()
        return b
    }

    func give(_ b: ByteOutput) { spare = b }
}
