/// The row model shared by the SSTable reader, the merge and (later) the writer: the
/// content of Cassandra's `db.rows` package with bytes still undecoded.

/// A deletion: everything written at or before `markedForDeleteAt` is shadowed.
public struct DeletionTime: Sendable, Hashable {
    public var markedForDeleteAt: Int64
    /// Seconds since the epoch at which the deletion was made (for tombstone GC).
    public var localDeletionTime: Int64

    public static let live = DeletionTime(markedForDeleteAt: .min, localDeletionTime: Int64(Int32.max))

    public init(markedForDeleteAt: Int64, localDeletionTime: Int64) {
        self.markedForDeleteAt = markedForDeleteAt
        self.localDeletionTime = localDeletionTime
    }

    public var isLive: Bool { markedForDeleteAt == .min }

    /// `DeletionTime.supersedes`.
    public func supersedes(_ other: DeletionTime) -> Bool {
        markedForDeleteAt > other.markedForDeleteAt
            || (markedForDeleteAt == other.markedForDeleteAt && localDeletionTime > other.localDeletionTime)
    }

    /// Whether data written at `timestamp` is shadowed.
    @inline(__always) public func deletes(_ timestamp: Int64) -> Bool { timestamp <= markedForDeleteAt }

    public static func max(_ a: DeletionTime, _ b: DeletionTime) -> DeletionTime { b.supersedes(a) ? b : a }
}

/// The primary-key liveness of a row (the "row marker" written by INSERT).
public struct LivenessInfo: Sendable, Hashable {
    public static let noTimestamp = Int64.min
    /// TTL value of a liveness that expired in an UPDATE...USING TTL on a view (`EXPIRED_LIVENESS_TTL`).
    public static let expiredTTL = Int32.max

    public var timestamp: Int64
    public var ttl: Int32
    public var localExpirationTime: Int64

    public static let empty = LivenessInfo(timestamp: noTimestamp, ttl: 0, localExpirationTime: Int64(Int32.max))

    public init(timestamp: Int64, ttl: Int32, localExpirationTime: Int64) {
        self.timestamp = timestamp
        self.ttl = ttl
        self.localExpirationTime = localExpirationTime
    }

    public var isEmpty: Bool { timestamp == Self.noTimestamp }
    public var isExpiring: Bool { ttl != 0 }

    /// Live at `now` (seconds); nil `now` ignores expiry.
    public func isLive(now: Int64?) -> Bool {
        if isEmpty { return false }
        if ttl == Self.expiredTTL { return false }
        guard isExpiring, let now else { return true }
        return now < localExpirationTime
    }

    /// `LivenessInfo.supersedes`.
    public func supersedes(_ other: LivenessInfo, now: Int64?) -> Bool {
        if timestamp != other.timestamp { return timestamp > other.timestamp }
        let expired = !isLive(now: now), otherExpired = !other.isLive(now: now)
        if expired != otherExpired { return expired }
        if isExpiring != other.isExpiring { return !isExpiring }
        return localExpirationTime > other.localExpirationTime
    }
}

/// Stored bytes: a slice of the buffer a row was read into, so values need no allocation of
/// their own.
public typealias Bytes = ArraySlice<UInt8>

/// One cell: a simple column's value, or one element of a complex (multi-cell) column.
/// A plain value (no references): its path and value bytes live in the row's `storage`, so
/// that reading and merging cells costs no reference counting.
public struct Cell: Sendable, Hashable {
    /// Index of the column in the table's cell columns (`TableLayout.cellColumns`).
    public var column: Int
    public var timestamp: Int64
    public var ttl: Int32
    public var localDeletionTime: Int64
    public var isTombstone: Bool
    public var isExpiring: Bool
    /// Where the element key of a complex cell (list cell id, set element, map key, UDT
    /// field index) lies in the row's storage; `pathCount` is -1 for simple cells.
    public var pathStart: Int32
    public var pathCount: Int32
    /// Where the value lies in the row's storage.
    public var valueStart: Int32
    public var valueCount: Int32

    public init(column: Int, timestamp: Int64, ttl: Int32, localDeletionTime: Int64, isTombstone: Bool,
                isExpiring: Bool, path: Range<Int>?, value: Range<Int>) {
        self.column = column
        self.timestamp = timestamp
        self.ttl = ttl
        self.localDeletionTime = localDeletionTime
        self.isTombstone = isTombstone
        self.isExpiring = isExpiring
        self.pathStart = Int32(truncatingIfNeeded: path?.lowerBound ?? 0)
        self.pathCount = path.map { Int32(truncatingIfNeeded: $0.count) } ?? -1
        self.valueStart = Int32(truncatingIfNeeded: value.lowerBound)
        self.valueCount = Int32(truncatingIfNeeded: value.count)
    }

    public var hasPath: Bool { pathCount >= 0 }
    var valueRange: Range<Int> { Int(valueStart)..<Int(valueStart + valueCount) }
    var pathRange: Range<Int>? { pathCount < 0 ? nil : Int(pathStart)..<Int(pathStart + pathCount) }

    /// Live at `now` (seconds); nil `now` ignores expiry (`--no-expiry`).
    @inline(__always) public func isLive(now: Int64?) -> Bool {
        if isTombstone { return false }
        guard isExpiring, let now else { return true }
        return now < localDeletionTime
    }
}

/// Which side of a clustering prefix a range tombstone bound lies on
/// (`ClusteringPrefix.Kind`, in ordinal order).
public enum BoundKind: UInt8, Sendable, Hashable {
    case exclusiveEnd = 0
    case inclusiveStart = 1
    case exclusiveEndInclusiveStartBoundary = 2
    case staticClustering = 3
    case clustering = 4
    case inclusiveEndExclusiveStartBoundary = 5
    case inclusiveEnd = 6
    case exclusiveStart = 7

