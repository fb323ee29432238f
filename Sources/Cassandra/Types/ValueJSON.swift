import Digests
import JSON

/// Renders values as JSON in the encoding of the fixtures (and of `movesql sstable dump`):
/// integers and varints as numbers, decimals as strings, blobs as "0x…", timestamps as
/// "YYYY-MM-DDTHH:MM:SS.mmmZ", dates "YYYY-MM-DD", times "HH:MM:SS.nnnnnnnnn", durations
/// as {"months","days","nanoseconds"}, sets and lists as arrays, maps as arrays of
/// [key, value], tuples as arrays and UDTs as objects.
public enum ValueJSON {
    public static func render(_ v: CQLValue) -> String {
        var out = ""
        write(v, to: &out)
        return out
    }

    public static func write(_ v: CQLValue, to out: inout String) {
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .varint(let bytes): out += BigDecimalText.integerString(twosComplement: bytes)
        case .decimal(let unscaled, let scale):
            writeString(BigDecimalText.decimalString(unscaled: unscaled, scale: scale), to: &out)
        case .float(let f):
            if f.isNaN { out += "\"NaN\"" } else if f.isInfinite { out += f < 0 ? "\"-Infinity\"" : "\"Infinity\"" } else { out += "\(f)" }
        case .double(let d):
            if d.isNaN { out += "\"NaN\"" } else if d.isInfinite { out += d < 0 ? "\"-Infinity\"" : "\"Infinity\"" } else { out += "\(d)" }
        case .text(let s): writeString(s, to: &out)
        case .blob(let b): writeString("0x" + hexString(b), to: &out)
        case .uuid(let b): writeString(uuidString(b), to: &out)
        case .timestamp(let ms): writeString(timestampString(milliseconds: ms), to: &out)
        case .date(let days): writeString(dateString(daysSinceEpoch: days), to: &out)
        case .time(let ns): writeString(timeString(nanoseconds: ns), to: &out)
        case .duration(let m, let d, let n):
            out += "{\"months\": \(m), \"days\": \(d), \"nanoseconds\": \(n)}"
        case .inet(let b): writeString(inetString(b), to: &out)
        case .list(let items), .set(let items), .tuple(let items), .vector(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item, to: &out)
            }
            out += "]"
        case .map(let keys, let values):
            out += "["
            for i in keys.indices {
                if i > 0 { out += ", " }
                out += "["
                write(keys[i], to: &out)
                out += ", "
                write(values[i], to: &out)
                out += "]"
            }
            out += "]"
        case .udt(let names, let values):
            out += "{"
            for i in names.indices {
                if i > 0 { out += ", " }
                writeString(names[i], to: &out)
                out += ": "
                write(i < values.count ? values[i] : .null, to: &out)
            }
            out += "}"
        }
    }

    public static func writeString(_ s: String, to out: inout String) { JSONValue.writeString(s, to: &out) }

    public static func hexString(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    public static func uuidString(_ b: [UInt8]) -> String {
        let h = hexString(b)
        guard h.count == 32 else { return h }
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }

    public static func inetString(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        // IPv6 as RFC 5952: lower-case, longest run of zero groups shortened to "::".
        var groups: [UInt16] = []
        var i = 0
        while i + 1 < b.count {
            groups.append(UInt16(b[i]) << 8 | UInt16(b[i + 1]))
            i += 2
        }
        var bestStart = -1, bestLen = 0, curStart = -1, curLen = 0
        for (j, g) in groups.enumerated() {
            if g == 0 {
                if curStart < 0 { curStart = j; curLen = 0 }
                curLen += 1
                if curLen > bestLen { bestStart = curStart; bestLen = curLen }
            } else {
                curStart = -1
            }
        }
        if bestLen < 2 { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let head = groups[0..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map { String($0, radix: 16) }.joined(separator: ":")
        return head + "::" + tail
    }

    /// Proleptic Gregorian calendar date of a day count (H. Hinnant's civil_from_days).
    static func civil(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v < 0 ? -v : v)
        return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    public static func dateString(daysSinceEpoch days: Int64) -> String {
        let (y, m, d) = civil(days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func timestampString(milliseconds ms: Int64) -> String {
        let (days, rem) = floorDivMod(ms, 86_400_000)
        let (y, mo, d) = civil(days)
        let h = rem / 3_600_000, mi = rem / 60_000 % 60, s = rem / 1000 % 60, f = rem % 1000
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    /// Microsecond precision, as cell timestamps (`writetime`) are.
    public static func timestampString(microseconds us: Int64) -> String {
        let (days, rem) = floorDivMod(us, 86_400_000_000)
        let (y, mo, d) = civil(days)
        let h = rem / 3_600_000_000, mi = rem / 60_000_000 % 60, s = rem / 1_000_000 % 60, f = rem % 1_000_000
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 6))Z"
    }

    public static func timeString(nanoseconds ns: Int64) -> String {
        let h = ns / 3_600_000_000_000, m = ns / 60_000_000_000 % 60, s = ns / 1_000_000_000 % 60, f = ns % 1_000_000_000
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(f, 9))"
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b, r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }
}

/// Exact decimal text of varints and decimals, the way Java's BigInteger and BigDecimal
/// `toString` write them.
public enum BigDecimalText {
    /// Decimal digits of a big-endian two's-complement integer.
    public static func integerString(twosComplement bytes: [UInt8]) -> String {
        guard let first = bytes.first else { return "0" }
        let negative = first & 0x80 != 0
        var mag = bytes
        if negative {
            // Two's complement negate: invert and add one.
            for i in mag.indices { mag[i] = ~mag[i] }
            var i = mag.count - 1
            while i >= 0 {
                let (v, o) = mag[i].addingReportingOverflow(1)
                mag[i] = v
                if !o { break }
                i -= 1
            }
        }
        // Repeated division by 10^9 over 32-bit limbs.
        var limbs: [UInt32] = []
        var acc: UInt32 = 0, nbits = 0
        for b in mag.reversed() {
            acc |= UInt32(b) << UInt32(nbits)
            nbits += 8
            if nbits == 32 { limbs.append(acc); acc = 0; nbits = 0 }
        }
        if nbits > 0 { limbs.append(acc) }
        limbs.reverse() // most significant first
        while let f = limbs.first, f == 0 { limbs.removeFirst() }
        if limbs.isEmpty { return "0" }
        var chunks: [UInt32] = []
        while !limbs.isEmpty {
            var rem: UInt64 = 0
            var next: [UInt32] = []
            next.reserveCapacity(limbs.count)
            for l in limbs {
                let cur = rem << 32 | UInt64(l)
                let q = cur / 1_000_000_000
                rem = cur % 1_000_000_000
                if !(next.isEmpty && q == 0) { next.append(UInt32(q)) }
            }
            chunks.append(UInt32(rem))
            limbs = next
        }
        var s = String(chunks.last!)
        for c in chunks.dropLast().reversed() {
            let t = String(c)
            s += String(repeating: "0", count: 9 - t.count) + t
        }
        return (negative ? "-" : "") + s
    }

    /// `BigDecimal.toString`: plain notation when the scale is non-negative and the adjusted
    /// exponent is at least -6, scientific ("1.5E+3") otherwise.
    public static func decimalString(unscaled: [UInt8], scale: Int32) -> String {
        var digits = integerString(twosComplement: unscaled)
        var negative = false
        if digits.hasPrefix("-") { negative = true; digits.removeFirst() }
        let sign = negative ? "-" : ""
        let n = digits.count
        let adjusted = Int64(n - 1) - Int64(scale)
        if scale == 0 { return sign + digits }
        if scale > 0 && adjusted >= -6 {
            let s = Int(scale)
            if s >= n {
                return sign + "0." + String(repeating: "0", count: s - n) + digits
            }
            let cut = digits.index(digits.startIndex, offsetBy: n - s)
            return sign + digits[..<cut] + "." + digits[cut...]
        }
        var mantissa = String(digits.first!)
        if n > 1 { mantissa += "." + digits.dropFirst() }
        return sign + mantissa + "E" + (adjusted >= 0 ? "+" : "") + String(adjusted)
    }
}
