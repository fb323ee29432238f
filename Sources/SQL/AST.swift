/// The syntax tree of movesql's SQL: value types, each expression carrying where it was
/// written so that the binder's errors can point at it.

/// A name as written: unquoted names compare case-insensitively, quoted ones exactly.
public struct Identifier: Sendable, Hashable, CustomStringConvertible {
    public var value: String
    public var quoted: Bool

    public init(_ value: String, quoted: Bool = false) {
        self.value = value
        self.quoted = quoted
    }

    /// The name as the catalog compares it: lower-cased unless it was quoted.
    public var normalized: String { quoted ? value : value.lowercased() }

    public var description: String {
        quoted ? "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : value
    }
}

/// A dotted name: `catalog.namespace.table`, `t.column`.
public typealias QualifiedName = [Identifier]

/// A type as written: `INTEGER`, `VARCHAR(10)`, `DECIMAL(10, 2)`, `INT[]`, `MAP(TEXT, INT)`,
/// `STRUCT(a INT, b TEXT)`.
public indirect enum TypeName: Sendable, Hashable, CustomStringConvertible {
    case named(String, parameters: [Int])
    case list(TypeName)
    case map(TypeName, TypeName)
    case structure([(name: Identifier, type: TypeName)])

    public static func == (a: TypeName, b: TypeName) -> Bool { a.description == b.description }
    public func hash(into h: inout Hasher) { h.combine(description) }

    public var description: String {
        switch self {
        case .named(let n, let p): return p.isEmpty ? n : n + "(" + p.map(String.init).joined(separator: ", ") + ")"
        case .list(let e): return e.description + "[]"
        case .map(let k, let v): return "MAP(\(k), \(v))"
        case .structure(let fields): return "STRUCT(" + fields.map { "\($0.name) \($0.type)" }.joined(separator: ", ") + ")"
        }
    }
}

public enum Literal: Sendable, Hashable {
    case null
    case boolean(Bool)
    /// Integer digits as written (the binder picks the type that holds them).
    case integer(String)
    /// A number with a point or an exponent, as written.
    case decimal(String)
    case string(String)
    /// `DATE '…'`, `TIMESTAMP '…'`, `INTERVAL '…'` and the like: a string the type parses.
    case typed(TypeName, String)
    /// `INTERVAL '3' DAY`, `INTERVAL 3 HOURS`.
    case interval(String, unit: String)
}

public enum UnaryOperator: String, Sendable {
    case not = "NOT", minus = "-", plus = "+"
}

public enum BinaryOperator: String, Sendable {
    case or = "OR", and = "AND"
    case equal = "=", notEqual = "<>", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case plus = "+", minus = "-", multiply = "*", divide = "/", modulo = "%", concat = "||"
}

public struct FunctionCall: Sendable, Hashable {
    public var name: QualifiedName
    public var arguments: [Expr]
    public var distinct: Bool
    /// `count(*)`.
    public var star: Bool
    public var orderBy: [OrderItem]
    public var filter: Expr?
    public var over: WindowSpec?

    public init(name: QualifiedName, arguments: [Expr], distinct: Bool = false, star: Bool = false,
                orderBy: [OrderItem] = [], filter: Expr? = nil, over: WindowSpec? = nil) {
        self.name = name
        self.arguments = arguments
        self.distinct = distinct
        self.star = star
        self.orderBy = orderBy
        self.filter = filter
        self.over = over
    }
}

public struct WindowSpec: Sendable, Hashable {
    public var partitionBy: [Expr]
    public var orderBy: [OrderItem]
    /// The frame clause as written (`ROWS BETWEEN …`), kept as text for the binder.
    public var frame: String?
}

