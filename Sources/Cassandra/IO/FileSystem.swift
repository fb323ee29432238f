#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ObjectStore

func fileExists(_ path: String) -> Bool { LocalFiles.status(path) != nil }

func fileExists(_ path: String, isDirectory: inout Bool) -> Bool {
    guard let s = LocalFiles.status(path) else { return false }
    isDirectory = s.isDirectory
    return true
}

func listDirectory(_ path: String) throws -> [String] {
    guard let names = LocalFiles.entries(path) else {
        throw SSTableError(.io, file: path, "cannot list folder: \(String(cString: strerror(errno)))")
    }
    return names
}

/// `mkdir -p`.
public func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw SSTableError(.io, file: current, "cannot create the folder: \(String(cString: strerror(errno)))")
        }
    }
}

/// Reads a file front to back in blocks and yields its lines (without the newline), so that
/// a file of any size is read in bounded memory.
public final class LineReader {
    private let file: RandomAccessFile
    private var offset: Int64 = 0
    private var buffer: [UInt8] = []
    private var start = 0
    public private(set) var lineNumber = 0

    public init(path: String) throws { file = try RandomAccessFile(path: path) }

    public var path: String { file.path }

    public func next() throws -> [UInt8]? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                var line = Array(buffer[start..<nl])
                start = nl + 1
                if line.last == 0x0D { line.removeLast() }
                lineNumber += 1
                return line
            }
            if offset >= file.size {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                lineNumber += 1
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let n = Int(min(Int64(1 << 20), file.size - offset))
            buffer += try file.read(at: offset, count: n)
            offset += Int64(n)
        }
    }
}

/// Writes a small file whole, under a temporary name renamed into place.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let f = try OutputFile(path: path)
    try f.write(bytes)
    try f.commit()
}

/// Sets a file's modification (and access) time, in seconds since the epoch.
func setModificationTime(_ path: String, seconds: Int64) throws {
    var times = [timespec(tv_sec: Int(seconds), tv_nsec: 0), timespec(tv_sec: Int(seconds), tv_nsec: 0)]
    guard utimensat(AT_FDCWD, path, &times, 0) == 0 else {
        throw SSTableError(.io, file: path, "cannot set the modification time: \(String(cString: strerror(errno)))")
    }
}
