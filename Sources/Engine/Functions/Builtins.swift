import Columnar

/// The built-in scalar functions and operators, registered by name. Operators have the
/// names the binder gives them: `+ - * / % || = <> < <= > >=`.
enum Builtins {
    static func register(into r: FunctionRegistry) {
        MoreBuiltins.register(into: r)
        NestedBuiltins.register(into: r)
        ExtraBuiltins.register(into: r)
        IntervalMath.register(into: r)
        for op in ["+", "-", "*", "/", "%"] {
            r.register(op) { types in try arithmetic(op, types) }
        }
        for op in ["=", "<>", "<", "<=", ">", ">="] {
            r.register(op) { types in comparison(op, types) }
        }
        r.register("||") { types in concat(types) }
        r.register("typeof") { types in
            guard types.count == 1 else { return nil }
            let name = types[0].description
            return BoundFunction(name: "typeof", returnType: .varchar) { _, count in .constant(.string(name), type: .varchar, count: count) }
        }
        r.register("concat") { types in concat(types, nullsAsEmpty: true) }
        r.register("lower") { types in stringMap("lower", types) { $0.lowercased() } }
        r.register("upper") { types in stringMap("upper", types) { $0.uppercased() } }
        r.register("abs") { types in
            guard types.count == 1, case .decimal = types[0] else { return nil }
            return BoundFunction(name: "abs", returnType: types[0]) { args, count in
                let v = try DecimalMath.unscaled(args[0], scale: DecimalMath.shape(types[0])!.1)
                return DecimalMath.column(v.map { $0 < 0 ? -$0 : $0 }, type: types[0], validity: combinedValidity(args, count: count))
            }
        }
        r.register("abs") { types in
            guard types.count == 1, types[0].isNumeric || types[0] == .null else { return nil }
            let t = types[0] == .null ? DataType.integer : types[0]
            return BoundFunction(name: "abs", returnType: t) { args, count in
                try mapNumeric(args[0], count: count, type: t, int: { x in
                    guard x != .min else { throw runtimeError("abs(\(x)) is out of range") }
                    return Swift.abs(x)
                }, double: { Swift.abs($0) })
            }
        }
    }

    // MARK: arithmetic

    static func arithmetic(_ op: String, _ types: [DataType]) throws -> BoundFunction? {
        guard types.count == 2, var common = numericSupertype(types[0], types[1]) else { return nil }
        if case .decimal = common {
            if let exact = DecimalMath.arithmetic(op, types) { return exact }
            // Division and remainder of decimals are done in DOUBLE, as DuckDB does.
            common = .double
        }
        let t = common
        enum Op { case add, subtract, multiply, divide, remainder }
        let code: Op = op == "+" ? .add : op == "-" ? .subtract : op == "*" ? .multiply : op == "/" ? .divide : .remainder
        if t == .double {
            return BoundFunction(name: op, returnType: .double) { args, count in
                let a = args[0].doubleValues(), b = args[1].doubleValues()
                var out = [Double](repeating: 0, count: count)
                let validity = combinedValidity(args, count: count)
                for i in 0..<count where validity?[i] ?? true {
                    switch code {
                    case .add: out[i] = a[i] + b[i]
                    case .subtract: out[i] = a[i] - b[i]
                    case .multiply: out[i] = a[i] * b[i]
                    case .divide:
                        guard b[i] != 0 else { throw runtimeError("division by zero") }
                        out[i] = a[i] / b[i]
                    case .remainder:
                        guard b[i] != 0 else { throw runtimeError("division by zero") }
                        out[i] = a[i].truncatingRemainder(dividingBy: b[i])
                    }
                }
                return Column(type: .double, count: count, validity: validity, data: .float64(out))
            }
        }
        let (lo, hi) = integerRange(t)
        return BoundFunction(name: op, returnType: t) { args, count in
            let a = args[0].int64Values(), b = args[1].int64Values()
            var out = [Int64](repeating: 0, count: count)
            let validity = combinedValidity(args, count: count)
            for i in 0..<count where validity?[i] ?? true {
                let (x, y) = (a[i], b[i])
                var r: Int64
                var overflow = false
                switch code {
                case .add: (r, overflow) = x.addingReportingOverflow(y)
                case .subtract: (r, overflow) = x.subtractingReportingOverflow(y)
                case .multiply: (r, overflow) = x.multipliedReportingOverflow(by: y)
                case .divide:
                    guard y != 0 else { throw runtimeError("division by zero") }
                    (r, overflow) = x.dividedReportingOverflow(by: y)
                case .remainder:
                    guard y != 0 else { throw runtimeError("division by zero") }
                    (r, overflow) = x.remainderReportingOverflow(dividingBy: y)
                }
                guard !overflow, r >= lo, r <= hi else {
                    throw runtimeError("\(t) overflow in \(x) \(op) \(y)")
                }
                out[i] = r
            }
            return integerColumn(out, type: t, validity: validity)
        }
    }

