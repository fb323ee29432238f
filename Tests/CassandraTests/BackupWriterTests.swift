@testable import Cassandra
import Digests
import Foundation
import JSON
import Testing

/// `backup write`: mutation lines → a Medusa backup whose every node's SSTables, read back
/// and merged by the reader, equal what the reference model computes from that node's lines.
struct BackupWriterTests {
    static let schema = """
    CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '2'} AND durable_writes = true;
    CREATE TYPE ks.addr (street text, zip int);
    CREATE TABLE ks.users (id int, ck text, s text static, v int, tags set<text>, l list<int>, m map<text, int>, a addr,
        f frozen<addr>, PRIMARY KEY (id, ck)) WITH CLUSTERING ORDER BY (ck DESC) AND comment = 'x';
    CREATE TABLE ks.events (a text, b int, c1 int, c2 timestamp, v double, PRIMARY KEY ((a, b), c1, c2));
    CREATE TABLE ks.counts (k text PRIMARY KEY, n counter);
    CREATE TABLE ks.kv (k text PRIMARY KEY, val blob) WITH id = 5d9e8f40-a0b1-11ee-b9d3-a1b2c3d4e5f6;
    """

    static let tokenMap = """
    {"n1.example.com": {"tokens": [-9223372036854775808], "is_up": true, "rack": "r1", "dc": "dc1"},
     "n2.example.com": {"tokens": [-3074457345618258603], "is_up": true, "rack": "r1", "dc": "dc1"},
     "n3.example.com": {"tokens": [3074457345618258602], "is_up": true, "rack": "r1", "dc": "dc1"},
     "far.example.com": {"tokens": [42], "is_up": true, "rack": "r9", "dc": "dc2"}}
    """

    static let n12 = #""nodes":["n1.example.com","n2.example.com"]"#
    static let n1 = #""nodes":["n1.example.com"]"#
    static let n2 = #""nodes":["n2.example.com"]"#

