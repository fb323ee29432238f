import Columnar
import SQL

extension Binder {
    func bindExpr(_ e: Expr, _ scope: Scope) throws -> BoundExpr { try bindExpr(e, scope, mode: .plain) }

    func bindExpr(_ e: Expr, _ scope: Scope, mode: Mode) throws -> BoundExpr {
        if case .aggregate(let ctx) = mode {
            let key = e.description
            if let i = ctx.groupKeys.firstIndex(of: key) { return .column(index: i, type: ctx.groups[i].type) }
            // The same computation written another way (`t.j * 2` for `j * 2`).
            if !containsAggregate(e), let plain = try? bindExpr(e, ctx.scope, mode: .noAggregates("GROUP BY")),
               let i = ctx.groups.firstIndex(where: { $0.fingerprint == plain.fingerprint }) {
                return .column(index: i, type: ctx.groups[i].type)
            }
            // A select alias used in HAVING or ORDER BY.
            if case .column(let n) = e.kind, n.count == 1, (try? ctx.scope.resolve(n, at: e.location)) == nil,
               let aliased = ctx.aliases[n[0].normalized.lowercased()] {
                return try bindExpr(aliased, scope, mode: mode)
            }
            if case .function(let f) = e.kind, f.over == nil, isAggregate(f.name.last!.normalized) {
                if let j = ctx.aggregateKeys.firstIndex(of: key) {
                    return .column(index: ctx.groups.count + j, type: ctx.aggregates[j].type)
                }
                let agg = try bindAggregate(f, ctx.scope, at: e.location)
                ctx.aggregateKeys.append(key)
                ctx.aggregates.append(agg)
                return .column(index: ctx.groups.count + ctx.aggregates.count - 1, type: agg.type)
            }
            if case .column(let n) = e.kind {
                // An outer query's column is a constant here, not a column to group by.
                if (try? ctx.scope.resolve(n, at: e.location)) == nil, let outer = try correlatedReference(n) { return outer }
                _ = try ctx.scope.resolve(n, at: e.location)
                throw SQLError(.binder, "column \(n.map(\.value).joined(separator: ".")) must appear in GROUP BY or be used in an aggregate function", at: e.location)
            }
        }
        let loc = e.location
        func sub(_ x: Expr) throws -> BoundExpr { try bindExpr(x, scope, mode: mode) }
        switch e.kind {
        case .literal(let l): return try literal(l, at: loc)
        case .column(let n):
            do {
                let (i, t) = try scope.resolve(n, at: loc)
                return .column(index: i, type: t)
            } catch let e as SQLError where e.message.contains("not found") && !outerScopes.isEmpty {
                if let outer = try correlatedReference(n) { return outer }
                if n.count >= 2, let (i, t) = try? scope.resolve(Array(n.prefix(n.count - 1)), at: loc), case .structure = t {
                    return try fieldAccess(.column(index: i, type: t), n[n.count - 1], at: loc)
                }
                throw e
            } catch let e as SQLError where n.count == 1 && ["current_date", "current_timestamp", "now"].contains(n[0].normalized.lowercased()) {
                // CURRENT_DATE and CURRENT_TIMESTAMP are written without parentheses.
                _ = e
                return .call(try registry.resolve(n[0].normalized.lowercased(), [], at: loc), [])
            } catch let e as SQLError where n.count >= 2 {
                // `s.field` where s is a struct column rather than a table.
                guard let (i, t) = try? scope.resolve(Array(n.prefix(n.count - 1)), at: loc), case .structure = t else { throw e }
                return try fieldAccess(.column(index: i, type: t), n[n.count - 1], at: loc)
            }
        case .star:
            throw SQLError(.binder, "* is only allowed in the select list and in count(*)", at: loc)
        case .unary(let op, let a):
            let x = try sub(a)
            switch op {
            case .not:
                try expectBoolean(x, a.location, "NOT")
                return .not(x)
            case .plus:
                guard x.type.isNumeric || x.type == .null else { throw SQLError(.type, "unary + of \(x.type)", at: loc) }
                return x
            case .minus:
                if x.type == .interval {
                    let zero = BoundExpr.constant(.interval(Interval()), .interval)
                    return .call(try registry.resolve("-", [.interval, .interval], at: loc), [zero, x])
                }
                guard x.type.isNumeric || x.type == .null else { throw SQLError(.type, "cannot negate \(x.type)", at: loc) }
                let zero: BoundExpr = x.type == .double || x.type == .float ? .constant(.double(0), .double) : .constant(.int(0), x.type == .null ? .integer : x.type)
                return .call(try registry.resolve("-", [zero.type, x.type], at: loc), [zero, x])
            }
        case .binary(let op, let a, let b):
            switch op {
            case .and, .or:
                let x = try sub(a), y = try sub(b)
                try expectBoolean(x, a.location, op.rawValue)
                try expectBoolean(y, b.location, op.rawValue)
                let parts = (op == .and ? flattenAnd(x) + flattenAnd(y) : flattenOr(x) + flattenOr(y))
                return op == .and ? .and(parts) : .or(parts)
            case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
                return try comparison(op.rawValue, try sub(a), try sub(b), at: loc)
            case .concat:
                let x = try toText(try sub(a)), y = try toText(try sub(b))
                return .call(try registry.resolve("||", [x.type, y.type], at: loc), [x, y])
            default:
                let x = try sub(a), y = try sub(b)
                let (cx, cy) = try coerceLiterals(x, y)
                return .call(try registry.resolve(op.rawValue, [cx.type, cy.type], at: loc), [cx, cy])
            }
        case .isNull(let a, let negated): return .isNull(try sub(a), negated: negated)
        case .isBoolean(let a, let value, let negated):
            let x = try sub(a)
            try expectBoolean(x, a.location, "IS TRUE/FALSE")
            let test: BoundExpr = .and([.isNull(x, negated: true), value ? x : .not(x)])
            // IS [NOT] TRUE is never NULL: the IS NOT NULL makes NULL rows false.
            return negated ? .not(test) : test
        case .isDistinctFrom(let a, let b, let negated):
            let x = try sub(a), y = try sub(b)
            let eq = try comparison("=", x, y, at: loc)
            let bothNull = BoundExpr.and([.isNull(x, negated: false), .isNull(y, negated: false)])
            let same = BoundExpr.or([bothNull, .and([.isNull(x, negated: true), .isNull(y, negated: true), eq])])
            return negated ? same : .not(same)
        case .between(let a, let low, let high, let negated):
            let x = try sub(a)
            let r = BoundExpr.and([try comparison(">=", x, try sub(low), at: loc), try comparison("<=", x, try sub(high), at: loc)])
            return negated ? .not(r) : r
        case .inList(let a, let items, let negated):
            let x = try sub(a)
            let bound = try items.map { item -> BoundExpr in
                let y = try sub(item)
                let (cx, cy) = try coerceLiterals(x, y)
                _ = cx
                return cy
            }
            return .inList(x, bound, negated: negated)
        case .inSubquery(let a, let q, let negated):
            let x = try sub(a)
            let (plan, outer) = try bindSubquery(q, scope, at: loc)
            guard plan.schema.count == 1 else { throw SQLError(.binder, "the subquery returns \(plan.schema.count) columns, 1 expected", at: loc) }
            if !outer.isEmpty {
                let (cx, _) = try coerceLiterals(x, .constant(.null, plan.schema[0].type))
                let args = try [cx] + outer.map { try bindExpr(Expr(.column($0.name), at: loc), scope, mode: mode) }
                return .call(CorrelatedSubquery.function(plan, .inList(negated: negated), at: loc), args)
            }
            let values = try runSubquery(plan, at: loc)
            return .inList(x, values.map { .constant($0.0, $0.1) }, negated: negated)
        case .exists(let q, let negated):
            let (plan, outer) = try bindSubquery(q, scope, at: loc)
            if !outer.isEmpty {
                let args = try outer.map { try bindExpr(Expr(.column($0.name), at: loc), scope, mode: mode) }
                return .call(CorrelatedSubquery.function(plan, .exists(negated: negated), at: loc), args)
            }
            let found = !(try runSubquery(plan, at: loc, limit: 1)).isEmpty
            return .constant(.bool(found != negated), .boolean)
        case .subquery(let q):
            let (plan, outer) = try bindSubquery(q, scope, at: loc)
            guard plan.schema.count == 1 else { throw SQLError(.binder, "the subquery returns \(plan.schema.count) columns, 1 expected", at: loc) }
            if !outer.isEmpty {
                let args = try outer.map { try bindExpr(Expr(.column($0.name), at: loc), scope, mode: mode) }
                return .call(CorrelatedSubquery.function(plan, .scalar, at: loc), args)
            }
            let values = try runSubquery(plan, at: loc, limit: 2)
            guard values.count <= 1 else { throw SQLError(.runtime, "a scalar subquery returned more than one row", at: loc) }
            return .constant(values.first?.0 ?? .null, plan.schema[0].type)
        case .like(let a, let pattern, let escape, let ci, let negated):
            let x = try toText(try sub(a)), p = try toText(try sub(pattern))
            var args = [x, p]
            if let escape { args.append(try sub(escape)) }
            let call = BoundExpr.call(try registry.resolve(ci ? "ilike" : "like", args.map(\.type), at: loc), args)
            return negated ? .not(call) : call
        case .cast(let a, let t, let isTry):
            let x = try sub(a)
            let target = try TypeMapping.type(t, at: loc)
            if case .constant(let v, let from) = x, !isTry {
                // Casts of constants happen now, so a bad literal is reported at its place.
                do { return .constant(try Cast.convert(v, from: from, to: target), target) } catch let err as SQLError {
                    throw SQLError(err.kind, err.message, at: loc)
                }
            }
            return .cast(x, to: target, isTry: isTry)
        case .caseWhen(let operand, let branches, let otherwise):
            let op = try operand.map(sub)
            var whens: [BoundExpr] = [], thens: [BoundExpr] = []
            for b in branches {
                let w = try sub(b.when)
                if let op { whens.append(try comparison("=", op, w, at: b.when.location)) } else {
                    try expectBoolean(w, b.when.location, "CASE WHEN")
                    whens.append(w)
                }
                thens.append(try sub(b.then))
            }
            let other = try otherwise.map(sub)
            var t = DataType.null
            for x in thens + (other.map { [$0] } ?? []) {
                guard let s = TypeMapping.supertype(t, x.type) else {
                    throw SQLError(.type, "CASE branches of types \(t) and \(x.type)", at: loc)
                }
                t = s
            }
            if t == .null { t = .integer }
            return .caseWhen(branches: Array(zip(whens, thens)), otherwise: other, type: t)
        case .function(let f):
            return try bindFunction(f, scope, mode: mode, at: loc)
        case .extract(let field, let a):
            let x = try sub(a)
            let fieldExpr = BoundExpr.constant(.string(field), .varchar)
            return .call(try registry.resolve("date_part", [.varchar, x.type], at: loc), [fieldExpr, x])
        case .array(let items):
            let args = try items.map(sub)
            return .call(try registry.resolve("list_value", args.map(\.type), at: loc), args)
        case .map(let keys, let values):
            let ks = try keys.map(sub), vs = try values.map(sub)
            var kt = DataType.null, vt = DataType.null
            for k in ks { guard let s = TypeMapping.supertype(kt, k.type) else { throw SQLError(.type, "map keys of types \(kt) and \(k.type)", at: loc) }; kt = s }
            for v in vs { guard let s = TypeMapping.supertype(vt, v.type) else { throw SQLError(.type, "map values of types \(vt) and \(v.type)", at: loc) }; vt = s }
            let f = NestedBuiltins.mapConstructor(keyType: kt == .null ? .varchar : kt, valueType: vt == .null ? .integer : vt, pairs: ks.count)
            return .call(f, Array(zip(ks, vs).flatMap { [$0, $1] }))
        case .row(let items):
            let args = try items.map(sub)
            let fields = args.enumerated().map { Field("v\($0.offset + 1)", $0.element.type) }
            return .call(NestedBuiltins.structConstructor(fields), args)
        case .subscript(let a, let index):
            let x = try sub(a), i = try sub(index)
            switch x.type {
            case .list: return .call(try registry.resolve("list_extract", [x.type, i.type], at: loc), [x, i])
            case .map: return .call(try registry.resolve("map_extract", [x.type, i.type], at: loc), [x, i])
            case .varchar: return .call(try registry.resolve("list_slice", [x.type, i.type, i.type], at: loc), [x, i, i])
            case .structure:
                guard case .constant(.string(let name), _) = i else { throw SQLError(.binder, "a struct is indexed by a field name", at: loc) }
                return try fieldAccess(x, Identifier(name, quoted: true), at: loc)
            default: throw SQLError(.type, "\(x.type) cannot be indexed", at: loc)
            }
        case .field(let a, let name):
            return try fieldAccess(try sub(a), name, at: loc)
        case .slice(let a, let lo, let hi):
            let x = try sub(a)
            let l = try lo.map(sub) ?? .constant(.null, .bigint), h = try hi.map(sub) ?? .constant(.null, .bigint)
            return .call(try registry.resolve("list_slice", [x.type, l.type, h.type], at: loc), [x, l, h])
        }
    }