public indirect enum ExprKind: Sendable, Hashable {
    case literal(Literal)
    case column(QualifiedName)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case isNull(Expr, negated: Bool)
    /// `IS [NOT] TRUE/FALSE`.
    case isBoolean(Expr, value: Bool, negated: Bool)
    case isDistinctFrom(Expr, Expr, negated: Bool)
    case between(Expr, low: Expr, high: Expr, negated: Bool)
    case inList(Expr, [Expr], negated: Bool)
    case inSubquery(Expr, Query, negated: Bool)
    case like(Expr, pattern: Expr, escape: Expr?, caseInsensitive: Bool, negated: Bool)
    case cast(Expr, TypeName, isTry: Bool)
    case caseWhen(operand: Expr?, branches: [CaseBranch], otherwise: Expr?)
    case function(FunctionCall)
    case exists(Query, negated: Bool)
    case subquery(Query)
    case array([Expr])
    case map(keys: [Expr], values: [Expr])
    case row([Expr])
    case `subscript`(Expr, Expr)
    case slice(Expr, Expr?, Expr?)
    case field(Expr, Identifier)
    case extract(field: String, Expr)
    /// `*` inside a select list or `count(*)`, with an optional qualifier (`t.*`).
    case star(QualifiedName)
}

public struct CaseBranch: Sendable, Hashable {
    public var when: Expr
    public var then: Expr

    public init(when: Expr, then: Expr) {
        self.when = when
        self.then = then
    }
}

/// An expression and where it starts in the SQL text.
public struct Expr: Sendable, Hashable {
    public var kind: ExprKind
    public var location: SourceLocation

    public init(_ kind: ExprKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public static func == (a: Expr, b: Expr) -> Bool { a.kind == b.kind }
    public func hash(into h: inout Hasher) { h.combine(kind) }
}

public struct OrderItem: Sendable, Hashable {
    public var expr: Expr
    public var ascending: Bool
    /// nil: the engine's default.
    public var nullsFirst: Bool?

    public init(expr: Expr, ascending: Bool = true, nullsFirst: Bool? = nil) {
        self.expr = expr
        self.ascending = ascending
        self.nullsFirst = nullsFirst
    }
}

public enum SelectItem: Sendable, Hashable {
    case expr(Expr, alias: Identifier?)
    /// `*` or `t.*`, with `EXCLUDE (…)` names.
    case star(qualifier: QualifiedName, exclude: [Identifier], location: SourceLocation)
}

public struct TableAlias: Sendable, Hashable {
    public var name: Identifier
    public var columns: [Identifier]
}

public enum JoinKind: String, Sendable {
    case inner = "INNER", left = "LEFT", right = "RIGHT", full = "FULL", cross = "CROSS"
}

public enum JoinCondition: Sendable, Hashable {
    case none
    case on(Expr)
    case using([Identifier])
    case natural
}

/// Which version of a table a `FROM` reads: `FOR SYSTEM_TIME AS OF <time>` (the latest
/// version at or before it) or `FOR VERSION AS OF <name or id>` (that one).
public enum TableTimeTravel: Sendable, Hashable {
    case systemTime(Expr)
    case version(Expr)
}

public indirect enum TableRef: Sendable, Hashable {
    case table(QualifiedName, alias: TableAlias?, asOf: TableTimeTravel?, location: SourceLocation)
    case subquery(Query, alias: TableAlias?, location: SourceLocation)
    case function(QualifiedName, arguments: [Expr], alias: TableAlias?, location: SourceLocation)
    case join(JoinKind, TableRef, TableRef, JoinCondition)
}

public struct Select: Sendable, Hashable {
    public var distinct: Bool
    public var items: [SelectItem]
    public var from: [TableRef]
    public var filter: Expr?
    public var groupBy: [Expr]
    public var having: Expr?
    public var qualify: Expr?
}

public enum SetOperator: String, Sendable {
    case union = "UNION", except = "EXCEPT", intersect = "INTERSECT"
}

public indirect enum QueryBody: Sendable, Hashable {
    case select(Select)
    case values([[Expr]])
    case setOperation(SetOperator, all: Bool, QueryBody, QueryBody)
    /// A parenthesised query with its own ORDER BY / LIMIT.
    case nested(Query)
}

public struct CommonTableExpression: Sendable, Hashable {
    public var name: Identifier
    public var columns: [Identifier]
    public var query: Query
}

public struct Query: Sendable, Hashable {
    public var with: [CommonTableExpression]
    public var body: QueryBody
    public var orderBy: [OrderItem]
    public var limit: Expr?
    public var offset: Expr?
    public var location: SourceLocation

