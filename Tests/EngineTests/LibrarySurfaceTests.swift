import MoveSQL
import Testing

/// The documented library surface (docs/library.md), used as a program would: a session, a
/// registered table provider, a registered function.
@Suite("Library surface")
struct LibrarySurfaceTests {
    final class Squares: TableProvider, @unchecked Sendable {
        let schema = [Field("n", .bigint), Field("square", .bigint)]
        var estimatedRows: Int? { 10 }
        func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
            var n = ColumnBuilder(type: .bigint), sq = ColumnBuilder(type: .bigint)
            for i in 1...10 { n.append(.int(Int64(i))); sq.append(.int(Int64(i * i))) }
            let batch = Batch(columns: [n.finish(), sq.finish()], count: 10)
            guard let p = request.projection else { return [BatchListPartition([batch])] }
            return [BatchListPartition([Batch(columns: p.map { batch.columns[$0] }, count: 10)])]
        }
    }

    @Test func aProgramRegistersATableAndAFunction() throws {
        let session = Session()
        try session.catalog.create("squares", Squares())
        session.registry.register("cube") { types in
            guard types == [.bigint] else { return nil }
            return BoundFunction(name: "cube", returnType: .bigint) { args, count in
                var b = ColumnBuilder(type: .bigint, capacity: count)
                for i in 0..<count {
                    if case .int(let x) = args[0].value(at: i) { b.append(.int(x * x * x)) } else { b.appendNull() }
                }
                return b.finish()
            }
        }
        guard case .rows(let schema, let batches) = try session.execute("SELECT sum(cube(n)) AS c, max(square) FROM squares").last! else {
            Issue.record("no rows"); return
        }
        #expect(schema.map(\.name) == ["c", "max(square)"])
        #expect(batches[0].row(0) == [.hugeint(3025), .int(100)]) // integer sums are HUGEINT
    }
}
