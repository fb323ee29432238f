import Columnar

/// Rebuilds engine columns from decoded leaves (record assembly, Dremel's inverse of
/// shredding). Each node is built from "slots": per leaf under it, the level positions where
/// one instance of the node begins. A struct passes its slots to its children; a list finds,
/// per leaf, the positions where each of its elements begins; a leaf reads the value at each
/// slot whose definition level is the maximum.
struct Assembler {
    let leaves: [ReadLeaf]
    let chunks: [Int: DecodedChunk]
    /// Per leaf: the index of the value of the first non-null level at or after each position.
    private var valueIndex: [Int: [Int32]] = [:]

    init(leaves: [ReadLeaf], chunks: [Int: DecodedChunk]) {
        self.leaves = leaves
        self.chunks = chunks
        for (leaf, chunk) in chunks {
            let maxDef = UInt16(leaves[leaf].maxDefinition)
            guard maxDef > 0 else { continue }
            var index = [Int32](repeating: 0, count: chunk.levelCount + 1)
            var k: Int32 = 0
            for (p, d) in chunk.definitions.enumerated() {
                index[p] = k
                if d == maxDef { k += 1 }
            }
            index[chunk.levelCount] = k
            valueIndex[leaf] = index
        }
    }

    /// Positions of each record's first level, per leaf (repetition level 0).
    func recordStarts(_ leaf: Int) -> [Int] {
        let c = chunks[leaf]!
        if leaves[leaf].maxRepetition == 0 { return Array(0..<c.levelCount) }
        var out: [Int] = []
        out.reserveCapacity(c.levelCount)
        for (p, r) in c.repetitions.enumerated() where r == 0 { out.append(p) }
        return out
    }

    func build(_ node: ReadNode, slots: [Int: ArraySlice<Int>]) throws -> Column {
        switch node.shape {
        case .leaf(let leaf): return try buildLeaf(leaf, node: node, positions: slots[leaf]!)
        case .structure(let children):
            guard let first = node.leaves.first, let positions = slots[first] else { throw ParquetError("a struct \(node.name) without leaves") }
            let columns = try children.map { c in try build(c, slots: slots.filter { c.leaves.contains($0.key) }) }
            let validity = self.validity(first, positions, atLeast: node.definition, optional: node.optional)
            return Column(type: node.type, count: positions.count, validity: validity, data: .structure(columns))
        case .list(let element, let repeatedDefinition, let repetition):
            let (offsets, validity, inner) = try items(node, slots: slots, repeatedDefinition: repeatedDefinition, repetition: repetition)
            return Column(type: node.type, count: offsets.count - 1, validity: validity, data: .list(offsets: offsets, values: try build(element, slots: inner)))
        case .map(let key, let value, let repeatedDefinition, let repetition):
            let (offsets, validity, inner) = try items(node, slots: slots, repeatedDefinition: repeatedDefinition, repetition: repetition)
            let keys = try build(key, slots: inner.filter { key.leaves.contains($0.key) })
            if keys.nullCount > 0 { throw ParquetError("map \(node.name) has a null key") }
            let values = try build(value, slots: inner.filter { value.leaves.contains($0.key) })
            let entry = Column(type: .structure([Field("key", key.type), Field("value", value.type)]), count: keys.count, validity: nil,
                               data: .structure([keys, values]))
            return Column(type: node.type, count: offsets.count - 1, validity: validity, data: .list(offsets: offsets, values: entry))
        }
    }

    private func validity(_ leaf: Int, _ positions: ArraySlice<Int>, atLeast definition: Int, optional: Bool) -> Bitmap? {
        guard optional, let defs = chunks[leaf]?.definitions, !defs.isEmpty else { return nil }
        var b = Bitmap(count: positions.count, allSet: false)
        let d = UInt16(definition)
        for (i, p) in positions.enumerated() where defs[p] >= d { b[i] = true }
        return b
    }

