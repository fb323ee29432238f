// swift-tools-version:6.0
// A program that adds its own functions to movesql and runs the same command line with them
// (docs/library.md). Built and checked by `make examples` (part of `make test`).
import PackageDescription

let package = Package(
    name: "udf-cli",
    dependencies: [.package(name: "movesql", path: "../..")],
    targets: [
        .executableTarget(
            name: "movesql-udfs",
            dependencies: [
                .product(name: "MoveSQL", package: "movesql"),
                .product(name: "MoveSQLCLI", package: "movesql"),
            ]
        ),
    ]
)
