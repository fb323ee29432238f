/// Merges the sorted runs a memtable spilled into one SSTable, as a compaction does but
/// keeping everything: partitions by (token, key), partition deletions by the greater, rows at
/// the same clustering into one (cells reconciled, liveness and deletions by the greater), and
/// range deletions as the greatest open deletion at each point, re-emitted as markers where it
/// changes. Memory holds one pending row or marker per run.
struct RunMerger {
    let layout: TableLayout
    /// Per cell column, the type its cell paths compare by.
    let pathTypes: [CQLType]
    let runs: [SSTable]

    func write(directory: String, generation: Int, version: FormatVersion, codec: CompressedDataWriter.Codec?,
               chunkLength: Int) throws -> [String] {
        // Encoding stats that cover every run.
        var header = runs[0].header
        for r in runs.dropFirst() {
            header.minTimestamp = min(header.minTimestamp, r.header.minTimestamp)
            header.minLocalDeletionTime = min(header.minLocalDeletionTime, r.header.minLocalDeletionTime)
            header.minTTL = min(header.minTTL, r.header.minTTL)
        }
        let serializer = try PartitionSerializer(header: header, layout: layout, version: version)
        let keys = runs.reduce(0) { $0 + Int($1.statistics.stats.estimatedPartitionCount) }
        var writer = try SSTableComponentsWriter(directory: directory, generation: generation, version: version, serializer: serializer,
                                                 codec: codec, chunkLength: chunkLength, expectedKeys: max(1, keys))
        let scanners = try runs.map { try SSTableScanner(sstable: $0, layout: layout) }
        var heads = try scanners.map { try $0.nextPartition() }
        let cmp = layout.comparator
        while true {
            // The smallest (token, key) among the runs' current partitions.
            var best: Int?
            for (i, h) in heads.enumerated() {
                guard let h else { continue }
                if let b = best, let hb = heads[b] {
                    if h.token < hb.token || (h.token == hb.token && h.key.lexicographicallyPrecedes(hb.key)) { best = i }
                } else {
                    best = i
                }
            }
            guard let b = best, let first = heads[b] else { break }
            let members = heads.indices.filter { heads[$0].map { $0.token == first.token && $0.key == first.key } ?? false }
            var deletion = DeletionTime.live
            var staticRow: Row?
            for i in members {
                deletion = .max(deletion, heads[i]!.deletion)
                if let s = scanners[i].staticRow { staticRow = staticRow.map { merge($0, s) } ?? s }
            }
            try writer.beginPartition(key: first.key, deletion: deletion, staticRow: staticRow)
            var pending: [Unfiltered?] = try members.map { try scanners[$0].nextUnfiltered() }
            var open = [DeletionTime?](repeating: nil, count: members.count)
            var emitted: DeletionTime?
            func position(_ u: Unfiltered) -> (ClusteringValues, BoundKind) {
                switch u {
                case .row(let r): return (r.clustering, .clustering)
                case .marker(let m): return (m.clustering, m.kind)
                }
            }
            while true {
                var lowest: Int?
                for (j, u) in pending.enumerated() {
                    guard let u else { continue }
                    if let l = lowest, let ul = pending[l] {
                        let (a, ak) = position(u), (c, ck) = position(ul)
                        if cmp.compare(a, ak, c, ck) < 0 { lowest = j }
                    } else {
                        lowest = j
                    }
                }
                guard let l = lowest, let head = pending[l] else { break }
                let (at, kind) = position(head)
                let same = pending.indices.filter { j in
                    guard let u = pending[j] else { return false }
                    let (c, k) = position(u)
                    return cmp.compare(c, k, at, kind) == 0
                }
                if case .row = head {
                    var merged: Row?
                    for j in same {
                        if case .row(let r) = pending[j]! { merged = merged.map { merge($0, r) } ?? r }
                    }
                    try writer.add(.row(merged!))
                } else {
                    for j in same {
                        if case .marker(let m) = pending[j]! { open[j] = m.openDeletion }
                    }
                    let now = open.compactMap { $0 }.reduce(nil as DeletionTime?) { acc, d in acc.map { .max($0, d) } ?? d }
                    if now != emitted {
                        // Just before the prefix, or just after it.
                        let after = kind == .exclusiveStart || kind == .inclusiveEnd || kind == .inclusiveEndExclusiveStartBoundary
                        let k: BoundKind
                        switch (emitted, now) {
                        case (nil, _): k = after ? .exclusiveStart : .inclusiveStart
                        case (_, nil): k = after ? .inclusiveEnd : .exclusiveEnd
                        default: k = after ? .inclusiveEndExclusiveStartBoundary : .exclusiveEndInclusiveStartBoundary
                        }
                        try writer.add(.marker(RangeTombstoneMarker(kind: k, clustering: at, closeDeletion: emitted, openDeletion: now)))
                        emitted = now
                    }
                }
                for j in same { pending[j] = try scanners[members[j]].nextUnfiltered() }
            }
            try writer.endPartition()
            for i in members { heads[i] = try scanners[i].nextPartition() }
        }
        return try writer.finish()
    }

    /// Two versions of one row: cells by (column, path) reconciled, complex deletions, row
    /// deletion and liveness by the greater.
    func merge(_ a: Row, _ b: Row) -> Row {
        var out = Row(isStatic: a.isStatic, clustering: a.clustering, liveness: a.liveness, deletion: .max(a.deletion, b.deletion),
                      cells: [], complexDeletions: [], storage: [])
        if !b.liveness.isEmpty && (a.liveness.isEmpty || b.liveness.supersedes(a.liveness, now: nil)) { out.liveness = b.liveness }
        var deletions: [Int: DeletionTime] = [:]
        for (c, d) in a.complexDeletions + b.complexDeletions { deletions[c] = deletions[c].map { .max($0, d) } ?? d }
        out.complexDeletions = deletions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        func order(_ x: Cell, _ xr: Row, _ y: Cell, _ yr: Row) -> Int {
            if x.column != y.column { return x.column < y.column ? -1 : 1 }
            guard let px = xr.path(x), let py = yr.path(y) else { return 0 }
            return ValueComparator.compare(px, py, as: pathTypes[x.column])
        }
        var i = 0, j = 0
        while i < a.cells.count || j < b.cells.count {
            if j == b.cells.count || (i < a.cells.count && order(a.cells[i], a, b.cells[j], b) < 0) {
                out.appendCell(a.cells[i], from: a)
                i += 1
            } else if i == a.cells.count || order(a.cells[i], a, b.cells[j], b) > 0 {
                out.appendCell(b.cells[j], from: b)
                j += 1
            } else {
                let x = a.cells[i], y = b.cells[j]
                switch Reconcile.cell(x, a.value(x), y, b.value(y), isCounter: layout.cellColumns[x.column].type.isCounter, now: nil) {
                case .first: out.appendCell(x, from: a)
                case .second: out.appendCell(y, from: b)
                case .merged(let c, let bytes):
                    let source = c.timestamp == x.timestamp ? a : b
                    out.appendCell(column: c.column, timestamp: c.timestamp, ttl: c.ttl, localDeletionTime: c.localDeletionTime,
                                   isTombstone: c.isTombstone, path: source.path(c).map(Array.init), value: Array(bytes))
                }
                i += 1
                j += 1
            }
        }
        return out
    }
}
