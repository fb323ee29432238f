/// The `value_metadata` blob of Key-Value items (data-models.md §1.7, PROPOSED): a protobuf
/// message with fixed field numbers, written by the generator and read by the KV connector.
/// Absent or empty means a plain inline value.
public struct KVValueMetadata: Sendable, Equatable {
    public enum Codec: UInt64, Sendable {
        case none = 0, lz4 = 1, zstd = 2, snappy = 3, gzip = 4
        public var name: String {
            switch self {
            case .none: return "NONE"
            case .lz4: return "LZ4"
            case .zstd: return "ZSTD"
            case .snappy: return "SNAPPY"
            case .gzip: return "GZIP"
            }
        }
    }

    public var codec: Codec = .none
    public var uncompressedLength: UInt64 = 0
    /// 0: the value is inline; otherwise it lives in `<table>_chunk`.
    public var chunkCount: UInt32 = 0
    public var chunkSize: UInt32 = 0
    /// Stored (post-compression) length across chunks.
    public var totalLength: UInt64 = 0
    /// The idempotency token (uuid bytes) of the commit that owns the chunks.
    public var version: [UInt8] = []
    /// CRC-32C over the stored bytes (post-compression, pre-chunking).
    public var checksum: UInt32 = 0
    /// Item-level delete marker (TTL-with-jitter deletes).
    public var expired = false
    public var userMetadata: [UInt8] = []

    public init() {}

    /// A value compressed client-side (LZ4 framed as Cassandra's LZ4Compressor frames a chunk,
    /// Zstd as a frame, Snappy raw) and the metadata that says so: codec, lengths, CRC-32C of
    /// the stored bytes. The generator writes no GZIP values.
    public static func compress(_ value: [UInt8], codec: Codec) -> (stored: [UInt8], metadata: KVValueMetadata) {
        let cassandraCodec: CompressedDataWriter.Codec
        switch codec {
        case .lz4: cassandraCodec = .lz4
        case .zstd: cassandraCodec = .zstd
        case .snappy: cassandraCodec = .snappy
        case .gzip: preconditionFailure("KVValueMetadata.compress: GZIP values are not generated")
        case .none:
            var m = KVValueMetadata()
            m.uncompressedLength = UInt64(value.count)
            m.totalLength = UInt64(value.count)
            m.checksum = CRC32C.checksum(value)
            return (value, m)
        }
        var stored: [UInt8] = []
        value.withUnsafeBytes { CompressedDataWriter.compressChunk($0, codec: cassandraCodec, into: &stored) }
        var m = KVValueMetadata()
        m.codec = codec
        m.uncompressedLength = UInt64(value.count)
        m.totalLength = UInt64(stored.count)
        m.checksum = CRC32C.checksum(stored)
        return (stored, m)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        func varint(_ v: UInt64) {
            var x = v
            while x >= 0x80 { out.append(UInt8(x & 0x7F) | 0x80); x >>= 7 }
            out.append(UInt8(x))
        }
        func key(_ field: UInt64, _ wire: UInt64) { varint(field << 3 | wire) }
        if codec != .none { key(1, 0); varint(codec.rawValue) }
        if uncompressedLength != 0 { key(2, 0); varint(uncompressedLength) }
        if chunkCount != 0 { key(3, 0); varint(UInt64(chunkCount)) }
        if chunkSize != 0 { key(4, 0); varint(UInt64(chunkSize)) }
        if totalLength != 0 { key(5, 0); varint(totalLength) }
        if !version.isEmpty { key(6, 2); varint(UInt64(version.count)); out += version }
        if checksum != 0 {
            key(7, 5)
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: checksum >> (8 * UInt32(i)))) }
        }
        if expired { key(8, 0); varint(1) }
        if !userMetadata.isEmpty { key(9, 2); varint(UInt64(userMetadata.count)); out += userMetadata }
        return out
    }

    public struct DecodeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "value_metadata: \(message)" }
    }

    public init(decoding bytes: [UInt8]) throws {
        var i = 0
        func varint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw DecodeError(message: "truncated varint at byte \(i)") }
                let b = bytes[i]
                i += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }
        func lengthDelimited() throws -> [UInt8] {
            let n = try varint()
            guard n <= UInt64(bytes.count - i) else { throw DecodeError(message: "a field of \(n) bytes overruns the blob") }
            defer { i += Int(n) }
            return Array(bytes[i..<(i + Int(n))])
        }
        while i < bytes.count {
            let k = try varint()
            switch (k >> 3, k & 7) {
            case (1, 0):
                guard let c = Codec(rawValue: try varint()) else { throw DecodeError(message: "unknown codec") }
                codec = c
            case (2, 0): uncompressedLength = try varint()
            case (3, 0): chunkCount = UInt32(truncatingIfNeeded: try varint())
            case (4, 0): chunkSize = UInt32(truncatingIfNeeded: try varint())
            case (5, 0): totalLength = try varint()
            case (6, 2): version = try lengthDelimited()
            case (7, 5):
                guard i + 4 <= bytes.count else { throw DecodeError(message: "truncated checksum") }
                checksum = (0..<4).reduce(0) { $0 | UInt32(bytes[i + $1]) << (8 * UInt32($1)) }
                i += 4
            case (8, 0): expired = try varint() != 0
            case (9, 2): userMetadata = try lengthDelimited()
            // Unknown fields are skipped, as protobuf readers do.
            case (_, 0): _ = try varint()
            case (_, 2): _ = try lengthDelimited()
            case (_, 5): i += 4
            case (_, 1): i += 8
            default: throw DecodeError(message: "unsupported wire type \(k & 7)")
            }
        }
        guard i == bytes.count else { throw DecodeError(message: "truncated") }
    }
}
