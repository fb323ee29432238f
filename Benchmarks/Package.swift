// swift-tools-version:6.1
// Benchmarks of movesql, kept out of the main package so that building and testing movesql
// does not build the benchmark harness. Run with `make bench` (or `swift package benchmark`
// in this folder); see docs/benchmarks.md.
import PackageDescription

let package = Package(
    name: "movesql-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "movesql", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(name: "BenchData", path: "Benchmarks/BenchData"),
        .executableTarget(
            name: "SSTableDecode",
            dependencies: [
                "BenchData",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cassandra", package: "movesql"),
            ],
            path: "Benchmarks/SSTableDecode",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SSTableWrite",
            dependencies: [
                "BenchData",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cassandra", package: "movesql"),
            ],
            path: "Benchmarks/SSTableWrite",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "BackupScan",
            dependencies: [
                "BenchData",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cassandra", package: "movesql"),
                .product(name: "CassandraCatalog", package: "movesql"),
                .product(name: "MoveSQL", package: "movesql"),
            ],
            path: "Benchmarks/BackupScan",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ConnectorRuns",
            dependencies: [
                "BenchData",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cassandra", package: "movesql"),
                .product(name: "CassandraCatalog", package: "movesql"),
                .product(name: "IcebergCatalog", package: "movesql"),
                .product(name: "Connectors", package: "movesql"),
                .product(name: "MoveSQL", package: "movesql"),
                .product(name: "SQL", package: "movesql"),
            ],
            path: "Benchmarks/ConnectorRuns",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EngineQueries",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MoveSQL", package: "movesql"),
            ],
            path: "Benchmarks/EngineQueries",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
