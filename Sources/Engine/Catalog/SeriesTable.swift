import Columnar

/// generate_series and range: integers from `start` by `step` while not past `stop`, made a
/// batch at a time (never held whole) in partitions of fixed size that threads read apart.
final class SeriesTable: TableProvider, @unchecked Sendable {
    static let partitionRows: Int64 = 65_536
    let schema: [Field]
    let start: Int64, step: Int64
    /// Number of values.
    let count: Int64

    init(name: String, start: Int64, stop: Int64, step: Int64, inclusive: Bool) {
        schema = [Field(name, .bigint)]
        self.start = start
        self.step = step
        // Computed in 128 bits: a series may span the whole of Int64.
        let span = Int128(stop) - Int128(start)
        let s = Int128(step)
        var n: Int128 = 0
        if (s > 0 && span >= 0) || (s < 0 && span <= 0) {
            n = span / s + 1
            if !inclusive && span % s == 0 { n -= 1 }
        }
        count = Int64(clamping: max(0, n))
    }

    var estimatedRows: Int? { Int(count) }

    func partitions(_ request: ScanRequest) throws -> [ScanPartition] {
        let total = request.limit.map { min(count, Int64($0)) } ?? count
        let width = request.projection?.count ?? 1
        var parts: [ScanPartition] = []
        var first: Int64 = 0
        repeat {
            let n = min(Self.partitionRows, total - first)
            parts.append(Part(start: start, step: step, first: first, count: n, width: width))
            first += n
        } while first < total
        return parts
    }

    struct Part: ScanPartition {
        let start: Int64, step: Int64, first: Int64, count: Int64, width: Int
        var estimatedRows: Int? { Int(count) }
        func open() throws -> BatchStream { Stream(self) }
    }

    final class Stream: BatchStream {
        let part: Part
        var done: Int64 = 0
        init(_ part: Part) { self.part = part }
        func next() throws -> Batch? {
            guard done < part.count else { return nil }
            let n = Int(min(Int64(Batch.capacity), part.count - done))
            let i0 = part.first + done
            done += Int64(n)
            guard part.width > 0 else { return Batch(columns: [], count: n) }
            // Wrapping arithmetic: the value itself is in range, only partial products may not be.
            let base = part.start &+ i0 &* part.step
            let values = [Int64](unsafeUninitializedCapacity: n) { buffer, initialized in
                var v = base
                for k in 0..<n { buffer[k] = v; v = v &+ part.step }
                initialized = n
            }
            return Batch(columns: [Column(type: .bigint, count: n, validity: nil, data: .int64(values))], count: n)
        }
    }
}
