/// One SSTable on disk: its components opened and its metadata parsed. Opening checks that
/// the components TOC.txt names are there and that the metadata is well-formed; Data.db is
/// read by `SSTableScanner`.
public final class SSTable: @unchecked Sendable {
    // Immutable after init; the data file supports concurrent preads.
    public let descriptor: Descriptor
    public let components: [String]
    public let statistics: Statistics
    public let compression: CompressionInfo?
    public let dataFile: any DataFile
    /// Where the components are read from (local files or an object store).
    public let files: SSTableFiles
    /// The CRC32 Digest.crc32 records for the whole Data.db, if the file exists.
    public let digest: UInt32?
    let crcFile: (path: String, bytes: [UInt8])?

    public var version: FormatVersion { descriptor.version }
    public var header: SerializationHeader { statistics.header }

    public var partitioner: Partitioner {
        get throws {
            guard let p = Partitioner(className: statistics.partitioner) else {
                throw SSTableError(.unsupported, file: descriptor.path("Statistics.db"), "partitioner \(statistics.partitioner) is not supported")
            }
            return p
        }
    }

    /// Opens the SSTable `descriptor` names; its directory is a local path, or for `files`
    /// of a store, `SSTableFiles.path(of:in:)` of the key prefix.
    public init(descriptor: Descriptor, files: SSTableFiles = .local) throws {
        self.descriptor = descriptor
        self.files = files
        let tocPath = descriptor.path("TOC.txt")
        var components: [String]
        if try files.exists(tocPath), let toc = try? files.readAll(tocPath) {
            components = String(decoding: toc, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
                .map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
        } else {
            // Some tools copy SSTables without TOC.txt; require the essential components.
            components = ["Data.db", "Statistics.db"]
        }
        self.components = components
        for c in components where !["Filter.db", "Summary.db", "Index.db", "TOC.txt", "Partitions.db", "Rows.db"].contains(c) {
            let p = descriptor.path(c)
            guard try files.exists(p) else {
                throw SSTableError(.missingComponent, file: p, "TOC.txt lists \(c) but the file is missing")
            }
        }
        let version = descriptor.version
        let statsPath = descriptor.path("Statistics.db")
        guard try files.exists(statsPath) else {
            throw SSTableError(.missingComponent, file: statsPath, "every SSTable needs Statistics.db (its schema and stats)")
        }
        statistics = try Statistics.parse(path: statsPath, bytes: try files.readAll(statsPath), version: version)
        let compPath = descriptor.path("CompressionInfo.db")
        if try components.contains("CompressionInfo.db") || files.exists(compPath) {
            compression = try CompressionInfo.parse(path: compPath, bytes: try files.readAll(compPath), version: version)
        } else {
            compression = nil
        }
        dataFile = try files.open(descriptor.path("Data.db"))
        let digestPath = descriptor.path("Digest.crc32")
        if try files.exists(digestPath) {
            let text = String(decoding: try files.readAll(digestPath), as: UTF8.self).trimmingCharacters()
            guard let v = UInt32(text) ?? Int64(text).map({ UInt32(truncatingIfNeeded: $0) }) else {
                throw SSTableError(.corrupt, file: digestPath, offset: 0, "'\(text)' is not a CRC32 value")
            }
            digest = v
        } else {
            digest = nil
        }
        let crcPath = descriptor.path("CRC.db")
        if compression == nil, try files.exists(crcPath) {
            crcFile = (crcPath, try files.readAll(crcPath))
        } else {
            crcFile = nil
        }
    }

    /// A fresh block source over the logical bytes of Data.db.
    func makeDataSource() throws -> BlockSource {
        if let compression {
            guard compression.chunkOffsets.last.map({ $0 < dataFile.size }) ?? true else {
                throw SSTableError(.truncated, file: dataFile.path, offset: dataFile.size,
                                   "CompressionInfo.db places the last chunk at \(compression.chunkOffsets.last!), past the end of the file")
            }
            return try CompressedBlockSource(file: dataFile, info: compression)
        }
        return try UncompressedBlockSource(file: dataFile, crcFile: crcFile)
    }

    /// Finds the SSTables in a folder (or the one a component file belongs to).
    public static func discover(path: String) throws -> [SSTable] {
        var isDir = false
        guard fileExists(path, isDirectory: &isDir) else {
            throw SSTableError(.missingComponent, file: path, "no such file or folder")
        }
        let dir: String
        var names: [String]
        if isDir {
            dir = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            names = try listDirectory(dir)
        } else {
            let slash = path.lastIndex(of: "/")
            dir = slash.map { String(path[..<$0]) } ?? "."
            names = [slash.map { String(path[path.index(after: $0)...]) } ?? path]
        }
        var seen = Set<Descriptor>()
        var found: [Descriptor] = []
        for name in names.sorted() {
            guard let (d, _) = try Descriptor.parse(fileName: name, directory: dir) else { continue }
            if seen.insert(d).inserted { found.append(d) }
        }
        if found.isEmpty {
            throw SSTableError(.missingComponent, file: path, "no SSTable components (files named like nb-1-big-Data.db) found")
        }
        return try found.map { try SSTable(descriptor: $0) }
    }
}

extension String {
    func trimmingCharacters() -> String { String(Substring(self).trimmingSpaces) }
}

extension Substring {
    func trimmingCharacters() -> String { String(trimmingSpaces) }
}
