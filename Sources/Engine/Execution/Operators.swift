import Columnar
import SQL

/// A physical operator: produces its output a batch at a time. Scans, filters and
/// projections stream (a partition per thread); sorts, aggregates, join builds and set
/// operations gather their input.
public typealias Operator = BatchStream

public enum Executor {
    /// The operator tree for a plan.
    public static func build(_ plan: Plan, _ context: ExecutionContext = ExecutionContext()) throws -> Operator {
        if let pipeline = try pipeline(plan, context) { return stream(pipeline, context) }
        switch plan {
        case .scan: fatalError("a scan is always a pipeline")
        case .values(let rows, let schema): return BatchesOperator([try valuesBatch(rows, schema)])
        case .filter(let p, let predicate): return FilterOperator(try build(p, context), predicate)
        case .project(let p, let exprs, _): return ProjectOperator(try build(p, context), exprs)
        case .aggregate(let p, let groups, let aggregates, let schema):
            if let pipeline = try pipeline(p, context) {
                if context.threads > 1, Aggregation.mergeable(aggregates), pipeline.partitions.count > 1 {
                    return BatchesOperator(try Aggregation.runParallel(pipeline, threads: context.threads, groups: groups, aggregates: aggregates, schema: schema))
                }
                return BatchesOperator(try Aggregation.run(PipelineOperator(pipeline), groups: groups, aggregates: aggregates, schema: schema))
            }
            return BatchesOperator(try Aggregation.run(try build(p, context), groups: groups, aggregates: aggregates, schema: schema))
        case .sort(let p, let keys): return BatchesOperator(try Sorting.run(try build(p, context), keys: keys, schema: p.schema))
        case .limit(.sort(let p, let keys), let limit?, let offset):
            // ORDER BY … LIMIT: a top-N keeps only the rows it can return.
            let top = try topN(p, keys, limit + offset, context)
            return LimitOperator(BatchesOperator(top), limit: limit, offset: offset)
        case .limit(.project(.sort(let p, let keys), let exprs, _), let limit?, let offset):
            // The same through the projection that drops ORDER BY's hidden columns.
            let top = try topN(p, keys, limit + offset, context)
            return LimitOperator(ProjectOperator(BatchesOperator(top), exprs), limit: limit, offset: offset)
        case .limit(let p, let limit, let offset): return LimitOperator(try build(p, context), limit: limit, offset: offset)
        
        case .distinct(let p): return BatchesOperator(try distinct(try build(p, context), schema: p.schema))
        case .join(let kind, let l, let r, let lk, let rk, let residual, _):
            let table = try HashJoinTable(kind, right: try build(r, context), leftKeys: lk, rightKeys: rk, residual: residual,
                                          leftSchema: l.schema, rightSchema: r.schema)
            return JoinProbeOperator(try build(l, context), table)
        case .unnest(let p, let column, let schema):
            var expanded: [[Value]] = []
            for r in try rows(try build(p, context)) {
                guard case .list(let items) = r[column] else { continue }
                for item in items { expanded.append(Array(r.prefix(column)) + [item]) }
            }
            return BatchesOperator(batches(expanded, schema))
        case .window(let p, let windows, let schema):
            return BatchesOperator(try Windowing.run(try build(p, context), windows, schema: schema))
        case .setOperation(.union, true, let l, let r, let schema):
            // UNION ALL streams: the left arm's batches, then the right's; nothing is held.
            return ConcatOperator([try build(l, context), try build(r, context)], schema: schema)
        case .setOperation(let op, let all, let l, let r, let schema):
            return BatchesOperator(try setOperation(op, all: all, try build(l, context), try build(r, context), schema: schema))
        }
    }

