import Columnar
import Digests
import JSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Padding, splitting, regular expressions, hashing, hex and blob conversions, powers and
/// logarithms, epoch conversions and the clock.
enum ExtraBuiltins {
    typealias S = MoreBuiltins

    /// DuckDB's JSON paths: `$.a.b`, `$.a[0]`, `$."quoted key"`, or a bare top-level key.
    static func jsonPath(_ json: JSONValue, _ path: String) throws -> JSONValue? {
        guard path.hasPrefix("$") else { return json[path] }
        var rest = Substring(path.dropFirst())
        var at: JSONValue? = json
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                var key: Substring
                if rest.first == "\"" {
                    guard let close = rest.dropFirst().firstIndex(of: "\"") else { throw runtimeError("JSON path \(path): an unclosed quote") }
                    key = rest[rest.index(after: rest.startIndex)..<close]
                    rest = rest[rest.index(after: close)...]
                } else {
                    let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                    key = rest[..<end]
                    rest = rest[end...]
                }
                at = at?[String(key)]
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]"), let i = Int(rest[rest.index(after: rest.startIndex)..<close]) else {
                    throw runtimeError("JSON path \(path): [index] takes a number")
                }
                rest = rest[rest.index(after: close)...]
                if case .array(let items)? = at { at = i >= 0 ? (i < items.count ? items[i] : nil) : (items.count + i >= 0 ? items[items.count + i] : nil) } else { at = nil }
            } else {
                throw runtimeError("JSON path \(path): expected . or [ at \(rest)")
            }
        }
        return at
    }

    static func register(into r: FunctionRegistry) {
        // JSON text: json_extract gives the JSON of the value at a path, json_extract_string
        // its text (a string unquoted); NULL when the path leads nowhere (DuckDB's behaviour).
        for name in ["json_extract", "json_extract_string"] {
            r.register(name) { t in
                guard t.count == 2, MoreBuiltins.isText(t[0]), MoreBuiltins.isText(t[1]) else { return nil }
                return MoreBuiltins.strict(name, returns: .varchar) { a in
                    let json: JSONValue
                    do { json = try JSONParser.parse(MoreBuiltins.text(a[0])) } catch { throw runtimeError("\(name): not JSON: \(error)") }
                    guard let v = try jsonPath(json, MoreBuiltins.text(a[1])) else { return .null }
                    if name == "json_extract_string" {
                        if case .string(let s) = v { return .string(s) }
                        if case .null = v { return .null }
                    }
                    return .string(v.text)
                }
            }
        }
        for (name, left) in [("lpad", true), ("rpad", false)] {
            r.register(name) { t in
                guard t.count == 3, S.isText(t[0]), S.isInt(t[1]), S.isText(t[2]) else { return nil }
                return S.strict(name, returns: .varchar) { a in
                    let s = Array(S.text(a[0]).unicodeScalars), fill = Array(S.text(a[2]).unicodeScalars)
                    let n = Int(max(0, S.int(a[1])))
                    if s.count >= n { return .string(String(String.UnicodeScalarView(s.prefix(n)))) }
                    guard !fill.isEmpty else { return .string(String(String.UnicodeScalarView(s))) }
                    var pad: [Unicode.Scalar] = []
                    while pad.count < n - s.count { pad.append(fill[pad.count % fill.count]) }
                    return .string(String(String.UnicodeScalarView(left ? pad + s : s + pad)))
                }
            }
        }
        r.register("repeat") { t in
            guard t.count == 2, S.isText(t[0]) || t[0] == .null, S.isInt(t[1]) else { return nil }
            return S.strict("repeat", returns: .varchar) { a in
                let s = S.text(a[0]), n = max(0, S.int(a[1]))
                guard n <= Int64(1 << 30) / Int64(max(1, s.utf8.count)) else {
                    throw runtimeError("repeat('\(s.prefix(20))…', \(n)) would be over 1 GiB")
                }
                return .string(String(repeating: s, count: Int(n)))
            }
        }
        r.register("split_part") { t in
            guard t.count == 3, S.isText(t[0]), S.isText(t[1]), S.isInt(t[2]) else { return nil }
            return S.strict("split_part", returns: .varchar) { a in
                let parts = S.text(a[1]).isEmpty ? [S.text(a[0])] : S.text(a[0]).split(separator: S.text(a[1]), omittingEmptySubsequences: false).map(String.init)
                let i = Int(S.int(a[2]))
                let k = i > 0 ? i - 1 : parts.count + i
                return .string(k >= 0 && k < parts.count ? parts[k] : "")
            }
        }
        r.register("regexp_matches") { t in
            guard t.count == 2, t.allSatisfy(S.isText) else { return nil }
            return S.strict("regexp_matches", returns: .boolean) { a in
                let pattern: Regex<AnyRegexOutput>
                do { pattern = try Regex(S.text(a[1])) } catch { throw runtimeError("bad regular expression '\(S.text(a[1]))'") }
                return .bool(S.text(a[0]).contains(pattern))
            }
        }
        r.register("md5") { t in
            guard t.count == 1, S.isText(t[0]) || t[0] == .blob else { return nil }
            return S.strict("md5", returns: .varchar) { a in .string(hex(Digest.md5(bytes(a[0])))) }
        }
        r.register("sha256") { t in
            guard t.count == 1, S.isText(t[0]) || t[0] == .blob else { return nil }
            return S.strict("sha256", returns: .varchar) { a in .string(hex(Digest.sha256(bytes(a[0])))) }
        }
        r.register("hash") { t in
            guard t.count >= 1 else { return nil }
            // FNV-1a over the values' text: stable across runs and machines.
            return BoundFunction(name: "hash", returnType: .bigint) { args, count in
                var out = [Int64](repeating: 0, count: count)
                for i in 0..<count {
                    var h: UInt64 = 0xcbf2_9ce4_8422_2325
                    for a in args {
                        for b in ValueText.render(a.value(at: i)).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
                        h = (h ^ 0xff) &* 0x100_0000_01b3
                    }
                    out[i] = Int64(bitPattern: h)
                }
                return Column(type: .bigint, count: count, validity: nil, data: .int64(out))
            }
        }
        r.register("hex") { t in
            guard t.count == 1, S.isText(t[0]) || t[0] == .blob else { return nil }
            return S.strict("hex", returns: .varchar) { a in .string(hex(bytes(a[0])).uppercased()) }
        }
        r.register("unhex") { t in
            guard t.count == 1, S.isText(t[0]) else { return nil }
            return S.strict("unhex", returns: .blob) { a in
                guard let b = unhex(S.text(a[0])) else { throw runtimeError("'\(S.text(a[0]))' is not hex") }
                return .blob(b)
            }
        }
        r.register("to_hex") { t in
            guard t.count == 1, S.isInt(t[0]) else { return nil }
            return S.strict("to_hex", returns: .varchar) { a in .string(String(UInt64(bitPattern: S.int(a[0])), radix: 16)) }
        }
        r.register("encode") { t in
            guard t.count == 1, S.isText(t[0]) else { return nil }
            return S.strict("encode", returns: .blob) { a in .blob(Array(S.text(a[0]).utf8)) }
        }
        r.register("decode") { t in
            guard t.count == 1, t[0] == .blob else { return nil }
            return S.strict("decode", returns: .varchar) { a in .string(String(decoding: bytes(a[0]), as: UTF8.self)) }
        }
        let logs: [(String, @Sendable (Double) -> Double)] = [("ln", { @Sendable x in log(x) }), ("log10", { @Sendable x in log10(x) }),
                                                              ("log2", { @Sendable x in log2(x) }), ("exp", { @Sendable x in exp(x) })]
        for (name, f) in logs {
            r.register(name) { t in
                guard t.count == 1, t[0].isNumeric || t[0] == .null else { return nil }
                return S.strict(name, returns: .double) { a in
                    let x = S.dbl(a[0])
                    if name != "exp" && x <= 0 { throw runtimeError("\(name) of a number that is not positive") }
                    return .double(f(x))
                }
            }
        }
        for name in ["power", "pow"] {
            r.register(name) { t in
                guard t.count == 2, t.allSatisfy({ $0.isNumeric || $0 == .null }) else { return nil }
                return S.strict(name, returns: .double) { a in .double(pow(S.dbl(a[0]), S.dbl(a[1]))) }
            }
        }
        r.register("to_timestamp") { t in
            guard t.count == 1, t[0].isNumeric || t[0] == .null else { return nil }
            return S.strict("to_timestamp", returns: .timestamp) { a in .timestamp(Int64((S.dbl(a[0]) * 1_000_000).rounded())) }
        }
        r.register("epoch") { t in
            guard t.count == 1, [.timestamp, .date].contains(t[0]) else { return nil }
            return S.strict("epoch", returns: .bigint) { a in
                if case .timestamp(let us) = a[0] { return .int(floorDiv(us, 1_000_000)) }
                if case .date(let d) = a[0] { return .int(Int64(d) * 86400) }
                return .null
            }
        }
        // error(message): fails the statement when a row reaches it (DuckDB's error()); a
        // query states a condition its input must meet this way.
        r.register("error") { t in
            guard t.count == 1 else { return nil }
            return BoundFunction(name: "error", returnType: .null) { args, count in
                if count > 0 { throw runtimeError(args[0].isNull(0) ? "error()" : ValueText.render(args[0].value(at: 0))) }
                return Column.constant(.null, type: .null, count: 0)
            }
        }
        r.register("epoch_ms") { t in
            guard t.count == 1 else { return nil }
            if S.isInt(t[0]) { return S.strict("epoch_ms", returns: .timestamp) { a in .timestamp(S.int(a[0]) * 1000) } }
            if t[0] == .timestamp { return S.strict("epoch_ms", returns: .bigint) { a in if case .timestamp(let us) = a[0] { return .int(floorDiv(us, 1000)) }; return .null } }
            return nil
        }
        for name in ["now", "current_timestamp"] {
            r.register(name) { t in
                guard t.isEmpty else { return nil }
                return BoundFunction(name: name, returnType: .timestamp) { _, count in
                    Column.constant(.timestamp(nowMicros()), type: .timestamp, count: count)
                }
            }
        }
        r.register("current_date") { t in
            guard t.isEmpty else { return nil }
            return BoundFunction(name: "current_date", returnType: .date) { _, count in
                Column.constant(.date(Int32(floorDiv(nowMicros(), 86_400_000_000))), type: .date, count: count)
            }
        }
    }

    static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    static func bytes(_ v: Value) -> [UInt8] {
        switch v {
        case .blob(let b): return b
        case .string(let s): return Array(s.utf8)
        default: return Array(ValueText.render(v).utf8)
        }
    }

    static func hex(_ b: [UInt8]) -> String { Hex.encode(b) }

    static func unhex(_ s: String) -> [UInt8]? { s.hasPrefix("0x") ? nil : Hex.decode(s) }
}
