/// A recursive-descent parser for movesql's SQL. Every error names the line and column of
/// the token it could not use.
public struct Parser {
    private var tokens: [Token]
    private var pos = 0

    /// Words that end an expression or a FROM item, so they cannot be bare aliases.
    static let reserved: Set<String> = [
        "select", "from", "where", "group", "having", "order", "limit", "offset", "union", "except", "intersect",
        "join", "inner", "left", "right", "full", "cross", "natural", "on", "using", "as", "and", "or", "not", "is",
        "null", "in", "between", "like", "ilike", "case", "when", "then", "else", "end", "with", "values", "distinct",
        "all", "into", "create", "table", "insert", "drop", "qualify", "window", "outer", "lateral", "by", "asc",
        "desc", "nulls", "set", "true", "false", "exists", "cast", "for", "over", "filter", "escape",
    ]

    public init(_ sql: String) throws {
        tokens = try Lexer.tokenize(sql)
    }

    /// Parses a script of statements separated by `;`.
    public static func parse(_ sql: String) throws -> [Statement] {
        var p = try Parser(sql)
        var out: [Statement] = []
        while true {
            while p.accept(symbol: ";") {}
            if p.peek.kind == .end { break }
            out.append(try p.statement())
            if p.peek.kind != .end && !p.peek.isSymbol(";") {
                throw p.error("expected ';' or the end of the statement")
            }
        }
        return out
    }

    /// Parses exactly one statement.
    public static func parseStatement(_ sql: String) throws -> Statement {
        let all = try parse(sql)
        guard all.count == 1 else { throw SQLError(.syntax, "expected one statement, found \(all.count)") }
        return all[0]
    }

    /// Parses one expression (for SQL macros and tests).
    public static func parseExpression(_ sql: String) throws -> Expr {
        var p = try Parser(sql)
        let e = try p.expression()
        guard p.peek.kind == .end else { throw p.error("unexpected text after the expression") }
        return e
    }

    // MARK: tokens

    var peek: Token { tokens[pos] }
    func peek(_ n: Int) -> Token { tokens[min(pos + n, tokens.count - 1)] }

