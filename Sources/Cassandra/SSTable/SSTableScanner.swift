/// Reads Data.db front to back: partitions, then each partition's rows and range tombstone
/// markers, one at a time. Nothing holds more than the current row, whatever the width of
/// the partition. Follows `UnfilteredSerializer`, `ClusteringPrefix.Serializer`,
/// `Cell.Serializer`, `Columns.Serializer` and `DeletionTime.Serializer` (3.0 to 5.0).
public final class SSTableScanner {
    public let sstable: SSTable
    public let layout: TableLayout
    let input: ByteInput
    let header: SerializationHeader
    let mapping: ColumnMapping
    let hasUIntDeletionTime: Bool
    let partitioner: Partitioner
    /// Clustering types as the file wrote them (their fixed lengths drive decoding).
    let fileClusteringTypes: [CQLType]
    private var inPartition = false
    private var pendingStatic: Row?
    public private(set) var partitionCount = 0
    public let filter: PartitionFilter
    private let keyToken: Token?
    private var positioned = false
    /// Where in Data.db the first partition header was read (for a filtered scan, the
    /// position the index gave), or nil before the first.
    public private(set) var firstPositionRead: Int64?
    private var exhausted = false

    /// A scanner of the partitions `filter` selects; a filtered scan starts where Summary.db
    /// and Index.db place the first match rather than at the start of Data.db.
    public init(sstable: SSTable, layout: TableLayout, filter: PartitionFilter = .all) throws {
        self.sstable = sstable
        self.layout = layout
        self.filter = filter
        self.header = sstable.header
        self.mapping = try layout.mapping(for: sstable.header, file: sstable.descriptor.path("Statistics.db"))
        self.input = ByteInput(source: try sstable.makeDataSource())
        self.hasUIntDeletionTime = sstable.version.hasUIntDeletionTime
        self.partitioner = try sstable.partitioner
        self.fileClusteringTypes = sstable.header.clusteringTypes
        if case .key(let k) = filter { keyToken = partitioner.token(k) } else { keyToken = nil }
    }

    /// Moves to the next partition, skipping what is left of the current one. Returns nil
    /// after the last, once Digest.crc32 has been checked when the whole file was read.
    public func nextPartition() throws -> PartitionHeader? {
        while inPartition {
            _ = try nextUnfiltered()
        }
        if exhausted { return nil }
        if !positioned {
            positioned = true
            switch try sstable.startPosition(for: filter, partitioner: partitioner) {
            case .none:
                exhausted = true
                return nil
            case .some(let position?):
                try input.seek(to: position)
            case .some(nil):
                break
            }
        }
        while true {
            guard let header = try readPartitionHeader() else { return nil }
            switch filter.classify(token: header.token, key: header.key, keyToken: keyToken) {
            case .inside:
                partitionCount += 1
                return header
            case .before:
                while inPartition { _ = try nextUnfiltered() }
            case .after:
                inPartition = false
                exhausted = true
                return nil
            }
        }
    }

    private func readPartitionHeader() throws -> PartitionHeader? {
        if input.isAtEnd {
            if filter == .all { try verifyDigest() }
            exhausted = true
            return nil
        }
        let start = input.position
        if firstPositionRead == nil { firstPositionRead = start }
        let keyLength = Int(try input.readUInt16())
        guard Int64(keyLength) <= input.length - input.position else {
            throw input.error(.corrupt, at: start, "partition key length \(keyLength) runs past the end of the data")
        }
        let key = try input.readBytes(keyLength)
        let deletion = try readPartitionDeletion()
        inPartition = true
        pendingStatic = nil
        if header.hasStatic {
            let flags = try input.peekUInt8()
            if flags & Flags.extended != 0, try input.peekUInt8(ahead: 1) & Flags.isStatic != 0 {
                _ = try input.readUInt8()
                let ext = try input.readUInt8()
                pendingStatic = try readRowBody(flags: flags, extended: ext, clustering: [], isStatic: true)
            }
        }
        return PartitionHeader(key: key, token: partitioner.token(key), deletion: deletion, position: start)
    }

