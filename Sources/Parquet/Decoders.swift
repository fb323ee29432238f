/// Parquet's value and level encodings, read: the RLE / bit-packing hybrid, PLAIN, the DELTA
/// encodings and BYTE_STREAM_SPLIT. Each decoder reads from a bounded buffer and throws on
/// data that runs past it; positions in errors are offsets within the page.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    func fail(_ m: String) -> ParquetError { ParquetError("at byte \(position) of the page: \(m)") }

    mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("the data ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uvarint() throws -> UInt64 {
        guard let v = Varint.read(bytes, &position) else {
            throw fail(position >= bytes.count ? "the data ends early" : "a varint longer than 10 bytes")
        }
        return v
    }

    mutating func zigzag() throws -> Int64 { Varint.unzigzag(try uvarint()) }

    mutating func u32() throws -> UInt32 {
        guard remaining >= 4 else { throw fail("a 4-byte length runs past the end") }
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw fail("\(n) bytes run past the end (\(remaining) left)") }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }
}

enum HybridDecoder {
    /// Reads `count` values of the RLE / bit-packed hybrid (no length prefix) into `out`.
    static func decode(_ data: UnsafeRawBufferPointer, bitWidth: Int, count: Int, into out: inout [UInt32]) throws {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(count)
        guard bitWidth <= 32 else { throw ParquetError("a bit width of \(bitWidth)") }
        if bitWidth == 0 {
            out.append(contentsOf: repeatElement(0, count: count))
            return
        }
        var c = ByteCursor(data)
        let valueBytes = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
        while out.count < count {
            let header = try c.uvarint()
            if header & 1 == 0 {
                let run = Int(header >> 1)
                var v: UInt64 = 0
                for k in 0..<valueBytes { v |= UInt64(try c.byte()) << UInt64(8 * k) }
                guard v <= mask else { throw c.fail("an RLE value \(v) wider than \(bitWidth) bits") }
                out.append(contentsOf: repeatElement(UInt32(v), count: min(run, count - out.count)))
            } else {
                let groups = Int(header >> 1)
                let bytes = try c.take(min(groups * bitWidth, c.remaining))
                let values = min(groups * 8, count - out.count, bytes.count * 8 / bitWidth)
                var acc: UInt64 = 0, bits = 0, at = 0
                for _ in 0..<values {
                    while bits < bitWidth {
                        acc |= UInt64(bytes[at]) << UInt64(bits)
                        at += 1
                        bits += 8
                    }
                    out.append(UInt32(truncatingIfNeeded: acc & mask))
                    acc >>= UInt64(bitWidth)
                    bits -= bitWidth
                }
                if values == 0 { throw c.fail("bit-packed runs end before \(count) values") }
            }
        }
    }
}

enum DeltaDecoder {
    /// DELTA_BINARY_PACKED: returns the values and moves the cursor past the last miniblock used.
    static func integers(_ c: inout ByteCursor, limit: Int? = nil) throws -> [Int64] {
        let rawBlock = try c.uvarint(), rawMiniblocks = try c.uvarint(), rawTotal = try c.uvarint()
        guard rawBlock > 0, rawBlock <= 1 << 20, rawBlock % 128 == 0, rawMiniblocks > 0, rawMiniblocks <= rawBlock, rawBlock % rawMiniblocks == 0,
              (rawBlock / rawMiniblocks) % 32 == 0 else {
            throw c.fail("a DELTA_BINARY_PACKED header with block \(rawBlock) and \(rawMiniblocks) miniblocks")
        }
        let blockSize = Int(rawBlock), miniblocks = Int(rawMiniblocks)
        guard rawTotal <= UInt64(limit ?? Int(Int32.max)) else {
            throw c.fail("DELTA_BINARY_PACKED declares \(rawTotal) values where at most \(limit ?? Int(Int32.max)) fit")
        }
        let total = Int(rawTotal)
        var out: [Int64] = []
        out.reserveCapacity(min(total, 1 << 20))
        var last = try c.zigzag()
        if total > 0 { out.append(last) }
        let perMiniblock = blockSize / miniblocks
        while out.count < total {
            let minDelta = try c.zigzag()
            let widths = try c.take(miniblocks)
            for m in 0..<miniblocks where out.count < total {
                let width = Int(widths[m])
                guard width <= 64 else { throw c.fail("a miniblock bit width of \(width)") }
                let packed = try c.take(perMiniblock * width / 8)
                var acc: UInt64 = 0, bits = 0, at = 0
                for _ in 0..<perMiniblock where out.count < total {
                    var v: UInt64 = 0
                    if width > 0 {
                        // Values up to 64 bits wide, least significant bits first.
                        var got = 0
                        while got < width {
                            if bits == 0 {
                                acc = UInt64(packed[at])
                                at += 1
                                bits = 8
                            }
                            let n = min(bits, width - got)
                            v |= (acc & ((1 << UInt64(n)) - 1)) << UInt64(got)
                            acc >>= UInt64(n)
                            bits -= n
                            got += n
                        }
                    }
                    last = last &+ minDelta &+ Int64(bitPattern: v)
                    out.append(last)
                }
            }
        }
        return out
    }
}