    mutating func advance() -> Token {
        let t = tokens[pos]
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    mutating func accept(_ keyword: String) -> Bool {
        if peek.isKeyword(keyword) { pos += 1; return true }
        return false
    }

    mutating func accept(symbol: String) -> Bool {
        if peek.isSymbol(symbol) { pos += 1; return true }
        return false
    }

    mutating func expect(_ keyword: String) throws {
        guard accept(keyword) else { throw error("expected \(keyword.uppercased())") }
    }

    mutating func expect(symbol: String) throws {
        guard accept(symbol: symbol) else { throw error("expected '\(symbol)'") }
    }

    func error(_ message: String) -> SQLError {
        let near: String
        switch peek.kind {
        case .end: near = "at the end of the input"
        case .word(let w): near = "at or near \"\(w)\""
        case .quotedIdentifier(let w): near = "at or near \"\(w)\""
        case .string(let s): near = "at or near '\(s)'"
        case .integer(let s), .decimal(let s): near = "at or near \"\(s)\""
        case .symbol(let s): near = "at or near \"\(s)\""
        }
        return SQLError(.syntax, "\(message) \(near)", at: peek.location)
    }

    func isReserved(_ t: Token) -> Bool {
        if case .word(let w) = t.kind { return Self.reserved.contains(w.lowercased()) }
        return false
    }

    mutating func identifier() throws -> Identifier {
        switch peek.kind {
        case .word(let w) where !Self.reserved.contains(w.lowercased()):
            pos += 1
            return Identifier(w)
        case .quotedIdentifier(let w):
            pos += 1
            return Identifier(w, quoted: true)
        default:
            throw error("expected a name")
        }
    }

    /// A name where reserved words are allowed (after a dot, as a function name).
    mutating func anyIdentifier() throws -> Identifier {
        switch peek.kind {
        case .word(let w): pos += 1; return Identifier(w)
        case .quotedIdentifier(let w): pos += 1; return Identifier(w, quoted: true)
        default: throw error("expected a name")
        }
    }

    mutating func qualifiedName() throws -> QualifiedName {
        var parts = [try identifier()]
        while peek.isSymbol("."), case .word = peek(1).kind {
            pos += 1
            parts.append(try anyIdentifier())
        }
        while peek.isSymbol("."), case .quotedIdentifier = peek(1).kind {
            pos += 1
            parts.append(try anyIdentifier())
        }
        return parts
    }

    mutating func identifierList() throws -> [Identifier] {
        try expect(symbol: "(")
        var out: [Identifier] = []
        repeat { out.append(try identifier()) } while accept(symbol: ",")
        try expect(symbol: ")")
        return out
    }

    // MARK: statements

    /// After `INSERT [OVERWRITE]`: `ALL INTO … INTO … <query>`, or `ALL | FIRST` then
    /// `WHEN cond THEN INTO …` branches and an optional `ELSE INTO …`.
    mutating func multiTableInsert(overwrite: Bool) throws -> Statement {
        let first = accept("first")
        if !first { try expect("all") }
        func intos() throws -> [InsertBranch.Into] {
            var out: [InsertBranch.Into] = []
            while peek.isKeyword("into") {
                let at = advance().location
                let table = try qualifiedName()
                var columns: [Identifier] = []
                if peek.isSymbol("("), !peek(1).isKeyword("select"), !peek(1).isKeyword("with") { columns = try identifierList() }
                var values: [Expr]?
                if accept("values") {
                    try expect(symbol: "(")
                    var list = [try expression()]
                    while accept(symbol: ",") { list.append(try expression()) }
                    try expect(symbol: ")")
                    values = list
                }
                out.append(InsertBranch.Into(table: table, columns: columns, values: values, location: at))
            }
            return out
        }
        var branches: [InsertBranch] = []
        if peek.isKeyword("into") {
            if first { throw SQLError(.syntax, "INSERT FIRST needs WHEN … THEN INTO branches", at: peek.location) }
            branches.append(InsertBranch(condition: nil, isElse: false, into: try intos()))
        } else {
            while accept("when") {
                let condition = try expression()
                try expect("then")
                let into = try intos()
                if into.isEmpty { throw SQLError(.syntax, "WHEN … THEN is followed by INTO table", at: peek.location) }
                branches.append(InsertBranch(condition: condition, isElse: false, into: into))
            }
            if branches.isEmpty { throw SQLError(.syntax, "INSERT \(first ? "FIRST" : "ALL") is followed by INTO or WHEN", at: peek.location) }
            if accept("else") {
                let into = try intos()
                if into.isEmpty { throw SQLError(.syntax, "ELSE is followed by INTO table", at: peek.location) }
                branches.append(InsertBranch(condition: nil, isElse: true, into: into))
            }
        }
        return .insertMulti(first: first, branches: branches, source: try query(), overwrite: overwrite)
    }

    mutating func statement() throws -> Statement {
        if accept("explain") {
            let analyze = accept("analyze")
            return .explain(try statement(), analyze: analyze)
        }
        if peek.isKeyword("create") { return try create() }
        if accept("insert") {
            let overwrite = accept("overwrite")
            if peek.isKeyword("all") || peek.isKeyword("first") { return try multiTableInsert(overwrite: overwrite) }
            if overwrite { _ = accept("into") || accept("table") } else { try expect("into") }
            let table = try qualifiedName()
            var columns: [Identifier] = []
            if peek.isSymbol("("), !peek(1).isKeyword("select"), !peek(1).isKeyword("with"), !peek(1).isKeyword("values") {
                columns = try identifierList()
            }
            return .insert(table: table, columns: columns, source: try query(), overwrite: overwrite)
        }
        if accept("drop") {
            let isView = accept("view")
            if !isView { try expect("table") }
            var ifExists = false
            if accept("if") { try expect("exists"); ifExists = true }
            return .dropTable(name: try qualifiedName(), ifExists: ifExists, isView: isView)
        }
        if peek.isKeyword("load") {
            pos += 1
            guard case .string(let path) = peek.kind else { throw error("LOAD takes the plug-in's path as a string: LOAD 'path/libname.so'") }
            pos += 1
            return .load(path)
        }
        if accept("show") {
            if accept("functions") { return .showFunctions }
            try expect("tables")
            return .showTables
        }
        if accept("describe") || accept("desc") {
            _ = accept("table")
            return .describe(try qualifiedName())
        }
        if accept("set") {
            _ = accept("session")
            let name = try anyIdentifier()
            if !accept(symbol: "=") { try expect("to") }
            return .set(name: name, value: try expression())
        }
        if accept("reset") { return .reset(name: try anyIdentifier()) }
        if accept("attach") {
            _ = accept("database")
            guard case .string(let url) = peek.kind else { throw error("ATTACH needs the catalog's location as a string, e.g. 'file:///backups'") }
            pos += 1
            try expect("as")
            let name = try identifier()
            var options: [(name: Identifier, value: Expr)] = []
            if accept(symbol: "(") {
                repeat {
                    let n = try anyIdentifier()
                    options.append((n, try primary()))
                } while accept(symbol: ",")
                try expect(symbol: ")")
            }
            return .attach(url: url, name: name, options: options)
        }
        if accept("detach") {
            _ = accept("database")
            var ifExists = false
            if accept("if") { try expect("exists"); ifExists = true }
            return .detach(name: try identifier(), ifExists: ifExists)
        }
        if peek.isKeyword("select") || peek.isKeyword("with") || peek.isKeyword("values") || peek.isSymbol("(") || peek.isKeyword("from") {
            return .query(try query())
        }
        throw error("expected a statement")
    }

    mutating func create() throws -> Statement {
        try expect("create")
        var orReplace = false
        if accept("or") { try expect("replace"); orReplace = true }
        _ = accept("temporary") || accept("temp")
        if accept("view") {
            let name = try qualifiedName()
            let columns = peek.isSymbol("(") ? try identifierList() : []
            try expect("as")
            return .createView(name: name, columns: columns, query: try query(), orReplace: orReplace)
        }
        if accept("function") || accept("macro") {
            let name = try qualifiedName()
            try expect(symbol: "(")
            var params: [(name: Identifier, type: TypeName?)] = []
            if !peek.isSymbol(")") {
                repeat {
                    let n = try identifier()
                    let t: TypeName? = peek.isSymbol(",") || peek.isSymbol(")") ? nil : try typeName()
                    params.append((n, t))
                } while accept(symbol: ",")
            }
            try expect(symbol: ")")
            var returns: TypeName?
            if accept("returns") { returns = try typeName() }
            try expect("as")
            return .createFunction(name: name, parameters: params, returns: returns, body: try expression(), orReplace: orReplace)
        }
        if accept("schema") {
            var ifNotExists = false
            if accept("if") { try expect("not"); try expect("exists"); ifNotExists = true }
            return .createSchema(name: try qualifiedName(), ifNotExists: ifNotExists)
        }
        try expect("table")
        var ifNotExists = false
        if accept("if") { try expect("not"); try expect("exists"); ifNotExists = true }
        let name = try qualifiedName()
        var columns: [ColumnDefinition] = []
        var primaryKey: [Identifier] = []
        var columnNames: [Identifier] = []
        var firstBareName: SourceLocation?
        if accept(symbol: "(") {
            // A column list, or (for CREATE TABLE t(a, b) AS …) bare names.
            repeat {
                if peek.isKeyword("primary") {
                    let at = peek.location
                    pos += 1
                    try expect("key")
                    guard primaryKey.isEmpty else { throw SQLError(.syntax, "a table has one PRIMARY KEY", at: at) }
                    primaryKey = try identifierList()
                    continue
                }
                if accept("unique") { _ = try identifierList(); continue }
                if accept("constraint") { _ = try identifier() ; continue }
                let colAt = peek.location
                let col = try identifier()
                if peek.isSymbol(",") || peek.isSymbol(")") {
                    if firstBareName == nil { firstBareName = colAt }
                    columnNames.append(col)
                    continue
                }
                let type = try typeName()
                var def = ColumnDefinition(name: col, type: type, notNull: false, primaryKey: false, unique: false, defaultValue: nil)
                while true {
                    if accept("not") { try expect("null"); def.notNull = true }
                    else if accept("null") {}
                    else if accept("primary") { try expect("key"); def.primaryKey = true; def.notNull = true }
                    else if accept("unique") { def.unique = true }
                    else if accept("default") { def.defaultValue = try primary() }
                    else { break }
                }
                columns.append(def)
            } while accept(symbol: ",")
            try expect(symbol: ")")
        }
        let options = try tableOptions()
        var asQuery: Query?
        if accept("as") { asQuery = try query() }
        if asQuery == nil && !columnNames.isEmpty {
            throw SQLError(.syntax, "column \(columnNames[0]) has no type", at: firstBareName)
        }
        if asQuery != nil && !columnNames.isEmpty {
            // CREATE TABLE t(a, b) AS SELECT …: names for the query's columns.
            columns = columnNames.map { ColumnDefinition(name: $0, type: .named("?", parameters: []), notNull: false, primaryKey: false, unique: false, defaultValue: nil) }
        }
        if asQuery == nil && columns.isEmpty { throw error("expected a column list or AS") }
        return .createTable(name: name, columns: columns, ifNotExists: ifNotExists, orReplace: orReplace, asQuery: asQuery, primaryKey: primaryKey,
                            options: options)
    }

    /// `[USING fmt] [PARTITIONED BY (…)] [WITH (…) | TBLPROPERTIES (…)]`, in any order.
    mutating func tableOptions() throws -> TableOptions {
        var options = TableOptions()
        while true {
            if peek.isKeyword("partitioned") {
                let at = peek.location
                pos += 1
                try expect("by")
                guard options.partitionBy.isEmpty else { throw SQLError(.syntax, "PARTITIONED BY appears twice", at: at) }
                try expect(symbol: "(")
                repeat { options.partitionBy.append(try expression()) } while accept(symbol: ",")
                try expect(symbol: ")")
            } else if peek.isKeyword("with") || peek.isKeyword("tblproperties") {
                pos += 1
                try expect(symbol: "(")
                repeat {
                    let at = peek.location
                    var key: String
                    if case .string(let k) = peek.kind {
                        key = k
                        pos += 1
                    } else {
                        // Iceberg's property names, unquoted: write.target-file-size-bytes.
                        key = try anyIdentifier().value
                        while peek.isSymbol(".") || peek.isSymbol("-") {
                            key += peek.isSymbol(".") ? "." : "-"
                            pos += 1
                            key += try anyIdentifier().value
                        }
                    }
                    try expect(symbol: "=")
                    let value: String
                    switch peek.kind {
                    case .string(let v), .integer(let v), .decimal(let v): value = v; pos += 1
                    default: value = try anyIdentifier().value
                    }
                    if options.properties.contains(where: { $0.key == key }) { throw SQLError(.syntax, "the table property \(key) is set twice", at: at) }
                    options.properties.append(.init(key: key, value: value, location: at))
                } while accept(symbol: ",")
                try expect(symbol: ")")
            } else if peek.isKeyword("using") {
                pos += 1
                let at = peek.location
                let format = try anyIdentifier().value.lowercased()
                guard format == "iceberg" else { throw SQLError(.unsupported, "USING \(format): tables here are Iceberg tables (USING iceberg) or in memory", at: at) }
            } else {
                return options
            }
        }
    }

    // MARK: types

    mutating func typeName() throws -> TypeName {
        let at = peek.location
        let first = try anyIdentifier()
        var name = first.value.uppercased()
        // Two-word type names.
        if name == "DOUBLE" && accept("precision") { name = "DOUBLE" }
        if name == "CHARACTER" && accept("varying") { name = "VARCHAR" }
        if name == "TIMESTAMP" {
            if accept("with") { try expect("time"); try expect("zone"); name = "TIMESTAMPTZ" }
            else if accept("without") { try expect("time"); try expect("zone") }
        }
        var type: TypeName
        switch name {
        case "MAP":
            try expect(symbol: "(")
            let k = try typeName()
            try expect(symbol: ",")
            let v = try typeName()
            try expect(symbol: ")")
            type = .map(k, v)
        case "STRUCT", "ROW":
            try expect(symbol: "(")
            var fields: [(name: Identifier, type: TypeName)] = []
            repeat { fields.append((try anyIdentifier(), try typeName())) } while accept(symbol: ",")
            try expect(symbol: ")")
            type = .structure(fields)
        case "LIST" where peek.isSymbol("(") || peek.isSymbol("<"), "ARRAY" where peek.isSymbol("(") || peek.isSymbol("<"):
            let close = peek.isSymbol("(") ? ")" : ">"
            pos += 1
            let e = try typeName()
            try expect(symbol: close)
            type = .list(e)
        default:
            var params: [Int] = []
            if accept(symbol: "(") {
                repeat {
                    guard case .integer(let n) = peek.kind, let v = Int(n) else { throw error("expected a type parameter") }
                    pos += 1
                    params.append(v)
                } while accept(symbol: ",")
                try expect(symbol: ")")
            }
            _ = at
            type = .named(name, parameters: params)
        }
        while peek.isSymbol("["), peek(1).isSymbol("]") {
            pos += 2
            type = .list(type)
        }
        return type
    }

    // MARK: queries

    mutating func query() throws -> Query {
        let at = peek.location
        var ctes: [CommonTableExpression] = []
        if accept("with") {
            _ = accept("recursive")
            repeat {
                let name = try identifier()
                let cols = peek.isSymbol("(") ? try identifierList() : []
                try expect("as")
                _ = accept("materialized")
                try expect(symbol: "(")
                let q = try query()
                try expect(symbol: ")")
                ctes.append(CommonTableExpression(name: name, columns: cols, query: q))
            } while accept(symbol: ",")
        }
        let body = try setOperations()
        var q = Query(with: ctes, body: body, orderBy: [], limit: nil, offset: nil, location: at)
        if accept("order") {
            try expect("by")
            q.orderBy = try orderItems()
        }
        // LIMIT and OFFSET in either order.
        for _ in 0..<2 {
            if accept("limit") {
                if accept("all") { continue }
                q.limit = try expression()
            } else if accept("offset") {
                q.offset = try expression()
                _ = accept("rows") || accept("row")
            }
        }
        return q
    }

    mutating func orderItems() throws -> [OrderItem] {
        var items: [OrderItem] = []
        repeat {
            var item = OrderItem(expr: try expression())
            if accept("desc") { item.ascending = false } else { _ = accept("asc") }
            if accept("nulls") {
                if accept("first") { item.nullsFirst = true } else { try expect("last"); item.nullsFirst = false }
            }
            items.append(item)
        } while accept(symbol: ",")
        return items
    }

    /// UNION and EXCEPT bind looser than INTERSECT, all left-associative.
    mutating func setOperations() throws -> QueryBody {
        var left = try intersections()
        while peek.isKeyword("union") || peek.isKeyword("except") {
            let op: SetOperator = advance().isKeyword("union") ? .union : .except
            let all = accept("all")
            if !all { _ = accept("distinct") }
            left = .setOperation(op, all: all, left, try intersections())
        }
        return left
    }

    mutating func intersections() throws -> QueryBody {
        var left = try queryPrimary()
        while accept("intersect") {
            let all = accept("all")
            if !all { _ = accept("distinct") }
            left = .setOperation(.intersect, all: all, left, try queryPrimary())
        }
        return left
    }

    mutating func queryPrimary() throws -> QueryBody {
        if accept(symbol: "(") {
            let q = try query()
            try expect(symbol: ")")
            return .nested(q)
        }
        if accept("values") { return .values(try valuesRows()) }
        if peek.isKeyword("select") || peek.isKeyword("from") { return .select(try select()) }
        throw error("expected SELECT, VALUES or '('")
    }

    mutating func valuesRows() throws -> [[Expr]] {
        var rows: [[Expr]] = []
        repeat {
            try expect(symbol: "(")
            var row: [Expr] = []
            repeat { row.append(try expression()) } while accept(symbol: ",")
            try expect(symbol: ")")
            rows.append(row)
        } while accept(symbol: ",")
        return rows
    }

    mutating func select() throws -> Select {
        var s = Select(distinct: false, items: [], from: [], filter: nil, groupBy: [], having: nil, qualify: nil)
        // DuckDB's FROM-first form: FROM t [SELECT …].
        if accept("from") {
            s.from = try fromList()
            if !accept("select") {
                s.items = [.star(qualifier: [], exclude: [], location: peek.location)]
                return try selectTail(s)
            }
        } else {
            try expect("select")
        }
        if accept("distinct") {
            s.distinct = true
            if accept("on") { throw SQLError(.unsupported, "DISTINCT ON is not supported", at: peek.location) }
        } else {
            _ = accept("all")
        }
        repeat { s.items.append(try selectItem()) } while accept(symbol: ",")
        if s.from.isEmpty, accept("from") { s.from = try fromList() }
        return try selectTail(s)
    }

    mutating func selectTail(_ s0: Select) throws -> Select {
        var s = s0
        if accept("where") { s.filter = try expression() }
        if accept("group") {
            try expect("by")
            if accept("all") {
                s.groupBy = [Expr(.star([]), at: peek.location)]
            } else {
                repeat { s.groupBy.append(try expression()) } while accept(symbol: ",")
            }
        }
        if accept("having") { s.having = try expression() }
        if accept("qualify") { s.qualify = try expression() }
        return s
    }

    mutating func selectItem() throws -> SelectItem {
        let at = peek.location
        if accept(symbol: "*") {
            return .star(qualifier: [], exclude: try starExclude(), location: at)
        }
        // t.* and a.b.*
        var look = pos
        var qualifier: QualifiedName = []
        while true {
            let t = tokens[look]
            let name: Identifier
            switch t.kind {
            case .word(let w): name = Identifier(w)
            case .quotedIdentifier(let w): name = Identifier(w, quoted: true)
            default: name = Identifier("")
            }
            guard !name.value.isEmpty, tokens[look + 1].isSymbol(".") else { break }
            qualifier.append(name)
            if tokens[look + 2].isSymbol("*") {
                pos = look + 3
                return .star(qualifier: qualifier, exclude: try starExclude(), location: at)
            }
            look += 2
        }
        let e = try expression()
        if accept("as") { return .expr(e, alias: try anyIdentifier()) }
        if case .word = peek.kind, !isReserved(peek) { return .expr(e, alias: try identifier()) }
        if case .quotedIdentifier = peek.kind { return .expr(e, alias: try identifier()) }
        if case .string(let s) = peek.kind { pos += 1; return .expr(e, alias: Identifier(s, quoted: true)) }
        return .expr(e, alias: nil)
    }

    mutating func starExclude() throws -> [Identifier] {
        guard accept("exclude") else { return [] }
        if peek.isSymbol("(") { return try identifierList() }
        return [try identifier()]
    }

    mutating func fromList() throws -> [TableRef] {
        var refs: [TableRef] = []
        repeat { refs.append(try joinedTable()) } while accept(symbol: ",")
        return refs
    }

    mutating func joinedTable() throws -> TableRef {
        var left = try tableFactor()
        while true {
            var kind: JoinKind
            var natural = false
            if accept("natural") { natural = true }
            if accept("cross") { try expect("join"); kind = .cross }
            else if accept("join") { kind = .inner }
            else if accept("inner") { try expect("join"); kind = .inner }
            else if accept("left") { _ = accept("outer"); try expect("join"); kind = .left }
            else if accept("right") { _ = accept("outer"); try expect("join"); kind = .right }
            else if accept("full") { _ = accept("outer"); try expect("join"); kind = .full }
            else if natural { throw error("expected JOIN after NATURAL") }
            else { return left }
            let right = try tableFactor()
            var condition = JoinCondition.none
            if natural { condition = .natural }
            else if kind != .cross {
                if accept("on") { condition = .on(try expression()) }
                else if accept("using") { condition = .using(try identifierList()) }
                else { throw error("expected ON or USING") }
            }
            left = .join(kind, left, right, condition)
        }
    }

    mutating func tableAlias() throws -> TableAlias? {
        var name: Identifier?
        if accept("as") { name = try identifier() }
        else if case .word = peek.kind, !isReserved(peek) { name = try identifier() }
        else if case .quotedIdentifier = peek.kind { name = try identifier() }
        guard let name else { return nil }
        let columns = peek.isSymbol("(") ? try identifierList() : []
        return TableAlias(name: name, columns: columns)
    }

    mutating func tableFactor() throws -> TableRef {
        let at = peek.location
        if accept(symbol: "(") {
            if peek.isKeyword("select") || peek.isKeyword("with") || peek.isKeyword("values") || peek.isSymbol("(") || peek.isKeyword("from") {
                let q = try query()
                try expect(symbol: ")")
                return .subquery(q, alias: try tableAlias(), location: at)
            }
            let inner = try joinedTable()
            try expect(symbol: ")")
            return inner
        }
        _ = accept("lateral")
        let name = try qualifiedName()
        if accept(symbol: "(") {
            var args: [Expr] = []
            if !peek.isSymbol(")") {
                repeat { args.append(try expression()) } while accept(symbol: ",")
            }
            try expect(symbol: ")")
            return .function(name, arguments: args, alias: try tableAlias(), location: at)
        }
        // FOR … AS OF comes before the alias (SQL:2011) or after it.
        var asOf = try timeTravel()
        let alias = try tableAlias()
        if asOf == nil { asOf = try timeTravel() }
        return .table(name, alias: alias, asOf: asOf, location: at)
    }

    /// `FOR SYSTEM_TIME AS OF expr` or `FOR VERSION AS OF expr`, if next.
    mutating func timeTravel() throws -> TableTimeTravel? {
        guard peek.isKeyword("for"), peek(1).isKeyword("system_time") || peek(1).isKeyword("version") else { return nil }
        let isVersion = peek(1).isKeyword("version")
        pos += 2
        try expect("as")
        try expect("of")
        let e = try expression()
        return isVersion ? .version(e) : .systemTime(e)
    }

    // MARK: expressions (precedence climbing, loosest first)

    public mutating func expression() throws -> Expr { try orExpr() }

    mutating func orExpr() throws -> Expr {
        var left = try andExpr()
        while peek.isKeyword("or") {
            let at = advance().location
            left = Expr(.binary(.or, left, try andExpr()), at: at)
        }
        return left
    }

    mutating func andExpr() throws -> Expr {
        var left = try notExpr()
        while peek.isKeyword("and") {
            let at = advance().location
            left = Expr(.binary(.and, left, try notExpr()), at: at)
        }
        return left
    }

    mutating func notExpr() throws -> Expr {
        if peek.isKeyword("not") && !peek(1).isKeyword("exists") {
            let at = advance().location
            return Expr(.unary(.not, try notExpr()), at: at)
        }
        return try isExpr()
    }

    mutating func isExpr() throws -> Expr {
        var left = try comparison()
        while peek.isKeyword("is") || peek.isKeyword("isnull") || peek.isKeyword("notnull") {
            let at = peek.location
            if accept("isnull") { left = Expr(.isNull(left, negated: false), at: at); continue }
            if accept("notnull") { left = Expr(.isNull(left, negated: true), at: at); continue }
            pos += 1
            let negated = accept("not")
            if accept("null") { left = Expr(.isNull(left, negated: negated), at: at) }
            else if accept("true") { left = Expr(.isBoolean(left, value: true, negated: negated), at: at) }
            else if accept("false") { left = Expr(.isBoolean(left, value: false, negated: negated), at: at) }
            else if accept("distinct") {
                try expect("from")
                left = Expr(.isDistinctFrom(left, try comparison(), negated: negated), at: at)
            } else {
                throw error("expected NULL, TRUE, FALSE or DISTINCT FROM after IS")
            }
        }
        return left
    }

    static let comparisons: [String: BinaryOperator] = ["=": .equal, "<>": .notEqual, "!=": .notEqual, "<": .less,
                                                        "<=": .lessEqual, ">": .greater, ">=": .greaterEqual]

    mutating func comparison() throws -> Expr {
        var left = try predicate()
        while case .symbol(let s) = peek.kind, let op = Self.comparisons[s] {
            let at = advance().location
            left = Expr(.binary(op, left, try predicate()), at: at)
        }
        return left
    }

    /// BETWEEN, IN, LIKE, ILIKE (with NOT).
    mutating func predicate() throws -> Expr {
        let left = try concatExpr()
        let at = peek.location
        let negated = peek.isKeyword("not") && (peek(1).isKeyword("between") || peek(1).isKeyword("in")
            || peek(1).isKeyword("like") || peek(1).isKeyword("ilike"))
        if negated { pos += 1 }
        if accept("between") {
            _ = accept("symmetric")
            let low = try concatExpr()
            try expect("and")
            let high = try concatExpr()
            return Expr(.between(left, low: low, high: high, negated: negated), at: at)
        }
        if accept("in") {
            try expect(symbol: "(")
            if peek.isKeyword("select") || peek.isKeyword("with") || peek.isKeyword("values") {
                let q = try query()
                try expect(symbol: ")")
                return Expr(.inSubquery(left, q, negated: negated), at: at)
            }
            var items: [Expr] = []
            if !peek.isSymbol(")") {
                repeat { items.append(try expression()) } while accept(symbol: ",")
            }
            try expect(symbol: ")")
            return Expr(.inList(left, items, negated: negated), at: at)
        }
        if peek.isKeyword("like") || peek.isKeyword("ilike") {
            let ci = advance().isKeyword("ilike")
            let pattern = try concatExpr()
            var escape: Expr?
            if accept("escape") { escape = try concatExpr() }
            return Expr(.like(left, pattern: pattern, escape: escape, caseInsensitive: ci, negated: negated), at: at)
        }
        if negated { throw error("expected BETWEEN, IN, LIKE or ILIKE after NOT") }
        return left
    }

    mutating func concatExpr() throws -> Expr {
        var left = try additive()
        while peek.isSymbol("||") {
            let at = advance().location
            left = Expr(.binary(.concat, left, try additive()), at: at)
        }
        return left
    }

    mutating func additive() throws -> Expr {
        var left = try multiplicative()
        while peek.isSymbol("+") || peek.isSymbol("-") {
            let t = advance()
            left = Expr(.binary(t.isSymbol("+") ? .plus : .minus, left, try multiplicative()), at: t.location)
        }
        return left
    }

    mutating func multiplicative() throws -> Expr {
        var left = try unary()
        while peek.isSymbol("*") || peek.isSymbol("/") || peek.isSymbol("%") {
            let t = advance()
            let op: BinaryOperator = t.isSymbol("*") ? .multiply : t.isSymbol("/") ? .divide : .modulo
            left = Expr(.binary(op, left, try unary()), at: t.location)
        }
        return left
    }

    mutating func unary() throws -> Expr {
        if peek.isSymbol("-") || peek.isSymbol("+") {
            let t = advance()
            let operand = try unary()
            // Fold the sign into numeric literals so that -9223372036854775808 is representable.
            if t.isSymbol("-"), case .literal(.integer(let d)) = operand.kind { return Expr(.literal(.integer("-" + d)), at: t.location) }
            if t.isSymbol("-"), case .literal(.decimal(let d)) = operand.kind { return Expr(.literal(.decimal("-" + d)), at: t.location) }
            return Expr(.unary(t.isSymbol("-") ? .minus : .plus, operand), at: t.location)
        }
        return try postfix()
    }

    mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            let at = peek.location
            if accept(symbol: "::") {
                e = Expr(.cast(e, try typeName(), isTry: false), at: at)
            } else if accept(symbol: "[") {
                if accept(symbol: ":") {
                    let hi = peek.isSymbol("]") ? nil : try expression()
                    try expect(symbol: "]")
                    e = Expr(.slice(e, nil, hi), at: at)
                    continue
                }
                let index = try expression()
                if accept(symbol: ":") {
                    let hi = peek.isSymbol("]") ? nil : try expression()
                    try expect(symbol: "]")
                    e = Expr(.slice(e, index, hi), at: at)
                    continue
                }
                try expect(symbol: "]")
                e = Expr(.subscript(e, index), at: at)
            } else if peek.isSymbol("."), case .column = e.kind {
                // a.b.c is parsed as a qualified column name in primary(); here only after
                // other expressions, e.g. (s).field or f(x).field.
                break
            } else if peek.isSymbol("."), !(peek(1).isSymbol("*")) {
                pos += 1
                e = Expr(.field(e, try anyIdentifier()), at: at)
            } else {
                return e
            }
        }
        return e
    }

    mutating func primary() throws -> Expr {
        let t = peek
        let at = t.location
        switch t.kind {
        case .integer(let d):
            pos += 1
            return Expr(.literal(.integer(d)), at: at)
        case .decimal(let d):
            pos += 1
            return Expr(.literal(.decimal(d)), at: at)
        case .string(let s):
            pos += 1
            return Expr(.literal(.string(s)), at: at)
        case .symbol("("):
            pos += 1
            if peek.isKeyword("select") || peek.isKeyword("with") {
                let q = try query()
                try expect(symbol: ")")
                return Expr(.subquery(q), at: at)
            }
            let first = try expression()
            if accept(symbol: ",") {
                var items = [first]
                repeat { items.append(try expression()) } while accept(symbol: ",")
                try expect(symbol: ")")
                return Expr(.row(items), at: at)
            }
            try expect(symbol: ")")
            return first
        case .symbol("["):
            pos += 1
            var items: [Expr] = []
            if !peek.isSymbol("]") { repeat { items.append(try expression()) } while accept(symbol: ",") }
            try expect(symbol: "]")
            return Expr(.array(items), at: at)
        case .symbol("{"):
            // A struct literal {'a': 1, 'b': 2}.
            pos += 1
            var names: [Expr] = [], values: [Expr] = []
            if !peek.isSymbol("}") {
                repeat {
                    let key: Expr
                    if case .word(let w) = peek.kind { pos += 1; key = Expr(.literal(.string(w)), at: at) } else { key = try primary() }
                    try expect(symbol: ":")
                    names.append(key)
                    values.append(try expression())
                } while accept(symbol: ",")
            }
            try expect(symbol: "}")
            return Expr(.function(FunctionCall(name: [Identifier("struct_pack")], arguments: zip(names, values).flatMap { [$0, $1] })), at: at)
        case .symbol("*"):
            pos += 1
            return Expr(.star([]), at: at)
        case .quotedIdentifier:
            return try columnOrFunction()
        case .word(let w):
            switch w.lowercased() {
            case "null": pos += 1; return Expr(.literal(.null), at: at)
            case "true": pos += 1; return Expr(.literal(.boolean(true)), at: at)
            case "false": pos += 1; return Expr(.literal(.boolean(false)), at: at)
            case "case": return try caseExpr()
            case "cast", "try_cast":
                pos += 1
                try expect(symbol: "(")
                let e = try expression()
                try expect("as")
                let type = try typeName()
                try expect(symbol: ")")
                return Expr(.cast(e, type, isTry: w.lowercased() == "try_cast"), at: at)
            case "exists":
                pos += 1
                try expect(symbol: "(")
                let q = try query()
                try expect(symbol: ")")
                return Expr(.exists(q, negated: false), at: at)
            case "not" where peek(1).isKeyword("exists"):
                pos += 2
                try expect(symbol: "(")
                let q = try query()
                try expect(symbol: ")")
                return Expr(.exists(q, negated: true), at: at)
            case "extract":
                pos += 1
                try expect(symbol: "(")
                let field = try anyIdentifier().value.lowercased()
                try expect("from")
                let e = try expression()
                try expect(symbol: ")")
                return Expr(.extract(field: field, e), at: at)
            case "array" where peek(1).isSymbol("["):
                pos += 1
                return try primary()
            case "map" where peek(1).isSymbol("{"):
                pos += 2
                var keys: [Expr] = [], values: [Expr] = []
                if !peek.isSymbol("}") {
                    repeat {
                        keys.append(try expression())
                        try expect(symbol: ":")
                        values.append(try expression())
                    } while accept(symbol: ",")
                }
                try expect(symbol: "}")
                return Expr(.map(keys: keys, values: values), at: at)
            case "row" where peek(1).isSymbol("("):
                pos += 2
                var items: [Expr] = []
                if !peek.isSymbol(")") { repeat { items.append(try expression()) } while accept(symbol: ",") }
                try expect(symbol: ")")
                return Expr(.row(items), at: at)
            case "interval":
                pos += 1
                let value: String
                switch peek.kind {
                case .string(let s): value = s
                case .integer(let s), .decimal(let s): value = s
                default: throw error("expected an interval value")
                }
                pos += 1
                if case .word(let unit) = peek.kind, !isReserved(peek) {
                    pos += 1
                    return Expr(.literal(.interval(value, unit: unit.lowercased())), at: at)
                }
                return Expr(.literal(.typed(.named("INTERVAL", parameters: []), value)), at: at)
            case "date", "time", "timestamp", "timestamptz":
                if case .string(let s) = peek(1).kind {
                    pos += 2
                    return Expr(.literal(.typed(.named(w.uppercased(), parameters: []), s)), at: at)
                }
                return try columnOrFunction()
            default:
                if Self.reserved.contains(w.lowercased()) { throw error("expected an expression") }
                return try columnOrFunction()
            }
        case .end:
            throw error("expected an expression")
        default:
            throw error("expected an expression")
        }
    }

    mutating func columnOrFunction() throws -> Expr {
        let at = peek.location
        var name = [try anyIdentifier()]
        while peek.isSymbol("."), !peek(1).isSymbol("*") {
            pos += 1
            name.append(try anyIdentifier())
        }
        guard accept(symbol: "(") else { return Expr(.column(name), at: at) }
        var call = FunctionCall(name: name, arguments: [])
        if accept(symbol: "*") {
            call.star = true
        } else if !peek.isSymbol(")") {
            if accept("distinct") { call.distinct = true } else { _ = accept("all") }
            let lowered = name.last!.value.lowercased()
            repeat {
                // name := value (DuckDB's named arguments, struct_pack's fields): the name
                // arrives as a string before its value, as {'name': value} gives it.
                if case .word(let w) = peek.kind, peek(1).isSymbol(":=") {
                    call.arguments.append(Expr(.literal(.string(w)), at: peek.location))
                    pos += 2
                } else if case .quotedIdentifier(let w) = peek.kind, peek(1).isSymbol(":=") {
                    call.arguments.append(Expr(.literal(.string(w)), at: peek.location))
                    pos += 2
                }
                // SUBSTRING(x FROM a FOR b), POSITION(a IN b), TRIM(BOTH x FROM y) forms.
                call.arguments.append(try expression())
                if lowered == "substring" || lowered == "substr" {
                    if accept("from") { call.arguments.append(try expression()) }
                    if accept("for") { call.arguments.append(try expression()) }
                }
            } while accept(symbol: ",")
            if accept("order") {
                try expect("by")
                call.orderBy = try orderItems()
            }
        }
        try expect(symbol: ")")
        if accept("filter") {
            try expect(symbol: "(")
            try expect("where")
            call.filter = try expression()
            try expect(symbol: ")")
        }
        if accept("over") {
            try expect(symbol: "(")
            var spec = WindowSpec(partitionBy: [], orderBy: [], frame: nil)
            if accept("partition") {
                try expect("by")
                repeat { spec.partitionBy.append(try expression()) } while accept(symbol: ",")
            }
            if accept("order") {
                try expect("by")
                spec.orderBy = try orderItems()
            }
            if peek.isKeyword("rows") || peek.isKeyword("range") || peek.isKeyword("groups") {
                var words: [String] = []
                var depth = 0
                while !(depth == 0 && peek.isSymbol(")")) && peek.kind != .end {
                    if peek.isSymbol("(") { depth += 1 }
                    if peek.isSymbol(")") { depth -= 1 }
                    switch advance().kind {
                    case .word(let w): words.append(w.uppercased())
                    case .integer(let n): words.append(n)
                    default: break
                    }
                }
                spec.frame = words.joined(separator: " ")
            }
            try expect(symbol: ")")
            call.over = spec
        }
        return Expr(.function(call), at: at)
    }

    mutating func caseExpr() throws -> Expr {
        let at = advance().location
        var operand: Expr?
        if !peek.isKeyword("when") { operand = try expression() }
        var branches: [CaseBranch] = []
        while accept("when") {
            let w = try expression()
            try expect("then")
            branches.append(CaseBranch(when: w, then: try expression()))
        }
        guard !branches.isEmpty else { throw error("expected WHEN") }
        var otherwise: Expr?
        if accept("else") { otherwise = try expression() }
        try expect("end")
        return Expr(.caseWhen(operand: operand, branches: branches, otherwise: otherwise), at: at)
    }
}

