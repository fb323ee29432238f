import Columnar

/// CAST and TRY_CAST between the engine's types. A failing CAST is an error naming the
/// value; a failing TRY_CAST is NULL.
public enum Cast {
    public static func cast(_ c: Column, to t: DataType, isTry: Bool) throws -> Column {
        if c.type == t { return c }
        var b = ColumnBuilder(type: t, capacity: c.count)
        for i in 0..<c.count {
            let v = c.value(at: i)
            if v.isNull { b.appendNull(); continue }
            do {
                b.append(try convert(v, from: c.type, to: t))
            } catch where isTry {
                b.appendNull()
            }
        }
        return b.finish()
    }

    public static func convert(_ v: Value, from: DataType, to t: DataType) throws -> Value {
        if v.isNull { return .null }
        func fail() -> Error { runtimeError("cannot cast \(ValueText.render(v)) (\(from)) to \(t)") }
        switch t {
        case .varchar:
            return .string(ValueText.render(v))
        case .boolean:
            switch v {
            case .bool: return v
            case .int(let i): return .bool(i != 0)
            case .double(let d): return .bool(d != 0)
            case .float(let f): return .bool(f != 0)
            case .string(let s):
                switch s.trimmingCharacters().lowercased() {
                case "true", "t", "1", "yes", "y": return .bool(true)
                case "false", "f", "0", "no", "n": return .bool(false)
                default: throw fail()
                }
            default: throw fail()
            }
        case .tinyint, .smallint, .integer, .bigint:
            let (lo, hi) = Builtins.integerRange(t)
            let x: Int64
            switch v {
            case .int(let i): x = i
            case .bool(let b): x = b ? 1 : 0
            case .hugeint(let h): guard let i = Int64(exactly: h) else { throw fail() }; x = i
            case .double(let d):
                // Round half away from zero, as PostgreSQL and DuckDB do.
                guard d.isFinite, let i = Int64(exactly: d.rounded(.toNearestOrAwayFromZero)) else { throw fail() }
                x = i
            case .float(let f):
                guard f.isFinite, let i = Int64(exactly: Double(f).rounded(.toNearestOrAwayFromZero)) else { throw fail() }
                x = i
            case .decimal(let u, let s):
                guard let i = Int64(exactly: DecimalMath.toInteger(u, scale: s)) else { throw fail() }
                x = i
            case .string(let s):
                guard let i = Int64(s.trimmingCharacters()) else { throw fail() }
                x = i
            default: throw fail()
            }
            guard x >= lo && x <= hi else { throw fail() }
            return .int(x)
        case .hugeint:
            switch v {
            case .int(let i): return .hugeint(Int128(i))
            case .hugeint: return v
            case .decimal(let u, let s): return .hugeint(DecimalMath.toInteger(u, scale: s))
            case .double(let d):
                guard d.isFinite, abs(d) < 1.7e38 else { throw fail() }
                return .hugeint(Int128(d.rounded(.toNearestOrAwayFromZero)))
            case .string(let s): guard let h = Int128(s.trimmingCharacters()) else { throw fail() }; return .hugeint(h)
            default: throw fail()
            }
        case .double, .float:
            let d: Double
            switch v {
            case .int(let i): d = Double(i)
            case .hugeint(let h): d = Double(h)
            case .double(let x): d = x
            case .float(let f): d = Double(f)
            case .decimal(let u, let s): d = DecimalMath.toDouble(u, scale: s)
            case .bool(let b): d = b ? 1 : 0
            case .string(let s):
                let trimmed = s.trimmingCharacters().lowercased()
                if let x = Double(trimmed) { d = x }
                else if trimmed == "inf" || trimmed == "infinity" { d = .infinity }
                else if trimmed == "-inf" || trimmed == "-infinity" { d = -.infinity }
                else { throw fail() }
            default: throw fail()
            }
            return t == .float ? .float(Float(d)) : .double(d)
        case .decimal(let p, let s):
            guard let d = DecimalMath.convert(v, precision: p, scale: s) else { throw fail() }
            return d
        case .interval:
            switch v {
            case .interval: return v
            case .string(let s): guard let i = IntervalMath.parse(s) else { throw fail() }; return .interval(i)
            default: throw fail()
            }
        case .date:
            switch v {
            case .date: return v
            case .timestamp(let us): return .date(Int32(floorDiv(us, 86_400_000_000)))
            case .string(let s): guard let d = DateText.parseDate(s) else { throw fail() }; return .date(d)
            default: throw fail()
            }
        case .time:
            switch v {
            case .time: return v
            case .timestamp(let us): return .time(us - floorDiv(us, 86_400_000_000) * 86_400_000_000)
            case .string(let s): guard let us = DateText.parseTime(s) else { throw fail() }; return .time(us)
            default: throw fail()
            }
        case .timestamp:
            switch v {
            case .timestamp: return v
            case .date(let d): return .timestamp(Int64(d) * 86_400_000_000)
            case .string(let s): guard let us = DateText.parseTimestamp(s) else { throw fail() }; return .timestamp(us)
            default: throw fail()
            }
        case .uuid:
            switch v {
            case .uuid: return v
            case .string(let s): guard let u = parseUUID(s) else { throw fail() }; return .uuid(u)
            default: throw fail()
            }
        case .list(let e):
            guard case .list(let items) = v else { throw fail() }
            let fe: DataType
            if case .list(let x) = from { fe = x } else { fe = .null }
            return .list(try items.map { try convert($0, from: fe, to: e) })
        case .map(let kt, let vt):
            guard case .map(let keys, let values) = v, case .map(let fk, let fv) = from else { throw fail() }
            return .map(keys: try keys.map { try convert($0, from: fk, to: kt) }, values: try values.map { try convert($0, from: fv, to: vt) })
        case .structure(let fields):
            guard case .structure(let items) = v, case .structure(let ff) = from, items.count == fields.count else { throw fail() }
            return .structure(try zip(items, zip(ff, fields)).map { try convert($0, from: $1.0.type, to: $1.1.type) })
        default:
            if from == t { return v }
            throw fail()
        }
    }
}

