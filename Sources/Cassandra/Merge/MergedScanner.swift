#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Merges the SSTables of one table into the table's live content, streaming: partitions in
/// token order, rows in clustering order, each row reconciled across every file that holds a
/// version of it, then shadowed by the partition, range and row deletions over it and by
/// TTL expiry at the reference time. Memory is one row per file, however wide a partition.
///
/// Written over `PartitionSource`s of any origin: the files of one node or of several replicas.
public final class MergedScanner {
    public let layout: TableLayout
    /// Reference time in seconds since the epoch; nil keeps expiring data live.
    public let now: Int64?
    private let sources: [Source]
    private var active: [Int] = []
    private var started = false
    private var partitionDeletion = DeletionTime.live

    final class Source {
        let scanner: any PartitionSource
        var header: PartitionHeader?
        /// The next row or marker, and its position (kept apart so that comparing positions
        /// copies no row).
        private(set) var peek: Unfiltered?
        private(set) var peekClustering: ClusteringValues = []
        private(set) var peekKind = BoundKind.clustering
        /// The range deletion this file has open at the current position.
        var openDeletion: DeletionTime?
        init(_ s: any PartitionSource) { scanner = s }

        func advance() throws {
            peek = try scanner.nextUnfiltered()
            switch peek {
            case .row(let r)?: peekClustering = r.clustering; peekKind = .clustering
            case .marker(let m)?: peekClustering = m.clustering; peekKind = m.kind
            case nil: peekClustering = []
            }
        }
    }

    /// A merged partition's header: key, token, the deletion over all of it and its static row.
    public struct Partition {
        public var key: [UInt8]
        public var token: Token
        public var deletion: DeletionTime
        /// The static row with only live cells, or nil when none is live.
        public var staticRow: Row?
    }

    public init(scanners: [any PartitionSource], layout: TableLayout, now: Int64?) {
        self.sources = scanners.map(Source.init)
        self.layout = layout
        self.now = now
    }

    public func nextPartition() throws -> Partition? {
        if !started {
            started = true
            for s in sources { s.header = try s.scanner.nextPartition() }
        } else {
            for i in active { sources[i].header = try sources[i].scanner.nextPartition() }
        }
        active.removeAll(keepingCapacity: true)
        var best: PartitionHeader?
        for (i, s) in sources.enumerated() {
            guard let h = s.header else { continue }
            if let b = best {
                if partitionPrecedes(h.token, h.key, b.token, b.key) {
                    best = h
                    active = [i]
                } else if h.token == b.token && h.key == b.key {
                    active.append(i)
                }
            } else {
                best = h
                active = [i]
            }
        }
        guard let best else { return nil }
        var deletion = DeletionTime.live
        var statics: [Row] = []
        for i in active {
            let s = sources[i]
            deletion = .max(deletion, s.header!.deletion)
            if let st = s.scanner.staticRow { statics.append(st) }
            s.openDeletion = nil
            try s.advance()
        }
        partitionDeletion = deletion
        var staticRow: Row?
        if !statics.isEmpty {
            staticRow = resolve(merge(statics), over: deletion)
        }
        return Partition(key: best.key, token: best.token, deletion: deletion, staticRow: staticRow)
    }

