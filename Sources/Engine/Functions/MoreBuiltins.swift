import Columnar

/// String, math and date built-ins. Each row's arguments arrive as values; results are
/// built into a column (a per-value path for now: the typed kernels are in Builtins).
enum MoreBuiltins {
    typealias RowFunction = @Sendable ([Value]) throws -> Value

    /// A function of a fixed arity whose rows are NULL when any argument is (strict).
    static func strict(_ name: String, returns: DataType, _ f: @escaping RowFunction) -> BoundFunction {
        BoundFunction(name: name, returnType: returns) { args, count in
            var b = ColumnBuilder(type: returns, capacity: count)
            for i in 0..<count {
                let row = args.map { $0.value(at: i) }
                if row.contains(where: \.isNull) { b.appendNull(); continue }
                b.append(try f(row))
            }
            return b.finish()
        }
    }

    static func text(_ v: Value) -> String { if case .string(let s) = v { return s } else { return ValueText.render(v) } }
    static func int(_ v: Value) -> Int64 { if case .int(let i) = v { return i }; return Int64(ValueOrder.number(v) ?? 0) }
    static func dbl(_ v: Value) -> Double { ValueOrder.number(v) ?? 0 }

    static func isText(_ t: DataType) -> Bool { t == .varchar || t == .null }
    static func isInt(_ t: DataType) -> Bool { t.isInteger || t == .null }

