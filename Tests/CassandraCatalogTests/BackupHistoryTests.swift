@testable import Cassandra
@testable import CassandraCatalog
import Columnar
import Engine
import Foundation
import JSON
import SQL
import Testing

/// Three backups of a four-node cluster (RF 3) written from explicit mutations, so every
/// expected value is known: metadata functions, TTL reference time, consistency levels,
/// time travel with each backup's schema (a column dropped, one added), key pushdown.
@Suite(.serialized) struct BackupHistoryTests {
    static let tokenMap = """
        {"n1": {"tokens": [-6000000000000000000], "is_up": true, "rack": "r1", "dc": "dc1"},
         "n2": {"tokens": [-2000000000000000000], "is_up": true, "rack": "r1", "dc": "dc1"},
         "n3": {"tokens": [2000000000000000000], "is_up": true, "rack": "r1", "dc": "dc1"},
         "n4": {"tokens": [6000000000000000000], "is_up": true, "rack": "r1", "dc": "dc1"}}
        """
    static let keyspace = "CREATE KEYSPACE shop WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3'};\n"
    static let schema1 = keyspace + "CREATE TABLE shop.users (id int PRIMARY KEY, email text, tags set<text>, visits int);\n"
    // Backup 2: visits dropped, plan added.
    static let schema2 = keyspace + "CREATE TABLE shop.users (id int PRIMARY KEY, email text, tags set<text>, plan text);\n"

    static let day: Int64 = 86_400
    static let nov1: Int64 = 1_793_491_200, nov15: Int64 = 1_794_700_800, nov20: Int64 = 1_795_132_800

    static func replicas(_ id: Int32) throws -> [String] {
        let map = try TokenMap.parse(Array(tokenMap.utf8), file: "tokenmap.json")
        let placement = map.placement(try CQLSchemaParser.parseSchema(schema1).keyspace("shop")!)
        let key = try ValueEncoder.encode(.int(Int64(id)), as: .int)
        return placement.replicas(of: Murmur3.token(key))
    }

