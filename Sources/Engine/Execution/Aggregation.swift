import Threads
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
        /// A program's aggregate's state.
        var user: AggregateBox?
    }

    /// Groups and their states for one input (a partition, or the whole input); partial
    /// tables of partitions merge into one.
    struct GroupTable {
        let groups: [BoundExpr]
        let aggregates: [BoundAggregate]
        let singleIntKey: Bool
        /// One integer-like key: group ids by the key's 64 bits, keys kept unboxed.
        var intGroups = IntHashMap()
        var intKeys: [Int64] = []
        var nullGroup: Int?
        /// Any other keys: by canonical values.
        var valueGroups: [[Value]: Int] = [:]
        var keys: [[Value]] = []
        var groupCount = 0
        var states: [[State]]

        init(groups: [BoundExpr], aggregates: [BoundAggregate]) {
            self.groups = groups
            self.aggregates = aggregates
            singleIntKey = groups.count == 1 && isIntLike(groups[0].type)
            states = aggregates.map { _ in [] }
            if groups.isEmpty { _ = newGroup() }
        }

        mutating func newGroup() -> Int {
            for a in states.indices { states[a].append(State()) }
            groupCount += 1
            return groupCount - 1
        }

        @inline(__always) mutating func intGroup(_ v: Int64) -> Int {
            if let g = intGroups.find(v) { return g }
            let g = newGroup()
            intKeys.append(v)
            _ = intGroups.findOrInsert(v) { g }
            return g
        }

        mutating func nullIntGroup() -> Int {
            if let g = nullGroup { return g }
            let g = newGroup()
            intKeys.append(0)
            nullGroup = g
            return g
        }

        mutating func valueGroup(_ key: [Value]) -> Int {
            let hash = key.map(ValueOrder.hashKey)
            if let g = valueGroups[hash] { return g }
            let g = newGroup()
            keys.append(key)
            valueGroups[hash] = g
            return g
        }

        mutating func consume(_ b: Batch) throws {
            let count = b.count
            let keyColumns = try groups.map { try Evaluator.evaluate($0, b) }
            var ids = [Int](repeating: 0, count: count)
            if groups.isEmpty {
                // Every row is group 0.
            } else if singleIntKey {
                let c = keyColumns[0]
                let v = c.int64Values()
                for i in 0..<count { ids[i] = c.isNull(i) ? nullIntGroup() : intGroup(v[i]) }
            } else {
                for i in 0..<count { ids[i] = valueGroup(keyColumns.map { $0.value(at: i) }) }
            }
            for (a, agg) in aggregates.enumerated() {
                var arg = try agg.argument.map { try Evaluator.evaluate($0, b) }
                if let filter = agg.filter {
                    // Only the rows where the condition is true (not false, not NULL).
                    let keep = try Evaluator.evaluate(filter, b)
                    var rows: [Int] = []
                    for i in 0..<count where !keep.isNull(i) { if case .bool(true) = keep.value(at: i) { rows.append(i) } }
                    if rows.count < count {
                        arg = arg.map { $0.take(rows) }
                        try foldBatch(&states[a], agg, arg, rows.map { ids[$0] }, rows.count)
                        continue
                    }
                }
                try foldBatch(&states[a], agg, arg, ids, count)
            }
        }

        /// Folds another table's groups in, as if its input had followed this one's.
        mutating func merge(_ other: GroupTable) throws {
            for g in 0..<other.groupCount {
                let mine: Int
                if groups.isEmpty { mine = 0 }
                else if singleIntKey { mine = g == other.nullGroup ? nullIntGroup() : intGroup(other.intKeys[g]) }
                else { mine = valueGroup(other.keys[g]) }
                for a in aggregates.indices { try Aggregation.merge(&states[a][mine], other.states[a][g], aggregates[a]) }
            }
        }

        /// Group columns then aggregate columns, built column by column.
        func finish(schema: [Field]) throws -> [Batch] {
            var out: [Batch] = []
            var start = 0
            repeat {
                let end = min(groupCount, start + Batch.capacity)
                var columns: [Column] = []
                if singleIntKey {
                    var b = ColumnBuilder(type: schema[0].type, capacity: end - start)
                    for g in start..<end { b.append(g == nullGroup ? .null : Aggregation.intValue(intKeys[g], schema[0].type)) }
                    columns.append(b.finish())
                } else {
                    for k in groups.indices {
                        var b = ColumnBuilder(type: schema[k].type, capacity: end - start)
                        for g in start..<end { b.append(keys[g][k]) }
                        columns.append(b.finish())
                    }
                }
                for a in aggregates.indices {
                    var b = ColumnBuilder(type: schema[groups.count + a].type, capacity: end - start)
                    for g in start..<end { b.append(try Aggregation.finish(states[a][g], aggregates[a])) }
                    columns.append(b.finish())
                }
                out.append(Batch(columns: columns, count: end - start))
                start = end
            } while start < groupCount
            return out
        }
    }

    /// The value of a typed integer key.
    static func intValue(_ v: Int64, _ type: DataType) -> Value {
        switch type {
        case .date: return .date(Int32(truncatingIfNeeded: v))
        case .time: return .time(v)
        case .timestamp: return .timestamp(v)
        default: return .int(v)
        }
    }

    static func run(_ input: Operator, groups: [BoundExpr], aggregates: [BoundAggregate], schema: [Field]) throws -> [Batch] {
        var table = GroupTable(groups: groups, aggregates: aggregates)
        while let b = try input.next() { try table.consume(b) }
        return try table.finish(schema: schema)
    }

    /// Whether partial tables of partitions can be merged: DISTINCT aggregates need every
    /// value seen in one place.
    static func mergeable(_ aggregates: [BoundAggregate]) -> Bool { !aggregates.contains { $0.distinct } }

    /// Aggregates a pipeline on several threads, each folding a contiguous run of partitions
    /// into one partial table; the partials merge in partition order, so groups come out in
    /// the order one thread finds them. (One partial per thread, not per partition: with many
    /// groups, merging per partition cost as much as the aggregation itself.)
    static func runParallel(_ pipeline: Pipeline, threads: Int, groups: [BoundExpr], aggregates: [BoundAggregate], schema: [Field]) throws -> [Batch] {
        let n = pipeline.partitions.count
        let chunks = max(1, min(threads, n))
        var total = GroupTable(groups: groups, aggregates: aggregates)
        var first = true
        try forEachPartition(chunks, threads: chunks, { c in
            var table = GroupTable(groups: groups, aggregates: aggregates)
            for p in (c * n / chunks)..<((c + 1) * n / chunks) {
                let stream = try pipeline.open(p)
                while let b = try stream.next() { try table.consume(b) }
            }
            return UncheckedBox(table)
        }, consume: { partial in
            if first { total = partial.value; first = false } else { try total.merge(partial.value) }
        })
        return try total.finish(schema: schema)
    }

    static func merge(_ s: inout State, _ o: State, _ a: BoundAggregate) throws {
        s.count += o.count
        s.intSum &+= o.intSum
        s.doubleSum += o.doubleSum
        switch a.kind {
        case .min, .max:
            if o.best.isNull { break }
            if s.best.isNull { s.best = o.best; break }
            let c = ValueOrder.compare(o.best, s.best)
            if (a.kind == .min && c < 0) || (a.kind == .max && c > 0) { s.best = o.best }
        case .boolAnd: if let b = o.boolean { s.boolean = (s.boolean ?? true) && b }
        case .boolOr: if let b = o.boolean { s.boolean = (s.boolean ?? false) || b }
        case .stringAgg: s.strings += o.strings
        case .arrayAgg: s.items += o.items
        case .user:
            guard let f = a.user, let other = o.user else { break }
            if s.user == nil { s.user = f.make() }
            do { try f.merge(s.user!, other) } catch { throw userError(f, "merge", error) }
        default: break
        }
    }

    static func userError(_ f: AggregateFunction, _ step: String, _ error: Error, values: [Value]? = nil) -> SQLError {
        let message = (error as? SQLError)?.message ?? "\(error)"
        let at = values.map { " with (" + ScalarFunction.shown($0, f.arguments) + ")" } ?? ""
        return SQLError(.runtime, "aggregate \(f.name) failed in \(step)\(at): \(message)")
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
            if case .decimal(_, let scale) = arg.type {
                // Exact: unscaled values summed in 128 bits.
                let v = try DecimalMath.unscaled(arg, scale: scale)
                for i in 0..<count where !arg.isNull(i) {
                    let g = ids[i]
                    states[g].count += 1
                    let (r, overflow) = states[g].intSum.addingReportingOverflow(v[i])
                    if overflow { throw runtimeError("sum of DECIMAL values overflows 128 bits") }
                    states[g].intSum = r
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
        if a.kind == .user, let f = a.user {
            let values: [Value]
            if f.arguments.count == 1 { values = [v] } else if case .structure(let items) = v { values = items } else { values = f.arguments.map { _ in .null } }
            if f.strict && values.contains(where: \.isNull) { return }
            // DISTINCT: each distinct argument (tuple) once per group; such aggregates are
            // not split over partitions (`mergeable`), so the set sees every row of its group.
            if a.distinct { guard s.seen.insert(ValueOrder.hashKey(v)).inserted else { return } }
            if s.user == nil { s.user = f.make() }
            do { try f.update(s.user!, values) } catch { throw userError(f, "update", error, values: values) }
            s.count += 1
            return
        }
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
            case .decimal(let u, _):
                let (r, overflow) = s.intSum.addingReportingOverflow(u)
                if overflow { throw runtimeError("sum of DECIMAL values overflows 128 bits") }
                s.intSum = r
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
        case .arrayAgg, .user: break
        }
    }

    static func finish(_ s: State, _ a: BoundAggregate) throws -> Value {
        switch a.kind {
        case .countStar, .count: return .int(s.count)
        case .sum:
            if s.count == 0 { return .null }
            if a.type == .double { return .double(s.doubleSum) }
            if a.type == .hugeint { return .hugeint(s.intSum) }
            if case .decimal(let p, let scale) = a.type {
                guard DecimalMath.fits(s.intSum, precision: p) else { throw runtimeError("sum \(ValueText.decimal(s.intSum, scale: scale)) overflows DECIMAL(\(p),\(scale))") }
                return .decimal(s.intSum, scale: scale)
            }
            guard let v = Int64(exactly: s.intSum) else {
                throw runtimeError("sum \(s.intSum) overflows BIGINT")
            }
            return .int(v)
        case .avg:
            if s.count == 0 { return .null }
            if a.type == .timestamp {
                // Dates sum as days, timestamps as microseconds; the mean rounds toward zero.
                let perUnit: Int128 = a.argument?.type == .date ? 86_400_000_000 : 1
                return .timestamp(Int64(clamping: s.intSum * perUnit / Int128(s.count)))
            }
            if case .decimal(_, let scale) = a.argument?.type {
                // From the exact sum: one rounding, not one per value.
                return .double(Double(s.intSum) / pow10(scale) / Double(s.count))
            }
            return .double(s.doubleSum / Double(s.count))
        case .min, .max: return s.best
        case .boolAnd, .boolOr: return s.boolean.map { .bool($0) } ?? .null
        case .stringAgg: return s.strings.isEmpty ? .null : .string(s.strings.joined(separator: a.separator))
        case .arrayAgg: return s.count == 0 ? .null : .list(s.items)
        case .user:
            guard let f = a.user else { return .null }
            let box = s.user ?? f.make()
            let v: Value
            do { v = try f.finish(box) } catch { throw userError(f, "finish", error) }
            if !v.isNull && !ScalarFunction.fits(v, f.returns) {
                throw SQLError(.runtime, "aggregate \(f.name) returned \(ValueText.render(v)); it is declared to return \(f.returns)")
            }
            return v
        }
    }
}