    /// The next live row of the current partition (with only its live cells), or nil.
    public func nextRow() throws -> Row? {
        if active.count == 1 { return try nextRowOfOneSource(sources[active[0]]) }
        let cmp = layout.comparator
        while true {
            var minIndex = -1
            for i in active where sources[i].peek != nil {
                if minIndex < 0 || comparePositions(sources[i], sources[minIndex], cmp) < 0 { minIndex = i }
            }
            if minIndex < 0 { return nil }
            let first = sources[minIndex]
            if first.peekKind != .clustering {
                let clustering = first.peekClustering, kind = first.peekKind
                for i in active {
                    let s = sources[i]
                    guard s.peek != nil, s.peekKind != .clustering, cmp.compare(s.peekClustering, s.peekKind, clustering, kind) == 0,
                          case .marker(let m)? = s.peek else { continue }
                    s.openDeletion = m.openDeletion
                    try s.advance()
                }
                continue
            }
            let clustering = first.peekClustering
            var versions: [Row] = []
            var rangeDeletion = DeletionTime.live
            for i in active {
                let s = sources[i]
                if let d = s.openDeletion { rangeDeletion = .max(rangeDeletion, d) }
                guard s.peek != nil, s.peekKind == .clustering, cmp.compare(s.peekClustering, .clustering, clustering, .clustering) == 0,
                      case .row(let r)? = s.peek else { continue }
                versions.append(r)
                try s.advance()
            }
            let merged = versions.count == 1 ? versions[0] : merge(versions)
            if let live = resolve(merged, over: .max(partitionDeletion, rangeDeletion)) { return live }
        }
    }

    private func comparePositions(_ a: Source, _ b: Source, _ cmp: ClusteringComparator) -> Int {
        cmp.compare(a.peekClustering, a.peekKind, b.peekClustering, b.peekKind)
    }

    /// The common case of a partition only one file holds: nothing to merge, only deletions
    /// and expiry to apply.
    private func nextRowOfOneSource(_ s: Source) throws -> Row? {
        while let u = s.peek {
            try s.advance()
            switch u {
            case .marker(let m):
                s.openDeletion = m.openDeletion
            case .row(let r):
                let over = s.openDeletion.map { DeletionTime.max(partitionDeletion, $0) } ?? partitionDeletion
                if let live = resolve(r, over: over) { return live }
            }
        }
        return nil
    }

    /// Reconciles versions of one row from several files.
    func merge(_ rows: [Row]) -> Row {
        var result = rows[0]
        for (k, r) in rows.enumerated().dropFirst() {
            // Replicas mostly hold the same version of a row: merge each distinct one once.
            if rows[..<k].contains(where: { Self.sameVersion($0, r) }) { continue }
            if r.liveness.supersedes(result.liveness, now: now) { result.liveness = r.liveness }
            result.deletion = .max(result.deletion, r.deletion)
            for (c, d) in r.complexDeletions {
                if let j = result.complexDeletions.firstIndex(where: { $0.column == c }) {
                    result.complexDeletions[j].deletion = .max(result.complexDeletions[j].deletion, d)
                } else {
                    result.complexDeletions.append((c, d))
                }
            }
            mergeCells(into: &result, r)
        }
        return result
    }

    static func sameVersion(_ a: Row, _ b: Row) -> Bool {
        a.liveness == b.liveness && a.deletion == b.deletion
            && a.complexDeletions.elementsEqual(b.complexDeletions) { $0.column == $1.column && $0.deletion == $1.deletion }
            && sameCells(a, b)
    }

    /// Whether two versions of a row hold the same cells: metadata and bytes, wherever in
    /// their storage the bytes are.
    static func sameCells(_ a: Row, _ b: Row) -> Bool {
        let ac = a.cells, bc = b.cells
        guard ac.count == bc.count else { return false }
        return a.storage.withUnsafeBytes { sa in
            b.storage.withUnsafeBytes { sb in
                for i in 0..<ac.count {
                    let x = ac[i], y = bc[i]
                    guard x.column == y.column, x.timestamp == y.timestamp, x.ttl == y.ttl, x.localDeletionTime == y.localDeletionTime,
                          x.isTombstone == y.isTombstone, x.isExpiring == y.isExpiring, x.pathCount == y.pathCount, x.valueCount == y.valueCount
                    else { return false }
                    if x.valueCount > 0, memcmp(sa.baseAddress! + Int(x.valueStart), sb.baseAddress! + Int(y.valueStart), Int(x.valueCount)) != 0 { return false }
                    if x.pathCount > 0, memcmp(sa.baseAddress! + Int(x.pathStart), sb.baseAddress! + Int(y.pathStart), Int(x.pathCount)) != 0 { return false }
                }
                return true
            }
        }
    }

