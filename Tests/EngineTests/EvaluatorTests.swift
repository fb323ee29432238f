import Columnar
@testable import Engine
import Testing

/// Expressions over batches: arithmetic with overflow and division-by-zero errors,
/// comparisons, three-valued logic, CASE that only evaluates what it decides, IN, casts.
@Suite("Evaluator")
struct EvaluatorTests {
    static let registry = FunctionRegistry()

    static func column(_ type: DataType, _ values: [Value]) -> Column {
        var b = ColumnBuilder(type: type)
        for v in values { b.append(v) }
        return b.finish()
    }

    /// a INTEGER, b INTEGER, s VARCHAR, d DOUBLE, p BOOLEAN
    static let batch = Batch(columns: [
        column(.integer, [.int(1), .int(-2), .null, .int(7)]),
        column(.integer, [.int(2), .int(0), .int(3), .int(2)]),
        column(.varchar, [.string("x"), .string("Hello"), .null, .string("")]),
        column(.double, [.double(0.5), .null, .double(-1.25), .double(2)]),
        column(.boolean, [.bool(true), .bool(false), .null, .bool(true)]),
    ], count: 4)

    static let a = BoundExpr.column(index: 0, type: .integer), b = BoundExpr.column(index: 1, type: .integer)
    static let s = BoundExpr.column(index: 2, type: .varchar), d = BoundExpr.column(index: 3, type: .double)
    static let p = BoundExpr.column(index: 4, type: .boolean)

    static func call(_ name: String, _ args: BoundExpr...) throws -> BoundExpr {
        .call(try registry.resolve(name, args.map(\.type)), args)
    }

    static func values(_ e: BoundExpr, _ batch: Batch = batch) throws -> [Value] {
        let c = try Evaluator.evaluate(e, batch)
        return (0..<c.count).map { c.value(at: $0) }
    }

    static func constant(_ v: Value, _ t: DataType) -> BoundExpr { .constant(v, t) }

    @Test func integerArithmeticKeepsTheWiderTypeAndNulls() throws {
        let sum = try Self.call("+", Self.a, Self.b)
        #expect(sum.type == .integer)
        #expect(try Self.values(sum) == [.int(3), .int(-2), .null, .int(9)])
        let mixed = try Self.call("*", Self.a, Self.d)
        #expect(mixed.type == .double)
        #expect(try Self.values(mixed) == [.double(0.5), .null, .null, .double(14)])
    }

    @Test func integerDivisionTruncatesAndZeroIsAnError() throws {
        let q = try Self.call("/", Self.a, Self.constant(.int(2), .integer))
        #expect(try Self.values(q) == [.int(0), .int(-1), .null, .int(3)])
        #expect(throws: Engine.EngineError.self) { try Self.values(try Self.call("/", Self.a, Self.b)) }
        #expect(throws: Engine.EngineError.self) { try Self.values(try Self.call("%", Self.a, Self.b)) }
    }

