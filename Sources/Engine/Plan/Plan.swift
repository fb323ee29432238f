import Columnar
import SQL

/// An aggregate function bound to its argument.
public struct BoundAggregate: Sendable {
    public enum Kind: String, Sendable {
        case countStar = "count_star", count, sum, avg, min, max, boolAnd = "bool_and", boolOr = "bool_or", stringAgg = "string_agg"
        case arrayAgg = "array_agg"
    }

    public var kind: Kind
    public var argument: BoundExpr?
    /// string_agg's separator.
    public var separator: String
    public var distinct: Bool
    public var type: DataType
}

/// A window function bound to its arguments, partitioning, ordering and frame.
public struct BoundWindow: Sendable {
    public enum Kind: String, Sendable {
        case rowNumber = "row_number", rank, denseRank = "dense_rank", lag, lead, firstValue = "first_value", lastValue = "last_value"
        case sum, count, countStar = "count_star", min, max, avg
    }

    /// Rows relative to the current one; nil = unbounded.
    public struct Frame: Sendable {
        public var start: Int?
        public var end: Int?
    }

    public var kind: Kind
    public var arguments: [BoundExpr]
    public var partitionBy: [BoundExpr]
    public var orderBy: [SortKey]
    /// An explicit ROWS frame; nil = the SQL default (whole partition without ORDER BY, up to
    /// the current row's peers with it).
    public var frame: Frame?
    public var type: DataType
}

public struct SortKey: Sendable {
    public var expr: BoundExpr
    public var ascending: Bool
    public var nullsFirst: Bool
}

/// A query plan: a tree of relational operators, each with its output schema.
public indirect enum Plan: Sendable {
    case scan(name: String, table: TableProvider, request: ScanRequest, schema: [Field])
    case values(rows: [[BoundExpr]], schema: [Field])
    case filter(Plan, BoundExpr)
    case project(Plan, [BoundExpr], schema: [Field])
    case aggregate(Plan, groups: [BoundExpr], aggregates: [BoundAggregate], schema: [Field])
    case sort(Plan, [SortKey])
    case limit(Plan, limit: Int?, offset: Int)
    case distinct(Plan)
    /// Joins with the equality keys the planner found (hash join) and a residual condition.
    case join(JoinKind, Plan, Plan, leftKeys: [BoundExpr], rightKeys: [BoundExpr], residual: BoundExpr?, schema: [Field])
    case setOperation(SetOperator, all: Bool, Plan, Plan, schema: [Field])
    /// The input with one column appended per window function.
    case window(Plan, [BoundWindow], schema: [Field])
    /// Each input row repeated once per element of the list in `column`, with the element
    /// appended (UNNEST in a select list); an empty or NULL list drops the row.
    case unnest(Plan, column: Int, schema: [Field])

    public var schema: [Field] {
        switch self {
        case .scan(_, _, _, let s), .values(_, let s), .project(_, _, let s), .aggregate(_, _, _, let s),
             .join(_, _, _, _, _, _, let s), .setOperation(_, _, _, _, let s), .window(_, _, let s), .unnest(_, _, let s):
            return s
        case .filter(let p, _), .sort(let p, _), .limit(let p, _, _), .distinct(let p):
            return p.schema
        }
    }

    /// The plan as an indented tree (EXPLAIN).
    public func explain(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        func child(_ p: Plan) -> String { p.explain(indent: indent + 1) }
        let columns = schema.map(\.name).joined(separator: ", ")
        switch self {
        case .scan(let name, let table, let request, _):
            return pad + "Scan \(name) [\(columns)]" + (table.estimatedRows.map { " rows≈\($0)" } ?? "")
                + (request.filters.isEmpty ? "" : " filters=\(request.filters.count)") + (request.limit.map { " limit=\($0)" } ?? "") + "\n"
        case .values(let rows, _): return pad + "Values rows=\(rows.count) [\(columns)]\n"
        case .filter(let p, _): return pad + "Filter\n" + child(p)
        case .project(let p, _, _): return pad + "Project [\(columns)]\n" + child(p)
        case .aggregate(let p, let g, let a, _): return pad + "Aggregate groups=\(g.count) aggregates=\(a.map(\.kind.rawValue).joined(separator: ","))\n" + child(p)
        case .sort(let p, let keys): return pad + "Sort keys=\(keys.count)\n" + child(p)
        case .limit(let p, let l, let o): return pad + "Limit \(l.map(String.init) ?? "all") offset \(o)\n" + child(p)
        case .distinct(let p): return pad + "Distinct\n" + child(p)
        case .join(let k, let l, let r, let lk, _, let res, _):
            return pad + "\(lk.isEmpty ? "NestedLoopJoin" : "HashJoin") \(k.rawValue)\(lk.isEmpty ? "" : " keys=\(lk.count)")\(res == nil ? "" : " +condition")\n" + child(l) + child(r)
        case .setOperation(let op, let all, let l, let r, _): return pad + "\(op.rawValue)\(all ? " ALL" : "")\n" + child(l) + child(r)
        case .window(let p, let w, _): return pad + "Window \(w.map(\.kind.rawValue).joined(separator: ","))\n" + child(p)
        case .unnest(let p, _, _): return pad + "Unnest\n" + child(p)
        }
    }
}
