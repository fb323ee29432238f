import Codecs

/// One column chunk decoded: a definition and repetition level per level entry (empty when
/// the leaf's maximum is 0) and its non-null values.
struct DecodedChunk {
    var definitions: [UInt16]
    var repetitions: [UInt16]
    var values: PhysicalValues
    var levelCount: Int
}

/// Reads the pages of column chunks: page headers, decompression (buffers reused across pages),
/// dictionary pages, data pages v1 and v2 in every encoding of the format.
struct ChunkReader {
    let file: UnsafeRawBufferPointer
    let name: String
    /// Decompressed pages land here, one page at a time.
    private var scratch: [UInt8] = []

    init(file: UnsafeRawBufferPointer, name: String) {
        self.file = file
        self.name = name
    }

    static func codec(_ id: Int32) -> Codec?? {
        switch id {
        case 0: return .some(nil)
        case 1: return .snappy
        case 2: return .gzip
        case 6: return .zstd(level: 3)
        case 7: return .lz4Block
        default: return nil
        }
    }

    static func codecName(_ id: Int32) -> String {
        ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"].indices.contains(Int(id))
            ? ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"][Int(id)] : "codec \(id)"
    }

    mutating func read(_ chunk: ParquetMetadata.ColumnChunk, leaf: ReadLeaf, rows: Int64) throws -> DecodedChunk {
        let where_ = "\(name): column \(leaf.path.joined(separator: "."))"
        func fail(_ at: Int, _ m: String) -> ParquetError { ParquetError("\(where_), page at byte \(at): \(m)") }
        guard let codecChoice = Self.codec(chunk.codec) else {
            throw ParquetError("\(where_): compression \(Self.codecName(chunk.codec)) is not supported (zstd, snappy, gzip, lz4 and none are)")
        }
        let start = Int(chunk.start)
        let end = start + Int(chunk.totalCompressedSize)
        guard start >= 4, chunk.totalCompressedSize >= 0, end <= file.count - 8 else {
            throw ParquetError("\(where_): the chunk (bytes \(start)..<\(end)) lies outside the file of \(file.count) bytes")
        }
        var sink = ValueSink(physical: leaf.physical, typeLength: leaf.typeLength)
        var definitions: [UInt16] = [], repetitions: [UInt16] = []
        var dictionary: PhysicalValues?
        var levelCount = 0
        var levels: [UInt32] = []
        var position = start
        let expected = Int(chunk.numValues)
        while levelCount < expected && position < end {
            let pageStart = position
            var header = ThriftReader(UnsafeRawBufferPointer(rebasing: file[position..<end]))
            let h: [Int16: ThriftValue]
            do { h = try header.readStruct() } catch let e as ThriftError { throw fail(pageStart, "page header: \(e.message)") }
            position += header.position
            guard let type = h[1]?.int, let uncompressedSize = h[2]?.int, let compressedSize = h[3]?.int,
                  compressedSize >= 0, uncompressedSize >= 0, position + Int(compressedSize) <= end else {
                throw fail(pageStart, "a page header without sizes, or a page past the chunk's end")
            }
            let body = UnsafeRawBufferPointer(rebasing: file[position..<(position + Int(compressedSize))])
            position += Int(compressedSize)
            switch type {
            case 2:
                guard let d = h[7]?.fields, let n = d[1]?.int else { throw fail(pageStart, "a dictionary page without its header") }
                var dict = ValueSink(physical: leaf.physical, typeLength: leaf.typeLength)
                do { try withPage(body, codecChoice, Int(uncompressedSize), at: pageStart) { try dict.plain($0, count: Int(n)) } } catch let e as ParquetError {
                    throw fail(pageStart, "dictionary: \(e.message)")
                }
                dictionary = dict.finish()
            case 0, 3:
                let v2 = type == 3
                guard let d = (v2 ? h[8] : h[5])?.fields, let n = d[1]?.int, let encodingId = (v2 ? d[4] : d[2])?.int else {
                    throw fail(pageStart, "a data page without its header")
                }
                let count = Int(n)
                guard count >= 0, levelCount + count <= expected else { throw fail(pageStart, "\(count) values past the chunk's \(expected)") }
                var levelBytes: (rep: UnsafeRawBufferPointer?, def: UnsafeRawBufferPointer?) = (nil, nil)
                var compressed = body, codec = codecChoice, size = Int(uncompressedSize)
                if v2 {
                    // v2 keeps its levels uncompressed before the (maybe compressed) values.
                    let repLength = Int(d[6]?.int ?? 0), defLength = Int(d[5]?.int ?? 0)
                    guard repLength >= 0, defLength >= 0, repLength + defLength <= body.count else { throw fail(pageStart, "level lengths past the page") }
                    levelBytes = (UnsafeRawBufferPointer(rebasing: body[0..<repLength]), UnsafeRawBufferPointer(rebasing: body[repLength..<(repLength + defLength)]))
                    compressed = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
                    if d[7]?.bool == false { codec = nil }
                    size -= repLength + defLength
                }
                try withPage(compressed, codec, size, at: pageStart) { page in
                    do {
                        var c = ByteCursor(page)
                        var nonNull = count
                        if leaf.maxRepetition > 0 {
                            let bytes = try levelBytes.rep ?? { let n = Int(try c.u32()); return try c.take(n) }()
                            try HybridDecoder.decode(bytes, bitWidth: LevelEncoding.bitWidth(leaf.maxRepetition), count: count, into: &levels)
                            repetitions.append(contentsOf: levels.lazy.map { UInt16(truncatingIfNeeded: $0) })
                            if let bad = levels.first(where: { $0 > leaf.maxRepetition }) { throw c.fail("repetition level \(bad) above \(leaf.maxRepetition)") }
                        }
                        if leaf.maxDefinition > 0 {
                            let bytes = try levelBytes.def ?? { let n = Int(try c.u32()); return try c.take(n) }()
                            try HybridDecoder.decode(bytes, bitWidth: LevelEncoding.bitWidth(leaf.maxDefinition), count: count, into: &levels)
                            let maxDef = UInt32(leaf.maxDefinition)
                            nonNull = 0
                            for l in levels {
                                if l == maxDef { nonNull += 1 } else if l > maxDef { throw c.fail("definition level \(l) above \(maxDef)") }
                            }
                            definitions.append(contentsOf: levels.lazy.map { UInt16(truncatingIfNeeded: $0) })
                        }
                        let values = UnsafeRawBufferPointer(rebasing: page[c.position...])
                        try Self.decodeValues(values, encoding: Int32(encodingId), count: nonNull, into: &sink, dictionary: dictionary, leaf: leaf)
                    } catch let e as ParquetError { throw fail(pageStart, e.message) }
                }
                levelCount += count
            default:
                continue  // index pages and unknown kinds carry no values
            }
        }
        guard levelCount == expected else {
            throw ParquetError("\(where_): the chunk ends after \(levelCount) of its \(expected) values")
        }
        if leaf.maxRepetition == 0, Int64(levelCount) != rows {
            throw ParquetError("\(where_): \(levelCount) values in a row group of \(rows) rows")
        }
        return DecodedChunk(definitions: definitions, repetitions: repetitions, values: sink.finish(), levelCount: levelCount)
    }

