import Columnar

/// Evaluates bound expressions over a batch, a column at a time.
public enum Evaluator {
    public static func evaluate(_ e: BoundExpr, _ batch: Batch) throws -> Column {
        let count = batch.count
        switch e {
        case .column(let i, _):
            return batch.columns[i]
        case .constant(let v, let t):
            return .constant(v, type: t, count: count)
        case .parameter(let i, _):
            throw runtimeError("outer reference $\(i) evaluated outside its subquery")
        case .call(let f, let args):
            return try f.kernel(try args.map { try evaluate($0, batch) }, count)
        case .cast(let inner, let t, let isTry):
            return try Cast.cast(try evaluate(inner, batch), to: t, isTry: isTry)
        case .not(let inner):
            let c = try evaluate(inner, batch)
            let v = c.boolValues()
            return Column(type: .boolean, count: count, validity: combinedValidity([c], count: count), data: .bool(v.map { !$0 }))
        case .isNull(let inner, let negated):
            let c = try evaluate(inner, batch)
            return Column(type: .boolean, count: count, validity: nil, data: .bool((0..<count).map { c.isNull($0) != negated }))
        case .and(let operands), .or(let operands):
            let isAnd: Bool
            if case .and = e { isAnd = true } else { isAnd = false }
            return try logical(operands.map { try evaluate($0, batch) }, isAnd: isAnd, count: count)
        case .inList(let needle, let items, let negated):
            let n = try evaluate(needle, batch)
            var anyTrue = [Bool](repeating: false, count: count)
            var anyNull = [Bool](repeating: false, count: count)
            for item in items {
                let eq = try Builtins.comparison("=", [n.type, item.type])
                    .map { try $0.kernel([n, try evaluate(item, batch)], count) }
                guard let eq else { throw runtimeError("cannot compare \(n.type) with \(item.type) in IN") }
                let v = eq.boolValues()
                for i in 0..<count {
                    if eq.isNull(i) { anyNull[i] = true } else if v[i] { anyTrue[i] = true }
                }
            }
            var validity = Bitmap(count: count, allSet: true)
            var out = [Bool](repeating: false, count: count)
            for i in 0..<count {
                // x IN () is false even for a NULL x: there is nothing it could equal.
                if anyTrue[i] { out[i] = !negated } else if !items.isEmpty && (anyNull[i] || n.isNull(i)) { validity[i] = false } else { out[i] = negated }
            }
            return Column(type: .boolean, count: count, validity: validity, data: .bool(out))
        case .caseWhen(let branches, let otherwise, let t):
            return try caseWhen(branches, otherwise, t, batch)
        }
    }

    /// Three-valued AND/OR: false AND anything is false, true OR anything is true, otherwise
    /// NULL if any operand is NULL.
    static func logical(_ columns: [Column], isAnd: Bool, count: Int) throws -> Column {
        var out = [Bool](repeating: isAnd, count: count)
        var unknown = [Bool](repeating: false, count: count)
        for c in columns {
            let v = c.boolValues()
            for i in 0..<count {
                if c.isNull(i) { unknown[i] = true; continue }
                if isAnd && !v[i] { out[i] = false }
                if !isAnd && v[i] { out[i] = true }
            }
        }
        var validity = Bitmap(count: count, allSet: true)
        for i in 0..<count where unknown[i] && out[i] == isAnd { validity[i] = false }
        return Column(type: .boolean, count: count, validity: validity, data: .bool(out))
    }

    /// CASE evaluates each branch only on the rows still undecided, so that a branch that
    /// would fail (a division by zero) on rows it does not decide never runs on them.
    static func caseWhen(_ branches: [(when: BoundExpr, then: BoundExpr)], _ otherwise: BoundExpr?, _ t: DataType,
                         _ batch: Batch) throws -> Column {
        var results = [Value](repeating: .null, count: batch.count)
        var remaining = Array(0..<batch.count)
        for b in branches where !remaining.isEmpty {
            let sub = remaining.count == batch.count ? batch : Batch(columns: batch.columns.map { $0.take(remaining) }, count: remaining.count)
            let cond = try evaluate(b.when, sub)
            let cv = cond.boolValues()
            var taken: [Int] = [], rest: [Int] = []
            for (j, row) in remaining.enumerated() {
                if !cond.isNull(j) && cv[j] { taken.append(j) } else { rest.append(row) }
            }
            if !taken.isEmpty {
                let thenBatch = Batch(columns: sub.columns.map { $0.take(taken) }, count: taken.count)
                let values = try Cast.cast(try evaluate(b.then, thenBatch), to: t, isTry: false)
                for (k, j) in taken.enumerated() { results[remaining[j]] = values.value(at: k) }
            }
            remaining = rest
        }
        if let otherwise, !remaining.isEmpty {
            let sub = Batch(columns: batch.columns.map { $0.take(remaining) }, count: remaining.count)
            let values = try Cast.cast(try evaluate(otherwise, sub), to: t, isTry: false)
            for (k, row) in remaining.enumerated() { results[row] = values.value(at: k) }
        }
        var builder = ColumnBuilder(type: t, capacity: batch.count)
        for v in results { builder.append(v) }
        return builder.finish()
    }
}