    /// The static row of the current partition, if the file has one for it.
    public var staticRow: Row? { pendingStatic }

    /// The next row or range tombstone marker of the current partition, or nil at its end.
    public func nextUnfiltered() throws -> Unfiltered? {
        guard inPartition else { return nil }
        let at = input.position
        let flags = try input.readUInt8()
        if flags & Flags.endOfPartition != 0 {
            inPartition = false
            return nil
        }
        let ext: UInt8 = flags & Flags.extended != 0 ? try input.readUInt8() : 0
        if flags & Flags.isMarker != 0 {
            let kindByte = try input.readUInt8()
            guard let kind = BoundKind(rawValue: kindByte), kind != .clustering, kind != .staticClustering else {
                throw input.error(.corrupt, at: at + 1, "impossible range tombstone bound kind \(kindByte)")
            }
            let size = Int(try input.readUInt16())
            guard size <= fileClusteringTypes.count else {
                throw input.error(.corrupt, at: at + 2, "bound of \(size) values, the table has \(fileClusteringTypes.count) clustering columns")
            }
            let clustering = try readClusteringValues(count: size)
            _ = try input.readUnsignedVInt() // marker size
            _ = try input.readUnsignedVInt() // previous unfiltered size
            if kind.isBoundary {
                let close = try readDeletion()
                let open = try readDeletion()
                return .marker(RangeTombstoneMarker(kind: kind, clustering: clustering, closeDeletion: close, openDeletion: open))
            }
            let d = try readDeletion()
            return .marker(RangeTombstoneMarker(kind: kind, clustering: clustering,
                                                closeDeletion: kind.isEnd ? d : nil, openDeletion: kind.isStart ? d : nil))
        }
        if ext & Flags.isStatic != 0 {
            throw input.error(.corrupt, at: at, "a static row after the start of the partition")
        }
        let clustering = try readClusteringValues(count: fileClusteringTypes.count)
        return .row(try readRowBody(flags: flags, extended: ext, clustering: clustering, isStatic: false))
    }

    enum Flags {
        static let endOfPartition: UInt8 = 0x01
        static let isMarker: UInt8 = 0x02
        static let hasTimestamp: UInt8 = 0x04
        static let hasTTL: UInt8 = 0x08
        static let hasDeletion: UInt8 = 0x10
        static let hasAllColumns: UInt8 = 0x20
        static let hasComplexDeletion: UInt8 = 0x40
        static let extended: UInt8 = 0x80
        // extended flags
        static let isStatic: UInt8 = 0x01
        static let hasShadowableDeletion: UInt8 = 0x02
        // cell flags
        static let cellDeleted: UInt8 = 0x01
        static let cellExpiring: UInt8 = 0x02
        static let cellEmptyValue: UInt8 = 0x04
        static let cellRowTimestamp: UInt8 = 0x08
        static let cellRowTTL: UInt8 = 0x10
    }

    // MARK: pieces

    private func readPartitionDeletion() throws -> DeletionTime {
        if hasUIntDeletionTime {
            // 5.0: one 0x80 byte when live, else markedForDeleteAt (8) + unsigned ldt (4).
            let first = try input.peekUInt8()
            if first & 0x80 != 0 {
                _ = try input.readUInt8()
                return .live
            }
            let mfda = try input.readInt64()
            let ldt = Int64(try input.readUInt32())
            return DeletionTime(markedForDeleteAt: mfda, localDeletionTime: ldt)
        }
        let ldt = Int64(try input.readInt32())
        let mfda = try input.readInt64()
        if mfda == .min { return .live }
        return DeletionTime(markedForDeleteAt: mfda, localDeletionTime: ldt)
    }

    @inline(__always) private func readTimestamp() throws -> Int64 {
        header.minTimestamp &+ Int64(bitPattern: try input.readUnsignedVInt())
    }