    func fieldAccess(_ x: BoundExpr, _ name: Identifier, at loc: SourceLocation) throws -> BoundExpr {
        guard case .structure(let fields) = x.type else { throw SQLError(.type, "\(x.type) has no field \(name.value)", at: loc) }
        guard let i = fields.firstIndex(where: { $0.name.lowercased() == name.normalized.lowercased() }) else {
            throw SQLError(.binder, "the struct has no field \(name.value) (it has \(fields.map(\.name).joined(separator: ", ")))", at: loc)
        }
        return .call(NestedBuiltins.fieldAccess(i, fields[i].type), [x])
    }

    func flattenOr(_ e: BoundExpr) -> [BoundExpr] {
        if case .or(let parts) = e { return parts.flatMap(flattenOr) }
        return [e]
    }

    func literal(_ l: Literal, at loc: SourceLocation) throws -> BoundExpr {
        switch l {
        case .null: return .constant(.null, .null)
        case .boolean(let b): return .constant(.bool(b), .boolean)
        case .integer(let d):
            if let v = Int64(d) { return .constant(.int(v), Int32(exactly: v) != nil ? .integer : .bigint) }
            if let h = Int128(d) { return .constant(.hugeint(h), .hugeint) }
            guard let x = Double(d) else { throw SQLError(.binder, "bad number \(d)", at: loc) }
            return .constant(.double(x), .double)
        case .decimal(let d):
            // 1.50 is DECIMAL(3,2), as in DuckDB and PostgreSQL; exponents and more than 38
            // digits make a DOUBLE.
            if !d.contains(where: { $0 == "e" || $0 == "E" }), let (u, scale) = DecimalMath.parse(d) {
                // Precision: the integer part's digits (at least one) and the scale.
                let integerPart = d.prefix { $0 != "." }.filter(\.isNumber).drop { $0 == "0" }.count
                let precision = max(integerPart, 1) + scale
                if precision <= DecimalMath.maxPrecision {
                    return .constant(.decimal(u, scale: scale), .decimal(precision: precision, scale: scale))
                }
            }
            guard let x = Double(d) else { throw SQLError(.binder, "bad number \(d)", at: loc) }
            return .constant(.double(x), .double)
        case .string(let s): return .constant(.string(s), .varchar)
        case .typed(let t, let s):
            let target = try TypeMapping.type(t, at: loc)
            do { return .constant(try Cast.convert(.string(s), from: .varchar, to: target), target) } catch let err as SQLError {
                throw SQLError(.binder, err.message, at: loc)
            }
        case .interval(let value, let unit):
            guard let i = IntervalMath.parse("\(value) \(unit)") else { throw SQLError(.binder, "bad interval \(value) \(unit)", at: loc) }
            return .constant(.interval(i), .interval)
        }
    }

