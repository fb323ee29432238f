import Benchmark
import Foundation
import MoveSQL

// The queries of sql/bench/ (1 000 000 integers, a 200 000-row table to join) inside one
// session set up once; scripts/bench_engine.py runs the same SQL beside DuckDB for ratios.

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func sql(_ name: String) -> String {
    (try? String(contentsOf: repository.appendingPathComponent("sql/bench/\(name).sql"), encoding: .utf8)) ?? ""
}

let benchmarks: @Sendable () -> Void = {
    let session = Session()
    _ = try! session.execute(sql("setup"))
    let config = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                         maxDuration: .seconds(10), maxIterations: 20)
    for name in ["scan_filter_aggregate", "group_by_many_groups", "hash_join", "sort_top_n"] {
        let query = sql(name)
        Benchmark(name, configuration: config) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(try session.execute(query)) }
        }
    }
}
