import Columnar
import SQL

/// The result of one statement.
public enum StatementResult: Sendable {
    /// DDL and DML; the text says what happened ("3 rows inserted").
    case ok(String)
    case rows(schema: [Field], batches: [Batch])
}

/// A session: a catalog, the function registry, views, macros and settings, and the
/// statements run against them in order.
public final class Session {
    public let catalog: Catalog
    public let registry: FunctionRegistry
    public private(set) var settings: [String: String] = [:]
    private var views: [String: Binder.View] = [:]
    private var macros: [String: Binder.Macro] = [:]
    /// Attached catalogs by lower-cased name (`cassandra`, `prod`).
    public private(set) var catalogs: [String: CatalogProvider] = [:]
    /// How ATTACH makes a catalog of each TYPE (lower-cased).
    public var catalogTypes: [String: CatalogFactory] = [:]
    /// Warnings of the statements run so far (take them with `warnings.drain()`).
    public let warnings = WarningList()
    /// What the statements read, as their catalogs describe it (`notes.drain()`): the CLI
    /// prints them after statements that write.
    public let notes = WarningList()
    /// The rows the last INSERT committed, per table in the order written (one entry, or one
    /// per INTO of a multi-table insert): what a caller counts, without reading the message.
    public private(set) var lastWrites: [(table: String, rows: Int)] = []

    public init(catalog: Catalog = Catalog(), registry: FunctionRegistry = FunctionRegistry()) {
        self.catalog = catalog
        self.registry = registry
    }

    /// Makes `provider`'s tables readable as `name.…`.
    public func attach(_ name: String, _ provider: CatalogProvider, replace: Bool = false) throws {
        let key = name.lowercased()
        if catalogs[key] != nil && !replace { throw SQLError(.catalog, "a catalog named \(name) is already attached") }
        catalogs[key] = provider
        provider.attached(as: name)
    }

    public var catalogContext: CatalogContext { CatalogContext(settings: settings, warnings: warnings, notes: notes) }

    /// Parses and runs every statement of `sql`, returning each result; stops at the first
    /// error (throwing it).
    public func execute(_ sql: String) throws -> [StatementResult] {
        try Parser.parse(sql).map(run)
    }

    /// How statements run: `SET threads = N` (default: every core).
    public var context: ExecutionContext {
        if let t = settings["threads"].flatMap({ Int($0) }), t > 0 { return ExecutionContext(threads: t) }
        return ExecutionContext()
    }

    func binder() -> Binder {
        Binder(catalog: catalog, registry: registry, views: views, macros: macros, catalogs: catalogs, context: catalogContext)
    }