    /// Where the bound sorts relative to a clustering equal to its prefix.
    var comparedToClustering: Int {
        switch self {
        case .exclusiveEnd, .inclusiveStart, .exclusiveEndInclusiveStartBoundary: return -1
        case .staticClustering: return -2
        case .clustering: return 0
        case .inclusiveEndExclusiveStartBoundary, .inclusiveEnd, .exclusiveStart: return 1
        }
    }

    public var isBoundary: Bool { self == .exclusiveEndInclusiveStartBoundary || self == .inclusiveEndExclusiveStartBoundary }
    public var isStart: Bool { self == .inclusiveStart || self == .exclusiveStart }
    public var isEnd: Bool { self == .inclusiveEnd || self == .exclusiveEnd }

    public var name: String {
        switch self {
        case .exclusiveEnd: return "EXCL_END_BOUND"
        case .inclusiveStart: return "INCL_START_BOUND"
        case .exclusiveEndInclusiveStartBoundary: return "EXCL_END_INCL_START_BOUNDARY"
        case .staticClustering: return "STATIC_CLUSTERING"
        case .clustering: return "CLUSTERING"
        case .inclusiveEndExclusiveStartBoundary: return "INCL_END_EXCL_START_BOUNDARY"
        case .inclusiveEnd: return "INCL_END_BOUND"
        case .exclusiveStart: return "EXCL_START_BOUND"
        }
    }
}

/// Clustering values of a row or bound; nil = null (a compact-storage row can have trailing
/// nulls), empty = the empty value.
public typealias ClusteringValues = [Bytes?]

/// A row: the static row of a partition or a clustering row.
public struct Row: Sendable {
    public var isStatic: Bool
    public var clustering: ClusteringValues
    public var liveness: LivenessInfo
    public var deletion: DeletionTime
    /// Cells sorted by column, then path.
    public var cells: [Cell]
    /// Deletions of whole complex columns (`DELETE m FROM ...` or an overwrite of a collection).
    public var complexDeletions: [(column: Int, deletion: DeletionTime)]
    /// The bytes the cells' paths and values refer to (for a row read from a file: the row's
    /// serialized bytes).
    public var storage: [UInt8]

    public init(isStatic: Bool, clustering: ClusteringValues, liveness: LivenessInfo, deletion: DeletionTime,
                cells: [Cell], complexDeletions: [(column: Int, deletion: DeletionTime)], storage: [UInt8]) {
        self.isStatic = isStatic
        self.clustering = clustering
        self.liveness = liveness
        self.deletion = deletion
        self.cells = cells
        self.complexDeletions = complexDeletions
        self.storage = storage
    }

    /// A cell's value bytes.
    @inline(__always) public func value(_ c: Cell) -> Bytes { storage[c.valueRange] }

    /// A complex cell's path bytes, nil for a simple cell.
    @inline(__always) public func path(_ c: Cell) -> Bytes? { c.pathRange.map { storage[$0] } }

    /// Appends a cell whose bytes live in another row's storage, copying them into this one.
    mutating func appendCell(_ c: Cell, from other: Row) {
        var moved = c
        if let p = c.pathRange {
            moved.pathStart = Int32(truncatingIfNeeded: storage.count)
            storage.append(contentsOf: other.storage[p])
        }
        moved.valueStart = Int32(truncatingIfNeeded: storage.count)
        storage.append(contentsOf: other.storage[c.valueRange])
        cells.append(moved)
    }

    /// Appends a cell with its own bytes.
    public mutating func appendCell(column: Int, timestamp: Int64, ttl: Int32 = 0, localDeletionTime: Int64 = Int64(Int32.max),
                                    isTombstone: Bool = false, path: [UInt8]? = nil, value: [UInt8]) {
        var pathRange: Range<Int>?
        if let path {
            pathRange = storage.count..<(storage.count + path.count)
            storage.append(contentsOf: path)
        }
        let valueRange = storage.count..<(storage.count + value.count)
        storage.append(contentsOf: value)
        cells.append(Cell(column: column, timestamp: timestamp, ttl: ttl, localDeletionTime: localDeletionTime,
                          isTombstone: isTombstone, isExpiring: ttl != 0 && !isTombstone, path: pathRange, value: valueRange))
    }

    public var isEmpty: Bool { liveness.isEmpty && deletion.isLive && cells.isEmpty && complexDeletions.isEmpty }
}

/// A range tombstone bound or boundary. A boundary closes one deletion and opens another.
public struct RangeTombstoneMarker: Sendable {
    public var kind: BoundKind
    public var clustering: ClusteringValues
    /// The deletion that ends here (end bounds and boundaries).
    public var closeDeletion: DeletionTime?
    /// The deletion that starts here (start bounds and boundaries).
    public var openDeletion: DeletionTime?

    public init(kind: BoundKind, clustering: ClusteringValues, closeDeletion: DeletionTime?, openDeletion: DeletionTime?) {
        self.kind = kind
        self.clustering = clustering
        self.closeDeletion = closeDeletion
        self.openDeletion = openDeletion
    }
}

/// What a partition holds after its header: rows and range tombstone markers in clustering order.
public enum Unfiltered: Sendable {
    case row(Row)
    case marker(RangeTombstoneMarker)
}

/// The header of a partition: key, token and partition-level deletion.
public struct PartitionHeader: Sendable {
    public var key: [UInt8]
    public var token: Token
    public var deletion: DeletionTime
    /// Offset of the partition in (uncompressed) Data.db.
    public var position: Int64

    public init(key: [UInt8], token: Token, deletion: DeletionTime, position: Int64) {
        self.key = key
        self.token = token
        self.deletion = deletion
        self.position = position
    }
}
