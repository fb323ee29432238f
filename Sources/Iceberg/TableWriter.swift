import Columnar
import Foundation
import Parquet

/// Streams batches into the data files of one commit: Parquet files in the table's data
/// folder, one open file per partition value, each rolled at `targetFileBytes`. Nothing is
/// visible until `IcebergTable.commit`; files of a write that is never committed are orphans
/// the cleanup lists.
public final class IcebergTableWriter {
    public let table: IcebergTable
    public let schema: IcebergSchema
    public let spec: PartitionSpec
    public var options: ParquetWriteOptions
    public var targetFileBytes: Int64
    /// When the open files of all partitions buffer more than this, the largest is closed:
    /// memory stays bounded however many partitions a write touches.
    public var maxBufferedBytes: Int
    private let commitId = UUID().uuidString.lowercased()
    private let task: Int
    private var open: [[PartitionValue]: OpenFile] = [:]
    private var fileIndex = 0
    public private(set) var files: [DataFile] = []
    private let types: [Int32: IcebergType]
    /// Per partition field: the column it reads, its source type, its transform.
    private let partitioning: [(column: Int, source: IcebergType, field: PartitionField)]

    final class OpenFile {
        let writer: ParquetFileWriter
        let sink: FileSink
        let path: String
        init(writer: ParquetFileWriter, sink: FileSink, path: String) {
            self.writer = writer
            self.sink = sink
            self.path = path
        }
    }

    public init(table: IcebergTable, task: Int = 0, options: ParquetWriteOptions = ParquetWriteOptions(), targetFileBytes: Int64 = 512 << 20,
                maxBufferedBytes: Int = 512 << 20) throws {
        self.table = table
        self.schema = try table.schema
        self.spec = try table.spec
        self.options = options
        self.targetFileBytes = targetFileBytes
        self.maxBufferedBytes = maxBufferedBytes
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
        let schema = self.schema
        partitioning = try spec.typed(schema).map { t in
            (schema.fields.firstIndex { $0.id == t.source.id }!, t.source.type, t.field)
        }
    }

    /// Appends a batch whose columns follow the table schema (the engine casts INSERT rows).
    public func write(_ batch: Batch) throws {
        guard batch.count > 0 else { return }
        if partitioning.isEmpty { return try write(batch, to: []) }
        let values = partitioning.map { $0.field.transform.apply(batch.columns[$0.column], source: $0.source) }
        var groups: [[PartitionValue]: [Int]] = [:]
        var order: [[PartitionValue]] = []
        var key = [PartitionValue](repeating: .null, count: values.count)
        for row in 0..<batch.count {
            for k in values.indices { key[k] = values[k][row] }
            if groups[key]?.append(row) == nil {
                groups[key] = [row]
                order.append(key)
            }
        }
        if order.count == 1 { return try write(batch, to: order[0]) }
        for key in order {
            let rows = groups[key]!
            try write(Batch(columns: batch.columns.map { $0.take(rows) }, count: rows.count), to: key)
        }
    }

    private func write(_ batch: Batch, to partition: [PartitionValue]) throws {
        let file: OpenFile
        if let f = open[partition] {
            file = f
        } else {
            var folder = table.folder + "/data/"
            for (k, p) in partitioning.enumerated() {
                folder += quotePlus(p.field.name) + "=" + quotePlus(partition[k].human(try p.field.transform.resultType(p.source), p.field.transform)) + "/"
            }
            let path = folder + String(format: "%05d", fileIndex) + "-\(task)-\(commitId).parquet"
            fileIndex += 1
            let sink = try FileSink(path: path)
            file = OpenFile(writer: try ParquetFileWriter(schema: schema.parquet, sink: sink, options: options), sink: sink, path: path)
            open[partition] = file
        }
        try file.writer.write(batch)
        if file.writer.estimatedSize >= targetFileBytes { try close(partition) }
        if open.count > 1 {
            var buffered = 0
            for f in open.values { buffered += f.writer.bufferedBytes }
            while buffered > maxBufferedBytes, let largest = open.max(by: { $0.value.writer.bufferedBytes < $1.value.writer.bufferedBytes }) {
                buffered -= largest.value.writer.bufferedBytes
                try close(largest.key)
            }
        }
    }

    private func close(_ partition: [PartitionValue]) throws {
        guard let c = open.removeValue(forKey: partition) else { return }
        let (size, rows, metrics) = try c.writer.close()
        try c.sink.close()
        files.append(DataFile(path: "file://" + c.path, sizeInBytes: size, recordCount: rows, leaves: c.writer.leaves, metrics: metrics,
                              splitOffsets: c.writer.rowGroupOffsets, types: types, partition: partition))
        FaultPoint.hit("iceberg.write.file-closed")
    }

    /// Closes the open files; returns every file written.
    public func finish() throws -> [DataFile] {
        for key in Array(open.keys) { try close(key) }
        return files
    }

    /// Removes the files written (a write that will not be committed).
    public func abort() {
        for c in open.values { try? c.sink.close(); try? FileManager.default.removeItem(atPath: c.path) }
        open = [:]
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