    @Test func overflowIsAnErrorAtTheTypesRange() throws {
        let big = Self.constant(.int(Int64(Int32.max)), .integer)
        #expect(throws: Engine.EngineError.self) { try Self.values(try Self.call("+", big, Self.constant(.int(1), .integer))) }
        let bigint = Self.constant(.int(.max), .bigint)
        #expect(throws: Engine.EngineError.self) { try Self.values(try Self.call("*", bigint, Self.constant(.int(2), .integer))) }
        #expect(try Self.values(try Self.call("+", Self.constant(.int(Int64(Int32.max)), .bigint), Self.constant(.int(1), .integer)))
                    .allSatisfy { $0 == .int(Int64(Int32.max) + 1) })
    }

    @Test func comparisonsOfEveryKind() throws {
        #expect(try Self.values(try Self.call("<", Self.a, Self.b)) == [.bool(true), .bool(true), .null, .bool(false)])
        #expect(try Self.values(try Self.call("=", Self.s, Self.constant(.string("Hello"), .varchar)))
                    == [.bool(false), .bool(true), .null, .bool(false)])
        #expect(try Self.values(try Self.call(">=", Self.d, Self.a)) == [.bool(false), .null, .null, .bool(false)])
        #expect(try Self.values(try Self.call("<>", Self.p, Self.constant(.bool(true), .boolean)))
                    == [.bool(false), .bool(true), .null, .bool(false)])
        #expect(throws: Engine.EngineError.self) { try Self.call("<", Self.s, Self.a) }
    }

    @Test func threeValuedLogic() throws {
        let null = Self.constant(.null, .boolean), f = Self.constant(.bool(false), .boolean), t = Self.constant(.bool(true), .boolean)
        #expect(try Self.values(.and([null, f])).allSatisfy { $0 == .bool(false) })
        #expect(try Self.values(.and([null, t])).allSatisfy { $0 == .null })
        #expect(try Self.values(.or([null, t])).allSatisfy { $0 == .bool(true) })
        #expect(try Self.values(.or([null, f])).allSatisfy { $0 == .null })
        #expect(try Self.values(.not(null)).allSatisfy { $0 == .null })
        #expect(try Self.values(.and([Self.p, t])) == [.bool(true), .bool(false), .null, .bool(true)])
        #expect(try Self.values(.isNull(Self.s, negated: false)) == [.bool(false), .bool(false), .bool(true), .bool(false)])
    }

    @Test func caseOnlyEvaluatesTheRowsABranchDecides() throws {
        // CASE WHEN b = 0 THEN NULL ELSE a / b END: no division by zero on row 1.
        let e = BoundExpr.caseWhen(branches: [(try Self.call("=", Self.b, Self.constant(.int(0), .integer)), Self.constant(.null, .integer))],
                                   otherwise: try Self.call("/", Self.a, Self.b), type: .integer)
        #expect(try Self.values(e) == [.int(0), .null, .null, .int(3)])
    }

    @Test func inListIsThreeValued() throws {
        let list = [Self.constant(.int(1), .integer), Self.constant(.int(7), .integer)]
        #expect(try Self.values(.inList(Self.a, list, negated: false)) == [.bool(true), .bool(false), .null, .bool(true)])
        let withNull = list + [Self.constant(.null, .integer)]
        #expect(try Self.values(.inList(Self.a, withNull, negated: true)) == [.bool(false), .null, .null, .bool(false)])
    }

    @Test func stringFunctions() throws {
        #expect(try Self.values(try Self.call("||", Self.s, Self.constant(.string("!"), .varchar)))
                    == [.string("x!"), .string("Hello!"), .null, .string("!")])
        #expect(try Self.values(try Self.call("concat", Self.s, Self.constant(.string("!"), .varchar)))
                    == [.string("x!"), .string("Hello!"), .string("!"), .string("!")])
        #expect(try Self.values(try Self.call("upper", Self.s)) == [.string("X"), .string("HELLO"), .null, .string("")])
        #expect(try Self.values(try Self.call("length", Self.s)) == [.int(1), .int(5), .null, .int(0)])
        #expect(try Self.values(try Self.call("abs", Self.a)) == [.int(1), .int(2), .null, .int(7)])
    }

    @Test func casts() throws {
        #expect(try Cast.convert(.string(" 42 "), from: .varchar, to: .integer) == .int(42))
        #expect(try Cast.convert(.double(2.5), from: .double, to: .integer) == .int(3))
        #expect(try Cast.convert(.double(-2.5), from: .double, to: .integer) == .int(-3))
        #expect(try Cast.convert(.string("1992-02-29"), from: .varchar, to: .date) == .date(8094))
        #expect(try Cast.convert(.string("2008-01-01 00:00:01.5"), from: .varchar, to: .timestamp) == .timestamp(1_199_145_601_500_000))
        #expect(try Cast.convert(.timestamp(1_199_145_601_500_000), from: .timestamp, to: .varchar) == .string("2008-01-01 00:00:01.5"))
        #expect(try Cast.convert(.double(1e20), from: .double, to: .varchar) == .string("1e+20"))
        #expect(try Cast.convert(.decimal(-150, scale: 2), from: .decimal(precision: 5, scale: 2), to: .varchar) == .string("-1.50"))
        #expect(throws: Engine.EngineError.self) { try Cast.convert(.string("x"), from: .varchar, to: .integer) }
        #expect(throws: Engine.EngineError.self) { try Cast.convert(.int(300), from: .integer, to: .tinyint) }
        #expect(throws: Engine.EngineError.self) { try Cast.convert(.string("1992-02-30"), from: .varchar, to: .date) }
        let t = try Cast.cast(Self.column(.varchar, [.string("1"), .string("no")]), to: .integer, isTry: true)
        #expect(t.value(at: 0) == .int(1) && t.value(at: 1) == .null)
    }

    @Test func unknownFunctionsAndSignaturesAreBinderErrors() {
        #expect(throws: Engine.EngineError.self) { try Self.registry.resolve("nope", []) }
        #expect(throws: Engine.EngineError.self) { try Self.registry.resolve("upper", [.integer]) }
    }
}
