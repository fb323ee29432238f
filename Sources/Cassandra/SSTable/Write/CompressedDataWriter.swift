import Codecs

/// Writes a compressed Data.db and its CompressionInfo.db from uncompressed Data.db bytes:
/// fixed-size chunks, each compressed and followed by the CRC32 of the stored bytes. From
/// `na` on, a chunk that does not shrink below `maxCompressedLength` is stored raw.
/// Follows `CompressedSequentialWriter` and `CompressionMetadata.Writer`.
public enum CompressedDataWriter {
    public enum Codec: String, Sendable, CaseIterable {
        case lz4 = "LZ4Compressor", snappy = "SnappyCompressor", deflate = "DeflateCompressor", zstd = "ZstdCompressor"

        var className: String { "org.apache.cassandra.io.compress." + rawValue }
    }

    public struct Output {
        public var data: [UInt8]
        public var compressionInfo: [UInt8]
    }

    public static func compress(_ input: [UInt8], codec: Codec, chunkLength: Int = 64 * 1024, version: FormatVersion) -> Output {
        var data: [UInt8] = []
        var offsets: [Int64] = []
        var scratch: [UInt8] = []
        // With the default min_compress_ratio of 0 every chunk is stored compressed, and na+
        // files record Int32.max as the bound (as the fixtures show).
        let maxCompressed = Int32.max
        var start = 0
        while start < input.count {
            let end = min(input.count, start + chunkLength)
            offsets.append(Int64(data.count))
            input.withUnsafeBytes { all in
                compressChunk(UnsafeRawBufferPointer(rebasing: all[start..<end]), codec: codec, into: &scratch)
            }
            data.append(contentsOf: scratch)
            let crc = CRC32.checksum(scratch)
            for shift in stride(from: 24, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
            start = end
        }
        var info = ByteOutput()
        info.writeUTF(codec.className)
        info.writeInt32(0)
        info.writeInt32(Int32(chunkLength))
        if version.hasMaxCompressedLength { info.writeInt32(maxCompressed) }
        info.writeInt64(Int64(input.count))
        info.writeInt32(Int32(offsets.count))
        for o in offsets { info.writeInt64(o) }
        return Output(data: data, compressionInfo: info.bytes)
    }

    static func compressChunk(_ input: UnsafeRawBufferPointer, codec: Codec, into out: inout [UInt8]) {
        switch codec {
        case .lz4:
            // Cassandra's LZ4Compressor: little-endian uncompressed length, then a raw block.
            var block: [UInt8] = []
            Codecs.Codec.lz4Block.compress(input, into: &block)
            out.removeAll(keepingCapacity: true)
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: input.count >> (8 * i))) }
            out.append(contentsOf: block)
        case .snappy: Codecs.Codec.snappy.compress(input, into: &out)
        case .deflate: Codecs.Codec.zlib.compress(input, into: &out)
        case .zstd: Codecs.Codec.zstd(level: 3).compress(input, into: &out)
        }
    }
}

/// A big-endian writer, the counterpart of `ByteInput`.
public struct ByteOutput {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }
    public mutating func writeInt16(_ v: Int16) { write(UInt16(bitPattern: v)) }
    public mutating func writeInt32(_ v: Int32) { write(UInt32(bitPattern: v)) }
    public mutating func writeInt64(_ v: Int64) { write(UInt64(bitPattern: v)) }
    public mutating func write<T: FixedWidthInteger & UnsignedInteger>(_ v: T) {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> T(shift))) }
    }
    public mutating func writeBytes(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func writeBytes(_ b: ArraySlice<UInt8>) { bytes.append(contentsOf: b) }

    /// Empties the buffer, keeping its capacity for what comes next.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func writeUTF(_ s: String) {
        let u = Array(s.utf8)
        write(UInt16(u.count))
        bytes.append(contentsOf: u)
    }

    /// Cassandra's unsigned vint.
    public mutating func writeUnsignedVInt(_ v: UInt64) {
        if v < 0x80 { bytes.append(UInt8(v)); return }
        var size = 9
        for n in 2...8 where v < (1 << UInt64(7 * n)) { size = n; break }
        let extra = size - 1
        var out = [UInt8](repeating: 0, count: size)
        var x = v
        for i in stride(from: size - 1, through: size == 9 ? 1 : 0, by: -1) {
            out[i] = UInt8(truncatingIfNeeded: x)
            x >>= 8
        }
        out[0] |= UInt8(truncatingIfNeeded: 0xFF << (8 - extra))
        bytes.append(contentsOf: out)
    }
}
