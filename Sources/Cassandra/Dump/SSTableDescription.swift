/// A human-readable description of one SSTable (`movesql sstable describe`).
public enum SSTableDescription {
    public static func text(_ s: SSTable) -> String {
        let st = s.statistics.stats
        let h = s.header
        var out = "\(s.descriptor.path("Data.db"))\n"
        out += "  format:        \(s.version.letters) (\(s.version.family.rawValue))\n"
        out += "  partitioner:   \(s.statistics.partitionerName)\n"
        if let c = s.compression {
            out += "  compression:   \(c.compressorName), chunk \(c.chunkLength / 1024) KiB, \(c.chunkOffsets.count) chunks"
            if let m = c.maxCompressedLength { out += ", max compressed \(m)" }
            out += "\n"
        } else {
            out += "  compression:   none\n"
        }
        out += "  data size:     \(s.dataFile.size) bytes on disk"
        if let c = s.compression { out += ", \(c.uncompressedLength) uncompressed" }
        out += "\n"
        out += "  partitions:    \(st.estimatedPartitionCount) (from the size histogram)\n"
        out += "  timestamps:    \(st.minTimestamp) .. \(st.maxTimestamp)"
        if st.minTimestamp != .max && st.maxTimestamp != .min {
            out += " (\(ValueJSON.timestampString(microseconds: st.minTimestamp)) .. \(ValueJSON.timestampString(microseconds: st.maxTimestamp)))"
        }
        out += "\n"
        out += "  ttl:           \(st.minTTL) .. \(st.maxTTL) s\n"
        out += "  deletion time: \(st.minLocalDeletionTime) .. \(st.maxLocalDeletionTime)\n"
        out += "  repairedAt:    \(st.repairedAt)\(st.repairedAt == 0 ? " (unrepaired)" : "")\n"
        out += "  level:         \(st.sstableLevel)\n"
        if let p = st.pendingRepair { out += "  pending repair: \(p)\n" }
        if let hid = st.originatingHostId { out += "  origin host:   \(hid)\n" }
        out += "  schema (from the serialization header):\n"
        out += "    partition key: \(h.partitionKeyType.cql)\n"
        for (i, t) in h.clusteringTypes.enumerated() {
            if case .reversed = t { out += "    clustering \(i + 1):  \(t.cql) DESC\n" } else { out += "    clustering \(i + 1):  \(t.cql)\n" }
        }
        for c in h.staticColumns { out += "    static \(c.name): \(c.type.cql)\n" }
        for c in h.regularColumns { out += "    \(c.name): \(c.type.cql)\n" }
        out += "  components:    \(s.components.joined(separator: ", "))\n"
        return out
    }
}
