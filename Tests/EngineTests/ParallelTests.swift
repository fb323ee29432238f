import Columnar
@testable import Engine
import SQL
import Synchronization
import Testing

/// Scans split into partitions read on several threads: results as one thread gives them,
/// memory bounded by the exchange, errors and early stops carried across threads; and the
/// columns a query reads, asked of the provider.
@Suite("Parallel scans and projection pushdown")
struct ParallelTests {
    /// `partitions` partitions of `batches` batches of 100 rows: (p, i) with i counting rows in
    /// the partition, and a text column; partition `failing` throws at its third batch.
    final class PartitionedTable: TableProvider, @unchecked Sendable {
        let schema = [Field("p", .bigint), Field("i", .bigint), Field("s", .varchar)]
        let partitionCount: Int, batches: Int, failing: Int?
        let produced = Atomic<Int>(0)
        let lock = Mutex<[ScanRequest]>([])
        init(partitions: Int, batches: Int, failing: Int? = nil) {
            partitionCount = partitions
            self.batches = batches
            self.failing = failing
        }
        var estimatedRows: Int? { partitionCount * batches * 100 }
        var requests: [ScanRequest] { lock.withLock { $0 } }

        func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
            lock.withLock { $0.append(request) }
            return (0..<partitionCount).map { Part(table: self, p: $0, projection: request.projection ?? [0, 1, 2]) }
        }

        struct Part: ScanPartition, @unchecked Sendable {
            let table: PartitionedTable, p: Int, projection: [Int]
            func open() throws -> BatchStream { Stream(self) }
        }

