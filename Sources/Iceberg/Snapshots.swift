import Avro
import Foundation
import JSON

/// A snapshot of a table's metadata.
public struct Snapshot: Sendable {
    public var id: Int64
    public var parentId: Int64?
    public var sequenceNumber: Int64
    public var timestampMillis: Int64
    public var manifestList: String
    public var summary: [(String, String)]
    public var schemaId: Int32?

    public var operation: String? { summary.first { $0.0 == "operation" }?.1 }
}

/// A data file live in a snapshot, as its manifest entry describes it.
public struct LiveDataFile: Sendable {
    public var path: String
    public var format: String
    public var recordCount: Int64
    public var sizeInBytes: Int64
    public var specId: Int32
    public var partition: [PartitionValue]
    public var status: Int32
    public var snapshotId: Int64?
    public var sequenceNumber: Int64?
    public var columnSizes: [(Int32, Int64)]
    public var valueCounts: [(Int32, Int64)]
    public var nullValueCounts: [(Int32, Int64)]
    public var nanValueCounts: [(Int32, Int64)]
    public var lowerBounds: [(Int32, [UInt8])]
    public var upperBounds: [(Int32, [UInt8])]
}

/// One row of the manifest list: a manifest and its counts.
public struct ManifestSummary: Sendable {
    public var path: String
    public var length: Int64
    public var specId: Int32
    public var content: Int32
    public var sequenceNumber: Int64
    public var addedSnapshotId: Int64
    public var addedFiles: Int32
    public var existingFiles: Int32
    public var deletedFiles: Int32
}

/// Reads Avro records by field name under the schema their file declares (any writer's).
struct AvroRecord {
    let values: [AvroValue]
    let fields: [(name: String, schema: AvroSchema)]

    init?(_ v: AvroValue, _ schema: AvroSchema) {
        var s = schema
        var v = v
        if case .union(let branches) = s, case .union(let i, let inner) = v { s = branches[i]; v = inner }
        guard case .record(_, let fields) = s, case .record(let values) = v else { return nil }
        self.values = values
        self.fields = fields
    }

    subscript(_ name: String) -> AvroValue? {
        guard let i = fields.firstIndex(where: { $0.name == name }) else { return nil }
        return values[i].unwrapped
    }

    func record(_ name: String) -> AvroRecord? {
        guard let i = fields.firstIndex(where: { $0.name == name }) else { return nil }
        return AvroRecord(values[i], fields[i].schema)
    }

    func string(_ name: String) -> String? { if case .string(let s)? = self[name] { return s } else { return nil } }

    /// A map written as an array of key/value records (`int` keys).
    func pairs(_ name: String) -> [(Int32, AvroValue)] {
        guard case .array(let items)? = self[name] else { return [] }
        return items.compactMap { item in
            guard case .record(let kv) = item.unwrapped, kv.count == 2, case .int(let k) = kv[0].unwrapped else { return nil }
            return (k, kv[1].unwrapped)
        }
    }
}

extension IcebergTable {
    public var snapshots: [Snapshot] {
        guard case .array(let list)? = metadata["snapshots"] else { return [] }
        return list.compactMap { s in
            guard case .int(let id)? = s["snapshot-id"], case .string(let manifestList)? = s["manifest-list"] else { return nil }
            var summary: [(String, String)] = []
            if case .object(let o)? = s["summary"] { summary = o.compactMap { if case .string(let v) = $0.1 { return ($0.0, v) } else { return nil } } }
            func int(_ k: String) -> Int64? { if case .int(let v)? = s[k] { return v } else { return nil } }
            return Snapshot(id: id, parentId: int("parent-snapshot-id"), sequenceNumber: int("sequence-number") ?? 0,
                            timestampMillis: int("timestamp-ms") ?? 0, manifestList: manifestList, summary: summary,
                            schemaId: int("schema-id").map { Int32($0) })
        }
    }

    public var currentSnapshot: Snapshot? { currentSnapshotId.flatMap { id in snapshots.first { $0.id == id } } }

    /// `snapshot-log`: which snapshot was current from when.
    public var snapshotLog: [(snapshotId: Int64, timestampMillis: Int64)] {
        guard case .array(let list)? = metadata["snapshot-log"] else { return [] }
        return list.compactMap { e in
            guard case .int(let id)? = e["snapshot-id"], case .int(let t)? = e["timestamp-ms"] else { return nil }
            return (id, t)
        }
    }

    /// The snapshot a `FOR VERSION AS OF` names: a snapshot id, or a branch or tag of `refs`.
    public func snapshot(named name: String) throws -> Snapshot {
        if let id = Int64(name), let s = snapshots.first(where: { $0.id == id }) { return s }
        if case .object(let refs)? = metadata["refs"], let ref = refs.first(where: { $0.0 == name })?.1, case .int(let id)? = ref["snapshot-id"],
           let s = snapshots.first(where: { $0.id == id }) {
            return s
        }
        let known = snapshots.map { String($0.id) }.suffix(5).joined(separator: ", ")
        throw IcebergError("\(qualifiedName) has no snapshot or ref \(name)\(known.isEmpty ? " (it has no snapshots)" : "; its latest snapshots: \(known)")")
    }

