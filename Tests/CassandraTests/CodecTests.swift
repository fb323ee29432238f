@testable import Cassandra
import Digests
import CLZ4
import CSnappy
import CZlib
import CZstd
import Testing

/// The byte-level codecs: vints, hashes, the value encodings of every type, decimal text,
/// the chunk decompressors.
@Suite("Codecs")
struct CodecTests {
    @Test(arguments: [
        ([0x00], UInt64(0)), ([0x7f], 127), ([0x80, 0x80], 128), ([0xbf, 0xff], 16383), ([0xc0, 0x40, 0x00], 16384),
        ([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], UInt64.max),
        ([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], (1 << 56) - 1),
    ] as [([UInt8], UInt64)])
    func unsignedVInt(_ bytes: [UInt8], _ value: UInt64) throws {
        let input = ByteInput(path: "t", bytes: bytes)
        #expect(try input.readUnsignedVInt() == value)
        #expect(input.isAtEnd)
    }

    @Test func signedVIntIsZigZag() throws {
        let input = ByteInput(path: "t", bytes: [0x00, 0x01, 0x02, 0x03])
        #expect(try [input.readVInt(), input.readVInt(), input.readVInt(), input.readVInt()] == [0, -1, 1, -2])
    }

    @Test func truncatedReadsNameTheOffset() throws {
        let input = ByteInput(path: "x-Data.db", bytes: [0xc0, 0x01])
        #expect(throws: SSTableError(.truncated, file: "x-Data.db", offset: 2, "needed 1 more bytes past the end of the data (2 bytes)")) {
            _ = try input.readUnsignedVInt()
        }
    }

    @Test func murmur3TokensOfIntKeysAreCassandras() {
        // SELECT token(pk) for int keys 1..5 (also the on-disk order of scylla/mc/simple).
        let tokens = (1...5).map { Murmur3.token(CQLLiteral.bigEndian(Int32($0))) }
        #expect(tokens == [-4_069_959_284_402_364_209, -3_248_873_570_005_575_792, 9_010_454_139_840_013_625,
                           -2_729_420_104_000_364_805, -7_509_452_495_886_106_294])
    }

    @Test func murmur3SignExtendsTailBytes() {
        // Values from scripts/make_demo_sstables.py, an independent implementation. With the
        // reference MurmurHash3 (tail bytes zero-extended) the first two would be
        // 7017059463262962058 and -8231416758681131958.
        #expect(Murmur3.token([0x80]) == -5_284_281_814_142_962_636)
        #expect(Murmur3.token(Array("0123456789abcdef".utf8) + [0xfe, 0x01]) == 6_670_165_625_312_269_835)
        #expect(Murmur3.token(Array("привет".utf8)) == 7_587_623_345_598_067_263)
        #expect(Murmur3.token(Array("0123456789abcdef".utf8)) == 5_467_490_433_528_156_583)
        // The empty key is the partitioner's minimum token.
        #expect(Murmur3.token([]) == .min)
    }

    @Test func md5KnownAnswers() {
        #expect(ValueJSON.hexString(Digest.md5([])) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(ValueJSON.hexString(Digest.md5(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(ValueJSON.hexString(Digest.md5(Array(String(repeating: "a", count: 1000).utf8))) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }

    @Test func randomPartitionerTokenIsTheAbsoluteMD5() {
        // MD5("abc") = 0x9001… is negative as a signed 128-bit integer: the token is its negation.
        guard case .random(let mag) = Partitioner.random.token(Array("abc".utf8)) else { Issue.record("not a random token"); return }
        #expect(ValueJSON.hexString(mag) == "6ffeaf67c32db04f2969c082d71e808e")
    }

    @Test(arguments: [
        (CQLType.int, [0x80, 0, 0, 0], "-2147483648"), (.bigint, [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "9223372036854775807"),
        (.smallint, [0xff, 0xfe], "-2"), (.tinyint, [0x80], "-128"), (.boolean, [1], "true"),
        (.float, [0x40, 0x49, 0x0f, 0xdb], "3.1415927"), (.double, [0xbf, 0xf0, 0, 0, 0, 0, 0, 0], "-1.0"),
        (.double, [0xff, 0xf0, 0, 0, 0, 0, 0, 0], #""-Infinity""#),
        (.text, Array("привет".utf8), "\"привет\""), (.ascii, Array("a\"b".utf8), "\"a\\\"b\""), (.blob, [0xde, 0xad], "\"0xdead\""),
        (.uuid, [0x01, 0x23, 0x45, 0x67, 0x01, 0x23, 0x01, 0x23, 0x01, 0x23, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab], "\"01234567-0123-0123-0123-0123456789ab\""),
        (.timestamp, [0, 0, 1, 77, 14, 208, 125, 154], "\"2015-05-01T09:30:54.234Z\""),
        (.timestamp, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "\"1969-12-31T23:59:59.999Z\""),
        (.date, [128, 0, 67, 139], "\"2017-05-05\""), (.date, [0x7f, 0xff, 0xff, 0xff], "\"1969-12-31\""),
        (.time, [0, 0, 64, 171, 113, 161, 148, 128], "\"19:45:05.090000000\""),
        (.inet, [192, 168, 0, 110], "\"192.168.0.110\""),
        (.inet, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "\"2001:db8::1\""),
        (.varint, [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], "18446744073709551616"), (.varint, [0xff], "-1"),
        (.varint, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "-18446744073709551617"),
        (.decimal, [0, 0, 0, 2, 0x30, 0x39], "\"123.45\""), (.decimal, [0xff, 0xff, 0xff, 0xfd, 0x30, 0x39], "\"1.2345E+7\""),
        (.decimal, [0, 0, 0, 10, 1], "\"1E-10\""), (.decimal, [0, 0, 0, 2, 0], "\"0.00\""), (.decimal, [0, 0, 0, 3, 0xff], "\"-0.001\""),
        (.duration, [0x02, 0x04, 248, 83, 209, 172, 16, 0], "{\"months\": 1, \"days\": 2, \"nanoseconds\": 180000000000}"),
        (.list(.int, frozen: true), [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff], "[1, null]"),
        (.map(.text, .int, frozen: true), [0, 0, 0, 1, 0, 0, 0, 1, 0x61, 0, 0, 0, 4, 0, 0, 0, 9], "[[\"a\", 9]]"),
        (.tuple([.int, .text]), [0, 0, 0, 4, 0, 0, 0, 7], "[7, null]"),
        (.vector(.float, dimension: 2), [0x3f, 0x80, 0, 0, 0x40, 0, 0, 0], "[1.0, 2.0]"),
    ] as [(CQLType, [UInt8], String)])
    func valueDecodesToFixtureJSON(_ type: CQLType, _ bytes: [UInt8], _ json: String) throws {
        #expect(ValueJSON.render(try ValueDecoder.decode(bytes, as: type)) == json)
    }

    @Test func udtsDecodeToObjects() throws {
        let t = CQLType.udt(UserTypeDefinition(keyspace: "ks", name: "ut", fieldNames: ["a", "b"], fieldTypes: [.int, .text]), frozen: true)
        #expect(ValueJSON.render(try ValueDecoder.decode([0, 0, 0, 4, 0, 0, 0, 5], as: t)) == "{\"a\": 5, \"b\": null}")
    }

    @Test func malformedValuesAreErrorsNotCrashes() {
        #expect(throws: ValueDecoder.DecodeError.self) { try ValueDecoder.decode([1, 2, 3], as: .int) }
        #expect(throws: ValueDecoder.DecodeError.self) { try ValueDecoder.decode([0, 0, 0, 9, 0], as: .list(.int, frozen: true)) }
        #expect(throws: ValueDecoder.DecodeError.self) { try ValueDecoder.decode([0x80], as: .duration) }
        #expect(throws: ValueDecoder.DecodeError.self) { try ValueDecoder.decode([1, 2, 3], as: .inet) }
    }

    static func compressWithLibraries(_ input: [UInt8]) -> [(Decompressor, [UInt8])] {
        var out: [(Decompressor, [UInt8])] = []
        var lz4 = [UInt8](repeating: 0, count: Int(LZ4_compressBound(Int32(input.count))) + 4)
        let n = input.withUnsafeBytes { i in lz4.withUnsafeMutableBytes { o in
            LZ4_compress_default(i.baseAddress!.assumingMemoryBound(to: CChar.self), o.baseAddress!.advanced(by: 4).assumingMemoryBound(to: CChar.self),
                                 Int32(input.count), Int32(o.count - 4))
        } }
        lz4 = Array(lz4.prefix(Int(n) + 4))
        lz4[0] = UInt8(input.count & 0xff); lz4[1] = UInt8(input.count >> 8 & 0xff); lz4[2] = UInt8(input.count >> 16 & 0xff); lz4[3] = UInt8(input.count >> 24)
        out.append((.lz4, lz4))
        var snappyLen = snappy_max_compressed_length(input.count)
        var snappy = [UInt8](repeating: 0, count: snappyLen)
        _ = input.withUnsafeBytes { i in snappy.withUnsafeMutableBytes { o in
            snappy_compress(i.baseAddress!.assumingMemoryBound(to: CChar.self), input.count, o.baseAddress!.assumingMemoryBound(to: CChar.self), &snappyLen)
        } }
        out.append((.snappy, Array(snappy.prefix(snappyLen))))
        var zLen = compressBound(uLong(input.count))
        var z = [UInt8](repeating: 0, count: Int(zLen))
        _ = input.withUnsafeBytes { i in z.withUnsafeMutableBytes { o in
            compress(o.baseAddress!.assumingMemoryBound(to: Bytef.self), &zLen, i.baseAddress!.assumingMemoryBound(to: Bytef.self), uLong(input.count))
        } }
        out.append((.deflate, Array(z.prefix(Int(zLen)))))
        var zs = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let zn = input.withUnsafeBytes { i in zs.withUnsafeMutableBytes { o in ZSTD_compress(o.baseAddress!, o.count, i.baseAddress!, i.count, 3) } }
        out.append((.zstd, Array(zs.prefix(zn))))
        return out
    }

    @Test func decompressorsRoundTripAndRejectDamage() {
        let input = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) }
        for (codec, compressed) in Self.compressWithLibraries(input) {
            var out: [UInt8] = []
            let ok = compressed.withUnsafeBytes { codec.decompress($0, expected: input.count, into: &out) }
            #expect(ok == nil, "\(codec)")
            #expect(out == input, "\(codec)")
            // A chunk that decodes to the wrong length is an error, not a silent short read.
            let short = compressed.withUnsafeBytes { codec.decompress($0, expected: input.count + 1, into: &out) }
            #expect(short != nil, "\(codec)")
            let cut = Array(compressed.prefix(compressed.count / 2))
            #expect(cut.withUnsafeBytes { codec.decompress($0, expected: input.count, into: &out) } != nil, "\(codec)")
        }
    }

    @Test func iso8601ReferenceTimes() {
        #expect(ISO8601.parseSeconds("1970-01-01T00:00:00Z") == 0)
        #expect(ISO8601.parseSeconds("2026-11-30T00:00:00Z") == 1_795_996_800)
        #expect(ISO8601.parseSeconds("2026-11-30") == ISO8601.parseSeconds("2026-11-30T00:00Z"))
        #expect(ISO8601.parseSeconds("2015-09-22T00:00:00Z") == SerializationHeader.deletionTimeEpoch)
        #expect(ISO8601.parseSeconds("2015-09-22T02:00:00+02:00") == SerializationHeader.deletionTimeEpoch)
        #expect(ISO8601.parseSeconds("2015-09-22T00:00:00.999Z") == SerializationHeader.deletionTimeEpoch)
        #expect(ISO8601.parseSeconds("2015-13-22") == nil)
        #expect(ISO8601.parseSeconds("yesterday") == nil)
    }
}
