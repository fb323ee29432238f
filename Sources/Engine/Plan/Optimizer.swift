import Columnar
import SQL

/// Rewrites plans before execution: filters over inner joins are split into conjuncts that
/// go down to the one input they read, become hash-join keys where they equate two sides,
/// and the inputs are joined left-deep: the largest probed, the others built best-connected
/// and smallest first (a greedy join order by estimated size). Then every node keeps only the
/// columns read above it, down to the scans (`ColumnPruning`).
enum Optimizer {
    /// The plan rewritten: constants folded, filters pushed down, joins ordered, then
    /// columns pruned.
    static func optimize(_ plan: Plan) -> Plan {
        let rewritten = rewrite(plan.mapExpressions(ConstantFolding.fold))
        let (pruned, _) = ColumnPruning.prune(rewritten, Set(rewritten.schema.indices))
        return pruned
    }

    static func rewrite(_ plan: Plan) -> Plan {
        switch plan {
        case .filter(let input, let predicate):
            if case .join(.inner, _, _, _, _, _, _) = input {
                return reorderJoins(input, extra: flatten(predicate))
            }
            return pushIntoScan(.filter(rewrite(input), predicate))
        case .join(.inner, _, _, _, _, _, _):
            return reorderJoins(plan, extra: [])
        case .join(let k, let l, let r, let lk, let rk, let res, let s):
            return .join(k, rewrite(l), rewrite(r), leftKeys: lk, rightKeys: rk, residual: res, schema: s)
        case .project(let p, let e, let s): return CommonSubexpressions.apply(.project(rewrite(p), e, schema: s))
        case .aggregate(let p, let g, let a, let s): return .aggregate(rewrite(p), groups: g, aggregates: a, schema: s)
        case .sort(let p, let k): return .sort(rewrite(p), k)
        case .limit(let p, let l?, let o):
            return .limit(limitHint(rewrite(p), l + o), limit: l, offset: o)
        case .limit(let p, let l, let o): return .limit(rewrite(p), limit: l, offset: o)
        case .distinct(let p): return .distinct(rewrite(p))
        case .setOperation(let op, let all, let l, let r, let s): return .setOperation(op, all: all, rewrite(l), rewrite(r), schema: s)
        case .window(let p, let w, let s): return .window(rewrite(p), w, schema: s)
        case .unnest(let p, let c, let s): return .unnest(rewrite(p), column: c, schema: s)
        case .scan, .values: return plan
        }
    }

    /// A LIMIT over a scan (through projections, which keep the row count) tells the
    /// provider how many rows are enough.
    static func limitHint(_ plan: Plan, _ n: Int) -> Plan {
        switch plan {
        case .project(let p, let e, let s): return .project(limitHint(p, n), e, schema: s)
        case .scan(let name, let t, var request, let s) where request.filters.isEmpty:
            request.limit = n
            return .scan(name: name, table: t, request: request, schema: s)
        default: return plan
        }
    }

    /// Filters right above a scan are offered to its provider: conjuncts it takes exactly go
    /// into the scan only, inexact ones into both, the rest stay above.
    static func pushIntoScan(_ plan: Plan) -> Plan {
        var conjuncts: [BoundExpr] = []
        var inner = plan
        while case .filter(let p, let e) = inner {
            conjuncts = flatten(e) + conjuncts
            inner = p
        }
        // Before pruning a scan reads all its columns (with its metadata columns listed
        // explicitly), so filter indices are the provider's own.
        guard case .scan(let name, let table, var request, let schema) = inner,
              request.projection == nil || request.projection == Array(schema.indices), !conjuncts.isEmpty else { return plan }
        var kept: [BoundExpr] = []
        for c in conjuncts {
            switch table.supportsFilter(c) {
            case .exact: request.filters.append(c)
            case .inexact: request.filters.append(c); kept.append(c)
            case .unsupported: kept.append(c)
            }
        }
        let scan = Plan.scan(name: name, table: table, request: request, schema: schema)
        if kept.isEmpty { return scan }
        return .filter(scan, kept.count == 1 ? kept[0] : .and(kept))
    }

    static func flatten(_ e: BoundExpr) -> [BoundExpr] {
        if case .and(let parts) = e { return parts.flatMap(flatten) }
        return [e]
    }

