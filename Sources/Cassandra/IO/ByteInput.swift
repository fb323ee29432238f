/// A big-endian reader over the logical bytes of a file, pulling blocks from a `BlockSource`
/// as it goes, so that a file of any size is read with one block (plus the tail of the last)
/// in memory. Every read that runs past the end throws `.truncated` naming the offset.
///
/// This is the one binary reader of the Cassandra layer: components held whole use it over an
/// `InMemoryBlockSource`.
///
/// Not thread-safe: one reader belongs to one scan. That is also why its state opts out of
/// dynamic exclusivity checking, which would otherwise cost more than the reads themselves.
public final class ByteInput {
    public let source: BlockSource
    @exclusivity(unchecked) @usableFromInline var buffer: [UInt8] = []
    @exclusivity(unchecked) @usableFromInline var pos: Int = 0
    /// Logical offset of `buffer[0]`.
    @exclusivity(unchecked) @usableFromInline var bufferStart: Int64 = 0
    /// The next block to load.
    @exclusivity(unchecked) @usableFromInline var nextBlock: Int = 0
    private var scratch: [UInt8] = []

    public init(source: BlockSource) {
        self.source = source
    }

    public convenience init(path: String, bytes: [UInt8]) {
        self.init(source: InMemoryBlockSource(path: path, bytes: bytes))
    }

    /// The logical offset of the next byte to be read.
    @inlinable public var position: Int64 { bufferStart + Int64(pos) }
    public var length: Int64 { source.length }
    public var isAtEnd: Bool { position >= source.length }
    public var path: String { source.path }

    /// Moves to a logical offset.
    public func seek(to offset: Int64) throws {
        guard offset >= 0, offset <= source.length else {
            throw error(.corrupt, at: offset, "seek to \(offset) outside the file's \(source.length) bytes")
        }
        if offset >= bufferStart && offset <= bufferStart + Int64(buffer.count) {
            pos = Int(offset - bufferStart)
            return
        }
        let block = Int(offset / Int64(source.blockSize))
        buffer.removeAll(keepingCapacity: true)
        bufferStart = Int64(block) * Int64(source.blockSize)
        nextBlock = block
        pos = 0
        try fill(Int(offset - bufferStart))
        pos = Int(offset - bufferStart)
    }

    /// Makes at least `n` bytes available from `pos`.
    @inlinable @inline(__always)
    public func require(_ n: Int) throws {
        if buffer.count - pos < n { try fill(n) }
    }

    @usableFromInline
    func fill(_ n: Int) throws {
        // Drop consumed bytes, then append blocks until n are available.
        if pos > 0 {
            buffer.removeSubrange(0..<pos)
            bufferStart += Int64(pos)
            pos = 0
        }
        while buffer.count < n {
            let blockOffset = Int64(nextBlock) * Int64(source.blockSize)
            if blockOffset >= source.length {
                throw error(.truncated, at: bufferStart + Int64(buffer.count),
                            "needed \(n - buffer.count) more bytes past the end of the data (\(source.length) bytes)")
            }
            try source.readBlock(nextBlock, into: &scratch)
            nextBlock += 1
            if buffer.isEmpty {
                swap(&buffer, &scratch)
            } else {
                buffer.append(contentsOf: scratch)
            }
        }
    }

    public func error(_ kind: SSTableError.Kind, at offset: Int64? = nil, _ message: String) -> SSTableError {
        let base = (source as? InMemoryBlockSource)?.fileOffset ?? 0
        return SSTableError(kind, file: source.path, offset: (offset ?? position) + base,
                     uncompressed: source is CompressedBlockSource, message)
    }

    // MARK: fixed-width

    @inlinable public func readUInt8() throws -> UInt8 {
        try require(1)
        let v = buffer[pos]
        pos += 1
        return v
    }

    @inlinable public func peekUInt8() throws -> UInt8 {
        try require(1)
        return buffer[pos]
    }

    @inlinable public func readBool() throws -> Bool { try readUInt8() != 0 }

    @inlinable public func readUInt16() throws -> UInt16 {
        try require(2)
        let v = UInt16(buffer[pos]) << 8 | UInt16(buffer[pos + 1])
        pos += 2
        return v
    }

    @inlinable public func readInt16() throws -> Int16 { Int16(bitPattern: try readUInt16()) }

