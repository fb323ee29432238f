import Columnar
import Foundation

/// Reads a Parquet file: its footer and schema at open, then row groups of the columns asked
/// for, as engine batches. The file is memory-mapped; each chunk is decoded whole, then
/// assembled into batches of `batchRows` rows.
public final class ParquetFileReader: @unchecked Sendable {
    public let name: String
    private let data: Data
    public let metadata: ParquetMetadata
    /// The top-level columns as the engine reads them.
    public let columns: [ReadNode]
    public let leaves: [ReadLeaf]

    public convenience init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ParquetError("cannot read \(path): \(error.localizedDescription)")
        }
        try self.init(data: data, name: path)
    }

    public init(data: Data, name: String) throws {
        self.data = data
        self.name = name
        metadata = try data.withUnsafeBytes { try ParquetMetadata.parse($0, name: name) }
        (columns, leaves) = try metadata.readSchema(file: name)
        for (g, group) in metadata.rowGroups.enumerated() {
            guard group.columns.count == leaves.count else {
                throw ParquetError("\(name): row group \(g) has \(group.columns.count) column chunks for \(leaves.count) leaf columns")
            }
            for (chunk, leaf) in zip(group.columns, leaves) where chunk.path != leaf.path || chunk.physical != leaf.physical {
                throw ParquetError("\(name): row group \(g) has a chunk \(chunk.path.joined(separator: ".")) where the schema has \(leaf.path.joined(separator: "."))")
            }
        }
    }

    public var schema: [Field] { columns.map { Field($0.name, $0.type, nullable: $0.optional) } }

    public var rowCount: Int64 { metadata.numRows }

    /// The statistics of one leaf in one row group, if written.
    public func statistics(rowGroup: Int, leaf: Int) -> ParquetMetadata.Statistics? {
        metadata.rowGroups[rowGroup].columns[leaf].statistics
    }

    /// Row group `group`'s rows of the top-level `columns` (all when nil), in batches.
    public func read(rowGroup group: Int, columns wanted: [Int]? = nil, batchRows: Int = Batch.capacity) throws -> [Batch] {
        let wanted = wanted ?? Array(columns.indices)
        let rg = metadata.rowGroups[group]
        let rows = Int(rg.numRows)
        var chunks: [Int: DecodedChunk] = [:]
        try data.withUnsafeBytes { file in
            var reader = ChunkReader(file: file, name: name)
            for c in wanted { for leaf in columns[c].leaves { chunks[leaf] = try reader.read(rg.columns[leaf], leaf: leaves[leaf], rows: rg.numRows) } }
        }
        let assembler = Assembler(leaves: leaves, chunks: chunks)
        var starts: [Int: [Int]] = [:]
        for (leaf, _) in chunks {
            let s = assembler.recordStarts(leaf)
            guard s.count == rows else { throw ParquetError("\(name): column \(leaves[leaf].path.joined(separator: ".")) has \(s.count) records in a row group of \(rows)") }
            starts[leaf] = s
        }
        if wanted.isEmpty {
            return stride(from: 0, to: rows, by: batchRows).map { Batch(columns: [], count: min(batchRows, rows - $0)) }
        }
        var out: [Batch] = []
        for from in stride(from: 0, to: rows, by: batchRows) {
            let to = min(from + batchRows, rows)
            let built = try wanted.map { c -> Column in
                let node = columns[c]
                var slots: [Int: ArraySlice<Int>] = [:]
                for leaf in node.leaves { slots[leaf] = starts[leaf]![from..<to] }
                return try assembler.build(node, slots: slots)
            }
            out.append(Batch(columns: built, count: to - from))
        }
        return out
    }

    /// Every row of the `columns` asked for.
    public func readAll(columns wanted: [Int]? = nil, batchRows: Int = Batch.capacity) throws -> [Batch] {
        try metadata.rowGroups.indices.flatMap { try read(rowGroup: $0, columns: wanted, batchRows: batchRows) }
    }
}