/// Values of one column chunk, decoded: the non-null values in order, in the physical type's
/// natural layout (INT96 already as microseconds since the epoch).
enum PhysicalValues {
    case bool([Bool])
    case int32([Int32])
    case int64([Int64])
    case float([Float])
    case double([Double])
    /// Byte arrays and fixed-length byte arrays: value i is bytes[offsets[i]..<offsets[i+1]].
    case bytes(offsets: [Int32], bytes: [UInt8])

    static func empty(_ t: PhysicalType) -> PhysicalValues {
        switch t {
        case .boolean: return .bool([])
        case .int32: return .int32([])
        case .int64, .int96: return .int64([])
        case .float: return .float([])
        case .double: return .double([])
        case .byteArray, .fixedLenByteArray: return .bytes(offsets: [0], bytes: [])
        }
    }

    var count: Int {
        switch self {
        case .bool(let v): return v.count
        case .int32(let v): return v.count
        case .int64(let v): return v.count
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .bytes(let o, _): return o.count - 1
        }
    }
}

/// Appends decoded values of one page to a chunk's values: one growing buffer per chunk,
/// of the chunk's physical type (appends mutate in place).
struct ValueSink {
    let physical: PhysicalType
    let typeLength: Int
    var bools: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var offsets: [Int32] = [0]
    var bytes: [UInt8] = []

    init(physical: PhysicalType, typeLength: Int) {
        self.physical = physical
        self.typeLength = typeLength
    }

    var count: Int {
        switch physical {
        case .boolean: return bools.count
        case .int32: return int32s.count
        case .int64, .int96: return int64s.count
        case .float: return floats.count
        case .double: return doubles.count
        case .byteArray, .fixedLenByteArray: return offsets.count - 1
        }
    }

