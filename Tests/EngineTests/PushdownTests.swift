import Columnar
@testable import Engine
import SQL
import Testing

/// The table-provider contract: filters offered to a provider, exact ones left to it alone,
/// inexact ones applied by both, unsupported ones kept above; a LIMIT passed down as a hint.
@Suite("Provider pushdown")
struct PushdownTests {
    /// Integers 1…n in column `x`; takes `x = constant` exactly and `x > constant` inexactly.
    final class RecordingTable: TableProvider, @unchecked Sendable {
        let schema = [Field("x", .bigint)]
        let n: Int
        var requests: [ScanRequest] = []
        init(_ n: Int) { self.n = n }
        var estimatedRows: Int? { n }

        func supportsFilter(_ filter: BoundExpr) -> FilterPushdown {
            guard case .call(let f, let args) = filter, args.count == 2, case .column = args[0], case .constant = args[1] else { return .unsupported }
            return f.name == "=" ? .exact : (f.name == ">" ? .inexact : .unsupported)
        }

        func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
            requests.append(request)
            var b = ColumnBuilder(type: .bigint)
            for i in 1...n {
                var keep = true
                for f in request.filters {
                    guard case .call(let fn, let args) = f, case .constant(.int(let c), _) = args[1] else { continue }
                    if fn.name == "=" { keep = keep && Int64(i) == c }
                    // Inexact: only skips below c - 10, leaving the rest for the engine.
                    if fn.name == ">" { keep = keep && Int64(i) > c - 10 }
                }
                if keep { b.append(.int(Int64(i))) }
                if let limit = request.limit, b.count >= limit { break }
            }
            let c = b.finish()
            return [BatchListPartition([Batch(columns: [c], count: c.count)])]
        }
    }

    static func run(_ sql: String, _ table: RecordingTable) throws -> [Value] {
        let s = Session()
        try s.catalog.create("r", table)
        guard case .rows(_, let batches) = try s.execute(sql).last! else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.columns[0].value(at: $0) } }
    }

    @Test func exactFiltersGoToTheProviderAlone() throws {
        let t = RecordingTable(100)
        #expect(try Self.run("SELECT x FROM r WHERE x = 42", t) == [.int(42)])
        #expect(t.requests.last?.filters.count == 1)
    }

    @Test func inexactFiltersAreAppliedByBoth() throws {
        let t = RecordingTable(100)
        #expect(try Self.run("SELECT count(*) FROM r WHERE x > 90", t) == [.int(10)])
        #expect(t.requests.last?.filters.count == 1)
    }

    @Test func unsupportedFiltersStayWithTheEngine() throws {
        let t = RecordingTable(100)
        #expect(try Self.run("SELECT count(*) FROM r WHERE x % 2 = 0", t) == [.int(50)])
        #expect(t.requests.last?.filters.isEmpty == true)
    }

    @Test func limitsReachTheProviderAsAHint() throws {
        let t = RecordingTable(1000)
        #expect(try Self.run("SELECT x FROM r LIMIT 3 OFFSET 2", t) == [.int(3), .int(4), .int(5)])
        #expect(t.requests.last?.limit == 5)
    }

    @Test func filtersReachScansUnderJoins() throws {
        let t = RecordingTable(100)
        let s = Session()
        try s.catalog.create("r", t)
        _ = try s.execute("CREATE TABLE m AS SELECT generate_series AS y FROM generate_series(1, 5)")
        guard case .rows(_, let batches) = try s.execute("SELECT count(*) FROM r, m WHERE r.x = y AND x = 3").last! else { return }
        #expect(batches[0].columns[0].value(at: 0) == .int(1))
        #expect(t.requests.last?.filters.count == 1)
    }
}