extension Parser {
    /// Splits a script into statement texts at `;` outside strings, quoted names and
    /// comments (using the lexer, so the rules are the parser's own). Text that does not
    /// lex stays one piece, so that its error is reported when it is parsed.
    public static func splitStatements(_ sql: String) -> [String] { statements(sql).map(\.text) }

    /// The statements of a script and where each starts in it, so that an error in one can be
    /// shown at its line of the whole script (`SQLError.located(in:)`).
    public static func statements(_ sql: String) -> [(text: String, start: SourceLocation)] {
        let origin = SourceLocation(line: 1, column: 1, offset: 0)
        guard let tokens = try? Lexer.tokenize(sql) else { return [(sql, origin)] }
        let scalars = Array(sql.unicodeScalars)
        var pieces: [(text: String, start: SourceLocation)] = []
        var start = origin
        for t in tokens where t.isSymbol(";") {
            pieces.append((String(String.UnicodeScalarView(scalars[start.offset..<t.location.offset])), start))
            start = SourceLocation(line: t.location.line, column: t.location.column + 1, offset: t.location.offset + 1)
        }
        pieces.append((String(String.UnicodeScalarView(scalars[start.offset...])), start))
        return pieces.filter { piece in
            guard let toks = try? Lexer.tokenize(piece.text) else { return true }
            return toks.count > 1
        }
    }
}
