@testable import Cassandra
import Foundation
import JSON
import Testing

/// `backup synth`: the generated backup, read back by the reader — each node's SSTables alone
/// and every replica's merged — equals what the reference model computes from the mutation
/// file it wrote.
struct SynthTests {
    static func run(_ configure: (inout SynthOptions) -> Void) throws -> (URL, SyntheticCluster, SynthReport) {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
        var o = SynthOptions(version: try FormatVersion(letters: "nb", family: .big, file: ""))
        configure(&o)
        let cluster = try SyntheticCluster(options: o, directory: dir.path)
        return (dir, cluster, try cluster.run())
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func tableFolder(_ root: URL, node: String, _ t: TableSchema) throws -> String? {
        let ks = root.appendingPathComponent("backups/\(node)/data/\(t.keyspace!)")
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: ks.path)) ?? []
        return folders.first { $0.hasPrefix(t.name! + "-") && $0.dropFirst(t.name!.count + 1).count == 32 }.map { ks.appendingPathComponent($0).path }
    }

    @Test func mergedReplicasEqualTheExpectedTables() throws {
        let (dir, cluster, report) = try Self.run { o in
            o.seed = 7
            o.sizeMB = 1.5
            o.wideRows = 6000
            o.chunkedValues = 3
            o.vnodes = 4
            o.nodesPerDatacenter = 4
            o.replicationFactor = 3
            o.missingReplicaRate = 0.1
            // Small enough that the wide partitions' flushes are merged from sorted runs.
            o.memtableBudget = 1 << 20
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(report.lines > 1000)
        let nodes = cluster.tokenMap.nodes.map(\.fqdn)
        var checked = 0
        for t in cluster.schema.tables {
            let name = "\(t.keyspace!).\(t.name!)"
            let expected = try Self.lines(dir.appendingPathComponent("expected/\(name).jsonl").path)
            var sstables: [SSTable] = []
            for n in nodes {
                if let f = try Self.tableFolder(dir, node: n, t) { sstables += try SSTable.discover(path: f) }
            }
            guard !sstables.isEmpty else {
                #expect(expected.isEmpty, "\(name): rows expected but no SSTables")
                continue
            }
            let actual = try BackupWriterTests.readerRows(sstables, t, now: cluster.options.started)
            let same = actual == expected
            #expect(same, "\(name): \(actual.count) rows read, \(expected.count) expected; first difference at \(zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "the end")")
            checked += expected.count
        }
        #expect(checked >= 6000)
        // Every family's shape is there.
        #expect((report.expectedRows["ts.wide_data_20261127_0"] ?? 0) > 200, "the bursty series' split copy")
        #expect((report.expectedRows["ts.wide_row"] ?? 0) >= 8, "a split entry per event bucket of the bursty series")
        #expect((report.expectedRows["kv.items_chunk"] ?? 0) > 40)
        #expect((report.expectedRows["synth.all_types"] ?? 0) >= 6000)
    }

    @Test func eachNodeReadsWhatItsOwnLinesSay() throws {
        let (dir, cluster, _) = try Self.run { o in
            o.seed = 11
            o.sizeMB = 0.6
            o.wideRows = 0
            o.chunkedValues = 0
            o.missingReplicaRate = 0.2
            o.flushes = 4
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let all = try Self.lines(dir.appendingPathComponent("mutations.jsonl").path)
        for node in cluster.tokenMap.nodes.map(\.fqdn) {
            let model = ReferenceModel(schema: cluster.schema)
            for (i, l) in all.enumerated() {
                let m = try Mutation(try JSONParser.parse(l), line: i + 1, file: "mutations.jsonl")
                if m.nodes.contains(node) { try model.apply(m) }
            }
            for t in cluster.schema.tables {
                let expected = try model.rows(table: "\(t.keyspace!).\(t.name!)", now: cluster.options.started)
                let actual = try Self.tableFolder(dir, node: node, t).map {
                    try BackupWriterTests.readerRows($0, t, now: cluster.options.started)
                } ?? []
                #expect(actual == expected, "\(node) \(t.name!)")
            }
        }
    }

    @Test func theSameSeedMakesTheSameFiles() throws {
        func make() throws -> (String, String, URL) {
            let (dir, _, _) = try Self.run { o in
                o.seed = 3
                o.sizeMB = 0.3
                o.wideRows = 0
                o.chunkedValues = 0
            }
            return (try String(contentsOf: dir.appendingPathComponent("mutations.jsonl"), encoding: .utf8),
                    try String(contentsOf: dir.appendingPathComponent("backups/node1.dc1.synth.local/20261130T0000/meta/manifest.json"), encoding: .utf8), dir)
        }
        let a = try make(), b = try make()
        defer { try? FileManager.default.removeItem(at: a.2); try? FileManager.default.removeItem(at: b.2) }
        #expect(a.0 == b.0)
        #expect(a.1.replacingOccurrences(of: "\"size\"", with: "") == b.1.replacingOccurrences(of: "\"size\"", with: ""))
    }
}
