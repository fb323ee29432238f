/// Parses CREATE TYPE and CREATE TABLE statements (the subset of CQL that describes a
/// table), so that a table's column names and order can be given where the SSTable header
/// lacks them (it never names key columns, and may list only the columns a file holds).
public struct CQLSchemaParser {
    public struct ParseError: Error, CustomStringConvertible {
        public var message: String
        public var line: Int
        public var column: Int
        public var description: String { "CQL line \(line), column \(column): \(message)" }
    }

    enum Token: Equatable {
        case ident(String, quoted: Bool)
        case symbol(Character)
        case string(String)
        case number(String)
    }

    struct Located {
        var token: Token
        var line: Int
        var column: Int
    }

    private var tokens: [Located] = []
    private var pos = 0
    private var types: [String: UserTypeDefinition] = [:]

    /// Parses every statement; returns the tables, with user types resolved.
    public static func parse(_ text: String) throws -> [TableSchema] { try parseSchema(text).tables }

    /// Parses a schema export (`cqlsh DESCRIBE` or the driver's `export_as_string`, as Medusa
    /// uploads it): keyspaces with their replication, user types and tables. Other statements
    /// (indexes, views, functions, aggregates, triggers) are skipped.
    public static func parseSchema(_ text: String) throws -> CQLSchema {
        var p = CQLSchemaParser()
        p.tokens = try tokenize(text)
        var schema = CQLSchema()
        while p.pos < p.tokens.count {
            if p.accept(.symbol(";")) { continue }
            try p.expectKeyword("create")
            if p.acceptKeyword("keyspace") || p.acceptKeyword("schema") {
                schema.keyspaces.append(try p.parseKeyspace())
            } else if p.acceptKeyword("type") {
                try p.parseType()
            } else if p.acceptKeyword("table") || p.acceptKeyword("columnfamily") {
                let (table, id) = try p.parseTable()
                schema.tables.append(table)
                schema.tableIDs.append(id)
            } else if ["index", "custom", "materialized", "function", "aggregate", "trigger", "or"].contains(where: { p.check(.ident($0, quoted: false)) }) {
                p.skipStatement()
            } else {
                throw p.error("expected KEYSPACE, TYPE or TABLE after CREATE")
            }
        }
        return schema
    }

    // MARK: statements

    private mutating func ifNotExists() throws {
        if acceptKeyword("if") {
            try expectKeyword("not")
            try expectKeyword("exists")
        }
    }

    private mutating func qualifiedName() throws -> (String?, String) {
        let first = try identifier()
        if accept(.symbol(".")) { return (first, try identifier()) }
        return (nil, first)
    }

    private mutating func parseType() throws {
        try ifNotExists()
        let (ks, name) = try qualifiedName()
        try expect(.symbol("("))
        var names: [String] = [], fieldTypes: [CQLType] = []
        repeat {
            if check(.symbol(")")) { break }
            names.append(try identifier())
            fieldTypes.append(try type().frozen)
        } while accept(.symbol(","))
        try expect(.symbol(")"))
        types[name] = UserTypeDefinition(keyspace: ks ?? "", name: name, fieldNames: names, fieldTypes: fieldTypes)
    }

    private mutating func skipStatement() {
        while pos < tokens.count && tokens[pos].token != .symbol(";") { pos += 1 }
    }

    private mutating func parseKeyspace() throws -> KeyspaceDefinition {
        try ifNotExists()
        let name = try identifier()
        var replication: [String: String] = [:]
        var durableWrites = true
        if acceptKeyword("with") {
            repeat {
                let option = try identifier()
                try expect(.symbol("="))
                if option == "replication" {
                    try expect(.symbol("{"))
                    repeat {
                        if check(.symbol("}")) { break }
                        guard case .string(let k)? = peek else { throw error("expected a quoted replication option") }
                        pos += 1
                        try expect(.symbol(":"))
                        switch peek {
                        case .string(let v)?, .number(let v)?: replication[k] = v; pos += 1
                        default: throw error("expected the value of replication option '\(k)'")
                        }
                    } while accept(.symbol(","))
                    try expect(.symbol("}"))
                } else if option == "durable_writes" {
                    durableWrites = !acceptKeyword("false")
                    if durableWrites { _ = acceptKeyword("true") }
                } else {
                    try skipOptionValue()
                }
            } while acceptKeyword("and")
        }
        guard let strategy = replication["class"] else { throw error("keyspace \(name) has no replication class") }
        var factors: [String: Int] = [:]
        for (k, v) in replication where k != "class" {
            // Cassandra 4 allows "3/1" (transient replicas): the full count is what is stored.
            guard let n = Int(v.split(separator: "/").first ?? "") else { throw error("replication factor '\(v)' for \(k) is not a number") }
            factors[k] = n
        }
        return KeyspaceDefinition(name: name, strategy: strategy.split(separator: ".").last.map(String.init) ?? strategy,
                                  replicationFactors: factors, durableWrites: durableWrites)
    }

