import Columnar
import SQL

/// The columns visible to an expression: one entry per input column, in input order.
struct Scope {
    struct Column {
        var qualifier: String?
        var name: String
        var type: DataType
        /// The right-hand copy of a USING/NATURAL join column: resolved and expanded through
        /// the left one.
        var isJoinDuplicate = false
        /// A provider's metadata column (`writetime(email)`): read through its call syntax,
        /// never by `*`.
        var isMetadata = false
    }

    var columns: [Column] = []

    func resolve(_ name: QualifiedName, at location: SourceLocation) throws -> (Int, DataType) {
        // Names match without regard to case, as in DuckDB; they keep their case for display.
        let column = name[name.count - 1].normalized.lowercased()
        let qualifier = name.count >= 2 ? name[name.count - 2].normalized.lowercased() : nil
        var matches = columns.indices.filter { i in
            !columns[i].isMetadata && columns[i].name.lowercased() == column && (qualifier == nil || columns[i].qualifier?.lowercased() == qualifier)
        }
        if matches.count > 1 { matches = matches.filter { !columns[$0].isJoinDuplicate } }
        guard let first = matches.first else {
            let shown = name.map(\.value).joined(separator: ".")
            let candidates = columns.filter { !$0.isJoinDuplicate && !$0.isMetadata }.map { ($0.qualifier.map { $0 + "." } ?? "") + $0.name }
            let has = candidates.isEmpty ? "the query reads no table" : "the query has: " + candidates.joined(separator: ", ")
            throw SQLError(.binder, "column \(shown) not found (\(has))", at: location)
        }
        if matches.count > 1 {
            throw SQLError(.binder, "column \(column) is ambiguous: qualify it with its table", at: location)
        }
        return (first, columns[first].type)
    }

    /// The first column of that name: USING picks it when a side has the name twice, as
    /// DuckDB does.
    func resolveFirst(_ name: String) throws -> (Int, DataType) {
        let column = name.lowercased()
        guard let i = columns.indices.first(where: { columns[$0].name.lowercased() == column && !columns[$0].isJoinDuplicate })
                ?? columns.indices.first(where: { columns[$0].name.lowercased() == column }) else {
            return try resolve([Identifier(name, quoted: true)], at: .unknown)
        }
        return (i, columns[i].type)
    }

    static func + (a: Scope, b: Scope) -> Scope { Scope(columns: a.columns + b.columns) }
}

/// Turns statements' queries into plans: resolves names against the catalog and scopes,
/// types every expression, places implicit casts, and finds aggregates and join keys.
final class Binder {
    let catalog: Catalog
    let registry: FunctionRegistry
    let views: [String: View]
    let macros: [String: Macro]
    /// Attached catalogs by lower-cased name, and what resolving in them may use.
    let catalogs: [String: CatalogProvider]
    let context: CatalogContext

    struct View {
        var query: Query
        var columns: [Identifier]
    }
    private var cteStack: [[String: Plan]] = []
    /// While a subquery binds: the scopes of the queries around it, innermost last, and per
    /// subquery the outer columns it reads.
    var outerScopes: [Scope] = []
    var correlationFrames: [[OuterReference]] = []

    struct OuterReference {
        var name: QualifiedName
        var key: String
        var type: DataType
    }
    /// While a select list binds: its window calls, by SQL text, as placeholder columns
    /// (`windowBase + k`) that become real positions once the window node's input is known.
    var windowColumns: [String: (Int, DataType)] = [:]
    /// The select list's UNNEST call (its SQL text) and the column holding its elements.
    var unnestColumn: (String, Int, DataType)?
    static let windowBase = 1 << 40

    /// CREATE FUNCTION name(params) [RETURNS type] AS expression: the body with its
    /// arguments substituted; typed parameters check and cast their arguments.
    struct Macro {
        var parameters: [String]
        var types: [TypeName?]
        var returns: TypeName?
        var body: Expr
    }

    init(catalog: Catalog, registry: FunctionRegistry, views: [String: View], macros: [String: Macro],
         catalogs: [String: CatalogProvider] = [:], context: CatalogContext = CatalogContext()) {
        self.catalog = catalog
        self.registry = registry
        self.views = views
        self.macros = macros
        self.catalogs = catalogs
        self.context = context
    }

    static let aggregateNames: Set<String> = ["count", "sum", "avg", "mean", "min", "max", "bool_and", "bool_or", "string_agg", "group_concat",
                                              "count_star", "array_agg", "list"]
    func isAggregate(_ name: String) -> Bool { Self.aggregateNames.contains(name) || registry.aggregate(name) != nil }

    /// The table functions of FROM, for SHOW FUNCTIONS.
    static let tableFunctionNames = ["generate_series", "range", "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson", "unnest"]

    // MARK: queries