    /// Every mutation kind, overwrites across flushes with newer and older timestamps, TTLs
    /// live and expired at the reference time, and writes some replicas missed.
    static let lines: [String] = [
        #"{\#(n12),"flush":1,"table":"ks.users","kind":"insert","partition":{"id":1},"clustering":{"ck":"a"},"values":{"v":1,"tags":["x","y"],"l":[3,1,2],"m":[["k",1],["j",2]],"a":{"street":"Main","zip":1},"f":{"street":"F","zip":2}},"timestamp":1000000}"#,
        #"{\#(n12),"flush":1,"table":"ks.users","kind":"update","partition":{"id":1},"values":{"s":"static!"},"timestamp":1000001}"#,
        #"{\#(n1),"flush":1,"table":"ks.users","kind":"insert","partition":{"id":1},"clustering":{"ck":"b"},"values":{"v":2},"timestamp":1000002,"ttl":100}"#,
        #"{\#(n1),"flush":2,"table":"ks.users","kind":"add","partition":{"id":1},"clustering":{"ck":"a"},"elements":{"tags":["z"],"l":[9],"m":[["q",7],["j",null]]},"timestamp":2000000}"#,
        #"{\#(n1),"flush":2,"table":"ks.users","kind":"remove","partition":{"id":1},"clustering":{"ck":"a"},"elements":{"tags":["x"],"m":["k"]},"timestamp":2000001}"#,
        #"{\#(n1),"flush":2,"table":"ks.users","kind":"delete_range","partition":{"id":1},"range":{"start":{"ck":"c"},"start_inclusive":true,"end":{"ck":"b"},"end_inclusive":true},"timestamp":2000002}"#,
        #"{\#(n1),"flush":2,"table":"ks.users","kind":"insert","partition":{"id":2},"clustering":{"ck":"q"},"values":{"v":5},"timestamp":2000003}"#,
        #"{\#(n1),"flush":2,"table":"ks.users","kind":"delete_partition","partition":{"id":2},"timestamp":2000004}"#,
        #"{\#(n1),"flush":2,"table":"ks.users","kind":"insert","partition":{"id":2},"clustering":{"ck":"r"},"values":{"v":6,"a":{"zip":9}},"timestamp":2000005}"#,
        // Older than what flush 1 holds: loses.
        #"{\#(n12),"flush":2,"table":"ks.users","kind":"update","partition":{"id":1},"clustering":{"ck":"a"},"values":{"v":100,"f":null},"timestamp":999999}"#,
        #"{\#(n12),"flush":3,"table":"ks.users","kind":"delete_cells","partition":{"id":1},"clustering":{"ck":"a"},"columns":["l","v"],"timestamp":3000000}"#,
        #"{\#(n12),"flush":3,"table":"ks.users","kind":"insert","partition":{"id":3},"clustering":{"ck":"m"},"values":{"v":7},"timestamp":3000001,"ttl":5}"#,
        #"{\#(n12),"flush":3,"table":"ks.users","kind":"update","partition":{"id":4},"values":{"s":"only static"},"timestamp":3000002}"#,
        #"{\#(n12),"flush":3,"table":"ks.users","kind":"delete_row","partition":{"id":1},"clustering":{"ck":"zz"},"timestamp":3000003}"#,
        #"{\#(n2),"flush":3,"table":"ks.users","kind":"insert","partition":{"id":5},"clustering":{"ck":"e"},"values":{"l":[1],"a":null},"timestamp":3000004}"#,
        // Overlapping ranges with different timestamps: boundaries where one meets the other.
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"insert","partition":{"a":"x","b":1},"clustering":{"c1":1,"c2":"2026-01-01T00:00:00.000Z"},"values":{"v":1.5},"timestamp":10}"#,
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"insert","partition":{"a":"x","b":1},"clustering":{"c1":2,"c2":"2026-01-01T00:00:00.000Z"},"values":{"v":"NaN"},"timestamp":10}"#,
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"insert","partition":{"a":"x","b":1},"clustering":{"c1":3,"c2":"2026-01-01T00:00:00.000Z"},"values":{"v":-0.5},"timestamp":30}"#,
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"insert","partition":{"a":"x","b":1},"clustering":{"c1":5,"c2":"1969-12-31T23:59:59.999Z"},"values":{"v":2},"timestamp":10}"#,
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"delete_range","partition":{"a":"x","b":1},"range":{"start":{"c1":1},"start_inclusive":false,"end":{"c1":4},"end_inclusive":true},"timestamp":20}"#,
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"delete_range","partition":{"a":"x","b":1},"range":{"start":{"c1":3},"end":{"c1":6},"end_inclusive":false},"timestamp":25}"#,
        #"{\#(n1),"flush":1,"table":"ks.events","kind":"delete_range","partition":{"a":"x","b":1},"range":{"end":{"c1":1,"c2":"2026-01-01T00:00:00.000Z"},"end_inclusive":false},"timestamp":40}"#,
        #"{\#(n1),"flush":2,"table":"ks.events","kind":"insert","partition":{"a":"x","b":1},"clustering":{"c1":4,"c2":"2026-01-01T00:00:00.000Z"},"values":{"v":4},"timestamp":24}"#,
        #"{\#(n1),"flush":1,"table":"ks.counts","kind":"update","partition":{"k":"c"},"values":{"n":5},"timestamp":100}"#,
        #"{\#(n1),"flush":2,"table":"ks.counts","kind":"update","partition":{"k":"c"},"values":{"n":-2},"timestamp":200}"#,
        #"{\#(n1),"flush":2,"table":"ks.counts","kind":"update","partition":{"k":"c"},"values":{"n":10},"timestamp":300}"#,
        // Within one flush, a later line with an older timestamp loses (also across spilled runs).
        #"{\#(n1),"flush":3,"table":"ks.users","kind":"update","partition":{"id":6},"clustering":{"ck":"x"},"values":{"v":50,"m":[["a",1]]},"timestamp":5000000}"#,
        #"{\#(n1),"flush":3,"table":"ks.users","kind":"update","partition":{"id":6},"clustering":{"ck":"x"},"values":{"v":40,"m":[["a",2]]},"timestamp":4000000}"#,
        #"{\#(n1),"flush":1,"table":"ks.counts","kind":"update","partition":{"k":"c"},"values":{"n":7},"timestamp":150}"#,
        #"{"nodes":["n2.example.com","n3.example.com"],"flush":1,"table":"ks.kv","kind":"insert","partition":{"k":"key1"},"values":{"val":"0xcafe"},"timestamp":5}"#,
        #"{"nodes":["n3.example.com"],"flush":1,"table":"ks.kv","kind":"insert","partition":{"k":"key2"},"values":{"val":"0x"},"timestamp":5,"now":1}"#,
    ]

    static let reference: Int64 = 3  // seconds: the TTL of 5 s written at 3 s is live, the one of 100 s too

    struct Written {
        var root: URL
        var summary: BackupWriter.Summary
        var writer: BackupWriter
    }

    static func write(_ lines: [String], into root: URL? = nil, backup: String = "b1", started: Int64 = 1_795_996_800,
                      memtableBudget: Int = 1 << 30, format: String = "nb") throws -> Written {
        let dir = try root ?? FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                                       appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
        let mutations = dir.appendingPathComponent("writes-\(backup).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: mutations, atomically: true, encoding: .utf8)
        let writer = try BackupWriter(schemaText: schema, tokenMap: try TokenMap.parse(Array(tokenMap.utf8), file: "tokenmap.json"),
                                      options: .init(backupName: backup, outputDirectory: dir.appendingPathComponent("out").path, started: started,
                                                     version: try FormatVersion(letters: format, family: .big, file: ""),
                                                     memtableBudget: memtableBudget))
        return Written(root: dir, summary: try writer.write(mutations: mutations.path), writer: writer)
    }

    /// The reader's rows of one table folder, as `sstable dump --rows` prints them.
    static func readerRows(_ folder: String, _ table: TableSchema, now: Int64) throws -> [String] {
        guard FileManager.default.fileExists(atPath: folder) else { return [] }
        return try readerRows(try SSTable.discover(path: folder), table, now: now)
    }

    /// The rows of several SSTables (e.g. every replica's) merged.
    static func readerRows(_ sstables: [SSTable], _ table: TableSchema, now: Int64) throws -> [String] {
        let rows = try TableReader(sstables: sstables, schema: table).rows(now: now)
        var out: [String] = []
        while let r = try rows.next() {
            var line = "{"
            for (i, v) in r.enumerated() {
                if i > 0 { line += ", " }
                ValueJSON.writeString(rows.columnNames[i], to: &line)
                line += ": " + ValueJSON.render(v)
            }
            out.append(line + "}")
        }
        return out
    }

    static func modelRows(_ lines: [String], node: String, table: String, schema: CQLSchema, now: Int64) throws -> [String] {
        let model = ReferenceModel(schema: schema)
        for (i, l) in lines.enumerated() {
            let m = try Mutation(try JSONParser.parse(l), line: i + 1, file: "writes")
            if m.nodes.contains(node) { try model.apply(m) }
        }
        return try model.rows(table: table, now: now)
    }

    @Test(arguments: [(1 << 30, "nb"), (1, "nb"), (1 << 30, "oa")])
    func everyNodeReadsBackWhatItsWritesSay(memtableBudget: Int, format: String) throws {
        // A budget of one byte spills every memtable after each line: each flush is then
        // merged from its sorted runs. oa: the same backup in Cassandra 5.0's format.
        let w = try Self.write(Self.lines, memtableBudget: memtableBudget, format: format)
        defer { try? FileManager.default.removeItem(at: w.root) }
        #expect(w.summary.lines == Self.lines.count)
        var compared = 0
        for node in ["n1.example.com", "n2.example.com", "n3.example.com", "far.example.com"] {
            for table in w.writer.schema.tables {
                let name = "\(table.keyspace!).\(table.name!)"
                let folder = w.root.appendingPathComponent("out/\(node)/data/ks/\(w.writer.tableFolders[name]!)").path
                let actual = try Self.readerRows(folder, table, now: Self.reference)
                let expected = try Self.modelRows(Self.lines, node: node, table: name, schema: w.writer.schema, now: Self.reference)
                #expect(actual == expected, "\(node) \(name)")
                compared += expected.count
            }
        }
        #expect(compared >= 14)
        // Spot checks of the model itself, so that it cannot agree with the reader by accident.
        let n1users = try Self.modelRows(Self.lines, node: "n1.example.com", table: "ks.users", schema: w.writer.schema, now: Self.reference)
        #expect(n1users.contains(#"{"id": 1, "ck": "a", "s": "static!", "v": null, "tags": ["y", "z"], "l": null, "m": [["q", 7]], "a": {"street": "Main", "zip": 1}, "f": {"street": "F", "zip": 2}}"#))
        #expect(n1users.contains(#"{"id": 2, "ck": "r", "s": null, "v": 6, "tags": null, "l": null, "m": null, "a": {"street": null, "zip": 9}, "f": null}"#))
        #expect(n1users.contains(#"{"id": 4, "ck": null, "s": "only static", "v": null, "tags": null, "l": null, "m": null, "a": null, "f": null}"#))
        #expect(!n1users.contains { $0.contains(#""ck": "b""#) || $0.contains(#""ck": "q""#) })
        let later = try Self.modelRows(Self.lines, node: "n1.example.com", table: "ks.users", schema: w.writer.schema, now: 10)
        #expect(!later.contains { $0.contains(#""id": 3"#) }, "the 5 s TTL has expired at 10 s")
        let events = try Self.modelRows(Self.lines, node: "n1.example.com", table: "ks.events", schema: w.writer.schema, now: Self.reference)
        // c1 = 2, 4 and 5 lie under newer range deletions; 1 is outside them (exclusive bounds); 3 is newer.
        #expect(events == [#"{"a": "x", "b": 1, "c1": 1, "c2": "2026-01-01T00:00:00.000Z", "v": 1.5}"#,
                           #"{"a": "x", "b": 1, "c1": 3, "c2": "2026-01-01T00:00:00.000Z", "v": -0.5}"#])
        let counts = try Self.modelRows(Self.lines, node: "n1.example.com", table: "ks.counts", schema: w.writer.schema, now: Self.reference)
        #expect(counts == [#"{"k": "c", "n": 20}"#])
        #expect(n1users.contains { $0.hasPrefix(#"{"id": 6, "ck": "x", "s": null, "v": 50, "tags": null, "l": null, "m": [["a", 1]]"#) })
    }

    @Test func layoutManifestAndIndex() throws {
        let w = try Self.write(Self.lines)
        defer { try? FileManager.default.removeItem(at: w.root) }
        let out = w.root.appendingPathComponent("out")
        for node in ["n1.example.com", "n2.example.com", "n3.example.com", "far.example.com"] {
            let meta = out.appendingPathComponent("\(node)/b1/meta")
            let schemaAttributes = try FileManager.default.attributesOfItem(atPath: meta.appendingPathComponent("schema.cql").path)
            #expect((schemaAttributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_795_996_800, "the start time is schema.cql's")
            #expect(try String(contentsOf: meta.appendingPathComponent("schema.cql"), encoding: .utf8) == Self.schema)
            #expect(FileManager.default.fileExists(atPath: meta.appendingPathComponent("differential").path))
            let version = try JSONParser.parse(try String(contentsOf: meta.appendingPathComponent("server_version.json"), encoding: .utf8))
            #expect(version["release_version"] == .string("4.1.5"))
            let map = try TokenMap.parse(Array(try Data(contentsOf: meta.appendingPathComponent("tokenmap.json"))), file: "")
            #expect(Set(map.nodes.map(\.dc)) == [node == "far.example.com" ? "dc2" : "dc1"], "a node's token map covers its datacenter")
            let manifestText = try String(contentsOf: meta.appendingPathComponent("manifest.json"), encoding: .utf8)
            guard case .array(let tables) = try JSONParser.parse(manifestText) else { Issue.record("manifest"); continue }
            #expect(tables.count == 4)
            var files = 0
            for t in tables {
                guard case .array(let objects)? = t["objects"], case .string(let cf)? = t["columnfamily"] else { continue }
                if cf.hasPrefix("kv-") { #expect(cf == "kv-5d9e8f40a0b111eeb9d3a1b2c3d4e5f6") }
                for o in objects {
                    guard case .string(let path)? = o["path"], case .int(let size)? = o["size"], case .string(let md5)? = o["MD5"] else {
                        Issue.record("object \(o.text)"); continue
                    }
                    #expect(path.hasPrefix("\(node)/data/ks/\(cf)/nb-"))
                    let bytes = try Data(contentsOf: out.appendingPathComponent(path))
                    #expect(Int64(bytes.count) == size)
                    #expect(Hex.encode(Digest.md5(Array(bytes))) == md5)
                    files += 1
                }
            }
            let summary = w.summary.nodes.first { $0.fqdn == node }!
            #expect(files == summary.files)
            #expect(files % 8 == 0 && (node == "far.example.com") == (files == 0))
            let index = out.appendingPathComponent("index/backup_index/b1")
            let names = try FileManager.default.contentsOfDirectory(atPath: index.path)
            for expected in ["tokenmap_\(node).json", "schema_\(node).cql", "manifest_\(node).json", "started_\(node)_1795996800.timestamp"] {
                #expect(names.contains(expected), "\(expected)")
            }
            #expect(names.contains { $0.hasPrefix("finished_\(node)_") })
            #expect(try String(contentsOf: index.appendingPathComponent("manifest_\(node).json"), encoding: .utf8) == manifestText)
        }
        // Flush numbers are generations: n1 has users in flushes 1, 2 and 3.
        let users = out.appendingPathComponent("n1.example.com/data/ks/\(w.writer.tableFolders["ks.users"]!)")
        let generations = Set(try FileManager.default.contentsOfDirectory(atPath: users.path).map { $0.split(separator: "-")[1] })
        #expect(generations == ["1", "2", "3"])
    }

    @Test func aBadLineNamesItselfAndWritesNothing() throws {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad: [(String, String)] = [
            (#"{\#(Self.n1),"flush":1,"table":"ks.users","kind":"insert","partition":{"id":"one"},"clustering":{"ck":"a"},"values":{},"timestamp":1}"#, "id"),
            (#"{\#(Self.n1),"flush":1,"table":"ks.nope","kind":"insert","partition":{"id":1},"values":{},"timestamp":1}"#, "ks.nope"),
            (#"{"nodes":["ghost"],"flush":1,"table":"ks.users","kind":"insert","partition":{"id":1},"values":{},"timestamp":1}"#, "ghost"),
            (#"{\#(Self.n1),"flush":1,"table":"ks.users","kind":"update","partition":{"id":1},"values":{"v":1},"timestamp":1}"#, "static"),
            (#"{\#(Self.n1),"flush":1,"table":"ks.users","kind":"insert","partition":{"id":1},"clustering":{"ck":"a"},"values":{"v":1}}"#, "timestamp"),
            (#"{\#(Self.n1),"flush":1,"table":"ks.users","kind":"insert", "partition":{"id":1},"clustering":{"ck":"a"},"values":{"v":1},"timestamp":1,}"#, "column"),
            (#"{\#(Self.n1),"flush":1,"table":"ks.events","kind":"delete_range","partition":{"a":"x","b":1},"range":{"start":{"c1":4},"end":{"c1":1}},"timestamp":20}"#, "empty"),
        ]
        for (line, needle) in bad {
            let lines = [Self.lines[0], line]
            do {
                _ = try Self.write(lines, into: dir, backup: "bad")
                Issue.record("no error for \(line)")
            } catch {
                #expect("\(error)".contains("writes-bad.jsonl:2:") && "\(error)".contains(needle), "\(error)")
            }
            let left = FileManager.default.enumerator(atPath: dir.appendingPathComponent("out").path)?.allObjects as? [String] ?? []
            #expect(!left.contains { $0.contains(".db") || $0.hasSuffix(".json") || $0.hasSuffix(".cql") }, "\(left)")
        }
    }

    @Test func aLaterBackupSharesTheFilesItHasInCommon() throws {
        let first = Array(Self.lines.prefix(3))
        let w1 = try Self.write(first, backup: "b1")
        defer { try? FileManager.default.removeItem(at: w1.root) }
        let users = w1.root.appendingPathComponent("out/n1.example.com/data/ks/\(w1.writer.tableFolders["ks.users"]!)/nb-1-big-Data.db")
        let before = try FileManager.default.attributesOfItem(atPath: users.path)[.modificationDate] as? Date
        let more = first + [Self.lines[3].replacingOccurrences(of: #""flush":2"#, with: #""flush":2"#)]
        let w2 = try Self.write(more, into: w1.root, backup: "b2", started: 1_796_083_200)
        #expect(w2.summary.nodes.first { $0.fqdn == "n1.example.com" }!.sstables == 2)
        #expect(try FileManager.default.attributesOfItem(atPath: users.path)[.modificationDate] as? Date == before, "flush 1 was shared, not rewritten")
        // Other writes under a generation an earlier backup holds: an error, and b3 leaves nothing.
        let conflicting = [Self.lines[2].replacingOccurrences(of: #""v":2"#, with: #""v":3"#)]
        #expect(throws: SSTableError.self) { try Self.write(conflicting, into: w1.root, backup: "b3") }
        #expect(!FileManager.default.fileExists(atPath: w1.root.appendingPathComponent("out/n1.example.com/b3/meta/schema.cql").path))
        #expect(FileManager.default.fileExists(atPath: users.path))
    }
}
