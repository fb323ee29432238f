@testable import Avro
import FixtureSupport
import Foundation
import JSON
import Testing

/// Avro containers: ours read by fastavro, pyiceberg's (deflate) read by ours.
struct AvroTests {
    /// A value as the dump JSON shows it: unions unwrapped, bytes and fixed as {"hex": …},
    /// records as objects, NaN as "NaN".
    static func json(_ v: AvroValue, _ s: AvroSchema) -> JSONValue {
        switch (v, s) {
        case (.null, _): return .null
        case (.boolean(let b), _): return .bool(b)
        case (.int(let x), _): return .int(Int64(x))
        case (.long(let x), _): return .int(x)
        case (.float(let f), _): return f.isNaN ? .string("NaN") : .number(String(Double(f)))
        case (.double(let d), _): return d.isNaN ? .string("NaN") : .number(String(d))
        case (.bytes(let b), _), (.fixed(let b), _): return .object([("hex", .string(b.map { String(format: "%02x", $0) }.joined()))])
        case (.string(let t), _): return .string(t)
        case (.enumeration(let i), .enumeration(_, let symbols)): return .string(symbols[i])
        case (.record(let values), .record(_, let fields)):
            return .object(zip(fields, values).map { ($0.name, json($1, $0.schema)) }.sorted { $0.0 < $1.0 })
        case (.array(let items), .array(let schema)): return .array(items.map { json($0, schema) })
        case (.map(let entries), .map(let schema)): return .object(entries.map { ($0.0, json($0.1, schema)) }.sorted { $0.0 < $1.0 })
        case (.union(let i, let x), .union(let branches)): return json(x, branches[i])
        default: return .string("?")
        }
    }

    /// JSON with objects' keys sorted and numbers compared by value.
    static func sorted(_ j: JSONValue) -> JSONValue {
        switch j {
        case .object(let f): return .object(f.map { ($0.0, sorted($0.1)) }.sorted { $0.0 < $1.0 })
        case .array(let a): return .array(a.map(sorted))
        case .number(let n): if let d = Double(n), d == d.rounded(), abs(d) < 1e15 { return .int(Int64(d)) } else { return .number(n) }
        default: return j
        }
    }

    static let schemaText = """
    {"type": "record", "name": "entry", "fields": [
      {"name": "status", "type": "int", "field-id": 0},
      {"name": "id", "type": ["null", "long"], "default": null},
      {"name": "name", "type": "string"},
      {"name": "score", "type": "double"},
      {"name": "ratio", "type": ["null", "float"], "default": null},
      {"name": "ok", "type": "boolean"},
      {"name": "raw", "type": "bytes"},
      {"name": "uuid", "type": {"type": "fixed", "name": "uuid_fixed", "size": 16, "logicalType": "uuid"}},
      {"name": "day", "type": {"type": "int", "logicalType": "date"}},
      {"name": "kind", "type": {"type": "enum", "name": "kind", "symbols": ["DATA", "DELETES"]}},
      {"name": "sizes", "type": ["null", {"type": "array", "logicalType": "map", "items": {"type": "record", "name": "k1_v2",
        "fields": [{"name": "key", "type": "int", "field-id": 1}, {"name": "value", "type": "long", "field-id": 2}]}}], "default": null},
      {"name": "props", "type": {"type": "map", "values": "string"}},
      {"name": "offsets", "type": {"type": "array", "items": "long"}}]}
    """

    static func record(_ i: Int) -> AvroValue {
        let id: AvroValue = i % 4 == 0 ? .union(0, .null) : .union(1, .long(Int64(i) * 1_000_000_007 - 5_000_000_000))
        let ratio: AvroValue = i % 5 == 0 ? .union(0, .null) : .union(1, .float(Float(i) * 0.25))
        let raw: [UInt8] = (0..<(i % 7)).map { UInt8(($0 * 37 + i) & 0xff) }
        let uuid: [UInt8] = (0..<16).map { UInt8(($0 + i) & 0xff) }
        let entries: [AvroValue] = (0..<(i % 4)).map { k in AvroValue.record([.int(Int32(k + 1)), .long(Int64(k * i))]) }
        let sizes: AvroValue = i % 6 == 0 ? .union(0, .null) : .union(1, .array(entries))
        let props: [(String, AvroValue)] = (0..<(i % 3)).map { ("p\($0)", AvroValue.string("v\($0)-\(i)")) }
        let offsets: [AvroValue] = (0..<(i % 5)).map { AvroValue.long(Int64($0 * 4096)) }
        var fields: [AvroValue] = [.int(Int32(i % 3)), id, .string("file-\(i) ü \"q\""), .double(i == 3 ? .nan : Double(i) / 3), ratio]
        fields += [.boolean(i % 2 == 0), .bytes(raw), .fixed(uuid), .int(Int32(19000 + i)), .enumeration(i % 2)]
        fields += [sizes, .map(props), .array(offsets)]
        return .record(fields)
    }

