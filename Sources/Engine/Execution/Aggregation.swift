import Columnar
import SQL

/// Hash aggregation: rows grouped by the values of the group expressions, each group
/// folding its aggregates. With no group expressions there is exactly one group (even for
/// no input rows: `SELECT count(*) FROM empty` is 0).
enum Aggregation {
    struct State {
        var count: Int64 = 0
        /// Integer sums in 128 bits: exact where 64 would overflow.
        var intSum: Int128 = 0
        var doubleSum: Double = 0
        var best: Value = .null
        var boolean: Bool?
        var strings: [String] = []
        var items: [Value] = []
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
            rows.append(keys[g] + (try aggregates.indices.map { try finish(states[$0][g], aggregates[$0]) }))
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
                    states[g].intSum &+= Int128(v[i])
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
        // array_agg keeps NULLs, as PostgreSQL and DuckDB do.
        if a.kind == .arrayAgg {
            if a.distinct { guard s.seen.insert(ValueOrder.hashKey(v)).inserted else { return } }
            s.items.append(v)
            s.count += 1
            return
        }
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
                s.intSum &+= Int128(i)
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
        case .arrayAgg: break
        }
    }

    static func finish(_ s: State, _ a: BoundAggregate) throws -> Value {
        switch a.kind {
        case .countStar, .count: return .int(s.count)
        case .sum:
            if s.count == 0 { return .null }
            if a.type == .double { return .double(s.doubleSum) }
            if a.type == .hugeint { return .hugeint(s.intSum) }
            guard let v = Int64(exactly: s.intSum) else {
                throw runtimeError("sum \(s.intSum) overflows BIGINT")
            }
            return .int(v)
        case .avg: return s.count == 0 ? .null : .double(s.doubleSum / Double(s.count))
        case .min, .max: return s.best
        case .boolAnd, .boolOr: return s.boolean.map { .bool($0) } ?? .null
        case .stringAgg: return s.strings.isEmpty ? .null : .string(s.strings.joined(separator: a.separator))
        case .arrayAgg: return s.count == 0 ? .null : .list(s.items)
        }
    }
}

