import Foundation

// The data the SSTable benchmarks share: tables made once by scripts/make_bench_sstable.py
// under $TMPDIR/movesql-bench (MOVESQL_BENCH_DATA moves it). See docs/benchmarks.md.

public let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
public let dataRoot = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MOVESQL_BENCH_DATA"] ?? NSTemporaryDirectory())
    .appendingPathComponent("movesql-bench")

/// The folder of a generated table (`partitions` × `rows` rows), made if missing.
public func generate(_ name: String, partitions: Int, rows: Int) -> URL {
    let dir = dataRoot.appendingPathComponent(name)
    if FileManager.default.fileExists(atPath: dir.appendingPathComponent("nb-1-big-Data.db").path) { return dir }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", repository.appendingPathComponent("scripts/make_bench_sstable.py").path, dir.path, "\(partitions)", "\(rows)"]
    try! p.run()
    p.waitUntilExit()
    precondition(p.terminationStatus == 0, "make_bench_sstable.py failed")
    return dir
}