    /// A string literal compared with a number, a date or a timestamp takes that type, as in
    /// DuckDB and PostgreSQL (`WHERE d = '1992-01-01'`).
    func coerceLiterals(_ a: BoundExpr, _ b: BoundExpr) throws -> (BoundExpr, BoundExpr) {
        func adopt(_ lit: BoundExpr, _ other: DataType) throws -> BoundExpr {
            guard case .constant(let v, .varchar) = lit, other != .varchar, other != .null else { return lit }
            return .constant(try Cast.convert(v, from: .varchar, to: other), other)
        }
        var (x, y) = (try adopt(a, b.type), try adopt(b, a.type))
        // Dates meet timestamps as timestamps.
        if x.type == .date && y.type == .timestamp { x = .cast(x, to: .timestamp, isTry: false) }
        if y.type == .date && x.type == .timestamp { y = .cast(y, to: .timestamp, isTry: false) }
        return (x, y)
    }

    func comparison(_ op: String, _ a: BoundExpr, _ b: BoundExpr, at loc: SourceLocation?) throws -> BoundExpr {
        let (x, y) = try coerceLiterals(a, b)
        return .call(try registry.resolve(op, [x.type, y.type], at: loc), [x, y])
    }

    func toText(_ e: BoundExpr) throws -> BoundExpr {
        e.type == .varchar || e.type == .null ? e : .cast(e, to: .varchar, isTry: false)
    }

