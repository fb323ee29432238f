@testable import Cassandra
@testable import CassandraCatalog
import Columnar
import Engine
import Foundation
import SQL
import Testing

/// `SELECT … FROM cassandra.ks.t` over generated backups: every replica of every range merged
/// equals the generator's expected tables, exactly and in token order, however the read splits.
@Suite(.serialized) struct BackupTableTests {
    static func synth(_ dir: TempDir, seed: UInt64 = 7, configure: (inout SynthOptions) -> Void = { _ in }) throws -> SyntheticCluster {
        var o = SynthOptions(version: try FormatVersion(letters: "nb", family: .big, file: ""))
        o.seed = seed
        o.sizeMB = 1
        o.wideRows = 3000
        o.chunkedValues = 2
        o.vnodes = 4
        o.nodesPerDatacenter = 4
        o.replicationFactor = 3
        o.missingReplicaRate = 0.1
        o.memtableBudget = 1 << 20
        configure(&o)
        let cluster = try SyntheticCluster(options: o, directory: dir.path)
        _ = try cluster.run()
        return cluster
    }

    @Test func everyTableReadsAsExpectedThroughSQL() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let cluster = try Self.synth(dir)
        let session = try SQLRun.session(dir.path + "/backups")
        _ = try session.execute("SET cassandra_exact_types = 'text'")
        let mapping = CQLTypeMapping(exactAsText: true)
        var checked = 0
        for t in cluster.schema.tables {
            let name = "\(t.keyspace!).\(t.name!)"
            let expected = try SQLRun.expectedRows(try SQLRun.lines(dir.path + "/expected/\(name).jsonl"), t, mapping: mapping)
            let whole = try SQLRun.rows(session, "SELECT * FROM cassandra.\(name)")
            #expect(whole == expected, "\(name): \(whole.count) rows, \(expected.count) expected; first difference at \(zip(whole, expected).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "the end")")
            checked += expected.count
        }
        #expect(checked > 5000)

        // A composite partition key pinned (and an IN list): those partitions, read through the
        // index, equal the expected rows of those keys.
        let t = cluster.schema.table("synth.all_types")!
        let all = try SQLRun.expectedRows(try SQLRun.lines(dir.path + "/expected/synth.all_types.jsonl"), t, mapping: mapping)
        let keys = Array(Set(all.map { [$0[0], $0[1]] })).sorted { "\($0)" < "\($1)" }.prefix(3)
        for k in keys {
            let sql = "SELECT * FROM cassandra.synth.all_types WHERE id = \(ValueText.render(k[0])) AND bucket = \(ValueText.render(k[1]))"
            #expect(try SQLRun.rows(session, sql) == all.filter { [$0[0], $0[1]] == k }, "\(sql)")
            #expect(try SQLRun.text(session, "EXPLAIN " + sql).contains("partition key pinned: 1 partition"))
        }
        let ids = keys.map { ValueText.render($0[0]) }.joined(separator: ", ")
        let buckets = Set(keys.map { ValueText.render($0[1]) }).joined(separator: ", ")
        let inSQL = "SELECT * FROM cassandra.synth.all_types WHERE id IN (\(ids)) AND bucket IN (\(buckets))"
        let idSet = Set(keys.map { $0[0] }), bucketSet = Set(keys.map { $0[1] })
        #expect(try SQLRun.rows(session, inSQL) == all.filter { idSet.contains($0[0]) && bucketSet.contains($0[1]) }, "\(inSQL)")
        // last_modified() pruning reads only partitions the newer files hold: the same rows as
        // the unpruned filter, for every table.
        for t in cluster.schema.tables {
            let name = "cassandra.\(t.keyspace!).\(t.name!)"
            let bound = "TIMESTAMP '2026-11-20 00:00:00'"
            let pruned = try SQLRun.rows(session, "SELECT * FROM \(name) WHERE last_modified() > \(bound)")
            #expect(pruned == (try SQLRun.rows(session, "SELECT * FROM \(name) WHERE NOT (last_modified() <= \(bound))")), "\(name)")
        }

        // Split into many token ranges and read on two threads: the same rows in the same order.
        _ = try session.execute("SET cassandra_split_mb = 0.005; SET threads = 2")
        for name in ["synth.all_types", "kv.items", "ts.wide_data_20261127_0"] {
            let t = cluster.schema.table(name)!
            let expected = try SQLRun.expectedRows(try SQLRun.lines(dir.path + "/expected/\(name).jsonl"), t, mapping: mapping)
            #expect(try SQLRun.rows(session, "SELECT * FROM cassandra.\(name)") == expected, "\(name) split")
            let plan = try SQLRun.text(session, "EXPLAIN SELECT * FROM cassandra.\(name)")
            let parts = plan.split(separator: " ").first { $0.hasPrefix("partitions=") }.flatMap { Int($0.dropFirst("partitions=".count)) } ?? 0
            #expect(parts > 3, "\(name): \(plan)")
        }
    }

    @Test func inexactValuesAreErrorsNamingTheColumnUnlessReadAsText() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try Self.synth(dir) { $0.families = [.types]; $0.wideRows = 0 }
        let session = try SQLRun.session(dir.path + "/backups")
        #expect {
            _ = try SQLRun.rows(session, "SELECT c_varint FROM cassandra.synth.all_types")
        } throws: { e in
            let text = "\(e)"
            return text.contains("cassandra.synth.all_types") && text.contains("c_varint") && text.contains("38 digits") && text.contains("cassandra_exact_types")
        }
        // Columns whose values fit read without the setting.
        #expect(try !SQLRun.rows(session, "SELECT id, c_int, c_text, c_list, c_udt, c_duration FROM cassandra.synth.all_types").isEmpty)
    }
}