    @inline(__always) private func readLocalDeletionTime() throws -> Int64 {
        let v = header.minLocalDeletionTime &+ Int64(bitPattern: try input.readUnsignedVInt())
        return hasUIntDeletionTime ? Int64(UInt32(truncatingIfNeeded: v)) : Int64(Int32(truncatingIfNeeded: v))
    }

    @inline(__always) private func readTTL() throws -> Int32 {
        Int32(truncatingIfNeeded: header.minTTL &+ Int64(bitPattern: try input.readUnsignedVInt()))
    }

    private func readDeletion() throws -> DeletionTime {
        let mfda = try readTimestamp()
        let ldt = try readLocalDeletionTime()
        if mfda == .min { return .live }
        return DeletionTime(markedForDeleteAt: mfda, localDeletionTime: ldt)
    }

    private func readValue(fixedLength: Int?) throws -> [UInt8] {
        if let n = fixedLength { return try input.readBytes(n) }
        let at = input.position
        let n = try input.readUnsignedVInt()
        guard n <= UInt64(input.length - input.position) else {
            throw input.error(.corrupt, at: at, "value length \(n) runs past the end of the data")
        }
        return try input.readBytes(Int(n))
    }

    private func readClusteringValues(count: Int) throws -> ClusteringValues {
        var values: ClusteringValues = []
        values.reserveCapacity(count)
        var offset = 0
        while offset < count {
            let bits = try input.readUnsignedVInt()
            let limit = min(count, offset + 32)
            for i in offset..<limit {
                let shift = UInt64((i - offset) * 2)
                if bits & (1 << (shift + 1)) != 0 {
                    values.append(nil)
                } else if bits & (1 << shift) != 0 {
                    values.append([])
                } else {
                    values.append(try readValue(fixedLength: fileClusteringTypes[i].fixedLength))
                }
            }
            offset = limit
        }
        return values
    }

    /// The header columns present in a row: all of them, or the subset its bitmap names.
    private func readPresentColumns(flags: UInt8, total: Int) throws -> [Int] {
        if flags & Flags.hasAllColumns != 0 { return Array(0..<total) }
        let at = input.position
        let encoded = try input.readUnsignedVInt()
        if encoded == 0 { return Array(0..<total) }
        if total < 64 {
            // Bit i set: column i is missing.
            return (0..<total).filter { encoded & (1 << UInt64($0)) == 0 }
        }
        // Large subsets: the count missing, then the indices of whichever side is smaller.
        guard encoded <= UInt64(total) else {
            throw input.error(.corrupt, at: at, "\(encoded) columns missing out of \(total)")
        }
        let present = total - Int(encoded)
        var result: [Int] = []
        if present < total / 2 {
            for _ in 0..<present {
                let i = try input.readLength("column index", max: total - 1)
                result.append(i)
            }
        } else {
            var next = 0
            for _ in 0..<Int(encoded) {
                let missing = try input.readLength("column index", max: total - 1)
                while next < missing { result.append(next); next += 1 }
                next = missing + 1
            }
            while next < total { result.append(next); next += 1 }
        }
        return result
    }

