import Columnar
import SQL

/// What SHOW FUNCTIONS says about a registered function.
public struct FunctionDescription: Sendable, Hashable {
    public var name: String
    /// `built-in` (scalar), `aggregate`, `table`, `scalar` (a program's), `sql` (CREATE FUNCTION).
    public var kind: String
    public var signature: String
}

/// A scalar function a program adds to a session: declared argument and result types,
/// checked when a query is bound (an argument that does not widen to its declared type is an
/// error naming the function), and a body over whole columns. The row-at-a-time form is a
/// convenience over the same path. Failures name the function, and for row functions the row
/// and the arguments.
public struct ScalarFunction: Sendable {
    public var name: String
    public var arguments: [DataType]
    public var returns: DataType
    /// Columns of the declared types in, `count` rows; a column of `returns` out.
    public var body: @Sendable (_ arguments: [Column], _ count: Int) throws -> Column

    public init(_ name: String, arguments: [DataType], returns: DataType, body: @escaping @Sendable ([Column], Int) throws -> Column) {
        self.name = name
        self.arguments = arguments
        self.returns = returns
        self.body = body
    }

    /// One call per row: `values` of the declared types (NULL as `.null`); returns a value of
    /// the result type or `.null`. With `strict`, a NULL argument gives NULL without a call.
    public static func rows(_ name: String, arguments: [DataType], returns: DataType, strict: Bool = true,
                            _ body: @escaping @Sendable (_ values: [Value]) throws -> Value) -> ScalarFunction {
        ScalarFunction(name, arguments: arguments, returns: returns) { columns, count in
            var out = ColumnBuilder(type: returns, capacity: count)
            var args = [Value](repeating: .null, count: columns.count)
            for row in 0..<count {
                for k in columns.indices { args[k] = columns[k].value(at: row) }
                if strict && args.contains(where: \.isNull) {
                    out.appendNull()
                    continue
                }
                let v: Value
                do { v = try body(args) } catch {
                    throw SQLError(.runtime, "function \(name) failed at row \(row + 1) with (\(shown(args, arguments))): \(message(error))")
                }
                if !v.isNull && !fits(v, returns) {
                    throw SQLError(.runtime, "function \(name) returned \(ValueText.render(v)) at row \(row + 1) with (\(shown(args, arguments))); it is declared to return \(returns)")
                }
                out.append(v)
            }
            return out.finish()
        }
    }

    static func shown(_ values: [Value], _ types: [DataType]) -> String {
        zip(values, types).map { v, t in v.isNull ? "NULL" : (t == .varchar ? "'" + ValueText.render(v, type: t) + "'" : ValueText.render(v, type: t)) }
            .joined(separator: ", ")
    }

    static func message(_ error: Error) -> String {
        if let e = error as? SQLError { return e.message }
        return "\(error)"
    }

    /// Whether `v` is a value of `t` as a column of `t` stores it.
    static func fits(_ v: Value, _ t: DataType) -> Bool {
        switch (v, t) {
        case (.bool, .boolean), (.float, .float), (.double, .double), (.string, .varchar), (.blob, .blob), (.date, .date),
             (.time, .time), (.timestamp, .timestamp), (.interval, .interval), (.uuid, .uuid), (.hugeint, .hugeint): return true
        case (.int, _): return t.isInteger || t == .double
        case (.decimal(_, let s), .decimal(_, let ts)): return s == ts
        case (.list(let items), .list(let e)): return items.allSatisfy { $0.isNull || fits($0, e) }
        case (.map(let ks, let vs), .map(let kt, let vt)): return ks.allSatisfy { fits($0, kt) } && vs.allSatisfy { $0.isNull || fits($0, vt) }
        case (.structure(let items), .structure(let fs)): return items.count == fs.count && zip(items, fs).allSatisfy { $0.isNull || fits($0, $1.type) }
        default: return false
        }
    }

    var signature: String { "\(name)(" + arguments.map(\.description).joined(separator: ", ") + ") -> \(returns)" }
}