    /// Binds a subquery inside `scope`: names it does not have resolve in the enclosing
    /// queries' scopes and become its parameters (returned in parameter order).
    func bindSubquery(_ q: Query, _ scope: Scope, at loc: SourceLocation) throws -> (Plan, [OuterReference]) {
        outerScopes.append(scope)
        correlationFrames.append([])
        defer { outerScopes.removeLast(); correlationFrames.removeLast() }
        let plan = try bindQuery(q)
        return (plan, correlationFrames.last!)
    }

    /// A column of an enclosing query, as the current subquery's parameter; nil if no
    /// enclosing query has it.
    func correlatedReference(_ n: QualifiedName) throws -> BoundExpr? {
        guard !outerScopes.isEmpty else { return nil }
        for outer in outerScopes.reversed() {
            guard let (_, t) = try? outer.resolve(n, at: .unknown) else { continue }
            let key = n.map { $0.normalized.lowercased() }.joined(separator: ".")
            if let k = correlationFrames[correlationFrames.count - 1].firstIndex(where: { $0.key == key }) {
                return .parameter(index: k, type: t)
            }
            correlationFrames[correlationFrames.count - 1].append(OuterReference(name: n, key: key, type: t))
            return .parameter(index: correlationFrames[correlationFrames.count - 1].count - 1, type: t)
        }
        return nil
    }

