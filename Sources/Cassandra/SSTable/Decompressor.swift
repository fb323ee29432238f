import CLZ4
import CSnappy
import CZlib
import CZstd

/// The four chunk codecs Cassandra ships, each writing straight into a reused buffer.
enum Decompressor {
    case lz4, snappy, deflate, zstd

    init?(compressorClass: String) {
        switch compressorClass.split(separator: ".").last.map(String.init) ?? compressorClass {
        case "LZ4Compressor": self = .lz4
        case "SnappyCompressor": self = .snappy
        case "DeflateCompressor": self = .deflate
        case "ZstdCompressor": self = .zstd
        default: return nil
        }
    }

    /// Decompresses `input` (one chunk, without its CRC) into `output`, whose count is set to
    /// the decompressed length. `expected` is the length the chunk must have.
    /// Returns nil on success or a message saying what was wrong.
    func decompress(_ input: UnsafeRawBufferPointer, expected: Int, into output: inout [UInt8]) -> String? {
        if output.count != expected { output = [UInt8](repeating: 0, count: expected) }
        switch self {
        case .lz4:
            // Cassandra's LZ4Compressor prefixes the raw block with its length, little-endian.
            guard input.count >= 4 else { return "LZ4 chunk shorter than its length prefix" }
            let declared = Int(input[0]) | Int(input[1]) << 8 | Int(input[2]) << 16 | Int(input[3]) << 24
            guard declared == expected else { return "LZ4 chunk declares \(declared) bytes, expected \(expected)" }
            let n = output.withUnsafeMutableBytes { out -> Int32 in
                LZ4_decompress_safe(input.baseAddress!.advanced(by: 4).assumingMemoryBound(to: CChar.self),
                                    out.baseAddress!.assumingMemoryBound(to: CChar.self),
                                    Int32(input.count - 4), Int32(expected))
            }
            guard n == Int32(expected) else { return "LZ4 block did not decode (result \(n))" }
        case .snappy:
            var outLen = expected
            let status = output.withUnsafeMutableBytes { out in
                snappy_uncompress(input.baseAddress!.assumingMemoryBound(to: CChar.self), input.count,
                                  out.baseAddress!.assumingMemoryBound(to: CChar.self), &outLen)
            }
            guard status == SNAPPY_OK, outLen == expected else { return "Snappy chunk did not decode (status \(status.rawValue), \(outLen) bytes)" }
        case .deflate:
            var outLen = uLongf(expected)
            let status = output.withUnsafeMutableBytes { out in
                uncompress(out.baseAddress!.assumingMemoryBound(to: Bytef.self), &outLen,
                           input.baseAddress!.assumingMemoryBound(to: Bytef.self), uLong(input.count))
            }
            guard status == Z_OK, outLen == uLongf(expected) else { return "Deflate chunk did not decode (zlib status \(status), \(outLen) bytes)" }
        case .zstd:
            let n = output.withUnsafeMutableBytes { out in
                ZSTD_decompress(out.baseAddress!, expected, input.baseAddress!, input.count)
            }
            if ZSTD_isError(n) != 0 {
                return "Zstd chunk did not decode: \(String(cString: ZSTD_getErrorName(n)))"
            }
            guard n == expected else { return "Zstd chunk decoded to \(n) bytes, expected \(expected)" }
        }
        return nil
    }
}
