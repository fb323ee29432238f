@testable import Cassandra
import Foundation
import Testing

/// The partition serializer against Cassandra's own bytes: every fixture SSTable written by
/// Apache Cassandra is read (partitions, static rows, rows and markers) and serialized again
/// with its own header; the result must be its uncompressed Data.db byte for byte.
@Suite("Partition serializer fidelity", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct SerializerFidelityTests {
    /// Every SSTable of the Cassandra-written fixtures (ScyllaDB and DSE make other choices).
    static var sstables: [String] {
        var out: [String] = []
        for table in Fixtures.sstableTables where !table.hasPrefix("scylla") && !table.hasPrefix("dse") && !table.hasPrefix("<") {
            guard let dir = try? Fixtures.sstableFolder(table), let found = try? SSTable.discover(path: dir.path) else { continue }
            for s in found { out.append(table + "|" + s.descriptor.baseName) }
        }
        return out.isEmpty && Fixtures.isCI ? ["<missing ../shared: CI must have it>"] : out
    }

    /// The Data.db bytes of `sstable` as the serializer writes its content.
    static func reserialize(_ sstable: SSTable) throws -> [UInt8] {
        let layout = TableLayout(schema: .fromHeader(sstable.header))
        let serializer = try PartitionSerializer(header: sstable.header, layout: layout, version: sstable.version)
        let scanner = try SSTableScanner(sstable: sstable, layout: layout)
        var out = ByteOutput()
        while let p = try scanner.nextPartition() {
            let start = out.bytes.count
            try serializer.writePartitionHeader(key: p.key, deletion: p.deletion, staticRow: scanner.staticRow, into: &out)
            var previousStart = 0
            while let u = try scanner.nextUnfiltered() {
                let position = out.bytes.count - start
                try serializer.write(u, previousSize: Int64(position - previousStart), into: &out)
                previousStart = position
            }
            serializer.writeEndOfPartition(into: &out)
        }
        return out.bytes
    }

    @Test(arguments: sstables)
    func dataIsCassandrasByteForByte(_ entry: String) throws {
        let parts = entry.split(separator: "|").map(String.init)
        try #require(parts.count == 2, "\(entry)")
        let dir = try Fixtures.sstableFolder(parts[0])
        let sstable = try #require(try SSTable.discover(path: dir.path).first { $0.descriptor.baseName == parts[1] })
        let input = ByteInput(source: try sstable.makeDataSource())
        try input.require(Int(input.length))
        let original = try input.readBytes(Int(input.length))
        let written = try Self.reserialize(sstable)
        let firstDifference = (0..<min(original.count, written.count)).first { original[$0] != written[$0] } ?? min(original.count, written.count)
        #expect(written == original, "\(entry): \(written.count) bytes written, \(original.count) in the file; first difference at \(firstDifference)")
    }
}
