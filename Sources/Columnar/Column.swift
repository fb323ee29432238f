/// A column of values of one type: a typed buffer of fixed-width values, or offsets into one
/// byte buffer for strings and blobs, or offsets into a child column for lists and maps, or
/// child columns for structs; with a validity bitmap when any value is null. A constant column
/// (one value repeated) costs nothing per row, as DuckDB's constant vectors.
///
/// Value semantics with copy-on-write buffers: columns are cheap to pass along and safe to
/// share across threads.
public struct Column: Sendable {
    public let type: DataType
    public private(set) var count: Int
    /// nil: every value is valid.
    public private(set) var validity: Bitmap?
    public private(set) var data: ColumnData

    public indirect enum ColumnData: Sendable {
        case bool([Bool])
        case int8([Int8])
        case int16([Int16])
        case int32([Int32])
        case int64([Int64])
        case int128([Int128])
        case uint128([UInt128])
        case float32([Float])
        case float64([Double])
        case interval([Interval])
        /// `offsets` has count + 1 entries: value i is bytes[offsets[i] ..< offsets[i + 1]].
        case bytes(offsets: [Int32], bytes: [UInt8])
        /// Lists: value i is values[offsets[i] ..< offsets[i + 1]]. Maps: the values are a
        /// struct column of (key, value).
        case list(offsets: [Int32], values: Column)
        case structure([Column])
        case constant(Value)
    }

    public init(type: DataType, count: Int, validity: Bitmap?, data: ColumnData) {
        self.type = type
        self.count = count
        self.validity = validity.flatMap { $0.allSet ? nil : $0 }
        self.data = data
    }

    /// `count` copies of one value.
    public static func constant(_ value: Value, type: DataType, count: Int) -> Column {
        Column(type: type, count: count, validity: nil, data: .constant(value))
    }

    public var isConstant: Bool { if case .constant = data { return true } else { return false } }

    @inline(__always) public func isNull(_ i: Int) -> Bool {
        if case .constant(let v) = data { return v.isNull }
        guard let validity else { return false }
        return !validity[i]
    }

    public var nullCount: Int {
        if case .constant(let v) = data { return v.isNull ? count : 0 }
        return validity.map { count - $0.setCount } ?? 0
    }

