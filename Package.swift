// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "movesql",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "movesql", targets: ["movesql"]),
        .library(name: "MoveSQL", targets: ["MoveSQL"]),
        .library(name: "MoveSQLCLI", targets: ["MoveSQLCLI"]),
        .library(name: "Cassandra", targets: ["Cassandra"]),
        .library(name: "CassandraCatalog", targets: ["CassandraCatalog"]),
        .library(name: "IcebergCatalog", targets: ["IcebergCatalog"]),
        .library(name: "Connectors", targets: ["Connectors"]),
        .library(name: "SQL", targets: ["SQL"]),
        .library(name: "Columnar", targets: ["Columnar"]),
        .library(name: "Parquet", targets: ["Parquet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Codecs", dependencies: ["CLZ4", "CZstd", "CSnappy", "CZlib"]),
        .target(name: "Digests"),
        .target(name: "CMoveSQLPlugin"),
        .target(name: "Parquet", dependencies: ["Columnar", "Codecs"]),
        .target(name: "Avro", dependencies: ["Codecs", "JSON"]),
        .target(name: "Iceberg", dependencies: ["Parquet", "Avro", "JSON", "Columnar", "CSQLite", "Threads"]),
        .target(name: "JSON"),
        .target(name: "Threads"),
        .target(name: "ObjectStore"),
        .target(
            name: "Cassandra",
            dependencies: ["Codecs", "CZlib", "Digests", "JSON", "Threads", "ObjectStore"]
        ),
        .target(name: "SQL"),
        .target(name: "Columnar"),
        .target(name: "Engine", dependencies: ["SQL", "Columnar", "Digests", "JSON", "Threads", "CMoveSQLPlugin"]),
        .target(name: "CassandraCatalog", dependencies: ["Cassandra", "Engine", "Columnar", "SQL", "JSON", "ObjectStore", "Codecs", "Threads"]),
        .target(name: "IcebergCatalog", dependencies: ["Iceberg", "Parquet", "Engine", "Columnar", "SQL"]),
        .target(name: "MoveSQL", dependencies: ["Engine", "SQL", "Columnar"]),
        // The connectors' SQL (sql/connectors/), compiled in.
        .target(name: "Connectors", resources: [.embedInCode("../../sql/connectors/kv.sql"), .embedInCode("../../sql/connectors/ts.sql")]),
        .target(
            name: "MoveSQLCLI",
            dependencies: [
                "Cassandra",
                "CassandraCatalog",
                "IcebergCatalog",
                "Iceberg",
                "Connectors",
                "Engine",
                "JSON",
                "SQL",
                "Columnar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "movesql", dependencies: ["MoveSQLCLI"]),
        // Locates ../shared for the test targets that read its fixtures.
        .target(name: "FixtureSupport", dependencies: ["Columnar", "Digests"], path: "Tests/FixtureSupport", exclude: ["interop.py"]),
        .testTarget(
            name: "CassandraTests",
            dependencies: ["Cassandra", "Digests", "JSON", "ObjectStore", "FixtureSupport"],
            exclude: ["Support/expand_rows.py"]
        ),
        .testTarget(
            name: "CassandraCatalogTests",
            dependencies: ["CassandraCatalog", "IcebergCatalog", "Cassandra", "Engine", "Columnar", "SQL", "JSON", "ObjectStore", "FixtureSupport", "Digests"],
            exclude: ["dump_table.py", "check_connector.py"]
        ),
        .testTarget(
            name: "IcebergTests",
            dependencies: ["Iceberg", "Parquet", "Columnar", "JSON", "FixtureSupport"],
            exclude: ["check_table.py"]
        ),
        .testTarget(
            name: "IcebergCatalogTests",
            dependencies: ["IcebergCatalog", "Iceberg", "Engine", "Columnar", "SQL", "JSON", "FixtureSupport"],
            exclude: ["check_partitions.py", "check_manifests.py", "append_rows.py", "rest_server.py", "rest_client.py"]
        ),
        .testTarget(
            name: "AvroTests",
            dependencies: ["Avro", "JSON", "FixtureSupport"],
            exclude: ["read_avro.py"]
        ),
        .testTarget(
            name: "ParquetTests",
            dependencies: ["Parquet", "Columnar", "FixtureSupport"],
            exclude: ["read_parquet.py", "write_foreign.py"]
        ),
        .testTarget(
            name: "JSONTests",
            dependencies: ["JSON"]
        ),
        .testTarget(
            name: "SQLTests",
            dependencies: ["SQL"]
        ),
        .testTarget(
            name: "ColumnarTests",
            dependencies: ["Columnar"]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "SQL", "Columnar", "MoveSQL", "Threads"],
            exclude: ["Plugins/test_plugin.c"]
        ),
    ]
)