    func bindQuery(_ q: Query) throws -> Plan {
        var frame: [String: Plan] = [:]
        cteStack.append(frame)
        defer { cteStack.removeLast() }
        for cte in q.with {
            var plan = try bindQuery(cte.query)
            if !cte.columns.isEmpty { plan = try rename(plan, cte.columns, at: q.location) }
            frame[cte.name.normalized] = plan
            cteStack[cteStack.count - 1] = frame
        }
        var plan: Plan
        if case .select(let s) = q.body {
            plan = try bindSelect(s, orderBy: q.orderBy)
        } else {
            plan = try bindBody(q.body)
            if !q.orderBy.isEmpty {
                let scope = Scope(columns: plan.schema.map { Scope.Column(qualifier: nil, name: $0.name, type: $0.type) })
                // Each select of a set operation names the output columns too, and its select
                // expressions stand for them (`… UNION SELECT a - 10 AS l … ORDER BY l`).
                let arms = selectArms(q.body)
                let keys = try q.orderBy.map { item -> SortKey in
                    try rejectConstantOrder(item)
                    let e: BoundExpr
                    if case .literal(.integer(let d)) = item.expr.kind, let k = Int(d) {
                        guard k >= 1 && k <= scope.columns.count else { throw SQLError(.binder, "ORDER BY position \(k) is not in the select list", at: item.expr.location) }
                        e = .column(index: k - 1, type: scope.columns[k - 1].type)
                    } else if let k = arms.lazy.compactMap({ arm in self.armPosition(item.expr, arm) }).first, k < scope.columns.count {
                        e = .column(index: k, type: scope.columns[k].type)
                    } else {
                        e = try bindExpr(item.expr, scope)
                    }
                    return SortKey(expr: e, ascending: item.ascending, nullsFirst: item.nullsFirst ?? false)
                }
                plan = .sort(plan, keys)
            }
        }
        if q.limit != nil || q.offset != nil {
            plan = .limit(plan, limit: try q.limit.map { try constantInt($0, "LIMIT") }, offset: try q.offset.map { try constantInt($0, "OFFSET") } ?? 0)
        }
        return plan
    }

    /// The selects of a set operation (or of a nested query), leftmost first.
    func selectArms(_ body: QueryBody) -> [Select] {
        switch body {
        case .select(let s): return [s]
        case .setOperation(_, _, let l, let r): return selectArms(l) + selectArms(r)
        case .nested(let q): return selectArms(q.body)
        case .values: return []
        }
    }

    /// The output position an ORDER BY expression names in one select: by alias or by the
    /// same expression.
    func armPosition(_ e: Expr, _ arm: Select) -> Int? {
        for (i, item) in arm.items.enumerated() {
            guard case .expr(let x, let alias) = item else { return nil }
            if case .column(let n) = e.kind, n.count == 1, let alias, alias.normalized.lowercased() == n[0].normalized.lowercased() { return i }
            if x.description == e.description { return i }
        }
        return nil
    }

    /// ORDER BY a constant (other than a position) orders nothing: refused, as DuckDB does.
    func rejectConstantOrder(_ item: OrderItem) throws {
        switch item.expr.kind {
        case .literal(.integer): return
        case .literal:
            throw SQLError(.binder, "ORDER BY a constant orders nothing; use a column or a position", at: item.expr.location)
        default: return
        }
    }

    func constantInt(_ e: Expr, _ what: String) throws -> Int {
        let bound = try bindExpr(e, Scope())
        let v = try Evaluator.evaluate(bound, Batch(columns: [], count: 1)).value(at: 0)
        guard case .int(let i) = v, i >= 0, let n = Int(exactly: i) else {
            throw SQLError(.binder, "\(what) must be a non-negative integer", at: e.location)
        }
        return n
    }

    func bindBody(_ body: QueryBody) throws -> Plan {
        switch body {
        case .select(let s): return try bindSelect(s, orderBy: [])
        case .nested(let q): return try bindQuery(q)
        case .values(let rows): return try bindValues(rows)
        case .setOperation(let op, let all, let l, let r):
            let left = try bindBody(l), right = try bindBody(r)
            guard left.schema.count == right.schema.count else {
                throw SQLError(.binder, "each side of \(op.rawValue) must have the same number of columns (\(left.schema.count) and \(right.schema.count))")
            }
            var types: [DataType] = []
            for (a, b) in zip(left.schema, right.schema) {
                guard let t = TypeMapping.supertype(a.type, b.type) else {
                    throw SQLError(.type, "\(op.rawValue) of \(a.type) and \(b.type) in column \(a.name)")
                }
                types.append(t)
            }
            let schema = zip(left.schema, types).map { Field($0.name, $1) }
            return .setOperation(op, all: all, coerce(left, types), coerce(right, types), schema: schema)
        }
    }

    /// A plan whose columns are cast to `types` where they differ.
    func coerce(_ plan: Plan, _ types: [DataType]) -> Plan {
        let schema = plan.schema
        guard zip(schema, types).contains(where: { $0.type != $1 }) else { return plan }
        let exprs = schema.enumerated().map { i, f in
            f.type == types[i] ? BoundExpr.column(index: i, type: f.type) : .cast(.column(index: i, type: f.type), to: types[i], isTry: false)
        }
        return .project(plan, exprs, schema: zip(schema, types).map { Field($0.name, $1) })
    }

    func bindValues(_ rows: [[Expr]]) throws -> Plan {
        guard let width = rows.first?.count else { throw SQLError(.binder, "VALUES needs a row") }
        var bound: [[BoundExpr]] = []
        var types = [DataType](repeating: .null, count: width)
        for row in rows {
            guard row.count == width else {
                throw SQLError(.binder, "VALUES rows must have the same number of values (\(width) and \(row.count))", at: row.first?.location)
            }
            let b = try row.map { try bindExpr($0, Scope()) }
            for (i, e) in b.enumerated() {
                guard let t = TypeMapping.supertype(types[i], e.type) else {
                    throw SQLError(.type, "VALUES column \(i + 1) mixes \(types[i]) and \(e.type)", at: row[i].location)
                }
                types[i] = t
            }
            bound.append(b)
        }
        let schema = types.enumerated().map { Field("column\($0.offset + 1)", $0.element == .null ? .integer : $0.element) }
        return .values(rows: bound, schema: schema)
    }

