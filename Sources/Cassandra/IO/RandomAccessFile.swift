#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only file read with `pread`, so several readers can share one descriptor.
public final class RandomAccessFile: @unchecked Sendable {
    // `fd` is immutable after init and pread is thread-safe; hence @unchecked Sendable.
    public let path: String
    public let size: Int64
    private let fd: Int32

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let e = errno
            let kind: SSTableError.Kind = e == ENOENT ? .missingComponent : .io
            throw SSTableError(kind, file: path, "cannot open: \(String(cString: strerror(e)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw SSTableError(.io, file: path, "cannot stat")
        }
        self.fd = fd
        self.size = Int64(st.st_size)
    }

    deinit { close(fd) }

    /// Reads exactly `count` bytes at `offset` into `buffer` (replacing its contents).
    /// Throws `.truncated` if the file ends first.
    public func read(at offset: Int64, count: Int, into buffer: inout [UInt8]) throws {
        if offset < 0 || count < 0 || offset + Int64(count) > size {
            throw SSTableError(.truncated, file: path, offset: offset,
                               "wanted \(count) bytes but the file is \(size) bytes long")
        }
        if buffer.count != count {
            buffer = [UInt8](repeating: 0, count: count)
        }
        var done = 0
        try buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress!.advanced(by: done), count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SSTableError(.io, file: path, offset: offset + Int64(done), String(cString: strerror(errno)))
                }
                if n == 0 {
                    throw SSTableError(.truncated, file: path, offset: offset + Int64(done), "unexpected end of file")
                }
                done += n
            }
        }
    }

    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var b: [UInt8] = []
        try read(at: offset, count: count, into: &b)
        return b
    }

    public func readAll() throws -> [UInt8] {
        try read(at: 0, count: Int(size))
    }

    /// Reads a small whole file, e.g. TOC.txt or Digest.crc32.
    public static func readAll(path: String) throws -> [UInt8] {
        try RandomAccessFile(path: path).readAll()
    }
}
