@testable import Cassandra
import JSON
import Testing

/// JSON values → Cassandra bytes: the inverse of ValueDecoder + ValueJSON for every type family.
struct ValueEncoderTests {
    static let address = UserTypeDefinition(keyspace: "ks", name: "address", fieldNames: ["street", "zip"], fieldTypes: [.text, .int])

    static let cases: [(CQLType, String)] = [
        (.text, #""héllo \"q\"""#), (.ascii, #""abc""#), (.blob, #""0x00ff10""#), (.blob, #""0x""#), (.boolean, "true"),
        (.tinyint, "-128"), (.smallint, "32767"), (.int, "-2147483648"), (.bigint, "9223372036854775807"), (.counter, "-5"),
        (.varint, "0"), (.varint, "127"), (.varint, "128"), (.varint, "-128"), (.varint, "-129"),
        (.varint, "123456789012345678901234567890"), (.varint, "-123456789012345678901234567890"),
        (.decimal, #""12.340""#), (.decimal, #""-0.001""#), (.decimal, #""100""#), (.float, "1.5"), (.double, "-0.25"),
        (.double, #""NaN""#), (.float, #""-Infinity""#), (.uuid, #""5d9e8f40-a0b1-11ee-b9d3-a1b2c3d4e5f6""#),
        (.timeuuid, #""5d9e8f40-a0b1-11ee-b9d3-a1b2c3d4e5f6""#), (.timestamp, #""2026-11-30T12:00:00.123Z""#),
        (.timestamp, #""1969-12-31T23:59:59.500Z""#), (.date, #""2026-02-28""#), (.date, #""1900-01-01""#),
        (.time, #""23:59:59.123456789""#), (.duration, #"{"months":1,"days":-0,"nanoseconds":5}"#),
        (.duration, #"{"months":-1,"days":-2,"nanoseconds":-3}"#), (.inet, #""10.0.0.1""#), (.inet, #""2001:db8::1""#),
        (.inet, #""::ffff:102:304""#), (.set(.int, frozen: true), "[1,2,3]"), (.list(.text, frozen: true), #"["b","a",null]"#),
        (.map(.text, .int, frozen: true), #"[["a",1],["b",null]]"#), (.tuple([.int, .text]), #"[1,"x"]"#),
        (.tuple([.int, .text]), "[null,null]"), (.udt(address, frozen: true), #"{"street":"Main","zip":12345}"#),
        (.vector(.float, dimension: 3), "[1.0,2.5,-3.0]"), (.vector(.text, dimension: 2), #"["a","bc"]"#),
        (.list(.set(.int, frozen: true), frozen: true), "[[1],[2,3]]"),
    ]

    static func canonical(_ text: String) throws -> String { try JSONParser.parse(text).text }

    @Test func roundTripsThroughTheDecoder() throws {
        for (type, text) in Self.cases {
            let bytes = try ValueEncoder.encode(try JSONParser.parse(text), as: type)
            let back = ValueJSON.render(try ValueDecoder.decode(bytes, as: type))
            var expected = try Self.canonical(text)
            if case .duration = type { expected = expected.replacingOccurrences("-0", "0") }
            #expect(try Self.canonical(back) == expected, "\(type.cql) \(text)")
        }
    }

    @Test func knownBytes() throws {
        func enc(_ t: CQLType, _ s: String) throws -> [UInt8] { try ValueEncoder.encode(try JSONParser.parse(s), as: t) }
        #expect(try enc(.varint, "128") == [0x00, 0x80])
        #expect(try enc(.varint, "-129") == [0xFF, 0x7F])
        #expect(try enc(.varint, "-256") == [0xFF, 0x00])
        #expect(try enc(.decimal, #""12.340""#) == [0, 0, 0, 3, 0x30, 0x34])
        #expect(try enc(.decimal, #""1E+3""#) == [0xFF, 0xFF, 0xFF, 0xFD, 1])
        #expect(try enc(.date, #""1970-01-01""#) == [0x80, 0, 0, 0])
        // Frozen sets and maps are written in the element type's order.
        #expect(try enc(.set(.int, frozen: true), "[3,1]") == [0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 3])
        #expect(try ValueEncoder.compositeKey([[1], [2, 3]]) == [0, 1, 1, 0, 0, 2, 2, 3, 0])
    }

    @Test func badValuesAreNamed() throws {
        for (type, text) in [(CQLType.int, "2147483648"), (.tinyint, "1.5"), (.uuid, #""nope""#), (.timeuuid, #""5d9e8f40-a0b1-41ee-b9d3-a1b2c3d4e5f6""#),
                             (.date, #""2026-13-01""#), (.inet, #""1.2.3""#), (.inet, #""1::2::3""#), (.ascii, #""é""#),
                             (.map(.int, .int, frozen: true), "[[1,1],[1,2]]"), (.udt(Self.address, frozen: true), #"{"city":"x"}"#),
                             (.vector(.int, dimension: 2), "[1]"), (.text, "null"), (.set(.int, frozen: true), "[null]")] {
            do {
                _ = try ValueEncoder.encode(try JSONParser.parse(text), as: type)
                Issue.record("no error for \(type.cql) \(text)")
            } catch let e as ValueEncoder.EncodeError {
                #expect(e.message.contains(type.cql), "\(e)")
            }
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: a) { out += rest[..<r.lowerBound] + b; rest = rest[r.upperBound...] }
        return out + rest
    }
}
