import Avro
import Columnar
@testable import Iceberg
import JSON
import Testing

/// Partition transforms against the values the Iceberg spec gives (its appendix B hashes) and
/// the edges where floor division and calendars go wrong.
struct PartitionTests {
    @Test func murmur3MatchesTheSpecsHashes() {
        #expect(Int32(bitPattern: Murmur3.hash(long: 34)) == 2_017_239_379)
        #expect(Int32(bitPattern: Murmur3.hash(Array("iceberg".utf8))) == 1_210_000_089)
        // decimal 14.20 (unscaled 1420, bytes 05 8c), date 2017-11-16 (17486), time 22:31:08,
        // timestamp 2017-11-16T22:31:08, a uuid, fixed 00 01 02 03 (appendix B).
        #expect(Int32(bitPattern: Murmur3.hash(Bounds.minimalTwosComplement(Int128(1420)))) == -500_754_589)
        #expect(Int32(bitPattern: Murmur3.hash(long: 17486)) == -653_330_422)
        #expect(Int32(bitPattern: Murmur3.hash(long: 81_068_000_000)) == -662_762_989)
        #expect(Int32(bitPattern: Murmur3.hash(long: 1_510_871_468_000_000)) == -2_047_944_441)
        let uuid: [UInt8] = [0xf7, 0x9c, 0x3e, 0x09, 0x67, 0x7c, 0x4b, 0xbd, 0xa4, 0x79, 0x3f, 0x34, 0x9c, 0xb7, 0x85, 0xe7]
        #expect(Int32(bitPattern: Murmur3.hash(uuid)) == 1_488_055_340)
        #expect(Int32(bitPattern: Murmur3.hash([0, 1, 2, 3])) == -188_683_207)
        // Every tail length.
        #expect(Murmur3.hash([]) == 0)
        #expect(Set((1...7).map { Murmur3.hash(Array(repeating: UInt8(7), count: $0)) }).count == 7)
    }

    func column(_ type: DataType, _ values: [Value]) -> Column {
        var b = ColumnBuilder(type: type)
        for v in values { b.append(v) }
        return b.finish()
    }

    @Test func bucketsOfEveryKind() {
        let ints = PartitionTransform.bucket(16).apply(column(.integer, [.int(34), .null]), source: .int)
        #expect(ints == [.long(Int64(2_017_239_379 % 16)), .null])
        let strings = PartitionTransform.bucket(16).apply(column(.varchar, [.string("iceberg")]), source: .string)
        #expect(strings == [.long(Int64(1_210_000_089 % 16))])
        // A negative hash is masked to 31 bits before the modulo.
        let dec = PartitionTransform.bucket(100).apply(column(.decimal(precision: 10, scale: 2), [.decimal(1420, scale: 2)]), source: .decimal(precision: 10, scale: 2))
        #expect(dec == [.long(Int64((Int32(-500_754_589) & Int32.max) % 100))])
    }

    @Test func timeTransformsFloorBeforeTheEpoch() {
        let micros: [Value] = [.timestamp(-1), .timestamp(0), .timestamp(1_709_186_400_000_000), .timestamp(-86_400_000_001)]
        let c = column(.timestamp, micros)
        #expect(PartitionTransform.day.apply(c, source: .timestamptz) == [.long(-1), .long(0), .long(19782), .long(-2)])
        let hour: Int64 = 19782 * 24 + 6, month: Int64 = 54 * 12 + 1
        #expect(PartitionTransform.hour.apply(c, source: .timestamptz) == [.long(-1), .long(0), .long(hour), .long(-25)])
        #expect(PartitionTransform.month.apply(c, source: .timestamptz) == [.long(-1), .long(0), .long(month), .long(-1)])
        #expect(PartitionTransform.year.apply(c, source: .timestamptz) == [.long(-1), .long(0), .long(54), .long(-1)])
        let dates = column(.date, [.date(-1), .date(19782), .date(-719_528)])
        let year0: Int64 = -1970 * 12
        #expect(PartitionTransform.month.apply(dates, source: .date) == [.long(-1), .long(month), .long(year0)])
        #expect(PartitionTransform.day.apply(dates, source: .date) == [.long(-1), .long(19782), .long(-719_528)])
        #expect(PartitionValue.long(-1).human(.date, .day) == "1969-12-31")
        #expect(PartitionValue.long(-1).human(.int, .month) == "1969-12")
        #expect(PartitionValue.long(hour).human(.int, .hour) == "2024-02-29-06")
        #expect(PartitionValue.long(54).human(.int, .year) == "2024")
    }