    /// The attached catalog a name starts with, and the rest of the name.
    /// CREATE TABLE [AS] in an attached catalog: the table is created empty, then (for AS) the
    /// query's rows are written in one commit; a failing query drops the table it created.
    func createInCatalog(_ name: QualifiedName, columns: [ColumnDefinition], ifNotExists: Bool, orReplace: Bool, asQuery: Query?,
                         primaryKey: [Identifier], options: TableOptions) throws -> StatementResult {
        var layout = try NewTableLayout(options)
        // The primary key (a table constraint or columns marked PRIMARY KEY) is the table's
        // identifier: Iceberg's identifier fields, which MERGE and upserts key on.
        let keyColumns = primaryKey.map(\.normalized) + columns.filter(\.primaryKey).map(\.name.normalized)
        if !primaryKey.isEmpty && columns.contains(where: \.primaryKey) { throw SQLError(.catalog, "the table has more than one PRIMARY KEY") }
        for k in keyColumns where !columns.isEmpty && !columns.contains(where: { $0.name.normalized.lowercased() == k.lowercased() }) {
            throw SQLError(.catalog, "PRIMARY KEY names \(k), which is not a column")
        }
        layout.identifier = keyColumns
        let c = catalogs[name[0].normalized.lowercased()]!
        let path = name.dropFirst().map(\.normalized)
        let display = name.map(\.value).joined(separator: ".")
        var plan: Plan?
        var schema: [Field]
        if let asQuery {
            var p = Optimizer.optimize(try binder().bindQuery(asQuery))
            if !columns.isEmpty { p = try binder().rename(p, columns.map(\.name), at: nil) }
            plan = p
            schema = p.schema.map { Field($0.name, $0.type == .null ? .integer : $0.type) }
        } else {
            var seen = Set<String>()
            schema = try columns.map { col -> Field in
                guard seen.insert(col.name.normalized.lowercased()).inserted else { throw SQLError(.catalog, "column \(col.name.value) appears twice") }
                let key = keyColumns.contains { $0.lowercased() == col.name.normalized.lowercased() }
                return Field(col.name.normalized, try TypeMapping.type(col.type, at: nil), nullable: !col.notNull && !key)
            }
        }
        var replacing = false
        if let existing = try c.table(path, version: nil, context: catalogContext) {
            if ifNotExists { return .ok("table \(display) exists") }
            guard orReplace else { throw SQLError(.catalog, "table \(display) already exists") }
            // The same columns and no new layout: the table's rows are replaced in one commit
            // (its history stays, as Spark's REPLACE TABLE keeps it); else a new table.
            let sameColumns = existing.schema.map { [$0.name.lowercased(), $0.type.description] } == schema.map { [$0.name.lowercased(), $0.type.description] }
            if plan != nil && sameColumns && layout.isEmpty && layout.identifier.isEmpty && existing is TableSink {
                replacing = true
            } else {
                _ = try c.dropTable(path, context: catalogContext)
            }
        }
        if !replacing {
            guard try c.createTable(path, schema: schema, layout: layout, context: catalogContext) else { throw SQLError(.catalog, "table \(display) already exists") }
        }
        guard let plan else { return .ok("created \(display)") }
        do {
            guard let sink = try c.table(path, version: nil, context: catalogContext) as? TableSink else {
                throw SQLError(.catalog, "table \(display) was created but does not accept rows")
            }
            let target = sink.schema
            let write = replacing ? try sink.beginOverwrite() : try sink.beginWrite()
            var rows = 0
            do {
                let input = try Executor.build(plan, context)
                while let b = try input.next() {
                    try write.append(Batch(columns: try b.columns.enumerated().map {
                        try Cast.cast($0.element, to: target[$0.offset].type, isTry: false).materialized()
                    }, count: b.count))
                    rows += b.count
                }
                try write.commit()
            } catch {
                write.abort()
                throw error
            }
            return .ok("\(replacing ? "replaced the rows of" : "created") \(display) with \(rows) rows")
        } catch {
            if !replacing { _ = try? c.dropTable(path, context: catalogContext) }
            throw error
        }
    }

    func attachedTable(_ name: QualifiedName) throws -> TableProvider? {
        guard name.count >= 2, let c = catalogs[name[0].normalized.lowercased()] else { return nil }
        return try c.table(name.dropFirst().map(\.normalized), version: nil, context: catalogContext)
    }

    /// A table an INSERT writes: its columns the values go to, checked against the values'
    /// types when it belongs to a catalog.
    struct InsertTarget {
        var table: TableSink
        var display: String
        var schema: [Field]
        /// The table column each value goes to.
        var targets: [Int]

        /// A batch of the table's columns from one of the values: cast, NULLs checked.
        func rows(_ values: [Column], count: Int) throws -> Batch {
            var cols = schema.map { Column.constant(.null, type: $0.type, count: count) }
            for (j, i) in targets.enumerated() {
                let c = try Cast.cast(values[j], to: schema[i].type, isTry: false)
                if !schema[i].nullable && c.nullCount > 0 {
                    throw SQLError(.runtime, "NULL in column \(schema[i].name) of \(display), which is NOT NULL")
                }
                cols[i] = c
            }
            if count > 0 {
                for i in schema.indices where !schema[i].nullable && !targets.contains(i) {
                    throw SQLError(.runtime, "NULL in column \(schema[i].name) of \(display), which is NOT NULL")
                }
            }
            return Batch(columns: cols.map { $0.materialized() }, count: count)
        }
    }

