import Columnar
import SQL

/// Hash aggregation: rows grouped by the values of the group expressions, each group
/// folding its aggregates. With no group expressions there is exactly one group (even for
/// no input rows: `SELECT count(*) FROM empty` is 0).
enum Aggregation {
    struct State {
        var count: Int64 = 0
        var intSum: Int64 = 0
        var overflowed = false
        var doubleSum: Double = 0
        var best: Value = .null
        var boolean: Bool?
        var strings: [String] = []
        var seen: Set<Value> = []
    }

    static func run(_ input: Operator, groups: [BoundExpr], aggregates: [BoundAggregate], schema: [Field]) throws -> [Batch] {
        // Group ids per row: typed for one integer-like key, by values otherwise.
        var intGroups: [Int64: Int] = [:]
        var nullGroup: Int?
        var valueGroups: [[Value]: Int] = [:]
        var keys: [[Value]] = []
        var states: [[State]] = aggregates.map { _ in [] }
        func newGroup(_ key: [Value]) -> Int {
            keys.append(key)
            for a in states.indices { states[a].append(State()) }
            return keys.count - 1
        }
        if groups.isEmpty { _ = newGroup([]) }
        let singleIntKey = groups.count == 1 && isIntLike(groups[0].type)
        while let b = try input.next() {
            let count = b.count
            let keyColumns = try groups.map { try Evaluator.evaluate($0, b) }
            var ids = [Int](repeating: 0, count: count)
            if groups.isEmpty {
                // Every row is group 0.
            } else if singleIntKey {
                let c = keyColumns[0]
                let v = c.int64Values()
                for i in 0..<count {
                    if c.isNull(i) {
                        if nullGroup == nil { nullGroup = newGroup([.null]) }
                        ids[i] = nullGroup!
                    } else if let g = intGroups[v[i]] {
                        ids[i] = g
                    } else {
                        let g = newGroup([c.value(at: i)])
                        intGroups[v[i]] = g
                        ids[i] = g
                    }
                }
            } else {
                for i in 0..<count {
                    let key = keyColumns.map { $0.value(at: i) }
                    let hash = key.map(ValueOrder.hashKey)
                    if let g = valueGroups[hash] { ids[i] = g } else {
                        let g = newGroup(key)
                        valueGroups[hash] = g
                        ids[i] = g
                    }
                }
            }
            for (a, agg) in aggregates.enumerated() {
                let arg = try agg.argument.map { try Evaluator.evaluate($0, b) }
                try foldBatch(&states[a], agg, arg, ids, count)
            }
        }
        var rows: [[Value]] = []
        rows.reserveCapacity(keys.count)
        for g in keys.indices {
            rows.append(keys[g] + aggregates.indices.map { finish(states[$0][g], aggregates[$0]) })
        }
        return Executor.batches(rows, schema)
    }

    static func isIntLike(_ t: DataType) -> Bool {
        switch t {
        case .tinyint, .smallint, .integer, .bigint, .date, .time, .timestamp: return true
        default: return false
        }
    }

    /// Folds one batch of an aggregate's argument into the groups' states: typed loops for
    /// counts, sums and averages of numbers, a value at a time for the rest.
    static func foldBatch(_ states: inout [State], _ a: BoundAggregate, _ arg: Column?, _ ids: [Int], _ count: Int) throws {
        if a.kind == .countStar {
            for i in 0..<count { states[ids[i]].count += 1 }
            return
        }
        guard let arg else { return }
        if !a.distinct, [.count, .sum, .avg].contains(a.kind) {
            if isIntLike(arg.type) {
                let v = arg.int64Values()
                for i in 0..<count where !arg.isNull(i) {
                    let g = ids[i]
                    states[g].count += 1
                    let (r, o) = states[g].intSum.addingReportingOverflow(v[i])
                    if o { states[g].overflowed = true }
                    states[g].intSum = r
                    states[g].doubleSum += Double(v[i])
                }
                return
            }
            if arg.type == .double || arg.type == .float {
                let v = arg.doubleValues()
                for i in 0..<count where !arg.isNull(i) {
                    states[ids[i]].count += 1
                    states[ids[i]].doubleSum += v[i]
                }
                return
            }
        }
        for i in 0..<count { try fold(&states[ids[i]], a, arg.value(at: i)) }
    }

