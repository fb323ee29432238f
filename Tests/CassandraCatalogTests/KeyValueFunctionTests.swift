@testable import Cassandra
import CassandraCatalog
import Columnar
import Engine
import FixtureSupport
import Foundation
import SQL
import Testing

/// The Key-Value functions connectors are written with: value_metadata decoded as the
/// generator encodes it, values decompressed for every codec it writes, CRC-32C equal to the
/// metadata's, over single values and over every item of a synthesized backup.
struct KeyValueFunctionTests {
    static func session() -> Session {
        let s = Session()
        KeyValueFunctions.register(into: s.registry)
        TimeSeriesFunctions.register(into: s.registry)
        return s
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    func values(_ s: Session, _ sql: String) throws -> [[Value]] {
        guard case .rows(_, let batches)? = try s.execute(sql).last else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.row($0) } }
    }

    @Test(arguments: [KVValueMetadata.Codec.none, .lz4, .zstd, .snappy])
    func metadataDecompressAndChecksum(_ codec: KVValueMetadata.Codec) throws {
        let s = Self.session()
        let value = Array(String(repeating: "{\"title\":\"item\",\"tags\":[\"a\",\"b\"]} ", count: 40).utf8)
        var (stored, meta) = KVValueMetadata.compress(value, codec: codec)
        meta.version = Array(0..<16)
        meta.userMetadata = [9, 8, 7]
        let m = try values(s, "SELECT kv_value_metadata(unhex('\(Self.hex(meta.encoded()))'))")
        #expect(m.first?.first == .structure([.string(codec.name), .int(Int64(value.count)), .int(0), .int(0), .int(Int64(stored.count)),
                            .uuid(UInt128(0x0001_0203_0405_0607) << 64 | 0x0809_0a0b_0c0d_0e0f), .int(Int64(meta.checksum)), .bool(false), .blob([9, 8, 7])]),
                "\(m)")
        let out = try values(s, "SELECT kv_decompress(unhex('\(Self.hex(stored))'), '\(codec.name)', \(value.count)), crc32c(unhex('\(Self.hex(stored))'))")
        #expect(out.first == [.blob(value), .int(Int64(meta.checksum))])
        // A wrong length is an error, not a short value.
        #expect(throws: SQLError.self) { try s.execute("SELECT kv_decompress(unhex('\(Self.hex(stored))'), '\(codec.name)', \(value.count + 1))") }
    }

    @Test func chunkSetsWithHoles() throws {
        let s = Self.session()
        let whole = try values(s, "SELECT kv_assemble(i, b) FROM (VALUES (1, unhex('0203')), (0, unhex('01'))) AS t(i, b)")
        #expect(whole.first?.first == .structure([.int(2), .bool(true), .int(3), .int(Int64(CRC32C.checksum([1, 2, 3]))), .blob([1, 2, 3])]))
        // A missing chunk 1: reported, and no value is made from the rest.
        let holed = try values(s, "SELECT kv_assemble(i, b) FROM (VALUES (0, unhex('01')), (2, unhex('03'))) AS t(i, b)")
        #expect(holed.first?.first == .structure([.int(2), .bool(false), .int(2), .int(Int64(CRC32C.checksum([1, 3]))), .null]))
        // Grouped: one result per chunk set.
        #expect(try values(s, "SELECT v, kv_assemble(i, b).chunks FROM (VALUES ('a', 0, unhex('01')), ('b', 0, unhex('02')), ('a', 1, unhex('03'))) AS t(v, i, b) GROUP BY v ORDER BY v")
            == [[.string("a"), .int(2)], [.string("b"), .int(1)]])
    }

    @Test func absentAndDamagedMetadata() throws {
        let s = Self.session()
        #expect(try values(s, "SELECT kv_value_metadata(NULL).codec, kv_value_metadata(unhex('')).chunk_count, kv_value_metadata(NULL).expired")
            == [[.string("NONE"), .int(0), .bool(false)]])
        do {
            _ = try s.execute("SELECT kv_value_metadata(b) FROM (VALUES (unhex('')), (unhex('0805'))) AS t(b)")
            Issue.record("a bad codec decoded")
        } catch {
            #expect("\(error)".contains("function kv_value_metadata failed at row 2"), "\(error)")
        }
    }

    @Test func everyItemOfASynthesizedBackup() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try BackupTableTests.synth(dir)
        let s = try SQLRun.session(dir.path + "/backups")
        let r = try values(s, """
            SELECT count(*), count(*) FILTER (WHERE m.chunk_count > 0), count(*) FILTER (WHERE m.codec <> 'NONE'),
                   count(*) FILTER (WHERE m.checksum <> 0 AND m.chunk_count = 0 AND crc32c(value) <> m.checksum),
                   sum(CASE WHEN m.codec <> 'NONE' AND m.chunk_count = 0 THEN octet_length(kv_decompress(value, m.codec, m.uncompressed_len)) ELSE 0 END),
                   sum(CASE WHEN m.codec <> 'NONE' AND m.chunk_count = 0 THEN m.uncompressed_len ELSE 0 END)
            FROM (SELECT value, kv_value_metadata(value_metadata) AS m FROM cassandra.kv.items) AS t
            """)
        guard let row = r.first, case .int(let items) = row[0], case .int(let chunked) = row[1], case .int(let compressed) = row[2] else {
            Issue.record("\(r)")
            return
        }
        #expect(items > 1000 && chunked >= 1 && compressed > 100, "\(row)")
        #expect(row[3] == .int(0), "items whose CRC-32C differs from their metadata: \(row[3])")
        #expect(row[4] == row[5] && row[4] != .hugeint(0), "decompressed bytes \(row[4]) against declared \(row[5])")

        // Chunk sets: the committed ones assemble to their item's length and checksum; the
        // superseded and the orphaned ones are there, unclaimed.
        let sets = try values(s, """
            SELECT c.id, c.version = m.version AS committed, c.a.contiguous, c.a.chunks = m.chunk_count, c.a.total_len = m.total_len,
                   c.a.checksum = m.checksum, octet_length(c.a.value) = m.total_len
            FROM (SELECT id, key, version, kv_assemble(chunk_index, value) AS a FROM cassandra.kv.items_chunk GROUP BY id, key, version) AS c
            LEFT JOIN (SELECT id, key, kv_value_metadata(value_metadata) AS m FROM cassandra.kv.items) AS i ON c.id = i.id AND c.key = i.key
            ORDER BY 1, 2
            """)
        let committed = sets.filter { $0[1] == .bool(true) }
        #expect(committed.count == 2, "\(sets)")
        #expect(committed.allSatisfy { Array($0[2...]) == Array(repeating: .bool(true), count: 5) }, "\(committed)")
        #expect(sets.contains { $0[0] == .string("chunked-1") && $0[1] == .bool(false) }, "the superseded version of chunked-1: \(sets)")
        #expect(sets.contains { $0[0] == .string("rec-0") && $0[1] == .null }, "the orphaned chunks of rec-0: \(sets)")
    }

    @Test func chunkSetsAssembleAsTheyStream() throws {
        let s = Self.session()
        // Sets in the chunk table's order, over several input batches (3 000 rows); a hole in
        // one; chunks of a set out of index order still assemble by index.
        _ = try s.execute("""
            CREATE TABLE chunks AS
            SELECT 'id' || CAST(i / 3 AS VARCHAR) AS id, CAST(i % 3 AS INTEGER) AS chunk_index, unhex(lpad(CAST(i AS VARCHAR), 6, '0')) AS value
            FROM generate_series(0, 2999) AS g(i) WHERE i <> 1501
            """)
        let rows = try values(s, """
            SELECT id, chunks, contiguous, total_len, value IS NULL FROM kv_chunk_sets((SELECT id, chunk_index, value FROM chunks))
            """)
        #expect(rows.count == 1000)
        #expect(rows.first == [.string("id0"), .int(3), .bool(true), .int(9), .bool(false)])
        // Set 500 lost chunk 1 (row 1501): two chunks, not contiguous, no value.
        #expect(rows.first { $0[0] == .string("id500") } == [.string("id500"), .int(2), .bool(false), .int(6), .bool(true)])
        let one = try values(s, """
            SELECT value, checksum = crc32c(unhex('000000000001000002')) FROM kv_chunk_sets((SELECT * FROM (VALUES ('k', 2, unhex('000002')), ('k', 0, unhex('000000')), ('k', 1, unhex('000001'))) AS t(id, i, v)))
            """)
        #expect(one == [[.blob([0, 0, 0, 0, 0, 1, 0, 0, 2]), .bool(true)]])
        // A set that comes back after another is refused: its halves would be two sets.
        #expect(throws: SQLError.self) {
            try s.execute("SELECT * FROM kv_chunk_sets((SELECT * FROM (VALUES ('a', 0, unhex('00')), ('b', 0, unhex('00')), ('a', 1, unhex('01'))) AS t(id, i, v)))")
        }
        #expect(throws: SQLError.self) { try s.execute("SELECT * FROM kv_chunk_sets((SELECT id, value FROM chunks))") }
    }

    @Test func decodeSaysWhyAValueCannotBeHad() throws {
        let s = Self.session()
        let value = Array(String(repeating: "abcdefgh", count: 50).utf8)
        let (stored, meta) = KVValueMetadata.compress(value, codec: .lz4)
        let ok = try values(s, "SELECT kv_decode(unhex('\(Self.hex(stored))'), unhex('\(Self.hex(meta.encoded()))'))")
        #expect(ok == [[.structure([.blob(value), .null])]])
        // Plain values pass through; a NULL metadata is a plain value.
        #expect(try values(s, "SELECT kv_decode(unhex('0102'), NULL)") == [[.structure([.blob([1, 2]), .null])]])
        // Damaged stored bytes and damaged metadata are problems of the row, not failures of the query.
        // Metadata that says nothing of the stored bytes: the codec finds the damage.
        var loose = meta
        loose.totalLength = 0
        loose.checksum = 0
        let bad = try values(s, "SELECT kv_decode(unhex('\(Self.hex(Array(stored.prefix(stored.count / 2))))'), unhex('\(Self.hex(loose.encoded()))')).problem")
        #expect("\(bad)".contains("LZ4 value does not decompress"), "\(bad)")
        var wrong = meta
        wrong.uncompressedLength += 1
        let short = try values(s, "SELECT kv_decode(unhex('\(Self.hex(stored))'), unhex('\(Self.hex(wrong.encoded()))')).problem")
        #expect("\(short)".contains("value_metadata says \(value.count + 1)"), "\(short)")
        // A stored value the metadata's length or CRC-32C disowns is a problem, not a value.
        var flipped = stored
        flipped[flipped.count / 2] ^= 0x40
        let crc = try values(s, "SELECT kv_decode(unhex('\(Self.hex(flipped))'), unhex('\(Self.hex(meta.encoded()))')).problem")
        #expect("\(crc)".contains("CRC-32C is") && "\(crc)".contains("value_metadata says \(meta.checksum)"), "\(crc)")
        let length = try values(s, "SELECT kv_decode(unhex('\(Self.hex(stored + [0]))'), unhex('\(Self.hex(meta.encoded()))')).problem")
        #expect("\(length)".contains("the value holds \(stored.count + 1) stored bytes; value_metadata says \(stored.count)"), "\(length)")
        let garbage = try values(s, "SELECT kv_decode(unhex('00'), unhex('ffffffff')).problem")
        #expect("\(garbage)".contains("value_metadata does not decode"), "\(garbage)")
    }

    @Test func eventsGroupConsecutiveItems() throws {
        let s = Self.session()
        // 3 000 events of 1–3 items, over several input batches: each event whole, items by key.
        _ = try s.execute("""
            CREATE TABLE items AS
            SELECT 's' || CAST(e % 7 AS VARCHAR) AS series, e AS event, 'k' || CAST(k AS VARCHAR) AS item_key, unhex(lpad(CAST(e AS VARCHAR), 6, '0')) AS v,
                   TIMESTAMP '2026-11-29 00:00:00' + INTERVAL '1 second' * (e + k) AS written, CAST(NULL AS VARCHAR) AS problem
            FROM generate_series(0, 2999) AS g(e), generate_series(0, 2) AS h(k) WHERE k <= e % 3
            ORDER BY e, k
            """)
        let rows = try values(s, "SELECT series, event, items, item_count, write_ts, problem FROM ts_events((SELECT * FROM items))")
        #expect(rows.count == 3000)
        #expect(rows[5] == [.string("s5"), .int(5), .map(keys: [.string("k0"), .string("k1"), .string("k2")], values: Array(repeating: .blob([0, 0, 5]), count: 3)),
                            .int(3), .timestamp(1_795_910_400_000_000 + 7_000_000), .null], "\(rows[5])")
        #expect(rows.allSatisfy { r in if case .int(let e) = r[1] { return r[3] == .int(1 + e % 3) } else { return false } })
        // An item's problem is the event's; a repeated item key is one.
        let bad = try values(s, """
            SELECT event_id, problem FROM ts_events((SELECT * FROM (VALUES
                ('e1', 'a', unhex('00'), TIMESTAMP '2026-01-01 00:00:00', NULL), ('e1', 'b', unhex('00'), TIMESTAMP '2026-01-01 00:00:00', 'LZ4 value does not decompress'),
                ('e2', 'a', unhex('00'), TIMESTAMP '2026-01-01 00:00:00', NULL), ('e2', 'a', unhex('01'), TIMESTAMP '2026-01-01 00:00:00', NULL))
                AS t(event_id, k, v, w, p)))
            """)
        #expect(bad == [[.string("e1"), .string("item b: LZ4 value does not decompress")], [.string("e2"), .string("item a appears twice in the event")]], "\(bad)")
        // A wide event (past the few items scanned for repeats) still finds a repeated key.
        let wide = try values(s, """
            SELECT item_count, problem FROM ts_events((SELECT 'e' AS event_id, 'k' || CAST(CASE WHEN i = 11 THEN 2 ELSE i END AS VARCHAR) AS k,
                unhex('00') AS v, TIMESTAMP '2026-01-01 00:00:00' AS w, CAST(NULL AS VARCHAR) AS p FROM generate_series(0, 11) AS g(i)))
            """)
        #expect(wide == [[.int(12), .string("item k2 appears twice in the event")]], "\(wide)")
        #expect(throws: SQLError.self) { try s.execute("SELECT * FROM ts_events((SELECT series, v FROM items))") }
    }
}
