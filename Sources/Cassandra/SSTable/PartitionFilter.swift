/// Which partitions a scan reads: all, one key, or a range of the token ring.
public enum PartitionFilter: Sendable, Equatable {
    case all
    /// Tokens in (after, upTo], the way Cassandra's ranges are half-open; nil = unbounded.
    case tokenRange(after: Token?, upTo: Token?)
    /// One partition, by its serialized key.
    case key([UInt8])

    enum Verdict { case before, inside, after }

    func classify(token: Token, key: [UInt8], keyToken: Token?) -> Verdict {
        switch self {
        case .all: return .inside
        case .tokenRange(let after, let upTo):
            if let after, token <= after { return .before }
            if let upTo, token > upTo { return .after }
            return .inside
        case .key(let k):
            let t = keyToken!
            if token != t { return token < t ? .before : .after }
            if key == k { return .inside }
            return key.lexicographicallyPrecedes(k) ? .before : .after
        }
    }
}

extension SSTable {
    /// Index.db, read through a block source so that its size does not matter.
    func openIndex() throws -> PartitionIndexReader? {
        let path = descriptor.path("Index.db")
        guard try files.exists(path) else { return nil }
        return PartitionIndexReader(input: ByteInput(source: try UncompressedBlockSource(file: try files.open(path), crcFile: nil)))
    }

    /// The first and last partition keys Summary.db records, or nil without one: what lets a
    /// reader skip a file whose keys lie outside a token range.
    public func keyBounds() throws -> (first: [UInt8], last: [UInt8])? {
        guard let s = try loadSummary() else { return nil }
        return (s.firstKey, s.lastKey)
    }

    /// The keys of the partitions `filter` selects, in file (token) order, from Index.db alone;
    /// nil when there is no Index.db.
    public func partitionKeys(_ filter: PartitionFilter) throws -> [[UInt8]]? {
        let p = try partitioner
        guard let index = try positionedIndex(for: filter, partitioner: p) else { return nil }
        let keyToken: Token? = { if case .key(let k) = filter { return p.token(k) } else { return nil } }()
        var keys: [[UInt8]] = []
        while let e = try index.next() {
            switch filter.classify(token: p.token(e.key), key: e.key, keyToken: keyToken) {
            case .before: continue
            case .inside: keys.append(e.key)
            case .after: return keys
            }
        }
        return keys
    }

    func loadSummary() throws -> IndexSummary? {
        let path = descriptor.path("Summary.db")
        guard try files.exists(path) else { return nil }
        return try IndexSummary.parse(path: path, bytes: try files.readAll(path))
    }

    /// Where in Data.db to start reading for `filter`: the first partition that can match,
    /// found through Summary.db and Index.db without reading Data.db. Nil: no index, start at 0.
    /// `.none` when no partition of this file can match.
    func startPosition(for filter: PartitionFilter, partitioner: Partitioner) throws -> Int64?? {
        guard filter != .all, let index = try positionedIndex(for: filter, partitioner: partitioner) else { return .some(nil) }
        let keyToken: Token? = { if case .key(let k) = filter { return partitioner.token(k) } else { return nil } }()
        while let e = try index.next() {
            switch filter.classify(token: partitioner.token(e.key), key: e.key, keyToken: keyToken) {
            case .before: continue
            case .inside: return .some(e.dataPosition)
            case .after: return .none
            }
        }
        return .none
    }

    /// Index.db positioned at the last entry Summary.db samples strictly before what `filter`
    /// selects (its start without a summary), or nil without an Index.db.
    func positionedIndex(for filter: PartitionFilter, partitioner: Partitioner) throws -> PartitionIndexReader? {
        guard let index = try openIndex() else { return nil }
        let keyToken: Token? = { if case .key(let k) = filter { return partitioner.token(k) } else { return nil } }()
        if filter != .all, let summary = try loadSummary(), !summary.keys.isEmpty {
            var lo = 0, hi = summary.keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                let k = summary.keys[mid]
                if filter.classify(token: partitioner.token(k), key: k, keyToken: keyToken) == .before { lo = mid + 1 } else { hi = mid }
            }
            if lo > 0 { try index.seek(to: summary.indexPositions[lo - 1]) }
        }
        return index
    }
}