    static func register(into r: FunctionRegistry) {
        r.register("like") { t in likeFunction("like", t, caseInsensitive: false) }
        r.register("ilike") { t in likeFunction("ilike", t, caseInsensitive: true) }
        r.register("length") { t in
            guard t.count == 1, isText(t[0]) else { return nil }
            // Code points, as DuckDB and PostgreSQL count them.
            return strict("length", returns: .bigint) { .int(Int64(text($0[0]).unicodeScalars.count)) }
        }
        r.register("octet_length") { t in
            guard t.count == 1, isText(t[0]) || t[0] == .blob else { return nil }
            return strict("octet_length", returns: .bigint) { a in
                if case .blob(let b) = a[0] { return .int(Int64(b.count)) }
                return .int(Int64(text(a[0]).utf8.count))
            }
        }
        for name in ["char_length", "character_length"] {
            r.register(name) { t in
                guard t.count == 1, isText(t[0]) else { return nil }
                return strict(name, returns: .bigint) { .int(Int64(text($0[0]).unicodeScalars.count)) }
            }
        }
        for name in ["substr", "substring"] {
            r.register(name) { t in
                guard (2...3).contains(t.count), isText(t[0]), t.dropFirst().allSatisfy(isInt) else { return nil }
                return strict(name, returns: .varchar) { a in
                    let chars = Array(text(a[0]).unicodeScalars)
                    // 1-based start; a start before 1 eats into the length, as in PostgreSQL.
                    let start = int(a[1])
                    let end: Int64 = a.count == 3 ? start + int(a[2]) : Int64(chars.count) + 1
                    if a.count == 3 && int(a[2]) < 0 { throw runtimeError("negative substring length") }
                    let lo = max(1, start), hi = min(Int64(chars.count) + 1, end)
                    guard lo < hi else { return .string("") }
                    return .string(String(String.UnicodeScalarView(chars[Int(lo - 1)..<Int(hi - 1)])))
                }
            }
        }
        for (name, side) in [("trim", 0), ("ltrim", 1), ("rtrim", 2)] {
            r.register(name) { t in
                guard (1...2).contains(t.count), t.allSatisfy(isText) else { return nil }
                return strict(name, returns: .varchar) { a in
                    let set = Set(a.count == 2 ? Array(text(a[1]).unicodeScalars) : [" "])
                    var s = Array(text(a[0]).unicodeScalars)[...]
                    if side != 2 { while let f = s.first, set.contains(f) { s = s.dropFirst() } }
                    if side != 1 { while let l = s.last, set.contains(l) { s = s.dropLast() } }
                    return .string(String(String.UnicodeScalarView(s)))
                }
            }
        }
        r.register("replace") { t in
            guard t.count == 3, t.allSatisfy(isText) else { return nil }
            return strict("replace", returns: .varchar) { a in
                let s = text(a[0]), from = text(a[1]), to = text(a[2])
                guard !from.isEmpty else { return .string(s) }
                return .string(s.split(separator: from, omittingEmptySubsequences: false).joined(separator: to))
            }
        }
        r.register("reverse") { t in
            guard t.count == 1, isText(t[0]) else { return nil }
            return strict("reverse", returns: .varchar) { .string(String(text($0[0]).reversed())) }
        }
        r.register("starts_with") { t in
            guard t.count == 2, t.allSatisfy(isText) else { return nil }
            return strict("starts_with", returns: .boolean) { .bool(text($0[0]).hasPrefix(text($0[1]))) }
        }
        r.register("concat") { t in
            guard !t.isEmpty, !t.allSatisfy(isText) else { return nil }
            return BoundFunction(name: "concat", returnType: .varchar) { args, count in
                var b = ColumnBuilder(type: .varchar, capacity: count)
                for i in 0..<count { b.append(.string(args.map { $0.isNull(i) ? "" : text($0.value(at: i)) }.joined())) }
                return b.finish()
            }
        }
        r.register("round") { t in
            guard (1...2).contains(t.count), t[0].isNumeric || t[0] == .null, t.count == 1 || isInt(t[1]) else { return nil }
            if t[0].isInteger { return strict("round", returns: t[0]) { $0[0] } }
            return strict("round", returns: .double) { a in
                let digits = a.count == 2 ? int(a[1]) : 0
                let scale = pow10(Int(abs(digits)))
                let x = dbl(a[0])
                let r = digits >= 0 ? (x * scale).rounded(.toNearestOrAwayFromZero) / scale : (x / scale).rounded(.toNearestOrAwayFromZero) * scale
                return .double(r)
            }
        }
        for (name, rule) in [("floor", FloatingPointRoundingRule.down), ("ceil", .up), ("ceiling", .up), ("trunc", .towardZero)] {
            r.register(name) { t in
                guard t.count == 1, t[0].isNumeric || t[0] == .null else { return nil }
                if t[0].isInteger { return strict(name, returns: t[0]) { $0[0] } }
                return strict(name, returns: .double) { .double(dbl($0[0]).rounded(rule)) }
            }
        }
        r.register("sqrt") { t in
            guard t.count == 1, t[0].isNumeric || t[0] == .null else { return nil }
            return strict("sqrt", returns: .double) { a in
                let x = dbl(a[0])
                guard x >= 0 else { throw runtimeError("sqrt of a negative number") }
                return .double(x.squareRoot())
            }
        }
        r.register("mod") { t in try Builtins.arithmetic("%", t) }
        for (name, wantMax) in [("greatest", true), ("least", false)] {
            r.register(name) { t in
                guard !t.isEmpty else { return nil }
                var super_ = DataType.null
                for x in t { guard let s = TypeMapping.supertype(super_, x) else { return nil }; super_ = s }
                let result = super_
                return BoundFunction(name: name, returnType: result) { args, count in
                    var b = ColumnBuilder(type: result, capacity: count)
                    for i in 0..<count {
                        var best: Value = .null
                        for a in args {
                            let v = try Cast.convert(a.value(at: i), from: a.type, to: result)
                            if v.isNull { continue }
                            if best.isNull || (ValueOrder.compare(v, best) > 0) == wantMax && ValueOrder.compare(v, best) != 0 { best = v }
                        }
                        b.append(best)
                    }
                    return b.finish()
                }
            }
        }
        r.register("date_part") { t in datePart(t) }
        r.register("date_trunc") { t in dateTrunc(t) }
        // Date arithmetic: date ± integer days, date − date in days.
        r.register("+") { t in
            if t.count == 2, t[0] == .date, isInt(t[1]) { return strict("+", returns: .date) { a in .date(Int32(clamping: Int64(dateDays(a[0])) + int(a[1]))) } }
            if t.count == 2, isInt(t[0]), t[1] == .date { return strict("+", returns: .date) { a in .date(Int32(clamping: Int64(dateDays(a[1])) + int(a[0]))) } }
            return nil
        }
        r.register("-") { t in
            if t.count == 2, t[0] == .date, isInt(t[1]) { return strict("-", returns: .date) { a in .date(Int32(clamping: Int64(dateDays(a[0])) - int(a[1]))) } }
            if t.count == 2, t[0] == .date, t[1] == .date { return strict("-", returns: .bigint) { a in .int(Int64(dateDays(a[0])) - Int64(dateDays(a[1]))) } }
            return nil
        }
    }

    static func dateDays(_ v: Value) -> Int32 { if case .date(let d) = v { return d }; return 0 }

    static func likeFunction(_ name: String, _ t: [DataType], caseInsensitive: Bool) -> BoundFunction? {
        guard (2...3).contains(t.count), t.allSatisfy(isText) else { return nil }
        return strict(name, returns: .boolean) { a in
            var escape: Unicode.Scalar?
            if a.count == 3 {
                let e = Array(text(a[2]).unicodeScalars)
                guard e.count <= 1 else { throw runtimeError("the LIKE escape must be one character") }
                escape = e.first
            }
            var s = text(a[0]), p = text(a[1])
            if caseInsensitive { s = s.lowercased(); p = p.lowercased() }
            return .bool(try like(Array(s.unicodeScalars), Array(p.unicodeScalars), escape: escape))
        }
    }