    /// The bytes of a string or blob value, without copying (valid inside `body`).
    public func withBytes<R>(at i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch data {
        case .bytes(let offsets, let bytes):
            return try bytes.withUnsafeBytes { raw in
                try body(UnsafeRawBufferPointer(rebasing: raw[Int(offsets[i])..<Int(offsets[i + 1])]))
            }
        case .constant(.string(let s)):
            var s = s
            return try s.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        case .constant(.blob(let b)):
            return try b.withUnsafeBytes(body)
        default:
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    /// Value `i` as a `Value` (the slow path: output, constants, tests).
    public func value(at i: Int) -> Value {
        if isNull(i) { return .null }
        switch data {
        case .constant(let v): return v
        case .bool(let a): return .bool(a[i])
        case .int8(let a): return .int(Int64(a[i]))
        case .int16(let a): return .int(Int64(a[i]))
        case .int32(let a):
            if case .date = type { return .date(a[i]) }
            return .int(Int64(a[i]))
        case .int64(let a):
            switch type {
            case .time: return .time(a[i])
            case .timestamp: return .timestamp(a[i])
            case .decimal(_, let s): return .decimal(Int128(a[i]), scale: s)
            default: return .int(a[i])
            }
        case .int128(let a):
            if case .decimal(_, let s) = type { return .decimal(a[i], scale: s) }
            return .hugeint(a[i])
        case .uint128(let a): return .uuid(a[i])
        case .float32(let a): return .float(a[i])
        case .float64(let a): return .double(a[i])
        case .interval(let a): return .interval(a[i])
        case .bytes(let offsets, let bytes):
            let slice = bytes[Int(offsets[i])..<Int(offsets[i + 1])]
            if case .blob = type { return .blob(Array(slice)) }
            return .string(String(decoding: slice, as: UTF8.self))
        case .list(let offsets, let values):
            let items = (Int(offsets[i])..<Int(offsets[i + 1])).map { values.value(at: $0) }
            if case .map = type {
                let pairs = items.map { v -> (Value, Value) in
                    if case .structure(let kv) = v, kv.count == 2 { return (kv[0], kv[1]) }
                    return (.null, .null)
                }
                return .map(keys: pairs.map(\.0), values: pairs.map(\.1))
            }
            return .list(items)
        case .structure(let children): return .structure(children.map { $0.value(at: i) })
        }
    }

    /// A column holding rows `indices` of this one, in that order (a gather: what filters,
    /// sorts and joins produce). Fixed-width and string columns copy their buffers directly.
    public func take(_ indices: [Int]) -> Column {
        if case .constant(let v) = data { return .constant(v, type: type, count: indices.count) }
        let newValidity: Bitmap? = validity.map { v in
            var b = Bitmap(count: indices.count, allSet: false)
            for (j, i) in indices.enumerated() where v[i] { b[j] = true }
            return b
        }
        func gather<T>(_ a: [T]) -> [T] { indices.map { a[$0] } }
        let gathered: ColumnData
        switch data {
        case .constant: return self
        case .bool(let a): gathered = .bool(gather(a))
        case .int8(let a): gathered = .int8(gather(a))
        case .int16(let a): gathered = .int16(gather(a))
        case .int32(let a): gathered = .int32(gather(a))
        case .int64(let a): gathered = .int64(gather(a))
        case .int128(let a): gathered = .int128(gather(a))
        case .uint128(let a): gathered = .uint128(gather(a))
        case .float32(let a): gathered = .float32(gather(a))
        case .float64(let a): gathered = .float64(gather(a))
        case .interval(let a): gathered = .interval(gather(a))
        case .bytes(let offsets, let bytes):
            var o: [Int32] = [0]
            o.reserveCapacity(indices.count + 1)
            var b: [UInt8] = []
            for i in indices {
                b.append(contentsOf: bytes[Int(offsets[i])..<Int(offsets[i + 1])])
                o.append(Int32(b.count))
            }
            gathered = .bytes(offsets: o, bytes: b)
        case .structure(let children):
            // Field by field: no value built per row.
            gathered = .structure(children.map { $0.take(indices) })
        case .list(let offsets, let values):
            var o: [Int32] = [0]
            o.reserveCapacity(indices.count + 1)
            var child: [Int] = []
            for i in indices {
                child.append(contentsOf: Int(offsets[i])..<Int(offsets[i + 1]))
                o.append(Int32(child.count))
            }
            gathered = .list(offsets: o, values: values.take(child))
        }
        return Column(type: type, count: indices.count, validity: newValidity, data: gathered)
    }

    /// The column with a constant expanded into a real buffer (other columns as they are),
    /// for consumers that read buffers directly.
    public func materialized() -> Column {
        guard case .constant(let v) = data else { return self }
        var b = ColumnBuilder(type: type, capacity: count)
        for _ in 0..<count { b.append(v) }
        return b.finish()
    }

    /// Rows `range` of this column.
    public func slice(_ range: Range<Int>) -> Column { take(Array(range)) }
}

/// Builds a column value by value. Each physical layout has its own buffer here (only the
/// one of the type is used), so appends mutate a uniquely referenced array in place.
public struct ColumnBuilder: Sendable {
    public let type: DataType
    private let physical: PhysicalType
    public private(set) var count = 0
    private var validity = Bitmap(count: 0, allSet: false)
    private var sawNull = false
    private var bools: [Bool] = []
    private var int8s: [Int8] = []
    private var int16s: [Int16] = []
    private var int32s: [Int32] = []
    private var int64s: [Int64] = []
    private var int128s: [Int128] = []
    private var uint128s: [UInt128] = []
    private var floats: [Float] = []
    private var doubles: [Double] = []
    private var intervals: [Interval] = []
    private var offsets: [Int32] = [0]
    private var bytes: [UInt8] = []
    private var children: [ColumnBuilder] = []

    public init(type: DataType, capacity: Int = 0) {
        self.type = type
        physical = type.physical
        switch type {
        case .list(let e): children = [ColumnBuilder(type: e)]
        case .map(let k, let v): children = [ColumnBuilder(type: .structure([Field("key", k), Field("value", v)]))]
        case .structure(let fields): children = fields.map { ColumnBuilder(type: $0.type) }
        default: break
        }
    }

    public mutating func appendNull() {
        sawNull = true
        validity.append(false)
        count += 1
        switch physical {
        case .bool: bools.append(false)
        case .int8: int8s.append(0)
        case .int16: int16s.append(0)
        case .int32: int32s.append(0)
        case .int64: int64s.append(0)
        case .int128: int128s.append(0)
        case .uint128: uint128s.append(0)
        case .float32: floats.append(0)
        case .float64: doubles.append(0)
        case .interval: intervals.append(Interval())
        case .bytes: offsets.append(Int32(bytes.count))
        case .list: offsets.append(offsets[offsets.count - 1])
        case .structure: for i in children.indices { children[i].appendNull() }
        }
    }

    // Typed appends for readers that decode straight into columns (no `Value` per value). Each
    // must match the column's physical type, which the caller has checked once per column.

    @inline(__always) private mutating func appended() {
        validity.append(true)
        count += 1
    }

    public mutating func append(bool x: Bool) { bools.append(x); appended() }
    public mutating func append(int8 x: Int8) { int8s.append(x); appended() }
    public mutating func append(int16 x: Int16) { int16s.append(x); appended() }
    public mutating func append(int32 x: Int32) { int32s.append(x); appended() }
    public mutating func append(int64 x: Int64) { int64s.append(x); appended() }
    public mutating func append(uint128 x: UInt128) { uint128s.append(x); appended() }
    public mutating func append(float x: Float) { floats.append(x); appended() }
    public mutating func append(double x: Double) { doubles.append(x); appended() }

    /// A string (valid UTF-8) or blob value from its bytes.
    public mutating func append(bytes x: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: x)
        offsets.append(Int32(bytes.count))
        appended()
    }

    /// A list (or map) value whose elements `fill` appends to the element builder (for a map, a
    /// struct of key and value), returning how many it appended.
    public mutating func appendList(_ fill: (inout ColumnBuilder) throws -> Int) rethrows {
        let n = try fill(&children[0])
        offsets.append(offsets[offsets.count - 1] + Int32(n))
        appended()
    }

    /// A struct value whose fields `fill` appends, one value to each field's builder.
    public mutating func appendStruct(_ fill: (inout [ColumnBuilder]) throws -> Void) rethrows {
        try fill(&children)
        appended()
    }

    /// Appends a value of this column's type (integers also go into double and hugeint
    /// columns). A value of another type is appended as NULL: callers cast first.
    public mutating func append(_ v: Value) {
        guard !v.isNull, store(v) else { appendNull(); return }
        validity.append(true)
        count += 1
    }

    private mutating func store(_ v: Value) -> Bool {
        switch (physical, v) {
        case (.bool, .bool(let x)): bools.append(x)
        case (.int8, .int(let x)): int8s.append(Int8(truncatingIfNeeded: x))
        case (.int16, .int(let x)): int16s.append(Int16(truncatingIfNeeded: x))
        case (.int32, .int(let x)): int32s.append(Int32(truncatingIfNeeded: x))
        case (.int32, .date(let x)): int32s.append(x)
        case (.int64, .int(let x)), (.int64, .time(let x)), (.int64, .timestamp(let x)): int64s.append(x)
        case (.int64, .decimal(let x, _)): int64s.append(Int64(truncatingIfNeeded: x))
        case (.int128, .hugeint(let x)), (.int128, .decimal(let x, _)): int128s.append(x)
        case (.int128, .int(let x)): int128s.append(Int128(x))
        case (.uint128, .uuid(let x)): uint128s.append(x)
        case (.float32, .float(let x)): floats.append(x)
        case (.float64, .double(let x)): doubles.append(x)
        case (.float64, .float(let x)): doubles.append(Double(x))
        case (.float64, .int(let x)): doubles.append(Double(x))
        case (.interval, .interval(let x)): intervals.append(x)
        case (.bytes, .string(let s)):
            bytes.append(contentsOf: s.utf8)
            offsets.append(Int32(bytes.count))
        case (.bytes, .blob(let x)):
            bytes.append(contentsOf: x)
            offsets.append(Int32(bytes.count))
        case (.list, .list(let items)):
            for item in items { children[0].append(item) }
            offsets.append(offsets[offsets.count - 1] + Int32(items.count))
        case (.list, .map(let keys, let values)):
            for (k, val) in zip(keys, values) { children[0].append(.structure([k, val])) }
            offsets.append(offsets[offsets.count - 1] + Int32(keys.count))
        case (.structure, .structure(let items)):
            for i in children.indices { children[i].append(i < items.count ? items[i] : .null) }
        default:
            return false
        }
        return true
    }

    public func finish() -> Column {
        let data: Column.ColumnData
        switch physical {
        case .bool: data = .bool(bools)
        case .int8: data = .int8(int8s)
        case .int16: data = .int16(int16s)
        case .int32: data = .int32(int32s)
        case .int64: data = .int64(int64s)
        case .int128: data = .int128(int128s)
        case .uint128: data = .uint128(uint128s)
        case .float32: data = .float32(floats)
        case .float64: data = .float64(doubles)
        case .interval: data = .interval(intervals)
        case .bytes: data = .bytes(offsets: offsets, bytes: bytes)
        case .list: data = .list(offsets: offsets, values: children[0].finish())
        case .structure: data = .structure(children.map { $0.finish() })
        }
        return Column(type: type, count: count, validity: sawNull ? validity : nil, data: data)
    }
}

/// Rows of several columns of equal length: what operators pass to each other. A few
/// thousand rows each (`Batch.capacity`).
public struct Batch: Sendable {
    public static let capacity = 2048