    /// Runs an uncorrelated subquery now; its rows as (value, type) of the first column.
    func runSubquery(_ plan: Plan, at loc: SourceLocation, limit: Int? = nil) throws -> [(Value, DataType)] {
        var out: [(Value, DataType)] = []
        let t = plan.schema.first?.type ?? .null
        for b in try Executor.collect(Optimizer.optimize(limit.map { Plan.limit(plan, limit: $0, offset: 0) } ?? plan)) {
            for i in 0..<b.count { out.append((b.columns.first?.value(at: i) ?? .null, t)) }
        }
        return out
    }

    func bindAggregate(_ f: FunctionCall, _ scope: Scope, at loc: SourceLocation) throws -> BoundAggregate {
        var aggregate = try bindAggregateCall(f, scope, at: loc)
        if let filter = f.filter {
            let bound = try bindExpr(filter, scope, mode: .noAggregates("FILTER"))
            guard bound.type == .boolean || bound.type == .null else {
                throw SQLError(.type, "FILTER (WHERE …) needs a boolean condition, not \(bound.type)", at: filter.location)
            }
            aggregate.filter = bound
        }
        return aggregate
    }

    func bindAggregateCall(_ f: FunctionCall, _ scope: Scope, at loc: SourceLocation) throws -> BoundAggregate {
        var name = f.name.last!.normalized
        if name == "mean" { name = "avg" }
        if name == "group_concat" { name = "string_agg" }
        if f.star || (name == "count" && f.arguments.isEmpty) || name == "count_star" {
            return BoundAggregate(kind: .countStar, argument: nil, separator: "", distinct: false, type: .bigint)
        }
        if !Self.aggregateNames.contains(name), let user = registry.aggregate(name) {
            var args = try f.arguments.map { try bindExpr($0, scope, mode: .noAggregates("an aggregate's argument")) }
            guard args.count == user.arguments.count else {
                throw SQLError(.binder, "\(user.signature) takes \(user.arguments.count) argument\(user.arguments.count == 1 ? "" : "s"), not \(args.count)", at: loc)
            }
            for (k, (a, t)) in zip(args, user.arguments).enumerated() {
                if let why = StoreAssignment.refusal(a.type, t) {
                    throw SQLError(.binder, "no function \(name)(\(args.map(\.type.description).joined(separator: ", "))): argument \(k + 1): \(why)", at: loc)
                }
                if a.type != t { args[k] = .cast(a, to: t, isTry: false) }
            }
            let argument: BoundExpr = args.count == 1 ? args[0]
                : .call(NestedBuiltins.structConstructor(args.enumerated().map { Field("v\($0.offset + 1)", $0.element.type) }), args)
            return BoundAggregate(kind: .user, argument: argument, separator: "", distinct: f.distinct, type: user.returns, user: user)
        }
        guard let first = f.arguments.first else { throw SQLError(.binder, "\(name)() needs an argument", at: loc) }
        let arg = try bindExpr(first, scope, mode: .noAggregates("an aggregate's argument"))
        let t = arg.type
        switch name {
        case "count": return BoundAggregate(kind: .count, argument: arg, separator: "", distinct: f.distinct, type: .bigint)
        case "sum":
            guard t.isNumeric || t == .null || t == .boolean else { throw SQLError(.binder, "sum(\(t)) is not defined", at: loc) }
            // Integer sums are HUGEINT, as in DuckDB: a BIGINT column's sum cannot overflow.
            // Decimal sums keep the scale with all 38 digits, as DuckDB's.
            var result: DataType = t.isInteger || t == .null || t == .boolean ? .hugeint : .double
            if case .decimal(_, let scale) = t { result = .decimal(precision: DecimalMath.maxPrecision, scale: scale) }
            let argument = t == .boolean ? BoundExpr.cast(arg, to: .integer, isTry: false) : arg
            return BoundAggregate(kind: .sum, argument: argument, separator: "", distinct: f.distinct, type: result)
        case "avg":
            // The mean instant of dates and timestamps, as DuckDB gives it.
            if t == .date || t == .timestamp {
                return BoundAggregate(kind: .avg, argument: arg, separator: "", distinct: f.distinct, type: .timestamp)
            }
            guard t.isNumeric || t == .null else { throw SQLError(.binder, "avg(\(t)) is not defined", at: loc) }
            return BoundAggregate(kind: .avg, argument: arg, separator: "", distinct: f.distinct, type: .double)
        case "min": return BoundAggregate(kind: .min, argument: arg, separator: "", distinct: false, type: t == .null ? .integer : t)
        case "max": return BoundAggregate(kind: .max, argument: arg, separator: "", distinct: false, type: t == .null ? .integer : t)
        case "bool_and", "bool_or":
            guard t == .boolean || t == .null else { throw SQLError(.binder, "\(name)(\(t)) is not defined", at: loc) }
            return BoundAggregate(kind: name == "bool_and" ? .boolAnd : .boolOr, argument: arg, separator: "", distinct: f.distinct, type: .boolean)
        case "array_agg", "list":
            return BoundAggregate(kind: .arrayAgg, argument: arg, separator: "", distinct: f.distinct, type: .list(t == .null ? .integer : t))
        case "string_agg":
            var sep = ","
            if f.arguments.count > 1, case .literal(.string(let s)) = f.arguments[1].kind { sep = s }
            return BoundAggregate(kind: .stringAgg, argument: try toText(arg), separator: sep, distinct: f.distinct, type: .varchar)
        default:
            throw SQLError(.binder, "unknown aggregate \(name)", at: loc)
        }
    }

