import Columnar
import SQL

/// Joins: a hash join on the equality keys (the right side is built into a table, typed for
/// one integer-like key), else a nested loop; a residual condition filters the matches; outer
/// joins pad with NULLs. Output columns are gathered from both sides, not built per value.
/// The right side is built once; left batches stream through the probe (on every thread of a
/// pipeline for inner and left joins, which need no shared state).
final class HashJoinTable: @unchecked Sendable {
    let kind: SQL.JoinKind
    let leftKeys: [BoundExpr]
    let residual: BoundExpr?
    let leftSchema: [Field], rightSchema: [Field]
    let rightCount: Int
    let rightColumns: [Column]
    let typed: Bool
    /// Key → distinct-key id → first right row; rows of one key chain through `next`.
    let intIds: IntHashMap
    let heads: [Int]
    let valueHead: [[Value]: Int]
    let next: [Int]

    init(_ kind: SQL.JoinKind, right: Operator, leftKeys: [BoundExpr], rightKeys: [BoundExpr], residual: BoundExpr?,
         leftSchema: [Field], rightSchema: [Field]) throws {
        self.kind = kind
        self.leftKeys = leftKeys
        self.residual = residual
        self.leftSchema = leftSchema
        self.rightSchema = rightSchema
        var rightBatches: [Batch] = []
        while let b = try right.next() { if b.count > 0 { rightBatches.append(b) } }
        rightCount = rightBatches.reduce(0) { $0 + $1.count }
        rightColumns = rightSchema.indices.map { i in Column.concat(rightBatches.map { $0.columns[i] }, type: rightSchema[i].type) }
        let rightKeyColumns = try rightKeys.map { k in Column.concat(try rightBatches.map { try Evaluator.evaluate(k, $0) }, type: k.type) }
        typed = rightKeys.count == 1 && Aggregation.isIntLike(rightKeys[0].type) && Aggregation.isIntLike(leftKeys[0].type)
        // Built in locals: stored properties of a class pay an exclusivity check per access.
        var next = [Int](repeating: -1, count: rightCount)
        var intIds = IntHashMap(), heads: [Int] = [], valueHead: [[Value]: Int] = [:]
        if typed {
            let v = rightKeyColumns[0].int64Values()
            intIds = IntHashMap(capacity: rightCount)
            for i in stride(from: rightCount - 1, through: 0, by: -1) where !rightKeyColumns[0].isNull(i) {
                let id = intIds.findOrInsert(v[i]) { heads.append(-1); return heads.count - 1 }
                next[i] = heads[id]
                heads[id] = i
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
        self.next = next
        self.intIds = intIds
        self.heads = heads
        self.valueHead = valueHead
    }

    /// The output for one left batch; marks matched right rows when `matchedRight` is given.
    func probe(_ b: Batch, matchedRight: inout [Bool]) throws -> [Batch] {
        let keyColumns = try leftKeys.map { try Evaluator.evaluate($0, b) }
        var li: [Int] = [], ri: [Int] = []
        if leftKeys.isEmpty {
            for i in 0..<b.count { for j in 0..<rightCount { li.append(i); ri.append(j) } }
        } else if typed {
            let v = keyColumns[0].int64Values()
            for i in 0..<b.count where !keyColumns[0].isNull(i) {
                guard let id = intIds.find(v[i]) else { continue }
                var j = heads[id]
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
        if kind == .right || kind == .full { for j in ri { matchedRight[j] = true } }
        if kind == .left || kind == .full {
            var matchedLeft = [Bool](repeating: false, count: b.count)
            for i in li { matchedLeft[i] = true }
            for i in 0..<b.count where !matchedLeft[i] { li.append(i); ri.append(-1) }
            // Unmatched rows go back among the others: rows in input order.
            let order = li.indices.sorted { li[$0] != li[$1] ? li[$0] < li[$1] : $0 < $1 }
            return emit(b, order.map { li[$0] }, order.map { ri[$0] })
        }
        return emit(b, li, ri)
    }

    /// Right rows no left row matched (RIGHT and FULL joins), padded on the left.
    func unmatched(_ matchedRight: [Bool]) -> [Batch] {
        let rows = (0..<rightCount).filter { !matchedRight[$0] }
        return emit(nil, rows, rows)
    }

    /// Pairs of rows as batches of the usual size.
    func emit(_ l: Batch?, _ li: [Int], _ ri: [Int]) -> [Batch] {
        var out: [Batch] = []
        var s = 0
        while s < li.count {
            let e = min(li.count, s + Batch.capacity)
            let lpart = Array(li[s..<e]), rpart = Array(ri[s..<e])
            let lc = l.map { b in b.columns.map { Joining.gather($0, lpart) } } ?? leftSchema.map { Column.constant(.null, type: $0.type, count: lpart.count) }
            let rc = rightCount == 0 ? rightSchema.map { Column.constant(.null, type: $0.type, count: lpart.count) }
                : rightColumns.map { Joining.gather($0, rpart) }
            out.append(Batch(columns: lc + rc, count: lpart.count))
            s = e
        }
        return out
    }
}

/// Streams left batches through a built join table.
final class JoinProbeOperator: BatchStream {
    let left: BatchStream
    let table: HashJoinTable
    var pending: [Batch] = []
    var matchedRight: [Bool]
    var leftDone = false
    init(_ left: BatchStream, _ table: HashJoinTable) {
        self.left = left
        self.table = table
        matchedRight = table.kind == .right || table.kind == .full ? [Bool](repeating: false, count: table.rightCount) : []
    }
    func next() throws -> Batch? {
        while pending.isEmpty {
            if leftDone { return nil }
            if let b = try left.next() {
                pending = try table.probe(b, matchedRight: &matchedRight)
            } else {
                leftDone = true
                if table.kind == .right || table.kind == .full { pending = table.unmatched(matchedRight) }
            }
        }
        return pending.removeFirst()
    }
}

enum Joining {
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
