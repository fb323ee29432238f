/// The data-model connectors (data-models.md §1.8, §2.3): each is one SQL file in
/// `sql/connectors/`, readable and runnable on its own (`movesql --script … -D …`), compiled
/// into the binary so that `movesql connector run` needs no checkout. The Swift functions
/// they call (kv_*, ts_events, backup_source()) come with the cassandra catalog.
public struct Connector: Sendable {
    public struct Parameter: Sendable {
        public var name: String
        public var summary: String
        /// Filled by `connector run` (from --source, --target, --as-of, …), not by -D.
        public var fromOption: String?
        public var required: Bool
    }

    public var name: String
    public var summary: String
    /// Where its SQL lives in the repository.
    public var file: String
    public var sql: String
    public var parameters: [Parameter]
    /// The table whose backup every read of a run is pinned to, given the parameters.
    public var pinnedTable: @Sendable ([String: String]) -> String
    /// The tables a run writes.
    public var outputs: @Sendable ([String: String]) -> [String]
}

public enum Connectors {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    public static let all: [Connector] = [
        Connector(
            name: "kv", summary: "Key-Value namespace → one row per live item (chunked values reassembled, values decompressed), partitioned by bucket(id)",
            file: "sql/connectors/kv.sql", sql: text(PackageResources.kv_sql),
            parameters: [
                .init(name: "source", summary: "the namespace's table, catalog.keyspace.table", fromOption: "--source", required: true),
                .init(name: "target", summary: "the Iceberg table; problems go to <target>_errors", fromOption: "--target", required: true),
                .init(name: "as_of", summary: "the backup clause", fromOption: "--as-of", required: false),
                .init(name: "chunks", summary: "the chunk table (default <source>_chunk)", fromOption: nil, required: false),
                .init(name: "buckets", summary: "bucket(N, id) partitions (default 16)", fromOption: nil, required: false),
            ],
            pinnedTable: { $0["source"] ?? "" },
            outputs: { p in [p["target"] ?? "", (p["target"] ?? "") + "_errors"] }),
        Connector(
            name: "ts", summary: "Time-Series namespace → one row per event (items as a map), slices from time_slice_metadata, partitioned by day and bucket",
            file: "sql/connectors/ts.sql", sql: text(PackageResources.ts_sql),
            parameters: [
                .init(name: "catalog", summary: "the cassandra catalog, from --source catalog.keyspace", fromOption: "--source", required: false),
                .init(name: "keyspace", summary: "the keyspace, from --source catalog.keyspace", fromOption: "--source", required: true),
                .init(name: "namespace", summary: "the namespace in time_slice_metadata", fromOption: "--namespace", required: true),
                .init(name: "target", summary: "the Iceberg table; problems go to <target>_errors", fromOption: "--target", required: true),
                .init(name: "as_of", summary: "the backup clause", fromOption: "--as-of", required: false),
                .init(name: "slices", summary: "the slice tables' name pattern (default data_*)", fromOption: nil, required: false),
                .init(name: "buckets", summary: "bucket(N, time_series_id) partitions (default 16)", fromOption: nil, required: false),
            ],
            pinnedTable: { "\($0["catalog"] ?? "cassandra").\($0["keyspace"] ?? "").time_slice_metadata" },
            outputs: { p in [p["target"] ?? "", (p["target"] ?? "") + "_errors"] }),
    ]

    public static func named(_ name: String) -> Connector? { all.first { $0.name == name.lowercased() } }
}
