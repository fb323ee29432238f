@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// Clustering slices: scanners entered through the promoted index at the block that holds a
/// slice's start and left at its end, merged, give exactly the rows of the full merge that lie
/// in the slice — over the real fixtures (multi-block promoted indexes written by Cassandra
/// and ScyllaDB) and over files written here with range deletions that span many blocks.
@Suite("Clustering slices")
struct ClusteringSliceTests {
    static let digits = Array("0123456789abcdef".utf8)
    static func hex(_ b: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(b.count * 2)
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func render(_ r: Row) -> String {
        var s = r.clustering.map { $0.map(hex) ?? "null" }.joined(separator: ",")
        s += " live=\(r.liveness.timestamp)/\(r.liveness.ttl)"
        for c in r.cells {
            s += " \(c.column)@\(c.timestamp)/\(c.ttl)/\(c.localDeletionTime):\(r.path(c).map(hex) ?? "")=\(hex(r.value(c)))"
        }
        return s
    }

    struct Read {
        var rows: [(key: [UInt8], row: Row)] = []
        var rendered: [String] { rows.map { Self.hexKey($0.key) + " " + ClusteringSliceTests.render($0.row) } }
        var seeks = 0
        static func hexKey(_ k: [UInt8]) -> String { ClusteringSliceTests.hex(k[...]) }
    }

    static func read(_ sstables: [SSTable], _ layout: TableLayout, slice: ClusteringSlice?, filter: PartitionFilter = .all) throws -> Read {
        let scanners = try sstables.map { try SSTableScanner(sstable: $0, layout: layout, filter: filter, slice: slice) }
        let merged = MergedScanner(scanners: scanners, layout: layout, now: nil)
        var out = Read()
        while let p = try merged.nextPartition() {
            while let r = try merged.nextRow() { out.rows.append((p.key, r)) }
        }
        out.seeks = scanners.reduce(0) { $0 + $1.rowIndexSeeks }
        return out
    }

    static func inside(_ r: Row, _ slice: ClusteringSlice, _ cmp: ClusteringComparator) -> Bool {
        !slice.isBeforeStart(r.clustering, .clustering, cmp) && !slice.isPastEnd(r.clustering, .clustering, cmp)
    }

    /// Slices around clusterings taken from the data: from, after, up to, before each sample,
    /// between two samples, and on a prefix of the first clustering column.
    static func slices(around samples: [ClusteringValues]) -> [ClusteringSlice] {
        var out: [ClusteringSlice] = []
        for (i, c) in samples.enumerated() {
            out.append(ClusteringSlice(start: ClusteringBound(values: c, kind: .inclusiveStart), end: nil))
            out.append(ClusteringSlice(start: ClusteringBound(values: c, kind: .exclusiveStart), end: nil))
            out.append(ClusteringSlice(start: nil, end: ClusteringBound(values: c, kind: .inclusiveEnd)))
            out.append(ClusteringSlice(start: nil, end: ClusteringBound(values: c, kind: .exclusiveEnd)))
            if i + 1 < samples.count {
                out.append(ClusteringSlice(start: ClusteringBound(values: c, kind: .inclusiveStart),
                                           end: ClusteringBound(values: samples[i + 1], kind: .exclusiveEnd)))
            }
            if c.count > 1 {
                let prefix = Array(c.prefix(1))
                out.append(ClusteringSlice(start: ClusteringBound(values: prefix, kind: .inclusiveStart),
                                           end: ClusteringBound(values: prefix, kind: .inclusiveEnd)))
                out.append(ClusteringSlice(start: ClusteringBound(values: prefix, kind: .exclusiveStart), end: nil))
            }
        }
        return out
    }

    static var clusteredIndexedTables: [String] {
        PartitionIndexTests.indexedTables.filter { name in
            guard let e = try? Fixtures.expected(name), let folder = try? Fixtures.sstableFolder(name),
                  let reader = try? TableReader(path: folder.path, schema: try fixtureSchema(e)) else { return true }
            return !reader.layout.schema.clustering.isEmpty
        }
    }

    @Test("a sliced merge of every fixture equals the full merge restricted to the slice", arguments: clusteredIndexedTables)
    func fixturesSliceExactly(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(expected))
        let cmp = reader.layout.comparator
        let full = try Self.read(reader.sstables, reader.layout, slice: nil)
        guard !full.rows.isEmpty else { return }
        let rendered = full.rendered
        let n = full.rows.count
        let samples = [0, n / 3, (2 * n) / 3, n - 1].map { full.rows[$0].row.clustering }
        var seeks = 0
        for slice in Self.slices(around: samples) {
            let sliced = try Self.read(reader.sstables, reader.layout, slice: slice)
            let want = full.rows.indices.filter { Self.inside(full.rows[$0].row, slice, cmp) }.map { rendered[$0] }
            // Exactly the slice: nothing outside it is returned.
            #expect(sliced.rendered == want, "slice \(slice) of \(name)")
            seeks += sliced.seeks
        }
        // Tables whose partitions span several index blocks are entered mid-partition.
        if Self.hasMultiBlockPartition(reader.sstables) {
            #expect(seeks > 0, "\(name) has promoted indexes but no slice used them")
        }
    }

