import CZlib

/// CRC32 (the zlib/java.util.zip polynomial) that Cassandra uses for chunk checksums,
/// CRC.db, Digest.crc32 and Statistics.db from `na` on.
public struct CRC32: Sendable {
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // zlib takes a uInt length: feed huge buffers in pieces.
        var offset = 0
        var crc = UInt(value)
        while offset < bytes.count {
            let n = min(bytes.count - offset, Int(Int32.max))
            crc = crc32(crc, base.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(n))
            offset += n
        }
        value = UInt32(truncatingIfNeeded: crc)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c = CRC32()
        c.update(bytes)
        return c.value
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c = CRC32()
        c.update(bytes)
        return c.value
    }
}
