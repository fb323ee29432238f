import Columnar

/// Intervals as DuckDB and PostgreSQL have them: months, days and microseconds kept apart
/// (a month is not a fixed number of days), text in and out in DuckDB's form, calendar
/// arithmetic on dates and timestamps, and comparisons on the normalized value (a month as 30
/// days, a day as 24 hours: '1 day' = '24 hours', as in DuckDB).
enum IntervalMath {
    static let microsPerDay: Int64 = 86_400_000_000

    /// `3 days`, `1 year 2 months`, `-90 minutes`, `1.5 days`, `1 day 02:03:04.5`, `01:02:03`.
    static func parse(_ text: String) -> Interval? {
        var months: Double = 0, days: Double = 0, micros: Double = 0
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { return nil }
        var i = 0
        var ago = false
        while i < words.count {
            let w = words[i]
            if w == "ago" { ago = true; i += 1; continue }
            if w.contains(":") {
                guard let t = clock(w) else { return nil }
                micros += t
                i += 1
                continue
            }
            // A number and its unit, written apart ("3 days") or together ("3days", "-3d").
            var number = w, unit = ""
            if let split = w.firstIndex(where: { $0.isLetter }), split != w.startIndex {
                number = String(w[..<split]); unit = String(w[split...])
            } else {
                guard i + 1 < words.count else { return nil }
                unit = words[i + 1]
                i += 1
            }
            guard let x = Double(number), x.isFinite else { return nil }
            switch unit {
            case "microsecond", "microseconds", "us", "usec", "usecs": micros += x
            case "millisecond", "milliseconds", "ms", "msec", "msecs": micros += x * 1000
            case "second", "seconds", "s", "sec", "secs": micros += x * 1_000_000
            case "minute", "minutes", "m", "min", "mins": micros += x * 60_000_000
            case "hour", "hours", "h", "hr", "hrs": micros += x * 3_600_000_000
            case "day", "days", "d": days += x
            case "week", "weeks", "w": days += x * 7
            case "month", "months", "mon", "mons": months += x
            case "quarter", "quarters": months += x * 3
            case "year", "years", "y", "yr", "yrs": months += x * 12
            case "decade", "decades": months += x * 120
            case "century", "centuries": months += x * 1200
            case "millennium", "millennia", "millenniums": months += x * 12000
            default: return nil
            }
            i += 1
        }
        // Fractions cascade down: a part month becomes days (30 to the month), a part day time.
        let wholeMonths = months.rounded(.towardZero)
        days += (months - wholeMonths) * 30
        let wholeDays = days.rounded(.towardZero)
        micros += (days - wholeDays) * Double(microsPerDay)
        guard abs(wholeMonths) < Double(Int32.max), abs(wholeDays) < Double(Int32.max), abs(micros) < 9.2e18 else { return nil }
        var r = Interval(months: Int32(wholeMonths), days: Int32(wholeDays), micros: Int64(micros.rounded()))
        if ago { r = negate(r) }
        return r
    }