    /// The scan at the bottom of a chain of filters and projections, with that chain as
    /// per-partition stages; nil for any other plan.
    static func pipeline(_ plan: Plan, _ context: ExecutionContext) throws -> Pipeline? {
        switch plan {
        case .scan(_, let table, let request, _):
            return Pipeline(partitions: try table.partitions(request), stages: [])
        case .filter(let p, let predicate):
            guard var pipeline = try pipeline(p, context) else { return nil }
            pipeline.stages.append { FilterOperator($0, predicate) }
            return pipeline
        case .project(let p, let exprs, _):
            guard var pipeline = try pipeline(p, context) else { return nil }
            pipeline.stages.append { ProjectOperator($0, exprs) }
            return pipeline
        case .join(let kind, let l, let r, let lk, let rk, let residual, _) where kind == .inner || kind == .left:
            // The probe needs nothing but the built table: it runs on the left side's threads.
            guard var pipeline = try pipeline(l, context) else { return nil }
            let table = try HashJoinTable(kind, right: try build(r, context), leftKeys: lk, rightKeys: rk, residual: residual,
                                          leftSchema: l.schema, rightSchema: r.schema)
            pipeline.stages.append { JoinProbeOperator($0, table) }
            return pipeline
        default: return nil
        }
    }

    /// The first `n` rows of `plan` in key order: streamed for small `n` (per partition on
    /// the pipeline's threads, merged in partition order so that ties keep input order),
    /// gathered and cut otherwise.
    static func topN(_ plan: Plan, _ keys: [SortKey], _ n: Int, _ context: ExecutionContext) throws -> [Batch] {
        let schema = plan.schema
        guard n <= Sorting.streamingLimit else { return try Sorting.run(try build(plan, context), keys: keys, schema: schema, limit: n) }
        guard let pipeline = try pipeline(plan, context), pipeline.partitions.count > 1, context.threads > 1 else {
            return try Sorting.topN(try build(plan, context), keys: keys, schema: schema, limit: n).map { [$0] } ?? []
        }
        var kept: Batch?
        try forEachPartition(pipeline.partitions.count, threads: context.threads, { p in
            try Sorting.topN(try pipeline.open(p), keys: keys, schema: schema, limit: n)
        }, consume: { best in
            if let best { kept = try Sorting.merge(kept, best, keys: keys, schema: schema, limit: n) }
        })
        return kept.map { [$0] } ?? []
    }

    /// A pipeline's batches: on several threads when it has several partitions.
    static func stream(_ pipeline: Pipeline, _ context: ExecutionContext) -> Operator {
        if pipeline.partitions.count > 1 && context.threads > 1 { return ExchangeOperator(pipeline, threads: context.threads) }
        return PipelineOperator(pipeline)
    }

    /// Runs of small batches joined into batches of up to `Batch.capacity` rows.
    public static func rebatch(_ batches: [Batch]) -> [Batch] {
        var out: [Batch] = [], run: [Batch] = [], rows = 0
        func flush() {
            guard !run.isEmpty else { return }
            if run.count == 1 { out.append(run[0]) } else {
                let columns = run[0].columns.indices.map { c in Column.concat(run.map { $0.columns[c] }, type: run[0].columns[c].type) }
                out.append(Batch(columns: columns, count: rows))
            }
            run = []
            rows = 0
        }
        for b in batches where b.count > 0 {
            if rows + b.count > Batch.capacity { flush() }
            run.append(b)
            rows += b.count
        }
        flush()
        return out
    }

    /// Runs a plan to completion.
    public static func collect(_ plan: Plan, _ context: ExecutionContext = ExecutionContext()) throws -> [Batch] {
        let op = try build(plan, context)
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

/// The batches of several inputs one after another, each column in the schema's type (the
/// binder has coerced the arms; a cast is only a safety net).
final class ConcatOperator: Operator {
    private let inputs: [Operator]
    private let schema: [Field]
    private var index = 0
    init(_ inputs: [Operator], schema: [Field]) {
        self.inputs = inputs
        self.schema = schema
    }
    func next() throws -> Batch? {
        while index < inputs.count {
            guard let b = try inputs[index].next() else { index += 1; continue }
            guard b.columns.enumerated().contains(where: { $0.element.type != schema[$0.offset].type }) else { return b }
            return Batch(columns: try b.columns.enumerated().map { try Cast.cast($0.element, to: schema[$0.offset].type, isTry: false) }, count: b.count)
        }
        return nil
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

/// A pipeline's partitions one after another on the calling thread.
final class PipelineOperator: Operator {
    let pipeline: Pipeline
    var current: BatchStream?
    var index = 0
    init(_ pipeline: Pipeline) { self.pipeline = pipeline }
    func next() throws -> Batch? {
        while true {
            if let s = current, let b = try s.next() { return b }
            guard index < pipeline.partitions.count else { return nil }
            current = try pipeline.open(index)
            index += 1
        }
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
