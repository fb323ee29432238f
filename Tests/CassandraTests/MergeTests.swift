@testable import Cassandra
import Testing

/// The reconciliation of the merge, one rule at a time, over in-memory partition sources.
@Suite("Merge")
struct MergeTests {
    /// A source of partitions given as values.
    final class MemorySource: PartitionSource {
        struct Partition {
            var key: Int32
            var deletion: DeletionTime = .live
            var staticRow: Row? = nil
            var unfiltereds: [Unfiltered] = []
        }
        var partitions: [Partition]
        var index = -1
        var position = 0
        init(_ partitions: [Partition]) {
            // Sources hand partitions over in token order.
            self.partitions = partitions.sorted { Murmur3.token(key($0.key)) < Murmur3.token(key($1.key)) }
        }
        func nextPartition() throws -> PartitionHeader? {
            index += 1
            position = 0
            guard index < partitions.count else { return nil }
            let k = key(partitions[index].key)
            return PartitionHeader(key: k, token: .murmur3(Murmur3.token(k)), deletion: partitions[index].deletion, position: 0)
        }
        var staticRow: Row? { partitions[index].staticRow }
        func nextUnfiltered() throws -> Unfiltered? {
            guard position < partitions[index].unfiltereds.count else { return nil }
            position += 1
            return partitions[index].unfiltereds[position - 1]
        }
    }

    static func key(_ v: Int32) -> [UInt8] { CQLLiteral.bigEndian(v) }
    static func ck(_ v: Int32) -> ClusteringValues { [CQLLiteral.bigEndian(v)[...]] }

    // CREATE TABLE t (pk int, ck int, s int static, v int, w int, m map<int, int>, PRIMARY KEY (pk, ck))
    static let schema = try! CQLSchemaParser.parse("CREATE TABLE t (pk int, ck int, s int static, v int, w int, m map<int, int>, PRIMARY KEY (pk, ck))")[0]
    static let layout = TableLayout(schema: schema)
    static let s = 0, v = 1, w = 2, m = 3

    struct CellSpec {
        var column: Int
        var value: Int32?
        var ts: Int64
        var ttl: Int32 = 0
        var expires: Int64 = Int64(Int32.max)
        var path: Int32?
    }

    static func cell(_ column: Int, _ value: Int32, ts: Int64, ttl: Int32 = 0, expires: Int64 = Int64(Int32.max), path: Int32? = nil) -> CellSpec {
        CellSpec(column: column, value: value, ts: ts, ttl: ttl, expires: expires, path: path)
    }

    static func tombstone(_ column: Int, ts: Int64, path: Int32? = nil) -> CellSpec {
        CellSpec(column: column, value: nil, ts: ts, expires: 1000, path: path)
    }

    static func build(isStatic: Bool, clustering: ClusteringValues, liveness: LivenessInfo, deletion: DeletionTime,
                      cells: [CellSpec], complex: [(column: Int, deletion: DeletionTime)]) -> Row {
        var r = Row(isStatic: isStatic, clustering: clustering, liveness: liveness, deletion: deletion, cells: [], complexDeletions: complex, storage: [])
        for c in cells {
            r.appendCell(column: c.column, timestamp: c.ts, ttl: c.ttl, localDeletionTime: c.expires, isTombstone: c.value == nil,
                         path: c.path.map { CQLLiteral.bigEndian($0) }, value: c.value.map { CQLLiteral.bigEndian($0) } ?? [])
        }
        return r
    }

    static func row(_ c: Int32, liveness: LivenessInfo = .empty, deletion: DeletionTime = .live, cells: [CellSpec],
                    complex: [(column: Int, deletion: DeletionTime)] = []) -> Unfiltered {
        .row(build(isStatic: false, clustering: ck(c), liveness: liveness, deletion: deletion, cells: cells, complex: complex))
    }

    static func staticRow(_ cells: [CellSpec]) -> Row {
        build(isStatic: true, clustering: [], liveness: .empty, deletion: .live, cells: cells, complex: [])
    }

    static func live(_ ts: Int64) -> LivenessInfo { LivenessInfo(timestamp: ts, ttl: 0, localExpirationTime: Int64(Int32.max)) }

    static func deletion(_ ts: Int64) -> DeletionTime { DeletionTime(markedForDeleteAt: ts, localDeletionTime: 1000) }

    static func marker(_ kind: BoundKind, _ c: Int32, close: DeletionTime? = nil, open: DeletionTime? = nil) -> Unfiltered {
        .marker(RangeTombstoneMarker(kind: kind, clustering: ck(c), closeDeletion: close, openDeletion: open))
    }

