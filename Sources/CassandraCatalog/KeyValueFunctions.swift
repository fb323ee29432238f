import Cassandra
import Codecs
import Columnar
import Engine
import SQL

/// The Key-Value abstraction's functions (data-models.md §1.7–1.8), for connectors written
/// in SQL: `kv_value_metadata(value_metadata)` decodes the item's metadata blob,
/// `crc32c(bytes)` is its checksum, `kv_decompress(stored, codec, uncompressed_len)` undoes the
/// client-side compression. Registered with the cassandra catalog.
public enum KeyValueFunctions {
    public static let metadataType = DataType.structure([
        Field("codec", .varchar), Field("uncompressed_len", .bigint), Field("chunk_count", .integer), Field("chunk_size", .integer),
        Field("total_len", .bigint), Field("version", .uuid), Field("checksum", .bigint), Field("expired", .boolean), Field("user_metadata", .blob),
    ])

    /// What `kv_assemble` makes of one chunk set.
    public static let assembledType = DataType.structure([
        Field("chunks", .integer), Field("contiguous", .boolean), Field("total_len", .bigint), Field("checksum", .bigint), Field("value", .blob),
    ])

    /// What `kv_decode` gives: the value as the client wrote it, or why it cannot be had.
    public static let decodedType = DataType.structure([Field("value", .blob), Field("problem", .varchar)])

    /// The fields of `assembledType` for chunks in any order.
    static func assemble(_ parts: [(index: Int64, bytes: [UInt8])]) -> [Value] {
        let sorted = parts.sorted { $0.index < $1.index }
        let contiguous = sorted.enumerated().allSatisfy { Int64($0.offset) == $0.element.index }
        var joined: [UInt8] = []
        joined.reserveCapacity(sorted.reduce(0) { $0 + $1.bytes.count })
        for p in sorted { joined += p.bytes }
        return [.int(Int64(sorted.count)), .bool(contiguous), .int(Int64(joined.count)),
                .int(Int64(CRC32C.checksum(joined))), contiguous ? .blob(joined) : .null]
    }

    /// `kv_chunk_sets((SELECT k1, …, chunk_index, value …))`: the set's key columns, then
    /// `assembledType`'s fields.
    static func chunkSetSchema(_ input: [Field]?) throws -> [Field] {
        guard let input, input.count >= 3, input[input.count - 2].type.isInteger, input[input.count - 1].type == .blob else {
            throw SQLError(.binder, "kv_chunk_sets reads (set key columns…, chunk_index INTEGER, value BLOB) rows, e.g. (SELECT id, key, version, chunk_index, value FROM ks.t_chunk)")
        }
        guard case .structure(let fields) = assembledType else { return [] }
        return input.dropLast(2).map { Field($0.name, $0.type) } + fields
    }

    struct Chunks: Sendable {
        var parts: [(index: Int64, bytes: [UInt8])] = []
    }