/// A UUID's text: 32 hex digits, with the usual dashes or none, optionally in braces (as
/// DuckDB and PostgreSQL accept it).
func parseUUID(_ text: String) -> UInt128? {
    var s = Substring(text.trimmingCharacters())
    if s.first == "{" && s.last == "}" { s = s.dropFirst().dropLast() }
    let dashes = s.enumerated().filter { $0.element == "-" }.map(\.offset)
    guard dashes.isEmpty || dashes == [8, 13, 18, 23] else { return nil }
    let hex = s.filter { $0 != "-" }
    guard hex.count == 32 else { return nil }
    var u: UInt128 = 0
    for c in hex {
        guard let d = c.hexDigitValue else { return nil }
        u = u << 4 | UInt128(d)
    }
    return u
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

extension String {
    /// The string without leading and trailing whitespace (no Foundation needed).
    public func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

/// Which values a catalog table's column takes from an INSERT without an explicit CAST: the
/// conversions that cannot lose information silently (SQL's store assignment, strict).
/// Narrowing integers and decimal precision are allowed (an overflow is an error, not a
/// wrong value); a lost decimal scale, double → float, timestamp → date, text ↔ numbers
/// and the like need a CAST that says so.
public enum StoreAssignment {
    static func integerDigits(_ t: DataType) -> Int? {
        switch t {
        case .tinyint: return 3
        case .smallint: return 5
        case .integer: return 10
        case .bigint: return 19
        case .hugeint: return 39
        default: return nil
        }
    }

    /// Nil when `source` values go into a `target` column as they are; else why not.
    public static func refusal(_ source: DataType, _ target: DataType) -> String? {
        if source == target || source == .null { return nil }
        switch (source, target) {
        case (_, _) where source.isInteger && target.isInteger: return nil
        case (_, .decimal(let p, let s)) where source.isInteger:
            guard let digits = integerDigits(source), p - s >= digits else { return "a \(source) may not fit \(target)'s \(p - s) integer digits" }
            return nil
        case (.hugeint, .decimal): return nil
        case (_, .float), (_, .double) where source.isInteger: return nil
        case (.decimal, .double), (.decimal, .float): return nil
        case (.decimal(_, let s1), .decimal(_, let s2)):
            return s2 >= s1 ? nil : "its \(s1) decimal places would be rounded to \(s2)"
        case (.decimal(_, let s), _) where target.isInteger:
            return s == 0 ? nil : "its decimal places would be dropped"
        case (.float, .double): return nil
        case (.double, .float): return "a DOUBLE would lose precision as a FLOAT"
        case (.date, .timestamp): return nil
        case (.timestamp, .date): return "a TIMESTAMP would lose its time of day as a DATE"
        case (.list(let a), .list(let b)): return refusal(a, b).map { "its elements: \($0)" }
        case (.map(let ka, let va), .map(let kb, let vb)):
            if let r = refusal(ka, kb) { return "its keys: \(r)" }
            return refusal(va, vb).map { "its values: \($0)" }
        case (.structure(let fa), .structure(let fb)):
            guard fa.count == fb.count else { return "it has \(fa.count) fields where the column has \(fb.count)" }
            for (a, b) in zip(fa, fb) {
                guard a.name.lowercased() == b.name.lowercased() else { return "its field \(a.name) is where the column has \(b.name)" }
                if let r = refusal(a.type, b.type) { return "its field \(a.name): \(r)" }
            }
            return nil
        default: return "\(source) does not convert to \(target) without a CAST"
        }
    }
}
