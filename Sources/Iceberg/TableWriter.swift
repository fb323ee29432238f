import Columnar
import Foundation
import Parquet
import Threads

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
        for (key, part) in split(batch) { try write(part, to: key) }
    }

    var isPartitioned: Bool { !partitioning.isEmpty }

    /// A batch's rows grouped by partition value, in order of first appearance.
    func split(_ batch: Batch) -> [([PartitionValue], Batch)] {
        guard batch.count > 0 else { return [] }
        if partitioning.isEmpty { return [([], batch)] }
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
        if order.count == 1 { return [(order[0], batch)] }
        return order.map { key in
            let rows = groups[key]!
            return (key, Batch(columns: batch.columns.map { $0.take(rows) }, count: rows.count))
        }
    }

    func write(_ batch: Batch, to partition: [PartitionValue]) throws {
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

/// Several `IcebergTableWriter`s on threads of their own, fed through bounded queues: Parquet
/// encoding and compression, the cost of a write, run on every core, and the files of all
/// become one commit. Each partition value goes to one writer (its files are not multiplied);
/// an unpartitioned table's batches go round. The buffering budget is shared out.
public final class ParallelTableWriter: @unchecked Sendable {
    public let table: IcebergTable
    let workers: [Worker]
    private var next = 0
    /// The splitter: computes partition values on the calling thread.
    private let router: IcebergTableWriter

    final class Worker: @unchecked Sendable {
        let writer: IcebergTableWriter
        let monitor = Monitor()
        var queue: [([PartitionValue], Batch)] = []
        var closing = false
        var finished = false
        var failure: Error?
        static let depth = 4

        init(_ writer: IcebergTableWriter) { self.writer = writer }

        func run() {
            while true {
                var item: ([PartitionValue], Batch)?
                var done = false
                monitor.withLock {
                    while queue.isEmpty && !closing { monitor.wait() }
                    if queue.isEmpty { done = true } else { item = queue.removeFirst() }
                    monitor.broadcast()
                }
                if done { break }
                guard let (key, batch) = item else { continue }
                if monitor.withLock({ failure != nil }) { continue }
                do { try writer.write(batch, to: key) } catch { monitor.withLock { failure = error } }
            }
            var closed: Error?
            if monitor.withLock({ failure == nil }) {
                do { _ = try writer.finish() } catch { closed = error }
            }
            monitor.withLock {
                if let closed, failure == nil { failure = closed }
                finished = true
                monitor.broadcast()
            }
        }

        /// Queues a batch, waiting while the queue is full; throws the worker's failure.
        func push(_ item: ([PartitionValue], Batch)) throws {
            try monitor.withLock {
                while queue.count >= Self.depth && failure == nil { monitor.wait() }
                if let failure { throw failure }
                queue.append(item)
                monitor.broadcast()
            }
        }

        func close() throws -> [DataFile] {
            try monitor.withLock {
                closing = true
                monitor.broadcast()
                while !finished { monitor.wait() }
                if let failure { throw failure }
            }
            return writer.files
        }
    }

    /// `writers`: how many at once (nil: one per core).
    public init(table: IcebergTable, writers: Int? = nil, options: ParquetWriteOptions = ParquetWriteOptions(),
                targetFileBytes: Int64 = 512 << 20, maxBufferedBytes: Int = 512 << 20) throws {
        self.table = table
        let n = max(1, writers ?? processorCount())
        router = try IcebergTableWriter(table: table, task: 0, options: options, targetFileBytes: targetFileBytes, maxBufferedBytes: maxBufferedBytes)
        workers = try (0..<n).map { k in
            Worker(try IcebergTableWriter(table: table, task: k, options: options, targetFileBytes: targetFileBytes, maxBufferedBytes: maxBufferedBytes / n))
        }
        for w in workers { startThread { w.run() } }
    }

    public func write(_ batch: Batch) throws {
        if !router.isPartitioned {
            guard batch.count > 0 else { return }
            try workers[next].push(([], batch))
            next = (next + 1) % workers.count
            return
        }
        for (key, part) in router.split(batch) {
            var h = Hasher()
            h.combine(key)
            try workers[Int(UInt(bitPattern: h.finalize()) % UInt(workers.count))].push((key, part))
        }
    }

    /// Closes every writer's files; returns them all (for one commit).
    public func finish() throws -> [DataFile] {
        var files: [DataFile] = []
        var failure: Error?
        for w in workers {
            do { files += try w.close() } catch { if failure == nil { failure = error } }
        }
        if let failure {
            abort()
            throw failure
        }
        return files
    }

    /// Stops the workers and removes every file they wrote.
    public func abort() {
        for w in workers {
            _ = try? w.close()
            w.writer.abort()
        }
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