    /// A call over plain column names that names one of a provider's metadata columns
    /// (`writetime(email)`, `token(id)`, `last_modified()`) reads that column.
    func metadataColumn(_ f: FunctionCall, _ name: String, _ scope: Scope, at loc: SourceLocation) throws -> BoundExpr? {
        guard scope.columns.contains(where: \.isMetadata), f.over == nil, !f.distinct, !f.star else { return nil }
        var qualifier: String?
        var names: [String] = []
        for a in f.arguments {
            guard case .column(let q) = a.kind else { return nil }
            names.append(q.last!.normalized.lowercased())
            if q.count >= 2 {
                let given = q[q.count - 2].normalized.lowercased()
                if let qualifier, qualifier != given { return nil }
                qualifier = given
            }
        }
        let key = name.lowercased() + "(" + names.joined(separator: ",") + ")"
        let matches = scope.columns.indices.filter { i in
            let c = scope.columns[i]
            return c.isMetadata && c.name.lowercased() == key && (qualifier == nil || c.qualifier?.lowercased() == qualifier)
        }
        guard let first = matches.first else { return nil }
        if matches.count > 1 {
            throw SQLError(.binder, "\(key) is ambiguous: qualify its columns with their table", at: loc)
        }
        return .column(index: first, type: scope.columns[first].type)
    }

