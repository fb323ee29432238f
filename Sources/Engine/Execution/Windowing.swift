import Columnar

/// Window functions: every input row is kept, in input order, with one value appended per
/// window function, computed over the row's partition in the window's order.
enum Windowing {
    static func run(_ input: Operator, _ windows: [BoundWindow], schema: [Field]) throws -> [Batch] {
        var batches: [Batch] = []
        while let b = try input.next() { batches.append(b) }
        var rows: [[Value]] = []
        for b in batches { for i in 0..<b.count { rows.append(b.row(i)) } }
        var results = [[Value]](repeating: [], count: rows.count)
        for w in windows {
            // Partition keys, order keys and arguments of every row.
            var parts: [[Value]] = [], orders: [[Value]] = [], args: [[Value]] = []
            for b in batches {
                let pc = try w.partitionBy.map { try Evaluator.evaluate($0, b) }
                let oc = try w.orderBy.map { try Evaluator.evaluate($0.expr, b) }
                let ac = try w.arguments.map { try Evaluator.evaluate($0, b) }
                for i in 0..<b.count {
                    parts.append(pc.map { ValueOrder.hashKey($0.value(at: i)) })
                    orders.append(oc.map { $0.value(at: i) })
                    args.append(ac.map { $0.value(at: i) })
                }
            }
            var groups: [[Value]: [Int]] = [:]
            var groupOrder: [[Value]] = []
            for (i, p) in parts.enumerated() {
                if groups[p] == nil { groupOrder.append(p) }
                groups[p, default: []].append(i)
            }
            var out = [Value](repeating: .null, count: rows.count)
            for key in groupOrder {
                let members = groups[key]!.sorted { x, y in
                    let c = compareOrder(orders[x], orders[y], w.orderBy)
                    return c != 0 ? c < 0 : x < y
                }
                try compute(w, members, orders, args, into: &out)
            }
            for i in rows.indices { results[i].append(out[i]) }
        }
        return Executor.batches(rows.indices.map { rows[$0] + results[$0] }, schema)
    }

    static func compareOrder(_ a: [Value], _ b: [Value], _ keys: [SortKey]) -> Int {
        for (k, key) in keys.enumerated() {
            let x = a[k], y = b[k]
            if x.isNull || y.isNull {
                if x.isNull && y.isNull { continue }
                return x.isNull == key.nullsFirst ? -1 : 1
            }
            let c = ValueOrder.compare(x, y)
            if c != 0 { return key.ascending ? c : -c }
        }
        return 0
    }

    static func compute(_ w: BoundWindow, _ members: [Int], _ orders: [[Value]], _ args: [[Value]], into out: inout [Value]) throws {
        let n = members.count
        // Peer groups: rows equal in the window order.
        var peerEnd = [Int](repeating: 0, count: n)
        var peerStart = [Int](repeating: 0, count: n)
        var start = 0
        for i in 0..<n {
            if i > 0 && compareOrder(orders[members[i - 1]], orders[members[i]], w.orderBy) != 0 { start = i }
            peerStart[i] = start
        }
        var end = n - 1
        for i in stride(from: n - 1, through: 0, by: -1) {
            if i < n - 1 && compareOrder(orders[members[i + 1]], orders[members[i]], w.orderBy) != 0 { end = i }
            peerEnd[i] = end
        }
        func frame(_ i: Int) -> Range<Int> {
            if let f = w.frame {
                let lo = f.start.map { max(0, i + $0) } ?? 0
                let hi = f.end.map { min(n - 1, i + $0) } ?? n - 1
                return lo <= hi ? lo..<(hi + 1) : 0..<0
            }
            return w.orderBy.isEmpty ? 0..<n : 0..<(peerEnd[i] + 1)
        }
        var dense = 0
        let aggregateKinds: [BoundWindow.Kind: BoundAggregate.Kind] = [.count: .count, .sum: .sum, .min: .min, .max: .max, .avg: .avg]
        let bound = w.aggregate ?? BoundAggregate(kind: aggregateKinds[w.kind] ?? .count, argument: nil, separator: "", distinct: false, type: w.type)
        let startsAtPartition = w.frame?.start == nil
        var running = Aggregation.State()
        var folded = 0
        for i in 0..<n {
            let row = members[i]
            if i == 0 || peerStart[i] == i { dense += 1 }
            switch w.kind {
            case .rowNumber: out[row] = .int(Int64(i + 1))
            case .rank: out[row] = .int(Int64(peerStart[i] + 1))
            case .denseRank: out[row] = .int(Int64(dense))
            case .lag, .lead:
                let offset = args[row].count > 1 ? Int(MoreBuiltins.int(args[row][1])) : 1
                let j = w.kind == .lag ? i - offset : i + offset
                out[row] = j >= 0 && j < n ? args[members[j]][0] : (args[row].count > 2 ? args[row][2] : .null)
            case .firstValue:
                let f = frame(i)
                out[row] = f.isEmpty ? .null : args[members[f.lowerBound]][0]
            case .lastValue:
                let f = frame(i)
                out[row] = f.isEmpty ? .null : args[members[f.upperBound - 1]][0]
            case .countStar:
                out[row] = .int(Int64(frame(i).count))
            case .count, .sum, .min, .max, .avg, .user:
                let f = frame(i)
                if startsAtPartition {
                    // Frames that all start at the partition's first row only grow: fold the
                    // new rows into the running state instead of refolding the frame.
                    while folded < f.upperBound {
                        try Aggregation.fold(&running, bound, args[members[folded]][0])
                        folded += 1
                    }
                    out[row] = try Aggregation.finish(running, bound)
                } else {
                    var agg = Aggregation.State()
                    for j in f { try Aggregation.fold(&agg, bound, args[members[j]][0]) }
                    out[row] = try Aggregation.finish(agg, bound)
                }
            }
        }
    }
}
