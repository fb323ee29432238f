@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// Index.db and Summary.db: every entry points at its partition in Data.db, and reads of
/// one key or of token ranges start where the index says, returning exactly what a full
/// scan returns for them.
@Suite("Partition index")
struct PartitionIndexTests {
    static var indexedTables: [String] {
        Fixtures.sstableTables.filter { name in
            guard let e = try? Fixtures.expected(name), e["expect_error"] == nil else { return false }
            guard let folder = try? Fixtures.sstableFolder(name),
                  let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return true }
            return files.contains { $0.hasSuffix("-Index.db") }
        }
    }

    struct Partition: Equatable {
        var key: [UInt8]
        var token: Token
        var position: Int64
        var unfiltereds: Int
    }

    static func fullScan(_ scanner: SSTableScanner) throws -> [Partition] {
        var out: [Partition] = []
        while let p = try scanner.nextPartition() {
            var n = scanner.staticRow == nil ? 0 : 1
            while try scanner.nextUnfiltered() != nil { n += 1 }
            out.append(Partition(key: p.key, token: p.token, position: p.position, unfiltereds: n))
        }
        return out
    }

    @Test("index entries point at their partitions", arguments: indexedTables)
    func entriesPointAtPartitions(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(expected))
        let observed = (expected["observed"] as? [[String: Any]]) ?? []
        for s in reader.sstables {
            let partitions = try Self.fullScan(try SSTableScanner(sstable: s, layout: reader.layout))
            let index = try #require(try s.openIndex())
            var entries: [PartitionIndexReader.Entry] = []
            while let e = try index.next() { entries.append(e) }
            #expect(entries.map(\.key) == partitions.map(\.key))
            #expect(entries.map(\.dataPosition) == partitions.map(\.position))
            if let o = observed.first(where: { $0["sstable"] as? String == s.descriptor.baseName }), let n = o["index_entries"] as? Int {
                #expect(entries.count == n)
            }
            if let summary = try s.loadSummary() {
                // Every sampled key is an index entry, at the index position the summary gives.
                for (k, pos) in zip(summary.keys, summary.indexPositions) {
                    #expect(entries.contains { $0.key == k && $0.indexPosition == pos })
                }
                if let first = entries.first, let last = entries.last {
                    #expect(summary.firstKey == first.key)
                    #expect(summary.lastKey == last.key)
                }
            }
        }
    }

    @Test("a key read starts at that partition", arguments: indexedTables)
    func keyReads(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(expected))
        for s in reader.sstables {
            let all = try Self.fullScan(try SSTableScanner(sstable: s, layout: reader.layout))
            let step = max(1, all.count / 40)
            for p in stride(from: 0, to: all.count, by: step).map({ all[$0] }) {
                let scanner = try SSTableScanner(sstable: s, layout: reader.layout, filter: .key(p.key))
                let got = try Self.fullScan(scanner)
                #expect(got == [p])
                #expect(scanner.firstPositionRead == p.position, "the read started at the partition, not before it")
            }
            // A key that is not there yields nothing.
            let absent = try SSTableScanner(sstable: s, layout: reader.layout, filter: .key(Array("no such key, surely".utf8)))
            #expect(try Self.fullScan(absent).isEmpty)
        }
    }

    @Test("token ranges partition the ring", arguments: indexedTables)
    func tokenRanges(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(expected))
        for s in reader.sstables {
            let all = try Self.fullScan(try SSTableScanner(sstable: s, layout: reader.layout))
            guard all.count >= 2 else { continue }
            // Split at a few partition tokens: (-inf, t1], (t1, t2], ..., (tk, +inf).
            let cuts = Array(Set(stride(from: 0, to: all.count, by: max(1, all.count / 5)).map { all[$0].token })).sorted()
            var bounds: [(Token?, Token?)] = []
            var previous: Token? = nil
            for c in cuts { bounds.append((previous, c)); previous = c }
            bounds.append((previous, nil))
            var joined: [Partition] = []
            for (after, upTo) in bounds {
                let scanner = try SSTableScanner(sstable: s, layout: reader.layout, filter: .tokenRange(after: after, upTo: upTo))
                let part = try Self.fullScan(scanner)
                for p in part {
                    if let after { #expect(p.token > after) }
                    if let upTo { #expect(p.token <= upTo) }
                }
                if let first = part.first, after != nil { #expect(scanner.firstPositionRead == first.position) }
                joined += part
            }
            #expect(joined == all)
        }
    }
}