    @Test func truncateTakesTheFloorAndCodePoints() {
        #expect(PartitionTransform.truncate(10).apply(column(.bigint, [.int(-1), .int(0), .int(19), .int(-10)]), source: .long)
            == [.long(-10), .long(0), .long(10), .long(-10)])
        #expect(PartitionTransform.truncate(3).apply(column(.varchar, [.string("ünïcødé"), .string("ab")]), source: .string)
            == [.bytes(Array("ünï".utf8)), .bytes(Array("ab".utf8))])
        #expect(PartitionTransform.truncate(2).apply(column(.blob, [.blob([1, 2, 3])]), source: .binary) == [.bytes([1, 2])])
        #expect(PartitionTransform.truncate(50).apply(column(.decimal(precision: 10, scale: 2), [.decimal(-1, scale: 2), .decimal(1065, scale: 2)]),
                                                     source: .decimal(precision: 10, scale: 2)) == [.decimal(-50), .decimal(1050)])
    }

    @Test func specsAreCheckedAgainstTheSchema() throws {
        let schema = try IcebergSchema.fresh([Field("id", .bigint), Field("d", .date), Field("s", .varchar), Field("tags", .list(.varchar))])
        let spec = try PartitionSpec.build([("id", .bucket(8)), ("d", .month), ("s", .identity)], schema: schema)
        #expect(spec.fields.map(\.name) == ["id_bucket", "d_month", "s"])
        #expect(spec.fields.map(\.fieldId) == [1000, 1001, 1002])
        #expect(try PartitionSpec.parse(spec.json) == spec)
        #expect(throws: IcebergError.self) { try PartitionSpec.build([("d", .hour)], schema: schema) }
        #expect(throws: IcebergError.self) { try PartitionSpec.build([("tags", .identity)], schema: schema) }
        #expect(throws: IcebergError.self) { try PartitionSpec.build([("nope", .identity)], schema: schema) }
        #expect(throws: IcebergError.self) { try PartitionSpec.build([("s", .truncate(2)), ("s", .truncate(2))], schema: schema) }
        #expect(throws: IcebergError.self) { try PartitionSpec.build([("d", .day), ("d", .year)], schema: schema) }
        #expect(throws: IcebergError.self) { try PartitionTransform.parse("bucket[0]") }
        #expect(try PartitionTransform.parse("truncate[16]") == .truncate(16))
    }

    @Test func summariesSkipNullsAndNaNs() throws {
        let s = PartitionSummary.summaries([[.double(.nan), .long(3)], [.double(-0.0), .null], [.double(0.0), .long(-2)]], types: [.double, .int])
        guard case .union(1, .array(let fields)) = s, fields.count == 2 else { Issue.record("\(s)"); return }
        #expect(fields[0] == .record([.boolean(false), .union(1, .boolean(true)), .union(1, .bytes(Bounds.le((-0.0).bitPattern))), .union(1, .bytes(Bounds.le((0.0).bitPattern)))]))
        #expect(fields[1] == .record([.boolean(true), .union(1, .boolean(false)), .union(1, .bytes(Bounds.le(Int32(-2)))), .union(1, .bytes(Bounds.le(Int32(3))))]))
        #expect(quotePlus("ünï c/d") == "%C3%BCn%C3%AF+c%2Fd")
        #expect(PartitionAvro.decimalBytes(10) == 5)
        #expect(PartitionAvro.decimalBytes(9) == 4)
        #expect(PartitionAvro.decimalBytes(38) == 16)
    }
}
