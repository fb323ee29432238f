import ObjectStore

/// A file the reader reads by offset: a local file (`RandomAccessFile`) or an object in a
/// store (ranged reads). Called once per block or chunk, never per value.
public protocol DataFile: AnyObject, Sendable {
    /// How errors name it: a path, or the store's URL and the key.
    var path: String { get }
    var size: Int64 { get }
    /// Reads exactly `count` bytes at `offset` into `buffer` (replacing its contents);
    /// `.truncated` if the file ends first.
    func read(at offset: Int64, count: Int, into buffer: inout [UInt8]) throws
}

extension DataFile {
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var b: [UInt8] = []
        try read(at: offset, count: count, into: &b)
        return b
    }

    public func readAll() throws -> [UInt8] { try read(at: 0, count: Int(size)) }
}

extension RandomAccessFile: DataFile {}

/// Where an SSTable's component files are: the local file system (paths as given), or an
/// object store, whose keys are the paths below `store.location + "/"` (so that descriptors and
/// errors name each object by its full URL).
public struct SSTableFiles: Sendable {
    let store: (any ObjectStore)?

    public static let local = SSTableFiles(store: nil)

    public static func objects(in store: any ObjectStore) -> SSTableFiles { SSTableFiles(store: store) }

    /// The path a descriptor in the store uses for `key`.
    public static func path(of key: String, in store: any ObjectStore) -> String { store.location + "/" + key }

    func key(_ path: String, _ store: any ObjectStore) throws -> String {
        let prefix = store.location + "/"
        guard path.hasPrefix(prefix) else { throw SSTableError(.io, file: path, "not an object of \(store.location)") }
        return String(path.dropFirst(prefix.count))
    }

    public func exists(_ path: String) throws -> Bool {
        guard let store else { return fileExists(path) }
        do { return try store.head(try key(path, store)) != nil } catch let e as ObjectStoreError { throw SSTableError(.io, file: path, e.message) }
    }

    public func open(_ path: String) throws -> any DataFile {
        guard let store else { return try RandomAccessFile(path: path) }
        let k = try key(path, store)
        let info: ObjectInfo?
        do { info = try store.head(k) } catch let e as ObjectStoreError { throw SSTableError(.io, file: path, e.message) }
        guard let info else { throw SSTableError(.missingComponent, file: path, "no such object") }
        return StoredObject(store: store, key: k, path: path, size: info.size)
    }

    public func readAll(_ path: String) throws -> [UInt8] { try open(path).readAll() }
}

/// An object read by ranged reads of its store.
final class StoredObject: DataFile, @unchecked Sendable {
    // Immutable; the store is Sendable.
    let store: any ObjectStore
    let key: String
    let path: String
    let size: Int64

    init(store: any ObjectStore, key: String, path: String, size: Int64) {
        self.store = store
        self.key = key
        self.path = path
        self.size = size
    }

    func read(at offset: Int64, count: Int, into buffer: inout [UInt8]) throws {
        if offset < 0 || count < 0 || offset + Int64(count) > size {
            throw SSTableError(.truncated, file: path, offset: offset, "wanted \(count) bytes but the object is \(size) bytes long")
        }
        do { buffer = try store.read(key, offset: offset, count: count) } catch let e as ObjectStoreError {
            throw SSTableError(.io, file: path, offset: offset, e.message)
        }
        guard buffer.count == count else {
            throw SSTableError(.truncated, file: path, offset: offset + Int64(buffer.count), "the store returned \(buffer.count) of \(count) bytes")
        }
    }
}