    /// The inputs of a tree of inner joins, in column order, and its conditions as
    /// conjuncts over the tree's combined columns.
    static func collect(_ plan: Plan, offset: Int, leaves: inout [Plan], conjuncts: inout [BoundExpr]) {
        if case .join(.inner, let l, let r, let lk, let rk, let residual, _) = plan {
            let leftWidth = l.schema.count
            collect(l, offset: offset, leaves: &leaves, conjuncts: &conjuncts)
            collect(r, offset: offset + leftWidth, leaves: &leaves, conjuncts: &conjuncts)
            for (a, b) in zip(lk, rk) {
                let eq = equality(mapColumns(a) { $0 + offset }, mapColumns(b) { $0 + offset + leftWidth })
                conjuncts.append(eq)
            }
            if let residual { conjuncts += flatten(mapColumns(residual) { $0 + offset }) }
            return
        }
        leaves.append(rewrite(plan))
    }

    static let equalityFunction = FunctionRegistry(builtins: true)


    static func equality(_ a: BoundExpr, _ b: BoundExpr) -> BoundExpr {
        // Both sides were keys of one join, so they compare: the resolution cannot fail.
        let f = (try? equalityFunction.resolve("=", [a.type, b.type])) ?? BoundFunction(name: "=", returnType: .boolean) { _, c in
            Column.constant(.null, type: .boolean, count: c)
        }
        return .call(f, [a, b])
    }

    static func reorderJoins(_ plan: Plan, extra: [BoundExpr]) -> Plan {
        var leaves: [Plan] = []
        var conjuncts: [BoundExpr] = []
        collect(plan, offset: 0, leaves: &leaves, conjuncts: &conjuncts)
        conjuncts += extra
        var offsets: [Int] = []
        var total = 0
        for l in leaves { offsets.append(total); total += l.schema.count }

        func leaf(of column: Int) -> Int { offsets.lastIndex { $0 <= column }! }
        let leafSets = conjuncts.map { Set(columnsUsed($0).map(leaf)) }
        var applied = [Bool](repeating: false, count: conjuncts.count)
        // Conditions on one input go below the joins.
        var estimates: [Double] = []
        for (i, l) in leaves.enumerated() {
            var p = l
            var filtered = 0
            for (c, e) in conjuncts.enumerated() where !applied[c] && leafSets[c] == [i] {
                p = .filter(p, mapColumns(e) { $0 - offsets[i] })
                applied[c] = true
                filtered += 1
            }
            leaves[i] = pushIntoScan(p)
            let rows = Double(estimatedRows(l) ?? 1000)
            estimates.append(rows / pow10(filtered))
        }
        // Greedy left-deep order: the largest input is probed, never built; then the input
        // most connected to what is joined (equalities first), smallest on ties, is built.
        var joined: [Int] = [estimates.indices.max { estimates[$0] < estimates[$1] }!]
        var position = [Int: Int]()
        for c in 0..<leaves[joined[0]].schema.count { position[offsets[joined[0]] + c] = c }
        var current = leaves[joined[0]]
        while joined.count < leaves.count {
            let set = Set(joined)
            let candidates = leaves.indices.filter { !set.contains($0) }
            func keysWith(_ j: Int) -> Int {
                conjuncts.indices.filter { c in
                    !applied[c] && isEquiJoin(conjuncts[c], leafSets[c], set, j, offsets)
                }.count
            }
            let next = candidates.max { a, b in
                let ka = keysWith(a), kb = keysWith(b)
                return ka != kb ? ka < kb : estimates[a] > estimates[b]
            }!
            let width = current.schema.count
            var leftKeys: [BoundExpr] = [], rightKeys: [BoundExpr] = []
            var residual: [BoundExpr] = []
            var newPosition = position
            for c in 0..<leaves[next].schema.count { newPosition[offsets[next] + c] = width + c }
            for c in conjuncts.indices where !applied[c] {
                let s = leafSets[c]
                guard s.isSubset(of: set.union([next])) else { continue }
                applied[c] = true
                if isEquiJoin(conjuncts[c], s, set, next, offsets), case .call(_, let args) = conjuncts[c] {
                    let aLeaves = Set(columnsUsed(args[0]).map(leaf))
                    let (mine, theirs) = aLeaves.isSubset(of: set) ? (args[0], args[1]) : (args[1], args[0])
                    leftKeys.append(mapColumns(mine) { position[$0]! })
                    rightKeys.append(mapColumns(theirs) { $0 - offsets[next] })
                } else {
                    residual.append(mapColumns(conjuncts[c]) { newPosition[$0]! })
                }
            }
            current = .join(.inner, current, leaves[next], leftKeys: leftKeys, rightKeys: rightKeys,
                            residual: residual.isEmpty ? nil : (residual.count == 1 ? residual[0] : .and(residual)),
                            schema: current.schema + leaves[next].schema)
            position = newPosition
            joined.append(next)
        }
        // Conditions that read no column (constants) filter the result.
        for c in conjuncts.indices where !applied[c] {
            current = .filter(current, mapColumns(conjuncts[c]) { position[$0]! })
        }
        // Back to the column order the query was bound with.
        let schema = plan.schema
        let identity = (0..<total).allSatisfy { position[$0] == $0 }
        if identity { return current }
        return .project(current, (0..<total).map { .column(index: position[$0]!, type: schema[$0].type) }, schema: schema)
    }

