/// Cassandra's variable-length integers (`utils.vint.VIntCoding`): the count of leading one
/// bits of the first byte is the count of bytes that follow; the value is big-endian in the
/// first byte's remaining bits and those bytes. Signed vints are zig-zag encoded. The one
/// decoder every reader of the Cassandra layer uses.
enum VInt {
    /// How many bytes follow a first byte.
    @inline(__always) static func extraBytes(_ first: UInt8) -> Int { (~first).leadingZeroBitCount }

    /// Decodes the vint at `p`, which must hold `1 + extraBytes(p[0])` bytes.
    @inline(__always) static func decode(_ p: UnsafeRawPointer) -> UInt64 {
        let first = p.load(as: UInt8.self)
        if first & 0x80 == 0 { return UInt64(first) }
        let extra = extraBytes(first)
        var v = UInt64(first & (extra >= 7 ? 0 : (0xFF >> UInt8(extra + 1))))
        for k in 1...extra { v = v << 8 | UInt64(p.load(fromByteOffset: k, as: UInt8.self)) }
        return v
    }

    @inline(__always) static func zigzag(_ n: UInt64) -> Int64 { Int64(bitPattern: (n >> 1) ^ (0 &- (n & 1))) }
}
