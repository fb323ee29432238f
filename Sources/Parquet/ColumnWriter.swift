import Codecs

/// What the writer learned of one leaf column over a whole file: the counts and bounds Iceberg
/// manifests carry (iceberg-writer-notes §6) and the bytes the column took.
public struct LeafMetrics: Sendable {
    /// Values including nulls (Parquet's num_values: one per element, null or empty container).
    public var valueCount: Int64 = 0
    public var nullCount: Int64 = 0
    public var nanCount: Int64 = 0
    /// Sum of the column chunks' total_compressed_size.
    public var compressedSize: Int64 = 0
    public var min: StatValue?
    public var max: StatValue?
}

/// A bound of a column's values, typed by how the column orders them.
public enum StatValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    /// Strings, binaries, uuids, fixed: unsigned bytes; FIXED decimals: two's complement.
    case bytes([UInt8])
}

/// Accumulates one leaf column of the current row group: levels and values of the open page,
/// the finished (compressed) pages, the dictionary, statistics. Dictionary encoding is tried
/// first and abandoned for PLAIN once the dictionary outgrows its limit.
final class ColumnChunkWriter {
    let leaf: LeafColumn
    let options: ParquetWriteOptions
    private var codec: Codec?
    private let codecId: Int32

    // The open page.
    private var defs: [UInt8] = []
    private var reps: [UInt8] = []
    private var plain: [UInt8] = []
    private var indices: [UInt32] = []
    private var pageValues = 0
    private var pageNulls = 0

    // The chunk.
    private(set) var pages: [UInt8] = []
    private var dataPageCount = 0
    private var uncompressedSize: Int64 = 0
    private(set) var chunkValues: Int64 = 0
    private var chunkNulls: Int64 = 0
    private var usedPlain = false
    private var usedDelta = false
    private var usedDictionary = false
    private var chunkMin: StatValue?
    private var chunkMax: StatValue?
    // Integer and floating bounds kept unboxed on the hot path, folded in at chunk end.
    private var intMin = Int64.max, intMax = Int64.min, hasInts = false
    private var doubleMin = Double.infinity, doubleMax = -Double.infinity, hasDoubles = false

    // The dictionary (of this row group's chunk).
    private var dictionaryOn: Bool
    private var fixedDictionary: [UInt64: UInt32] = [:]
    private var bytesDictionary: [[UInt8]: UInt32] = [:]
    /// FIXED values of up to 16 bytes (uuids, decimals) keyed without allocating.
    private var wideDictionary: [UInt128: UInt32] = [:]
    private var dictionaryPlain: [UInt8] = []
    private var dictionaryCount: UInt32 = 0

    private(set) var file = LeafMetrics()
    private var scratch: [UInt8] = []

    init(leaf: LeafColumn, options: ParquetWriteOptions) {
        self.leaf = leaf
        self.options = options
        (codec, codecId) = options.compression.codec
        if options.compression == .zstd, let level = options.compressionLevel { codec = .zstd(level: level) }
        dictionaryOn = options.dictionary && leaf.physical != .boolean
    }

    var isSigned: Bool {
        if case .decimal = leaf.node.kind { return true }
        return false
    }

    // MARK: values

    @inline(__always) private func levels(def: Int, rep: Int) {
        if leaf.maxDefinition > 0 { defs.append(UInt8(def)) }
        if leaf.maxRepetition > 0 { reps.append(UInt8(rep)) }
        pageValues += 1
    }

    /// Before a value or null that starts a record: flush the page if it is full (pages end at
    /// record boundaries).
    @inline(__always) func beginRecord() throws {
        if openPageBytes >= options.pageBytes { try flushPage() }
    }

    /// About what the open page will take once encoded (before compression).
    var openPageBytes: Int { plain.count + indices.count * 4 + defs.count / 4 + reps.count / 4 }

    /// What the row group holds of this column so far: finished pages and the open one.
    var bufferedBytes: Int { pages.count + openPageBytes + (dictionaryOn ? dictionaryPlain.count : 0) }

    func appendNull(def: Int, rep: Int) {
        levels(def: def, rep: rep)
        pageNulls += 1
    }

