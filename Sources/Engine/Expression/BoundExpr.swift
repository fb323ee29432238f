import Columnar

/// An expression after binding: every column resolved to an input position, every type
/// known, every function resolved to its implementation. Evaluated a batch at a time.
public indirect enum BoundExpr: Sendable {
    case column(index: Int, type: DataType)
    case constant(Value, DataType)
    case call(BoundFunction, [BoundExpr])
    case cast(BoundExpr, to: DataType, isTry: Bool)
    /// Three-valued AND / OR over any number of operands.
    case and([BoundExpr])
    case or([BoundExpr])
    case not(BoundExpr)
    case isNull(BoundExpr, negated: Bool)
    case caseWhen(branches: [(when: BoundExpr, then: BoundExpr)], otherwise: BoundExpr?, type: DataType)
    case inList(BoundExpr, [BoundExpr], negated: Bool)
    /// A value from the enclosing query's row (a correlated subquery's outer reference),
    /// replaced by a constant before the subquery runs for that row.
    case parameter(index: Int, type: DataType)

    public var type: DataType {
        switch self {
        case .column(_, let t), .constant(_, let t), .parameter(_, let t): return t
        case .call(let f, _): return f.returnType
        case .cast(_, let t, _): return t
        case .and, .or, .not, .isNull, .inList: return .boolean
        case .caseWhen(_, _, let t): return t
        }
    }
}

/// A function resolved for argument types: its return type and the kernel that computes it
/// over whole columns (`ScalarUDFImpl.invoke` in DataFusion's terms).
public struct BoundFunction: Sendable {
    public var name: String
    public var returnType: DataType
    /// Computes the result column from argument columns of `count` rows.
    public var kernel: @Sendable (_ arguments: [Column], _ count: Int) throws -> Column

    public init(name: String, returnType: DataType, kernel: @escaping @Sendable ([Column], Int) throws -> Column) {
        self.name = name
        self.returnType = returnType
        self.kernel = kernel
    }
}

extension BoundExpr {
    /// A structural description: equal for expressions that compute the same thing from
    /// the same columns (`t.j * 2` and `j * 2` alike), used to match GROUP BY and ORDER BY
    /// expressions with the select list.
    var fingerprint: String {
        switch self {
        case .column(let i, _): return "#\(i)"
        case .parameter(let i, _): return "$\(i)"
        case .constant(let v, let t): return "\(v):\(t)"
        case .call(let f, let args): return f.name + "(" + args.map(\.fingerprint).joined(separator: ",") + ")"
        case .cast(let e, let t, let isTry): return (isTry ? "try_cast(" : "cast(") + e.fingerprint + " as \(t))"
        case .and(let args): return "and(" + args.map(\.fingerprint).joined(separator: ",") + ")"
        case .or(let args): return "or(" + args.map(\.fingerprint).joined(separator: ",") + ")"
        case .not(let e): return "not(" + e.fingerprint + ")"
        case .isNull(let e, let n): return (n ? "isnotnull(" : "isnull(") + e.fingerprint + ")"
        case .caseWhen(let b, let o, _):
            return "case(" + b.map { $0.when.fingerprint + "->" + $0.then.fingerprint }.joined(separator: ",") + ";" + (o?.fingerprint ?? "") + ")"
        case .inList(let e, let items, let n): return (n ? "notin(" : "in(") + e.fingerprint + ";" + items.map(\.fingerprint).joined(separator: ",") + ")"
        }
    }
}

extension BoundExpr {
    /// The expression as SQL-like text, columns named from `names` (EXPLAIN).
    public func text(_ names: [String]) -> String {
        func t(_ e: BoundExpr) -> String { e.text(names) }
        switch self {
        case .column(let i, _): return i < names.count ? names[i] : "#\(i)"
        case .parameter(let i, _): return "$outer\(i)"
        case .constant(let v, _):
            if case .string(let s) = v { return "'" + s.replacing("'", with: "''") + "'" }
            return ValueText.render(v)
        case .call(let f, let args):
            let infix = ["+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">=", "||", "~~", "!~~", "~~*"]
            if args.count == 2, infix.contains(f.name) { return "(\(t(args[0])) \(f.name) \(t(args[1])))" }
            return f.name + "(" + args.map(t).joined(separator: ", ") + ")"
        case .cast(let e, let type, let isTry): return (isTry ? "TRY_CAST(" : "CAST(") + t(e) + " AS \(type))"
        case .and(let args): return "(" + args.map(t).joined(separator: " AND ") + ")"
        case .or(let args): return "(" + args.map(t).joined(separator: " OR ") + ")"
        case .not(let e): return "NOT " + t(e)
        case .isNull(let e, let n): return t(e) + (n ? " IS NOT NULL" : " IS NULL")
        case .caseWhen(let b, let o, _):
            return "CASE" + b.map { " WHEN \(t($0.when)) THEN \(t($0.then))" }.joined() + (o.map { " ELSE \(t($0))" } ?? "") + " END"
        case .inList(let e, let items, let n): return t(e) + (n ? " NOT IN (" : " IN (") + items.map(t).joined(separator: ", ") + ")"
        }
    }
}