extension FunctionRegistry {
    /// Adds a program's scalar function (later registrations of a name are tried first).
    public func register(_ f: ScalarFunction) {
        let declared = f.arguments, name = f.name, returns = f.returns, body = f.body
        userSignatures.append(FunctionDescription(name: name.lowercased(), kind: "scalar", signature: f.signature))
        register(name) { types in
            guard types.count == declared.count, zip(types, declared).allSatisfy({ StoreAssignment.refusal($0, $1) == nil }) else { return nil }
            return BoundFunction(name: name, returnType: returns) { columns, count in
                let cast = try zip(columns, declared).map { c, t in c.type == t ? c : try Cast.cast(c, to: t, isTry: false) }
                let out: Column
                do { out = try body(cast, count) } catch let e as SQLError { throw e } catch {
                    throw SQLError(.runtime, "function \(name) failed: \(error)")
                }
                guard out.count == count else { throw SQLError(.runtime, "function \(name) returned \(out.count) rows for \(count)") }
                guard out.type == returns || out.type == .null else {
                    throw SQLError(.runtime, "function \(name) returned a \(out.type) column; it is declared to return \(returns)")
                }
                return out
            }
        }
    }

    /// Every function, for SHOW FUNCTIONS: the built-ins by name, the registered ones with
    /// their signatures.
    public var descriptions: [FunctionDescription] {
        let user = Set(userSignatures.map(\.name))
        let builtins = names.filter { !user.contains($0) }.map { FunctionDescription(name: $0, kind: "built-in", signature: "") }
        return (builtins + userSignatures).sorted { ($0.name, $0.signature) < ($1.name, $1.signature) }
    }
}

/// An aggregate a program adds: a state per group, made by `initial`, folded row by row by
/// `update` (with the row's arguments, NULLs skipped unless `strict` is false), partial states
/// of parallel partitions combined by `merge`, and turned into the result by `finish`.
public struct AggregateFunction: Sendable {
    public var name: String
    public var arguments: [DataType]
    public var returns: DataType
    public var strict: Bool
    let make: @Sendable () -> AggregateBox
    let update: @Sendable (AggregateBox, [Value]) throws -> Void
    let merge: @Sendable (AggregateBox, AggregateBox) throws -> Void
    let finish: @Sendable (AggregateBox) throws -> Value

    public init<State>(_ name: String, arguments: [DataType], returns: DataType, strict: Bool = true,
                       initial: @escaping @Sendable () -> State,
                       update: @escaping @Sendable (inout State, [Value]) throws -> Void,
                       merge: @escaping @Sendable (inout State, State) throws -> Void,
                       finish: @escaping @Sendable (State) throws -> Value) {
        self.name = name
        self.arguments = arguments
        self.returns = returns
        self.strict = strict
        make = { AggregateBox(initial()) }
        self.update = { box, values in
            var s = box.state as! State
            try update(&s, values)
            box.state = s
        }
        self.merge = { box, other in
            var s = box.state as! State
            try merge(&s, other.state as! State)
            box.state = s
        }
        self.finish = { box in try finish(box.state as! State) }
    }

    var signature: String { "\(name)(" + arguments.map(\.description).joined(separator: ", ") + ") -> \(returns)" }
}

/// One group's state of a program's aggregate.
final class AggregateBox: @unchecked Sendable {
    var state: Any
    init(_ s: Any) { state = s }
}

extension FunctionRegistry {
    /// Adds a program's aggregate; it is used as `name(args)` in aggregate queries.
    public func register(_ f: AggregateFunction) {
        aggregates[f.name.lowercased()] = f
        userSignatures.append(FunctionDescription(name: f.name.lowercased(), kind: "aggregate", signature: f.signature))
    }

    public func aggregate(_ name: String) -> AggregateFunction? { aggregates[name.lowercased()] }
}