        final class Stream: BatchStream {
            let part: Part
            var made = 0
            init(_ part: Part) { self.part = part }
            func next() throws -> Batch? {
                guard made < part.table.batches else { return nil }
                if part.p == part.table.failing && made == 2 {
                    throw SQLError(.runtime, "partition \(part.p) is damaged at batch 2")
                }
                var p = ColumnBuilder(type: .bigint), i = ColumnBuilder(type: .bigint), s = ColumnBuilder(type: .varchar)
                for k in 0..<100 {
                    p.append(.int(Int64(part.p)))
                    i.append(.int(Int64(made * 100 + k)))
                    s.append(.string("v\((made * 100 + k) % 7)"))
                }
                made += 1
                part.table.produced.add(1, ordering: .relaxed)
                let all = [p.finish(), i.finish(), s.finish()]
                return Batch(columns: part.projection.map { all[$0] }, count: 100)
            }
        }
    }

    static func rows(_ sql: String, _ table: TableProvider, threads: Int) throws -> [[Value]] {
        let s = Session()
        try s.catalog.create("t", table)
        _ = try s.execute("SET threads = \(threads)")
        guard case .rows(_, let batches) = try s.execute(sql).last! else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.row($0) } }
    }

    @Test func manyThreadsGiveWhatOneThreadGivesInTheSameOrder() throws {
        let t = PartitionedTable(partitions: 12, batches: 9)
        let one = try Self.rows("SELECT p, i, s FROM t WHERE i % 5 <> 0", t, threads: 1)
        let four = try Self.rows("SELECT p, i, s FROM t WHERE i % 5 <> 0", t, threads: 4)
        #expect(one.count == 12 * 900 * 4 / 5)
        #expect(one == four)
        // Partition order kept: p never decreases.
        #expect(zip(four, four.dropFirst()).allSatisfy { ValueOrder.compare($0[0], $1[0]) <= 0 })
    }

    @Test func parallelAggregationMergesPartialsLikeOneThread() throws {
        let columns = "s, count(*), sum(i), min(i), max(p), avg(i), bool_and(i < 800), string_agg(CAST(p AS VARCHAR), '')"
        let queries = [
            "SELECT \(columns) FROM t GROUP BY s",
            "SELECT \(columns), count(DISTINCT p) FROM t GROUP BY s", // not mergeable: one thread aggregates
            "SELECT count(*), sum(i), max(s) FROM t",
        ]
        for q in queries {
            let t = PartitionedTable(partitions: 10, batches: 9)
            #expect(try Self.rows(q, t, threads: 1) == (try Self.rows(q, t, threads: 3)))
        }
        let t = PartitionedTable(partitions: 10, batches: 9)
        let r = try Self.rows("SELECT count(*), sum(i) FROM t", t, threads: 3)
        #expect(r == [[.int(9000), .hugeint(10 * (0..<900).reduce(0) { $0 + Int128($1) })]])
    }

    @Test func anErrorInAnyPartitionFailsTheQueryWithItsMessage() throws {
        for threads in [1, 4] {
            let t = PartitionedTable(partitions: 8, batches: 5, failing: 6)
            #expect(throws: SQLError.self) { _ = try Self.rows("SELECT count(*) FROM t", t, threads: threads) }
            do {
                _ = try Self.rows("SELECT p FROM t WHERE i > 3", t, threads: threads)
                Issue.record("no error")
            } catch let e as SQLError {
                #expect(e.message.contains("partition 6 is damaged at batch 2"))
            }
        }
    }

    @Test func aLimitStopsTheWorkersAndMemoryStaysBounded() throws {
        // A million batches: reading them all would take minutes and gigabytes.
        let t = PartitionedTable(partitions: 10, batches: 100_000)
        let r = try Self.rows("SELECT i FROM t WHERE i >= 0 LIMIT 250", t, threads: 4)
        #expect(r.count == 250)
        // Three batches taken; each worker holds at most `depth` finished batches and one in hand.
        #expect(t.produced.load(ordering: .relaxed) <= 3 + 4 * (ExchangeOperator.depth + 2))
    }

    @Test func scansAskForTheColumnsTheQueryReads() throws {
        let t = PartitionedTable(partitions: 2, batches: 1)
        _ = try Self.rows("SELECT s FROM t WHERE i > 150", t, threads: 1)
        #expect(t.requests.last?.projection == [1, 2])
        _ = try Self.rows("SELECT count(*) FROM t", t, threads: 1)
        #expect(t.requests.last?.projection == [])
        #expect(try Self.rows("SELECT count(*) FROM t", t, threads: 2) == [[.int(200)]])
        _ = try Self.rows("SELECT * FROM t", t, threads: 1)
        #expect(t.requests.last?.projection == nil)
        // Through a join, a window and a sort: each side reads only its own columns.
        let rows = try Self.rows("""
            SELECT a.s, row_number() OVER (ORDER BY b.i) FROM t a JOIN t b ON a.i = b.i WHERE a.p = 0 ORDER BY b.i LIMIT 2
            """, t, threads: 1)
        // i = 0 in both partitions of b.
        #expect(rows == [[.string("v0"), .int(1)], [.string("v0"), .int(2)]])
        let projections = t.requests.suffix(2).map(\.projection)
        #expect(projections.contains(nil) && projections.contains([1]))
    }

    @Test func anInsertThatFailsPartWayInsertsNothing() throws {
        let s = Session()
        _ = try s.execute("CREATE TABLE n (x INTEGER)")
        #expect(throws: SQLError.self) {
            _ = try s.execute("INSERT INTO n SELECT CAST(CASE WHEN x = 150000 THEN 'bad' ELSE CAST(x AS VARCHAR) END AS INTEGER) FROM range(200000) r(x)")
        }
        guard case .rows(_, let b) = try s.execute("SELECT count(*) FROM n").last! else { return }
        #expect(b[0].row(0) == [.int(0)])
        _ = try s.execute("INSERT INTO n SELECT x FROM range(100000) r(x)")
        guard case .rows(_, let c) = try s.execute("SELECT count(*), sum(x) FROM n").last! else { return }
        #expect(c[0].row(0) == [.int(100000), .hugeint(4_999_950_000)])
    }

    @Test func seriesStreamInPartitionsWithAnySign() throws {
        let s = Session()
        func values(_ sql: String) throws -> [Value] {
            guard case .rows(_, let b) = try s.execute(sql).last! else { return [] }
            return b.flatMap { b in (0..<b.count).map { b.columns[0].value(at: $0) } }
        }
        #expect(try values("SELECT * FROM generate_series(5, 1, -2)") == [.int(5), .int(3), .int(1)])
        #expect(try values("SELECT * FROM range(-2, 2)") == [.int(-2), .int(-1), .int(0), .int(1)])
        #expect(try values("SELECT * FROM range(3, 3)") == [])
        #expect(try values("SELECT * FROM range(0, 10, -1)") == [])
        #expect(try values("SELECT count(*), sum(x) FROM range(1000000) r(x)") == [.int(1_000_000)])
        #expect(try values("SELECT max(x) FROM generate_series(9223372036854775800, 9223372036854775807) r(x)") == [.int(.max)])
        let table = SeriesTable(name: "range", start: 0, stop: 1_000_000, step: 1, inclusive: false)
        #expect(try table.partitions(ScanRequest()).count == 16)
    }

    @Test func joinsProbeOnEveryThreadAndKeepOneThreadsOrder() throws {
        let t = PartitionedTable(partitions: 6, batches: 4)
        for kind in ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"] {
            let q = """
                SELECT t.p, t.i, d.k, d.name FROM t \(kind) (SELECT * FROM (VALUES (0, 'zero'), (7, 'seven'), (399, 'last'), (1000, 'none'))
                AS v(k, name)) d ON t.i = d.k AND t.p < 5
                """
            let one = try Self.rows(q, t, threads: 1), four = try Self.rows(q, t, threads: 4)
            #expect(one == four, "\(kind)")
            let matches = one.filter { !$0[0].isNull && !$0[2].isNull }
            #expect(matches.count == 15, "\(kind)") // 3 keys × partitions 0…4
            let padded = one.filter { $0[0].isNull }
            #expect(padded.count == (kind.hasPrefix("RIGHT") || kind.hasPrefix("FULL") ? 1 : 0), "\(kind)")
            let unmatchedLeft = one.filter { $0[2].isNull }
            #expect(unmatchedLeft.count == (kind.hasPrefix("LEFT") || kind.hasPrefix("FULL") ? 6 * 400 - 15 : 0), "\(kind)")
        }
    }

    @Test func intHashMapAgreesWithADictionary() {
        var map = IntHashMap()
        var reference: [Int64: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        var keys: [Int64] = [0, -1, .min, .max, 1 << 32, -(1 << 40)]
        for _ in 0..<20_000 { keys.append(Int64.random(in: -5000...5000, using: &rng) * 4096) }
        for k in keys {
            let id = map.findOrInsert(k) { reference.count }
            if reference[k] == nil { reference[k] = id }
            #expect(reference[k] == id)
        }
        #expect(map.count == reference.count)
        for (k, id) in reference { #expect(map.find(k) == id) }
        #expect(map.find(12345) == nil)
    }

    @Test func topNStreamsPerPartitionAndKeepsTiesInInputOrder() throws {
        let t = PartitionedTable(partitions: 7, batches: 5)
        // Many ties on s: a stable order puts them in input (partition, i) order.
        let full = try Self.rows("SELECT s, p, i FROM t ORDER BY s DESC", t, threads: 1)
        for threads in [1, 3] {
            for (limit, offset) in [(50, 0), (10, 95), (0, 0), (Sorting.streamingLimit + 1, 3)] {
                let top = try Self.rows("SELECT s, p, i FROM t ORDER BY s DESC LIMIT \(limit) OFFSET \(offset)", t, threads: threads)
                #expect(top == Array(full.dropFirst(offset).prefix(limit)), "limit \(limit) offset \(offset) threads \(threads)")
            }
        }
        // Through the projection that drops a hidden sort key.
        let hidden = try Self.rows("SELECT i FROM t ORDER BY p DESC, i % 100 LIMIT 3", t, threads: 3)
        #expect(hidden == [[.int(0)], [.int(100)], [.int(200)]])
    }
}