    /// Merged rows as "pk ck: v=… w=… s=… m=…" strings.
    static func merge(_ sources: [[MemorySource.Partition]], now: Int64? = nil) throws -> [String] {
        let rows = LiveRowStream(merged: MergedScanner(scanners: sources.map(MemorySource.init), layout: layout, now: now), layout: layout)
        var out: [String] = []
        while let r = try rows.next() {
            out.append(zip(rows.columnNames, r).map { "\($0)=\(ValueJSON.render($1))" }.joined(separator: " "))
        }
        return out
    }

    typealias P = MemorySource.Partition

    @Test func lastWriteWinsPerCell() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [Self.cell(Self.v, 1, ts: 10), Self.cell(Self.w, 1, ts: 30)])])]
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 2, ts: 20), Self.cell(Self.w, 2, ts: 5)])])]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=1 s=null v=2 w=1 m=null"])
        #expect(try Self.merge([b, a]) == ["pk=1 ck=1 s=null v=2 w=1 m=null"])
    }

    @Test func tombstoneWinsATimestampTie() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [Self.cell(Self.v, 1, ts: 10)])])]
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.tombstone(Self.v, ts: 10)])])]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=1 s=null v=null w=null m=null"])
        #expect(try Self.merge([b, a]) == ["pk=1 ck=1 s=null v=null w=null m=null"])
    }

    @Test func equalTimestampsPickTheGreaterValue() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 7, ts: 10)])])]
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 3, ts: 10)])])]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=1 s=null v=7 w=null m=null"])
        #expect(try Self.merge([b, a]) == ["pk=1 ck=1 s=null v=7 w=null m=null"])
    }

    @Test func expiringCellBeatsRegularOnATieAndExpires() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [Self.cell(Self.v, 1, ts: 10)])])]
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 2, ts: 10, ttl: 60, expires: 5000)])])]
        #expect(try Self.merge([a, b], now: 4999) == ["pk=1 ck=1 s=null v=2 w=null m=null"])
        // At the expiry second the cell is gone, and it still shadows the older value.
        #expect(try Self.merge([a, b], now: 5000) == ["pk=1 ck=1 s=null v=null w=null m=null"])
        #expect(try Self.merge([a, b], now: nil) == ["pk=1 ck=1 s=null v=2 w=null m=null"])
    }

    @Test func partitionDeletionShadowsOnlyOlderData() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [Self.cell(Self.v, 1, ts: 10)]),
                                         Self.row(2, cells: [Self.cell(Self.v, 2, ts: 30)])])]
        let b = [P(key: 1, deletion: Self.deletion(20))]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=2 s=null v=2 w=null m=null"])
    }

    @Test func rangeTombstoneBoundsShadowRowsOfOtherFiles() throws {
        let rows = [P(key: 1, unfiltereds: (1...6).map { Self.row(Int32($0), liveness: Self.live(10), cells: [Self.cell(Self.v, Int32($0), ts: 10)]) })]
        // DELETE ... WHERE ck > 2 AND ck <= 4 at 20
        let rt = [P(key: 1, unfiltereds: [Self.marker(.exclusiveStart, 2, open: Self.deletion(20)),
                                          Self.marker(.inclusiveEnd, 4, close: Self.deletion(20))])]
        let got = try Self.merge([rows, rt]).map { $0.split(separator: " ")[1] }
        #expect(got == ["ck=1", "ck=2", "ck=5", "ck=6"])
    }

    @Test func rangeTombstoneBoundaryChangesTheDeletion() throws {
        let rows = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 1, ts: 15)]),
                                            Self.row(3, cells: [Self.cell(Self.v, 3, ts: 15)])])]
        // [0, 2) deleted at 10, then [2, 5] at 20: the row at 1 (ts 15) survives, the one at 3 does not.
        let rt = [P(key: 1, unfiltereds: [Self.marker(.inclusiveStart, 0, open: Self.deletion(10)),
                                          Self.marker(.exclusiveEndInclusiveStartBoundary, 2, close: Self.deletion(10), open: Self.deletion(20)),
                                          Self.marker(.inclusiveEnd, 5, close: Self.deletion(20))])]
        #expect(try Self.merge([rows, rt]).map { String($0.split(separator: " ")[1]) } == ["ck=1"])
    }

    @Test func rowDeletionShadowsOlderCellsButNotNewerOnes() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [Self.cell(Self.v, 1, ts: 10), Self.cell(Self.w, 1, ts: 30)])])]
        let b = [P(key: 1, unfiltereds: [Self.row(1, deletion: Self.deletion(20), cells: [])])]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=1 s=null v=null w=1 m=null"])
    }

    @Test func complexDeletionShadowsOlderElements() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [Self.cell(Self.m, 100, ts: 10, path: 1), Self.cell(Self.m, 200, ts: 10, path: 2)])])]
        // m = {3: 300} at 20: the collection is replaced.
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.m, 300, ts: 20, path: 3)], complex: [(Self.m, Self.deletion(19))])])]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=1 s=null v=null w=null m=[[3, 300]]"])
        // An element tombstone removes one entry; elements from both files interleave by key.
        let c = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.tombstone(Self.m, ts: 11, path: 1), Self.cell(Self.m, 150, ts: 11, path: 0)])])]
        #expect(try Self.merge([a, c]) == ["pk=1 ck=1 s=null v=null w=null m=[[0, 150], [2, 200]]"])
    }

    @Test func rowLivenessAloneKeepsARow() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, liveness: Self.live(10), cells: [])])]
        #expect(try Self.merge([a]) == ["pk=1 ck=1 s=null v=null w=null m=null"])
        // A row whose cells are all deleted and has no liveness is gone.
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 1, ts: 10)])])]
        let c = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.tombstone(Self.v, ts: 11)])])]
        #expect(try Self.merge([b, c]).isEmpty)
    }

    @Test func expiringRowMarker() throws {
        let ttlRow = [P(key: 1, unfiltereds: [Self.row(1, liveness: LivenessInfo(timestamp: 10, ttl: 60, localExpirationTime: 5000), cells: [])])]
        #expect(try Self.merge([ttlRow], now: 4000).count == 1)
        #expect(try Self.merge([ttlRow], now: 6000).isEmpty)
        #expect(try Self.merge([ttlRow], now: nil).count == 1)
    }

    @Test func partitionsMergeInTokenOrder() throws {
        let a = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 1, ts: 1)])]),
                 P(key: 3, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 3, ts: 1)])])]
        let b = [P(key: 2, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 2, ts: 1)])]),
                 P(key: 5, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 5, ts: 1)])]),
                 P(key: 3, unfiltereds: [Self.row(2, cells: [Self.cell(Self.v, 32, ts: 1)])])]
        // Murmur3 order of int keys 1..5 is 5, 1, 2, 3 (4 absent).
        let got = try Self.merge([a, b]).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        #expect(got == ["pk=5 ck=1", "pk=1 ck=1", "pk=2 ck=1", "pk=3 ck=1", "pk=3 ck=2"])
    }

    @Test func staticRowsMergeAndShowAloneWhenNoRowLives() throws {
        let st = Self.staticRow([Self.cell(Self.s, 9, ts: 10)])
        let a = [P(key: 1, staticRow: st)]
        #expect(try Self.merge([a]) == ["pk=1 ck=null s=9 v=null w=null m=null"])
        let b = [P(key: 1, unfiltereds: [Self.row(1, cells: [Self.cell(Self.v, 1, ts: 10)])])]
        #expect(try Self.merge([a, b]) == ["pk=1 ck=1 s=9 v=1 w=null m=null"])
        let newer = Self.staticRow([Self.cell(Self.s, 8, ts: 11)])
        #expect(try Self.merge([a, b, [P(key: 1, staticRow: newer)]]) == ["pk=1 ck=1 s=8 v=1 w=null m=null"])
    }

    @Test func countersSumTheirMergedShards() throws {
        func context(_ shards: [(id: UInt8, clock: Int64, count: Int64)]) -> Bytes {
            var out: [UInt8] = [0, UInt8(shards.count)]
            for i in 0..<shards.count { out += CQLLiteral.bigEndian(Int16(-0x8000 + i)) }
            for s in shards { out += [UInt8](repeating: s.id, count: 16) + CQLLiteral.bigEndian(s.clock) + CQLLiteral.bigEndian(s.count) }
            return out[...]
        }
        #expect(CounterContext.total(context([(1, 5, 3), (2, 1, 4)])) == 7)
        // The same shard seen twice keeps its higher clock; distinct shards add up.
        let merged = CounterContext.merge(context([(1, 5, 3), (2, 1, 4)]), context([(1, 6, 10), (3, 1, 1)]))
        #expect(CounterContext.total(merged) == 15)
        #expect(CounterContext.total([1, 2, 3]) == nil)
    }
}
