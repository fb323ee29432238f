/// The chunks of a compressed Data.db. Each chunk is followed by the CRC32 of its stored
/// bytes; chunks are verified as they are read. Follows `CompressedChunkReader`.
public final class CompressedBlockSource: BlockSource {
    public let path: String
    public let info: CompressionInfo
    private let file: any DataFile
    private let decompressor: Decompressor
    private var raw: [UInt8] = []
    /// Running CRC32 of the file bytes while chunks are read in order from the first.
    var digest = SequentialDigest()

    public var length: Int64 { info.uncompressedLength }
    public var blockSize: Int { info.chunkLength }

    public init(file: any DataFile, info: CompressionInfo) throws {
        self.path = file.path
        self.file = file
        self.info = info
        guard let d = Decompressor(compressorClass: info.compressorClass) else {
            throw SSTableError(.unsupported, file: file.path, "compressor \(info.compressorClass) is not supported (LZ4, Snappy, Deflate and Zstd are)")
        }
        self.decompressor = d
    }

    public func readBlock(_ index: Int, into buffer: inout [UInt8]) throws {
        guard index >= 0 && index < info.chunkOffsets.count else {
            throw SSTableError(.corrupt, file: path, "chunk \(index) does not exist (\(info.chunkOffsets.count) chunks)")
        }
        let start = info.chunkOffsets[index]
        let end = index + 1 < info.chunkOffsets.count ? info.chunkOffsets[index + 1] : file.size
        let stored = end - start - 4
        guard stored > 0, stored <= Int64(Int32.max) else {
            throw SSTableError(.corrupt, file: path, offset: start, "chunk \(index) has impossible length \(stored)")
        }
        try file.read(at: start, count: Int(stored) + 4, into: &raw)
        digest.feed(raw, at: start)
        let expectedLength = Int(min(Int64(info.chunkLength), info.uncompressedLength - Int64(index) * Int64(info.chunkLength)))
        let storedCRC = UInt32(raw[Int(stored)]) << 24 | UInt32(raw[Int(stored) + 1]) << 16
            | UInt32(raw[Int(stored) + 2]) << 8 | UInt32(raw[Int(stored) + 3])
        let actual = CRC32.checksum(raw[0..<Int(stored)])
        guard storedCRC == actual else {
            let hint = index == info.chunkOffsets.count - 1 ? " (the last chunk: is Data.db truncated?)" : ""
            throw SSTableError(.checksumMismatch, file: path, offset: start,
                               "chunk \(index) CRC32 is \(hex32(actual)), the file says \(hex32(storedCRC))\(hint)")
        }
        let problem: String? = raw.withUnsafeBytes { all in
            let body = UnsafeRawBufferPointer(rebasing: all[0..<Int(stored)])
            if let max = info.maxCompressedLength, Int(stored) >= max {
                // Stored uncompressed because compression did not pay (na+).
                guard Int(stored) == expectedLength else {
                    return "uncompressed chunk \(index) holds \(stored) bytes, expected \(expectedLength)"
                }
                buffer = Array(body)
                return nil
            }
            return decompressor.decompress(body, expected: expectedLength, into: &buffer).map { "chunk \(index): \($0)" }
        }
        if let problem {
            throw SSTableError(.corrupt, file: path, offset: start, problem)
        }
    }
}

/// An uncompressed Data.db, read in blocks of CRC.db's chunk size and verified against it
/// when CRC.db is present. Follows `ChecksummedDataInput`/`DataIntegrityMetadata`.
public final class UncompressedBlockSource: BlockSource {
    public let path: String
    private let file: any DataFile
    private let checksums: [UInt32]?
    private let checksumPath: String?
    public let blockSize: Int
    var digest = SequentialDigest()
    public var length: Int64 { file.size }

    public init(file: any DataFile, crcFile: (path: String, bytes: [UInt8])?) throws {
        self.path = file.path
        self.file = file
        if let crcFile {
            let input = ByteInput(path: crcFile.path, bytes: crcFile.bytes)
            let chunk = try input.readInt32()
            guard chunk > 0 else { throw input.error(.corrupt, at: 0, "impossible chunk size \(chunk)") }
            var sums: [UInt32] = []
            while input.length - input.position >= 4 { sums.append(try input.readUInt32()) }
            let needed = Int((file.size + Int64(chunk) - 1) / Int64(chunk))
            // Compaction can write one trailing CRC of an empty final chunk (CRC32 of nothing = 0).
            guard sums.count == needed || (sums.count == needed + 1 && sums.last == 0) else {
                throw SSTableError(.corrupt, file: crcFile.path, "\(sums.count) checksums for \(needed) chunks of Data.db")
            }
            self.blockSize = Int(chunk)
            self.checksums = sums
            self.checksumPath = crcFile.path
        } else {
            self.blockSize = 64 * 1024
            self.checksums = nil
            self.checksumPath = nil
        }
    }

    public func readBlock(_ index: Int, into buffer: inout [UInt8]) throws {
        let start = Int64(index) * Int64(blockSize)
        let count = Int(min(Int64(blockSize), file.size - start))
        try file.read(at: start, count: count, into: &buffer)
        digest.feed(buffer, at: start)
        if let checksums {
            let actual = CRC32.checksum(buffer)
            guard checksums[index] == actual else {
                throw SSTableError(.checksumMismatch, file: path, offset: start,
                                   "block \(index) CRC32 is \(hex32(actual)), \(checksumPath ?? "CRC.db") says \(hex32(checksums[index]))")
            }
        }
    }
}

/// CRC32 of a whole file, accumulated while its bytes are read front to back; any jump makes
/// it unusable (then the digest is checked separately or not at all).
struct SequentialDigest {
    private(set) var crc = CRC32()
    private(set) var next: Int64 = 0
    private(set) var broken = false

    mutating func feed(_ bytes: [UInt8], at offset: Int64) {
        guard !broken else { return }
        if offset != next {
            broken = true
            return
        }
        crc.update(bytes)
        next += Int64(bytes.count)
    }
}

func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - s.count) + s
}