    /// SQL LIKE: `%` any run, `_` one character, `escape` makes the next character literal.
    static func like(_ s: [Unicode.Scalar], _ p: [Unicode.Scalar], escape: Unicode.Scalar?) throws -> Bool {
        // Iterative matching with backtracking to the last %.
        var si = 0, pi = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count {
                var c = p[pi]
                var literal = false
                if let escape, c == escape {
                    guard pi + 1 < p.count else { throw runtimeError("LIKE pattern ends with its escape character") }
                    c = p[pi + 1]
                    literal = true
                }
                if !literal && c == "%" { starP = pi; starS = si; pi += 1; continue }
                if (!literal && c == "_") || c == s[si] { si += 1; pi += literal ? 2 : 1; continue }
            }
            if starP >= 0 { pi = starP + 1; starS += 1; si = starS; continue }
            return false
        }
        while pi < p.count && p[pi] == "%" && p[pi] != escape { pi += 1 }
        return pi == p.count
    }

    static func components(_ v: Value) -> (days: Int64, micros: Int64)? {
        switch v {
        case .date(let d): return (Int64(d), 0)
        case .timestamp(let us):
            let days = floorDiv(us, 86_400_000_000)
            return (days, us - days * 86_400_000_000)
        default: return nil
        }
    }

    static func datePart(_ t: [DataType]) -> BoundFunction? {
        guard t.count == 2, isText(t[0]), [.date, .timestamp, .null].contains(t[1]) else { return nil }
        return strict("date_part", returns: .bigint) { a in
            guard let (days, micros) = components(a[1]) else { return .null }
            let (y, m, d) = DateText.civil(days)
            let dow = ((days % 7) + 11) % 7 // 1970-01-01 was a Thursday (4); Sunday = 0
            let field = text(a[0]).lowercased()
            switch field {
            case "year", "years", "y", "yr", "yrs": return .int(y)
            case "month", "months", "mon", "mons": return .int(m)
            case "day", "days", "d": return .int(d)
            case "quarter": return .int((m - 1) / 3 + 1)
            case "decade": return .int(floorDiv(y, 10))
            case "century": return .int(y > 0 ? (y - 1) / 100 + 1 : -((-y) / 100 + 1))
            case "millennium": return .int(y > 0 ? (y - 1) / 1000 + 1 : -((-y) / 1000 + 1))
            case "dow", "dayofweek", "weekday": return .int(dow)
            case "isodow": return .int(dow == 0 ? 7 : dow)
            case "doy", "dayofyear": return .int(days - DateText.days(y, 1, 1) + 1)
            case "week", "weeks", "w", "weekofyear":
                return .int(isoWeek(days))
            case "hour", "hours", "h": return .int(micros / 3_600_000_000)
            case "minute", "minutes", "m", "min": return .int(micros / 60_000_000 % 60)
            case "second", "seconds", "s", "sec": return .int(micros / 1_000_000 % 60)
            case "millisecond", "milliseconds", "ms": return .int(micros / 1000 % 60_000)
            case "microsecond", "microseconds", "us": return .int(micros % 60_000_000)
            case "epoch": return .int(days * 86400 + micros / 1_000_000)
            default: throw runtimeError("unknown date part '\(field)'")
            }
        }
    }

    /// ISO 8601 week number.
    static func isoWeek(_ days: Int64) -> Int64 {
        let isodow = ((days % 7) + 10) % 7 + 1 // Monday = 1
        let thursday = days - isodow + 4
        let (y, _, _) = DateText.civil(thursday)
        return (thursday - DateText.days(y, 1, 1)) / 7 + 1
    }

    static func dateTrunc(_ t: [DataType]) -> BoundFunction? {
        guard t.count == 2, isText(t[0]), [.date, .timestamp, .null].contains(t[1]) else { return nil }
        return strict("date_trunc", returns: .timestamp) { a in
            guard let (days, micros) = components(a[1]) else { return .null }
            let (y, m, _) = DateText.civil(days)
            let day: Int64
            var keep: Int64 = 0
            switch text(a[0]).lowercased() {
            case "year": day = DateText.days(y, 1, 1)
            case "quarter": day = DateText.days(y, (m - 1) / 3 * 3 + 1, 1)
            case "month": day = DateText.days(y, m, 1)
            case "week": day = days - (((days % 7) + 10) % 7)
            case "day": day = days
            case "hour": day = days; keep = micros / 3_600_000_000 * 3_600_000_000
            case "minute": day = days; keep = micros / 60_000_000 * 60_000_000
            case "second": day = days; keep = micros / 1_000_000 * 1_000_000
            default: throw runtimeError("unknown date_trunc unit '\(text(a[0]))'")
            }
            return .timestamp(day * 86_400_000_000 + keep)
        }
    }
}