    public static func == (a: Query, b: Query) -> Bool {
        a.with == b.with && a.body == b.body && a.orderBy == b.orderBy && a.limit == b.limit && a.offset == b.offset
    }
    public func hash(into h: inout Hasher) { h.combine(body) }
}

public struct ColumnDefinition: Sendable, Hashable {
    public var name: Identifier
    public var type: TypeName
    public var notNull: Bool
    public var primaryKey: Bool
    public var unique: Bool
    public var defaultValue: Expr?
}

/// What CREATE TABLE says about a table beyond its columns, for the catalog that holds it:
/// `PARTITIONED BY (bucket(16, id), days(ts))` and `WITH (key = value, …)` (or Spark's
/// `TBLPROPERTIES`).
public struct TableOptions: Sendable, Hashable {
    public var partitionBy: [Expr] = []
    public var properties: [Property] = []

    public struct Property: Sendable, Hashable {
        public var key: String
        public var value: String
        public var location: SourceLocation
    }

    public init() {}
    public var isEmpty: Bool { partitionBy.isEmpty && properties.isEmpty }
}

/// One `WHEN condition THEN INTO …` of a multi-table insert (no condition: unconditional, or
/// the ELSE branch when `isElse`).
public struct InsertBranch: Sendable, Hashable {
    public struct Into: Sendable, Hashable {
        public var table: QualifiedName
        public var columns: [Identifier]
        /// `VALUES (…)` over the query's columns; nil takes the query's columns in order.
        public var values: [Expr]?
        public var location: SourceLocation
        public init(table: QualifiedName, columns: [Identifier], values: [Expr]?, location: SourceLocation) {
            self.table = table
            self.columns = columns
            self.values = values
            self.location = location
        }
    }

    public var condition: Expr?
    public var isElse: Bool
    public var into: [Into]
    public init(condition: Expr?, isElse: Bool, into: [Into]) {
        self.condition = condition
        self.isElse = isElse
        self.into = into
    }
}

public indirect enum Statement: Sendable, Hashable {
    case query(Query)
    case createTable(name: QualifiedName, columns: [ColumnDefinition], ifNotExists: Bool, orReplace: Bool,
                     asQuery: Query?, primaryKey: [Identifier], options: TableOptions)
    /// `INSERT INTO` appends; `INSERT OVERWRITE` replaces the table's rows in one commit.
    case insert(table: QualifiedName, columns: [Identifier], source: Query, overwrite: Bool)
    /// `INSERT [OVERWRITE] ALL | FIRST WHEN c THEN INTO t … ELSE INTO u … <query>` (Snowflake's
    /// multi-table insert): the query runs once and each row goes to every branch whose
    /// condition holds (FIRST: the first one); ELSE takes the rows no WHEN took.
    case insertMulti(first: Bool, branches: [InsertBranch], source: Query, overwrite: Bool)
    /// `CREATE SCHEMA [IF NOT EXISTS] catalog.ns`.
    case createSchema(name: QualifiedName, ifNotExists: Bool)
    case dropTable(name: QualifiedName, ifExists: Bool, isView: Bool)
    case createView(name: QualifiedName, columns: [Identifier], query: Query, orReplace: Bool)
    case createFunction(name: QualifiedName, parameters: [(name: Identifier, type: TypeName?)], returns: TypeName?, body: Expr, orReplace: Bool)
    case showTables
    case showFunctions
    /// `LOAD 'path/libname.so'`: a plug-in's functions.
    case load(String)
    case describe(QualifiedName)
    case explain(Statement, analyze: Bool)
    case set(name: Identifier, value: Expr)
    case reset(name: Identifier)
    /// `ATTACH 'url' AS name (TYPE cassandra, BACKUP 'b')`: a catalog of another kind.
    case attach(url: String, name: Identifier, options: [(name: Identifier, value: Expr)])
    case detach(name: Identifier, ifExists: Bool)

    public static func == (a: Statement, b: Statement) -> Bool { "\(a)" == "\(b)" }
    public func hash(into h: inout Hasher) { h.combine("\(self)") }
}
