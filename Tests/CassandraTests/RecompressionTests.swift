@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// Fixture Data.db files recompressed with every codec read back to the same rows: the four
/// decompressors on multi-chunk files, and the chunk writer the SSTable writer will use.
@Suite("Recompressed fixtures", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct RecompressionTests {
    static let tables = ["sstable-to-arrow/md/baselines.iot", "cassandra-legacy/nb/legacy_nb_clust", "sstable-transformer/oa/spark_test.testtable"]

    static func rows(_ dir: URL, _ schema: TableSchema?) throws -> [String] {
        let r = try TableReader(path: dir.path, schema: schema).rows(now: nil)
        var out: [String] = []
        while let row = try r.next() { out.append(row.map { ValueJSON.render($0) }.joined(separator: "|")) }
        return out
    }

    @Test(arguments: tables, CompressedDataWriter.Codec.allCases)
    func recompressed(_ name: String, _ codec: CompressedDataWriter.Codec) throws {
        let expected = try Fixtures.expected(name)
        let schema = try fixtureSchema(expected)
        let source = try Fixtures.sstableFolder(name)
        let original = try Self.rows(source, schema)
        let sstable = try #require(try SSTable.discover(path: source.path).first)
        // The logical bytes of Data.db, whatever the fixture's own compression.
        let input = ByteInput(source: try sstable.makeDataSource())
        try input.require(Int(input.length))
        let plain = try input.readBytes(Int(input.length))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-recompress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = sstable.descriptor.baseName
        let out = CompressedDataWriter.compress(plain, codec: codec, chunkLength: 4096, version: sstable.version)
        try Data(out.data).write(to: dir.appendingPathComponent(base + "-Data.db"))
        try Data(out.compressionInfo).write(to: dir.appendingPathComponent(base + "-CompressionInfo.db"))
        try FileManager.default.copyItem(at: URL(fileURLWithPath: sstable.descriptor.path("Statistics.db")),
                                         to: dir.appendingPathComponent(base + "-Statistics.db"))
        let info = try #require(try SSTable.discover(path: dir.path).first?.compression)
        #expect(info.chunkOffsets.count == (plain.count + 4095) / 4096)
        #expect(try Self.rows(dir, schema) == original)
    }
}
