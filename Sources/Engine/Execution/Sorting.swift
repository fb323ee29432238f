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

    static func run(_ input: Operator, keys: [SortKey], schema: [Field]) throws -> [Batch] {
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
        var order = Array(0..<count)
        order.sort { x, y in
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
        let sorted = columns.map { $0.take(order) }
        var out: [Batch] = []
        var start = 0
        while start < count {
            let end = min(count, start + Batch.capacity)
            out.append(Batch(columns: sorted.map { $0.slice(start..<end) }, count: end - start))
            start = end
        }
        if schema.isEmpty { return [Batch(columns: [], count: count)] }
        return out
    }
}