    static func integerRange(_ t: DataType) -> (Int64, Int64) {
        switch t {
        case .tinyint: return (Int64(Int8.min), Int64(Int8.max))
        case .smallint: return (Int64(Int16.min), Int64(Int16.max))
        case .integer: return (Int64(Int32.min), Int64(Int32.max))
        default: return (.min, .max)
        }
    }

    /// A column of the integer type `t` from Int64 values that fit it.
    static func integerColumn(_ values: [Int64], type t: DataType, validity: Bitmap?) -> Column {
        let data: Column.ColumnData
        switch t {
        case .tinyint: data = .int8(values.map { Int8(truncatingIfNeeded: $0) })
        case .smallint: data = .int16(values.map { Int16(truncatingIfNeeded: $0) })
        case .integer: data = .int32(values.map { Int32(truncatingIfNeeded: $0) })
        case .hugeint: data = .int128(values.map { Int128($0) })
        default: data = .int64(values)
        }
        return Column(type: t, count: values.count, validity: validity, data: data)
    }

    static func mapNumeric(_ c: Column, count: Int, type t: DataType, int: (Int64) throws -> Int64,
                           double: (Double) -> Double) rethrows -> Column {
        let validity = combinedValidity([c], count: count)
        if t == .double || t == .float {
            var v = c.doubleValues()
            for i in 0..<count where validity?[i] ?? true { v[i] = double(v[i]) }
            return Column(type: .double, count: count, validity: validity, data: .float64(v))
        }
        var v = c.int64Values()
        for i in 0..<count where validity?[i] ?? true { v[i] = try int(v[i]) }
        return integerColumn(v, type: t, validity: validity)
    }

    // MARK: comparison