    @inlinable public func readUInt32() throws -> UInt32 {
        try require(4)
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(buffer[pos + i]) }
        pos += 4
        return v
    }

    @inlinable public func readInt32() throws -> Int32 { Int32(bitPattern: try readUInt32()) }

    @inlinable public func readUInt64() throws -> UInt64 {
        try require(8)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(buffer[pos + i]) }
        pos += 8
        return v
    }

    @inlinable public func readInt64() throws -> Int64 { Int64(bitPattern: try readUInt64()) }

    public func readDouble() throws -> Double { Double(bitPattern: try readUInt64()) }

    /// Little-endian 32-bit, as Summary.db stores its offsets (native order of the writer).
    public func readUInt32LE() throws -> UInt32 { try readUInt32().byteSwapped }
    public func readInt64LE() throws -> Int64 { Int64(bitPattern: try readUInt64().byteSwapped) }

    // MARK: variable-length

    /// Cassandra's unsigned vint (see `VInt`).
    public func readUnsignedVInt() throws -> UInt64 {
        try require(1)
        let size = 1 + VInt.extraBytes(buffer[pos])
        try require(size)
        let v = buffer.withUnsafeBytes { VInt.decode($0.baseAddress! + pos) }
        pos += size
        return v
    }

    /// Zig-zag signed vint.
    public func readVInt() throws -> Int64 { VInt.zigzag(try readUnsignedVInt()) }

    /// An unsigned vint that must fit a non-negative Int (a length or a count).
    public func readLength(_ what: @autoclosure () -> String, max: Int = Int(Int32.max)) throws -> Int {
        let at = position
        let v = try readUnsignedVInt()
        guard v <= UInt64(max) else {
            throw error(.corrupt, at: at, "impossible \(what()) \(v)")
        }
        return Int(v)
    }

    public func readBytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0 else { throw error(.corrupt, "negative length \(n)") }
        try require(n)
        let v = Array(buffer[pos..<(pos + n)])
        pos += n
        return v
    }

    public func skip(_ n: Int) throws {
        guard n >= 0 else { throw error(.corrupt, "negative length \(n)") }
        if buffer.count - pos >= n {
            pos += n
        } else {
            try seek(to: position + Int64(n))
        }
    }

    /// `writeWithShortLength`: unsigned 16-bit length, then bytes.
    public func readShortLengthBytes() throws -> [UInt8] {
        try readBytes(Int(try readUInt16()))
    }

    /// `writeWithVIntLength`.
    public func readVIntLengthBytes() throws -> [UInt8] {
        try readBytes(try readLength("length"))
    }

    /// Java's `writeUTF`: 16-bit length, then modified UTF-8 (plain UTF-8 for our strings).
    public func readUTF() throws -> String {
        String(decoding: try readShortLengthBytes(), as: UTF8.self)
    }
}

extension ByteInput {
    /// The byte `ahead` positions past the next one, without consuming anything.
    public func peekUInt8(ahead: Int) throws -> UInt8 {
        try require(ahead + 1)
        return buffer[pos + ahead]
    }
}

extension ByteInput {
    /// Buffers up to `n` bytes from the current position (fewer only where the data ends) and
    /// returns how many are buffered.
    public func prefetch(_ n: Int) throws -> Int {
        let remaining = Int(clamping: source.length - position)
        let want = Swift.min(n, remaining)
        try require(want)
        return want
    }

    /// The bytes left to read.
    public var remaining: Int64 { source.length - position }

    /// Runs `body` over `count` buffered bytes from the current position, without consuming
    /// them. `count` must not exceed what `prefetch` returned.
    public func withBuffered<T>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try buffer.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[pos..<(pos + count)])) }
    }
}

/// A big-endian cursor over bytes already in memory: the hot-path reader of rows, free of
/// the class and bounds-check overheads of `ByteInput`. Reading past `bytes` throws
/// `Cursor.Shortfall` saying how many bytes were needed; callers turn that into a truncation
/// or corruption error with the file offset (`origin` + index).
struct Cursor {
    struct Shortfall: Error {
        /// Bytes from the start of the cursor needed to finish the read.
        var needed: Int
    }

    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - index }

    @inline(__always) mutating func need(_ n: Int) throws {
        if n > bytes.count - index { throw Shortfall(needed: n > Int.max - index ? Int.max : index + n) }
    }

    @inline(__always) mutating func u8() throws -> UInt8 {
        try need(1)
        let v = bytes[index]
        index += 1
        return v
    }

    @inline(__always) mutating func u16() throws -> UInt16 {
        try need(2)
        let v = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
        index += 2
        return v
    }

    @inline(__always) mutating func u32() throws -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 8 | UInt32(bytes[index + k]) }
        index += 4
        return v
    }

    @inline(__always) mutating func u64() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for k in 0..<8 { v = v << 8 | UInt64(bytes[index + k]) }
        index += 8
        return v
    }

    /// Cassandra's unsigned vint (see `VInt`).
    @inline(__always) mutating func uvint() throws -> UInt64 {
        try need(1)
        let first = bytes[index]
        if first & 0x80 == 0 {
            index += 1
            return UInt64(first)
        }
        let size = 1 + VInt.extraBytes(first)
        try need(size)
        defer { index += size }
        return VInt.decode(bytes.baseAddress! + index)
    }

    /// The range of the next `n` bytes, consumed.
    @inline(__always) mutating func take(_ n: Int) throws -> Range<Int> {
        try need(n)
        defer { index += n }
        return index..<(index + n)
    }
}