    private mutating func parseTable() throws -> (TableSchema, String?) {
        try ifNotExists()
        let (ks, name) = try qualifiedName()
        try expect(.symbol("("))
        var columns: [(name: String, type: CQLType, isStatic: Bool)] = []
        var partitionKey: [String] = []
        var clustering: [String] = []
        repeat {
            if check(.symbol(")")) { break }
            if acceptKeyword("primary") {
                try expectKeyword("key")
                try expect(.symbol("("))
                if accept(.symbol("(")) {
                    repeat { partitionKey.append(try identifier()) } while accept(.symbol(","))
                    try expect(.symbol(")"))
                } else {
                    partitionKey.append(try identifier())
                }
                while accept(.symbol(",")) { clustering.append(try identifier()) }
                try expect(.symbol(")"))
                continue
            }
            let col = try identifier()
            let t = try type()
            var isStatic = false
            if acceptKeyword("static") { isStatic = true }
            if acceptKeyword("primary") {
                try expectKeyword("key")
                partitionKey = [col]
            }
            columns.append((col, t, isStatic))
        } while accept(.symbol(","))
        try expect(.symbol(")"))
        var descending = Set<String>()
        var compact = false
        var tableID: String?
        if acceptKeyword("with") {
            repeat {
                if acceptKeyword("clustering") {
                    try expectKeyword("order")
                    try expectKeyword("by")
                    try expect(.symbol("("))
                    repeat {
                        let c = try identifier()
                        if acceptKeyword("desc") { descending.insert(c) } else { _ = acceptKeyword("asc") }
                    } while accept(.symbol(","))
                    try expect(.symbol(")"))
                } else if acceptKeyword("compact") {
                    try expectKeyword("storage")
                    compact = true
                } else if acceptKeyword("id") {
                    try expect(.symbol("="))
                    // A uuid tokenizes into pieces; its text is their concatenation.
                    var text = ""
                    while let t = peek, t != .symbol(";"), t != .ident("and", quoted: false) {
                        switch t {
                        case .ident(let v, _), .number(let v), .string(let v): text += v
                        case .symbol(let c): text.append(c)
                        }
                        pos += 1
                    }
                    tableID = text
                } else {
                    _ = try identifier()
                    if accept(.symbol(".")) { _ = try identifier() }
                    try expect(.symbol("="))
                    try skipOptionValue()
                }
            } while acceptKeyword("and")
        }
        guard !partitionKey.isEmpty else { throw error("table \(name) has no PRIMARY KEY") }
        func def(_ n: String, _ kind: ColumnDefinition.Kind) throws -> ColumnDefinition {
            guard let c = columns.first(where: { $0.name == n }) else { throw error("PRIMARY KEY names unknown column \(n)") }
            var t = c.type
            if kind == .clustering && descending.contains(n) { t = .reversed(t) }
            return ColumnDefinition(name: n, type: t, kind: kind)
        }
        let keyNames = Set(partitionKey + clustering)
        let pk = try partitionKey.map { try def($0, .partitionKey) }
        let ck = try clustering.map { try def($0, .clustering) }
        let others = columns.filter { !keyNames.contains($0.name) }
        let statics = others.filter(\.isStatic).map { ColumnDefinition(name: $0.name, type: $0.type, kind: .staticColumn) }
        let regulars = others.filter { !$0.isStatic }.map { ColumnDefinition(name: $0.name, type: $0.type, kind: .regular) }
        return (TableSchema(keyspace: ks, name: name, partitionKey: pk, clustering: ck, staticColumns: statics,
                            regularColumns: regulars, isStaticCompact: compact && ck.isEmpty,
                            displayOrder: columns.map(\.name)), tableID)
    }

