@testable import Cassandra
import Foundation
import JSON
import ObjectStore
import Testing

/// The smaller pieces under `backup write`/`synth`/the catalog, each on its own.
struct BackupPiecesTests {
    static func temporaryDirectory() throws -> URL {
        try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                    appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
    }

    // MARK: KV value metadata

    @Test func kvMetadataRoundTripsAndDescribesItsValue() throws {
        var m = KVValueMetadata()
        m.codec = .zstd
        m.uncompressedLength = 1 << 40
        m.chunkCount = 17
        m.chunkSize = 65536
        m.totalLength = 1_100_000
        m.version = Array(0..<16)
        m.checksum = 0xDEAD_BEEF
        m.expired = true
        m.userMetadata = [1, 2, 3]
        #expect(try KVValueMetadata(decoding: m.encoded()) == m)
        #expect(KVValueMetadata().encoded().isEmpty, "defaults are omitted: empty means a plain inline value")
        #expect(try KVValueMetadata(decoding: []) == KVValueMetadata())
        // Unknown fields are skipped (field 15 varint, field 16 bytes), as protobuf readers do.
        var extended = m.encoded()
        extended += [15 << 3, 42, 0x82, 0x01, 2, 9, 9]  // field 16's key is a two-byte varint
        #expect(try KVValueMetadata(decoding: extended) == m)
        for bad in [[0x08], [0x32, 5, 1], [0x3D, 1, 2], [0x08, 9]] as [[UInt8]] {
            #expect(throws: KVValueMetadata.DecodeError.self) { try KVValueMetadata(decoding: bad) }
        }
        // Compressed values: the stored bytes decompress to the value, and the metadata says how.
        let value = Array(String(repeating: "compressible text ", count: 200).utf8)
        for (codec, decompressor) in [(KVValueMetadata.Codec.lz4, Decompressor.lz4), (.zstd, .zstd), (.snappy, .snappy)] {
            let (stored, meta) = KVValueMetadata.compress(value, codec: codec)
            #expect(stored.count < value.count && meta.codec == codec && meta.uncompressedLength == UInt64(value.count))
            #expect(meta.totalLength == UInt64(stored.count) && meta.checksum == CRC32C.checksum(stored))
            var out: [UInt8] = []
            let failure = stored.withUnsafeBytes { decompressor.decompress($0, expected: value.count, into: &out) }
            #expect(failure == nil && out == value, "\(codec)")
        }
        // CRC-32C check value (RFC 3720): "123456789" → 0xE3069283.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    // MARK: token maps and replicas

    @Test func tokenMapsParseExactlyAndRefuseNonsense() throws {
        let map = try TokenMap.parse(Array(#"""
        {"a": {"tokens": [-9223372036854775808, "9223372036854775807"], "is_up": false, "rack": "r1", "dc": "dc1"},
         "b": {"tokens": [0], "dc": "dc1"}}
        """#.utf8), file: "tokenmap.json")
        #expect(map.nodes.map(\.fqdn) == ["a", "b"])
        #expect(map.nodes[0].tokens == [.min, .max] && !map.nodes[0].isUp && map.nodes[1].rack == "rack1")
        let round = try TokenMap.parse(Array(map.json().utf8), file: "again")
        #expect(round.nodes.map(\.tokens) == [[.min, .max], [0]])
        for (text, needle) in [(#"{"a": {"tokens": [1.5], "dc": "d"}}"#, "not a 64-bit integer"),
                               (#"{"a": {"tokens": [9223372036854775808], "dc": "d"}}"#, "not a 64-bit integer"),
                               (#"{"a": {"tokens": [1]}}"#, "no \"dc\""),
                               (#"{"a": {"tokens": [], "dc": "d"}}"#, "no tokens"),
                               (#"{"a": {"tokens": [1], "dc": "d"}, "b": {"tokens": [1], "dc": "d"}}"#, "belongs to both")] {
            do {
                _ = try TokenMap.parse(Array(text.utf8), file: "tm.json")
                Issue.record("no error for \(text)")
            } catch let e as TokenMap.FormatError {
                #expect(e.description.hasPrefix("tm.json: ") && e.message.contains(needle), "\(e)")
            }
        }
    }

    @Test func replicasFollowTheRingAndTheRacks() throws {
        // Ring: n1@0, n2@100, n3@200, n4@300; n1 and n2 in rack a, n3 and n4 in rack b.
        let map = TokenMap(nodes: [TokenMap.Node(fqdn: "n1", tokens: [0], rack: "a", dc: "dc1"),
                                   TokenMap.Node(fqdn: "n2", tokens: [100], rack: "a", dc: "dc1"),
                                   TokenMap.Node(fqdn: "n3", tokens: [200], rack: "b", dc: "dc1"),
                                   TokenMap.Node(fqdn: "n4", tokens: [300], rack: "b", dc: "dc1")])
        let simple = map.placement(KeyspaceDefinition(name: "k", strategy: "SimpleStrategy", replicationFactors: ["replication_factor": 2]))
        #expect(simple.replicas(of: 50) == ["n2", "n3"], "the owner is the first token at or after")
        #expect(simple.replicas(of: 100) == ["n2", "n3"])
        #expect(simple.replicas(of: 301) == ["n1", "n2"], "past the last token the ring wraps")
        let nts = map.placement(KeyspaceDefinition(name: "k", strategy: "NetworkTopologyStrategy", replicationFactors: ["dc1": 2]))
        // From n2 (rack a) the next distinct rack is b (n3); n1 would repeat rack a.
        #expect(nts.replicas(of: 50) == ["n2", "n3"])
        #expect(nts.replicas(of: 250) == ["n4", "n1"])
        // RF 3 over two racks: after both racks are used, the skipped node comes next.
        let three = map.placement(KeyspaceDefinition(name: "k", strategy: "NetworkTopologyStrategy", replicationFactors: ["dc1": 3]))
        #expect(three.replicas(of: 50) == ["n2", "n3", "n4"])
        let tooMany = map.placement(KeyspaceDefinition(name: "k", strategy: "SimpleStrategy", replicationFactors: ["replication_factor": 9]))
        #expect(tooMany.replicas(of: 0).count == 4)
    }

    // MARK: schema exports

    @Test func schemaExportsGiveKeyspacesTablesAndIDs() throws {
        let schema = try CQLSchemaParser.parseSchema("""
        CREATE KEYSPACE ks WITH replication = {'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': '3', 'dc2': 2} AND durable_writes = false;
        CREATE TABLE ks.t (k int PRIMARY KEY, v text) WITH id = 5d9e8f40-a0b1-11ee-b9d3-a1b2c3d4e5f6 AND comment = 'x';
        CREATE INDEX t_v ON ks.t (v);
        CREATE CUSTOM INDEX t_sai ON ks.t (v) USING 'StorageAttachedIndex';
        CREATE MATERIALIZED VIEW ks.mv AS SELECT * FROM ks.t WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k);
        CREATE FUNCTION ks.f (a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return a;';
        CREATE OR REPLACE FUNCTION ks.g (a int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS $$ return a * 2; $$;
        CREATE TABLE ks.u (k int PRIMARY KEY);
        """)
        #expect(schema.keyspaces == [KeyspaceDefinition(name: "ks", strategy: "NetworkTopologyStrategy",
                                                         replicationFactors: ["dc1": 3, "dc2": 2], durableWrites: false)])
        #expect(schema.tables.map(\.name) == ["t", "u"])
        #expect(schema.tableIDs == ["5d9e8f40-a0b1-11ee-b9d3-a1b2c3d4e5f6", nil])
        #expect(schema.table("ks.u")?.name == "u" && schema.table("t")?.name == "t" && schema.table("ks.nope") == nil)
        #expect(throws: CQLSchemaParser.ParseError.self) {
            try CQLSchemaParser.parseSchema("CREATE KEYSPACE k WITH replication = {'dc1': '3'};")
        }
    }

    // MARK: the object store and line reader

    @Test func localFolderStoreListsReadsAndNamesWhatFails() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".hidden"), withIntermediateDirectories: true)
        try Data("hello world".utf8).write(to: dir.appendingPathComponent("a/b/x.txt"))
        try Data("top".utf8).write(to: dir.appendingPathComponent("a/y.txt"))
        let store = LocalFolderStore(root: dir.path + "/")
        #expect(try store.children(of: "") == ["a"], "hidden folders and files are not children")
        #expect(try store.children(of: "a/") == ["b"])
        #expect(try store.children(of: "missing/").isEmpty)
        #expect(try store.list(prefix: "a").map(\.key) == ["a/b/x.txt", "a/y.txt"])
        #expect(try store.list(prefix: "a/b/").map(\.size) == [11])
        #expect(try store.head("a/b/x.txt")?.size == 11 && store.head("a/b") == nil && store.head("nope") == nil)
        #expect(try store.read("a/y.txt") == Array("top".utf8))
        #expect(try store.read("a/b/x.txt", offset: 6, count: 5) == Array("world".utf8))
        for attempt in [{ _ = try store.read("a/b/x.txt", offset: 8, count: 5) }, { _ = try store.read("nope.txt") }] {
            do {
                try attempt()
                Issue.record("no error")
            } catch let e as ObjectStoreError {
                #expect(e.description.hasPrefix(store.location + "/"), "\(e)")
            }
        }
    }

    @Test func lineReaderReadsAnyLineEndingAndLength() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let long = String(repeating: "x", count: 3 << 20)  // longer than one read block
        let file = dir.appendingPathComponent("lines.txt")
        try Data("one\r\ntwo\n\n\(long)\nlast".utf8).write(to: file)
        let reader = try LineReader(path: file.path)
        var lines: [String] = []
        while let l = try reader.next() { lines.append(String(decoding: l, as: UTF8.self)) }
        #expect(lines == ["one", "two", "", long, "last"])
        #expect(reader.lineNumber == 5)
    }
}
