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
    let staticFixedLengths: [Int?]
    let regularFixedLengths: [Int?]
    let staticIsComplex: [Bool]
    let regularIsComplex: [Bool]
    let clusteringFixedLengths: [Int?]
    // One scanner belongs to one scan (not thread-safe), so its hot state skips dynamic
    // exclusivity checks.
    @exclusivity(unchecked) private var inPartition = false
    @exclusivity(unchecked) private var pendingStatic: Row?
    public private(set) var partitionCount = 0
    public let filter: PartitionFilter
    private let keyToken: Token?
    private var positioned = false
    /// Where in Data.db the first partition header was read (for a filtered scan, the
    /// position the index gave), or nil before the first.
    public private(set) var firstPositionRead: Int64?
    private var exhausted = false
    /// The clustering range the reader needs; rows past its end are never returned.
    public let slice: ClusteringSlice?
    /// How many partitions were entered through their promoted index rather than at their start.
    public private(set) var rowIndexSeeks = 0
    // The slice's state in the current partition: the deletion open before its start (from
    // markers skipped, or the promoted index where the scan entered), whether the start was
    // reached, what to return after the opening marker, the deletion open at the last thing
    // returned, and whether the end was passed.
    private var openBeforeStart: DeletionTime?
    private var reachedSliceStart = false
    private var pendingUnfiltered: Unfiltered?
    private var openInSlice: DeletionTime?
    private var pastSliceEnd = false
    // Index.db read alongside Data.db for the promoted indexes a slice's start needs.
    private var rowIndexCursor: PartitionIndexReader?
    private var rowIndexCursorAt: Int64 = -1
    private var rowIndexLookahead: PartitionIndexReader.Entry?
    private var located: (position: Int64, info: (rowIndex: RowIndex?, end: Int64)?)?
    private var currentHeader: PartitionHeader?

    /// A scanner of the partitions `filter` selects; a filtered scan starts where Summary.db
    /// and Index.db place the first match rather than at the start of Data.db. With a `slice`,
    /// each partition is entered at the promoted-index block holding the slice's start and
    /// left at its end, and returns only what lies in the slice.
    public init(sstable: SSTable, layout: TableLayout, filter: PartitionFilter = .all, slice: ClusteringSlice? = nil) throws {
        self.sstable = sstable
        self.layout = layout
        self.filter = filter
        self.slice = slice
        self.header = sstable.header
        self.mapping = try layout.mapping(for: sstable.header, file: sstable.descriptor.path("Statistics.db"))
        self.input = ByteInput(source: try sstable.makeDataSource())
        self.hasUIntDeletionTime = sstable.version.hasUIntDeletionTime
        self.partitioner = try sstable.partitioner
        self.fileClusteringTypes = sstable.header.clusteringTypes
        self.staticFixedLengths = mapping.staticTypes.map(\.fixedLength)
        self.regularFixedLengths = mapping.regularTypes.map(\.fixedLength)
        self.staticIsComplex = mapping.staticTypes.map(\.isMultiCell)
        self.regularIsComplex = mapping.regularTypes.map(\.isMultiCell)
        self.clusteringFixedLengths = sstable.header.clusteringTypes.map(\.fixedLength)
        if case .key(let k) = filter { keyToken = partitioner.token(k) } else { keyToken = nil }
    }

    /// Moves to the next partition, skipping what is left of the current one. Returns nil
    /// after the last, once Digest.crc32 has been checked when the whole file was read.
    public func nextPartition() throws -> PartitionHeader? {
        if inPartition { try skipRestOfPartition() }
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
                if slice != nil { try enterSlice(header) }
                return header
            case .before:
                try skipRestOfPartition()
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
            if flags & Flags.extended != 0, try input.peekUInt8(ahead: 1) & Flags.isStatic != 0,
               case .row(let r) = try readUnfiltered() {
                pendingStatic = r
            }
        }
        return PartitionHeader(key: key, token: partitioner.token(key), deletion: deletion, position: start)
    }

    /// The static row of the current partition, if the file has one for it.
    public var staticRow: Row? { pendingStatic }

    /// The next row or range tombstone marker of the current partition, or nil at its end.
    /// With a slice, only what lies in it: a deletion open where the slice starts is opened at
    /// its start, and one open where it ends is closed at its end.
    public func nextUnfiltered() throws -> Unfiltered? {
        guard let slice else { return try nextStoredUnfiltered() }
        if let u = pendingUnfiltered {
            pendingUnfiltered = nil
            return clipToEnd(u, slice)
        }
        if pastSliceEnd { return nil }
        while let u = try nextStoredUnfiltered() {
            if !reachedSliceStart {
                let (values, kind) = Self.position(of: u)
                if slice.isBeforeStart(values, kind, layout.comparator) {
                    if case .marker(let m) = u { openBeforeStart = m.openDeletion }
                    continue
                }
                reachedSliceStart = true
                if let d = openBeforeStart, let start = slice.start {
                    openBeforeStart = nil
                    pendingUnfiltered = u
                    openInSlice = d
                    return .marker(RangeTombstoneMarker(kind: start.kind, clustering: start.values, closeDeletion: nil, openDeletion: d))
                }
            }
            return clipToEnd(u, slice)
        }
        return nil
    }

    @inline(__always) static func position(of u: Unfiltered) -> (ClusteringValues, BoundKind) {
        switch u {
        case .row(let r): return (r.clustering, .clustering)
        case .marker(let m): return (m.clustering, m.kind)
        }
    }

    /// `u`, or — once past the slice's end — the close of the deletion open there (at the end
    /// bound), then nothing more of the partition.
    private func clipToEnd(_ u: Unfiltered, _ slice: ClusteringSlice) -> Unfiltered? {
        let (values, kind) = Self.position(of: u)
        if slice.isPastEnd(values, kind, layout.comparator) {
            pastSliceEnd = true
            guard let d = openInSlice, let end = slice.end else { return nil }
            openInSlice = nil
            return .marker(RangeTombstoneMarker(kind: end.kind, clustering: end.values, closeDeletion: d, openDeletion: nil))
        }
        if case .marker(let m) = u { openInSlice = m.openDeletion }
        return u
    }

    /// Enters a partition whose header was just read at the promoted-index block that holds
    /// the slice's start, opening there the range deletion the previous block left open.
    private func enterSlice(_ header: PartitionHeader) throws {
        openBeforeStart = nil
        reachedSliceStart = slice?.start == nil
        pendingUnfiltered = nil
        openInSlice = nil
        pastSliceEnd = false
        currentHeader = header
        guard let start = slice?.start, let rowIndex = try indexInfo(of: header)?.rowIndex, rowIndex.count > 1 else { return }
        let comparator = layout.comparator
        // The first block whose last position is not before the start (or the last block),
        // parsing only the blocks the search visits.
        var lo = 0, hi = rowIndex.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            let last = try rowIndexBlock(rowIndex, mid).last
            if comparator.compare(last.values, last.kind, start.values, start.kind) < 0 { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return }
        let target = header.position + (try rowIndexBlock(rowIndex, lo)).offset
        guard target > input.position, target < input.length else {
            throw input.error(.corrupt, at: header.position, "the promoted index places block \(lo) of this partition at \(target), outside it")
        }
        try input.seek(to: target)
        rowIndexSeeks += 1
        openBeforeStart = try rowIndexBlock(rowIndex, lo - 1).endOpenMarker
    }

    /// What Index.db says of the partition at `header`: its promoted index (nil when it fits
    /// in one block) and where it ends (the next partition's position). Index.db is read in
    /// step with Data.db, so a scan reads each entry once; nil without an Index.db entry.
    private func indexInfo(of header: PartitionHeader) throws -> (rowIndex: RowIndex?, end: Int64)? {
        if let l = located, l.position == header.position { return l.info }
        let info = try locate(header)
        located = (header.position, info)
        return info
    }

    private func locate(_ header: PartitionHeader) throws -> (rowIndex: RowIndex?, end: Int64)? {
        if rowIndexCursor == nil || header.position <= rowIndexCursorAt {
            rowIndexCursor = try sstable.positionedIndex(for: .key(header.key), partitioner: partitioner)
            rowIndexCursorAt = -1
            rowIndexLookahead = nil
        }
        guard let cursor = rowIndexCursor else { return nil }
        while let e = try rowIndexLookahead ?? cursor.next(withRowIndex: true) {
            rowIndexLookahead = nil
            if e.dataPosition < header.position { continue }
            guard e.dataPosition == header.position, e.key == header.key else {
                rowIndexLookahead = e
                return nil
            }
            rowIndexCursorAt = e.dataPosition
            let rowIndex = try e.rowIndex.map { try parseRowIndex($0, at: e.indexPosition) }
            rowIndexLookahead = try cursor.next(withRowIndex: true)
            return (rowIndex, rowIndexLookahead?.dataPosition ?? input.length)
        }
        return nil
    }

    /// A partition's promoted index as stored: its `IndexInfo` blocks are parsed one at a time,
    /// found through the offsets table that ends it, so a seek costs a binary search of block
    /// reads, not the whole index.
    struct RowIndex {
        let bytes: [UInt8]
        let count: Int
        /// Where the first block starts; the offsets table counts from there.
        let blocksStart: Int
        let offsetsStart: Int
        /// Offset of the Index.db entry, for errors.
        let entry: Int64
    }

    private func indexCorruption(_ entry: Int64, _ message: String) -> SSTableError {
        SSTableError(.corrupt, file: sstable.descriptor.path("Index.db"), offset: entry, message)
    }

    /// `RowIndexEntry`'s indexed part: header length, partition deletion, block count, the
    /// `IndexInfo` blocks, then one 4-byte offset per block.
    private func parseRowIndex(_ bytes: [UInt8], at entry: Int64) throws -> RowIndex {
        do {
            return try bytes.withUnsafeBytes { raw in
                var c = Cursor(raw)
                _ = try c.uvint() // header length
                _ = try parseIndexDeletion(&c)
                let count = try c.uvint()
                guard count <= UInt64(bytes.count / 4), c.index + Int(count) * 4 <= bytes.count else {
                    throw indexCorruption(entry, "a promoted index of \(count) blocks in \(bytes.count) bytes")
                }
                return RowIndex(bytes: bytes, count: Int(count), blocksStart: c.index, offsetsStart: bytes.count - Int(count) * 4, entry: entry)
            }
        } catch is Cursor.Shortfall {
            throw indexCorruption(entry, "the promoted index of the entry at this offset runs past its \(bytes.count) bytes")
        }
    }

    /// Block `i` of a promoted index (`IndexInfo.Serializer`).
    private func rowIndexBlock(_ index: RowIndex, _ i: Int) throws -> RowIndexBlock {
        let bytes = index.bytes
        let corrupt = { (m: String) in self.indexCorruption(index.entry, m) }
        do {
            return try bytes.withUnsafeBytes { raw in
                var o = Cursor(UnsafeRawBufferPointer(rebasing: raw[(index.offsetsStart + 4 * i)...]))
                let offset = Int(try o.u32())
                guard offset >= 0, index.blocksStart + offset < index.offsetsStart else {
                    throw corrupt("block \(i) of the promoted index at offset \(offset), past its blocks")
                }
                var c = Cursor(raw)
                c.index = index.blocksStart + offset
                let first = try parseIndexClustering(&c, storage: bytes, corrupt)
                let last = try parseIndexClustering(&c, storage: bytes, corrupt)
                let position = try c.uvint()
                let zigzag = try c.uvint()
                let width = Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1))) &+ 65536
                let open = try c.u8() != 0 ? try parseIndexDeletion(&c) : nil
                guard position < UInt64(Int64.max), c.index <= index.offsetsStart else {
                    throw corrupt("block \(i) of the promoted index runs into its offsets table")
                }
                return RowIndexBlock(first: first, last: last, offset: Int64(position), width: width, endOpenMarker: open)
            }
        } catch is Cursor.Shortfall {
            throw corrupt("block \(i) of the promoted index runs past its \(bytes.count) bytes")
        }
    }

    private func parseIndexClustering(_ c: inout Cursor, storage: [UInt8], _ corrupt: (String) -> SSTableError) throws -> ClusteringBound {
        let kindByte = try c.u8()
        guard let kind = BoundKind(rawValue: kindByte), kind != .staticClustering else {
            throw corrupt("impossible clustering kind \(kindByte) in the promoted index")
        }
        let size = kind == .clustering ? fileClusteringTypes.count : Int(try c.u16())
        guard size <= fileClusteringTypes.count else {
            throw corrupt("a promoted-index bound of \(size) values, the table has \(fileClusteringTypes.count) clustering columns")
        }
        return ClusteringBound(values: try parseClustering(&c, count: size, storage: storage), kind: kind)
    }

    /// A `DeletionTime` as the promoted index stores it: the partition header's encoding.
    private func parseIndexDeletion(_ c: inout Cursor) throws -> DeletionTime {
        if hasUIntDeletionTime {
            if try c.u8() & 0x80 != 0 { return .live }
            c.index -= 1
            let mfda = Int64(bitPattern: try c.u64())
            let ldt = Int64(try c.u32())
            return DeletionTime(markedForDeleteAt: mfda, localDeletionTime: ldt)
        }
        let ldt = Int64(Int32(bitPattern: try c.u32()))
        let mfda = Int64(bitPattern: try c.u64())
        return mfda == .min ? .live : DeletionTime(markedForDeleteAt: mfda, localDeletionTime: ldt)
    }

    /// Moves past the rest of the current partition: past a slice's end straight to where
    /// Index.db says the next partition starts (checking that the byte before it ends this
    /// one), otherwise measuring the rows and markers left rather than parsing them.
    private func skipRestOfPartition() throws {
        pendingUnfiltered = nil
        if pastSliceEnd, let header = currentHeader, let end = try indexInfo(of: header)?.end, end - 1 > input.position {
            let here = input.position
            try input.seek(to: end - 1)
            if try input.readUInt8() == Flags.endOfPartition {
                inPartition = false
                return
            }
            try input.seek(to: here)
        }
        while inPartition {
            let flags = try input.peekUInt8()
            if flags & Flags.endOfPartition != 0 {
                _ = try input.readUInt8()
                inPartition = false
                return
            }
            try input.skip(try measureNextUnfiltered())
        }
    }

    private func nextStoredUnfiltered() throws -> Unfiltered? {
        guard inPartition else { return nil }
        let flags = try input.peekUInt8()
        if flags & Flags.endOfPartition != 0 {
            _ = try input.readUInt8()
            inPartition = false
            return nil
        }
        if flags & Flags.extended != 0, flags & Flags.isMarker == 0, try input.peekUInt8(ahead: 1) & Flags.isStatic != 0 {
            throw input.error(.corrupt, "a static row after the start of the partition")
        }
        return try readUnfiltered()
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

    // MARK: unfiltereds

    /// Reads one row or marker. Its extent is found first (flags, clustering and the size
    /// the writer recorded), its bytes are copied into one array, and it is parsed from there:
    /// values are slices of that array, so a row costs a handful of allocations whatever its
    /// number of cells.
    /// The byte length of the row or marker at the current position, buffering as much of it
    /// as measuring needs.
    private func measureNextUnfiltered() throws -> Int {
        let start = input.position
        var window = 512
        while true {
            let available = try input.prefetch(window)
            do {
                let extent = try input.withBuffered(available) { raw in
                    var c = Cursor(raw)
                    return try measureUnfiltered(&c)
                }
                if extent <= available { return extent }
                if Int64(extent) > input.remaining {
                    throw input.error(.truncated, at: start, "a row or marker of \(extent) bytes runs past the end of the data (\(input.remaining) bytes left)")
                }
                window = extent
            } catch let s as Cursor.Shortfall {
                if Int64(available) >= input.remaining {
                    throw input.error(.truncated, at: start + Int64(available),
                                      "the data ends inside a row or marker that starts at \(start)")
                }
                window = max(window.multipliedReportingOverflow(by: 2).overflow ? Int.max : window * 2, s.needed)
            }
        }
    }

    private func readUnfiltered() throws -> Unfiltered {
        let start = input.position
        let extent = try measureNextUnfiltered()
        let bytes = try input.readBytes(extent)
        do {
            return try bytes.withUnsafeBytes { raw in
                var c = Cursor(raw)
                let u = try parseUnfiltered(&c, storage: bytes)
                guard c.index == extent else {
                    throw input.error(.corrupt, at: start, "the row's recorded size is \(extent) bytes but its content takes \(c.index)")
                }
                return u
            }
        } catch is Cursor.Shortfall {
            throw input.error(.corrupt, at: start,
                              "the content of the row at this offset runs past the \(extent) bytes its recorded size gives it")
        }
    }

    /// The byte length of the unfiltered at the cursor, from its flags, clustering and the
    /// size its writer recorded (`UnfilteredSerializer`: the size covers the previous-size
    /// vint and the body).
    private func measureUnfiltered(_ c: inout Cursor) throws -> Int {
        let flags = try c.u8()
        let ext: UInt8 = flags & Flags.extended != 0 ? try c.u8() : 0
        if flags & Flags.isMarker != 0 {
            _ = try c.u8()
            let size = Int(try c.u16())
            _ = try parseClustering(&c, count: min(size, fileClusteringTypes.count), storage: nil)
        } else if ext & Flags.isStatic == 0 {
            _ = try parseClustering(&c, count: fileClusteringTypes.count, storage: nil)
        }
        let at = c.index
        let size = try c.uvint()
        guard size <= UInt64(Int32.max) else {
            throw input.error(.corrupt, at: input.position + Int64(at), "impossible row size \(size)")
        }
        return c.index + Int(size)
    }

    @inline(__always) private func valueLength(_ c: inout Cursor, fixed: Int?) throws -> Int {
        if let fixed { return fixed }
        let n = try c.uvint()
        guard n <= UInt64(c.remaining) else {
            throw Cursor.Shortfall(needed: n > UInt64(Int.max - c.index) ? Int.max : c.index + Int(n))
        }
        return Int(n)
    }

    private func parseUnfiltered(_ c: inout Cursor, storage: [UInt8]) throws -> Unfiltered {
        let at = input.position - Int64(storage.count)
        let flags = try c.u8()
        let ext: UInt8 = flags & Flags.extended != 0 ? try c.u8() : 0
        if flags & Flags.isMarker != 0 {
            let kindByte = try c.u8()
            guard let kind = BoundKind(rawValue: kindByte), kind != .clustering, kind != .staticClustering else {
                throw input.error(.corrupt, at: at + 1, "impossible range tombstone bound kind \(kindByte)")
            }
            let size = Int(try c.u16())
            guard size <= fileClusteringTypes.count else {
                throw input.error(.corrupt, at: at + 2, "bound of \(size) values, the table has \(fileClusteringTypes.count) clustering columns")
            }
            let clustering = try parseClustering(&c, count: size, storage: storage)
            _ = try c.uvint() // marker size
            _ = try c.uvint() // previous unfiltered size
            if kind.isBoundary {
                let close = try readDeletion(&c)
                let open = try readDeletion(&c)
                return .marker(RangeTombstoneMarker(kind: kind, clustering: clustering, closeDeletion: close, openDeletion: open))
            }
            let d = try readDeletion(&c)
            return .marker(RangeTombstoneMarker(kind: kind, clustering: clustering,
                                                closeDeletion: kind.isEnd ? d : nil, openDeletion: kind.isStart ? d : nil))
        }
        let isStatic = ext & Flags.isStatic != 0
        let clustering: ClusteringValues = isStatic ? [] : try parseClustering(&c, count: fileClusteringTypes.count, storage: storage)
        return .row(try parseRowBody(&c, flags: flags, clustering: clustering, isStatic: isStatic, storage: storage, at: at))
    }

    /// Clustering values as slices of `storage` (nil: only move past them): blocks of 32
    /// values, each block led by a vint with two bits per value (empty, null).
    private func parseClustering(_ c: inout Cursor, count: Int, storage: [UInt8]?) throws -> ClusteringValues {
        var values: ClusteringValues = []
        if storage != nil { values.reserveCapacity(count) }
        var offset = 0
        while offset < count {
            let bits = try c.uvint()
            let limit = min(count, offset + 32)
            for i in offset..<limit {
                let shift = UInt64((i - offset) * 2)
                if bits & (1 << (shift + 1)) != 0 {
                    if storage != nil { values.append(nil) }
                } else if bits & (1 << shift) != 0 {
                    if storage != nil { values.append([]) }
                } else {
                    let range = try c.take(try valueLength(&c, fixed: clusteringFixedLengths[i]))
                    if let storage { values.append(storage[range]) }
                }
            }
            offset = limit
        }
        return values
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

    @inline(__always) private func readTimestamp(_ c: inout Cursor) throws -> Int64 {
        header.minTimestamp &+ Int64(bitPattern: try c.uvint())
    }

    @inline(__always) private func readLocalDeletionTime(_ c: inout Cursor) throws -> Int64 {
        let v = header.minLocalDeletionTime &+ Int64(bitPattern: try c.uvint())
        return hasUIntDeletionTime ? Int64(UInt32(truncatingIfNeeded: v)) : Int64(Int32(truncatingIfNeeded: v))
    }

    @inline(__always) private func readTTL(_ c: inout Cursor) throws -> Int32 {
        Int32(truncatingIfNeeded: header.minTTL &+ Int64(bitPattern: try c.uvint()))
    }

    private func readDeletion(_ c: inout Cursor) throws -> DeletionTime {
        let mfda = try readTimestamp(&c)
        let ldt = try readLocalDeletionTime(&c)
        if mfda == .min { return .live }
        return DeletionTime(markedForDeleteAt: mfda, localDeletionTime: ldt)
    }

    /// The header columns present in a row: all of them, or the subset its bitmap names.
    private func readPresentColumns(_ c: inout Cursor, flags: UInt8, total: Int, at: Int64) throws -> [Int]? {
        if flags & Flags.hasAllColumns != 0 { return nil }
        let encoded = try c.uvint()
        if encoded == 0 { return nil }
        if total < 64 {
            // Bit i set: column i is missing.
            return (0..<total).filter { encoded & (1 << UInt64($0)) == 0 }
        }
        // Large subsets: the count missing, then the indices of whichever side is smaller.
        guard encoded <= UInt64(total) else {
            throw input.error(.corrupt, at: at, "\(encoded) columns missing out of \(total)")
        }
        func index() throws -> Int {
            let i = try c.uvint()
            guard i < UInt64(total) else { throw input.error(.corrupt, at: at, "column index \(i) out of \(total)") }
            return Int(i)
        }
        let present = total - Int(encoded)
        var result: [Int] = []
        if present < total / 2 {
            for _ in 0..<present { result.append(try index()) }
        } else {
            var next = 0
            for _ in 0..<Int(encoded) {
                let missing = try index()
                while next < missing { result.append(next); next += 1 }
                next = missing + 1
            }
            while next < total { result.append(next); next += 1 }
        }
        return result
    }

    private func parseRowBody(_ c: inout Cursor, flags: UInt8, clustering: ClusteringValues, isStatic: Bool,
                              storage: [UInt8], at: Int64) throws -> Row {
        _ = try c.uvint() // row size
        _ = try c.uvint() // previous unfiltered size
        var liveness = LivenessInfo.empty
        if flags & Flags.hasTimestamp != 0 {
            let ts = try readTimestamp(&c)
            if flags & Flags.hasTTL != 0 {
                let ttl = try readTTL(&c)
                let ldt = try readLocalDeletionTime(&c)
                liveness = LivenessInfo(timestamp: ts, ttl: ttl, localExpirationTime: ldt)
            } else {
                liveness = LivenessInfo(timestamp: ts, ttl: 0, localExpirationTime: Int64(Int32.max))
            }
        }
        var deletion = DeletionTime.live
        if flags & Flags.hasDeletion != 0 {
            // A shadowable deletion (materialized views) is read as a regular one.
            deletion = try readDeletion(&c)
        }
        let columnIds = isStatic ? mapping.staticColumns : mapping.regularColumns
        let complex = isStatic ? staticIsComplex : regularIsComplex
        let fixed = isStatic ? staticFixedLengths : regularFixedLengths
        let present = try readPresentColumns(&c, flags: flags, total: columnIds.count, at: at)
        var cells: [Cell] = []
        cells.reserveCapacity(present?.count ?? columnIds.count)
        var complexDeletions: [(column: Int, deletion: DeletionTime)] = []
        let count = present?.count ?? columnIds.count
        for k in 0..<count {
            let i = present?[k] ?? k
            let column = columnIds[i]
            if complex[i] {
                var cd = DeletionTime.live
                if flags & Flags.hasComplexDeletion != 0 { cd = try readDeletion(&c) }
                if !cd.isLive && column >= 0 { complexDeletions.append((column, cd)) }
                let n = try c.uvint()
                guard n <= UInt64(c.remaining) else {
                    throw input.error(.corrupt, at: at, "a complex column claims \(n) cells in a row of \(storage.count) bytes")
                }
                for _ in 0..<Int(n) {
                    let cell = try readCell(&c, column: column, fixedLength: nil, complex: true, liveness: liveness)
                    if column >= 0 { cells.append(cell) }
                }
            } else {
                let cell = try readCell(&c, column: column, fixedLength: fixed[i], complex: false, liveness: liveness)
                if column >= 0 { cells.append(cell) }
            }
        }
        // Cells come in the file's column order; the table's order can differ when the
        // header lists other columns, so sort (a no-op for the common case).
        if !isSortedByColumn(cells) { cells.sort { $0.column < $1.column } }
        let regular = isStatic && mapping.staticRowIsRegular
        return Row(isStatic: isStatic && !regular, clustering: regular ? [] : clustering, liveness: liveness,
                   deletion: deletion, cells: cells, complexDeletions: complexDeletions, storage: storage)
    }

    private func isSortedByColumn(_ cells: [Cell]) -> Bool {
        var last = Int.min
        for c in cells {
            if c.column < last { return false }
            last = c.column
        }
        return true
    }

    @inline(__always)
    private func readCell(_ c: inout Cursor, column: Int, fixedLength: Int?, complex: Bool, liveness: LivenessInfo) throws -> Cell {
        let flags = try c.u8()
        let deleted = flags & Flags.cellDeleted != 0
        var expiring = flags & Flags.cellExpiring != 0
        let timestamp = flags & Flags.cellRowTimestamp != 0 ? liveness.timestamp : try readTimestamp(&c)
        var ldt = Int64(Int32.max)
        var ttl: Int32 = 0
        if flags & Flags.cellRowTTL != 0 {
            ldt = liveness.localExpirationTime
            ttl = liveness.ttl
            expiring = liveness.isExpiring
        } else {
            if deleted || expiring { ldt = try readLocalDeletionTime(&c) }
            if expiring { ttl = try readTTL(&c) }
        }
        let path: Range<Int>? = complex ? try c.take(try valueLength(&c, fixed: nil)) : nil
        let value: Range<Int> = flags & Flags.cellEmptyValue != 0 ? c.index..<c.index : try c.take(try valueLength(&c, fixed: fixedLength))
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