    /// `a = b` with one side reading only joined inputs and the other only input `j`.
    static func isEquiJoin(_ e: BoundExpr, _ leafSet: Set<Int>, _ joined: Set<Int>, _ j: Int, _ offsets: [Int]) -> Bool {
        guard case .call(let f, let args) = e, f.name == "=", args.count == 2, leafSet.contains(j) else { return false }
        func leaves(_ x: BoundExpr) -> Set<Int> { Set(columnsUsed(x).map { c in offsets.lastIndex { $0 <= c }! }) }
        let a = leaves(args[0]), b = leaves(args[1])
        guard !a.isEmpty, !b.isEmpty else { return false }
        return (a.isSubset(of: joined) && b == [j]) || (b.isSubset(of: joined) && a == [j])
    }

    static func estimatedRows(_ plan: Plan) -> Int? {
        switch plan {
        case .scan(_, let t, _, _): return t.estimatedRows
        case .values(let rows, _): return rows.count
        case .filter(let p, _), .project(let p, _, _), .sort(let p, _), .distinct(let p), .window(let p, _, _): return estimatedRows(p)
        default: return nil
        }
    }
}

func columnsUsed(_ e: BoundExpr) -> Set<Int> {
    switch e {
    case .column(let i, _): return [i]
    case .constant, .parameter: return []
    case .call(_, let args), .and(let args), .or(let args): return args.reduce(into: Set<Int>()) { $0.formUnion(columnsUsed($1)) }
    case .cast(let a, _, _), .not(let a), .isNull(let a, _): return columnsUsed(a)
    case .inList(let a, let items, _): return items.reduce(columnsUsed(a)) { $0.union(columnsUsed($1)) }
    case .caseWhen(let branches, let other, _):
        var s = other.map(columnsUsed) ?? []
        for b in branches { s.formUnion(columnsUsed(b.when)); s.formUnion(columnsUsed(b.then)) }
        return s
    }
}

/// The expression with every column index passed through `f`.
func mapColumns(_ e: BoundExpr, _ f: (Int) -> Int) -> BoundExpr {
    switch e {
    case .column(let i, let t): return .column(index: f(i), type: t)
    case .constant, .parameter: return e
    case .call(let fn, let args): return .call(fn, args.map { mapColumns($0, f) })
    case .and(let args): return .and(args.map { mapColumns($0, f) })
    case .or(let args): return .or(args.map { mapColumns($0, f) })
    case .cast(let a, let t, let isTry): return .cast(mapColumns(a, f), to: t, isTry: isTry)
    case .not(let a): return .not(mapColumns(a, f))
    case .isNull(let a, let n): return .isNull(mapColumns(a, f), negated: n)
    case .inList(let a, let items, let n): return .inList(mapColumns(a, f), items.map { mapColumns($0, f) }, negated: n)
    case .caseWhen(let branches, let other, let t):
        return .caseWhen(branches: branches.map { (mapColumns($0.when, f), mapColumns($0.then, f)) }, otherwise: other.map { mapColumns($0, f) }, type: t)
    }
}