    func bindFunction(_ f: FunctionCall, _ scope: Scope, mode: Mode, at loc: SourceLocation) throws -> BoundExpr {
        let name = f.name.last!.normalized
        if name.lowercased() == "unnest", let (text, index, type) = unnestColumn, text == Expr(.function(f), at: loc).description {
            return .column(index: index, type: type)
        }
        if f.over != nil {
            let key = Expr(.function(f), at: loc).description
            guard let (index, type) = windowColumns[key] else {
                throw SQLError(.binder, "window functions are allowed in the select list and ORDER BY only", at: loc)
            }
            return .column(index: index, type: type)
        }
        if isAggregate(name) {
            if case .noAggregates(let clause) = mode {
                throw SQLError(.binder, "aggregate functions are not allowed in \(clause)", at: loc)
            }
            throw SQLError(.binder, "aggregate \(name) used outside an aggregate query", at: loc)
        }
        if let column = try metadataColumn(f, name, scope, at: loc) { return column }
        if let macro = macros[name] {
            guard macro.parameters.count == f.arguments.count else {
                throw SQLError(.binder, "\(name) takes \(macro.parameters.count) arguments, \(f.arguments.count) given", at: loc)
            }
            var arguments = f.arguments
            for (k, declared) in macro.types.enumerated() {
                guard let declared else { continue }
                let want = try TypeMapping.type(declared, at: loc)
                let got = try bindExpr(f.arguments[k], scope, mode: mode)
                var literal = false
                if case .literal = f.arguments[k].kind { literal = true }
                guard Self.implicitlyCastable(got.type, want, literal: literal) else {
                    throw SQLError(.binder, "\(name)(\(macro.parameters[k]) \(want)): argument \(k + 1) is \(got.type)", at: f.arguments[k].location)
                }
                arguments[k] = Expr(.cast(f.arguments[k], declared, isTry: false), at: f.arguments[k].location)
            }
            var body = substitute(macro.body, Dictionary(uniqueKeysWithValues: zip(macro.parameters, arguments)))
            if let r = macro.returns { body = Expr(.cast(body, r, isTry: false), at: loc) }
            return try bindExpr(body, scope, mode: mode)
        }
        if name == "struct_pack" || name == "row" {
            // struct_pack(name := value, …) arrives from {'a': 1} as alternating names and values.
            var fields: [Field] = [], values: [BoundExpr] = []
            var i = 0
            while i + 1 < f.arguments.count, case .literal(.string(let n)) = f.arguments[i].kind {
                let v = try bindExpr(f.arguments[i + 1], scope, mode: mode)
                fields.append(Field(n, v.type)); values.append(v)
                i += 2
            }
            guard i == f.arguments.count else { throw SQLError(.binder, "struct_pack takes name, value pairs", at: loc) }
            return .call(NestedBuiltins.structConstructor(fields), values)
        }
        let args = try f.arguments.map { try bindExpr($0, scope, mode: mode) }
        switch name {
        case "coalesce", "ifnull":
            guard !args.isEmpty else { throw SQLError(.binder, "\(name) needs arguments", at: loc) }
            var t = DataType.null
            for a in args {
                guard let s = TypeMapping.supertype(t, a.type) else { throw SQLError(.type, "\(name) of \(t) and \(a.type)", at: loc) }
                t = s
            }
            let branches = args.dropLast().map { (when: BoundExpr.isNull($0, negated: true), then: $0) }
            return .caseWhen(branches: Array(branches), otherwise: args.last!, type: t == .null ? .integer : t)
        case "nullif":
            guard args.count == 2 else { throw SQLError(.binder, "nullif takes 2 arguments", at: loc) }
            return .caseWhen(branches: [(try comparison("=", args[0], args[1], at: loc), .constant(.null, args[0].type))], otherwise: args[0],
                             type: args[0].type == .null ? .integer : args[0].type)
        default:
            var coerced = args
            // String literals given to functions of dates take the date's type.
            if name == "date_part" || name == "date_trunc", coerced.count == 2 {
                coerced[1] = try coerceLiterals(.constant(.null, .timestamp), coerced[1]).1
            }
            return .call(try registry.resolve(name, coerced.map(\.type), at: loc), coerced)
        }
    }