    private mutating func skipOptionValue() throws {
        if accept(.symbol("{")) {
            var depth = 1
            while depth > 0 {
                guard pos < tokens.count else { throw error("unterminated map in table options") }
                if tokens[pos].token == .symbol("{") { depth += 1 }
                if tokens[pos].token == .symbol("}") { depth -= 1 }
                pos += 1
            }
        } else {
            guard pos < tokens.count else { throw error("expected an option value") }
            pos += 1
        }
    }

    // MARK: types

    private mutating func type() throws -> CQLType {
        if case .string(let custom)? = peek { pos += 1; return .custom(custom) }
        let start = pos
        let name = try identifier()
        switch name {
        case "ascii": return .ascii
        case "text", "varchar": return .text
        case "blob": return .blob
        case "boolean": return .boolean
        case "tinyint": return .tinyint
        case "smallint": return .smallint
        case "int": return .int
        case "bigint": return .bigint
        case "varint": return .varint
        case "decimal": return .decimal
        case "float": return .float
        case "double": return .double
        case "counter": return .counter
        case "uuid": return .uuid
        case "timeuuid": return .timeuuid
        case "timestamp": return .timestamp
        case "date": return .date
        case "time": return .time
        case "duration": return .duration
        case "inet": return .inet
        case "frozen":
            try expect(.symbol("<"))
            let inner = try type()
            try expect(.symbol(">"))
            return inner.frozen
        case "list", "set":
            try expect(.symbol("<"))
            let e = try type().frozen
            try expect(.symbol(">"))
            return name == "list" ? .list(e, frozen: false) : .set(e, frozen: false)
        case "map":
            try expect(.symbol("<"))
            let k = try type().frozen
            try expect(.symbol(","))
            let v = try type().frozen
            try expect(.symbol(">"))
            return .map(k, v, frozen: false)
        case "tuple":
            try expect(.symbol("<"))
            var ts: [CQLType] = []
            repeat { ts.append(try type().frozen) } while accept(.symbol(","))
            try expect(.symbol(">"))
            return .tuple(ts)
        case "vector":
            try expect(.symbol("<"))
            let e = try type().frozen
            try expect(.symbol(","))
            guard case .number(let n)? = peek, let d = Int(n), d > 0 else { throw error("expected a vector dimension") }
            pos += 1
            try expect(.symbol(">"))
            return .vector(e, dimension: d)
        default:
            var udtName = name
            if accept(.symbol(".")) { udtName = try identifier() }
            guard let def = types[udtName] else {
                pos = start
                throw error("unknown type '\(udtName)' (declare it with CREATE TYPE first)")
            }
            return .udt(def, frozen: false)
        }
    }

    // MARK: tokens

    private var peek: Token? { pos < tokens.count ? tokens[pos].token : nil }

    private func check(_ t: Token) -> Bool { peek == t }

    private mutating func accept(_ t: Token) -> Bool {
        if peek == t { pos += 1; return true }
        return false
    }

    private mutating func expect(_ t: Token) throws {
        guard accept(t) else {
            if case .symbol(let c) = t { throw error("expected '\(c)'") }
            throw error("unexpected token")
        }
    }

    private mutating func acceptKeyword(_ k: String) -> Bool {
        if case .ident(let s, false)? = peek, s == k { pos += 1; return true }
        return false
    }

    private mutating func expectKeyword(_ k: String) throws {
        guard acceptKeyword(k) else { throw error("expected \(k.uppercased())") }
    }

    private mutating func identifier() throws -> String {
        if case .ident(let s, _)? = peek { pos += 1; return s }
        throw error("expected a name")
    }

    private func error(_ message: String) -> ParseError {
        if pos < tokens.count { return ParseError(message: message, line: tokens[pos].line, column: tokens[pos].column) }
        let last = tokens.last
        return ParseError(message: message + " at end of input", line: last?.line ?? 1, column: last?.column ?? 1)
    }

