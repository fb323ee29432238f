#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One stored object: its key (relative to the store's root, `/`-separated), size and last
/// modification time.
public struct ObjectInfo: Sendable, Equatable {
    public var key: String
    public var size: Int64
    /// Seconds since the epoch (a folder: the file's mtime; S3: LastModified).
    public var modified: Int64

    public init(key: String, size: Int64, modified: Int64) {
        self.key = key
        self.size = size
        self.modified = modified
    }
}

public struct ObjectStoreError: Error, CustomStringConvertible, Sendable {
    public var store: String
    public var key: String
    public var message: String

    public init(store: String, key: String, _ message: String) {
        self.store = store
        self.key = key
        self.message = message
    }

    public var description: String { "\(store)/\(key): \(message)" }
}

/// Where backups live: a local folder now, S3 (and friends) later, behind the same calls —
/// Medusa's `local` storage writes the same keys under a folder as it does in a bucket.
public protocol ObjectStore: Sendable {
    /// `file:///path`, `s3://bucket/prefix`: how errors and listings name the store.
    var location: String { get }
    /// The names one level below `prefix` that have objects under them (S3's common
    /// prefixes with delimiter `/`), without the trailing `/`.
    func children(of prefix: String) throws -> [String]
    /// Every object under `prefix`, at any depth.
    func list(prefix: String) throws -> [ObjectInfo]
    /// The object's size and time, or nil when it does not exist.
    func head(_ key: String) throws -> ObjectInfo?
    func read(_ key: String) throws -> [UInt8]
    func read(_ key: String, offset: Int64, count: Int) throws -> [UInt8]
}

/// A folder as an object store: keys are paths below the root.
public struct LocalFolderStore: ObjectStore {
    public let root: String

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public var location: String { "file://" + (root.hasPrefix("/") ? root : "./" + root) }

    private func path(_ key: String) -> String { key.isEmpty ? root : root + "/" + key }

    private func fail(_ key: String, _ m: String) -> ObjectStoreError { ObjectStoreError(store: location, key: key, m) }

    private func entries(_ dir: String) -> [String]? { LocalFiles.entries(dir)?.sorted() }

    private func fileStatus(_ p: String) -> LocalFiles.Status? { LocalFiles.status(p) }

    public func children(of prefix: String) throws -> [String] {
        let dir = path(prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        guard let names = entries(dir) else {
            if fileStatus(dir) == nil { return [] }
            throw fail(prefix, "cannot list: \(String(cString: strerror(errno)))")
        }
        return names.filter { !$0.hasPrefix(".") && fileStatus(dir + "/" + $0)?.isDirectory == true }
    }

    public func list(prefix: String) throws -> [ObjectInfo] {
        var out: [ObjectInfo] = []
        func walk(_ key: String) {
            let p = path(key)
            guard let s = fileStatus(p) else { return }
            if !s.isDirectory {
                out.append(ObjectInfo(key: key, size: s.size, modified: s.modified))
                return
            }
            for name in entries(p) ?? [] where !name.hasPrefix(".") { walk(key.isEmpty ? name : key + "/" + name) }
        }
        walk(prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        return out
    }

    public func head(_ key: String) throws -> ObjectInfo? {
        guard let s = fileStatus(path(key)), !s.isDirectory else { return nil }
        return ObjectInfo(key: key, size: s.size, modified: s.modified)
    }

    public func read(_ key: String) throws -> [UInt8] {
        guard let info = try head(key) else { throw fail(key, "no such object") }
        return try read(key, offset: 0, count: Int(info.size))
    }

    public func read(_ key: String, offset: Int64, count: Int) throws -> [UInt8] {
        let fd = open(path(key), O_RDONLY)
        guard fd >= 0 else { throw fail(key, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        try buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail(key, "read failed at \(offset + Int64(done)): \(String(cString: strerror(errno)))")
                }
                if n == 0 { throw fail(key, "ends at \(offset + Int64(done)), \(count - done) bytes short") }
                done += n
            }
        }
        return buffer
    }
}

/// The local file system calls the store and the SSTable reader share (no Foundation).
public enum LocalFiles {
    public struct Status: Sendable {
        public var isDirectory: Bool
        public var size: Int64
        /// Seconds since the epoch.
        public var modified: Int64
    }

    /// nil when nothing is there.
    public static func status(_ path: String) -> Status? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Status(isDirectory: (st.st_mode & S_IFMT) == S_IFDIR, size: Int64(st.st_size), modified: Int64(st.st_mtim.tv_sec))
    }

    /// A folder's entries (without . and ..), in no particular order; nil if it cannot be read
    /// (`errno` says why).
    public static func entries(_ dir: String) -> [String]? {
        guard let d = opendir(dir) else { return nil }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
