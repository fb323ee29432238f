import Columnar
import Testing

/// Columns of every layout built, read back, gathered, with nulls and constants.
@Suite("Columns")
struct ColumnTests {
    static let cases: [(DataType, [Value])] = [
        (.boolean, [.bool(true), .null, .bool(false)]),
        (.tinyint, [.int(-128), .int(127), .null]),
        (.smallint, [.int(-32768), .null, .int(1)]),
        (.integer, [.int(1), .int(-2), .int(Int64(Int32.max))]),
        (.bigint, [.int(.min), .null, .int(.max)]),
        (.hugeint, [.hugeint(Int128(Int64.max) * 4), .null, .hugeint(-1)]),
        (.float, [.float(1.5), .null, .float(-.infinity)]),
        (.double, [.double(0.1), .double(.nan), .null]),
        (.decimal(precision: 10, scale: 2), [.decimal(12345, scale: 2), .null]),
        (.decimal(precision: 38, scale: 10), [.decimal(Int128(Int64.max) * 1000, scale: 10)]),
        (.varchar, [.string("héllo"), .string(""), .null, .string("x")]),
        (.blob, [.blob([0, 255]), .blob([]), .null]),
        (.date, [.date(-1), .date(19000), .null]),
        (.time, [.time(86_399_999_999), .null]),
        (.timestamp, [.timestamp(1_700_000_000_000_000), .null]),
        (.interval, [.interval(Interval(months: 1, days: 2, micros: 3, nanosRemainder: 4)), .null]),
        (.uuid, [.uuid(UInt128(1) << 127 | 5), .null]),
        (.list(.integer), [.list([.int(1), .null, .int(3)]), .list([]), .null, .list([.int(4)])]),
        (.map(.varchar, .bigint), [.map(keys: [.string("a"), .string("b")], values: [.int(1), .null]), .null, .map(keys: [], values: [])]),
        (.structure([Field("a", .integer), Field("b", .varchar)]), [.structure([.int(1), .string("x")]), .null, .structure([.null, .string("y")])]),
        (.list(.list(.varchar)), [.list([.list([.string("a")]), .list([])]), .null]),
    ]

    @Test(arguments: 0..<cases.count)
    func buildAndReadBack(_ n: Int) {
        let (type, values) = Self.cases[n]
        var b = ColumnBuilder(type: type)
        for v in values { b.append(v) }
        let c = b.finish()
        #expect(c.count == values.count)
        #expect(c.nullCount == values.filter(\.isNull).count)
        for (i, v) in values.enumerated() {
            if case .double(let d) = v, d.isNaN {
                guard case .double(let got) = c.value(at: i) else { Issue.record("not a double"); continue }
                #expect(got.isNaN)
            } else {
                #expect(c.value(at: i) == v, "\(type) row \(i)")
            }
            #expect(c.isNull(i) == v.isNull)
        }
        // A gather in another order, with repeats.
        let order = Array((0..<values.count).reversed()) + [0]
        let t = c.take(order)
        #expect(t.count == order.count)
        for (j, i) in order.enumerated() where !(values[i] == .double(.nan)) {
            if case .double(let d) = values[i], d.isNaN { continue }
            #expect(t.value(at: j) == values[i])
        }
    }

    @Test func valuesOfTheWrongTypeBecomeNullNotGarbage() {
        var b = ColumnBuilder(type: .integer)
        b.append(.string("nope"))
        b.append(.int(7))
        let c = b.finish()
        #expect(c.value(at: 0) == .null && c.value(at: 1) == .int(7))
    }

    @Test func columnsWithoutNullsCarryNoBitmap() {
        var b = ColumnBuilder(type: .bigint)
        for i in 0..<100 { b.append(.int(Int64(i))) }
        let c = b.finish()
        #expect(c.validity == nil && c.nullCount == 0)
        guard case .int64(let a) = c.data else { Issue.record("not an int64 buffer"); return }
        #expect(a == (0..<100).map(Int64.init))
    }

    @Test func constantColumnsCostNothingPerRow() {
        let c = Column.constant(.string("x"), type: .varchar, count: 1_000_000)
        #expect(c.isConstant && c.count == 1_000_000 && c.value(at: 999_999) == .string("x"))
        #expect(c.withBytes(at: 5) { String(decoding: $0, as: UTF8.self) } == "x")
        // Materialized, a constant becomes a real buffer with the same values.
        let m = Column.constant(.int(7), type: .bigint, count: 3).materialized()
        #expect(!m.isConstant && m.value(at: 2) == .int(7))
        guard case .int64(let buffer) = m.data else { Issue.record("not an int64 buffer"); return }
        #expect(buffer == [7, 7, 7])
        let n = Column.constant(.null, type: .integer, count: 3)
        #expect(n.nullCount == 3 && n.isNull(2))
    }

    @Test func stringsAreOffsetsIntoOneBuffer() {
        var b = ColumnBuilder(type: .varchar)
        for s in ["ab", "", "cde"] { b.append(.string(s)) }
        let c = b.finish()
        guard case .bytes(let offsets, let bytes) = c.data else { Issue.record("not a bytes column"); return }
        #expect(offsets == [0, 2, 2, 5] && bytes == Array("abcde".utf8))
        #expect(c.withBytes(at: 2) { Array($0) } == Array("cde".utf8))
    }

    @Test func bitmaps() {
        var b = Bitmap(count: 130, allSet: true)
        #expect(b.setCount == 130 && b.allSet)
        b[64] = false
        b[129] = false
        #expect(b.setCount == 128 && !b[64] && b[65])
        var c = Bitmap(count: 0, allSet: false)
        for i in 0..<130 { c.append(i % 2 == 0) }
        #expect((b & c).setCount == 64)
    }

    @Test func batchesHoldColumnsOfOneLength() {
        var a = ColumnBuilder(type: .integer), s = ColumnBuilder(type: .varchar)
        a.append(.int(1)); a.append(.null)
        s.append(.string("x")); s.append(.string("y"))
        let batch = Batch(columns: [a.finish(), s.finish()], count: 2)
        #expect(batch.row(1) == [.null, .string("y")])
    }
}