    /// Runs `fn` over the page's bytes: the file's own when uncompressed, else decompressed
    /// into the reused scratch buffer.
    private mutating func withPage(_ body: UnsafeRawBufferPointer, _ codec: Codec?, _ size: Int, at: Int,
                                   _ fn: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let c = codec else { return try fn(body) }
        guard size >= 0, size <= 1 << 31 else { throw ParquetError("\(name): page at byte \(at) declares \(size) bytes uncompressed") }
        var buffer: [UInt8] = []
        swap(&buffer, &scratch)
        defer { swap(&buffer, &scratch) }
        if let error = c.decompress(body, expected: size, into: &buffer) { throw ParquetError("\(name): page at byte \(at): \(error)") }
        try buffer.withUnsafeBytes { try fn($0) }
    }

    private static func decodeValues(_ data: UnsafeRawBufferPointer, encoding: Int32, count: Int, into sink: inout ValueSink,
                              dictionary: PhysicalValues?, leaf: ReadLeaf) throws {
        switch Encoding(rawValue: encoding) {
        case .plain?: try sink.plain(data, count: count)
        case .plainDictionary?, .rleDictionary?:
            guard let dictionary else { throw ParquetError("a dictionary-encoded page before any dictionary page") }
            guard count > 0 else { return }
            guard let width = data.first else { throw ParquetError("a dictionary-encoded page without its bit width") }
            var indices: [UInt32] = []
            try HybridDecoder.decode(UnsafeRawBufferPointer(rebasing: data[1...]), bitWidth: Int(width), count: count, into: &indices)
            try sink.gather(indices, from: dictionary)
        case .rle? where leaf.physical == .boolean:
            var c = ByteCursor(data)
            let n = Int(try c.u32())
            var bits: [UInt32] = []
            try HybridDecoder.decode(try c.take(n), bitWidth: 1, count: count, into: &bits)
            sink.bools.append(contentsOf: bits.lazy.map { $0 != 0 })
        case .deltaBinaryPacked?: try sink.deltaIntegers(data, count: count)
        case .deltaLengthByteArray?: try sink.deltaBytes(data, count: count, prefixed: false)
        case .deltaByteArray?: try sink.deltaBytes(data, count: count, prefixed: true)
        case .byteStreamSplit?: try sink.byteStreamSplit(data, count: count)
        default: throw ParquetError("encoding \(encoding) is not supported for \(leaf.physical)")
        }
    }
}
