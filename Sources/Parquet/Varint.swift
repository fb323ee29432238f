/// ULEB128 varints and zigzag, as the Thrift compact protocol, the RLE hybrid's headers and
/// the DELTA encodings write them: the one copy the readers and writers of this module share.
enum Varint {
    static func write(_ x: UInt64, into out: inout [UInt8]) {
        var x = x
        while x >= 0x80 { out.append(UInt8(truncatingIfNeeded: x) | 0x80); x >>= 7 }
        out.append(UInt8(x))
    }

    static func write(zigzag v: Int64, into out: inout [UInt8]) { write(UInt64(bitPattern: (v << 1) ^ (v >> 63)), into: &out) }

    /// The varint at `position`, which moves past it; nil when the bytes end inside it or it
    /// runs past 10 bytes (`position` is then where reading stopped).
    static func read(_ bytes: UnsafeRawBufferPointer, _ position: inout Int) -> UInt64? {
        var v: UInt64 = 0, shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let b = bytes[position]
            position += 1
            v |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
        return nil
    }

    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }
}