    public static func register(into registry: FunctionRegistry) {
        // The chunks of one (id, key, version), in any order: their count, whether their indices
        // are exactly 0…n-1, the stored length and CRC-32C of their concatenation in index
        // order, and that concatenation (NULL when not contiguous: never a value with a hole).
        registry.register(AggregateFunction("kv_assemble", arguments: [.integer, .blob], returns: assembledType,
            initial: { Chunks() },
            update: { s, v in
                guard case .int(let index) = v[0], case .blob(let bytes) = v[1] else { return }
                s.parts.append((index, bytes))
            },
            merge: { s, other in s.parts += other.parts },
            finish: { s in .structure(assemble(s.parts)) }))
        registry.register(TableFunction("kv_chunk_sets", arguments: [], takesInput: true,
            schema: { _, input in try chunkSetSchema(input) },
            rows: { _, input in ChunkSetStream(input!) }))
        registry.register(ScalarFunction.rows("kv_decode", arguments: [.blob, .blob], returns: decodedType, strict: false) { v in
            guard case .blob(let stored) = v[0] else { return .structure([.null, .null]) }
            var bytes: [UInt8] = []
            if case .blob(let b) = v[1] { bytes = b }
            let m: KVValueMetadata
            do { m = try KVValueMetadata(decoding: bytes) } catch { return .structure([.null, .string("value_metadata does not decode: \(error)")]) }
            // What the metadata says of the stored bytes (0: not said) is checked before they
            // are trusted: a damaged value is the row's problem, never a wrong value.
            if m.totalLength != 0 && UInt64(stored.count) != m.totalLength {
                return .structure([.null, .string("the value holds \(stored.count) stored bytes; value_metadata says \(m.totalLength)")])
            }
            if m.checksum != 0 {
                let crc = CRC32C.checksum(stored)
                if crc != m.checksum { return .structure([.null, .string("the value's CRC-32C is \(crc); value_metadata says \(m.checksum)")]) }
            }
            if m.codec == .none { return .structure([.blob(stored), .null]) }
            guard m.uncompressedLength <= 1 << 31 else { return .structure([.null, .string("an uncompressed length of \(m.uncompressedLength)")]) }
            do {
                let out = try decompress(stored, codec: m.codec.name, length: Int(m.uncompressedLength))
                guard out.count == Int(m.uncompressedLength) else {
                    return .structure([.null, .string("\(m.codec.name) gave \(out.count) bytes; value_metadata says \(m.uncompressedLength)")])
                }
                return .structure([.blob(out), .null])
            } catch let e as SQLError {
                return .structure([.null, .string("\(m.codec.name) value does not decompress: \(e.message)")])
            }
        })
        // Absent or empty metadata is a plain inline value: NULL decodes too.
        registry.register(ScalarFunction.rows("kv_value_metadata", arguments: [.blob], returns: metadataType, strict: false) { v in
            var bytes: [UInt8] = []
            if case .blob(let b) = v[0] { bytes = b }
            let m: KVValueMetadata
            do { m = try KVValueMetadata(decoding: bytes) } catch { throw SQLError(.runtime, "\(error)") }
            guard m.version.isEmpty || m.version.count == 16 else {
                throw SQLError(.runtime, "value_metadata: a version of \(m.version.count) bytes, not a 16-byte uuid")
            }
            let version: Value = m.version.isEmpty ? .null : .uuid(m.version.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
            return .structure([
                .string(m.codec.name), .int(Int64(m.uncompressedLength)), .int(Int64(m.chunkCount)), .int(Int64(m.chunkSize)),
                .int(Int64(m.totalLength)), version, .int(Int64(m.checksum)), .bool(m.expired),
                m.userMetadata.isEmpty ? .null : .blob(m.userMetadata),
            ])
        })
        registry.register(ScalarFunction("crc32c", arguments: [.blob], returns: .bigint) { args, count in
            var out = ColumnBuilder(type: .bigint, capacity: count)
            for i in 0..<count {
                if args[0].isNull(i) { out.appendNull(); continue }
                let crc = args[0].withBytes(at: i) { CRC32C.checksum(Array($0)) }
                out.append(int64: Int64(crc))
            }
            return out.finish()
        })
        registry.register(ScalarFunction.rows("kv_decompress", arguments: [.blob, .varchar, .bigint], returns: .blob) { v in
            guard case .blob(let stored) = v[0], case .string(let codec) = v[1], case .int(let length) = v[2] else { return .null }
            guard length >= 0, length <= 1 << 31 else { throw SQLError(.runtime, "an uncompressed length of \(length)") }
            let out = try decompress(stored, codec: codec, length: Int(length))
            guard out.count == Int(length) else {
                throw SQLError(.runtime, "\(codec) gave \(out.count) bytes; value_metadata says \(length)")
            }
            return .blob(out)
        })
    }

    /// The stored bytes of a value, uncompressed: LZ4 framed as Cassandra's LZ4Compressor
    /// frames a chunk (little-endian length, then a block), Zstd frames, raw Snappy, gzip.
    static func decompress(_ stored: [UInt8], codec: String, length: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        let problem: String?
        switch codec.uppercased() {
        case "NONE": return stored
        case "LZ4":
            guard stored.count >= 4 else { throw SQLError(.runtime, "an LZ4 value of \(stored.count) bytes has no length") }
            let framed = Int(stored[0]) | Int(stored[1]) << 8 | Int(stored[2]) << 16 | Int(stored[3]) << 24
            guard framed == length else { throw SQLError(.runtime, "the LZ4 frame holds \(framed) bytes; value_metadata says \(length)") }
            problem = stored.withUnsafeBytes { Codec.lz4Block.decompress(UnsafeRawBufferPointer(rebasing: $0[4...]), expected: length, into: &out) }
        case "ZSTD": problem = stored.withUnsafeBytes { Codec.zstd(level: 3).decompress($0, expected: length, into: &out) }
        case "SNAPPY": problem = stored.withUnsafeBytes { Codec.snappy.decompress($0, expected: length, into: &out) }
        case "GZIP": problem = stored.withUnsafeBytes { Codec.gzip.decompress($0, expected: length, into: &out) }
        default: throw SQLError(.runtime, "unknown codec \(codec) (NONE, LZ4, ZSTD, SNAPPY, GZIP)")
        }
        if let problem { throw SQLError(.runtime, problem) }
        return out
    }
}

/// One row per chunk set of a stream of chunk rows in the chunk table's order: the rows of a
/// set are consecutive (its partition), so one set is held at a time, however many there
/// are. A set seen again after another one means the input is not in that order: an error,
/// never two half sets.
final class ChunkSetStream: BatchStream {
    let input: BatchStream
    private var keyCount = 0
    private var types: [DataType] = []
    private var current: (key: [Value], parts: [(index: Int64, bytes: [UInt8])])?
    private var finished = Set<[Value]>()
    private var done = false
    /// A batch ends after this many sets or bytes: values are large.
    static let setsPerBatch = 64, bytesPerBatch = 64 << 20

