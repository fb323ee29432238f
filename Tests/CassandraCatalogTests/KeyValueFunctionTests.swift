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
}
