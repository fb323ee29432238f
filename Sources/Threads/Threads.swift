/// Threads without Foundation: one lock type (a mutex with its condition), a way to start a
/// thread, and a box that hands a non-Sendable value from one thread to another.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with one condition variable: the one lock of the project (the engine's catalogs,
/// tables and exchanges; the backup writer's workers). pthreads, so the engine needs no Foundation.
public final class Monitor: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    public init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }
    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
    /// Waits for a broadcast; call with the lock held.
    public func wait() { pthread_cond_wait(&condition, &mutex) }
    public func broadcast() { pthread_cond_broadcast(&condition) }
}

/// Starts a detached thread running `body`.
public func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    // Deep expression trees recurse: 8 MiB as a main thread has.
    pthread_attr_setstacksize(&attributes, 8 << 20)
    let rc = pthread_create(&thread, &attributes, { raw in
        #if canImport(Darwin)
        let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
        #else
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        #endif
        box.body()
        return nil
    }, box)
    pthread_attr_destroy(&attributes)
    if rc != 0 {
        // No thread: run here rather than lose the work.
        Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
    }
}

/// Carries a value whose parts are not all marked Sendable (a partial group table) from a
/// worker to the consumer; the worker gives it up when it hands it over.
public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// The processors online.
public func processorCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// Runs `body(0)`, …, `body(count - 1)` at once — the first on the calling thread, the rest
/// on threads of their own — and returns when all have returned.
public func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    final class Remaining: @unchecked Sendable {
        var count: Int
        init(_ n: Int) { count = n }
    }
    let monitor = Monitor()
    let remaining = Remaining(count - 1)
    for i in 1..<count {
        startThread {
            body(i)
            monitor.withLock {
                remaining.count -= 1
                monitor.broadcast()
            }
        }
    }
    body(0)
    monitor.withLock { while remaining.count > 0 { monitor.wait() } }
}