/// Joins: a hash join on the equality keys (the right side is built into a table, typed for
/// one integer-like key), else a nested loop; a residual condition filters the matches; outer
/// joins pad with NULLs. Output columns are gathered from both sides, not built per value.
enum Joining {
    static func run(_ kind: SQL.JoinKind, _ left: Operator, _ right: Operator, leftKeys: [BoundExpr], rightKeys: [BoundExpr],
                    residual: BoundExpr?, leftSchema: [Field], rightSchema: [Field], schema: [Field]) throws -> [Batch] {
        var rightBatches: [Batch] = []
        while let b = try right.next() { if b.count > 0 { rightBatches.append(b) } }
        let rightCount = rightBatches.reduce(0) { $0 + $1.count }
        let rightColumns = rightSchema.indices.map { i in Column.concat(rightBatches.map { $0.columns[i] }, type: rightSchema[i].type) }
        let rightKeyColumns = try rightKeys.map { k in Column.concat(try rightBatches.map { try Evaluator.evaluate(k, $0) }, type: k.type) }
        let typed = rightKeys.count == 1 && Aggregation.isIntLike(rightKeys[0].type) && Aggregation.isIntLike(leftKeys[0].type)
        // Build: chains of right rows per key (head + next), no array per key.
        var head: [Int64: Int] = [:]
        var valueHead: [[Value]: Int] = [:]
        var next = [Int](repeating: -1, count: rightCount)
        if typed {
            let v = rightKeyColumns[0].int64Values()
            for i in stride(from: rightCount - 1, through: 0, by: -1) where !rightKeyColumns[0].isNull(i) {
                next[i] = head[v[i]] ?? -1
                head[v[i]] = i
            }
        } else if !rightKeys.isEmpty {
            for i in stride(from: rightCount - 1, through: 0, by: -1) {
                let k = rightKeyColumns.map { $0.value(at: i) }
                if k.contains(where: \.isNull) { continue }
                let h = k.map(ValueOrder.hashKey)
                next[i] = valueHead[h] ?? -1
                valueHead[h] = i
            }
        }
        var matchedRight = [Bool](repeating: false, count: rightCount)
        var out: [Batch] = []
        func emit(_ l: Batch?, _ li: [Int], _ ri: [Int]) {
            guard !li.isEmpty else { return }
            let lc = l.map { b in b.columns.map { gather($0, li) } } ?? leftSchema.map { Column.constant(.null, type: $0.type, count: li.count) }
            let rc = rightColumns.map { gather($0, ri) }
            out.append(Batch(columns: lc + (rightCount == 0 ? rightSchema.map { Column.constant(.null, type: $0.type, count: li.count) } : rc), count: li.count))
        }
        while let b = try left.next() {
            let keyColumns = try leftKeys.map { try Evaluator.evaluate($0, b) }
            var li: [Int] = [], ri: [Int] = []
            if leftKeys.isEmpty {
                for i in 0..<b.count { for j in 0..<rightCount { li.append(i); ri.append(j) } }
            } else if typed {
                let v = keyColumns[0].int64Values()
                for i in 0..<b.count where !keyColumns[0].isNull(i) {
                    var j = head[v[i]] ?? -1
                    while j >= 0 { li.append(i); ri.append(j); j = next[j] }
                }
            } else {
                for i in 0..<b.count {
                    let k = keyColumns.map { $0.value(at: i) }
                    if k.contains(where: \.isNull) { continue }
                    var j = valueHead[k.map(ValueOrder.hashKey)] ?? -1
                    while j >= 0 { li.append(i); ri.append(j); j = next[j] }
                }
            }
            if let residual, !li.isEmpty {
                let pairs = Batch(columns: b.columns.map { $0.take(li) } + rightColumns.map { $0.take(ri) }, count: li.count)
                let m = try Evaluator.evaluate(residual, pairs)
                let v = m.boolValues()
                var kl: [Int] = [], kr: [Int] = []
                for p in 0..<li.count where v[p] && !m.isNull(p) { kl.append(li[p]); kr.append(ri[p]) }
                li = kl
                ri = kr
            }
            for j in ri { matchedRight[j] = true }
            if kind == .left || kind == .full {
                var matchedLeft = [Bool](repeating: false, count: b.count)
                for i in li { matchedLeft[i] = true }
                for i in 0..<b.count where !matchedLeft[i] { li.append(i); ri.append(-1) }
            }
            if kind == .left || kind == .full {
                // Unmatched rows go back among the others: rows in input order.
                let order = li.indices.sorted { li[$0] != li[$1] ? li[$0] < li[$1] : $0 < $1 }
                emit(b, order.map { li[$0] }, order.map { ri[$0] })
            } else {
                emit(b, li, ri)
            }
        }
        if kind == .right || kind == .full {
            let unmatched = (0..<rightCount).filter { !matchedRight[$0] }
            emit(nil, unmatched, unmatched)
        }
        // Large outputs go out in batches of the usual size.
        return out.flatMap { b -> [Batch] in
            guard b.count > Batch.capacity else { return [b] }
            return stride(from: 0, to: b.count, by: Batch.capacity).map { s in
                let e = min(b.count, s + Batch.capacity)
                return Batch(columns: b.columns.map { $0.slice(s..<e) }, count: e - s)
            }
        }
    }

    /// Rows `indices` of a column, -1 giving NULL (the padded side of an outer join).
    static func gather(_ c: Column, _ indices: [Int]) -> Column {
        guard indices.contains(where: { $0 < 0 }) else { return c.take(indices) }
        guard c.count > 0 else { return Column.constant(.null, type: c.type, count: indices.count) }
        if c.isConstant {
            var b = ColumnBuilder(type: c.type, capacity: indices.count)
            for i in indices { if i < 0 { b.appendNull() } else { b.append(c.value(at: i)) } }
            return b.finish()
        }
        let t = c.take(indices.map { max($0, 0) })
        var validity = t.validityBitmap()
        for (k, i) in indices.enumerated() where i < 0 { validity[k] = false }
        return Column(type: t.type, count: t.count, validity: validity, data: t.data)
    }
}
