import Columnar

/// Constant folding: a computation over constants only is done once, when the query is
/// planned, not once per batch. A computation that fails (`1 / 0` in a CASE branch no row
/// reaches) stays as it is, so the error appears only if a row needs it — as without folding.
enum ConstantFolding {
    /// Functions whose value differs per call: never folded.
    static let volatile: Set<String> = ["random", "uuid", "gen_random_uuid"]

    static func fold(_ e: BoundExpr) -> BoundExpr {
        let folded: BoundExpr
        switch e {
        case .column, .constant, .parameter: return e
        case .call(let f, let args): folded = .call(f, args.map(fold))
        case .cast(let a, let t, let isTry): folded = .cast(fold(a), to: t, isTry: isTry)
        case .and(let args): folded = .and(args.map(fold))
        case .or(let args): folded = .or(args.map(fold))
        case .not(let a): folded = .not(fold(a))
        case .isNull(let a, let n): folded = .isNull(fold(a), negated: n)
        case .inList(let a, let items, let n): folded = .inList(fold(a), items.map(fold), negated: n)
        case .caseWhen(let branches, let other, let t):
            folded = .caseWhen(branches: branches.map { (fold($0.when), fold($0.then)) }, otherwise: other.map(fold), type: t)
        }
        guard isConstant(folded) else { return folded }
        guard let c = try? Evaluator.evaluate(folded, Batch(columns: [], count: 1)) else { return folded }
        return .constant(c.value(at: 0), folded.type)
    }

    /// Whether `e` reads no column or parameter and calls nothing volatile.
    static func isConstant(_ e: BoundExpr) -> Bool {
        switch e {
        case .constant: return true
        case .column, .parameter: return false
        case .call(let f, let args): return !volatile.contains(f.name) && !f.name.hasPrefix("subquery#") && args.allSatisfy(isConstant)
        case .cast(let a, _, _), .not(let a), .isNull(let a, _): return isConstant(a)
        case .and(let args), .or(let args): return args.allSatisfy(isConstant)
        case .inList(let a, let items, _): return isConstant(a) && items.allSatisfy(isConstant)
        case .caseWhen(let branches, let other, _):
            return branches.allSatisfy { isConstant($0.when) && isConstant($0.then) } && (other.map(isConstant) ?? true)
        }
    }
}