    init(_ input: BatchStream) { self.input = input }

    func next() throws -> Batch? {
        guard !done else { return nil }
        var builders: [ColumnBuilder] = []
        var sets = 0, bytes = 0
        func emit() throws {
            guard let c = current else { return }
            current = nil
            guard finished.insert(c.key).inserted else {
                throw SQLError(.runtime, "kv_chunk_sets: the chunks of set (\(c.key.map { "\($0)" }.joined(separator: ", "))) are not consecutive in its input; read the chunk table in its own order (no ORDER BY, join or union before it)")
            }
            if builders.isEmpty { builders = types.map { ColumnBuilder(type: $0) } }
            for (i, v) in (c.key + KeyValueFunctions.assemble(c.parts)).enumerated() { builders[i].append(v) }
            sets += 1
            bytes += c.parts.reduce(0) { $0 + $1.bytes.count }
        }
        while sets < Self.setsPerBatch && bytes < Self.bytesPerBatch {
            guard let b = try input.next() else {
                try emit()
                done = true
                break
            }
            if types.isEmpty {
                keyCount = b.columns.count - 2
                types = try KeyValueFunctions.chunkSetSchema(b.columns.enumerated().map { Field("c\($0.offset)", $0.element.type) }).map(\.type)
            }
            for r in 0..<b.count {
                let key = (0..<keyCount).map { b.columns[$0].value(at: r) }
                guard case .int(let index) = b.columns[keyCount].value(at: r) else { continue }
                // A chunk without a value is a hole: the set is then reported, not assembled.
                guard case .blob(let value) = b.columns[keyCount + 1].value(at: r) else { continue }
                if let c = current, c.key != key { try emit() }
                if current == nil { current = (key, []) }
                current!.parts.append((index, value))
            }
        }
        guard sets > 0 else { return nil }
        return Batch(columns: builders.map { $0.finish() }, count: sets)
    }
}
