@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// Random damage to Data.db (with the checksums that would catch it removed, so that it
/// reaches the parser) never crashes the reader: every read ends in rows or an SSTableError.
@Suite("Damaged Data.db", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct MutationFuzzTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tables = ["scylla/mc/collections", "scylla/mc/range_tombstones_simple", "scylla/mc/large_subset_of_columns_sparse",
                         "scylla/mc/counters", "scylla/mc/write_user_defined_type_table", "sstable-to-arrow/md/testalltypes.alltypes",
                         "scylla/mc/compound_static_row", "scylla/mc/write_empty_clustering_values"]

    /// Components damaged in turn: Data.db read whole, Statistics.db, and Index.db and
    /// Summary.db read through key and token-range lookups.
    static let components = ["-Data.db", "-Statistics.db", "-Index.db", "-Summary.db"]

    @Test("no crash on damaged bytes", arguments: tables, components)
    func damagedBytesNeverCrash(_ name: String, _ component: String) throws {
        let dir = try CorruptInputTests.copy(name)
        defer { try? FileManager.default.removeItem(at: dir) }
        try CorruptInputTests.drop(dir, ["CRC.db", "Digest.crc32"])
        let schema = try fixtureSchema(try Fixtures.expected(name))
        guard let target = try CorruptInputTests.optionalFile(dir, component) else { return }
        let original = [UInt8](try Data(contentsOf: target))
        guard !original.isEmpty else { return }
        // The keys to look up, read before any damage.
        let keys: [[UInt8]] = try {
            let s = try TableReader(path: dir.path, schema: schema).scanners()[0]
            var k: [[UInt8]] = []
            while let p = try s.nextPartition() { k.append(p.key) }
            return k
        }()
        let env = ProcessInfo.processInfo.environment
        let rounds = Int(env["MOVESQL_FUZZ_ROUNDS"] ?? "") ?? 150
        // A seed stable across runs (String.hashValue is not).
        var rng = SplitMix(state: (name + component).utf8.reduce(UInt64(env["MOVESQL_FUZZ_SEED"] ?? "") ?? 42) { $0 &* 31 &+ UInt64($1) })
        var errors = 0
        for round in 0..<rounds {
            var bytes = original
            let flips = Int.random(in: 1...3, using: &rng)
            for _ in 0..<flips {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] = round % 3 == 0 ? 0xff : UInt8.random(in: 0...255, using: &rng)
            }
            if round % 10 == 9 { bytes.removeLast(Int.random(in: 1...min(8, bytes.count), using: &rng)) }
            try Data(bytes).write(to: target)
            do {
                let reader = try TableReader(path: dir.path, schema: schema)
                if component == "-Index.db" || component == "-Summary.db" {
                    for k in keys.prefix(3) {
                        let r = try reader.rows(now: nil, filter: .key(k))
                        while try r.next() != nil {}
                    }
                    let r = try reader.rows(now: nil, filter: .tokenRange(after: reader.partitioner.token(keys[0]), upTo: nil))
                    while try r.next() != nil {}
                } else {
                    let rows = try reader.rows(now: nil)
                    while try rows.next() != nil {}
                    for s in try reader.scanners() {
                        while try s.nextPartition() != nil { while try s.nextUnfiltered() != nil {} }
                    }
                }
            } catch is SSTableError {
                errors += 1
            }
        }
        // Most damage to Data.db must be caught; some decodes to other (but well-formed) values.
        if component == "-Data.db" { #expect(errors > 0) }
    }
}
