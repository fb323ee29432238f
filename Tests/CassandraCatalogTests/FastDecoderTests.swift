@testable import CassandraCatalog
import Testing

/// The direct decoders take exactly the bytes the general path would keep unchanged.
struct FastDecoderTests {
    @Test func utf8ValidationAgreesWithSwiftStrings() {
        func swiftKeeps(_ b: [UInt8]) -> Bool { Array(String(decoding: b, as: UTF8.self).utf8) == b }
        func fast(_ b: [UInt8]) -> Bool { b.withUnsafeBytes { BackupScanStream.FastDecoder.isValidUTF8($0) } }
        let cases: [[UInt8]] = [[], [0x41], [0xC3, 0xA9], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0xA0, 0x80],
                                [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
                                [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xC3], [0xE6, 0x97],
                                [0x80], [0xFF], Array("naïve 日本 ζήτα 🎉".utf8)]
        for c in cases { #expect(fast(c) == swiftKeeps(c), "\(c)") }
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<200_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            let n = Int(x % 6)
            // Bytes biased towards lead and continuation bytes, where the rules are.
            let b = (0..<n).map { k -> UInt8 in
                let r = UInt8(truncatingIfNeeded: x >> (8 * UInt64(k + 1)))
                return r < 0x40 ? r : r | 0x80
            }
            #expect(fast(b) == swiftKeeps(b), "\(b)")
        }
    }
}
