/// ISO 8601 instants, without Foundation's formatters.
public enum ISO8601 {
    /// Seconds since the epoch of `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM]` (no zone = UTC).
    public static func parseSeconds(_ s: String) -> Int64? {
        let c = Array(s.utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= c.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let d = c[i + k]
                guard d >= 48 && d <= 57 else { return nil }
                v = v * 10 + Int64(d - 48)
            }
            i += n
            return v
        }
        func lit(_ ch: UInt8) -> Bool {
            if i < c.count && c[i] == ch { i += 1; return true }
            return false
        }
        guard let y = num(4), lit(45), let mo = num(2), lit(45), let d = num(2) else { return nil }
        guard (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h: Int64 = 0, mi: Int64 = 0, sec: Int64 = 0
        if lit(84) || lit(32) {
            guard let hh = num(2), lit(58), let mm = num(2) else { return nil }
            h = hh; mi = mm
            if lit(58) {
                guard let ss = num(2) else { return nil }
                sec = ss
                if lit(46) || lit(44) {
                    while i < c.count && c[i] >= 48 && c[i] <= 57 { i += 1 }
                }
            }
        }
        var offset: Int64 = 0
        if lit(90) {
        } else if i < c.count && (c[i] == 43 || c[i] == 45) {
            let sign: Int64 = c[i] == 45 ? -1 : 1
            i += 1
            guard let oh = num(2) else { return nil }
            _ = lit(58)
            let om = num(2) ?? 0
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == c.count, h < 24, mi < 60, sec < 61 else { return nil }
        return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset
    }

    /// H. Hinnant's days_from_civil.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