    static func fold(_ s: inout State, _ a: BoundAggregate, _ v: Value) throws {
        if a.kind == .countStar { s.count += 1; return }
        if v.isNull { return }
        if a.distinct {
            guard s.seen.insert(ValueOrder.hashKey(v)).inserted else { return }
        }
        s.count += 1
        switch a.kind {
        case .countStar, .count: break
        case .sum, .avg:
            switch v {
            case .int(let i):
                let (r, o) = s.intSum.addingReportingOverflow(i)
                if o { s.overflowed = true }
                s.intSum = r
                s.doubleSum += Double(i)
            default:
                s.doubleSum += ValueOrder.number(v) ?? 0
            }
        case .min, .max:
            if s.best.isNull { s.best = v; return }
            let c = ValueOrder.compare(v, s.best)
            if (a.kind == .min && c < 0) || (a.kind == .max && c > 0) { s.best = v }
        case .boolAnd: if case .bool(let b) = v { s.boolean = (s.boolean ?? true) && b }
        case .boolOr: if case .bool(let b) = v { s.boolean = (s.boolean ?? false) || b }
        case .stringAgg: s.strings.append(ValueText.render(v))
        }
    }

    static func finish(_ s: State, _ a: BoundAggregate) -> Value {
        switch a.kind {
        case .countStar, .count: return .int(s.count)
        case .sum:
            if s.count == 0 { return .null }
            if a.type == .double { return .double(s.doubleSum) }
            // Integer sums are exact in 128 bits even when 64 overflow.
            if s.overflowed { return .hugeint(Int128(s.doubleSum)) }
            return a.type == .hugeint ? .hugeint(Int128(s.intSum)) : .int(s.intSum)
        case .avg: return s.count == 0 ? .null : .double(s.doubleSum / Double(s.count))
        case .min, .max: return s.best
        case .boolAnd, .boolOr: return s.boolean.map { .bool($0) } ?? .null
        case .stringAgg: return s.strings.isEmpty ? .null : .string(s.strings.joined(separator: a.separator))
        }
    }
}

/// Joins: a hash join on the equality keys (the right side is built into a table), else a
/// nested loop; a residual condition filters matches; outer joins pad with NULLs.
enum Joining {
    static func run(_ kind: SQL.JoinKind, _ left: Operator, _ right: Operator, leftKeys: [BoundExpr], rightKeys: [BoundExpr],
                    residual: BoundExpr?, leftSchema: [Field], rightSchema: [Field], schema: [Field]) throws -> [Batch] {
        let rightBatches = try drain(right)
        var rightRows: [[Value]] = []
        var rightKeyRows: [[Value]] = []
        for b in rightBatches {
            let kc = try rightKeys.map { try Evaluator.evaluate($0, b) }
            for i in 0..<b.count {
                rightRows.append(b.row(i))
                rightKeyRows.append(kc.map { $0.value(at: i) })
            }
        }
        var table: [[Value]: [Int]] = [:]
        if !leftKeys.isEmpty {
            for (i, k) in rightKeyRows.enumerated() where !k.contains(where: \.isNull) {
                table[k.map(ValueOrder.hashKey), default: []].append(i)
            }
        }
        var matchedRight = [Bool](repeating: false, count: rightRows.count)
        var out: [[Value]] = []
        let nullRight = [Value](repeating: .null, count: rightSchema.count)
        let nullLeft = [Value](repeating: .null, count: leftSchema.count)
        while let b = try left.next() {
            let kc = try leftKeys.map { try Evaluator.evaluate($0, b) }
            for i in 0..<b.count {
                let l = b.row(i)
                var candidates: [Int]
                if leftKeys.isEmpty {
                    candidates = Array(rightRows.indices)
                } else {
                    let k = kc.map { $0.value(at: i) }
                    candidates = k.contains(where: \.isNull) ? [] : table[k.map(ValueOrder.hashKey)] ?? []
                }
                if let residual, !candidates.isEmpty {
                    let rows = candidates.map { l + rightRows[$0] }
                    let batch = Executor.batches(rows, schema)
                    var kept: [Int] = []
                    var offset = 0
                    for bb in batch {
                        let m = try Evaluator.evaluate(residual, bb)
                        let v = m.boolValues()
                        for j in 0..<bb.count where v[j] && !m.isNull(j) { kept.append(candidates[offset + j]) }
                        offset += bb.count
                    }
                    candidates = kept
                }
                for j in candidates {
                    out.append(l + rightRows[j])
                    matchedRight[j] = true
                }
                if candidates.isEmpty && (kind == .left || kind == .full) { out.append(l + nullRight) }
            }
        }
        if kind == .right || kind == .full {
            for (j, r) in rightRows.enumerated() where !matchedRight[j] { out.append(nullLeft + r) }
        }
        return Executor.batches(out, schema)
    }

    static func drain(_ op: Operator) throws -> [Batch] {
        var out: [Batch] = []
        while let b = try op.next() { out.append(b) }
        return out
    }
}