    /// `[-]H:MM[:SS[.ffffff]]` as microseconds.
    static func clock(_ w: String) -> Double? {
        var s = Substring(w)
        var sign = 1.0
        if s.hasPrefix("-") { sign = -1; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let h = Double(parts[0]), let m = Double(parts[1]) else { return nil }
        let sec = parts.count == 3 ? Double(parts[2]) : 0
        guard let sec else { return nil }
        return sign * ((h * 3600 + m * 60 + sec) * 1_000_000)
    }

    /// DuckDB's text: `1 year 2 months 3 days 04:05:06.5`, `00:00:00` for nothing.
    static func render(_ v: Interval) -> String {
        var parts: [String] = []
        let years = v.months / 12, months = v.months % 12
        func unit(_ n: Int64, _ name: String) { if n != 0 { parts.append("\(n) \(name)\(abs(n) == 1 ? "" : "s")") } }
        unit(Int64(years), "year")
        unit(Int64(months), "month")
        unit(Int64(v.days), "day")
        if v.micros != 0 || v.nanosRemainder != 0 || parts.isEmpty {
            let negative = v.micros < 0 || (v.micros == 0 && v.nanosRemainder < 0)
            let total = v.micros.magnitude
            let h = total / 3_600_000_000, m = total / 60_000_000 % 60, s = total / 1_000_000 % 60
            var fraction = total % 1_000_000
            func two(_ x: UInt64) -> String { x < 10 ? "0\(x)" : "\(x)" }
            var text = (negative ? "-" : "") + two(h) + ":" + two(m) + ":" + two(s)
            var digits = 6
            if v.nanosRemainder != 0 { fraction = fraction * 1000 + UInt64(abs(Int(v.nanosRemainder))); digits = 9 }
            if fraction > 0 {
                var f = String(fraction)
                f = String(repeating: "0", count: digits - f.count) + f
                while f.hasSuffix("0") { f.removeLast() }
                text += "." + f
            }
            parts.append(text)
        }
        return parts.joined(separator: " ")
    }

    static func negate(_ v: Interval) -> Interval {
        Interval(months: 0 &- v.months, days: 0 &- v.days, micros: 0 &- v.micros, nanosRemainder: 0 &- v.nanosRemainder)
    }

    /// The value as one number (months of 30 days), for ordering and equality.
    static func normalized(_ v: Interval) -> Int128 {
        (Int128(v.months) * 30 + Int128(v.days)) * Int128(microsPerDay) * 1000 + Int128(v.micros) * 1000 + Int128(v.nanosRemainder)
    }

    /// `micros` (a timestamp) moved by `v`: months first (the day clamped to the month's
    /// end: Jan 31 + 1 month = Feb 29 in a leap year), then days, then the exact part.
    static func add(_ micros: Int64, _ v: Interval) throws -> Int64 {
        var days = floorDiv(micros, microsPerDay)
        let timeOfDay = micros - days * microsPerDay
        if v.months != 0 {
            let (y, m, d) = DateText.civil(days)
            let total = y * 12 + (m - 1) + Int64(v.months)
            let ny = floorDiv(total, 12), nm = total - ny * 12 + 1
            days = DateText.days(ny, nm, min(d, daysInMonth(ny, nm)))
        }
        days += Int64(v.days)
        let (a, o1) = days.multipliedReportingOverflow(by: microsPerDay)
        let (b, o2) = a.addingReportingOverflow(timeOfDay)
        let (r, o3) = b.addingReportingOverflow(v.micros)
        guard !o1, !o2, !o3 else { throw runtimeError("timestamp out of range adding \(render(v))") }
        return r
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func interval(_ v: Value) -> Interval {
        if case .interval(let i) = v { return i }
        return Interval()
    }

    static func micros(_ v: Value) -> Int64 {
        switch v {
        case .timestamp(let us): return us
        case .date(let d): return Int64(d) * microsPerDay
        default: return 0
        }
    }

    static func register(into r: FunctionRegistry) {
        typealias F = MoreBuiltins
        let instant: Set<DataType> = [.date, .timestamp]
        r.register("+") { t in
            guard t.count == 2 else { return nil }
            if t[0] == .interval && t[1] == .interval {
                return F.strict("+", returns: .interval) { a in
                    let x = interval(a[0]), y = interval(a[1])
                    return .interval(Interval(months: x.months &+ y.months, days: x.days &+ y.days, micros: x.micros &+ y.micros,
                                              nanosRemainder: x.nanosRemainder &+ y.nanosRemainder))
                }
            }
            if instant.contains(t[0]) && t[1] == .interval {
                return F.strict("+", returns: .timestamp) { a in .timestamp(try add(micros(a[0]), interval(a[1]))) }
            }
            if t[0] == .interval && instant.contains(t[1]) {
                return F.strict("+", returns: .timestamp) { a in .timestamp(try add(micros(a[1]), interval(a[0]))) }
            }
            if t[0] == .time && t[1] == .interval {
                return F.strict("+", returns: .time) { a in
                    guard case .time(let us) = a[0] else { return .null }
                    let shifted = us &+ interval(a[1]).micros
                    return .time(shifted - floorDiv(shifted, microsPerDay) * microsPerDay)
                }
            }
            return nil
        }
        r.register("-") { t in
            guard t.count == 2 else { return nil }
            if t[0] == .interval && t[1] == .interval {
                return F.strict("-", returns: .interval) { a in
                    let x = interval(a[0]), y = negate(interval(a[1]))
                    return .interval(Interval(months: x.months &+ y.months, days: x.days &+ y.days, micros: x.micros &+ y.micros,
                                              nanosRemainder: x.nanosRemainder &+ y.nanosRemainder))
                }
            }
            if instant.contains(t[0]) && t[1] == .interval {
                return F.strict("-", returns: .timestamp) { a in .timestamp(try add(micros(a[0]), negate(interval(a[1])))) }
            }
            if t[0] == .time && t[1] == .interval {
                return F.strict("-", returns: .time) { a in
                    guard case .time(let us) = a[0] else { return .null }
                    let shifted = us &- interval(a[1]).micros
                    return .time(shifted - floorDiv(shifted, microsPerDay) * microsPerDay)
                }
            }
            // timestamp − timestamp: whole days and the rest, as DuckDB gives it.
            if instant.contains(t[0]) && instant.contains(t[1]) && (t[0] == .timestamp || t[1] == .timestamp) {
                return F.strict("-", returns: .interval) { a in
                    let (d, o) = micros(a[0]).subtractingReportingOverflow(micros(a[1]))
                    guard !o else { throw runtimeError("timestamp difference out of range") }
                    let days = d / microsPerDay
                    return .interval(Interval(months: 0, days: Int32(clamping: days), micros: d - days * microsPerDay))
                }
            }
            return nil
        }
        r.register("*") { t in
            guard t.count == 2 else { return nil }
            let (iv, n): (Int, Int)
            if t[0] == .interval && (t[1].isInteger || t[1] == .null) { (iv, n) = (0, 1) }
            else if t[1] == .interval && (t[0].isInteger || t[0] == .null) { (iv, n) = (1, 0) }
            else { return nil }
            return F.strict("*", returns: .interval) { a in
                let x = interval(a[iv]), k = F.int(a[n])
                let (m, o1) = Int64(x.months).multipliedReportingOverflow(by: k)
                let (d, o2) = Int64(x.days).multipliedReportingOverflow(by: k)
                let (us, o3) = x.micros.multipliedReportingOverflow(by: k)
                guard !o1, !o2, !o3, let mm = Int32(exactly: m), let dd = Int32(exactly: d) else {
                    throw runtimeError("interval overflow in \(render(x)) * \(k)")
                }
                return .interval(Interval(months: mm, days: dd, micros: us))
            }
        }
        for op in ["=", "<>", "<", "<=", ">", ">="] {
            r.register(op) { t in
                guard t.count == 2, t.allSatisfy({ $0 == .interval || $0 == .null }), t.contains(.interval) else { return nil }
                return F.strict(op, returns: .boolean) { a in
                    let x = normalized(interval(a[0])), y = normalized(interval(a[1]))
                    switch op {
                    case "=": return .bool(x == y)
                    case "<>": return .bool(x != y)
                    case "<": return .bool(x < y)
                    case "<=": return .bool(x <= y)
                    case ">": return .bool(x > y)
                    default: return .bool(x >= y)
                    }
                }
            }
        }
        r.register("date_part") { t in
            guard t.count == 2, F.isText(t[0]), t[1] == .interval else { return nil }
            return F.strict("date_part", returns: .bigint) { a in
                let v = interval(a[1])
                switch F.text(a[0]).lowercased() {
                case "year", "years", "y", "yr", "yrs": return .int(Int64(v.months / 12))
                case "month", "months", "mon", "mons": return .int(Int64(v.months % 12))
                case "day", "days", "d": return .int(Int64(v.days))
                case "hour", "hours", "h": return .int(v.micros / 3_600_000_000)
                case "minute", "minutes", "m", "min": return .int(v.micros / 60_000_000 % 60)
                case "second", "seconds", "s", "sec": return .int(v.micros / 1_000_000 % 60)
                case "millisecond", "milliseconds", "ms": return .int(v.micros / 1000 % 60_000)
                case "microsecond", "microseconds", "us": return .int(v.micros % 60_000_000)
                case "epoch":
                    return .int((Int64(v.months) * 30 + Int64(v.days)) * 86_400 + v.micros / 1_000_000)
                default: throw runtimeError("unknown interval part '\(F.text(a[0]))'")
                }
            }
        }
    }
}