    func insertTarget(_ name: QualifiedName, columns: [Identifier], values: [Field], at location: SourceLocation?) throws -> InsertTarget {
        let key = name.map(\.normalized).joined(separator: ".")
        let display = name.map(\.value).joined(separator: ".")
        let attached = try attachedTable(name)
        guard let table = (attached ?? catalog.table(key)) as? TableSink else {
            throw SQLError(.catalog, "table \(display) does not exist or does not accept rows")
        }
        let schema = table.schema
        let targets: [Int] = try columns.isEmpty ? Array(schema.indices) : columns.map { c in
            guard let i = schema.firstIndex(where: { $0.name.lowercased() == c.normalized.lowercased() }) else {
                throw SQLError(.binder, "table \(key) has no column \(c.value)")
            }
            return i
        }
        guard values.count == targets.count else {
            throw SQLError(.binder, "INSERT INTO \(display) has \(values.count) values for \(targets.count) columns", at: location)
        }
        if attached != nil {
            // A catalog's table keeps what it is given: only conversions that lose nothing
            // happen without a CAST.
            for (j, i) in targets.enumerated() {
                if let why = StoreAssignment.refusal(values[j].type, schema[i].type) {
                    throw SQLError(.binder, "INSERT INTO \(display): column \(schema[i].name) is \(schema[i].type); the query's column \(j + 1) (\(values[j].name)) is \(values[j].type): \(why); CAST it to say so", at: location)
                }
            }
        }
        return InsertTarget(table: table, display: display, schema: schema, targets: targets)
    }

    /// A multi-table insert: the query runs once; each batch is split by the branches'
    /// conditions and each part appended to its tables' writes. Every write commits only
    /// after the query has finished, in the order of the INTO clauses; a failure before that
    /// leaves every table as it was.
    func insertMulti(first: Bool, branches: [InsertBranch], source: Query, overwrite: Bool) throws -> StatementResult {
        let b = binder()
        let plan = Optimizer.optimize(try b.bindQuery(source))
        let scope = Scope(columns: plan.schema.map { Scope.Column(qualifier: nil, name: $0.name, type: $0.type) })
        struct Into {
            var target: InsertTarget
            var values: [BoundExpr]
            var write: TableWrite?
            var rows = 0
        }
        var conditions: [BoundExpr?] = []
        var intos: [[Into]] = []
        for branch in branches {
            if let c = branch.condition {
                let bound = try b.bindExpr(c, scope)
                guard bound.type == .boolean || bound.type == .null else {
                    throw SQLError(.binder, "WHEN takes a BOOLEAN condition, not \(bound.type)", at: c.location)
                }
                conditions.append(bound)
            } else {
                conditions.append(nil)
            }
            intos.append(try branch.into.map { i in
                let values: [BoundExpr] = try i.values.map { try $0.map { try b.bindExpr($0, scope) } }
                    ?? plan.schema.indices.map { .column(index: $0, type: plan.schema[$0].type) }
                let fields = values.enumerated().map { j, v in
                    Field(i.values.map { "\($0[j])" } ?? plan.schema[j].name, v.type)
                }
                return Into(target: try insertTarget(i.table, columns: i.columns, values: fields, at: i.location), values: values)
            })
        }
        var seen = Set<String>()
        for i in intos.joined() where !seen.insert(i.target.display.lowercased()).inserted {
            throw SQLError(.binder, "INSERT \(first ? "FIRST" : "ALL") names \(i.target.display) twice: one write per table")
        }
        do {
            for bi in intos.indices {
                for ii in intos[bi].indices {
                    intos[bi][ii].write = overwrite ? try intos[bi][ii].target.table.beginOverwrite() : try intos[bi][ii].target.table.beginWrite()
                }
            }
            let input = try Executor.build(plan, context)
            while let batch = try input.next() {
                guard batch.count > 0 else { continue }
                // Rows no earlier WHEN took (for FIRST and ELSE).
                var untaken = [Bool](repeating: true, count: batch.count)
                for (bi, branch) in branches.enumerated() {
                    var rows: [Int]
                    if branch.isElse {
                        rows = (0..<batch.count).filter { untaken[$0] }
                    } else if let c = conditions[bi] {
                        let m = try Evaluator.evaluate(c, batch)
                        let v = m.boolValues()
                        rows = (0..<batch.count).filter { v[$0] && !m.isNull($0) && (!first || untaken[$0]) }
                        for r in rows { untaken[r] = false }
                    } else {
                        rows = Array(0..<batch.count)
                    }
                    guard !rows.isEmpty else { continue }
                    let part = rows.count == batch.count ? batch : Batch(columns: batch.columns.map { $0.take(rows) }, count: rows.count)
                    for ii in intos[bi].indices {
                        let values = try intos[bi][ii].values.map { try Evaluator.evaluate($0, part) }
                        try intos[bi][ii].write!.append(try intos[bi][ii].target.rows(values, count: part.count))
                        intos[bi][ii].rows += part.count
                    }
                }
            }
        } catch {
            for i in intos.joined() { i.write?.abort() }
            throw error
        }
        var committed: [String] = []
        lastWrites = []
        for (n, i) in intos.joined().enumerated() {
            do {
                try i.write!.commit()
            } catch {
                for rest in intos.joined().dropFirst(n + 1) { rest.write?.abort() }
                let done = committed.isEmpty ? "nothing was committed" : "already committed: " + committed.joined(separator: ", ")
                throw SQLError(.runtime, "INSERT \(first ? "FIRST" : "ALL"): the commit of \(i.target.display) failed (\(done)): \(error)")
            }
            committed.append("\(i.target.display) (\(i.rows) rows)")
            lastWrites.append((i.target.display, i.rows))
        }
        let verb = overwrite ? "written over" : "inserted into"
        return .ok(intos.joined().map { "\($0.rows) rows \(verb) \($0.target.display)" }.joined(separator: "; "))
    }