    /// A list's (or map's) offsets and validity from its first leaf, and every leaf's element positions.
    private func items(_ node: ReadNode, slots: [Int: ArraySlice<Int>], repeatedDefinition: Int, repetition: Int) throws
        -> ([Int32], Bitmap?, [Int: ArraySlice<Int>]) {
        var inner: [Int: ArraySlice<Int>] = [:]
        var offsets: [Int32] = []
        var validity: Bitmap?
        let rd = UInt16(repeatedDefinition), rr = UInt16(repetition)
        for (k, leaf) in node.leaves.enumerated() {
            guard let positions = slots[leaf], let c = chunks[leaf] else { throw ParquetError("list \(node.name): a leaf without levels") }
            let defs = c.definitions, reps = c.repetitions
            var starts: [Int] = []
            starts.reserveCapacity(positions.count)
            var counts: [Int32] = k == 0 ? [0] : []
            if k == 0 {
                counts.reserveCapacity(positions.count + 1)
                if node.optional { validity = Bitmap(count: positions.count, allSet: false) }
            }
            for (i, p) in positions.enumerated() {
                let d = defs[p]
                if k == 0, node.optional, d >= UInt16(node.definition) { validity![i] = true }
                if d >= rd {
                    starts.append(p)
                    var q = p + 1
                    while q < c.levelCount && reps[q] >= rr {
                        if reps[q] == rr { starts.append(q) }
                        q += 1
                    }
                }
                if k == 0 { counts.append(Int32(starts.count)) }
            }
            if k == 0 { offsets = counts } else if starts.count != Int(offsets.last ?? 0) {
                throw ParquetError("list \(node.name): its leaves disagree on the number of elements (\(starts.count) and \(offsets.last ?? 0))")
            }
            inner[leaf] = starts[...]
        }
        return (offsets, validity, inner)
    }

    private func buildLeaf(_ leaf: Int, node: ReadNode, positions: ArraySlice<Int>) throws -> Column {
        let l = leaves[leaf]
        let c = chunks[leaf]!
        let n = positions.count
        let maxDef = UInt16(l.maxDefinition)
        var validity: Bitmap?
        // The value index of each slot, or -1 for a null.
        var index = [Int32](repeating: -1, count: n)
        if maxDef == 0 {
            for (i, p) in positions.enumerated() { index[i] = Int32(p) }
        } else {
            let defs = c.definitions, at = valueIndex[leaf]!
            var b = Bitmap(count: n, allSet: false)
            for (i, p) in positions.enumerated() where defs[p] == maxDef {
                index[i] = at[p]
                b[i] = true
            }
            validity = b
        }
        return try LeafValues.column(l, c.values, index: index, validity: validity, type: node.type)
    }
}

/// Stored values to engine column data, per leaf conversion.
enum LeafValues {
    static func gather<T>(_ src: [T], _ index: [Int32], zero: T) -> [T] {
        index.map { $0 >= 0 ? src[Int($0)] : zero }
    }