    /// The snapshot current at `millis` (`FOR SYSTEM_TIME AS OF`): the last one the
    /// snapshot log made current at or before it.
    public func snapshot(asOfMillis millis: Int64) throws -> Snapshot {
        guard let entry = snapshotLog.last(where: { $0.timestampMillis <= millis }), let s = snapshots.first(where: { $0.id == entry.snapshotId }) else {
            let first = snapshotLog.first.map { " (its first snapshot was made at \($0.timestampMillis) ms since the epoch)" } ?? " (it has no snapshots)"
            throw IcebergError("\(qualifiedName) had no snapshot at \(millis) ms since the epoch\(first)")
        }
        return s
    }

    /// The schema a snapshot was written with (the current one when it does not say).
    public func schema(of snapshot: Snapshot?) throws -> IcebergSchema {
        guard let id = snapshot?.schemaId else { return try schema }
        guard case .array(let schemas)? = metadata["schemas"], let s = schemas.first(where: { $0["schema-id"] == .int(Int64(id)) }) else {
            throw IcebergError("\(metadataLocation): snapshot \(snapshot!.id) names schema \(id), which is not in the metadata")
        }
        return try IcebergSchema.parse(s)
    }

    static func readAvro(_ location: String) throws -> AvroContainer {
        guard let data = FileManager.default.contents(atPath: path(ofLocation: location)) else { throw IcebergError("cannot read \(location)") }
        do { return try AvroContainer(bytes: [UInt8](data), file: location) } catch let e as AvroError { throw IcebergError(e.message) }
    }

    /// The manifest list of a snapshot.
    public func manifests(of snapshot: Snapshot) throws -> [ManifestSummary] {
        let container = try Self.readAvro(snapshot.manifestList)
        return try container.records.map { r in
            guard let m = AvroRecord(r, container.schema), let path = m.string("manifest_path") else {
                throw IcebergError("\(snapshot.manifestList): a manifest list entry without manifest_path")
            }
            func int(_ k: String) -> Int32 { Int32(truncatingIfNeeded: m[k]?.long ?? 0) }
            return ManifestSummary(path: path, length: m["manifest_length"]?.long ?? 0, specId: int("partition_spec_id"), content: int("content"),
                                   sequenceNumber: m["sequence_number"]?.long ?? 0, addedSnapshotId: m["added_snapshot_id"]?.long ?? 0,
                                   addedFiles: int("added_files_count"), existingFiles: int("existing_files_count"), deletedFiles: int("deleted_files_count"))
        }
    }

    /// Every data file live in `snapshot` (status added or existing), in manifest order.
    /// Row-level deletes (v2 delete files) are refused by name rather than ignored.
    public func liveFiles(of snapshot: Snapshot) throws -> [LiveDataFile] {
        var out: [LiveDataFile] = []
        let schema = try self.schema(of: snapshot)
        for manifest in try manifests(of: snapshot) {
            let spec = try self.spec(id: manifest.specId)
            let types = try spec.typed(schema).map(\.result)
            let container = try Self.readAvro(manifest.path)
            for r in container.records {
                guard let entry = AvroRecord(r, container.schema), let file = entry.record("data_file") else {
                    throw IcebergError("\(manifest.path): an entry without data_file")
                }
                let status = Int32(truncatingIfNeeded: entry["status"]?.long ?? 0)
                guard status != 2 else { continue }
                let content = file["content"]?.long ?? 0
                guard manifest.content == 0, content == 0 else {
                    throw IcebergError("\(qualifiedName) has row-level delete files (\(file.string("file_path") ?? manifest.path)); reading them is not supported yet")
                }
                guard let path = file.string("file_path"), let rows = file["record_count"]?.long else {
                    throw IcebergError("\(manifest.path): a data file without file_path or record_count")
                }
                var partition: [PartitionValue] = []
                if let p = file.record("partition") {
                    partition = try zip(spec.fields, types).map { f, t in try p[f.name].map { try PartitionValue.from(avro: $0, t) } ?? .null }
                }
                func longs(_ k: String) -> [(Int32, Int64)] { file.pairs(k).compactMap { k, v in v.long.map { (k, $0) } } }
                func bytes(_ k: String) -> [(Int32, [UInt8])] { file.pairs(k).compactMap { k, v in if case .bytes(let b) = v { return (k, b) } else { return nil } } }
                out.append(LiveDataFile(
                    path: path, format: file.string("file_format") ?? "PARQUET", recordCount: rows, sizeInBytes: file["file_size_in_bytes"]?.long ?? 0,
                    specId: manifest.specId, partition: partition, status: status, snapshotId: entry["snapshot_id"]?.long ?? manifest.addedSnapshotId,
                    sequenceNumber: entry["sequence_number"]?.long ?? manifest.sequenceNumber,
                    columnSizes: longs("column_sizes"), valueCounts: longs("value_counts"), nullValueCounts: longs("null_value_counts"),
                    nanValueCounts: longs("nan_value_counts"), lowerBounds: bytes("lower_bounds"), upperBounds: bytes("upper_bounds")))
            }
        }
        return out
    }
}
