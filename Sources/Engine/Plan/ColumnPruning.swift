import Columnar

/// Projection pushdown: every node keeps only the columns something above it reads, and a
/// scan asks its provider for just those (a backup then skips the cells of the others).
enum ColumnPruning {
    /// The plan with its output cut to a superset of `required` (output indices of `plan`),
    /// in their original order, and where each kept column went.
    static func prune(_ plan: Plan, _ required: Set<Int>) -> (Plan, [Int: Int]) {
        switch plan {
        case .scan(let name, let table, var request, let schema):
            let kept = required.sorted()
            if kept.count == schema.count { return (plan, identity(schema.count)) }
            let base = request.projection ?? Array(table.schema.indices)
            request.projection = kept.map { base[$0] }
            return (.scan(name: name, table: table, request: request, schema: kept.map { schema[$0] }), positions(kept))
        case .values(_, let schema):
            return (plan, identity(schema.count))
        case .filter(let p, let predicate):
            let (child, map) = prune(p, required.union(columnsUsed(predicate)))
            return (.filter(child, remap(predicate, map)), map)
        case .project(let p, let exprs, let schema):
            let kept = required.sorted()
            let chosen = kept.map { exprs[$0] }
            let (child, map) = prune(p, chosen.reduce(into: Set<Int>()) { $0.formUnion(columnsUsed($1)) })
            return (.project(child, chosen.map { remap($0, map) }, schema: kept.map { schema[$0] }), positions(kept))
        case .aggregate(let p, let groups, let aggregates, let schema):
            var need = Set<Int>()
            for g in groups { need.formUnion(columnsUsed(g)) }
            for a in aggregates {
                if let arg = a.argument { need.formUnion(columnsUsed(arg)) }
                if let filter = a.filter { need.formUnion(columnsUsed(filter)) }
            }
            let (child, map) = prune(p, need)
            let newAggregates = aggregates.map { a -> BoundAggregate in
                var a = a
                a.argument = a.argument.map { remap($0, map) }
                a.filter = a.filter.map { remap($0, map) }
                return a
            }
            return (.aggregate(child, groups: groups.map { remap($0, map) }, aggregates: newAggregates, schema: schema), identity(schema.count))
        case .sort(let p, let keys):
            var need = required
            for k in keys { need.formUnion(columnsUsed(k.expr)) }
            let (child, map) = prune(p, need)
            return (.sort(child, keys.map { SortKey(expr: remap($0.expr, map), ascending: $0.ascending, nullsFirst: $0.nullsFirst) }), map)
        case .limit(let p, let limit, let offset):
            let (child, map) = prune(p, required)
            return (.limit(child, limit: limit, offset: offset), map)
        case .distinct(let p):
            // Every column decides what is distinct.
            let (child, map) = prune(p, Set(p.schema.indices))
            return (.distinct(child), map)
        case .setOperation(let op, let all, let l, let r, let schema):
            let (lp, _) = prune(l, Set(l.schema.indices))
            let (rp, _) = prune(r, Set(r.schema.indices))
            return (.setOperation(op, all: all, lp, rp, schema: schema), identity(schema.count))
        case .join(let kind, let l, let r, let lk, let rk, let residual, _):
            let width = l.schema.count
            let residualColumns = residual.map(columnsUsed) ?? []
            var leftNeed = Set(required.filter { $0 < width }), rightNeed = Set(required.filter { $0 >= width }.map { $0 - width })
            for k in lk { leftNeed.formUnion(columnsUsed(k)) }
            for k in rk { rightNeed.formUnion(columnsUsed(k)) }
            for c in residualColumns { if c < width { leftNeed.insert(c) } else { rightNeed.insert(c - width) } }
            let (lp, lmap) = prune(l, leftNeed)
            let (rp, rmap) = prune(r, rightNeed)
            let leftWidth = lp.schema.count
            var map = lmap
            for (k, v) in rmap { map[k + width] = v + leftWidth }
            return (.join(kind, lp, rp, leftKeys: lk.map { remap($0, lmap) }, rightKeys: rk.map { remap($0, rmap) },
                          residual: residual.map { remap($0, map) }, schema: lp.schema + rp.schema), map)
        case .window(let p, let windows, let schema):
            let width = p.schema.count
            var need = Set(required.filter { $0 < width })
            for w in windows {
                for e in w.arguments + w.partitionBy + w.orderBy.map(\.expr) { need.formUnion(columnsUsed(e)) }
            }
            let (child, map0) = prune(p, need)
            var map = map0
            let childWidth = child.schema.count
            for k in windows.indices { map[width + k] = childWidth + k }
            let newWindows = windows.map { w -> BoundWindow in
                var w = w
                w.arguments = w.arguments.map { remap($0, map0) }
                w.partitionBy = w.partitionBy.map { remap($0, map0) }
                w.orderBy = w.orderBy.map { SortKey(expr: remap($0.expr, map0), ascending: $0.ascending, nullsFirst: $0.nullsFirst) }
                return w
            }
            return (.window(child, newWindows, schema: child.schema + schema[width...]), map)
        case .unnest(let p, let column, let schema):
            // The output is the input's columns before `column`, then the element: the list
            // column must stay last, so the kept input is projected to exactly that shape.
            let before = required.filter { $0 < column }.sorted()
            let need = before + [column]
            let (child0, map0) = prune(p, Set(need))
            let child = Plan.project(child0, need.map { .column(index: map0[$0]!, type: p.schema[$0].type) }, schema: need.map { p.schema[$0] })
            var map = positions(before)
            map[column] = before.count
            return (.unnest(child, column: before.count, schema: before.map { schema[$0] } + [schema[column]]), map)
        }
    }

    static func identity(_ n: Int) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, $0) })
    }

    static func positions(_ kept: [Int]) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($0.element, $0.offset) })
    }

    static func remap(_ e: BoundExpr, _ map: [Int: Int]) -> BoundExpr {
        mapColumns(e) { map[$0]! }
    }
}
