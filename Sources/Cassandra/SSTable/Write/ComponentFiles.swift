#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written front to back through a buffer, created only under a temporary name and
/// renamed into place by `commit()`, so that a failed write never leaves a half file under
/// the component's name.
final class OutputFile {
    let path: String
    private let temporary: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private(set) var size: Int64 = 0
    private var crc = CRC32()
    private var finished = false

    init(path: String) throws {
        self.path = path
        temporary = path + ".tmp"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SSTableError(.io, file: path, "cannot create: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !finished {
            close(fd)
            unlink(temporary)
        }
    }

    /// CRC32 of every byte written (Digest.crc32 of Data.db).
    var checksum: UInt32 { crc.value }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        crc.update(bytes)
        size += Int64(bytes.count)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            guard n > 0 else { throw SSTableError(.io, file: path, "write failed: \(String(cString: strerror(errno)))") }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the file into place.
    func commit() throws {
        try flush()
        guard fsync(fd) == 0, close(fd) == 0 else { throw SSTableError(.io, file: path, "cannot sync: \(String(cString: strerror(errno)))") }
        finished = true
        guard rename(temporary, path) == 0 else { throw SSTableError(.io, file: path, "cannot rename into place: \(String(cString: strerror(errno)))") }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let f = try OutputFile(path: path)
        try f.write(bytes)
        try f.commit()
    }
}

/// Data.db as it is stored: compressed in fixed chunks (each followed by the CRC32 of its
/// stored bytes, offsets kept for CompressionInfo.db), or plain with CRC.db holding a CRC32
/// per chunk. Bytes stream through: memory holds one chunk.
final class DataFileSink {
    let file: OutputFile
    let codec: CompressedDataWriter.Codec?
    let chunkLength: Int
    let version: FormatVersion
    private var pending: [UInt8] = []
    private var offsets: [Int64] = []
    private var chunkCRCs: [UInt32] = []
    private var scratch: [UInt8] = []
    private(set) var uncompressedLength: Int64 = 0

    init(path: String, codec: CompressedDataWriter.Codec?, chunkLength: Int, version: FormatVersion) throws {
        file = try OutputFile(path: path)
        self.codec = codec
        self.chunkLength = chunkLength
        self.version = version
        pending.reserveCapacity(chunkLength)
    }

    func write(_ bytes: [UInt8]) throws {
        uncompressedLength += Int64(bytes.count)
        var start = 0
        while start < bytes.count {
            let take = min(chunkLength - pending.count, bytes.count - start)
            pending.append(contentsOf: bytes[start..<(start + take)])
            start += take
            if pending.count == chunkLength { try writeChunk() }
        }
    }

    private func writeChunk() throws {
        guard !pending.isEmpty else { return }
        if let codec {
            offsets.append(file.size)
            pending.withUnsafeBytes { CompressedDataWriter.compressChunk($0, codec: codec, into: &scratch) }
            try file.write(scratch)
            let crc = CRC32.checksum(scratch)
            try file.write([24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> UInt32($0)) })
        } else {
            chunkCRCs.append(CRC32.checksum(pending))
            try file.write(pending)
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Ends Data.db; returns CompressionInfo.db (compressed) or CRC.db (plain) bytes.
    func finish() throws -> [UInt8] {
        try writeChunk()
        try file.commit()
        var out = ByteOutput()
        if let codec {
            out.writeUTF(codec.className)
            out.writeInt32(0) // no compression options
            out.writeInt32(Int32(chunkLength))
            if version.hasMaxCompressedLength { out.writeInt32(Int32.max) }
            out.writeInt64(uncompressedLength)
            out.writeInt32(Int32(offsets.count))
            for o in offsets { out.writeInt64(o) }
        } else {
            out.writeInt32(Int32(chunkLength))
            for c in chunkCRCs { out.write(c) }
        }
        return out.bytes
    }
}