    static func line(_ id: Int32, kind: String = "insert", values: String? = nil, ts: Int64, ttl: Int? = nil, now: Int64? = nil,
                     flush: Int, nodes: [String]? = nil) throws -> String {
        let n = try nodes ?? replicas(id)
        var l = "{\"nodes\": [\(n.map { "\"\($0)\"" }.joined(separator: ", "))], \"flush\": \(flush), \"table\": \"shop.users\", \"kind\": \"\(kind)\", \"partition\": {\"id\": \(id)}"
        if let values { l += ", \"values\": {\(values)}" }
        l += ", \"timestamp\": \(ts)"
        if let ttl { l += ", \"ttl\": \(ttl)" }
        if let now { l += ", \"now\": \(now)" }
        return l + "}"
    }

    static func write(_ lines: [String], schema: String, backup: String, started: Int64, into root: URL) throws {
        let file = root.appendingPathComponent("writes-\(backup).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let writer = try BackupWriter(schemaText: schema, tokenMap: try TokenMap.parse(Array(tokenMap.utf8), file: "tokenmap.json"),
                                      options: .init(backupName: backup, outputDirectory: root.appendingPathComponent("backups").path, started: started,
                                                     version: try FormatVersion(letters: "nb", family: .big, file: "")))
        _ = try writer.write(mutations: file.path)
    }

    /// Adds `from`'s objects of every table to `to`'s manifest, node by node: the SSTables
    /// a node still had when the later backup ran (Medusa's differential backups share them).
    static func carryOver(_ root: URL, from: String, to: String) throws {
        for node in ["n1", "n2", "n3", "n4"] {
            let a = root.appendingPathComponent("backups/\(node)/\(from)/meta/manifest.json")
            let b = root.appendingPathComponent("backups/\(node)/\(to)/meta/manifest.json")
            let old = try JSONSerialization.jsonObject(with: try Data(contentsOf: a)) as! [[String: Any]]
            var new = try JSONSerialization.jsonObject(with: try Data(contentsOf: b)) as! [[String: Any]]
            for t in old {
                if let i = new.firstIndex(where: { ($0["columnfamily"] as! String) == (t["columnfamily"] as! String) }) {
                    new[i]["objects"] = (new[i]["objects"] as! [Any]) + (t["objects"] as! [Any])
                } else {
                    new.append(t)
                }
            }
            let attrs = try FileManager.default.attributesOfItem(atPath: b.path)
            try JSONSerialization.data(withJSONObject: new).write(to: b)
            try FileManager.default.setAttributes([.modificationDate: attrs[.modificationDate]!], ofItemAtPath: b.path)
        }
    }

    static func us(_ seconds: Int64) -> Int64 { seconds * 1_000_000 }

    /// b1 (Nov 1): users 1…12. b2 (Nov 15): id 1's email changed on one replica only, id 13
    /// added with a plan, id 4 deleted, id 2's email with a TTL; b1's files carried over.
    /// b3 (Nov 20): like b2 plus id 14, but n2's backup never finished.
    static func make(_ dir: TempDir) throws {
        var b1: [String] = []
        for id in Int32(1)...12 {
            b1.append(try line(id, values: "\"email\": \"u\(id)@x\", \"tags\": [\"t\(id)\"], \"visits\": \(id)", ts: us(nov1 - day) + Int64(id), flush: 1))
        }
        // Expires an hour after b1 started: live in b1, gone by b2.
        b1.append(try line(3, kind: "update", values: "\"email\": \"short@x\"", ts: us(nov1 - 60), ttl: 3660, now: nov1 - 60, flush: 1))
        try write(b1, schema: schema1, backup: "b1", started: nov1, into: dir.url)

        var b2: [String] = []
        let one = try replicas(1)[1]
        b2.append(try line(1, kind: "update", values: "\"email\": \"new1@x\"", ts: us(nov15 - day), flush: 2, nodes: [one]))
        b2.append(try line(13, values: "\"email\": \"u13@x\", \"plan\": \"pro\"", ts: us(nov15 - day) + 13, flush: 2))
        b2.append(try line(4, kind: "delete_partition", ts: us(nov15 - day) + 4, flush: 2))
        b2.append(try line(2, kind: "update", values: "\"email\": \"ttl2@x\"", ts: us(nov15 - 3600), ttl: 7200, now: nov15 - 3600, flush: 2))
        try write(b2, schema: schema2, backup: "b2", started: nov15, into: dir.url)
        try carryOver(dir.url, from: "b1", to: "b2")

        var b3 = [try line(14, values: "\"email\": \"u14@x\"", ts: us(nov20 - day), flush: 3)]
        b3.append(try line(1, kind: "update", values: "\"email\": \"new1@x\"", ts: us(nov15 - day), flush: 3))
        try write(b3, schema: schema2, backup: "b3", started: nov20, into: dir.url)
        try carryOver(dir.url, from: "b2", to: "b3")
        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("backups/n2/b3/meta/manifest.json"))
    }

    @Test func timeTravelSchemasAndMetadata() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.make(dir)
        let s = try SQLRun.session(dir.path + "/backups")

        #expect(try SQLRun.text(s, "SELECT name, started, complete, missing_nodes FROM cassandra.system.backups") == """
            b1|2026-11-01 00:00:00|true|[]
            b2|2026-11-15 00:00:00|true|[]
            b3|2026-11-20 00:00:00|false|[n2]
            """)

        // Default: the latest complete backup (b2), with its schema: visits dropped, plan added.
        #expect(try SQLRun.text(s, "SELECT id, email, plan FROM cassandra.shop.users WHERE id IN (1, 2, 3, 4, 13) ORDER BY id") == """
            1|new1@x|NULL
            2|ttl2@x|NULL
            3|NULL|NULL
            13|u13@x|pro
            """)
        #expect(throws: SQLError.self) { try SQLRun.rows(s, "SELECT visits FROM cassandra.shop.users") }

        // b1 by time and by name: its own schema and rows; id 3's short email still live.
        for from in ["cassandra.shop.users FOR SYSTEM_TIME AS OF TIMESTAMP '2026-11-10 00:00:00'",
                     "cassandra.shop.users FOR SYSTEM_TIME AS OF '2026-11-01T00:00:00Z'",
                     "cassandra.shop.users FOR VERSION AS OF 'b1'"] {
            #expect(try SQLRun.text(s, "SELECT id, email, visits FROM \(from) WHERE id <= 4 ORDER BY id") == """
                1|u1@x|1
                2|u2@x|2
                3|short@x|3
                4|u4@x|4
                """, "\(from)")
        }
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.shop.users FOR SYSTEM_TIME AS OF '2026-10-01T00:00:00Z'") } throws: {
            "\($0)".contains("no complete backup started at or before 2026-10-01")
        }
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.shop.users FOR VERSION AS OF 'b9'") } throws: { "\($0)".contains("no backup named b9") }

        // writetime, ttl (remaining at the reference time), token, last_modified.
        let key2 = try ValueEncoder.encode(.int(2), as: .int)
        #expect(try SQLRun.text(s, "SELECT writetime(email), ttl(email), token(id), last_modified(), writetime(tags) FROM cassandra.shop.users WHERE id = 2") ==
                "\(Self.us(Self.nov15 - 3600))|3600|\(Murmur3.token(key2))|2026-11-14 23:00:00|\(Self.us(Self.nov1 - Self.day) + 2)")
        #expect(try SQLRun.text(s, "SELECT count(*) FROM cassandra.shop.users WHERE ttl(email) IS NULL") == "11", "all but id 2 (id 3's email expired)")
        // A later reference time expires id 2's email (the row lives on through its other cells).
        _ = try s.execute("SET ttl_reference_time = '2026-11-15T02:00:00Z'")
        #expect(try SQLRun.text(s, "SELECT id, email, ttl(email) FROM cassandra.shop.users WHERE id = 2") == "2|NULL|NULL")
        #expect(try SQLRun.text(s, "EXPLAIN SELECT * FROM cassandra.shop.users").contains("ttl reference time 2026-11-15T02:00:00.000Z (SET ttl_reference_time)"))
        _ = try s.execute("RESET ttl_reference_time")

        // `SELECT *` shows no metadata columns.
        guard case .rows(let schema, _)? = try s.execute("SELECT * FROM cassandra.shop.users").last else { Issue.record("no rows"); return }
        #expect(schema.map(\.name) == ["id", "email", "tags", "plan"], "as schema.cql declares them")
    }

    @Test func consistencyLevelsAndMissingReplicas() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.make(dir)
        let s = try SQLRun.session(dir.path + "/backups")
        // ALL refuses b3: n2 has no complete backup; the error names it and its ranges.
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.shop.users FOR VERSION AS OF 'b3'") } throws: { e in
            let t = "\(e)"
            return t.contains("b3") && t.contains("n2") && t.contains("consistency") && t.contains("QUORUM")
        }
        _ = try s.execute("SET consistency = 'QUORUM'")
        // QUORUM reads b3 (now the latest it accepts) from two of three replicas where n2 is one.
        let rows = try SQLRun.text(s, "SELECT id, email FROM cassandra.shop.users ORDER BY id")
        #expect(rows.hasSuffix("13|u13@x\n14|u14@x"), "\(rows)")
        #expect(rows.contains("1|new1@x"))
        let warnings = s.warnings.drain()
        #expect(warnings.contains { $0.contains("read from fewer replicas than placed") && $0.contains("b3") }, "\(warnings)")
        #expect(try SQLRun.text(s, "EXPLAIN SELECT * FROM cassandra.shop.users").contains("consistency QUORUM"))
        _ = try s.execute("SET consistency = 'ONE'")
        #expect(try SQLRun.text(s, "SELECT count(*) FROM cassandra.shop.users") == "13")
        _ = try s.execute("SET consistency = 'TWO'")
        #expect { try SQLRun.rows(s, "SELECT * FROM cassandra.shop.users") } throws: { "\($0)".contains("not one of ALL, QUORUM, ONE") }
    }

    @Test func partitionKeyAndTokenPushdown() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.make(dir)
        let s = try SQLRun.session(dir.path + "/backups")
        let all = try SQLRun.rows(s, "SELECT id, email, token(id) FROM cassandra.shop.users")
        #expect(all.count == 12)
        let plan = try SQLRun.text(s, "EXPLAIN SELECT * FROM cassandra.shop.users WHERE id = 7")
        #expect(plan.contains("partition key pinned: 1 partition"), "\(plan)")
        #expect(try SQLRun.text(s, "SELECT email FROM cassandra.shop.users WHERE id = 7") == "u7@x")
        #expect(try SQLRun.text(s, "SELECT email FROM cassandra.shop.users WHERE id = 4") == "", "deleted")
        #expect(try SQLRun.text(s, "SELECT email FROM cassandra.shop.users WHERE id = 99") == "")
        #expect(try SQLRun.rows(s, "SELECT id FROM cassandra.shop.users WHERE id IN (9, 5, 4, 5)").count == 2)
        // Token ranges: the rows of (t, max] and (min, t] together are all rows, in token order.
        let t: Int64 = 0
        let high = try SQLRun.rows(s, "SELECT id, email, token(id) FROM cassandra.shop.users WHERE token(id) > \(t)")
        let low = try SQLRun.rows(s, "SELECT id, email, token(id) FROM cassandra.shop.users WHERE token(id) <= \(t)")
        #expect(low + high == all)
        #expect(!low.isEmpty && !high.isEmpty)
        let narrowed = try SQLRun.text(s, "EXPLAIN SELECT * FROM cassandra.shop.users WHERE token(id) > 5000000000000000000")
        #expect(narrowed.contains("token(id)"), "\(narrowed)")

        // Rows changed since Nov 10 (b2's writes): found through the newer SSTables' Index.db,
        // then read whole from every file — the same rows as the unpruned filter.
        let since = "TIMESTAMP '2026-11-10 00:00:00'"
        let pruned = try SQLRun.text(s, "SELECT id, email, tags FROM cassandra.shop.users WHERE last_modified() > \(since) ORDER BY id")
        #expect(pruned == "1|new1@x|[t1]\n2|ttl2@x|[t2]\n13|u13@x|NULL", "\(pruned)")
        #expect(pruned == (try SQLRun.text(s, "SELECT id, email, tags FROM cassandra.shop.users WHERE NOT (last_modified() <= \(since)) ORDER BY id")))
        let explained = try SQLRun.text(s, "EXPLAIN SELECT id FROM cassandra.shop.users WHERE last_modified() > \(since)")
        #expect(explained.contains("last_modified() pruning:") && explained.contains("4 partitions found"), "\(explained)")
        #expect(try SQLRun.text(s, "SELECT count(*) FROM cassandra.shop.users WHERE last_modified() >= TIMESTAMP '2026-12-01 00:00:00'") == "0")
    }
}

/// Partition-key pushdown for key types whose SQL literals are casts: uuid, date, timestamp,
/// blob (a composite key of all four), encoded through the one value encoder.
struct KeyPushdownTypesTests {
    @Test func uuidDateTimestampAndBlobKeys() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let schema = BackupHistoryTests.keyspace + "CREATE TABLE shop.ev (u uuid, d date, t timestamp, b blob, v text, PRIMARY KEY ((u, d, t, b)));\n"
        let all = ["n1", "n2", "n3", "n4"].map { "\"\($0)\"" }.joined(separator: ", ")
        let keys = [("0b7e6f4c-1d2a-4c3b-9e8f-0123456789ab", "2026-11-03", "2026-11-03T10:00:00.123Z", "0xcafe"),
                    ("0b7e6f4c-1d2a-4c3b-9e8f-0123456789ab", "1969-12-31", "1960-01-01T00:00:00.000Z", "0x"),
                    ("ffffffff-ffff-4fff-bfff-ffffffffffff", "2026-11-03", "2026-11-03T10:00:00.123Z", "0x00ff")]
        let lines = keys.enumerated().map { i, k in
            "{\"nodes\": [\(all)], \"flush\": 1, \"table\": \"shop.ev\", \"kind\": \"insert\", \"partition\": {\"u\": \"\(k.0)\", \"d\": \"\(k.1)\", \"t\": \"\(k.2)\", \"b\": \"\(k.3)\"}, \"values\": {\"v\": \"row\(i)\"}, \"timestamp\": \(BackupHistoryTests.us(BackupHistoryTests.nov1 - 60) + Int64(i))}"
        }
        try BackupHistoryTests.write(lines, schema: schema, backup: "b1", started: BackupHistoryTests.nov1, into: dir.url)
        let s = try SQLRun.session(dir.path + "/backups")
        #expect(try SQLRun.rows(s, "SELECT * FROM cassandra.shop.ev").count == 3)
        for (i, k) in keys.enumerated() {
            let sql = "SELECT v FROM cassandra.shop.ev WHERE u = CAST('\(k.0)' AS UUID) AND d = DATE '\(k.1)' AND t = CAST('\(k.2)' AS TIMESTAMP) AND b = unhex('\(k.3.dropFirst(2))')"
            #expect(try SQLRun.text(s, sql) == "row\(i)", "\(sql)")
            #expect(try SQLRun.text(s, "EXPLAIN " + sql).contains("partition key pinned: 1 partition"), "\(sql)")
        }
        // A timestamp with microseconds names no stored key: nothing, and no error.
        #expect(try SQLRun.text(s, "SELECT v FROM cassandra.shop.ev WHERE u = CAST('\(keys[0].0)' AS UUID) AND d = DATE '2026-11-03' AND t = CAST('2026-11-03T10:00:00.123456Z' AS TIMESTAMP) AND b = unhex('cafe')") == "")
    }
}
