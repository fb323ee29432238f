/// Something that yields the logical (decompressed) bytes of a file in numbered blocks: the
/// chunks of a compressed Data.db, the CRC.db-sized blocks of an uncompressed one, or a
/// small component held whole.
public protocol BlockSource: AnyObject {
    /// The file name used in errors.
    var path: String { get }
    /// Total logical length in bytes.
    var length: Int64 { get }
    /// The size of every block but possibly the last.
    var blockSize: Int { get }
    /// Replaces `buffer` with the bytes of block `index`, verified against its checksum.
    func readBlock(_ index: Int, into buffer: inout [UInt8]) throws
}

/// A file held whole in memory, for small components.
public final class InMemoryBlockSource: BlockSource {
    public let path: String
    public let bytes: [UInt8]
    /// Where these bytes start in the file, for error messages about a part of a file.
    public let fileOffset: Int64
    public var length: Int64 { Int64(bytes.count) }
    public var blockSize: Int { max(bytes.count, 1) }

    public init(path: String, bytes: [UInt8], fileOffset: Int64 = 0) {
        self.path = path
        self.bytes = bytes
        self.fileOffset = fileOffset
    }

    public func readBlock(_ index: Int, into buffer: inout [UInt8]) throws {
        buffer = bytes
    }
}
