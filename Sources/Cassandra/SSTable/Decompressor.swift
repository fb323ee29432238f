import Codecs

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
        switch self {
        case .lz4:
            // Cassandra's LZ4Compressor prefixes the raw block with its length, little-endian.
            guard input.count >= 4 else { return "LZ4 chunk shorter than its length prefix" }
            let declared = Int(input[0]) | Int(input[1]) << 8 | Int(input[2]) << 16 | Int(input[3]) << 24
            guard declared == expected else { return "LZ4 chunk declares \(declared) bytes, expected \(expected)" }
            return Codec.lz4Block.decompress(UnsafeRawBufferPointer(rebasing: input[4...]), expected: expected, into: &output)
        case .snappy: return Codec.snappy.decompress(input, expected: expected, into: &output)
        case .deflate: return Codec.zlib.decompress(input, expected: expected, into: &output)
        case .zstd: return Codec.zstd(level: 3).decompress(input, expected: expected, into: &output)
        }
    }
}
