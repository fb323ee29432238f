/// A predicate on one top-level column that a scan can use to skip data files: `column <op>
/// value`, `IS [NOT] NULL`, `IN (…)`. Values are in the column's comparable form (see
/// `PartitionValue`): integers, days and µs as `.long`, decimals unscaled at the column's
/// scale, doubles, and strings, binaries and uuids as bytes.
public struct IcebergPredicate: Sendable {
    public enum Op: Sendable { case eq, lt, le, gt, ge, isNull, notNull, isIn }
    public var fieldId: Int32
    public var op: Op
    public var values: [PartitionValue]

    public init(fieldId: Int32, op: Op, values: [PartitionValue] = []) {
        self.fieldId = fieldId
        self.op = op
        self.values = values
    }
}

extension PartitionValue {
    /// A bound of a manifest entry in the single-value encoding, read as a comparable value.
    public static func decode(bound b: [UInt8], _ type: IcebergType) -> PartitionValue? {
        func le<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard b.count == MemoryLayout<T>.size else { return nil }
            return b.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        switch type {
        case .boolean: return b.count == 1 ? .long(Int64(b[0])) : nil
        case .int, .date: return le(Int32.self).map { .long(Int64($0)) }
        case .long, .time, .timestamp, .timestamptz: return le(Int64.self).map { .long($0) }
        case .float: return le(UInt32.self).map { .double(Double(Float(bitPattern: $0))) }
        case .double: return le(UInt64.self).map { .double(Double(bitPattern: $0)) }
        case .decimal:
            guard !b.isEmpty, b.count <= 16 else { return nil }
            var x: Int128 = b[0] & 0x80 != 0 ? -1 : 0
            for byte in b { x = x << 8 | Int128(byte) }
            return .decimal(x)
        case .string, .binary, .fixed, .uuid: return .bytes(b)
        default: return nil
        }
    }

    public static func < (a: PartitionValue, b: PartitionValue) -> Bool { PartitionSummary.less(a, b) }
}

extension PartitionTransform {
    /// The transform of one comparable value of a `source` column.
    public func apply(_ v: PartitionValue, source: IcebergType) -> PartitionValue {
        switch v {
        case .null: return .null
        case .long(let x): return self == .identity ? v : long(x, source)
        case .decimal(let x): return decimal(x)
        case .bytes(let b): return bytes(b, source)
        case .double: return self == .identity ? v : .null
        }
    }

    /// Whether `t(a) <= t(b)` whenever `a <= b`: what lets a range on the column become a
    /// range on the partition values.
    var preservesOrder: Bool {
        switch self {
        case .identity, .truncate, .year, .month, .day, .hour: return true
        case .bucket, .void: return false
        }
    }
}

/// Decides, from a data file's manifest entry, whether it may hold a row matching every
/// predicate (conservative: "may" when the metrics cannot tell).
public struct FilePruner: Sendable {
    let predicates: [IcebergPredicate]
    let types: [Int32: IcebergType]
    /// Per spec id: (partition field index, source field id, transform, source type).
    let partitions: [Int32: [(index: Int, sourceId: Int32, transform: PartitionTransform, source: IcebergType)]]

    public init(predicates: [IcebergPredicate], schema: IcebergSchema, specs: [PartitionSpec]) {
        self.predicates = predicates
        var types: [Int32: IcebergType] = [:]
        for f in schema.fields { types[f.id] = f.type }
        self.types = types
        var partitions: [Int32: [(Int, Int32, PartitionTransform, IcebergType)]] = [:]
        for spec in specs {
            partitions[spec.id] = spec.fields.enumerated().compactMap { k, f in types[f.sourceId].map { (k, f.sourceId, f.transform, $0) } }
        }
        self.partitions = partitions
    }

    public var isEmpty: Bool { predicates.isEmpty }

    public func mayMatch(_ file: LiveDataFile) -> Bool {
        predicates.allSatisfy { mayMatch(file, $0) }
    }

    func mayMatch(_ f: LiveDataFile, _ p: IcebergPredicate) -> Bool {
        guard let type = types[p.fieldId] else { return true }
        // Writers have ordered uuids differently (signed or unsigned): their bounds decide nothing.
        let boundsTrusted = type != .uuid
        let nulls = f.nullValueCounts.first { $0.0 == p.fieldId }?.1
        let allNull = nulls.map { $0 == f.recordCount } ?? false
        let lower = boundsTrusted ? f.lowerBounds.first { $0.0 == p.fieldId }.flatMap { PartitionValue.decode(bound: $0.1, type) } : nil
        let upper = boundsTrusted ? f.upperBounds.first { $0.0 == p.fieldId }.flatMap { PartitionValue.decode(bound: $0.1, type) } : nil
        switch p.op {
        case .isNull: if nulls == 0 { return false }
        case .notNull: if allNull { return false }
        default:
            if allNull { return false }
            if !p.values.contains(where: { inRange($0, op: p.op, lower: lower, upper: upper) }) { return false }
        }
        // The partition values of fields sourced from this column.
        for part in partitions[f.specId] ?? [] where part.sourceId == p.fieldId && part.index < f.partition.count {
            let value = f.partition[part.index]
            switch p.op {
            case .isNull: if value != .null && part.transform != .void { return false }
            case .notNull: break
            default:
                if value == .null && part.transform != .void { return false }
                let ok = p.values.contains { v in
                    let t = part.transform.apply(v, source: part.source)
                    if t == .null { return true }
                    switch p.op {
                    case .eq, .isIn: return t == value || !comparable(t, value)
                    case .lt, .le: return !part.transform.preservesOrder || !(t < value)
                    case .gt, .ge: return !part.transform.preservesOrder || !(value < t)
                    default: return true
                    }
                }
                if !ok { return false }
            }
        }
        return true
    }

    func comparable(_ a: PartitionValue, _ b: PartitionValue) -> Bool {
        switch (a, b) {
        case (.long, .long), (.decimal, .decimal), (.double, .double), (.bytes, .bytes): return true
        default: return false
        }
    }

    /// Whether some value within [lower, upper] can satisfy `x <op> v`.
    func inRange(_ v: PartitionValue, op: IcebergPredicate.Op, lower: PartitionValue?, upper: PartitionValue?) -> Bool {
        if let l = lower, !comparable(l, v) { return true }
        if let u = upper, !comparable(u, v) { return true }
        if case .double(let bits) = v, Double(bitPattern: bits).isNaN { return true }
        switch op {
        case .eq, .isIn: return !(lower.map { v < $0 } ?? false) && !(upper.map { $0 < v } ?? false)
        case .lt: return lower.map { $0 < v } ?? true
        case .le: return lower.map { !(v < $0) } ?? true
        case .gt: return upper.map { v < $0 } ?? true
        case .ge: return upper.map { !($0 < v) } ?? true
        default: return true
        }
    }
}

extension FilePruner {
    /// Whether a row group may hold a matching row, from its column statistics: per field id,
    /// (min, max, null count) in comparable form, and the group's row count.
    public func mayMatch(rowGroup stats: [Int32: (min: PartitionValue?, max: PartitionValue?, nulls: Int64?)], rows: Int64) -> Bool {
        predicates.allSatisfy { p in
            guard let s = stats[p.fieldId], let type = types[p.fieldId], type != .uuid else { return true }
            let allNull = s.nulls.map { $0 == rows } ?? false
            switch p.op {
            case .isNull: return s.nulls.map { $0 > 0 } ?? true
            case .notNull: return !allNull
            default:
                if allNull { return false }
                return p.values.contains { inRange($0, op: p.op, lower: s.min, upper: s.max) }
            }
        }
    }
}