    /// Merges the cells of `b` into `a`, both sorted by (column, path), reconciling the
    /// versions of a cell both hold. Cells of `b` that stay have their bytes copied over.
    func mergeCells(into a: inout Row, _ b: Row) {
        let left = a
        a.cells = []
        a.cells.reserveCapacity(left.cells.count + b.cells.count)
        var i = 0, j = 0
        let lc = left.cells, rc = b.cells
        while i < lc.count || j < rc.count {
            if j >= rc.count { a.cells.append(lc[i]); i += 1; continue }
            if i >= lc.count { a.appendCell(rc[j], from: b); j += 1; continue }
            let c = compareCells(lc[i], left, rc[j], b)
            if c < 0 { a.cells.append(lc[i]); i += 1 } else if c > 0 { a.appendCell(rc[j], from: b); j += 1 } else {
                let isCounter = layout.cellColumns[lc[i].column].type.isCounter
                switch Reconcile.cell(lc[i], left.value(lc[i]), rc[j], b.value(rc[j]), isCounter: isCounter, now: now) {
                case .first: a.cells.append(lc[i])
                case .second: a.appendCell(rc[j], from: b)
                case .merged(let cell, let value):
                    var merged = cell
                    merged.valueStart = Int32(truncatingIfNeeded: a.storage.count)
                    merged.valueCount = Int32(truncatingIfNeeded: value.count)
                    a.storage.append(contentsOf: value)
                    a.cells.append(merged)
                }
                i += 1
                j += 1
            }
        }
    }

    func compareCells(_ a: Cell, _ ra: Row, _ b: Cell, _ rb: Row) -> Int {
        if a.column != b.column { return a.column < b.column ? -1 : 1 }
        guard let pa = ra.path(a), let pb = rb.path(b) else { return 0 }
        return ValueComparator.compare(pa, pb, as: layout.cellColumns[a.column].type.cellPathType)
    }

    /// Applies the deletions over a row and expiry; nil if nothing of it is live.
    func resolve(_ row: consuming Row, over outer: DeletionTime) -> Row? {
        var r = row
        let deletion = DeletionTime.max(outer, r.deletion)
        if deletion.deletes(r.liveness.timestamp) || !r.liveness.isLive(now: now) { r.liveness = .empty }
        let complexDeletions = r.complexDeletions
        let now = self.now
        if deletion.isLive && complexDeletions.isEmpty && now == nil {
            r.cells.removeAll { $0.isTombstone }
        } else {
            r.cells.removeAll { cell in
                if deletion.deletes(cell.timestamp) || !cell.isLive(now: now) { return true }
                if cell.hasPath, !complexDeletions.isEmpty, let cd = complexDeletions.first(where: { $0.column == cell.column }) {
                    return cd.deletion.deletes(cell.timestamp)
                }
                return false
            }
        }
        r.deletion = .live
        if !r.complexDeletions.isEmpty { r.complexDeletions = [] }
        if r.liveness.isEmpty && r.cells.isEmpty { return nil }
        return r
    }
}

extension CQLType {
    /// The type that orders the cells of a multi-cell column by their paths.
    var cellPathType: CQLType {
        switch base {
        case .list: return .timeuuid
        case .set(let e, _): return e
        case .map(let k, _, _): return k
        default: return .blob // UDT field indices: big-endian shorts
        }
    }
}

/// A stream of partitions in token order, each with its static row and then its rows and
/// range tombstone markers in clustering order: what one SSTable (or anything else) gives
/// the merge.
public protocol PartitionSource: AnyObject {
    /// Moves to the next partition (skipping what is left of the current one); nil at the end.
    func nextPartition() throws -> PartitionHeader?
    /// The static row of the current partition, if any.
    var staticRow: Row? { get }
    /// The next row or marker of the current partition; nil at its end.
    func nextUnfiltered() throws -> Unfiltered?
}

extension SSTableScanner: PartitionSource {}
