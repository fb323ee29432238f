import Columnar
import FixtureSupport
import Foundation
@testable import Parquet
import Testing

/// Files the writer makes, read by pyarrow: every Iceberg type, nulls, NaN and signed zeros,
/// nested lists, maps and structs, every codec, several pages and row groups, dictionary
/// fallback — the same rows, the field ids, the levels and the statistics.
@Suite("Parquet files read by pyarrow", .enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
struct ParquetInteropTests {
    static func node(_ name: String, _ id: Int32, _ kind: ParquetNode.Kind, required: Bool = false) -> ParquetNode {
        ParquetNode(name: name, fieldId: id, required: required, kind: kind)
    }

    static let schema: [ParquetNode] = [
        node("b", 1, .boolean),
        node("i", 2, .int32),
        node("l", 3, .int64, required: true),
        node("f", 4, .float),
        node("d", 5, .double),
        node("s", 6, .string),
        node("bin", 7, .binary),
        node("dt", 8, .date),
        node("tm", 9, .time),
        node("ts", 10, .timestamp(utc: false)),
        node("tstz", 11, .timestamp(utc: true)),
        node("u", 12, .uuid),
        node("dec9", 13, .decimal(precision: 9, scale: 2)),
        node("dec18", 14, .decimal(precision: 18, scale: 4)),
        node("dec38", 15, .decimal(precision: 38, scale: 10)),
        node("tags", 16, .list(element: node("element", 17, .string))),
        node("attrs", 18, .map(key: node("key", 19, .string, required: true), value: node("value", 20, .int64))),
        node("addr", 21, .structure([node("street", 22, .string), node("zip", 23, .int32)])),
        node("events", 24, .list(element: node("element", 25, .structure([node("k", 26, .string, required: true),
                                                                             node("vs", 27, .list(element: node("element", 28, .int32)))]),
                                           required: true))),
    ]

    static let types: [DataType] = [
        .boolean, .integer, .bigint, .float, .double, .varchar, .blob, .date, .time, .timestamp, .timestamp, .uuid,
        .decimal(precision: 9, scale: 2), .decimal(precision: 18, scale: 4), .decimal(precision: 38, scale: 10),
        .list(.varchar), .map(.varchar, .bigint), .structure([Field("street", .varchar), Field("zip", .integer)]),
        .list(.structure([Field("k", .varchar, nullable: false), Field("vs", .list(.integer))])),
    ]

    /// Deterministic rows: every column null now and then (but `l`), edge values in the
    /// first rows.
    static func rows(_ n: Int) -> [[Value]] {
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        let words = ["alpha", "beta", "gamma", "δέλτα", "漢字", "emoji 🚀", "quote \" and \\ backslash", ""]
        var out: [[Value]] = []
        for r in 0..<n {
            let x = next()
            func maybe(_ v: Value) -> Value { x % 11 == UInt64(r % 7) ? .null : v }
            let f: Float = r == 0 ? .nan : (r == 1 ? -0.0 : Float(Int64(x % 20001) - 10000) / 7)
            let d: Double = r == 2 ? .nan : (r == 3 ? 0.0 : (r == 4 ? -0.0 : Double(Int64(bitPattern: x)) / 1e9))
            var row: [Value] = []
            row.append(maybe(.bool(x & 1 == 0)))
            row.append(maybe(.int(r == 5 ? Int64(Int32.min) : (r == 6 ? Int64(Int32.max) : Int64(Int32(truncatingIfNeeded: x >> 3) % 1000)))))
            row.append(.int(r == 7 ? .min : (r == 8 ? .max : Int64(r) * 1_000_003)))
            row.append(maybe(.float(f)))
            row.append(maybe(.double(d)))
            row.append(maybe(.string(words[Int(x % UInt64(words.count))] + (r % 3 == 0 ? "" : String(r % 50)))))
            row.append(maybe(.blob((0..<Int(x % 9)).map { UInt8(truncatingIfNeeded: x >> UInt64($0 * 7)) })))
            row.append(maybe(.date(Int32(Int64(x % 40000) - 20000))))
            row.append(maybe(.time(Int64(x % 86_400_000_000))))
            row.append(maybe(.timestamp(Int64(bitPattern: x) / 1000)))
            row.append(maybe(.timestamp(Int64(x % 4_000_000_000_000_000) - 2_000_000_000_000_000)))
            row.append(maybe(.uuid(UInt128(x) << 64 | UInt128(next()))))
            row.append(maybe(.decimal(Int128(Int64(x % 1_999_999_999) - 999_999_999), scale: 2)))
            row.append(maybe(.decimal(Int128(Int64(bitPattern: x) % 999_999_999_999_999_999), scale: 4)))
            let big = (Int128(Int64(bitPattern: x)) * Int128(Int64(bitPattern: next()))) % Int128("99999999999999999999999999999999999999")!
            row.append(maybe(.decimal(r == 9 ? Int128("-99999999999999999999999999999999999999")! : big, scale: 10)))
            let tagCount = Int(x % 4)
            row.append(maybe(.list((0..<tagCount).map { k in k == 1 && r % 5 == 0 ? .null : .string(words[(r + k) % words.count]) })))
            let mapCount = Int((x >> 5) % 3)
            row.append(maybe(.map(keys: (0..<mapCount).map { .string("k\($0)") }, values: (0..<mapCount).map { k in k == 2 ? .null : .int(Int64(r * 10 + k)) })))
            row.append(maybe(r % 13 == 0 ? .structure([.null, .null]) : .structure([.string("street \(r)"), r % 4 == 0 ? .null : .int(Int64(r % 99999))])))
            let eventCount = Int((x >> 9) % 3)
            row.append(maybe(.list((0..<eventCount).map { e in
                .structure([.string("e\(e)"), e == 1 ? .null : .list((0..<((r + e) % 3)).map { .int(Int64($0 + r)) })])
            })))
            out.append(row)
        }
        return out
    }

    static func batch(_ rows: ArraySlice<[Value]>) -> Batch {
        var builders = types.map { ColumnBuilder(type: $0) }
        for row in rows { for (k, v) in row.enumerated() { builders[k].append(v) } }
        return Batch(columns: builders.map { $0.finish() }, count: rows.count)
    }

    static var fields: [Field] { zip(schema, types).map { Field($0.name, $1, nullable: !$0.required) } }

    static func canonicalRow(_ row: [Value]) -> String { Canonical.row(row, fields) }

    enum Scalar: Decodable, Equatable {
        case int(Int64)
        case string(String)
        case bool(Bool)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let i = try? c.decode(Int64.self) { self = .int(i) } else {
                self = .string(try c.decode(String.self))
            }
        }
    }

    /// What read_parquet.py prints for a bound: the canonical form, unquoted.
    static func scalar(_ v: Value, _ type: DataType) -> Scalar {
        let c = Canonical.value(v, type)
        if let i = Int64(c) { return .int(i) }
        return .string(String(c.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\"))
    }

    struct Read: Decodable {
        struct Group: Decodable {
            struct Column: Decodable {
                var path: String
                var codec: String
                var num_values: Int
                var null_count: Int?
                var encodings: [String]
                var min: Scalar?
                var max: Scalar?
            }
            var rows: Int
            var columns: [Column]
        }
        var rows: [String]
        var field_ids: [String: Int]
        var row_groups: [Group]
        var num_rows: Int
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("read_parquet.py").path

    static func writeAndRead(_ rows: [[Value]], options: ParquetWriteOptions, batchSize: Int = 700) throws -> (Read, [LeafMetrics], Data) {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(schema: schema, sink: sink, options: options)
        var start = 0
        while start < rows.count {
            try writer.write(batch(rows[start..<min(start + batchSize, rows.count)]))
            start += batchSize
        }
        let (_, _, metrics) = try writer.close()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-\(UUID().uuidString).parquet").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = Data(sink.bytes)
        try data.write(to: URL(fileURLWithPath: path))
        let out = try Fixtures.runPython(script, [path])
        return (try JSONDecoder().decode(Read.self, from: Data(out.utf8)), metrics, data)
    }

    @Test("every type and codec reads back as written", arguments: ParquetCompression.allCases)
    func everyTypeAndCodec(_ compression: ParquetCompression) throws {
        let rows = Self.rows(3000)
        var options = ParquetWriteOptions()
        options.compression = compression
        options.pageBytes = 16 << 10
        let (read, metrics, _) = try Self.writeAndRead(rows, options: options)
        #expect(read.num_rows == rows.count)
        let want = rows.map(Self.canonicalRow)
        #expect(read.rows.count == want.count)
        for (i, (g, w)) in zip(read.rows, want).enumerated() where g != w {
            Issue.record("row \(i): pyarrow read \(g), written \(w)")
            break
        }
        // Field ids on every node pyarrow shows (the repeated list/key_value groups carry none).
        #expect(read.field_ids["b"] == 1 && read.field_ids["dec38"] == 15 && read.field_ids["tags"] == 16)
        #expect(read.field_ids["attrs.key"] == 19 && read.field_ids["attrs.value"] == 20)
        #expect(read.field_ids["addr.zip"] == 23 && read.field_ids["events.element.vs.element"] == 28)
        let codecName = ["none": "UNCOMPRESSED", "snappy": "SNAPPY", "gzip": "GZIP", "zstd": "ZSTD", "lz4_raw": "LZ4"][compression.rawValue]!
        for g in read.row_groups { for c in g.columns { #expect(c.codec == codecName, "\(c.path)") } }
        // The writer's own counts agree with pyarrow's column chunks.
        let leaves = LeafColumn.leaves(of: Self.schema)
        for (k, leaf) in leaves.enumerated() {
            let chunks = read.row_groups.map { $0.columns[k] }
            #expect(chunks.first?.path == leaf.path.joined(separator: "."))
            #expect(Int64(chunks.reduce(0) { $0 + $1.num_values }) == metrics[k].valueCount, "\(leaf.path)")
            #expect(Int64(chunks.reduce(0) { $0 + ($1.null_count ?? 0) }) == metrics[k].nullCount, "\(leaf.path)")
        }
    }

    @Test("row groups, dictionary fallback and statistics")
    func rowGroupsAndStatistics() throws {
        let rows = Self.rows(20000)
        var options = ParquetWriteOptions()
        options.rowGroupBytes = 256 << 10
        options.dictionaryPageBytes = 4 << 10
        let (read, metrics, _) = try Self.writeAndRead(rows, options: options, batchSize: 2048)
        #expect(read.row_groups.count > 2)
        #expect(read.row_groups.reduce(0) { $0 + $1.rows } == rows.count)
        #expect(read.rows == rows.map(Self.canonicalRow))
        // `l` (sequential) outgrows its dictionary too: its PLAIN pages become DELTA_BINARY_PACKED,
        // which pyarrow decodes to the same rows (checked above).
        let sequential = read.row_groups[0].columns[2]
        #expect(sequential.encodings.contains("DELTA_BINARY_PACKED"), "\(sequential.encodings)")
        // `s` outgrows its 4 KiB dictionary: dictionary pages first, then PLAIN.
        let s = read.row_groups[0].columns[5]
        #expect(s.encodings.contains("RLE_DICTIONARY") && s.encodings.contains("PLAIN"), "\(s.encodings)")
        // Bounds over the file: the signed minimum and maximum of `l`, NaN ignored for `f`/`d`.
        let l = metrics[2]
        #expect(l.min == .int(.min) && l.max == .int(.max))
        func nans(_ k: Int) -> Int64 {
            Int64(rows.filter { r in switch r[k] { case .float(let f): return f.isNaN; case .double(let d): return d.isNaN; default: return false } }.count)
        }
        #expect(metrics[3].nanCount == nans(3) && metrics[4].nanCount == nans(4))
        #expect(metrics[3].nanCount + metrics[4].nanCount > 0)
        if case .double(let m)? = metrics[4].min { #expect(!m.isNaN) } else { Issue.record("no min for d") }
        // Each row group's bounds and null counts, as pyarrow reads them, are those of its rows.
        var start = 0
        for g in read.row_groups {
            let groupRows = rows[start..<(start + g.rows)]
            start += g.rows
            for k in [2, 5, 9, 11, 12] {
                let node = Self.schema[k]
                let values = groupRows.map { $0[k] }.filter { !$0.isNull }
                let ordered = values.sorted { a, b in Self.precedes(a, b) }
                #expect(g.columns[k].null_count == groupRows.count - values.count, "\(node.name)")
                #expect(g.columns[k].min == ordered.first.map { Self.scalar($0, Self.types[k]) }, "\(node.name) min")
                #expect(g.columns[k].max == ordered.last.map { Self.scalar($0, Self.types[k]) }, "\(node.name) max")
            }
        }
    }

    static func precedes(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)), (.timestamp(let x), .timestamp(let y)): return x < y
        case (.decimal(let x, _), .decimal(let y, _)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.uuid(let x), .uuid(let y)): return x < y
        default: return false
        }
    }

    @Test("a null in a required column is an error naming it")
    func requiredNull() throws {
        let writer = try ParquetFileWriter(schema: [Self.node("l", 1, .int64, required: true)], sink: MemorySink())
        var b = ColumnBuilder(type: .bigint)
        b.append(.int(1))
        b.append(.null)
        #expect(throws: ParquetError.self) { try writer.write(Batch(columns: [b.finish()], count: 2)) }
    }
}

/// The compact-protocol reader parses the footer the writer wrote (the reader half of issue 6
/// builds on it), and rejects a truncated one with its offset.
@Suite("Thrift compact protocol")
struct ThriftTests {
    @Test func footerRoundTrips() throws {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(schema: ParquetInteropTests.schema, sink: sink)
        try writer.write(ParquetInteropTests.batch(ParquetInteropTests.rows(50)[...]))
        try writer.close(keyValueMetadata: [("iceberg.schema", "{}")])
        let bytes = sink.bytes
        #expect(Array(bytes.prefix(4)) == Array("PAR1".utf8) && Array(bytes.suffix(4)) == Array("PAR1".utf8))
        let n = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8 | Int(bytes[bytes.count - 6]) << 16 | Int(bytes[bytes.count - 5]) << 24
        let footer = Array(bytes[(bytes.count - 8 - n)..<(bytes.count - 8)])
        let fields = try footer.withUnsafeBytes { raw in
            var r = ThriftReader(raw)
            let f = try r.readStruct()
            #expect(r.position == n)
            return f
        }
        #expect(fields[3]?.int == 50)
        let elements = try #require(fields[2]?.list)
        // The root, then every node: 19 top-level, their children and the list/key_value groups.
        #expect(elements.first?[4]?.string == "schema" && elements.first?[5]?.int == 19)
        #expect(elements.compactMap { $0[9]?.int }.count == 28)
        #expect(fields[5]?.list?.first?[1]?.string == "iceberg.schema")
        #expect(fields[6]?.string == "movesql")
        #expect(throws: ThriftError.self) {
            try footer.dropLast(5).withUnsafeBytes { raw in var r = ThriftReader(raw); _ = try r.readStruct() }
        }
    }
}
