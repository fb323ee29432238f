// movesql with three functions of its own: a vectorized scalar, a row-at-a-time scalar and
// an aggregate. Everything else — catalogs, -e, --script, the REPL, subcommands — is movesql's.
import MoveSQL
import MoveSQLCLI

/// `mask_email('ana@example.com')` → `a**@example.com`: over the column's bytes, no per-row
/// String.
let maskEmail = ScalarFunction("mask_email", arguments: [.varchar], returns: .varchar) { args, count in
    var out = ColumnBuilder(type: .varchar, capacity: count)
    var scratch: [UInt8] = []
    for i in 0..<count {
        if args[0].isNull(i) { out.appendNull(); continue }
        args[0].withBytes(at: i) { raw in
            guard let at = raw.firstIndex(of: UInt8(ascii: "@")), at > 0 else { out.append(bytes: raw); return }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(raw[0])
            scratch.append(contentsOf: repeatElement(UInt8(ascii: "*"), count: at - 1))
            scratch.append(contentsOf: raw[at...])
            scratch.withUnsafeBytes { out.append(bytes: $0) }
        }
    }
    return out.finish()
}

/// `days_between(a, b)`: whole days from one timestamp to another, one call per row.
let daysBetween = ScalarFunction.rows("days_between", arguments: [.timestamp, .timestamp], returns: .bigint) { v in
    guard case .timestamp(let a) = v[0], case .timestamp(let b) = v[1] else { return .null }
    return .int((b - a) / 86_400_000_000)
}

/// `median(x)`: the middle value (the mean of the two middle ones for an even count).
let median = AggregateFunction("median", arguments: [.double], returns: .double,
    initial: { [Double]() },
    update: { values, v in if case .double(let x) = v[0] { values.append(x) } },
    merge: { values, other in values += other },
    finish: { values in
        guard !values.isEmpty else { return .null }
        let s = values.sorted(), m = s.count / 2
        return .double(s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2)
    })

MoveSQLCommandLine.main { session in
    session.registry.register(maskEmail)
    session.registry.register(daysBetween)
    session.registry.register(median)
}