    static func column(_ leaf: ReadLeaf, _ values: PhysicalValues, index: [Int32], validity: Bitmap?, type: DataType) throws -> Column {
        let n = index.count
        func col(_ data: Column.ColumnData) -> Column { Column(type: type, count: n, validity: validity, data: data) }
        func mismatch() -> ParquetError { ParquetError("column \(leaf.path.joined(separator: ".")): \(leaf.conversion) of \(leaf.physical) values") }
        switch (leaf.conversion, values) {
        case (.null, _): return Column(type: .null, count: n, validity: Bitmap(count: n, allSet: false), data: .bool([Bool](repeating: false, count: n)))
        case (.bool, .bool(let v)): return col(.bool(gather(v, index, zero: false)))
        case (.int32, .int32(let v)): return col(.int32(gather(v, index, zero: 0)))
        case (.int8, .int32(let v)): return col(.int8(index.map { $0 >= 0 ? Int8(truncatingIfNeeded: v[Int($0)]) : 0 }))
        case (.int16, .int32(let v)): return col(.int16(index.map { $0 >= 0 ? Int16(truncatingIfNeeded: v[Int($0)]) : 0 }))
        case (.uint32, .int32(let v)): return col(.int64(index.map { $0 >= 0 ? Int64(UInt32(bitPattern: v[Int($0)])) : 0 }))
        case (.int64, .int64(let v)), (.int96, .int64(let v)): return col(.int64(gather(v, index, zero: 0)))
        case (.uint64, .int64(let v)): return col(.int128(index.map { $0 >= 0 ? Int128(UInt64(bitPattern: v[Int($0)])) : 0 }))
        case (.timestamp(let s), .int64(let v)), (.time64(let s), .int64(let v)):
            switch s {
            case .micros: return col(.int64(gather(v, index, zero: 0)))
            case .millis: return col(.int64(index.map { $0 >= 0 ? v[Int($0)] &* 1000 : 0 }))
            case .nanos: return col(.int64(index.map { $0 >= 0 ? ValueSink.floorDiv(v[Int($0)], 1000) : 0 }))
            }
        case (.time32Millis, .int32(let v)): return col(.int64(index.map { $0 >= 0 ? Int64(v[Int($0)]) * 1000 : 0 }))
        case (.float, .float(let v)): return col(.float32(gather(v, index, zero: 0)))
        case (.double, .double(let v)): return col(.float64(gather(v, index, zero: 0)))
        case (.float16, .bytes(let offsets, let bytes)):
            return col(.float32(index.map { i in
                guard i >= 0 else { return 0 }
                let o = Int(offsets[Int(i)])
                return halfToFloat(UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8)
            }))
        case (.string, .bytes(let offsets, let bytes)), (.binary, .bytes(let offsets, let bytes)), (.fixedBinary, .bytes(let offsets, let bytes)):
            var outOffsets = [Int32](repeating: 0, count: n + 1)
            var total = 0
            for (i, k) in index.enumerated() {
                if k >= 0 { total += Int(offsets[Int(k) + 1] - offsets[Int(k)]) }
                outOffsets[i + 1] = Int32(total)
            }
            var out = [UInt8]()
            out.reserveCapacity(total)
            bytes.withUnsafeBufferPointer { src in
                for k in index where k >= 0 {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: src[Int(offsets[Int(k)])..<Int(offsets[Int(k) + 1])]))
                }
            }
            return col(.bytes(offsets: outOffsets, bytes: out))
        case (.uuid, .bytes(let offsets, let bytes)):
            return col(.uint128(index.map { k in
                guard k >= 0 else { return 0 }
                var x: UInt128 = 0
                for b in bytes[Int(offsets[Int(k)])..<Int(offsets[Int(k)] + 16)] { x = x << 8 | UInt128(b) }
                return x
            }))
        case (.decimal, _):
            guard case .decimal(let p, _) = type else { throw mismatch() }
            var wide = [Int128](repeating: 0, count: n)
            switch values {
            case .int32(let v): for (i, k) in index.enumerated() where k >= 0 { wide[i] = Int128(v[Int(k)]) }
            case .int64(let v): for (i, k) in index.enumerated() where k >= 0 { wide[i] = Int128(v[Int(k)]) }
            case .bytes(let offsets, let bytes):
                for (i, k) in index.enumerated() where k >= 0 {
                    let s = Int(offsets[Int(k)]), e = Int(offsets[Int(k) + 1])
                    guard e - s <= 16 else { throw ParquetError("column \(leaf.path.joined(separator: ".")): a decimal of \(e - s) bytes") }
                    var x: Int128 = s < e && bytes[s] & 0x80 != 0 ? -1 : 0
                    for b in bytes[s..<e] { x = x << 8 | Int128(b) }
                    wide[i] = x
                }
            default: throw mismatch()
            }
            if p <= 18 { return col(.int64(wide.map { Int64(truncatingIfNeeded: $0) })) }
            return col(.int128(wide))
        default: throw mismatch()
        }
    }

    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31, exponent = Int((h >> 10) & 0x1f), mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            let v = Float(mantissa) * Float(sign != 0 ? -1 : 1) / Float(1 << 24)
            return v
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
