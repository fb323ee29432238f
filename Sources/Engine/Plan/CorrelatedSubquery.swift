import Columnar
import SQL
import Synchronization

/// Correlated subqueries (EXISTS, IN, scalar) run once per distinct combination of the outer
/// values they read: the subquery's plan with its parameters replaced by those values,
/// optimized and executed like any query, its result kept for the next row with the same
/// values. Exact for any subquery; the cost grows with the number of distinct outer values
/// (decorrelating into joins would not).
enum CorrelatedSubquery {
    static let serial = Atomic<Int>(0)

    enum Mode: Sendable {
        case exists(negated: Bool)
        case scalar
        /// Arguments: the needle, then the parameters.
        case inList(negated: Bool)
    }

    static func function(_ plan: Plan, _ mode: Mode, at location: SourceLocation) -> BoundFunction {
        let type: DataType
        switch mode {
        case .scalar: type = plan.schema.first?.type ?? .null
        default: type = .boolean
        }
        let needles: Int
        if case .inList = mode { needles = 1 } else { needles = 0 }
        // One thread inside: the outer query may already run on every core.
        let context = ExecutionContext(threads: 1)
        // Named apart: two subqueries over the same outer columns are different computations
        // (fingerprints, and so GROUP BY matching and common subexpressions, go by name).
        let name = "subquery#\(serial.add(1, ordering: .relaxed).newValue)"
        return BoundFunction(name: name, returnType: type) { args, count in
            // Each distinct combination of outer values: the subquery's first-column values.
            var cache: [[Value]: [Value]] = [:]
            var b = ColumnBuilder(type: type, capacity: count)
            for i in 0..<count {
                let parameters = args[needles...].map { $0.value(at: i) }
                let key = parameters.map(ValueOrder.hashKey)
                let rows: [Value]
                if let r = cache[key] { rows = r } else {
                    rows = try run(plan.binding(parameters), mode, context, at: location)
                    cache[key] = rows
                }
                switch mode {
                case .exists(let negated): b.append(.bool(rows.isEmpty == negated))
                case .scalar: b.append(rows.first ?? .null)
                case .inList(let negated): b.append(membership(args[0].value(at: i), rows, negated: negated))
                }
            }
            return b.finish()
        }
    }

    static func run(_ plan: Plan, _ mode: Mode, _ context: ExecutionContext, at location: SourceLocation) throws -> [Value] {
        let limited: Plan
        switch mode {
        case .exists: limited = .limit(plan, limit: 1, offset: 0)
        case .scalar: limited = .limit(plan, limit: 2, offset: 0)
        case .inList: limited = plan
        }
        var rows: [Value] = []
        for b in try Executor.collect(Optimizer.optimize(limited), context) {
            for i in 0..<b.count { rows.append(b.columns.first?.value(at: i) ?? .null) }
        }
        if case .scalar = mode, rows.count > 1 {
            throw SQLError(.runtime, "a scalar subquery returned more than one row", at: location)
        }
        return rows
    }

    /// `needle IN (rows)` with SQL's three values: NULL when not found but a NULL was there.
    static func membership(_ needle: Value, _ rows: [Value], negated: Bool) -> Value {
        if rows.isEmpty { return .bool(negated) }
        if needle.isNull { return .null }
        let n = ValueOrder.hashKey(needle)
        var sawNull = false
        for r in rows {
            if r.isNull { sawNull = true; continue }
            if ValueOrder.hashKey(r) == n { return .bool(!negated) }
        }
        return sawNull ? .null : .bool(negated)
    }
}

extension BoundExpr {
    /// The expression with parameter k replaced by `values[k]`.
    func binding(_ values: [Value]) -> BoundExpr {
        func b(_ e: BoundExpr) -> BoundExpr { e.binding(values) }
        switch self {
        case .parameter(let i, let t): return .constant(i < values.count ? values[i] : .null, t)
        case .column, .constant: return self
        case .call(let f, let args): return .call(f, args.map(b))
        case .cast(let e, let t, let isTry): return .cast(b(e), to: t, isTry: isTry)
        case .and(let args): return .and(args.map(b))
        case .or(let args): return .or(args.map(b))
        case .not(let e): return .not(b(e))
        case .isNull(let e, let n): return .isNull(b(e), negated: n)
        case .caseWhen(let branches, let other, let t):
            return .caseWhen(branches: branches.map { (b($0.when), b($0.then)) }, otherwise: other.map(b), type: t)
        case .inList(let e, let items, let n): return .inList(b(e), items.map(b), negated: n)
        }
    }
}

extension Plan {
    /// The plan with every parameter replaced by its value.
    func binding(_ values: [Value]) -> Plan { mapExpressions { $0.binding(values) } }

    /// The plan with `f` applied to every expression of every node (filters a scan took
    /// included), children first.
    func mapExpressions(_ f: (BoundExpr) -> BoundExpr) -> Plan {
        func k(_ s: SortKey) -> SortKey { SortKey(expr: f(s.expr), ascending: s.ascending, nullsFirst: s.nullsFirst) }
        switch self {
        case .scan(let name, let table, var request, let schema):
            request.filters = request.filters.map(f)
            return .scan(name: name, table: table, request: request, schema: schema)
        case .values(let rows, let schema): return .values(rows: rows.map { $0.map(f) }, schema: schema)
        case .filter(let p, let c): return .filter(p.mapExpressions(f), f(c))
        case .project(let p, let exprs, let schema): return .project(p.mapExpressions(f), exprs.map(f), schema: schema)
        case .aggregate(let p, let groups, let aggregates, let schema):
            return .aggregate(p.mapExpressions(f), groups: groups.map(f), aggregates: aggregates.map { a in
                var a = a
                a.argument = a.argument.map(f)
                a.filter = a.filter.map(f)
                return a
            }, schema: schema)
        case .sort(let p, let keys): return .sort(p.mapExpressions(f), keys.map(k))
        case .limit(let p, let l, let o): return .limit(p.mapExpressions(f), limit: l, offset: o)
        case .distinct(let p): return .distinct(p.mapExpressions(f))
        case .join(let kind, let l, let r, let lk, let rk, let residual, let schema):
            return .join(kind, l.mapExpressions(f), r.mapExpressions(f), leftKeys: lk.map(f), rightKeys: rk.map(f), residual: residual.map(f), schema: schema)
        case .setOperation(let op, let all, let l, let r, let schema):
            return .setOperation(op, all: all, l.mapExpressions(f), r.mapExpressions(f), schema: schema)
        case .window(let p, let windows, let schema):
            return .window(p.mapExpressions(f), windows.map { w in
                var w = w
                w.arguments = w.arguments.map(f)
                w.partitionBy = w.partitionBy.map(f)
                w.orderBy = w.orderBy.map(k)
                return w
            }, schema: schema)
        case .unnest(let p, let column, let schema): return .unnest(p.mapExpressions(f), column: column, schema: schema)
        }
    }
}