    static func records(_ n: Int) -> [AvroValue] { (0..<n).map(record) }

    @Test("fastavro reads our container: metadata and every record", .enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
    func fastavroReadsOurs() throws {
        let schema = try JSONParser.parse(Self.schemaText)
        var w = try AvroContainerWriter(schema: schema, metadata: [("format-version", "2"), ("snapshot-id", "123")])
        let recs = Self.records(3000)
        for r in recs { try w.append(r) }
        let bytes = w.finish()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-\(UUID().uuidString).avro").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("read_avro.py").path
        let out = try JSONParser.parse(try Fixtures.runPython(script, [path]))
        #expect(out["codec"] == .string("null"))
        #expect(out["metadata"]?["format-version"] == .string("2") && out["metadata"]?["snapshot-id"] == .string("123"))
        guard case .array(let got)? = out["records"] else { Issue.record("no records"); return }
        #expect(got.count == recs.count)
        let parsed = try AvroSchema.parse(schema)
        for (i, (g, r)) in zip(got, recs).enumerated() {
            // fastavro shows the enum by name and the date as a date: compare the rest.
            var want = Self.sorted(Self.json(r, parsed)), have = Self.sorted(g)
            if case .object(var f) = want { f.removeAll { $0.0 == "day" }; want = .object(f) }
            if case .object(var f) = have { f.removeAll { $0.0 == "day" }; have = .object(f) }
            if want != have { Issue.record("record \(i): fastavro \(have.text), written \(want.text)"); break }
        }
        // And ours reads it back to the same values.
        let back = try AvroContainer(bytes: bytes)
        #expect(back.records == recs)
        #expect(back.metadata["snapshot-id"] == "123")
    }

    @Test("pyiceberg's manifests and manifest lists (deflate) read as their dumps", .enabled(if: Fixtures.available, Fixtures.skipReason))
    func readsGoldenManifests() throws {
        let root = try #require(Fixtures.shared).appendingPathComponent("fixtures/iceberg-reference")
        let metadata = root.appendingPathComponent("warehouse/ref/all_types/metadata")
        let files = try FileManager.default.contentsOfDirectory(atPath: metadata.path).filter { $0.hasSuffix(".avro") }
        #expect(files.count == 4)
        for f in files {
            let container = try AvroContainer(bytes: [UInt8](try Data(contentsOf: metadata.appendingPathComponent(f))), file: f)
            let dump = try JSONParser.parse([UInt8](try Data(contentsOf: root.appendingPathComponent("dump/\(f).json"))))
            #expect(dump["codec"] == .string(container.metadata["avro.codec"] ?? "null"))
            guard case .array(let want)? = dump["records"] else { Issue.record("\(f): no records in the dump"); continue }
            #expect(container.records.count == want.count, "\(f)")
            for (r, w) in zip(container.records, want) {
                var have = Self.sorted(Self.json(r, container.schema)), expect = Self.sorted(w)
                // The dump shows partition values through their logical types (dates as text).
                have = Self.dropPartition(have)
                expect = Self.dropPartition(expect)
                #expect(have == expect, "\(f): \(have.text) vs \(expect.text)")
            }
        }
    }

    static func dropPartition(_ j: JSONValue) -> JSONValue {
        guard case .object(var f) = j else { return j }
        if let i = f.firstIndex(where: { $0.0 == "data_file" }), case .object(var d) = f[i].1 {
            d.removeAll { $0.0 == "partition" }
            f[i].1 = .object(d)
        }
        return .object(f)
    }

    @Test func corruptContainersAreErrors() throws {
        var w = try AvroContainerWriter(schema: try JSONParser.parse(Self.schemaText), metadata: [])
        for r in Self.records(10) { try w.append(r) }
        let bytes = w.finish()
        #expect(throws: AvroError.self) { try AvroContainer(bytes: Array(bytes.dropLast(20)), file: "x.avro") }
        var bad = bytes
        bad[bad.count - 1] ^= 0xff // the sync marker after the block
        #expect(throws: AvroError.self) { try AvroContainer(bytes: bad) }
        #expect(throws: AvroError.self) { try AvroContainer(bytes: Array("Obj".utf8)) }
        #expect(throws: AvroError.self) { _ = try AvroContainerWriter(schema: .string("nonesuch"), metadata: []) }
    }
}
