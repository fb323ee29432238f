/// An open-addressing hash map from Int64 keys to non-negative Int ids: linear probing over
/// power-of-two tables at most half full, a multiplicative hash. Group and join keys are looked
/// up once per row; Swift's Dictionary (SipHash, generic buckets) cost three times as much.
struct IntHashMap {
    private var keys: [Int64]
    private var ids: [Int32]   // -1: empty slot
    private var shift: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [Int64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        shift = 64 - size.trailingZeroBitCount
    }

    @inline(__always) private func slot(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    /// The id of `key`, or nil.
    @inline(__always) func find(_ key: Int64) -> Int? {
        let mask = ids.count - 1
        var i = slot(key)
        while true {
            let id = ids[i]
            if id < 0 { return nil }
            if keys[i] == key { return Int(id) }
            i = (i + 1) & mask
        }
    }

    /// The id of `key`; if absent, `make()` gives it one.
    @inline(__always) mutating func findOrInsert(_ key: Int64, _ make: () -> Int) -> Int {
        if count * 2 >= ids.count { grow() }
        let mask = ids.count - 1
        var i = slot(key)
        while true {
            let id = ids[i]
            if id < 0 {
                let new = make()
                keys[i] = key
                ids[i] = Int32(new)
                count += 1
                return new
            }
            if keys[i] == key { return Int(id) }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldIds = ids
        let size = ids.count * 2
        keys = [Int64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        shift = 64 - size.trailingZeroBitCount
        let mask = size - 1
        for j in oldIds.indices where oldIds[j] >= 0 {
            var i = slot(oldKeys[j])
            while ids[i] >= 0 { i = (i + 1) & mask }
            keys[i] = oldKeys[j]
            ids[i] = oldIds[j]
        }
    }
}
