@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// What an independent decoder observed of each fixture SSTable (expected.json `observed`):
/// partitioner, compression header, partition and unfiltered counts, Statistics.db
/// timestamps and TTLs, and the serialization header's types.
@Suite("SSTable fixture metadata")
struct ObservedMetadataTests {
    @Test("metadata like expected.json observed", arguments: Fixtures.sstableTables)
    func metadataLikeObserved(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        guard expected["expect_error"] == nil else { return }
        let observed: [[String: Any]]
        if let list = expected["observed"] as? [[String: Any]] { observed = list }
        else if let one = expected["observed"] as? [String: Any] { observed = [one] }
        else { return }
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path)
        for o in observed {
            let sstableName = o["sstable"] as? String
            guard let s = reader.sstables.first(where: { sstableName == nil || $0.descriptor.baseName == sstableName }) else {
                Issue.record("no sstable \(sstableName ?? "?")")
                continue
            }
            if let p = o["partitioner"] as? String { #expect(s.statistics.partitionerName == p) }
            if let c = o["compression"] as? [String: Any] {
                let info = try #require(s.compression)
                #expect(info.compressorName == c["compressor"] as? String)
                #expect(info.chunkLength == c["chunk_length"] as? Int)
                #expect(info.uncompressedLength == Int64(c["uncompressed_data_length"] as? Int ?? c["data_length"] as? Int ?? -1))
                #expect(info.chunkOffsets.count == c["chunks"] as? Int)
            } else if o.keys.contains("compression") {
                #expect(s.compression == nil)
            }
            let st = s.statistics.stats
            if let v = o["statistics_min_timestamp"] as? Int64 ?? o["min_timestamp"] as? Int64 { #expect(st.minTimestamp == v) }
            if let v = o["statistics_max_timestamp"] as? Int64 ?? o["max_timestamp"] as? Int64 { #expect(st.maxTimestamp == v) }
            if let v = o["statistics_min_ttl"] as? Int { #expect(Int(st.minTTL) == v) }
            if let v = o["statistics_max_ttl"] as? Int { #expect(Int(st.maxTTL) == v) }
            if let v = o["statistics_partitions_from_histogram"] as? Int { #expect(st.estimatedPartitionCount == Int64(v)) }
            if let h = o["serialization_header"] as? [String: Any] {
                let header = s.header
                #expect(header.partitionKeyType.marshalName == h["partition_key_type"] as? String)
                #expect(header.clusteringTypes.map(\.marshalName) == (h["clustering_types"] as? [String] ?? []))
                func columns(_ key: String) -> Set<String> {
                    Set((h[key] as? [[String]] ?? []).map { $0.joined(separator: " ") })
                }
                #expect(Set(header.staticColumns.map { $0.name + " " + $0.type.marshalName }) == columns("static_columns"))
                #expect(Set(header.regularColumns.map { $0.name + " " + $0.type.marshalName }) == columns("regular_columns"))
            }
            if o["partitions"] != nil || o["unfiltereds"] != nil {
                let scanner = try SSTableScanner(sstable: s, layout: reader.layout)
                var unfiltereds = 0
                while try scanner.nextPartition() != nil {
                    if scanner.staticRow != nil { unfiltereds += 1 }
                    while try scanner.nextUnfiltered() != nil { unfiltereds += 1 }
                }
                if let n = o["partitions"] as? Int { #expect(scanner.partitionCount == n) }
                if let n = o["unfiltereds"] as? Int { #expect(unfiltereds == n) }
            }
        }
    }
}
