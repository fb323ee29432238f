import Columnar
import SQL

/// The one registry of scalar functions: operators, built-ins and user functions resolve
/// the same way, by name and argument types, to a `BoundFunction` over whole columns.
public final class FunctionRegistry: @unchecked Sendable {
    // Mutated only while a session registers functions, before queries run on it.
    public typealias Binder = @Sendable (_ argumentTypes: [DataType]) throws -> BoundFunction?

    private var functions: [String: [Binder]] = [:]
    /// The signatures of functions programs registered (SHOW FUNCTIONS).
    var userSignatures: [FunctionDescription] = []
    /// Aggregates programs registered, by lower-cased name.
    var aggregates: [String: AggregateFunction] = [:]
    /// Table functions programs registered, by lower-cased name.
    var tableFunctions: [String: TableFunction] = [:]

    /// Every function name.
    public var names: [String] { functions.keys.sorted() }

    public init(builtins: Bool = true) {
        if builtins { Builtins.register(into: self) }
    }

    /// Adds an implementation of `name`; later registrations are tried first.
    public func register(_ name: String, _ binder: @escaping Binder) {
        functions[name.lowercased(), default: []].insert(binder, at: 0)
    }

    public func contains(_ name: String) -> Bool { functions[name.lowercased()] != nil }

    /// The implementation of `name` for these argument types.
    public func resolve(_ name: String, _ types: [DataType], at location: SourceLocation? = nil) throws -> BoundFunction {
        guard let candidates = functions[name.lowercased()] else {
            throw SQLError(.binder, "no function named \(name)", at: location)
        }
        for bind in candidates {
            if let f = try bind(types) { return f }
        }
        let shown = types.map(\.description).joined(separator: ", ")
        throw SQLError(.binder, "no function \(name)(\(shown)); check the argument types", at: location)
    }
}

/// Which numeric type two operands meet in: the wider integer; a decimal wide enough for both
/// when one is a decimal and the other a decimal or an integer; else DOUBLE.
func numericSupertype(_ a: DataType, _ b: DataType) -> DataType? {
    if case .decimal = a, let d = DecimalMath.supertype(a, b) { return d }
    if case .decimal = b, let d = DecimalMath.supertype(a, b) { return d }
    func rank(_ t: DataType) -> Int? {
        switch t {
        case .null: return 0
        case .boolean: return nil
        case .tinyint: return 1
        case .smallint: return 2
        case .integer: return 3
        case .bigint: return 4
        case .hugeint: return 5
        case .decimal: return 6
        case .float: return 7
        case .double: return 8
        default: return nil
        }
    }
    guard let ra = rank(a), let rb = rank(b) else { return nil }
    let r = max(ra, rb)
    switch r {
    case 0: return .integer
    case 1: return .tinyint
    case 2: return .smallint
    case 3: return .integer
    case 4: return .bigint
    case 5: return .hugeint
    default: return .double
    }
}