    public var columns: [Column]
    public let count: Int

    public init(columns: [Column], count: Int) {
        precondition(columns.allSatisfy { $0.count == count }, "columns of a batch must have its row count")
        self.columns = columns
        self.count = count
    }

    public func row(_ i: Int) -> [Value] { columns.map { $0.value(at: i) } }
}

extension Column {
    /// The columns one after the other (all of `type`), buffers copied directly.
    public static func concat(_ parts: [Column], type: DataType) -> Column {
        let total = parts.reduce(0) { $0 + $1.count }
        if parts.count == 1, !parts[0].isConstant { return parts[0] }
        var validity: Bitmap?
        if parts.contains(where: { $0.nullCount > 0 }) {
            var b = Bitmap(count: 0, allSet: false)
            for p in parts { for i in 0..<p.count { b.append(!p.isNull(i)) } }
            validity = b
        }
        func all<T>(_ extract: (Column) -> [T]?) -> [T]? {
            var out: [T] = []
            out.reserveCapacity(total)
            for p in parts {
                guard let a = extract(p) else { return nil }
                out.append(contentsOf: a)
            }
            return out
        }
        let expanded = parts.map { $0.materialized() }
        let data: ColumnData?
        switch type.physical {
        case .bool: data = all { p in if case .bool(let a) = p.data { return a } else { return nil } }.map { .bool($0) }
        case .int8: data = all { p in if case .int8(let a) = p.data { return a } else { return nil } }.map { .int8($0) }
        case .int16: data = all { p in if case .int16(let a) = p.data { return a } else { return nil } }.map { .int16($0) }
        case .int32: data = expandedAll(expanded) { p in if case .int32(let a) = p.data { return a } else { return nil } }.map { .int32($0) }
        case .int64: data = expandedAll(expanded) { p in if case .int64(let a) = p.data { return a } else { return nil } }.map { .int64($0) }
        case .float64: data = expandedAll(expanded) { p in if case .float64(let a) = p.data { return a } else { return nil } }.map { .float64($0) }
        case .bytes:
            var offsets: [Int32] = [0]
            var bytes: [UInt8] = []
            var ok = true
            for p in expanded {
                guard case .bytes(let o, let b) = p.data else { ok = false; break }
                let base = Int32(bytes.count)
                bytes.append(contentsOf: b[Int(o[0])..<Int(o[o.count - 1])])
                for k in 1..<o.count { offsets.append(o[k] - o[0] + base) }
            }
            data = ok ? .bytes(offsets: offsets, bytes: bytes) : nil
        default: data = nil
        }
        if let data { return Column(type: type, count: total, validity: validity, data: data) }
        var b = ColumnBuilder(type: type, capacity: total)
        for p in parts { for i in 0..<p.count { b.append(p.value(at: i)) } }
        return b.finish()
    }

    private static func expandedAll<T>(_ parts: [Column], _ extract: (Column) -> [T]?) -> [T]? {
        var out: [T] = []
        for p in parts {
            guard let a = extract(p) else { return nil }
            out.append(contentsOf: a)
        }
        return out
    }
}
