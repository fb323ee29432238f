import Columnar
import SQL

/// A physical operator: produces its output a batch at a time. Scans, filters and
/// projections stream; sorts, aggregates, join builds and set operations gather their input.
public protocol Operator: AnyObject {
    func next() throws -> Batch?
}

public enum Executor {
    /// The operator tree for a plan.
    public static func build(_ plan: Plan) throws -> Operator {
        switch plan {
        case .scan(_, let table, let request, _): return BatchesOperator(try table.scan(request))
        case .values(let rows, let schema): return BatchesOperator([try valuesBatch(rows, schema)])
        case .filter(let p, let predicate): return FilterOperator(try build(p), predicate)
        case .project(let p, let exprs, _): return ProjectOperator(try build(p), exprs)
        case .aggregate(let p, let groups, let aggregates, let schema):
            return BatchesOperator(try Aggregation.run(try build(p), groups: groups, aggregates: aggregates, schema: schema))
        case .sort(let p, let keys): return BatchesOperator(try Sorting.run(try build(p), keys: keys, schema: p.schema))
        case .limit(.sort(let p, let keys), let limit?, let offset):
            // ORDER BY … LIMIT: a top-N keeps only the rows it can return.
            let top = try Sorting.run(try build(p), keys: keys, schema: p.schema, limit: limit + offset)
            return LimitOperator(BatchesOperator(top), limit: limit, offset: offset)
        case .limit(.project(.sort(let p, let keys), let exprs, _), let limit?, let offset):
            // The same through the projection that drops ORDER BY's hidden columns.
            let top = try Sorting.run(try build(p), keys: keys, schema: p.schema, limit: limit + offset)
            return LimitOperator(ProjectOperator(BatchesOperator(top), exprs), limit: limit, offset: offset)
        case .limit(let p, let limit, let offset): return LimitOperator(try build(p), limit: limit, offset: offset)
        
        case .distinct(let p): return BatchesOperator(try distinct(try build(p), schema: p.schema))
        case .join(let kind, let l, let r, let lk, let rk, let residual, let schema):
            return BatchesOperator(try Joining.run(kind, try build(l), try build(r), leftKeys: lk, rightKeys: rk, residual: residual,
                                                   leftSchema: l.schema, rightSchema: r.schema, schema: schema))
        case .unnest(let p, let column, let schema):
            var expanded: [[Value]] = []
            for r in try rows(try build(p)) {
                guard case .list(let items) = r[column] else { continue }
                for item in items { expanded.append(Array(r.prefix(column)) + [item]) }
            }
            return BatchesOperator(batches(expanded, schema))
        case .window(let p, let windows, let schema):
            return BatchesOperator(try Windowing.run(try build(p), windows, schema: schema))
        case .setOperation(let op, let all, let l, let r, let schema):
            return BatchesOperator(try setOperation(op, all: all, try build(l), try build(r), schema: schema))
        }
    }

    /// Runs a plan to completion.
    public static func collect(_ plan: Plan) throws -> [Batch] {
        let op = try build(plan)
        var out: [Batch] = []
        while let b = try op.next() { if b.count > 0 { out.append(b) } }
        return out
    }

    static func valuesBatch(_ rows: [[BoundExpr]], _ schema: [Field]) throws -> Batch {
        let one = Batch(columns: [], count: 1)
        var builders = schema.map { ColumnBuilder(type: $0.type, capacity: rows.count) }
        for row in rows {
            for (i, e) in row.enumerated() {
                let c = try Cast.cast(try Evaluator.evaluate(e, one), to: schema[i].type, isTry: false)
                builders[i].append(c.value(at: 0))
            }
        }
        return Batch(columns: builders.map { $0.finish() }, count: rows.count)
    }

    /// All rows of an operator's output as value rows (for blocking operators).
    static func rows(_ op: Operator) throws -> [[Value]] {
        var out: [[Value]] = []
        while let b = try op.next() {
            for i in 0..<b.count { out.append(b.row(i)) }
        }
        return out
    }

