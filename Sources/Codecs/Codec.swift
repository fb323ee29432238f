import CLZ4
import CSnappy
import CZlib
import CZstd

/// The block compressors both formats use — Cassandra's SSTable chunks and Parquet's pages —
/// over bare buffers: each compresses into, or decompresses into, a buffer the caller reuses.
/// Framing that belongs to one format (Cassandra's LZ4 length prefix) stays with that format.
public enum Codec: Sendable, Hashable {
    /// A raw LZ4 block (no frame).
    case lz4Block
    /// Raw Snappy.
    case snappy
    /// Deflate in a zlib stream (RFC 1950).
    case zlib
    /// Deflate in a gzip member (RFC 1952).
    case gzip
    /// One Zstandard frame, at a compression level.
    case zstd(level: Int32)

    /// Compresses `input`, replacing `output`'s contents (its capacity is kept).
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let source = input.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
        switch self {
        case .lz4Block:
            let bound = Int(LZ4_compressBound(Int32(input.count)))
            resize(&output, bound)
            let n = output.withUnsafeMutableBytes { o in
                LZ4_compress_default(source.assumingMemoryBound(to: CChar.self), o.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     Int32(input.count), Int32(bound))
            }
            output.removeLast(output.count - Int(n))
        case .snappy:
            var len = snappy_max_compressed_length(input.count)
            resize(&output, len)
            _ = output.withUnsafeMutableBytes { o in
                snappy_compress(source.assumingMemoryBound(to: CChar.self), input.count, o.baseAddress!.assumingMemoryBound(to: CChar.self), &len)
            }
            output.removeLast(output.count - len)
        case .zlib:
            var len = compressBound(uLong(input.count))
            resize(&output, Int(len))
            _ = output.withUnsafeMutableBytes { o in
                CZlib.compress(o.baseAddress!.assumingMemoryBound(to: Bytef.self), &len, source.assumingMemoryBound(to: Bytef.self), uLong(input.count))
            }
            output.removeLast(output.count - Int(len))
        case .gzip:
            resize(&output, Int(compressBound(uLong(input.count))) + 32)
            var stream = z_stream()
            // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
            deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            let written = output.withUnsafeMutableBytes { o -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(o.count)
                deflate(&stream, Z_FINISH)
                return Int(stream.total_out)
            }
            deflateEnd(&stream)
            output.removeLast(output.count - written)
        case .zstd(let level):
            resize(&output, ZSTD_compressBound(input.count))
            let n = output.withUnsafeMutableBytes { o in ZSTD_compress(o.baseAddress!, o.count, source, input.count, level) }
            output.removeLast(output.count - n)
        }
    }

    /// Decompresses `input` into `output`, which must come out exactly `expected` bytes long.
    /// Returns nil on success, or what was wrong.
    public func decompress(_ input: UnsafeRawBufferPointer, expected: Int, into output: inout [UInt8]) -> String? {
        if output.count != expected { output = [UInt8](repeating: 0, count: expected) }
        if expected == 0 { return nil }
        guard let source = input.baseAddress else { return "an empty \(name) block for \(expected) bytes" }
        switch self {
        case .lz4Block:
            let n = output.withUnsafeMutableBytes { out -> Int32 in
                LZ4_decompress_safe(source.assumingMemoryBound(to: CChar.self), out.baseAddress!.assumingMemoryBound(to: CChar.self),
                                    Int32(input.count), Int32(expected))
            }
            guard n == Int32(expected) else { return "LZ4 block did not decode (result \(n))" }
        case .snappy:
            var outLen = expected
            let status = output.withUnsafeMutableBytes { out in
                snappy_uncompress(source.assumingMemoryBound(to: CChar.self), input.count, out.baseAddress!.assumingMemoryBound(to: CChar.self), &outLen)
            }
            guard status == SNAPPY_OK, outLen == expected else { return "Snappy block did not decode (status \(status.rawValue), \(outLen) bytes)" }
        case .zlib, .gzip:
            var stream = z_stream()
            inflateInit2_(&stream, self == .gzip ? 15 + 16 : 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            let (status, total) = output.withUnsafeMutableBytes { out -> (Int32, Int) in
                stream.next_in = UnsafeMutablePointer(mutating: source.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(out.count)
                let s = CZlib.inflate(&stream, Z_FINISH)
                return (s, Int(stream.total_out))
            }
            inflateEnd(&stream)
            guard status == Z_STREAM_END, total == expected else { return "\(name) block did not decode (zlib status \(status), \(total) bytes)" }
        case .zstd:
            let n = output.withUnsafeMutableBytes { out in ZSTD_decompress(out.baseAddress!, expected, source, input.count) }
            if ZSTD_isError(n) != 0 { return "Zstd block did not decode: \(String(cString: ZSTD_getErrorName(n)))" }
            guard n == expected else { return "Zstd block decoded to \(n) bytes, expected \(expected)" }
        }
        return nil
    }

    public var name: String {
        switch self {
        case .lz4Block: return "LZ4"
        case .snappy: return "Snappy"
        case .zlib: return "Deflate"
        case .gzip: return "Gzip"
        case .zstd: return "Zstd"
        }
    }
}

@inline(__always) private func resize(_ b: inout [UInt8], _ n: Int) {
    if b.count < n { b.append(contentsOf: repeatElement(0, count: n - b.count)) } else if b.count > n { b.removeLast(b.count - n) }
}

extension Codec {
    /// Inflates a deflate stream whose inflated size is not known (Avro's `deflate` codec:
    /// raw deflate, RFC 1951, when `raw`; else a zlib stream). Nil when the stream is corrupt
    /// or would inflate past `limit` bytes.
    public static func inflate(_ input: UnsafeRawBufferPointer, raw: Bool, limit: Int = 1 << 30) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, raw ? -15 : 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: max(1024, input.count * 4))
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            let produced = Int(stream.total_out)
            let status = out.withUnsafeMutableBytes { o -> Int32 in
                stream.next_out = o.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(o.count - produced)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            if status == Z_STREAM_END {
                out.removeLast(out.count - Int(stream.total_out))
                return out
            }
            guard status == Z_OK || status == Z_BUF_ERROR else { return nil }
            if stream.avail_out == 0 {
                guard out.count < limit else { return nil }
                out.append(contentsOf: repeatElement(0, count: out.count))
            } else if stream.avail_in == 0 {
                return nil // truncated
            }
        }
    }
}
