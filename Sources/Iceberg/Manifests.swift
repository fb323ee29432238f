import Avro
import JSON

/// The Avro schemas of manifests and manifest lists, exactly as iceberg-writer-notes §4–5 give
/// them (field ids included: pyiceberg refuses a schema without them).
enum ManifestSchemas {
    static func optionalMap(_ name: String, _ id: Int, _ keyId: Int, _ valueId: Int, _ valueType: String) -> String {
        """
        {"name": "\(name)", "field-id": \(id), "default": null, "type": ["null", {"type": "array", "logicalType": "map", \
        "items": {"type": "record", "name": "k\(keyId)_v\(valueId)", "fields": [{"name": "key", "type": "int", "field-id": \(keyId)}, \
        {"name": "value", "type": "\(valueType)", "field-id": \(valueId)}]}}]}
        """
    }

    /// `manifest_entry` for an unpartitioned spec (the partition record has no fields).
    static let manifestEntry = manifestEntry(partition: PartitionAvro.record([]))

    /// `manifest_entry` with the partition record (field 102) of a spec.
    static func manifestEntry(partition: String) -> String { """
    {"type": "record", "name": "manifest_entry", "fields": [
     {"name": "status", "type": "int", "field-id": 0},
     {"name": "snapshot_id", "type": ["null", "long"], "default": null, "field-id": 1},
     {"name": "sequence_number", "type": ["null", "long"], "default": null, "field-id": 3},
     {"name": "file_sequence_number", "type": ["null", "long"], "default": null, "field-id": 4},
     {"name": "data_file", "field-id": 2, "type": {"type": "record", "name": "r2", "fields": [
      {"name": "content", "type": "int", "field-id": 134},
      {"name": "file_path", "type": "string", "field-id": 100},
      {"name": "file_format", "type": "string", "field-id": 101},
      {"name": "partition", "field-id": 102, "type": \(partition)},
      {"name": "record_count", "type": "long", "field-id": 103},
      {"name": "file_size_in_bytes", "type": "long", "field-id": 104},
      \(optionalMap("column_sizes", 108, 117, 118, "long")),
      \(optionalMap("value_counts", 109, 119, 120, "long")),
      \(optionalMap("null_value_counts", 110, 121, 122, "long")),
      \(optionalMap("nan_value_counts", 137, 138, 139, "long")),
      \(optionalMap("lower_bounds", 125, 126, 127, "bytes")),
      \(optionalMap("upper_bounds", 128, 129, 130, "bytes")),
      {"name": "key_metadata", "type": ["null", "bytes"], "default": null, "field-id": 131},
      {"name": "split_offsets", "type": ["null", {"type": "array", "items": "long", "element-id": 133}], "default": null, "field-id": 132},
      {"name": "equality_ids", "type": ["null", {"type": "array", "items": "int", "element-id": 136}], "default": null, "field-id": 135},
      {"name": "sort_order_id", "type": ["null", "int"], "default": null, "field-id": 140}]}}]}
    """
    }

    static let manifestFile: String = """
    {"type": "record", "name": "manifest_file", "fields": [
     {"name": "manifest_path", "type": "string", "field-id": 500},
     {"name": "manifest_length", "type": "long", "field-id": 501},
     {"name": "partition_spec_id", "type": "int", "field-id": 502},
     {"name": "content", "type": "int", "field-id": 517},
     {"name": "sequence_number", "type": "long", "field-id": 515},
     {"name": "min_sequence_number", "type": "long", "field-id": 516},
     {"name": "added_snapshot_id", "type": "long", "field-id": 503},
     {"name": "added_files_count", "type": "int", "field-id": 504},
     {"name": "existing_files_count", "type": "int", "field-id": 505},
     {"name": "deleted_files_count", "type": "int", "field-id": 506},
     {"name": "added_rows_count", "type": "long", "field-id": 512},
     {"name": "existing_rows_count", "type": "long", "field-id": 513},
     {"name": "deleted_rows_count", "type": "long", "field-id": 514},
     {"name": "partitions", "default": null, "field-id": 507, "type": ["null", {"type": "array",
      "element-id": 508, "items": {"type": "record", "name": "r508", "fields": [
       {"name": "contains_null", "type": "boolean", "field-id": 509},
       {"name": "contains_nan", "type": ["null", "boolean"], "default": null, "field-id": 518},
       {"name": "lower_bound", "type": ["null", "bytes"], "default": null, "field-id": 510},
       {"name": "upper_bound", "type": ["null", "bytes"], "default": null, "field-id": 511}]}}]},
     {"name": "key_metadata", "type": ["null", "bytes"], "default": null, "field-id": 519}]}
    """

