import Columnar
@testable import Engine
import Testing

/// The exact decimal core: parsing, rescaling with rounding, comparison without overflow,
/// conversion to double with one rounding.
@Suite("Decimals")
struct DecimalTests {
    static func parse(_ text: String) -> [Int128]? {
        DecimalMath.parse(text).map { [$0.0, Int128($0.scale)] }
    }

    @Test func parsesTextExactly() throws {
        #expect(Self.parse("-12.340") == [-12340, 3])
        #expect(Self.parse("+.5") == [5, 1])
        #expect(Self.parse("0.05") == [5, 2])
        #expect(Self.parse("1.5E2") == [150, 0])
        #expect(Self.parse("1e-3") == [1, 3])
        #expect(Self.parse("  7 ") == [7, 0])
        // Past 38 digits, fraction digits round the last kept one; integer digits do not fit.
        let rounded: [Int128]? = [DecimalMath.powers[38], 38]
        #expect(Self.parse("0." + String(repeating: "9", count: 38) + "5") == rounded)
        #expect(Self.parse(String(repeating: "9", count: 39)) == nil)
        for bad in ["", ".", "-", "1.2.3", "1e", "abc", "1,5"] { #expect(Self.parse(bad) == nil, "\(bad)") }
    }

    @Test func rescalesRoundingHalfAwayFromZero() {
        #expect(DecimalMath.rescale(12345, from: 3, to: 2) == 1235)
        #expect(DecimalMath.rescale(-12345, from: 3, to: 2) == -1235)
        #expect(DecimalMath.rescale(12344, from: 3, to: 2) == 1234)
        #expect(DecimalMath.rescale(15, from: 1, to: 0) == 2)
        #expect(DecimalMath.rescale(5, from: 0, to: 3) == 5000)
        #expect(DecimalMath.rescale(Int128.max / 10, from: 0, to: 2) == nil)
        #expect(DecimalMath.rescale(7, from: 0, to: 40) == nil)
        #expect(DecimalMath.rescale(0, from: 0, to: 40) == 0)
        #expect(DecimalMath.rescale(7, from: 45, to: 0) == 0)
    }

    @Test func comparesAcrossScalesWithoutOverflow() {
        #expect(DecimalMath.compare(150, 2, 15, 1) == 0)
        #expect(DecimalMath.compare(-1, 0, 1, 38) == -1)
        // 10^37 at scale 0 against 10^37 - 1 at scale 37 (≈ 1): rescaling would overflow.
        let big = DecimalMath.powers[37]
        #expect(DecimalMath.compare(big, 0, big - 1, 37) == 1)
        #expect(DecimalMath.compare(big - 1, 37, big, 0) == -1)
        #expect(DecimalMath.compare(DecimalMath.powers[37] + 5, 37, DecimalMath.powers[37] + 4, 37) == 1)
    }

    @Test func convertsToTheNearestDouble() {
        #expect(DecimalMath.toDouble(2855, scale: 4) == 0.2855)
        #expect(DecimalMath.toDouble(-1, scale: 1) == -0.1)
        // Two roundings (to double, then the division) would give 1e20 - something else.
        #expect(DecimalMath.toDouble(9_999_999_999_999_999_999_999_999, scale: 5) == 99999999999999999999.99999)
        #expect(DecimalMath.toDouble(DecimalMath.powers[38] - 1, scale: 0) == 1e38)
    }

    @Test func resultTypesFollowDuckDB() {
        let d52 = DataType.decimal(precision: 5, scale: 2), d101 = DataType.decimal(precision: 10, scale: 1)
        #expect(DecimalMath.resultType("+", d52, d101) == .decimal(precision: 12, scale: 2))
        #expect(DecimalMath.resultType("*", d52, d101) == .decimal(precision: 15, scale: 3))
        #expect(DecimalMath.resultType("*", d52, .integer) == .decimal(precision: 15, scale: 2))
        #expect(DecimalMath.resultType("/", d52, d101) == nil)
        #expect(DecimalMath.supertype(d52, .bigint) == .decimal(precision: 21, scale: 2))
        #expect(DecimalMath.supertype(.decimal(precision: 38, scale: 10), .hugeint) == .decimal(precision: 38, scale: 10))
    }

    @Test func columnsOfBothWidthsComputeAlike() throws {
        let session = Session()
        _ = try session.execute("CREATE TABLE d AS SELECT CAST(x AS DECIMAL(9,2)) AS narrow, CAST(x AS DECIMAL(30,2)) AS wide FROM range(-5000, 5000) t(x)")
        guard case .rows(_, let b) = try session.execute("SELECT sum(narrow * 1.5 + 0.25), sum(wide * 1.5 + 0.25), count(*) FROM d WHERE narrow = wide AND narrow - 0.5 < wide").last! else { return }
        #expect(b[0].row(0) == [.decimal(-5_000_000, scale: 3), .decimal(-5_000_000, scale: 3), .int(10000)])
    }
}