    static func batches(_ rows: [[Value]], _ schema: [Field]) -> [Batch] {
        var out: [Batch] = []
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + Batch.capacity)
            var builders = schema.map { ColumnBuilder(type: $0.type, capacity: end - start) }
            for r in rows[start..<end] {
                for i in builders.indices { builders[i].append(r[i]) }
            }
            out.append(Batch(columns: builders.map { $0.finish() }, count: end - start))
            start = end
        }
        return out
    }

    static func distinct(_ op: Operator, schema: [Field]) throws -> [Batch] {
        var seen = Set<[Value]>()
        var kept: [[Value]] = []
        for r in try rows(op) where seen.insert(r.map(ValueOrder.hashKey)).inserted { kept.append(r) }
        return batches(kept, schema)
    }

    static func setOperation(_ op: SetOperator, all: Bool, _ l: Operator, _ r: Operator, schema: [Field]) throws -> [Batch] {
        let left = try rows(l), right = try rows(r)
        switch op {
        case .union:
            let combined = left + right
            if all { return batches(combined, schema) }
            var seen = Set<[Value]>()
            return batches(combined.filter { seen.insert($0.map(ValueOrder.hashKey)).inserted }, schema)
        case .except, .intersect:
            var counts: [[Value]: Int] = [:]
            for row in right { counts[row.map(ValueOrder.hashKey), default: 0] += 1 }
            var out: [[Value]] = []
            var emitted = Set<[Value]>()
            for row in left {
                let k = row.map(ValueOrder.hashKey)
                let inRight = (counts[k] ?? 0) > 0
                if all {
                    if op == .intersect && inRight { out.append(row); counts[k]! -= 1 }
                    if op == .except {
                        if inRight { counts[k]! -= 1 } else { out.append(row) }
                    }
                } else if (op == .intersect) == inRight, emitted.insert(k).inserted {
                    out.append(row)
                }
            }
            return batches(out, schema)
        }
    }
}

final class BatchesOperator: Operator {
    private var batches: [Batch]
    private var index = 0
    init(_ batches: [Batch]) { self.batches = batches }
    func next() throws -> Batch? {
        guard index < batches.count else { return nil }
        defer { index += 1 }
        return batches[index]
    }
}

final class FilterOperator: Operator {
    let input: Operator
    let predicate: BoundExpr
    init(_ input: Operator, _ predicate: BoundExpr) { self.input = input; self.predicate = predicate }
    func next() throws -> Batch? {
        while let b = try input.next() {
            let mask = try Evaluator.evaluate(predicate, b)
            let v = mask.boolValues()
            let keep = (0..<b.count).filter { v[$0] && !mask.isNull($0) }
            if keep.count == b.count { return b }
            if keep.isEmpty { continue }
            return Batch(columns: b.columns.map { $0.take(keep) }, count: keep.count)
        }
        return nil
    }
}

final class ProjectOperator: Operator {
    let input: Operator
    let exprs: [BoundExpr]
    init(_ input: Operator, _ exprs: [BoundExpr]) { self.input = input; self.exprs = exprs }
    func next() throws -> Batch? {
        guard let b = try input.next() else { return nil }
        let columns = try exprs.map { e -> Column in
            // Constants become real columns here so that consumers see plain buffers.
            try Evaluator.evaluate(e, b).materialized()
        }
        return Batch(columns: columns, count: b.count)
    }
}

final class LimitOperator: Operator {
    let input: Operator
    var remaining: Int?
    var skip: Int
    init(_ input: Operator, limit: Int?, offset: Int) { self.input = input; remaining = limit; skip = offset }
    func next() throws -> Batch? {
        while true {
            if let r = remaining, r <= 0 { return nil }
            guard var b = try input.next() else { return nil }
            if skip > 0 {
                if skip >= b.count { skip -= b.count; continue }
                b = Batch(columns: b.columns.map { $0.slice(skip..<b.count) }, count: b.count - skip)
                skip = 0
            }
            if let r = remaining {
                if b.count > r { b = Batch(columns: b.columns.map { $0.slice(0..<r) }, count: r) }
                remaining = r - b.count
            }
            return b
        }
    }
}
