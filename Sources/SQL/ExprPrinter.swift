/// SQL text of expressions, fully parenthesised: for EXPLAIN, error messages and tests.
extension Expr: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .literal(let l):
            switch l {
            case .null: return "NULL"
            case .boolean(let b): return b ? "TRUE" : "FALSE"
            case .integer(let d), .decimal(let d): return d
            case .string(let s): return quote(s)
            case .typed(let t, let s): return "\(t) \(quote(s))"
            case .interval(let v, let unit): return "INTERVAL \(quote(v)) \(unit.uppercased())"
            }
        case .column(let n): return n.map(\.description).joined(separator: ".")
        case .unary(let op, let e): return op == .not ? "(NOT \(e))" : "(\(op.rawValue)\(e))"
        case .binary(let op, let a, let b): return "(\(a) \(op.rawValue) \(b))"
        case .isNull(let e, let n): return "(\(e) IS \(n ? "NOT " : "")NULL)"
        case .isBoolean(let e, let v, let n): return "(\(e) IS \(n ? "NOT " : "")\(v ? "TRUE" : "FALSE"))"
        case .isDistinctFrom(let a, let b, let n): return "(\(a) IS \(n ? "NOT " : "")DISTINCT FROM \(b))"
        case .between(let e, let lo, let hi, let n): return "(\(e) \(n ? "NOT " : "")BETWEEN \(lo) AND \(hi))"
        case .inList(let e, let items, let n): return "(\(e) \(n ? "NOT " : "")IN (\(items.map(\.description).joined(separator: ", "))))"
        case .inSubquery(let e, _, let n): return "(\(e) \(n ? "NOT " : "")IN (<subquery>))"
        case .like(let e, let p, let esc, let ci, let n):
            return "(\(e) \(n ? "NOT " : "")\(ci ? "ILIKE" : "LIKE") \(p)\(esc.map { " ESCAPE \($0)" } ?? ""))"
        case .cast(let e, let t, let isTry): return "\(isTry ? "TRY_CAST" : "CAST")(\(e) AS \(t))"
        case .caseWhen(let operand, let branches, let otherwise):
            var s = "CASE"
            if let operand { s += " \(operand)" }
            for b in branches { s += " WHEN \(b.when) THEN \(b.then)" }
            if let otherwise { s += " ELSE \(otherwise)" }
            return s + " END"
        case .function(let f):
            let args = f.star ? "*" : (f.distinct ? "DISTINCT " : "") + f.arguments.map(\.description).joined(separator: ", ")
            var s = f.name.map(\.description).joined(separator: ".") + "(" + args + ")"
            if let filter = f.filter { s += " FILTER (WHERE \(filter))" }
            if let over = f.over {
                var parts: [String] = []
                if !over.partitionBy.isEmpty { parts.append("PARTITION BY " + over.partitionBy.map(\.description).joined(separator: ", ")) }
                if !over.orderBy.isEmpty { parts.append("ORDER BY " + over.orderBy.map(\.description).joined(separator: ", ")) }
                if let frame = over.frame { parts.append(frame) }
                s += " OVER (" + parts.joined(separator: " ") + ")"
            }
            return s
        case .exists(_, let n): return "(\(n ? "NOT " : "")EXISTS (<subquery>))"
        case .subquery: return "(<subquery>)"
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let k, let v): return "MAP {" + zip(k, v).map { "\($0): \($1)" }.joined(separator: ", ") + "}"
        case .row(let items): return "ROW(" + items.map(\.description).joined(separator: ", ") + ")"
        case .subscript(let e, let i): return "\(e)[\(i)]"
        case .slice(let e, let lo, let hi): return "\(e)[\(lo.map(\.description) ?? ""):\(hi.map(\.description) ?? "")]"
        case .field(let e, let f): return "(\(e)).\(f)"
        case .extract(let f, let e): return "EXTRACT(\(f.uppercased()) FROM \(e))"
        case .star(let q): return q.isEmpty ? "*" : q.map(\.description).joined(separator: ".") + ".*"
        }
    }

    private func quote(_ s: String) -> String {
        "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }
}

extension OrderItem: CustomStringConvertible {
    public var description: String {
        "\(expr)\(ascending ? "" : " DESC")" + (nullsFirst.map { $0 ? " NULLS FIRST" : " NULLS LAST" } ?? "")
    }
}