    /// A macro's body with its parameters replaced by the call's arguments.
    /// Whether an argument of type `from` may go to a parameter of type `to` without an
    /// explicit CAST: the same type, NULL, numbers (not a float into an exact type), a date
    /// into a timestamp, nested types that meet in `to`, and string literals (parsed then).
    static func implicitlyCastable(_ from: DataType, _ to: DataType, literal: Bool) -> Bool {
        if from == to || from == .null { return true }
        if from.isNumeric && to.isNumeric {
            let floating: Set<DataType> = [.float, .double]
            return !floating.contains(from) || floating.contains(to) || literal
        }
        if from == .date && to == .timestamp { return true }
        if from == .varchar && literal { return true }
        switch (from, to) {
        case (.list, .list), (.map, .map), (.structure, .structure): return TypeMapping.supertype(from, to) == to
        default: return false
        }
    }

    func substitute(_ e: Expr, _ args: [String: Expr]) -> Expr {
        func s(_ x: Expr) -> Expr { substitute(x, args) }
        var out = e
        switch e.kind {
        case .column(let n) where n.count == 1: if let a = args[n[0].normalized] { return a }
        case .unary(let op, let a): out.kind = .unary(op, s(a))
        case .binary(let op, let a, let b): out.kind = .binary(op, s(a), s(b))
        case .isNull(let a, let n): out.kind = .isNull(s(a), negated: n)
        case .between(let a, let l, let h, let n): out.kind = .between(s(a), low: s(l), high: s(h), negated: n)
        case .inList(let a, let items, let n): out.kind = .inList(s(a), items.map(s), negated: n)
        case .cast(let a, let t, let tr): out.kind = .cast(s(a), t, isTry: tr)
        case .caseWhen(let o, let b, let other):
            out.kind = .caseWhen(operand: o.map(s), branches: b.map { CaseBranch(when: s($0.when), then: s($0.then)) }, otherwise: other.map(s))
        case .function(var f):
            f.arguments = f.arguments.map(s)
            out.kind = .function(f)
        case .like(let a, let p, let esc, let ci, let n): out.kind = .like(s(a), pattern: s(p), escape: esc.map(s), caseInsensitive: ci, negated: n)
        default: break
        }
        return out
    }
}