    private static func tokenize(_ text: String) throws -> [Located] {
        var out: [Located] = []
        let chars = Array(text)
        var i = 0, line = 1, lineStart = 0
        while i < chars.count {
            let c = chars[i]
            let col = i - lineStart + 1
            if c == "\n" { line += 1; lineStart = i + 1; i += 1; continue }
            if c.isWhitespace { i += 1; continue }
            if c == "-" && i + 1 < chars.count && chars[i + 1] == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if c == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                i += 2
                while i + 1 < chars.count && !(chars[i] == "*" && chars[i + 1] == "/") {
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    i += 1
                }
                i += 2
                continue
            }
            if c == "'" || c == "\"" {
                var s = ""
                i += 1
                while true {
                    guard i < chars.count else {
                        throw ParseError(message: "unterminated \(c == "'" ? "string" : "quoted name")", line: line, column: col)
                    }
                    if chars[i] == c {
                        if i + 1 < chars.count && chars[i + 1] == c { s.append(c); i += 2; continue }
                        i += 1
                        break
                    }
                    s.append(chars[i])
                    i += 1
                }
                out.append(Located(token: c == "'" ? .string(s) : .ident(s, quoted: true), line: line, column: col))
                continue
            }
            if c.isLetter || c == "_" {
                var s = ""
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "_") { s.append(chars[i]); i += 1 }
                out.append(Located(token: .ident(s.lowercased(), quoted: false), line: line, column: col))
                continue
            }
            if c.isNumber {
                var s = ""
                while i < chars.count && (chars[i].isNumber || chars[i] == ".") { s.append(chars[i]); i += 1 }
                out.append(Located(token: .number(s), line: line, column: col))
                continue
            }
            // $$…$$ strings (function bodies).
            if c == "$" && i + 1 < chars.count && chars[i + 1] == "$" {
                var s = ""
                i += 2
                while true {
                    guard i + 1 < chars.count else { throw ParseError(message: "unterminated $$ string", line: line, column: col) }
                    if chars[i] == "$" && chars[i + 1] == "$" { i += 2; break }
                    if chars[i] == "\n" { line += 1; lineStart = i + 1 }
                    s.append(chars[i])
                    i += 1
                }
                out.append(Located(token: .string(s), line: line, column: col))
                continue
            }
            // Operators of statements the parser skips (views, functions, indexes) are symbols too.
            if "()<>,;.={}:[]-+*/%!?&|^~@".contains(c) {
                out.append(Located(token: .symbol(c), line: line, column: col))
                i += 1
                continue
            }
            throw ParseError(message: "unexpected character '\(c)'", line: line, column: col)
        }
        return out
    }
}

/// A keyspace's replication, as CREATE KEYSPACE gives it.
public struct KeyspaceDefinition: Sendable, Equatable {
    public var name: String
    /// The strategy's class name without its package: `SimpleStrategy`, `NetworkTopologyStrategy`.
    public var strategy: String
    /// `SimpleStrategy`: `replication_factor`; `NetworkTopologyStrategy`: one entry per datacenter.
    public var replicationFactors: [String: Int]
    public var durableWrites: Bool

    public init(name: String, strategy: String, replicationFactors: [String: Int], durableWrites: Bool = true) {
        self.name = name
        self.strategy = strategy
        self.replicationFactors = replicationFactors
        self.durableWrites = durableWrites
    }
}

/// Everything a schema export describes.
public struct CQLSchema: Sendable {
    public var keyspaces: [KeyspaceDefinition] = []
    public var tables: [TableSchema] = []
    /// Per table (same index): the id given by `WITH id = …`, if any.
    public var tableIDs: [String?] = []

    public init() {}

    public func keyspace(_ name: String) -> KeyspaceDefinition? { keyspaces.first { $0.name == name } }

    /// `keyspace.table`, or a bare table name when only one table has it.
    public func table(_ qualified: String) -> TableSchema? {
        let parts = qualified.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 { return tables.first { $0.keyspace == parts[0] && $0.name == parts[1] } }
        let matches = tables.filter { $0.name == qualified }
        return matches.count == 1 ? matches[0] : nil
    }
}