    func finish() -> PhysicalValues {
        switch physical {
        case .boolean: return .bool(bools)
        case .int32: return .int32(int32s)
        case .int64, .int96: return .int64(int64s)
        case .float: return .float(floats)
        case .double: return .double(doubles)
        case .byteArray, .fixedLenByteArray: return .bytes(offsets: offsets, bytes: bytes)
        }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a - 1) / b) - 1 }

    /// PLAIN-encoded values.
    mutating func plain(_ data: UnsafeRawBufferPointer, count: Int) throws {
        var c = ByteCursor(data)
        switch physical {
        case .boolean:
            let raw = try c.take((count + 7) / 8)
            bools.reserveCapacity(bools.count + count)
            for i in 0..<count { bools.append(raw[i >> 3] >> UInt8(i & 7) & 1 == 1) }
        case .int32:
            let raw = try c.take(count * 4)
            int32s.reserveCapacity(int32s.count + count)
            for i in 0..<count { int32s.append(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        case .int64:
            let raw = try c.take(count * 8)
            int64s.reserveCapacity(int64s.count + count)
            for i in 0..<count { int64s.append(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))) }
        case .float:
            let raw = try c.take(count * 4)
            floats.reserveCapacity(floats.count + count)
            for i in 0..<count { floats.append(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))) }
        case .double:
            let raw = try c.take(count * 8)
            doubles.reserveCapacity(doubles.count + count)
            for i in 0..<count { doubles.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        case .int96:
            // Legacy timestamps: nanoseconds of the day, then the Julian day.
            let raw = try c.take(count * 12)
            int64s.reserveCapacity(int64s.count + count)
            for i in 0..<count {
                let nanos = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 12, as: Int64.self))
                let julian = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 12 + 8, as: Int32.self)))
                int64s.append((julian - 2_440_588) * 86_400_000_000 + Self.floorDiv(nanos, 1000))
            }
        case .byteArray:
            offsets.reserveCapacity(offsets.count + count)
            for _ in 0..<count {
                let n = Int(try c.u32())
                bytes.append(contentsOf: try c.take(n))
                offsets.append(Int32(bytes.count))
            }
        case .fixedLenByteArray:
            bytes.append(contentsOf: try c.take(count * typeLength))
            offsets.reserveCapacity(offsets.count + count)
            var end = offsets[offsets.count - 1]
            for _ in 0..<count {
                end += Int32(typeLength)
                offsets.append(end)
            }
        }
    }

    /// Dictionary-encoded values: indices into `dictionary` (a chunk's dictionary page).
    mutating func gather(_ indices: [UInt32], from dictionary: PhysicalValues) throws {
        let n = UInt32(dictionary.count)
        if let bad = indices.first(where: { $0 >= n }) { throw ParquetError("dictionary index \(bad) of a dictionary of \(n)") }
        switch dictionary {
        case .bool(let d): bools.append(contentsOf: indices.lazy.map { d[Int($0)] })
        case .int32(let d): int32s.append(contentsOf: indices.lazy.map { d[Int($0)] })
        case .int64(let d): int64s.append(contentsOf: indices.lazy.map { d[Int($0)] })
        case .float(let d): floats.append(contentsOf: indices.lazy.map { d[Int($0)] })
        case .double(let d): doubles.append(contentsOf: indices.lazy.map { d[Int($0)] })
        case .bytes(let dOffsets, let dBytes):
            offsets.reserveCapacity(offsets.count + indices.count)
            dBytes.withUnsafeBufferPointer { src in
                for i in indices {
                    let s = Int(dOffsets[Int(i)]), e = Int(dOffsets[Int(i) + 1])
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: src[s..<e]))
                    offsets.append(Int32(bytes.count))
                }
            }
        }
    }

    /// DELTA_BINARY_PACKED integers.
    mutating func deltaIntegers(_ data: UnsafeRawBufferPointer, count: Int) throws {
        var c = ByteCursor(data)
        let decoded = try DeltaDecoder.integers(&c, limit: count)
        guard decoded.count == count else { throw ParquetError("DELTA_BINARY_PACKED holds \(decoded.count) values; the page has \(count)") }
        switch physical {
        case .int32: int32s.append(contentsOf: decoded.lazy.map { Int32(truncatingIfNeeded: $0) })
        case .int64: int64s.append(contentsOf: decoded)
        default: throw ParquetError("DELTA_BINARY_PACKED on a \(physical) column")
        }
    }

    /// DELTA_LENGTH_BYTE_ARRAY (`prefixed` false) and DELTA_BYTE_ARRAY.
    mutating func deltaBytes(_ data: UnsafeRawBufferPointer, count: Int, prefixed: Bool) throws {
        guard physical == .byteArray || physical == .fixedLenByteArray else { throw ParquetError("a DELTA byte-array encoding on a \(physical) column") }
        var c = ByteCursor(data)
        let prefixes = prefixed ? try DeltaDecoder.integers(&c, limit: count) : [Int64](repeating: 0, count: count)
        let lengths = try DeltaDecoder.integers(&c, limit: count)
        guard prefixes.count == count, lengths.count == count else { throw ParquetError("a DELTA byte-array page declares other than \(count) values") }
        var previousStart = bytes.count, previousLength = 0
        for i in 0..<count {
            let p = Int(prefixes[i]), n = Int(lengths[i])
            guard p >= 0, p <= previousLength, n >= 0 else { throw c.fail("a prefix of \(p) or length of \(n)") }
            let suffix = try c.take(n)
            let start = bytes.count
            if p > 0 { bytes.append(contentsOf: bytes[previousStart..<(previousStart + p)]) }
            bytes.append(contentsOf: suffix)
            offsets.append(Int32(bytes.count))
            previousStart = start
            previousLength = p + n
        }
    }

    /// BYTE_STREAM_SPLIT: byte k of value i at k·count + i.
    mutating func byteStreamSplit(_ data: UnsafeRawBufferPointer, count: Int) throws {
        let width: Int
        switch physical {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixedLenByteArray: width = typeLength
        default: throw ParquetError("BYTE_STREAM_SPLIT on \(physical)")
        }
        guard data.count >= width * count else { throw ParquetError("BYTE_STREAM_SPLIT needs \(width * count) bytes, the page has \(data.count)") }
        var joined = [UInt8](repeating: 0, count: width * count)
        for i in 0..<count { for k in 0..<width { joined[i * width + k] = data[k * count + i] } }
        try joined.withUnsafeBytes { try plain($0, count: count) }
    }
}