    static func intLongMap(_ pairs: [(Int32, Int64)]) -> AvroValue {
        .union(1, .array(pairs.map { .record([.int($0.0), .long($0.1)]) }))
    }

    static func intBytesMap(_ pairs: [(Int32, [UInt8])]) -> AvroValue {
        .union(1, .array(pairs.map { .record([.int($0.0), .bytes($0.1)]) }))
    }

    /// A manifest entry: status 1 (added) with the snapshot's id and inherited sequence
    /// numbers, 2 (deleted) and 0 (existing) with theirs written out.
    static func entry(_ f: DataFile, partitionTypes: [IcebergType], status: Int32, snapshotId: Int64, sequenceNumber: Int64?, fileSequenceNumber: Int64?) -> AvroValue {
        .record([
            .int(status),
            .union(1, .long(snapshotId)),
            sequenceNumber.map { .union(1, .long($0)) } ?? .union(0, .null),
            fileSequenceNumber.map { .union(1, .long($0)) } ?? .union(0, .null),
            .record([
                .int(0),
                .string(f.path),
                .string("PARQUET"),
                .record(zip(f.partition, partitionTypes).map { $0.avro($1) }),
                .long(f.recordCount),
                .long(f.sizeInBytes),
                intLongMap(f.columnSizes),
                intLongMap(f.valueCounts),
                intLongMap(f.nullValueCounts),
                intLongMap(f.nanValueCounts),
                intBytesMap(f.lowerBounds),
                intBytesMap(f.upperBounds),
                .union(0, .null),
                .union(1, .array(f.splitOffsets.map { .long($0) })),
                .union(0, .null),
                .union(0, .null),
            ]),
        ])
    }
}

/// The manifest list's `partitions`: per partition field, whether any file's value is null or
/// NaN, and the least and greatest of the others in the single-value encoding.
enum PartitionSummary {
    static func less(_ a: PartitionValue, _ b: PartitionValue) -> Bool {
        switch (a, b) {
        case (.long(let x), .long(let y)): return x < y
        case (.decimal(let x), .decimal(let y)): return x < y
        case (.double(let x), .double(let y)):
            let dx = Double(bitPattern: x), dy = Double(bitPattern: y)
            return dx < dy || (dx == dy && dx.sign == .minus && dy.sign == .plus)
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y)
        default: return false
        }
    }

    static func summaries(_ partitions: [[PartitionValue]], types: [IcebergType]) -> AvroValue {
        .union(1, .array(types.enumerated().map { k, type in
            var containsNull = false, containsNaN = false
            var lo: PartitionValue?, hi: PartitionValue?
            for p in partitions where k < p.count {
                let v = p[k]
                if v == .null { containsNull = true; continue }
                if case .double(let bits) = v, Double(bitPattern: bits).isNaN { containsNaN = true; continue }
                if lo.map({ less(v, $0) }) ?? true { lo = v }
                if hi.map({ less($0, v) }) ?? true { hi = v }
            }
            let bound: (PartitionValue?) -> AvroValue = { v in v.flatMap { $0.encoded(type) }.map { .union(1, .bytes($0)) } ?? .union(0, .null) }
            return .record([.boolean(containsNull), .union(1, .boolean(containsNaN)), bound(lo), bound(hi)])
        }))
    }
}
