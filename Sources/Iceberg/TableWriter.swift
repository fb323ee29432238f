import Columnar
import Foundation
import Parquet

/// Streams batches into the data files of one commit: Parquet files in the table's data
/// folder, rolled at `targetFileBytes`. Nothing is visible until `IcebergTable.commit`; files
/// of a write that is never committed are orphans the cleanup lists.
public final class IcebergTableWriter {
    public let table: IcebergTable
    public let schema: IcebergSchema
    public var options: ParquetWriteOptions
    public var targetFileBytes: Int64
    private let commitId = UUID().uuidString.lowercased()
    private let task: Int
    private var current: (writer: ParquetFileWriter, sink: FileSink, path: String)?
    private var fileIndex = 0
    public private(set) var files: [DataFile] = []
    private let types: [Int32: IcebergType]

    public init(table: IcebergTable, task: Int = 0, options: ParquetWriteOptions = ParquetWriteOptions(), targetFileBytes: Int64 = 512 << 20) throws {
        self.table = table
        self.schema = try table.schema
        self.options = options
        self.targetFileBytes = targetFileBytes
        self.task = task
        var types: [Int32: IcebergType] = [:]
        func walk(_ f: IcebergField) {
            types[f.id] = f.type
            switch f.type {
            case .list(let id, let e, let r): walk(IcebergField(id: id, name: "element", required: r, type: e))
            case .map(let k, let kt, let v, let vt, let r):
                walk(IcebergField(id: k, name: "key", required: true, type: kt))
                walk(IcebergField(id: v, name: "value", required: r, type: vt))
            case .structure(let fs): fs.forEach(walk)
            default: break
            }
        }
        schema.fields.forEach(walk)
        self.types = types
    }

    /// Appends a batch whose columns follow the table schema (the engine casts INSERT rows).
    public func write(_ batch: Batch) throws {
        if current == nil {
            let path = table.folder + "/data/" + String(format: "%05d", fileIndex) + "-\(task)-\(commitId).parquet"
            fileIndex += 1
            let sink = try FileSink(path: path)
            current = (try ParquetFileWriter(schema: schema.parquet, sink: sink, options: options), sink, path)
        }
        try current!.writer.write(batch)
        if current!.writer.estimatedSize >= targetFileBytes { try closeFile() }
    }

    private func closeFile() throws {
        guard let c = current else { return }
        current = nil
        let (size, rows, metrics) = try c.writer.close()
        try c.sink.close()
        files.append(DataFile(path: "file://" + c.path, sizeInBytes: size, recordCount: rows, leaves: c.writer.leaves, metrics: metrics,
                              splitOffsets: c.writer.rowGroupOffsets, types: types))
    }

    /// Closes the open file; returns every file written.
    public func finish() throws -> [DataFile] {
        try closeFile()
        return files
    }

    /// Removes the files written (a write that will not be committed).
    public func abort() {
        if let c = current { try? c.sink.close(); try? FileManager.default.removeItem(atPath: c.path) }
        current = nil
        for f in files { try? FileManager.default.removeItem(atPath: IcebergTable.path(ofLocation: f.path)) }
        files = []
    }
}

/// A Parquet sink over a file, written through a 1 MiB buffer.
final class FileSink: ParquetSink {
    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw IcebergError("cannot create \(path)")
        }
        handle = h
    }

    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try handle.synchronize()
        try handle.close()
    }
}
