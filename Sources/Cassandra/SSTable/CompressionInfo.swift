/// CompressionInfo.db: the compressor, chunk length and the offset of every compressed chunk.
/// Follows `org.apache.cassandra.io.compress.CompressionMetadata`.
public struct CompressionInfo: Sendable {
    public var compressorClass: String
    public var options: [(String, String)]
    public var chunkLength: Int
    /// From `na` on: a chunk stored with at least this many bytes is stored uncompressed.
    public var maxCompressedLength: Int?
    public var uncompressedLength: Int64
    public var chunkOffsets: [Int64]

    public var compressorName: String {
        compressorClass.split(separator: ".").last.map(String.init) ?? compressorClass
    }

    public static func parse(path: String, bytes: [UInt8], version: FormatVersion) throws -> CompressionInfo {
        let input = ByteInput(path: path, bytes: bytes)
        let compressor = try input.readUTF()
        let optionCount = try input.readInt32()
        guard optionCount >= 0 && optionCount < 10_000 else {
            throw input.error(.corrupt, "impossible compression option count \(optionCount)")
        }
        var options: [(String, String)] = []
        for _ in 0..<optionCount {
            options.append((try input.readUTF(), try input.readUTF()))
        }
        let chunkLength = try input.readInt32()
        guard chunkLength > 0 && chunkLength <= 1 << 30 else {
            throw input.error(.corrupt, "impossible chunk length \(chunkLength)")
        }
        var maxCompressed: Int?
        if version.hasMaxCompressedLength {
            maxCompressed = Int(try input.readInt32())
        }
        let dataLength = try input.readInt64()
        let chunkCount = try input.readInt32()
        let expected = dataLength <= 0 ? 0 : (dataLength + Int64(chunkLength) - 1) / Int64(chunkLength)
        // 5.0 can end a file with an empty chunk: one more offset than the data needs.
        guard dataLength >= 0, chunkCount >= 0, Int64(chunkCount) == expected || Int64(chunkCount) == expected + 1 else {
            throw input.error(.corrupt, "chunk count \(chunkCount) does not fit data length \(dataLength) in chunks of \(chunkLength)")
        }
        guard input.length - input.position >= Int64(chunkCount) * 8 else {
            throw input.error(.truncated, "\(chunkCount) chunk offsets announced, file too short")
        }
        var offsets: [Int64] = []
        offsets.reserveCapacity(Int(chunkCount))
        for _ in 0..<chunkCount { offsets.append(try input.readInt64()) }
        return CompressionInfo(compressorClass: compressor, options: options, chunkLength: Int(chunkLength),
                               maxCompressedLength: maxCompressed, uncompressedLength: dataLength,
                               chunkOffsets: offsets)
    }
}
