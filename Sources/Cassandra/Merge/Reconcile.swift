/// The reconciliation rules Cassandra applies when several versions of the same data meet
/// (`db.rows.Cells.reconcile`, `LivenessInfo.supersedes`, `CounterContext.merge`).
public enum Reconcile {
    public enum Outcome {
        case first, second
        /// Counter cells: a new version with merged context bytes.
        case merged(Cell, [UInt8])
    }

    /// Which of two versions of the same cell wins. `now` is the reference time in seconds
    /// (nil: expiry ignored); reconciliation itself does not depend on it.
    public static func cell(_ a: Cell, _ aValue: Bytes, _ b: Cell, _ bValue: Bytes, isCounter: Bool, now: Int64?) -> Outcome {
        if isCounter && !a.isTombstone && !b.isTombstone {
            // Live counter cells merge their contexts; the later timestamp stays.
            return .merged(a.timestamp >= b.timestamp ? a : b, Array(CounterContext.merge(aValue, bValue)))
        }
        if a.timestamp != b.timestamp { return a.timestamp > b.timestamp ? .first : .second }
        // Same timestamp: a tombstone or expiring cell beats a regular one, whatever the
        // clock (CASSANDRA-14592); a tombstone beats an expiring cell.
        let aDel = a.isTombstone || a.isExpiring, bDel = b.isTombstone || b.isExpiring
        if aDel || bDel {
            if aDel != bDel { return aDel ? .first : .second }
            if a.isTombstone != b.isTombstone { return a.isTombstone ? .first : .second }
            if a.localDeletionTime != b.localDeletionTime { return a.localDeletionTime > b.localDeletionTime ? .first : .second }
        }
        // Otherwise the greater value (unsigned bytes) wins, so every replica agrees.
        return bValue.lexicographicallyPrecedes(aValue) || aValue == bValue ? .first : .second
    }
}

/// Counter contexts (`db.context.CounterContext`): a header of shard indices, then shards of
/// (16-byte counter id, clock, count). A counter's value is the sum of its shards' counts.
public enum CounterContext {
    struct Shard {
        var id: ArraySlice<UInt8>
        var clock: Int64
        var count: Int64
    }

    static func shards(_ bytes: Bytes) -> [Shard]? {
        let context = Array(bytes)
        guard context.count >= 2 else { return context.isEmpty ? [] : nil }
        let headerCount = Int(abs(Int32(Int16(bitPattern: UInt16(context[0]) << 8 | UInt16(context[1])))))
        let bodyStart = 2 + headerCount * 2
        guard bodyStart <= context.count, (context.count - bodyStart) % 32 == 0 else { return nil }
        func long(_ at: Int) -> Int64 {
            var v: UInt64 = 0
            for i in 0..<8 { v = v << 8 | UInt64(context[at + i]) }
            return Int64(bitPattern: v)
        }
        var result: [Shard] = []
        var at = bodyStart
        while at < context.count {
            result.append(Shard(id: context[at..<(at + 16)], clock: long(at + 16), count: long(at + 24)))
            at += 32
        }
        return result
    }

    /// The counter's value, or nil if the bytes are not a counter context.
    public static func total(_ context: Bytes) -> Int64? {
        guard let s = shards(context) else { return nil }
        return s.reduce(0) { $0 &+ $1.count }
    }

    /// Merges two contexts of the same counter: per counter id the shard with the higher
    /// clock wins. Written back as a context of global shards.
    static func merge(_ a: Bytes, _ b: Bytes) -> Bytes {
        guard let sa = shards(a), let sb = shards(b) else { return a }
        var byId: [ArraySlice<UInt8>: Shard] = [:]
        var order: [ArraySlice<UInt8>] = []
        for s in sa + sb {
            if let old = byId[s.id] {
                if s.clock > old.clock || (s.clock == old.clock && s.count > old.count) { byId[s.id] = s }
            } else {
                byId[s.id] = s
                order.append(s.id)
            }
        }
        order.sort { $0.lexicographicallyPrecedes($1) }
        var out: [UInt8] = []
        let n = UInt16(order.count)
        out.append(UInt8(n >> 8)); out.append(UInt8(n & 0xff))
        // Header: every shard is global (index encoded as a negative short).
        for i in 0..<order.count {
            let v = UInt16(bitPattern: Int16(-0x8000 + i))
            out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xff))
        }
        for id in order {
            let s = byId[id]!
            out.append(contentsOf: id)
            for v in [s.clock, s.count] {
                for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (UInt64(i) * 8))) }
            }
        }
        return out[...]
    }
}