    static func comparison(_ op: String, _ types: [DataType]) -> BoundFunction? {
        guard types.count == 2 else { return nil }
        let (a, b) = (types[0], types[1])
        // Which comparison results are true, decided once rather than per row.
        let (whenLess, whenEqual, whenGreater): (Bool, Bool, Bool)
        switch op {
        case "=": (whenLess, whenEqual, whenGreater) = (false, true, false)
        case "<>": (whenLess, whenEqual, whenGreater) = (true, false, true)
        case "<": (whenLess, whenEqual, whenGreater) = (true, false, false)
        case "<=": (whenLess, whenEqual, whenGreater) = (true, true, false)
        case ">": (whenLess, whenEqual, whenGreater) = (false, false, true)
        default: (whenLess, whenEqual, whenGreater) = (false, true, true)
        }
        @Sendable @inline(__always) func result(_ cmp: Int) -> Bool { cmp < 0 ? whenLess : (cmp == 0 ? whenEqual : whenGreater) }
        enum Path { case int, double, bytes, bool, uuid }
        let path: Path
        if case .decimal = numericSupertype(a, b) {
            return DecimalMath.comparison({ cmp in cmp < 0 ? whenLess : (cmp == 0 ? whenEqual : whenGreater) }, op, types)
        }
        if let t = numericSupertype(a, b) { path = t == .double ? .double : .int }
        else if (a == .varchar || a == .null) && (b == .varchar || b == .null) { path = .bytes }
        else if (a == .blob || a == .null) && (b == .blob || b == .null) { path = .bytes }
        else if (a == .boolean || a == .null) && (b == .boolean || b == .null) { path = .bool }
        else if a == b, [.date, .time, .timestamp].contains(a) { path = .int }
        // UUIDs order by their 128-bit value, as DuckDB orders them (byte order of the text form).
        else if (a == .uuid || a == .null) && (b == .uuid || b == .null) { path = .uuid }
        else { return nil }
        return BoundFunction(name: op, returnType: .boolean) { args, count in
            let validity = combinedValidity(args, count: count)
            var out = [Bool](repeating: false, count: count)
            switch path {
            case .int:
                let x = args[0].int64Values(), y = args[1].int64Values()
                for i in 0..<count { out[i] = result(x[i] < y[i] ? -1 : (x[i] > y[i] ? 1 : 0)) }
            case .double:
                let x = args[0].doubleValues(), y = args[1].doubleValues()
                for i in 0..<count { out[i] = result(compareDoubles(x[i], y[i])) }
            case .uuid:
                let x = args[0].uint128Values(), y = args[1].uint128Values()
                for i in 0..<count { out[i] = result(x[i] < y[i] ? -1 : (x[i] > y[i] ? 1 : 0)) }
            case .bool:
                let x = args[0].boolValues(), y = args[1].boolValues()
                for i in 0..<count { out[i] = result(x[i] == y[i] ? 0 : (!x[i] ? -1 : 1)) }
            case .bytes:
                for i in 0..<count where validity?[i] ?? true {
                    out[i] = result(args[0].withBytes(at: i) { l in args[1].withBytes(at: i) { r in compareBytes(l, r) } })
                }
            }
            return Column(type: .boolean, count: count, validity: validity, data: .bool(out))
        }
    }

    /// SQL orders NaN above every other double, and -0.0 equal to 0.0.
    static func compareDoubles(_ x: Double, _ y: Double) -> Int {
        if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    // MARK: strings

    static func concat(_ types: [DataType], nullsAsEmpty: Bool = false) -> BoundFunction? {
        guard !types.isEmpty, types.allSatisfy({ $0 == .varchar || $0 == .null }) else { return nil }
        return BoundFunction(name: nullsAsEmpty ? "concat" : "||", returnType: .varchar) { args, count in
            let validity = nullsAsEmpty ? nil : combinedValidity(args, count: count)
            var offsets: [Int32] = [0]
            offsets.reserveCapacity(count + 1)
            var bytes: [UInt8] = []
            for i in 0..<count {
                if validity?[i] ?? true {
                    for a in args where !a.isNull(i) { a.withBytes(at: i) { bytes.append(contentsOf: $0) } }
                }
                offsets.append(Int32(bytes.count))
            }
            return Column(type: .varchar, count: count, validity: validity, data: .bytes(offsets: offsets, bytes: bytes))
        }
    }

    static func stringMap(_ name: String, _ types: [DataType], _ f: @escaping @Sendable (String) -> String) -> BoundFunction? {
        guard types.count == 1, types[0] == .varchar || types[0] == .null else { return nil }
        return BoundFunction(name: name, returnType: .varchar) { args, count in
            var b = ColumnBuilder(type: .varchar, capacity: count)
            for i in 0..<count {
                if args[0].isNull(i) { b.appendNull(); continue }
                b.append(.string(f(args[0].withBytes(at: i) { String(decoding: $0, as: UTF8.self) })))
            }
            return b.finish()
        }
    }

}