    static func hasMultiBlockPartition(_ sstables: [SSTable]) -> Bool {
        sstables.contains { s in
            guard let index = try? s.openIndex() else { return false }
            while let e = try? index.next(withRowIndex: true) { if e.rowIndex != nil { return true } }
            return false
        }
    }

    @Test("fixtures with promoted indexes are present", .enabled(if: Fixtures.available, Fixtures.skipReason))
    func promotedIndexFixtures() throws {
        let names = try Self.clusteredIndexedTables.filter { name in
            let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(try Fixtures.expected(name)))
            return Self.hasMultiBlockPartition(reader.sstables)
        }
        #expect(names.contains { $0.hasPrefix("cassandra-legacy/") })
        #expect(names.contains { $0.contains("slicing_interleaved_rows_and_rts") })
    }

    // MARK: files written here

    typealias M = MergeTests

    static func liveness(_ ts: Int64) -> LivenessInfo { LivenessInfo(timestamp: ts, ttl: 0, localExpirationTime: Int64(Int32.max)) }
    static func deletion(_ ts: Int64) -> DeletionTime { DeletionTime(markedForDeleteAt: ts, localDeletionTime: 1_700_000_000) }
    static func marker(_ kind: BoundKind, _ c: Int32, close: DeletionTime? = nil, open: DeletionTime? = nil) -> Unfiltered {
        .marker(RangeTombstoneMarker(kind: kind, clustering: M.ck(c), closeDeletion: close, openDeletion: open))
    }

    /// File 1: rows 0..<600 at ts 100 under the deletions [200, 400] (ts 200) and (450, 500)
    /// (ts 250) — a boundary at 320 raises the first to ts 260 — in ~200-byte index blocks, so
    /// each deletion stays open across many blocks. File 2: every 7th row at ts 150 (deleted
    /// where a deletion covers it) and every 11th at ts 300 (live everywhere).
    static func writeFiles(_ directory: String, version letters: String) throws -> [SSTable] {
        let version = try FormatVersion(letters: letters, family: .big, file: "")
        let layout = M.layout
        let serializer = try PartitionSerializer(header: SerializationHeader(layout: layout, minTimestamp: 0), layout: layout, version: version)
        let keys = [Int32(1), 2, 3].sorted { Murmur3.token(M.key($0)) < Murmur3.token(M.key($1)) }
        var tables: [SSTable] = []
        for generation in 1...2 {
            var writer = try SSTableComponentsWriter(directory: directory, generation: generation, version: version, serializer: serializer,
                                                     expectedKeys: keys.count, columnIndexSize: 200)
            for k in keys {
                try writer.beginPartition(key: M.key(k), deletion: .live, staticRow: M.staticRow([M.cell(M.s, k, ts: 100)]))
                for i in Int32(0)..<600 {
                    if generation == 1 {
                        if i == 200 { try writer.add(marker(.inclusiveStart, 200, open: deletion(200))) }
                        if i == 320 { try writer.add(marker(.exclusiveEndInclusiveStartBoundary, 320, close: deletion(200), open: deletion(260))) }
                        if i == 500 { try writer.add(marker(.exclusiveEnd, 500, close: deletion(250))) }
                        try writer.add(M.row(i, liveness: liveness(100), cells: [M.cell(M.v, i * 10 + k, ts: 100)]))
                        if i == 400 { try writer.add(marker(.inclusiveEnd, 400, close: deletion(260))) }
                        if i == 450 { try writer.add(marker(.exclusiveStart, 450, open: deletion(250))) }
                    } else if i % 7 == 0 || i % 11 == 0 {
                        let ts: Int64 = i % 11 == 0 ? 300 : 150
                        try writer.add(M.row(i, liveness: liveness(ts), cells: [M.cell(M.w, i, ts: ts)]))
                    }
                }
                try writer.endPartition()
            }
            _ = try writer.finish()
            tables.append(try SSTable(descriptor: writer.descriptor))
        }
        return tables
    }

    @Test("range deletions open across index blocks shadow the other file's rows inside a slice", arguments: ["nb", "oa"])
    func deletionsAcrossBlocks(_ version: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slice-\(version)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tables = try Self.writeFiles(dir, version: version)
        #expect(Self.hasMultiBlockPartition(tables))
        let layout = M.layout, cmp = layout.comparator
        let full = try Self.read(tables, layout, slice: nil)
        func bound(_ c: Int32, _ kind: BoundKind) -> ClusteringBound { ClusteringBound(values: M.ck(c), kind: kind) }
        // Inside a deletion only the ts-300 rows of file 2 live: 308, 319, 330, 341.
        let mid = ClusteringSlice(start: bound(300, .inclusiveStart), end: bound(350, .inclusiveEnd))
        let sliced = try Self.read(tables, layout, slice: mid)
        #expect(sliced.seeks >= 3, "each partition of file 1 is entered through its promoted index")
        let clusterings = Set(sliced.rows.map { Int32(bigEndian: $0.row.clustering[0]!.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }) })
        #expect(clusterings == [308, 319, 330, 341])
        var samples: [ClusteringValues] = []
        for c: Int32 in [0, 150, 199, 200, 210, 320, 321, 399, 400, 401, 450, 451, 470, 499, 500, 599] { samples.append(M.ck(c)) }
        for slice in Self.slices(around: samples) {
            let got = try Self.read(tables, layout, slice: slice)
            #expect(got.rendered == Read(rows: full.rows.filter { Self.inside($0.row, slice, cmp) }).rendered, "slice \(slice)")
            // One partition, found through the index, sliced the same way.
            let key = M.key(2)
            let one = try Self.read(tables, layout, slice: slice, filter: .key(key))
            #expect(one.rendered == Read(rows: full.rows.filter { $0.key == key && Self.inside($0.row, slice, cmp) }).rendered, "slice \(slice) of key 2")
        }
    }

    @Test("an empty slice returns no rows, and a corrupt promoted index is an error naming Index.db")
    func emptyAndCorrupt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slice-corrupt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tables = try Self.writeFiles(dir, version: "nb")
        let empty = ClusteringSlice(start: ClusteringBound(values: M.ck(10), kind: .exclusiveStart), end: ClusteringBound(values: M.ck(10), kind: .inclusiveEnd))
        #expect(empty.isEmpty(M.layout.comparator))
        #expect(try Self.read(tables, M.layout, slice: empty).rows.isEmpty)
        // Point every block offset of file 1 past the data: entering a partition must fail loudly.
        let indexPath = tables[0].descriptor.path("Index.db")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: indexPath)))
        let reader = PartitionIndexReader(path: indexPath, bytes: bytes)
        let entry = try #require(try reader.next(withRowIndex: true))
        let rowIndex = try #require(entry.rowIndex)
        // The promoted index begins after key, position and size; overwrite its block count.
        let start = Int(entry.indexPosition) + 2 + entry.key.count + VIntTestSupport.size(UInt64(entry.dataPosition)) + VIntTestSupport.size(UInt64(rowIndex.count))
        bytes[start] = 0 // header length 0 keeps the layout; now make the deletion impossible to end
        for i in (start + 1)..<(start + rowIndex.count) { bytes[i] = 0xff }
        try Data(bytes).write(to: URL(fileURLWithPath: indexPath))
        let slice = ClusteringSlice(start: ClusteringBound(values: M.ck(300), kind: .inclusiveStart), end: nil)
        #expect {
            _ = try Self.read([try SSTable(descriptor: tables[0].descriptor)], M.layout, slice: slice)
        } throws: { error in
            "\(error)".contains("Index.db")
        }
    }
}

/// The encoded size of an unsigned vint, to find fields in written files.
enum VIntTestSupport {
    static func size(_ v: UInt64) -> Int {
        var n = 1
        while n < 9 && v >= (UInt64(1) << UInt64(7 * n)) { n += 1 }
        return n
    }
}
