import Columnar
import SQL

/// An aggregate function bound to its argument.
public struct BoundAggregate: Sendable {
    public enum Kind: String, Sendable {
        case countStar = "count_star", count, sum, avg, min, max, boolAnd = "bool_and", boolOr = "bool_or", stringAgg = "string_agg"
        case arrayAgg = "array_agg"
        /// A program's aggregate (`user`); its arguments come as one struct when there are several.
        case user
    }

    public var kind: Kind
    public var argument: BoundExpr?
    /// string_agg's separator.
    public var separator: String
    public var distinct: Bool
    public var type: DataType
    var user: AggregateFunction?
    /// `FILTER (WHERE …)`: only rows where it is true are aggregated.
    public var filter: BoundExpr?

    init(kind: Kind, argument: BoundExpr?, separator: String, distinct: Bool, type: DataType, user: AggregateFunction? = nil) {
        self.kind = kind
        self.argument = argument
        self.separator = separator
        self.distinct = distinct
        self.type = type
        self.user = user
    }
}

/// A window function bound to its arguments, partitioning, ordering and frame.
public struct BoundWindow: Sendable {
    public enum Kind: String, Sendable {
        case rowNumber = "row_number", rank, denseRank = "dense_rank", lag, lead, firstValue = "first_value", lastValue = "last_value"
        case sum, count, countStar = "count_star", min, max, avg
        /// A registered aggregate (`aggregate`) over the frame.
        case user
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
    /// For `.user`: the aggregate, whose argument is `arguments[0]`.
    var aggregate: BoundAggregate? = nil
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

    /// Estimated output rows: the provider's count for scans, a fifth per filter conjunct
    /// (the usual guess without statistics), the larger input for equi-joins.
    public var estimatedRows: Int {
        switch self {
        case .scan(_, let t, let request, _):
            let rows = t.estimatedRows ?? 1000
            let filtered = request.filters.isEmpty ? rows : max(1, rows / Int(pow10(min(request.filters.count, 6))))
            return request.limit.map { min($0, filtered) } ?? filtered
        case .values(let rows, _): return rows.count
        case .filter(let p, let e):
            let conjuncts: Int
            if case .and(let parts) = e { conjuncts = parts.count } else { conjuncts = 1 }
            var rows = p.estimatedRows
            for _ in 0..<conjuncts { rows = max(rows / 5, rows > 0 ? 1 : 0) }
            return rows
        case .project(let p, _, _), .sort(let p, _), .window(let p, _, _): return p.estimatedRows
        case .aggregate(let p, let g, _, _): return g.isEmpty ? 1 : max(1, p.estimatedRows / 2)
        case .limit(let p, let l, let o): return l.map { min($0, max(0, p.estimatedRows - o)) } ?? max(0, p.estimatedRows - o)
        case .distinct(let p): return p.estimatedRows
        case .join(let k, let l, let r, let lk, _, _, _):
            if lk.isEmpty { return l.estimatedRows * max(r.estimatedRows, 1) }
            return k == .inner ? max(l.estimatedRows, r.estimatedRows) : l.estimatedRows + r.estimatedRows
        case .setOperation(let op, _, let l, let r, _): return op == .union ? l.estimatedRows + r.estimatedRows : l.estimatedRows
        case .unnest(let p, _, _): return p.estimatedRows * 4
        }
    }

    /// The plan as an indented tree (EXPLAIN): each operator with its expressions (columns
    /// named as its input names them) and estimated rows; scans with their columns, the
    /// filters and limit their provider took, and how many partitions they read in parallel.
    public func explain(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        func child(_ p: Plan) -> String { p.explain(indent: indent + 1) }
        let columns = schema.map(\.name).joined(separator: ", ")
        let rows = " rows≈\(estimatedRows)"
        func texts(_ es: [BoundExpr], _ input: Plan) -> String { es.map { $0.text(input.schema.map(\.name)) }.joined(separator: ", ") }
        switch self {
        case .scan(let name, let table, let request, _):
            let partitions = (try? table.partitions(request).count).map { " partitions=\($0)" } ?? ""
            let names = (table.schema + table.metadataColumns).map(\.name)
            let filters = request.filters.isEmpty ? "" : " filters=[\(request.filters.map { $0.text(names) }.joined(separator: ", "))]"
            let details = table.explainDetails(request).map { pad + "  " + $0 + "\n" }.joined()
            return pad + "Scan \(name) [\(columns)]" + filters + (request.limit.map { " limit=\($0)" } ?? "") + partitions + rows + "\n" + details
        case .values(let values, _): return pad + "Values \(values.count) rows [\(columns)]\n"
        case .filter(let p, let e): return pad + "Filter \(e.text(p.schema.map(\.name)))" + rows + "\n" + child(p)
        case .project(let p, let e, _): return pad + "Project [\(texts(e, p))]" + rows + "\n" + child(p)
        case .aggregate(let p, let g, let a, _):
            let aggs = a.map { a in
                (a.user?.name ?? a.kind.rawValue) + "(" + (a.distinct ? "DISTINCT " : "") + (a.argument.map { $0.text(p.schema.map(\.name)) } ?? "*") + ")"
                    + (a.filter.map { " FILTER (WHERE " + $0.text(p.schema.map(\.name)) + ")" } ?? "")
            }
            return pad + "Aggregate" + (g.isEmpty ? "" : " by [\(texts(g, p))]") + " [\(aggs.joined(separator: ", "))]" + rows + "\n" + child(p)
        case .sort(let p, let keys):
            let k = keys.map { $0.expr.text(p.schema.map(\.name)) + ($0.ascending ? "" : " DESC") }
            return pad + "Sort [\(k.joined(separator: ", "))]" + rows + "\n" + child(p)
        case .limit(let p, let l, let o): return pad + "Limit \(l.map(String.init) ?? "all") offset \(o)" + rows + "\n" + child(p)
        case .distinct(let p): return pad + "Distinct" + rows + "\n" + child(p)
        case .join(let k, let l, let r, let lk, let rk, let res, _):
            let keys = zip(lk, rk).map { $0.text(l.schema.map(\.name)) + " = " + $1.text(r.schema.map(\.name)) }
            let condition = res.map { " where " + $0.text(l.schema.map(\.name) + r.schema.map(\.name)) } ?? ""
            return pad + "\(lk.isEmpty ? "NestedLoopJoin" : "HashJoin") \(k.rawValue)" + (keys.isEmpty ? "" : " [\(keys.joined(separator: ", "))]")
                + condition + rows + "\n" + child(l) + child(r)
        case .setOperation(let op, let all, let l, let r, _): return pad + "\(op.rawValue)\(all ? " ALL" : "")" + rows + "\n" + child(l) + child(r)
        case .window(let p, let w, _): return pad + "Window [\(w.map(\.kind.rawValue).joined(separator: ", "))]" + rows + "\n" + child(p)
        case .unnest(let p, _, _): return pad + "Unnest" + rows + "\n" + child(p)
        }
    }
}
