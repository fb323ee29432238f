/// One value of any type: literals, constants and the slow paths (results shown to people).
/// Columns, not values, carry data through the engine.
public indirect enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    /// tinyint to bigint.
    case int(Int64)
    case hugeint(Int128)
    case float(Float)
    case double(Double)
    /// unscaled × 10^-scale.
    case decimal(Int128, scale: Int)
    case string(String)
    case blob([UInt8])
    case date(Int32)
    case time(Int64)
    case timestamp(Int64)
    case interval(Interval)
    case uuid(UInt128)
    case list([Value])
    case map(keys: [Value], values: [Value])
    case structure([Value])

    public var isNull: Bool { if case .null = self { return true } else { return false } }
}
