import Columnar

/// Common-subexpression reuse in projections: a computation that appears more than once in a
/// select list (`x * 2 AS a, x * 2 + 1 AS b`) is computed once by a projection below and read
/// as a column above. Only where it is safe and cheap to decide: never out of a CASE branch
/// (a branch runs only on the rows it decides, so hoisting `1 / y` could divide by zero) and
/// never a function whose value differs per call.
enum CommonSubexpressions {
    static let volatile: Set<String> = ["random", "uuid", "gen_random_uuid", "now", "current_timestamp"]

    static func apply(_ plan: Plan) -> Plan {
        guard case .project(let input, let exprs, let schema) = plan else { return plan }
        var counts: [String: Int] = [:]
        var first: [String: BoundExpr] = [:]
        var order: [String] = []
        func visit(_ e: BoundExpr) {
            switch e {
            case .column, .constant, .parameter: return
            default: break
            }
            if case .call(let f, _) = e, volatile.contains(f.name) { return }
            let key = e.fingerprint
            counts[key, default: 0] += 1
            if first[key] == nil { first[key] = e; order.append(key) }
            // Parts of a repeated expression are reused through it; count them only once.
            if counts[key]! > 1 { return }
            switch e {
            case .caseWhen(let branches, _, _):
                // A whole CASE may be reused, and its first WHEN (it runs on every row); not
                // the rest, which runs only on some rows.
                if let w = branches.first?.when { visit(w) }
            case .call(_, let args), .and(let args), .or(let args): args.forEach(visit)
            case .cast(let a, _, _), .not(let a), .isNull(let a, _): visit(a)
            case .inList(let a, let items, _): visit(a); items.forEach(visit)
            default: break
            }
        }
        exprs.forEach(visit)
        let shared = order.filter { counts[$0]! > 1 }
        guard !shared.isEmpty else { return plan }
        let width = input.schema.count
        let below = (0..<width).map { BoundExpr.column(index: $0, type: input.schema[$0].type) } + shared.map { first[$0]! }
        let belowSchema = input.schema + shared.enumerated().map { Field("#common\($0.offset)", first[$0.element]!.type) }
        let position = Dictionary(uniqueKeysWithValues: shared.enumerated().map { ($0.element, width + $0.offset) })
        func replace(_ e: BoundExpr) -> BoundExpr {
            switch e {
            case .column, .constant, .parameter: return e
            default: break
            }
            if let p = position[e.fingerprint] { return .column(index: p, type: e.type) }
            switch e {
            case .caseWhen(let branches, let other, let t):
                guard let head = branches.first else { return e }
                return .caseWhen(branches: [(replace(head.when), head.then)] + branches.dropFirst().map { ($0.when, $0.then) }, otherwise: other, type: t)
            case .call(let f, let args): return .call(f, args.map(replace))
            case .and(let args): return .and(args.map(replace))
            case .or(let args): return .or(args.map(replace))
            case .cast(let a, let t, let isTry): return .cast(replace(a), to: t, isTry: isTry)
            case .not(let a): return .not(replace(a))
            case .isNull(let a, let n): return .isNull(replace(a), negated: n)
            case .inList(let a, let items, let n): return .inList(replace(a), items.map(replace), negated: n)
            default: return e
            }
        }
        return .project(.project(input, below, schema: belowSchema), exprs.map(replace), schema: schema)
    }
}
