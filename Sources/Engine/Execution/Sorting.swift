import Columnar

/// Sorting: the input gathered into one column per output column, the row order computed
/// over typed key buffers (integers, doubles, strings; values otherwise), then every column
/// gathered in that order. Stable.
enum Sorting {
    /// How one key compares two rows, typed where the column allows it.
    enum KeyBuffer {
        case ints([Int64])
        case doubles([Double])
        case bytes(Column)
        case values(Column)
    }

    /// `limit`: only that many first rows are wanted (ORDER BY … LIMIT): they are kept in a
    /// sorted array of that size rather than sorting everything.
    static func run(_ input: Operator, keys: [SortKey], schema: [Field], limit: Int? = nil) throws -> [Batch] {
        var batches: [Batch] = []
        while let b = try input.next() { if b.count > 0 { batches.append(b) } }
        guard !batches.isEmpty else { return [] }
        let columns = schema.indices.map { i in Column.concat(batches.map { $0.columns[i] }, type: schema[i].type) }
        let keyColumns = try keys.map { k in
            Column.concat(try batches.map { try Evaluator.evaluate(k.expr, $0) }, type: k.expr.type)
        }
        let count = columns.first?.count ?? batches.reduce(0) { $0 + $1.count }
        let buffers: [KeyBuffer] = keyColumns.map { c in
            switch c.type {
            case .tinyint, .smallint, .integer, .bigint, .date, .time, .timestamp, .boolean: return .ints(c.int64Values())
            case .double, .float: return .doubles(c.doubleValues())
            case .varchar, .blob: return .bytes(c)
            default: return .values(c)
            }
        }
        let nulls: [Bitmap?] = keyColumns.map { $0.nullCount > 0 ? $0.validityBitmap() : nil }
        func precedes(_ x: Int, _ y: Int) -> Bool {
            for k in keys.indices {
                if let v = nulls[k] {
                    let xn = !v[x], yn = !v[y]
                    if xn || yn {
                        if xn && yn { continue }
                        return xn == keys[k].nullsFirst
                    }
                }
                let c: Int
                switch buffers[k] {
                case .ints(let a): c = a[x] < a[y] ? -1 : (a[x] > a[y] ? 1 : 0)
                case .doubles(let a): c = Builtins.compareDoubles(a[x], a[y])
                case .bytes(let col): c = col.withBytes(at: x) { l in col.withBytes(at: y) { r in Builtins.compareBytes(l, r) } }
                case .values(let col): c = ValueOrder.compare(col.value(at: x), col.value(at: y))
                }
                if c != 0 { return keys[k].ascending ? c < 0 : c > 0 }
            }
            return x < y
        }
        var order: [Int]
        if let limit, limit < count / 4 {
            order = []
            order.reserveCapacity(limit + 1)
            for i in 0..<count {
                if order.count == limit, let worst = order.last, !precedes(i, worst) { continue }
                var lo = 0, hi = order.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if precedes(order[mid], i) { lo = mid + 1 } else { hi = mid }
                }
                order.insert(i, at: lo)
                if order.count > limit { order.removeLast() }
            }
        } else {
            order = Array(0..<count)
            order.sort(by: precedes)
        }
        let sorted = columns.map { $0.take(order) }
        var out: [Batch] = []
        var start = 0
        let produced = order.count
        while start < produced {
            let end = min(produced, start + Batch.capacity)
            out.append(Batch(columns: sorted.map { $0.slice(start..<end) }, count: end - start))
            start = end
        }
        if schema.isEmpty { return [Batch(columns: [], count: produced)] }
        return out
    }

    /// Largest LIMIT for which the top-N streams: above it, re-sorting the kept rows with every
    /// batch costs more than gathering the input once.
    static let streamingLimit = 8192

    /// ORDER BY … LIMIT `limit` as the input streams: each batch is merged with the best rows
    /// so far and cut back to `limit`, so memory is the limit plus one batch. Rows kept from
    /// earlier batches come first among equals: the order is stable, as a full sort's.
    static func topN(_ input: Operator, keys: [SortKey], schema: [Field], limit: Int) throws -> Batch? {
        var kept: Batch?
        while let b = try input.next() {
            guard b.count > 0 else { continue }
            kept = try merge(kept, b, keys: keys, schema: schema, limit: limit)
        }
        return kept
    }

    /// The first `limit` rows of `a` then `b` in key order.
    static func merge(_ a: Batch?, _ b: Batch, keys: [SortKey], schema: [Field], limit: Int) throws -> Batch {
        let parts = a.map { [$0, b] } ?? [b]
        let sorted = try run(BatchListStream(parts), keys: keys, schema: schema, limit: limit)
        if sorted.count == 1 { return sorted[0] }
        let count = sorted.reduce(0) { $0 + $1.count }
        return Batch(columns: schema.indices.map { i in Column.concat(sorted.map { $0.columns[i] }, type: schema[i].type) }, count: count)
    }
}
