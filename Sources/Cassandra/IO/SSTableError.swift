/// An error reading or interpreting SSTable files. Every case names the file it happened in
/// and, where there is one, the byte offset, so that a user can find the bad bytes.
public struct SSTableError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case missingComponent = "missing component"
        case truncated = "truncated file"
        case checksumMismatch = "checksum mismatch"
        case digestMismatch = "digest mismatch"
        case corrupt = "corrupt data"
        case unsupportedFormat = "unsupported format"
        case unsupported = "unsupported feature"
        case io = "I/O error"
        case schema = "schema error"
    }

    public var kind: Kind
    /// The file the problem is in (a path as the user gave it).
    public var file: String
    /// The byte offset in that file, or, for compressed Data.db, in its uncompressed stream
    /// (then `offsetIsUncompressed` is true).
    public var offset: Int64?
    public var offsetIsUncompressed: Bool
    public var message: String

    public init(_ kind: Kind, file: String, offset: Int64? = nil, uncompressed: Bool = false, _ message: String) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.offsetIsUncompressed = uncompressed
        self.message = message
    }

    public var description: String {
        var s = "\(file)"
        if let offset {
            s += offsetIsUncompressed ? " at uncompressed offset \(offset)" : " at offset \(offset)"
        }
        return s + ": \(kind.rawValue): \(message)"
    }
}
