import Columnar
@testable import Engine
import SQL
import Testing

/// Interval text and calendar arithmetic (the SQL side is Tests/sql/interval.slt).
@Suite("Intervals")
struct IntervalTests {
    @Test func parsesEveryWrittenForm() throws {
        #expect(IntervalMath.parse("3 days") == Interval(days: 3))
        #expect(IntervalMath.parse("3days") == Interval(days: 3))
        #expect(IntervalMath.parse("1 year -2 months") == Interval(months: 10))
        #expect(IntervalMath.parse("-01:30") == Interval(micros: -5_400_000_000))
        #expect(IntervalMath.parse("2 days ago") == Interval(days: -2))
        #expect(IntervalMath.parse("1.5 months") == Interval(months: 1, days: 15))
        #expect(IntervalMath.parse("500 ms 250 us") == Interval(micros: 500_250))
        for bad in ["", "3", "days", "3 fortnights", "1:2:3:4", "x days"] { #expect(IntervalMath.parse(bad) == nil, "\(bad)") }
    }

    @Test func rendersAsDuckDBIncludingCassandraNanoseconds() {
        #expect(IntervalMath.render(Interval(months: -14, days: 1)) == "-1 year -2 months 1 day")
        #expect(IntervalMath.render(Interval(micros: 1_500_000, nanosRemainder: 250)) == "00:00:01.50000025")
        #expect(IntervalMath.render(Interval(micros: -1)) == "-00:00:00.000001")
    }

    @Test func addsMonthsClampingToTheMonthsEnd() throws {
        let jan31 = Int64(DateText.days(2023, 1, 31)) * IntervalMath.microsPerDay
        #expect(try IntervalMath.add(jan31, Interval(months: 1)) == Int64(DateText.days(2023, 2, 28)) * IntervalMath.microsPerDay)
        #expect(try IntervalMath.add(jan31, Interval(months: -2)) == Int64(DateText.days(2022, 11, 30)) * IntervalMath.microsPerDay)
        #expect(try IntervalMath.add(jan31, Interval(months: 13, days: 1, micros: 1)) == Int64(DateText.days(2024, 3, 1)) * IntervalMath.microsPerDay + 1)
        #expect(throws: SQLError.self) { try IntervalMath.add(.max - 10, Interval(micros: 100)) }
    }
}