    func rename(_ plan: Plan, _ names: [Identifier], at location: SourceLocation?) throws -> Plan {
        let schema = plan.schema
        guard names.count <= schema.count else {
            throw SQLError(.binder, "\(names.count) column names for \(schema.count) columns", at: location)
        }
        let renamed = schema.enumerated().map { i, f in Field(i < names.count ? names[i].normalized : f.name, f.type) }
        return .project(plan, schema.enumerated().map { .column(index: $0.offset, type: $0.element.type) }, schema: renamed)
    }

    // MARK: FROM

    func bindFrom(_ refs: [TableRef]) throws -> (Plan, Scope) {
        guard let first = refs.first else {
            return (.values(rows: [[]], schema: []), Scope())
        }
        var (plan, scope) = try bindTableRef(first)
        for r in refs.dropFirst() {
            let (p, s) = try bindTableRef(r)
            plan = .join(.inner, plan, p, leftKeys: [], rightKeys: [], residual: nil, schema: plan.schema + p.schema)
            scope = scope + s
        }
        return (plan, scope)
    }

    /// The version an AS OF clause names, evaluated now: a time (a TIMESTAMP, or text that
    /// casts to one) or a version's name or number.
    func tableVersion(_ t: TableTimeTravel, at location: SourceLocation) throws -> TableVersion {
        func constant(_ e: Expr) throws -> (Value, DataType) {
            let bound = ConstantFolding.fold(try bindExpr(e, Scope()))
            guard case .constant(let v, let type) = bound else {
                throw SQLError(.binder, "AS OF needs a constant, not \(e)", at: e.location)
            }
            return (v, type)
        }
        switch t {
        case .systemTime(let e):
            let (v, type) = try constant(e)
            let column = try Cast.cast(Column.constant(v, type: type, count: 1), to: .timestamp, isTry: false)
            guard case .timestamp(let micros) = column.value(at: 0) else {
                throw SQLError(.binder, "FOR SYSTEM_TIME AS OF needs a time, not \(e)", at: e.location)
            }
            return .asOfTime(micros: micros)
        case .version(let e):
            let (v, _) = try constant(e)
            switch v {
            case .string(let s): return .named(s)
            case .int(let n): return .named(String(n))
            default: throw SQLError(.binder, "FOR VERSION AS OF needs a name or a number, not \(e)", at: e.location)
            }
        }
    }

    func scope(of plan: Plan, qualifier: String?) -> Scope {
        Scope(columns: plan.schema.map { Scope.Column(qualifier: qualifier, name: $0.name, type: $0.type) })
    }

    func bindTableRef(_ ref: TableRef) throws -> (Plan, Scope) {
        switch ref {
        case .table(let name, let alias, let asOf, let location):
            let key = name.map(\.normalized).joined(separator: ".")
            var plan: Plan
            if name.count >= 2, let attached = catalogs[name[0].normalized.lowercased()] {
                let version = try asOf.map { try tableVersion($0, at: location) }
                let path = name.dropFirst().map(\.normalized)
                let table: TableProvider?
                do { table = try attached.table(path, version: version, context: context) } catch let e as SQLError { throw e } catch {
                    throw SQLError(.catalog, "\(key): \(error)", at: location)
                }
                guard let table else {
                    throw SQLError(.catalog, "table \(name.map(\.value).joined(separator: ".")) does not exist in the \(attached.kind) catalog \(name[0].value)", at: location)
                }
                let meta = table.metadataColumns
                let schema = table.schema + meta
                // Metadata columns are requested explicitly so that pruning drops unread ones.
                let request = ScanRequest(projection: meta.isEmpty ? nil : Array(schema.indices))
                plan = .scan(name: key, table: table, request: request, schema: schema)
                if let cols = alias?.columns, !cols.isEmpty { plan = try rename(plan, cols, at: location) }
                var s = scope(of: plan, qualifier: alias?.name.normalized ?? name.last!.normalized)
                for i in table.schema.count..<s.columns.count { s.columns[i].isMetadata = true }
                return (plan, s)
            }
            if asOf != nil {
                throw SQLError(.unsupported, "FOR SYSTEM_TIME / VERSION AS OF needs a table with history (a backup, an Iceberg table)", at: location)
            }
            if name.count == 1, let cte = cteStack.reversed().lazy.compactMap({ $0[key] }).first {
                plan = cte
            } else if let view = views[key] {
                plan = try bindQuery(view.query)
                if !view.columns.isEmpty { plan = try rename(plan, view.columns, at: location) }
            } else if let table = catalog.table(key) ?? catalog.table(name.last!.normalized) {
                plan = .scan(name: key, table: table, request: ScanRequest(), schema: table.schema)
            } else {
                throw SQLError(.catalog, "table \(name.map(\.value).joined(separator: ".")) does not exist", at: location)
            }
            if let cols = alias?.columns, !cols.isEmpty { plan = try rename(plan, cols, at: location) }
            return (plan, scope(of: plan, qualifier: alias?.name.normalized ?? name.last!.normalized))
        case .subquery(let q, let alias, let location):
            var plan = try bindQuery(q)
            if let cols = alias?.columns, !cols.isEmpty { plan = try rename(plan, cols, at: location) }
            return (plan, scope(of: plan, qualifier: alias?.name.normalized))
        case .function(let name, let args, let alias, let location):
            var plan = try tableFunction(name.last!.normalized, args, at: location)
            if let cols = alias?.columns, !cols.isEmpty { plan = try rename(plan, cols, at: location) }
            return (plan, scope(of: plan, qualifier: alias?.name.normalized ?? name.last!.normalized))
        case .join(let kind, let l, let r, let condition):
            let (lp, ls) = try bindTableRef(l)
            let (rp, rs0) = try bindTableRef(r)
            var rs = rs0
            let combined = ls + rs
            var conjuncts: [BoundExpr] = []
            switch condition {
            case .none:
                guard kind == .cross else { throw SQLError(.binder, "\(kind.rawValue) JOIN needs ON or USING") }
            case .on(let e):
                let bound = try bindExpr(e, combined)
                try expectBoolean(bound, e.location, "JOIN ... ON")
                conjuncts = flattenAnd(bound)
            case .using, .natural:
                let usingNames: [String]
                if case .using(let n) = condition { usingNames = n.map(\.normalized) }
                else { usingNames = ls.columns.map(\.name).filter { n in rs.columns.contains { $0.name.lowercased() == n.lowercased() } } }
                for n in usingNames {
                    let (li, lt) = try ls.resolveFirst(n)
                    let (ri, rt) = try rs.resolveFirst(n)
                    conjuncts.append(try comparison("=", .column(index: li, type: lt), .column(index: ls.columns.count + ri, type: rt), at: nil))
                    rs.columns[ri].isJoinDuplicate = true
                }
            default: break
            }
            let leftCount = ls.columns.count
            var leftKeys: [BoundExpr] = [], rightKeys: [BoundExpr] = [], residual: [BoundExpr] = []
            for c in conjuncts {
                if case .call(let f, let args) = c, f.name == "=", args.count == 2 {
                    let a = columnsUsed(args[0]), b = columnsUsed(args[1])
                    if !a.isEmpty, !b.isEmpty, a.allSatisfy({ $0 < leftCount }), b.allSatisfy({ $0 >= leftCount }) {
                        leftKeys.append(args[0]); rightKeys.append(rebase(args[1], by: -leftCount)); continue
                    }
                    if !a.isEmpty, !b.isEmpty, b.allSatisfy({ $0 < leftCount }), a.allSatisfy({ $0 >= leftCount }) {
                        leftKeys.append(args[1]); rightKeys.append(rebase(args[0], by: -leftCount)); continue
                    }
                }
                residual.append(c)
            }
            let joinKind: JoinKind = kind == .cross ? .inner : kind
            let plan = Plan.join(joinKind, lp, rp, leftKeys: leftKeys, rightKeys: rightKeys,
                                 residual: residual.isEmpty ? nil : (residual.count == 1 ? residual[0] : .and(residual)),
                                 schema: lp.schema + rp.schema)
            return (plan, ls + rs)
        }
    }