    public func run(_ statement: Statement) throws -> StatementResult {
        switch statement {
        case .query(let q):
            let plan = Optimizer.optimize(try binder().bindQuery(q))
            return .rows(schema: plan.schema, batches: try Executor.collect(plan, context))
        case .explain(let inner, _):
            guard case .query(let q) = inner else { throw SQLError(.unsupported, "EXPLAIN of a statement other than a query") }
            let plan = Optimizer.optimize(try binder().bindQuery(q))
            let text = plan.explain()
            var b = ColumnBuilder(type: .varchar)
            b.append(.string(text))
            return .rows(schema: [Field("plan", .varchar)], batches: [Batch(columns: [b.finish()], count: 1)])
        case .createTable(let name, let columns, let ifNotExists, let orReplace, let asQuery, let primaryKey, let options)
            where name.count >= 2 && catalogs[name[0].normalized.lowercased()] != nil:
            return try createInCatalog(name, columns: columns, ifNotExists: ifNotExists, orReplace: orReplace, asQuery: asQuery,
                                       primaryKey: primaryKey, options: options)
        case .createSchema(let name, let ifNotExists):
            guard name.count >= 2, let c = catalogs[name[0].normalized.lowercased()] else {
                throw SQLError(.catalog, "CREATE SCHEMA names a namespace of an attached catalog (e.g. iceberg.analytics)")
            }
            let path = name.dropFirst().map(\.normalized)
            if try c.createNamespace(Array(path), context: catalogContext) { return .ok("created schema \(name.map(\.value).joined(separator: "."))") }
            if ifNotExists { return .ok("schema \(name.map(\.value).joined(separator: ".")) exists") }
            throw SQLError(.catalog, "schema \(name.map(\.value).joined(separator: ".")) already exists")
        case .createTable(let name, let columns, let ifNotExists, let orReplace, let asQuery, _, let options):
            let key = name.map(\.normalized).joined(separator: ".")
            if let first = options.partitionBy.first {
                throw SQLError(.unsupported, "PARTITIONED BY is for tables of a catalog (iceberg.ns.t); \(key) is an in-memory table", at: first.location)
            }
            if let first = options.properties.first {
                throw SQLError(.unsupported, "table properties are for tables of a catalog (iceberg.ns.t); \(key) is an in-memory table", at: first.location)
            }
            if catalog.table(key) != nil || views[key] != nil {
                if ifNotExists { return .ok("table \(key) exists") }
                if !orReplace { throw SQLError(.catalog, "table \(key) already exists") }
            }
            if let asQuery {
                var plan = Optimizer.optimize(try binder().bindQuery(asQuery))
                if !columns.isEmpty { plan = try binder().rename(plan, columns.map(\.name), at: nil) }
                let schema = plan.schema.map { Field($0.name, $0.type == .null ? .integer : $0.type) }
                let table = MemoryTable(schema: schema)
                let write = try table.beginWrite()
                let input = try Executor.build(plan, context)
                while let b = try input.next() {
                    try write.append(Batch(columns: try b.columns.enumerated().map {
                        try Cast.cast($0.element, to: schema[$0.offset].type, isTry: false).materialized()
                    }, count: b.count))
                }
                try write.commit()
                try catalog.create(key, table, replace: true)
                return .ok("created \(key)")
            }
            var seen = Set<String>()
            let schema = try columns.map { c -> Field in
                guard seen.insert(c.name.normalized.lowercased()).inserted else { throw SQLError(.catalog, "column \(c.name.value) appears twice") }
                return Field(c.name.normalized, try TypeMapping.type(c.type, at: nil), nullable: !c.notNull)
            }
            if case .createTable(_, _, _, _, _, let primaryKey, _) = statement {
                if !primaryKey.isEmpty && columns.contains(where: \.primaryKey) {
                    throw SQLError(.catalog, "the table has more than one PRIMARY KEY")
                }
                for k in primaryKey where !seen.contains(k.normalized.lowercased()) {
                    throw SQLError(.catalog, "PRIMARY KEY names \(k.value), which is not a column")
                }
            }
            try catalog.create(key, MemoryTable(schema: schema), replace: true)
            return .ok("created \(key)")
        case .insert(let name, let columns, let source, let overwrite):
            let plan = Optimizer.optimize(try binder().bindQuery(source))
            let target = try insertTarget(name, columns: columns, values: plan.schema, at: source.location)
            // Batches stream into one write that becomes visible at the end: a failing row
            // inserts nothing.
            let write = overwrite ? try target.table.beginOverwrite() : try target.table.beginWrite()
            var inserted = 0
            do {
                let input = try Executor.build(plan, context)
                while let b = try input.next() {
                    try write.append(try target.rows(b.columns, count: b.count))
                    inserted += b.count
                }
                try write.commit()
            } catch {
                write.abort()
                throw error
            }
            lastWrites = [(target.display, inserted)]
            return .ok("\(inserted) rows \(overwrite ? "written over the table's" : "inserted")")
        case .insertMulti(let first, let branches, let source, let overwrite):
            return try insertMulti(first: first, branches: branches, source: source, overwrite: overwrite)
        case .dropTable(let name, let ifExists, false) where name.count >= 2 && catalogs[name[0].normalized.lowercased()] != nil:
            let c = catalogs[name[0].normalized.lowercased()]!
            if try !c.dropTable(name.dropFirst().map(\.normalized), context: catalogContext) && !ifExists {
                throw SQLError(.catalog, "table \(name.map(\.value).joined(separator: ".")) does not exist")
            }
            return .ok("dropped \(name.map(\.value).joined(separator: "."))")
        case .dropTable(let name, let ifExists, let isView):
            let key = name.map(\.normalized).joined(separator: ".")
            if isView {
                if views.removeValue(forKey: key) == nil && !ifExists { throw SQLError(.catalog, "view \(key) does not exist") }
                return .ok("dropped \(key)")
            }
            if !catalog.drop(key) && !ifExists { throw SQLError(.catalog, "table \(key) does not exist") }
            return .ok("dropped \(key)")
        case .createView(let name, let columns, let query, let orReplace):
            let key = name.map(\.normalized).joined(separator: ".")
            if (views[key] != nil || catalog.table(key) != nil) && !orReplace { throw SQLError(.catalog, "\(key) already exists") }
            // Bound now so that a broken view is refused when it is created.
            _ = try binder().rename(try binder().bindQuery(query), columns, at: query.location)
            views[key] = Binder.View(query: query, columns: columns)
            return .ok("created view \(key)")
        case .createFunction(let name, let parameters, let returns, let body, let orReplace):
            let key = name.last!.normalized
            if macros[key] != nil && !orReplace { throw SQLError(.catalog, "function \(key) already exists") }
            // Types are checked now, so that a misspelt one fails here and not at first use.
            for p in parameters { if let t = p.type { _ = try TypeMapping.type(t, at: nil) } }
            if let r = returns { _ = try TypeMapping.type(r, at: nil) }
            macros[key] = Binder.Macro(parameters: parameters.map(\.name.normalized), types: parameters.map(\.type), returns: returns, body: body)
            return .ok("created function \(key)")
        case .showTables:
            var b = ColumnBuilder(type: .varchar)
            var names = (catalog.names + views.keys).sorted()
            for (catalogName, c) in catalogs.sorted(by: { $0.key < $1.key }) {
                names += try c.tableNames(context: catalogContext).map { ([catalogName] + $0).joined(separator: ".") }.sorted()
            }
            for n in names { b.append(.string(n)) }
            return .rows(schema: [Field("name", .varchar)], batches: [Batch(columns: [b.finish()], count: names.count)])
        case .load(let path):
            let signatures = try PluginLoader.load(path, into: registry)
            return .ok("loaded \(path): " + (signatures.isEmpty ? "no functions" : signatures.joined(separator: ", ")))
        case .showFunctions:
            var rows = registry.descriptions
            rows += Binder.aggregateNames.filter { $0 != "count_star" }.map { FunctionDescription(name: $0, kind: "aggregate", signature: "") }
            rows += Binder.tableFunctionNames.map { FunctionDescription(name: $0, kind: "table", signature: "") }
            for (name, m) in macros {
                let parameters = zip(m.parameters, m.types).map { p, t in t.map { "\(p) \($0)" } ?? p }.joined(separator: ", ")
                rows.append(FunctionDescription(name: name, kind: "sql", signature: "\(name)(\(parameters))" + (m.returns.map { " -> \($0)" } ?? "")))
            }
            rows.sort { ($0.name, $0.signature) < ($1.name, $1.signature) }
            var n = ColumnBuilder(type: .varchar), k = ColumnBuilder(type: .varchar), s = ColumnBuilder(type: .varchar)
            for r in rows { n.append(.string(r.name)); k.append(.string(r.kind)); s.append(r.signature.isEmpty ? .null : .string(r.signature)) }
            return .rows(schema: [Field("name", .varchar), Field("kind", .varchar), Field("signature", .varchar)],
                         batches: [Batch(columns: [n.finish(), k.finish(), s.finish()], count: rows.count)])
        case .describe(let name):
            let key = name.map(\.normalized).joined(separator: ".")
            guard let table = try attachedTable(name) ?? catalog.table(key) else { throw SQLError(.catalog, "table \(key) does not exist") }
            var n = ColumnBuilder(type: .varchar), t = ColumnBuilder(type: .varchar), nullable = ColumnBuilder(type: .boolean)
            for f in table.schema {
                n.append(.string(f.name)); t.append(.string(f.type.description)); nullable.append(.bool(f.nullable))
            }
            return .rows(schema: [Field("column_name", .varchar), Field("column_type", .varchar), Field("null", .boolean)],
                         batches: [Batch(columns: [n.finish(), t.finish(), nullable.finish()], count: table.schema.count)])
        case .set(let name, let value):
            // Text settings keep their text, not the literal's quotes.
            switch value.kind {
            case .literal(.string(let text)): settings[name.normalized.lowercased()] = text
            case .literal(.typed(_, let text)): settings[name.normalized.lowercased()] = text
            default: settings[name.normalized.lowercased()] = value.description
            }
            return .ok("set \(name.normalized)")
        case .attach(let url, let name, let options):
            var opts: [String: String] = [:]
            for (n, v) in options {
                switch v.kind {
                case .literal(.string(let text)): opts[n.normalized.lowercased()] = text
                case .column(let q) where q.count == 1: opts[n.normalized.lowercased()] = q[0].value
                default: opts[n.normalized.lowercased()] = v.description
                }
            }
            let type = (opts.removeValue(forKey: "type") ?? "").lowercased()
            guard let factory = catalogTypes[type] else {
                let known = catalogTypes.keys.sorted().joined(separator: ", ")
                throw SQLError(.catalog, type.isEmpty ? "ATTACH needs (TYPE kind); kinds: \(known)" : "no catalog type \(type) (kinds: \(known))")
            }
            try attach(name.normalized, try factory(url, opts))
            return .ok("attached \(url) as \(name.normalized)")
        case .detach(let name, let ifExists):
            if catalogs.removeValue(forKey: name.normalized.lowercased()) == nil && !ifExists {
                throw SQLError(.catalog, "no catalog \(name.normalized) is attached")
            }
            return .ok("detached \(name.normalized)")
        case .reset(let name):
            settings.removeValue(forKey: name.normalized)
            return .ok("reset \(name.normalized)")
        }
    }
}