/// A table function a program adds, used in FROM: `SELECT * FROM name(1, 'x')`, or with a
/// query as its input, `SELECT * FROM name((SELECT … FROM t), 1)` — a table-in, rows-out
/// function (regrouping a partition's rows into events, say) that reads its input as a
/// stream of batches and produces its own, so neither side is held whole.
public struct TableFunction: Sendable {
    public var name: String
    /// The declared types of the constant arguments (after the input query, if any).
    public var arguments: [DataType]
    /// Whether its first argument is a query whose rows it reads.
    public var takesInput: Bool
    /// The columns it produces for these arguments (and the input's columns).
    public var schema: @Sendable (_ arguments: [Value], _ input: [Field]?) throws -> [Field]
    /// Its rows: a stream of batches of `schema`'s columns, given the arguments and the input.
    public var rows: @Sendable (_ arguments: [Value], _ input: BatchStream?) throws -> BatchStream

    public init(_ name: String, arguments: [DataType], takesInput: Bool = false,
                schema: @escaping @Sendable ([Value], [Field]?) throws -> [Field],
                rows: @escaping @Sendable ([Value], BatchStream?) throws -> BatchStream) {
        self.name = name
        self.arguments = arguments
        self.takesInput = takesInput
        self.schema = schema
        self.rows = rows
    }

    var signature: String {
        "\(name)(" + ((takesInput ? ["(query)"] : []) + arguments.map(\.description)).joined(separator: ", ") + ") -> TABLE"
    }
}

extension FunctionRegistry {
    public func register(_ f: TableFunction) {
        tableFunctions[f.name.lowercased()] = f
        userSignatures.append(FunctionDescription(name: f.name.lowercased(), kind: "table", signature: f.signature))
    }

    public func tableFunction(_ name: String) -> TableFunction? { tableFunctions[name.lowercased()] }
}

/// A registered table function's call as a table: one partition that starts the input query
/// (if any) and the function when it is read, and checks what the function produces.
final class TableFunctionTable: TableProvider, @unchecked Sendable {
    let function: TableFunction
    let arguments: [Value]
    let input: Plan?
    let schema: [Field]
    let context: ExecutionContext

    init(function: TableFunction, arguments: [Value], input: Plan?, schema: [Field], context: ExecutionContext) {
        self.function = function
        self.arguments = arguments
        self.input = input
        self.schema = schema
        self.context = context
    }

    var estimatedRows: Int? { nil }

    struct Partition: ScanPartition {
        let table: TableFunctionTable
        let projection: [Int]?
        func open() throws -> BatchStream {
            let t = table
            let input = try t.input.map { try Executor.build(Optimizer.optimize($0), t.context) }
            let stream: BatchStream
            do { stream = try t.function.rows(t.arguments, input) } catch let e as SQLError { throw e } catch {
                throw SQLError(.runtime, "table function \(t.function.name) failed: \(error)")
            }
            return Checked(table: t, stream: stream, projection: projection)
        }
    }

    final class Checked: BatchStream {
        let table: TableFunctionTable
        let stream: BatchStream
        let projection: [Int]?
        var batches = 0
        init(table: TableFunctionTable, stream: BatchStream, projection: [Int]?) {
            self.table = table
            self.stream = stream
            self.projection = projection
        }
        func next() throws -> Batch? {
            let name = table.function.name
            let b: Batch?
            do { b = try stream.next() } catch let e as SQLError {
                throw SQLError(.runtime, "table function \(name) failed in its batch \(batches + 1): \(e.message)")
            } catch { throw SQLError(.runtime, "table function \(name) failed in its batch \(batches + 1): \(error)") }
            guard let b else { return nil }
            batches += 1
            guard b.columns.count == table.schema.count else {
                throw SQLError(.runtime, "table function \(name) produced \(b.columns.count) columns; it declared \(table.schema.count)")
            }
            for (c, f) in zip(b.columns, table.schema) where c.type != f.type && c.type != .null {
                throw SQLError(.runtime, "table function \(name) produced a \(c.type) column \(f.name); it declared \(f.type)")
            }
            guard let projection else { return b }
            return Batch(columns: projection.map { b.columns[$0] }, count: b.count)
        }
    }

    func partitions(_ request: ScanRequest) throws -> [ScanPartition] { [Partition(table: self, projection: request.projection)] }
}