    @inline(__always) private func statInt(_ v: Int64) {
        hasInts = true
        if v < intMin { intMin = v }
        if v > intMax { intMax = v }
    }

    @inline(__always) private func statDouble(_ v: Double) {
        hasDoubles = true
        if v < doubleMin || (v == 0 && doubleMin == 0 && v.sign == .minus) { doubleMin = v }
        if v > doubleMax || (v == 0 && doubleMax == 0 && v.sign == .plus) { doubleMax = v }
    }

    /// Folds the unboxed bounds into the chunk's.
    private func foldStats() {
        if hasInts { stat(.int(intMin)); stat(.int(intMax)) }
        if hasDoubles { stat(.double(doubleMin)); stat(.double(doubleMax)) }
        intMin = .max; intMax = .min; hasInts = false
        doubleMin = .infinity; doubleMax = -.infinity; hasDoubles = false
    }

    func append(int64 v: Int64, def: Int, rep: Int) {
        levels(def: def, rep: rep)
        statInt(v)
        if leaf.physical == .int32 {
            addFixed(UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: v)))) { $0.appendLE(Int32(truncatingIfNeeded: v)) }
        } else {
            addFixed(UInt64(bitPattern: v)) { $0.appendLE(v) }
        }
    }

    func append(bool v: Bool, def: Int, rep: Int) {
        levels(def: def, rep: rep)
        statInt(v ? 1 : 0)
        // Booleans are bit-packed at page end; one byte each until then.
        plain.append(v ? 1 : 0)
        usedPlain = true
    }

    func append(double v: Double, def: Int, rep: Int) {
        levels(def: def, rep: rep)
        if v.isNaN {
            file.nanCount += 1
        } else if v == 0 {
            // Bounds order -0.0 before +0.0, so a zero of either sign may lower the min to
            // -0.0 and raise the max to +0.0 (Parquet's rule for writers).
            statDouble(-0.0)
            statDouble(0.0)
        } else {
            statDouble(v)
        }
        if leaf.physical == .float {
            let f = Float(v)
            addFixed(UInt64(f.bitPattern)) { $0.appendLE(f.bitPattern) }
        } else {
            addFixed(v.bitPattern) { $0.appendLE(v.bitPattern) }
        }
    }

    func append(bytes v: UnsafeRawBufferPointer, def: Int, rep: Int) {
        levels(def: def, rep: rep)
        statBytes(v)
        let fixed = leaf.physical == .fixedLenByteArray
        let encode = { (out: inout [UInt8]) in
            if !fixed { out.appendLE(UInt32(v.count)) }
            out.append(contentsOf: v)
        }
        if dictionaryOn && fixed && v.count <= 16 {
            var key: UInt128 = 0
            for b in v { key = key << 8 | UInt128(b) }
            dictionaryIndex(&wideDictionary, key, encode)
            return
        }
        if dictionaryOn {
            dictionaryIndex(&bytesDictionary, [UInt8](v), encode)
            return
        }
        if !fixed { plain.appendLE(UInt32(v.count)) }
        plain.append(contentsOf: v)
        usedPlain = true
    }

    /// The value's dictionary index, the value added (PLAIN, by `encode`) when it is new.
    @inline(__always) private func dictionaryIndex<K: Hashable>(_ dictionary: inout [K: UInt32], _ key: K, _ encode: (inout [UInt8]) -> Void) {
        if let i = dictionary[key] {
            indices.append(i)
            return
        }
        encode(&dictionaryPlain)
        dictionary[key] = dictionaryCount
        indices.append(dictionaryCount)
        dictionaryCount += 1
        checkDictionarySize()
    }

    @inline(__always) private func addFixed(_ key: UInt64, _ encode: (inout [UInt8]) -> Void) {
        if dictionaryOn {
            dictionaryIndex(&fixedDictionary, key, encode)
            return
        }
        encode(&plain)
        usedPlain = true
    }

    private func checkDictionarySize() {
        guard dictionaryPlain.count > options.dictionaryPageBytes else { return }
        // Too many distinct values: this page stays dictionary-encoded, the rest are PLAIN.
        try? flushPage()
        dictionaryOn = false
    }

    // MARK: statistics

    @inline(__always) private func stat(_ v: StatValue) {
        if chunkMin == nil || less(v, chunkMin!) { chunkMin = v }
        if chunkMax == nil || less(chunkMax!, v) { chunkMax = v }
    }

    private func statBytes(_ v: UnsafeRawBufferPointer) {
        if let m = chunkMin, case .bytes(let b) = m {
            if compareBytes(v, b) < 0 { chunkMin = .bytes([UInt8](v)) }
        } else { chunkMin = .bytes([UInt8](v)) }
        if let m = chunkMax, case .bytes(let b) = m {
            if compareBytes(v, b) > 0 { chunkMax = .bytes([UInt8](v)) }
        } else { chunkMax = .bytes([UInt8](v)) }
    }

    private func compareBytes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Int {
        if isSigned && !a.isEmpty && !b.isEmpty {
            // Two's complement of one width: the sign bit first, then the bytes unsigned.
            let sa = a[0] & 0x80 != 0, sb = b[0] & 0x80 != 0
            if sa != sb { return sa ? -1 : 1 }
        }
        let n = Swift.min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    private func less(_ a: StatValue, _ b: StatValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.double(let x), .double(let y)): return x < y || (x == 0 && y == 0 && x.sign == .minus && y.sign == .plus)
        case (.bytes(let x), .bytes(let y)): return x.withUnsafeBytes { compareBytes($0, y) } < 0
        default: return false
        }
    }

    // MARK: pages

    func flushPage() throws {
        guard pageValues > 0 else { return }
        var body: [UInt8] = []
        body.reserveCapacity(plain.count + indices.count * 4 + defs.count + 16)
        if leaf.maxRepetition > 0 { LevelEncoding.v1Levels(reps, max: leaf.maxRepetition, into: &body) }
        if leaf.maxDefinition > 0 { LevelEncoding.v1Levels(defs, max: leaf.maxDefinition, into: &body) }
        let encoding: Encoding
        if !indices.isEmpty {
            encoding = .rleDictionary
            usedDictionary = true
            let width = LevelEncoding.bitWidth(Int(Swift.max(dictionaryCount, 1) - 1))
            body.append(UInt8(width))
            LevelEncoding.hybrid(indices, bitWidth: width, into: &body)
        } else if leaf.physical == .boolean {
            encoding = .plain
            var byte: UInt8 = 0
            for (k, b) in plain.enumerated() {
                byte |= b << UInt8(k & 7)
                if k & 7 == 7 { body.append(byte); byte = 0 }
            }
            if plain.count & 7 != 0 { body.append(byte) }
        } else if options.delta && (leaf.physical == .int32 || leaf.physical == .int64) && plain.count >= 64,
                  let delta = DeltaEncoder.encode(plain, width: leaf.physical == .int32 ? 4 : 8, limit: plain.count * 9 / 10) {
            encoding = .deltaBinaryPacked
            usedDelta = true
            body.append(contentsOf: delta)
        } else {
            encoding = .plain
            usedPlain = true
            body.append(contentsOf: plain)
        }
        var header = ThriftWriter()
        let values = Int32(pageValues)
        try writePage(body, header: &header, type: 0) { w in
            w.structure(5) { d in
                d.i32(1, values)
                d.i32(2, encoding.rawValue)
                d.i32(3, Encoding.rle.rawValue)
                d.i32(4, Encoding.rle.rawValue)
            }
        }
        dataPageCount += 1
        chunkValues += Int64(pageValues)
        chunkNulls += Int64(pageNulls)
        defs.removeAll(keepingCapacity: true)
        reps.removeAll(keepingCapacity: true)
        plain.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        pageValues = 0
        pageNulls = 0
    }

    private func writePage(_ body: [UInt8], header: inout ThriftWriter, type: Int32, _ fields: (inout ThriftWriter) -> Void) throws {
        var stored = body
        if let codec {
            body.withUnsafeBytes { codec.compress($0, into: &scratch) }
            stored = scratch
        }
        guard body.count <= Int32.max, stored.count <= Int32.max else {
            throw ParquetError("a page of \(body.count) bytes in column \(leaf.path.joined(separator: ".")): pages are limited to 2 GiB")
        }
        header.structBody { w in
            w.i32(1, type)
            w.i32(2, Int32(body.count))
            w.i32(3, Int32(stored.count))
            fields(&w)
        }
        pages.append(contentsOf: header.bytes)
        pages.append(contentsOf: stored)
        uncompressedSize += Int64(header.bytes.count + body.count)
    }

    /// Closes the chunk: the dictionary page (if any page used it) goes first. Returns the
    /// chunk's bytes and writes its ColumnMetaData fields once `offset` is known.
    func finishChunk() throws -> (bytes: [UInt8], meta: (Int64) -> (inout ThriftWriter) -> Void) {
        try flushPage()
        foldStats()
        var out: [UInt8] = []
        var dictionaryPageSize = 0
        if usedDictionary {
            let count = Int32(dictionaryCount)
            var header = ThriftWriter()
            let savedPages = pages
            pages = []
            try writePage(dictionaryPlain, header: &header, type: 2) { w in
                w.structure(7) { d in
                    d.i32(1, count)
                    d.i32(2, Encoding.plain.rawValue)
                }
            }
            out = pages
            dictionaryPageSize = pages.count
            pages = savedPages
        }
        out.append(contentsOf: pages)
        let compressed = Int64(out.count)
        let uncompressed = uncompressedSize
        var encodings: [Int32] = [Encoding.rle.rawValue]
        if usedDictionary { encodings.append(Encoding.rleDictionary.rawValue); encodings.append(Encoding.plain.rawValue) }
        if usedPlain && !usedDictionary { encodings.append(Encoding.plain.rawValue) }
        if usedDelta { encodings.append(Encoding.deltaBinaryPacked.rawValue) }
        let values = chunkValues, nulls = chunkNulls
        let physical = leaf.physical.rawValue, path = leaf.path, codecId = self.codecId
        let minBytes = chunkMin.map(encodeStat), maxBytes = chunkMax.map(encodeStat)
        let hasDictionary = usedDictionary
        file.valueCount += values
        file.nullCount += nulls
        file.compressedSize += compressed
        if let m = chunkMin { if file.min == nil || less(m, file.min!) { file.min = m } }
        if let m = chunkMax { if file.max == nil || less(file.max!, m) { file.max = m } }
        // Reset for the next row group.
        pages = []
        uncompressedSize = 0
        chunkValues = 0
        chunkNulls = 0
        chunkMin = nil
        chunkMax = nil
        usedPlain = false
        usedDictionary = false
        dataPageCount = 0
        fixedDictionary = [:]
        bytesDictionary = [:]
        wideDictionary = [:]
        dictionaryPlain = []
        dictionaryCount = 0
        dictionaryOn = options.dictionary && leaf.physical != .boolean
        return (out, { offset in
            { w in
                w.i32(1, physical)
                w.listOfI32(2, encodings)
                w.listOfStrings(3, path)
                w.i32(4, codecId)
                w.i64(5, values)
                w.i64(6, uncompressed)
                w.i64(7, compressed)
                w.i64(9, offset + Int64(dictionaryPageSize))
                if hasDictionary { w.i64(11, offset) }
                w.structure(12) { s in
                    s.i64(3, nulls)
                    if let maxBytes { s.binary(5, maxBytes) }
                    if let minBytes { s.binary(6, minBytes) }
                }
            }
        })
    }

    /// A statistics bound in PLAIN encoding (byte arrays without their length).
    private func encodeStat(_ v: StatValue) -> [UInt8] {
        var out: [UInt8] = []
        switch (v, leaf.physical) {
        case (.int(let x), .boolean): out.append(x != 0 ? 1 : 0)
        case (.int(let x), .int32): out.appendLE(Int32(truncatingIfNeeded: x))
        case (.int(let x), _): out.appendLE(x)
        case (.double(let x), .float): out.appendLE(Float(x).bitPattern)
        case (.double(let x), _): out.appendLE(x.bitPattern)
        case (.bytes(let b), _): out = b
        }
        return out
    }
}

public struct ParquetError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
