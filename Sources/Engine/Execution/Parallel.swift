import Columnar
import Threads

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a plan runs: the number of threads a scan's partitions are read on.
public struct ExecutionContext: Sendable {
    public var threads: Int

    public init(threads: Int = ExecutionContext.processorCount) {
        self.threads = max(1, threads)
    }

    public static var processorCount: Int { Threads.processorCount() }
}

/// The per-partition part of a plan: a scan and the streaming operators above it.
struct Pipeline: Sendable {
    var partitions: [ScanPartition]
    /// Wraps one partition's stream in the filters and projections above the scan.
    var stages: [@Sendable (BatchStream) -> BatchStream]

    func open(_ p: Int) throws -> BatchStream {
        var s = try partitions[p].open()
        for stage in stages { s = stage(s) }
        return s
    }
}

/// Reads a pipeline's partitions on several threads and hands their batches to one consumer
/// in partition order. Each partition buffers at most `depth` batches, so memory stays bounded
/// whatever the table's size; a consumer that stops early (LIMIT) stops the workers.
final class ExchangeOperator: BatchStream {
    private final class Shared: @unchecked Sendable {
        let monitor = Monitor()
        // Guarded by `monitor`.
        var queues: [[Batch]]
        var finished: [Bool]
        var nextPartition = 0
        var error: Error?
        var cancelled = false
        init(_ n: Int) {
            queues = Array(repeating: [], count: n)
            finished = Array(repeating: false, count: n)
        }
    }

    private let shared: Shared
    private let count: Int
    private var current = 0
    static let depth = 4

    init(_ pipeline: Pipeline, threads: Int) {
        count = pipeline.partitions.count
        shared = Shared(count)
        let shared = self.shared
        for _ in 0..<max(1, min(threads, count)) {
            startThread {
                while true {
                    let p: Int = shared.monitor.withLock {
                        if shared.cancelled || shared.error != nil { return Int.max }
                        defer { shared.nextPartition += 1 }
                        return shared.nextPartition
                    }
                    guard p < pipeline.partitions.count else { return }
                    do {
                        let stream = try pipeline.open(p)
                        while let b = try stream.next() {
                            if b.count == 0 { continue }
                            let stop: Bool = shared.monitor.withLock {
                                while shared.queues[p].count >= Self.depth && !shared.cancelled { shared.monitor.wait() }
                                if shared.cancelled { return true }
                                shared.queues[p].append(b)
                                shared.monitor.broadcast()
                                return false
                            }
                            if stop { return }
                        }
                        shared.monitor.withLock {
                            shared.finished[p] = true
                            shared.monitor.broadcast()
                        }
                    } catch {
                        shared.monitor.withLock {
                            if shared.error == nil { shared.error = error }
                            shared.monitor.broadcast()
                        }
                        return
                    }
                }
            }
        }
    }

    deinit {
        shared.monitor.withLock {
            shared.cancelled = true
            shared.monitor.broadcast()
        }
    }

    func next() throws -> Batch? {
        try shared.monitor.withLock {
            while current < count {
                if let e = shared.error { throw e }
                if !shared.queues[current].isEmpty {
                    let b = shared.queues[current].removeFirst()
                    shared.monitor.broadcast()
                    return b
                }
                if shared.finished[current] { current += 1; continue }
                shared.monitor.wait()
            }
            return nil
        }
    }
}

/// Runs `work` once per partition on up to `threads` threads and hands the results to
/// `consume` on the calling thread in partition order, each as soon as it and all before it
/// are done (so at most about `threads` results wait at a time).
func forEachPartition<R>(_ count: Int, threads: Int, _ work: @escaping @Sendable (Int) throws -> R,
                         consume: (R) throws -> Void) throws {
    let shared = PartitionResults<R>()
    let workers = max(1, min(threads, count))
    if workers == 1 {
        for p in 0..<count { try consume(try work(p)) }
        return
    }
    shared.running = workers
    for _ in 0..<workers {
        startThread {
            while true {
                let p: Int = shared.monitor.withLock {
                    // Do not run far ahead of the consumer: results are held until it takes them.
                    while shared.nextPartition - shared.consumed >= 2 * workers && shared.error == nil { shared.monitor.wait() }
                    if shared.error != nil { return Int.max }
                    defer { shared.nextPartition += 1 }
                    return shared.nextPartition
                }
                guard p < count else { break }
                do {
                    let r = try work(p)
                    shared.monitor.withLock {
                        shared.results[p] = r
                        shared.monitor.broadcast()
                    }
                } catch {
                    shared.monitor.withLock {
                        if shared.error == nil { shared.error = error }
                        shared.monitor.broadcast()
                    }
                    break
                }
            }
            shared.monitor.withLock {
                shared.running -= 1
                shared.monitor.broadcast()
            }
        }
    }
    var failure: Error?
    for p in 0..<count {
        let r: R? = shared.monitor.withLock {
            while shared.results[p] == nil && shared.error == nil { shared.monitor.wait() }
            shared.consumed += 1
            shared.monitor.broadcast()
            return shared.results.removeValue(forKey: p)
        }
        guard let r else { break }
        do { try consume(r) } catch {
            failure = error
            shared.monitor.withLock { if shared.error == nil { shared.error = error } }
            break
        }
    }
    // Workers may still be finishing a partition: wait, so nothing runs after we return.
    let error: Error? = shared.monitor.withLock {
        while shared.running > 0 { shared.monitor.wait() }
        return shared.error
    }
    if let e = failure ?? error { throw e }
}

/// The shared state of `forEachPartition`.
private final class PartitionResults<R>: @unchecked Sendable {
    let monitor = Monitor()
    // Guarded by `monitor`.
    var results: [Int: R] = [:]
    var nextPartition = 0
    var error: Error?
    var running = 0
    var consumed = 0
}