    private func readRowBody(flags: UInt8, extended: UInt8, clustering: ClusteringValues, isStatic: Bool) throws -> Row {
        _ = try input.readUnsignedVInt() // row size
        _ = try input.readUnsignedVInt() // previous unfiltered size
        var liveness = LivenessInfo.empty
        if flags & Flags.hasTimestamp != 0 {
            let ts = try readTimestamp()
            if flags & Flags.hasTTL != 0 {
                let ttl = try readTTL()
                let ldt = try readLocalDeletionTime()
                liveness = LivenessInfo(timestamp: ts, ttl: ttl, localExpirationTime: ldt)
            } else {
                liveness = LivenessInfo(timestamp: ts, ttl: 0, localExpirationTime: Int64(Int32.max))
            }
        }
        var deletion = DeletionTime.live
        if flags & Flags.hasDeletion != 0 {
            deletion = try readDeletion()
            // A shadowable deletion (materialized views) is read as a regular one.
        }
        let columnIds = isStatic ? mapping.staticColumns : mapping.regularColumns
        let types = isStatic ? mapping.staticTypes : mapping.regularTypes
        let present = try readPresentColumns(flags: flags, total: columnIds.count)
        var cells: [Cell] = []
        cells.reserveCapacity(present.count)
        var complexDeletions: [(column: Int, deletion: DeletionTime)] = []
        for i in present {
            let column = columnIds[i]
            let type = types[i]
            if type.isMultiCell {
                var cd = DeletionTime.live
                if flags & Flags.hasComplexDeletion != 0 { cd = try readDeletion() }
                if !cd.isLive && column >= 0 { complexDeletions.append((column, cd)) }
                let count = try input.readLength("cell count", max: Int(Int32.max))
                for _ in 0..<count {
                    let cell = try readCell(column: column, fixedLength: nil, complex: true, liveness: liveness)
                    if column >= 0 { cells.append(cell) }
                }
            } else {
                let cell = try readCell(column: column, fixedLength: type.fixedLength, complex: false, liveness: liveness)
                if column >= 0 { cells.append(cell) }
            }
        }
        // Cells come in the file's column order; the table's order can differ when the
        // header lists other columns, so sort (a no-op for the common case).
        if !isSortedByColumn(cells) { cells.sort { $0.column < $1.column } }
        let regular = isStatic && mapping.staticRowIsRegular
        return Row(isStatic: isStatic && !regular, clustering: regular ? [] : clustering, liveness: liveness,
                   deletion: deletion, cells: cells, complexDeletions: complexDeletions)
    }

    private func isSortedByColumn(_ cells: [Cell]) -> Bool {
        var last = Int.min
        for c in cells {
            if c.column < last { return false }
            last = c.column
        }
        return true
    }

    private func readCell(column: Int, fixedLength: Int?, complex: Bool, liveness: LivenessInfo) throws -> Cell {
        let flags = try input.readUInt8()
        let deleted = flags & Flags.cellDeleted != 0
        var expiring = flags & Flags.cellExpiring != 0
        let useRowTimestamp = flags & Flags.cellRowTimestamp != 0
        let useRowTTL = flags & Flags.cellRowTTL != 0
        let timestamp = useRowTimestamp ? liveness.timestamp : try readTimestamp()
        var ldt = Int64(Int32.max)
        var ttl: Int32 = 0
        if useRowTTL {
            ldt = liveness.localExpirationTime
            ttl = liveness.ttl
            expiring = liveness.isExpiring
        } else {
            if deleted || expiring { ldt = try readLocalDeletionTime() }
            if expiring { ttl = try readTTL() }
        }
        let path: [UInt8]? = complex ? try readValue(fixedLength: nil) : nil
        let value: [UInt8] = flags & Flags.cellEmptyValue != 0 ? [] : try readValue(fixedLength: fixedLength)
        return Cell(column: column, timestamp: timestamp, ttl: ttl, localDeletionTime: ldt, isTombstone: deleted,
                    isExpiring: expiring && !deleted, path: path, value: value)
    }

    private func verifyDigest() throws {
        guard let expected = sstable.digest else { return }
        var digest: SequentialDigest
        if let s = input.source as? CompressedBlockSource {
            digest = s.digest
        } else if let s = input.source as? UncompressedBlockSource {
            digest = s.digest
        } else {
            return
        }
        // Only a front-to-back read can vouch for the whole file; bytes the data did not
        // need (an empty final chunk) are read now.
        guard !digest.broken else { return }
        if digest.next < sstable.dataFile.size {
            digest.feed(try sstable.dataFile.read(at: digest.next, count: Int(sstable.dataFile.size - digest.next)), at: digest.next)
        }
        guard digest.crc.value == expected else {
            throw SSTableError(.digestMismatch, file: sstable.descriptor.path("Digest.crc32"),
                               "Data.db has CRC32 \(digest.crc.value) but Digest.crc32 says \(expected)")
        }
    }
}