    /// A map unnests as its entries: one STRUCT(key, value) per element (a Cassandra map
    /// column becomes rows of key and value).
    func entriesIfMap(_ e: BoundExpr, at loc: SourceLocation) throws -> BoundExpr {
        guard case .map = e.type else { return e }
        return .call(try registry.resolve("map_entries", [e.type], at: loc), [e])
    }

    func tableFunction(_ name: String, _ args: [Expr], at location: SourceLocation) throws -> Plan {
        switch name {
        case "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_ndjson":
            guard let first = args.first, case .literal(.string(let path)) = first.kind else {
                throw SQLError(.binder, "\(name) needs a file path as a string", at: location)
            }
            var header = true
            var delimiter: Character = ","
            for option in args.dropFirst() {
                guard case .binary(.equal, let k, let v) = option.kind, case .column(let n) = k.kind else {
                    throw SQLError(.binder, "\(name) options are written name = value", at: option.location)
                }
                switch (n.last!.normalized.lowercased(), v.kind) {
                case ("header", .literal(.boolean(let b))): header = b
                case ("delim", .literal(.string(let d))), ("sep", .literal(.string(let d))), ("delimiter", .literal(.string(let d))):
                    guard d.count == 1 else { throw SQLError(.binder, "the delimiter is one character", at: option.location) }
                    delimiter = d.first!
                default: throw SQLError(.binder, "unknown \(name) option \(n.last!.value)", at: option.location)
                }
            }
            let table = name.hasPrefix("read_csv") ? try FileReaders.readCSV(path, header: header, delimiter: delimiter, at: location)
                : try FileReaders.readJSON(path, at: location)
            return .scan(name: path, table: table, request: ScanRequest(), schema: table.schema)
        case "unnest":
            guard args.count == 1 else { throw SQLError(.binder, "unnest takes one list", at: location) }
            let bound = try entriesIfMap(try bindExpr(args[0], Scope()), at: location)
            guard case .list(let element) = bound.type else { throw SQLError(.type, "UNNEST needs a list, not \(bound.type)", at: location) }
            let v = try Evaluator.evaluate(bound, Batch(columns: [], count: 1)).value(at: 0)
            var b = ColumnBuilder(type: element)
            if case .list(let items) = v { for item in items { b.append(item) } }
            let column = b.finish()
            let table = MemoryTable(schema: [Field("unnest", element)])
            try table.append([Batch(columns: [column], count: column.count)])
            return .scan(name: name, table: table, request: ScanRequest(), schema: table.schema)
        case "generate_series", "range":
            let values = try args.map { a -> Int in
                let bound = try bindExpr(a, Scope())
                guard case .int(let i) = try Evaluator.evaluate(bound, Batch(columns: [], count: 1)).value(at: 0) else {
                    throw SQLError(.binder, "\(name) takes integers", at: a.location)
                }
                return Int(i)
            }
            guard (1...3).contains(values.count) else { throw SQLError(.binder, "\(name)(start, stop[, step])", at: location) }
            var start = 0, stop = values[0], step = 1
            if values.count >= 2 { start = values[0]; stop = values[1] }
            if values.count == 3 { step = values[2] }
            guard step != 0 else { throw SQLError(.binder, "\(name) step cannot be 0", at: location) }
            let table = SeriesTable(name: name, start: Int64(start), stop: Int64(stop), step: Int64(step), inclusive: name == "generate_series")
            return .scan(name: name, table: table, request: ScanRequest(), schema: table.schema)
        default:
            guard let f = registry.tableFunction(name) else { throw SQLError(.binder, "no table function named \(name)", at: location) }
            var rest = args[...]
            var input: Plan?
            if f.takesInput {
                guard let first = rest.first, case .subquery(let q) = first.kind else {
                    throw SQLError(.binder, "\(f.signature) takes a query first: \(name)((SELECT …)\(f.arguments.isEmpty ? "" : ", …"))", at: location)
                }
                input = try bindQuery(q)
                rest = rest.dropFirst()
            }
            guard rest.count == f.arguments.count else {
                throw SQLError(.binder, "\(f.signature) takes \(f.arguments.count) argument\(f.arguments.count == 1 ? "" : "s") after its input, not \(rest.count)", at: location)
            }
            let values = try zip(rest, f.arguments).enumerated().map { k, pair -> Value in
                let (a, t) = pair
                let bound = try bindExpr(a, Scope())
                if let why = StoreAssignment.refusal(bound.type, t) {
                    throw SQLError(.binder, "\(name): argument \(k + 1) is \(bound.type) where \(t) is declared: \(why)", at: a.location)
                }
                let v = try Evaluator.evaluate(bound, Batch(columns: [], count: 1))
                return try Cast.cast(v, to: t, isTry: false).value(at: 0)
            }
            let schema: [Field]
            do { schema = try f.schema(values, input?.schema) } catch let e as SQLError {
                throw SQLError(.binder, "table function \(name): \(e.message)", at: location)
            }
            // The input query runs as the session's queries do (SET threads).
            let threads = context.settings["threads"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            let table = TableFunctionTable(function: f, arguments: values, input: input, schema: schema,
                                           context: threads.map { ExecutionContext(threads: $0) } ?? ExecutionContext())
            return .scan(name: name, table: table, request: ScanRequest(), schema: schema)
        }
    }

    // MARK: SELECT

    enum Mode {
        case plain
        case aggregate(AggregateContext)
        case noAggregates(String)
    }

    final class AggregateContext {
        var aliases: [String: Expr] = [:]
        var groupKeys: [String] = []
        var groups: [BoundExpr] = []
        var aggregateKeys: [String] = []
        var aggregates: [BoundAggregate] = []
        let scope: Scope
        init(scope: Scope) { self.scope = scope }
    }

    func bindSelect(_ s: Select, orderBy: [OrderItem]) throws -> Plan {
        let savedWindows = windowColumns, savedUnnest = unnestColumn
        windowColumns = [:]
        unnestColumn = nil
        defer { windowColumns = savedWindows; unnestColumn = savedUnnest }
        var (plan, scope) = try bindFrom(s.from)
        if let w = s.filter {
            let f = try bindExpr(w, scope, mode: .noAggregates("WHERE"))
            try expectBoolean(f, w.location, "WHERE")
            plan = .filter(plan, f)
        }
        let isAggregate = !s.groupBy.isEmpty || s.having != nil
            || s.items.contains { if case .expr(let e, _) = $0 { return containsAggregate(e) } else { return false } }
            || orderBy.contains { containsAggregate($0.expr) }
        var mode = Mode.plain
        if isAggregate {
            let ctx = AggregateContext(scope: scope)
            for item in s.items {
                if case .expr(let e, let alias?) = item { ctx.aliases[alias.normalized.lowercased()] = e }
            }
            for g in s.groupBy {
                let ast = try groupExpression(g, s.items, scope)
                let key = ast.description
                if ctx.groupKeys.contains(key) { continue }
                ctx.groupKeys.append(key)
                ctx.groups.append(try bindExpr(ast, scope, mode: .noAggregates("GROUP BY")))
            }
            mode = .aggregate(ctx)
            let windows = try bindWindows(s, orderBy, scope, mode: mode)
            // Bind everything that reads the aggregate's output first, to collect aggregates.
            var items: [(BoundExpr, String)] = []
            for item in s.items {
                guard case .expr(let e, let alias) = item else {
                    throw SQLError(.binder, "SELECT * cannot be used with GROUP BY or aggregates", at: s.items.first.flatMap(location))
                }
                items.append((try bindExpr(e, scope, mode: mode), alias?.normalized ?? outputName(e)))
            }
            let having = try s.having.map { h -> BoundExpr in
                let b = try bindExpr(h, scope, mode: mode)
                try expectBoolean(b, h.location, "HAVING")
                return b
            }
            let orderKeys = try orderBy.map { try orderKey($0, s.items, items.map(\.1), items.map(\.0), scope, mode: mode) }
            let aggSchema = ctx.groups.enumerated().map { Field("group\($0.offset)", $0.element.type) }
                + ctx.aggregates.enumerated().map { Field("aggregate\($0.offset)", $0.element.type) }
            plan = .aggregate(plan, groups: ctx.groups, aggregates: ctx.aggregates, schema: aggSchema)
            if let having { plan = .filter(plan, having) }
            let (windowed, fixedItems, fixedOrder) = placeWindows(plan, windows, items, orderKeys)
            return try finishSelect(windowed, items: fixedItems, orderKeys: fixedOrder, distinct: s.distinct)
        }
        (plan, scope) = try bindSelectUnnest(s, plan, scope)
        let windows = try bindWindows(s, orderBy, scope, mode: mode)
        var items: [(BoundExpr, String)] = []
        for item in s.items {
            switch item {
            case .expr(let e, let alias):
                items.append((try bindExpr(e, scope, mode: mode), alias?.normalized ?? outputName(e)))
            case .star(let qualifier, let exclude, let location):
                let q = qualifier.last?.normalized
                let excluded = Set(exclude.map(\.normalized))
                let matching = scope.columns.enumerated().filter { _, c in
                    !c.isJoinDuplicate && !c.isMetadata && (q == nil || c.qualifier == q) && !excluded.contains(c.name)
                }
                if matching.isEmpty && q != nil {
                    throw SQLError(.binder, "no table \(qualifier.map(\.value).joined(separator: ".")) in FROM", at: location)
                }
                for (i, c) in matching { items.append((.column(index: i, type: c.type), c.name)) }
            }
        }
        let orderKeys = try orderBy.map { try orderKey($0, s.items, items.map(\.1), items.map(\.0), scope, mode: mode) }
        let (windowed, fixedItems, fixedOrder) = placeWindows(plan, windows, items, orderKeys)
        return try finishSelect(windowed, items: fixedItems, orderKeys: fixedOrder, distinct: s.distinct)
    }

    /// A select item `unnest(list)`: the rows repeat per element, which becomes a column the
    /// item then reads. One UNNEST per select list.
    func bindSelectUnnest(_ s: Select, _ plan: Plan, _ scope: Scope) throws -> (Plan, Scope) {
        let calls = s.items.compactMap { item -> (Expr, Expr)? in
            guard case .expr(let e, _) = item, case .function(let f) = e.kind, f.name.last!.normalized.lowercased() == "unnest",
                  f.arguments.count == 1 else { return nil }
            return (e, f.arguments[0])
        }
        guard let (call, argument) = calls.first else { return (plan, scope) }
        guard calls.count == 1 else { throw SQLError(.unsupported, "one UNNEST per select list for now", at: calls[1].0.location) }
        let list = try entriesIfMap(try bindExpr(argument, scope, mode: .noAggregates("UNNEST")), at: argument.location)
        guard case .list(let element) = list.type else { throw SQLError(.type, "UNNEST needs a list, not \(list.type)", at: argument.location) }
        let width = scope.columns.count
        let inputs = (0..<width).map { BoundExpr.column(index: $0, type: scope.columns[$0].type) } + [list]
        let projected = Plan.project(plan, inputs, schema: plan.schema + [Field("unnest", list.type)])
        let schema = plan.schema + [Field("unnest", element)]
        unnestColumn = (call.description, width, element)
        var extended = scope
        extended.columns.append(Scope.Column(qualifier: nil, name: "#unnest", type: element))
        return (.unnest(projected, column: width, schema: schema), extended)
    }

    /// Binds the window calls of a select list and its ORDER BY, and registers them as
    /// placeholder columns for the items that use them.
    func bindWindows(_ s: Select, _ orderBy: [OrderItem], _ scope: Scope, mode: Mode) throws -> [BoundWindow] {
        var calls: [Expr] = []
        func collect(_ e: Expr) {
            if case .function(let f) = e.kind, f.over != nil {
                if !calls.contains(where: { $0.description == e.description }) { calls.append(e) }
                return
            }
            forEachChild(e, collect)
        }
        for item in s.items { if case .expr(let e, _) = item { collect(e) } }
        for o in orderBy { collect(o.expr) }
        var bound: [BoundWindow] = []
        for call in calls {
            guard case .function(let f) = call.kind, let over = f.over else { continue }
            let w = try bindWindow(f, over, scope, mode: mode, at: call.location)
            windowColumns[call.description] = (Self.windowBase + bound.count, w.type)
            bound.append(w)
        }
        return bound
    }

    func bindWindow(_ f: FunctionCall, _ over: WindowSpec, _ scope: Scope, mode: Mode, at loc: SourceLocation) throws -> BoundWindow {
        if let filter = f.filter {
            throw SQLError(.unsupported, "FILTER (WHERE …) on a window function is not supported; use CASE WHEN … THEN x END as its argument", at: filter.location)
        }
        let name = f.name.last!.normalized.lowercased()
        let args = try f.arguments.map { try bindExpr($0, scope, mode: mode) }
        let partition = try over.partitionBy.map { try bindExpr($0, scope, mode: mode) }
        let order = try over.orderBy.map { SortKey(expr: try bindExpr($0.expr, scope, mode: mode), ascending: $0.ascending, nullsFirst: $0.nullsFirst ?? false) }
        let kind: BoundWindow.Kind
        var type: DataType
        switch name {
        case "row_number": kind = .rowNumber; type = .bigint
        case "rank": kind = .rank; type = .bigint
        case "dense_rank": kind = .denseRank; type = .bigint
        case "lag", "lead", "first_value", "last_value":
            guard let first = args.first else { throw SQLError(.binder, "\(name) needs an argument", at: loc) }
            kind = name == "lag" ? .lag : name == "lead" ? .lead : name == "first_value" ? .firstValue : .lastValue
            type = first.type
        case "count":
            if f.star || args.isEmpty { kind = .countStar } else { kind = .count }
            type = .bigint
        case "sum":
            guard let a = args.first, a.type.isNumeric || a.type == .null else { throw SQLError(.binder, "sum needs a number", at: loc) }
            kind = .sum; type = a.type.isInteger || a.type == .null ? .bigint : .double
        case "avg": kind = .avg; type = .double
        case "min", "max":
            guard let a = args.first else { throw SQLError(.binder, "\(name) needs an argument", at: loc) }
            kind = name == "min" ? .min : .max; type = a.type
        default:
            guard !Self.aggregateNames.contains(name), registry.aggregate(name) != nil else {
                throw SQLError(.binder, "\(name) is not a window function", at: loc)
            }
            // A registered aggregate over each row's frame: bound as the aggregate it is.
            if f.distinct { throw SQLError(.unsupported, "DISTINCT in a window is not supported (\(name))", at: loc) }
            var plain = f
            plain.over = nil
            let aggregate = try bindAggregateCall(plain, scope, at: loc)
            guard let argument = aggregate.argument else { throw SQLError(.binder, "\(name) needs its arguments", at: loc) }
            return BoundWindow(kind: .user, arguments: [argument], partitionBy: partition, orderBy: order,
                               frame: try parseFrame(over.frame, at: loc), type: aggregate.type, aggregate: aggregate)
        }
        return BoundWindow(kind: kind, arguments: args, partitionBy: partition, orderBy: order, frame: try parseFrame(over.frame, at: loc), type: type)
    }

    /// `ROWS BETWEEN <bound> AND <bound>` (RANGE only as the default).
    func parseFrame(_ text: String?, at loc: SourceLocation) throws -> BoundWindow.Frame? {
        guard let text else { return nil }
        let w = text.split(separator: " ").map(String.init)
        guard w.first == "ROWS" else {
            if text == "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW" { return nil }
            throw SQLError(.unsupported, "window frame \(text) is not supported yet (ROWS frames are)", at: loc)
        }
        func bound(_ parts: ArraySlice<String>) throws -> Int?? {
            let p = Array(parts)
            if p == ["UNBOUNDED", "PRECEDING"] || p == ["UNBOUNDED", "FOLLOWING"] { return .some(nil) }
            if p == ["CURRENT", "ROW"] { return .some(0) }
            if p.count == 2, let n = Int(p[0]) { return .some(p[1] == "PRECEDING" ? -n : n) }
            throw SQLError(.unsupported, "window frame bound \(p.joined(separator: " "))", at: loc)
        }
        if w.count > 1, w[1] == "BETWEEN", let and = w.firstIndex(of: "AND") {
            let s = try bound(w[2..<and]), e = try bound(w[(and + 1)...])
            return BoundWindow.Frame(start: s ?? nil, end: e ?? nil)
        }
        let s = try bound(w[1...])
        return BoundWindow.Frame(start: s ?? nil, end: 0)
    }

    /// Appends the window node and turns placeholder window columns into positions.
    func placeWindows(_ plan: Plan, _ windows: [BoundWindow], _ items: [(BoundExpr, String)],
                      _ orderKeys: [(OrderTarget, OrderItem)]) -> (Plan, [(BoundExpr, String)], [(OrderTarget, OrderItem)]) {
        guard !windows.isEmpty else { return (plan, items, orderKeys) }
        let base = plan.schema.count
        let schema = plan.schema + windows.enumerated().map { Field("window\($0.offset)", $0.element.type) }
        let fix: (Int) -> Int = { $0 >= Self.windowBase ? base + ($0 - Self.windowBase) : $0 }
        let fixedItems = items.map { (mapColumns($0.0, fix), $0.1) }
        let fixedOrder = orderKeys.map { key -> (OrderTarget, OrderItem) in
            if case .hidden(let e) = key.0 { return (.hidden(mapColumns(e, fix)), key.1) }
            return key
        }
        return (.window(plan, windows, schema: schema), fixedItems, fixedOrder)
    }

    /// Calls `body` on each direct sub-expression (not into subqueries).
    func forEachChild(_ e: Expr, _ body: (Expr) -> Void) {
        switch e.kind {
        case .unary(_, let a), .isNull(let a, _), .isBoolean(let a, _, _), .cast(let a, _, _), .field(let a, _), .extract(_, let a):
            body(a)
        case .binary(_, let a, let b), .isDistinctFrom(let a, let b, _), .subscript(let a, let b): body(a); body(b)
        case .between(let a, let b, let c, _): body(a); body(b); body(c)
        case .inList(let a, let items, _): body(a); items.forEach(body)
        case .like(let a, let b, let c, _, _): body(a); body(b); c.map(body)
        case .caseWhen(let o, let branches, let other):
            o.map(body); branches.forEach { body($0.when); body($0.then) }; other.map(body)
        case .function(let f): f.arguments.forEach(body)
        case .array(let items), .row(let items): items.forEach(body)
        case .map(let k, let v): k.forEach(body); v.forEach(body)
        case .slice(let a, let b, let c): body(a); b.map(body); c.map(body)
        default: break
        }
    }

    private func location(_ item: SelectItem) -> SourceLocation? {
        switch item {
        case .expr(let e, _): return e.location
        case .star(_, _, let l): return l
        }
    }

    /// An ORDER BY item: a select-list position or name, or an expression (then a hidden
    /// column of the projection).
    enum OrderTarget {
        case output(Int)
        case hidden(BoundExpr)
    }

    func orderKey(_ item: OrderItem, _ selectItems: [SelectItem], _ names: [String], _ boundItems: [BoundExpr], _ scope: Scope,
                  mode: Mode) throws -> (OrderTarget, OrderItem) {
        try rejectConstantOrder(item)
        if case .literal(.integer(let d)) = item.expr.kind, let k = Int(d) {
            guard k >= 1 && k <= names.count else {
                throw SQLError(.binder, "ORDER BY position \(k) is not in the select list (1 to \(names.count))", at: item.expr.location)
            }
            return (.output(k - 1), item)
        }
        if case .column(let n) = item.expr.kind, n.count == 1, let i = names.firstIndex(of: n[0].normalized) {
            // A select alias, unless it is also an input column of another meaning.
            let isAlias = selectItems.contains { if case .expr(_, let a?) = $0 { return a.normalized == n[0].normalized } else { return false } }
            if isAlias || (try? scope.resolve(n, at: item.expr.location)) == nil { return (.output(i), item) }
        }
        let key = item.expr.description
        for (i, si) in selectItems.enumerated() {
            if case .expr(let e, _) = si, e.description == key, i < names.count { return (.output(i), item) }
        }
        let bound = try bindExpr(item.expr, scope, mode: mode)
        if let i = boundItems.firstIndex(where: { $0.fingerprint == bound.fingerprint }) { return (.output(i), item) }
        return (.hidden(bound), item)
    }

    func finishSelect(_ input: Plan, items: [(BoundExpr, String)], orderKeys: [(OrderTarget, OrderItem)], distinct: Bool) throws -> Plan {
        var exprs = items.map(\.0)
        var schema = items.map { Field($0.1, $0.0.type) }
        var keys: [SortKey] = []
        for (target, item) in orderKeys {
            let index: Int
            switch target {
            case .output(let i): index = i
            case .hidden(let e):
                exprs.append(e)
                schema.append(Field("#order\(keys.count)", e.type))
                index = exprs.count - 1
            }
            keys.append(SortKey(expr: .column(index: index, type: schema[index].type), ascending: item.ascending,
                                nullsFirst: item.nullsFirst ?? false))
        }
        var plan = Plan.project(input, exprs, schema: schema)
        if distinct && schema.count > items.count {
            // DISTINCT ordered by columns it does not return (DuckDB's reading): each distinct
            // row keeps its first place in that order — row_number() over the visible columns
            // ordered by the keys, the first of each kept.
            let visible = (0..<items.count).map { BoundExpr.column(index: $0, type: schema[$0].type) }
            let first = BoundWindow(kind: .rowNumber, arguments: [], partitionBy: visible, orderBy: keys, frame: nil, type: .bigint)
            let width = schema.count
            plan = .window(plan, [first], schema: schema + [Field("#first", .bigint)])
            let one = BoundExpr.constant(.int(1), .bigint)
            plan = .filter(plan, .call(try registry.resolve("=", [.bigint, .bigint]), [.column(index: width, type: .bigint), one]))
            plan = .project(plan, (0..<width).map { .column(index: $0, type: schema[$0].type) }, schema: schema)
        } else if distinct {
            plan = .distinct(plan)
        }
        if !keys.isEmpty { plan = .sort(plan, keys) }
        if schema.count > items.count {
            let visible = Array(schema.prefix(items.count))
            plan = .project(plan, visible.enumerated().map { .column(index: $0.offset, type: $0.element.type) }, schema: visible)
        }
        return plan
    }

    /// A GROUP BY item: a select-list position, a select alias, or an expression.
    func groupExpression(_ g: Expr, _ items: [SelectItem], _ scope: Scope) throws -> Expr {
        if case .literal(.integer(let d)) = g.kind, let k = Int(d) {
            guard k >= 1 && k <= items.count, case .expr(let e, _) = items[k - 1] else {
                throw SQLError(.binder, "GROUP BY position \(k) is not in the select list", at: g.location)
            }
            return e
        }
        if case .column(let n) = g.kind, n.count == 1, (try? scope.resolve(n, at: g.location)) == nil {
            for item in items {
                if case .expr(let e, let alias?) = item, alias.normalized == n[0].normalized { return e }
            }
        }
        return g
    }

    func outputName(_ e: Expr) -> String {
        switch e.kind {
        case .column(let n): return n.last!.normalized
        case .function(let f): return f.name.last!.value.lowercased() + "(" + (f.star ? "*" : f.arguments.map(\.description).joined(separator: ", ")) + ")"
        case .cast(let inner, _, _): return outputName(inner)
        default: return e.description
        }
    }

    func containsAggregate(_ e: Expr) -> Bool {
        switch e.kind {
        case .function(let f):
            if f.over == nil, isAggregate(f.name.last!.normalized) { return true }
            return f.arguments.contains(where: containsAggregate)
        case .unary(_, let a), .isNull(let a, _), .isBoolean(let a, _, _), .cast(let a, _, _), .field(let a, _), .extract(_, let a):
            return containsAggregate(a)
        case .binary(_, let a, let b), .isDistinctFrom(let a, let b, _), .subscript(let a, let b):
            return containsAggregate(a) || containsAggregate(b)
        case .between(let a, let b, let c, _): return containsAggregate(a) || containsAggregate(b) || containsAggregate(c)
        case .inList(let a, let items, _): return containsAggregate(a) || items.contains(where: containsAggregate)
        case .like(let a, let b, let c, _, _): return containsAggregate(a) || containsAggregate(b) || (c.map(containsAggregate) ?? false)
        case .caseWhen(let o, let branches, let other):
            return (o.map(containsAggregate) ?? false) || branches.contains { containsAggregate($0.when) || containsAggregate($0.then) }
                || (other.map(containsAggregate) ?? false)
        case .array(let items), .row(let items): return items.contains(where: containsAggregate)
        default: return false
        }
    }

    func expectBoolean(_ e: BoundExpr, _ location: SourceLocation, _ clause: String) throws {
        guard e.type == .boolean || e.type == .null || e.type.isInteger else {
            throw SQLError(.type, "\(clause) needs a BOOLEAN condition, not \(e.type)", at: location)
        }
    }

    func flattenAnd(_ e: BoundExpr) -> [BoundExpr] {
        if case .and(let parts) = e { return parts.flatMap(flattenAnd) }
        return [e]
    }

    func rebase(_ e: BoundExpr, by offset: Int) -> BoundExpr { mapColumns(e) { $0 + offset } }
}
