import Columnar
import FixtureSupport
import Foundation
@testable import Parquet
import Testing

/// The reader: every file the writer writes reads back as written (every type, codec, page
/// and row-group size, dictionary or not); damaged files fail naming the file and the place.
struct ReaderTests {
    typealias W = ParquetInteropTests

    static func write(_ rows: [[Value]], _ options: ParquetWriteOptions, batchSize: Int = 700) throws -> [UInt8] {
        let sink = MemorySink()
        let writer = try ParquetFileWriter(schema: W.schema, sink: sink, options: options)
        for start in stride(from: 0, to: rows.count, by: batchSize) { try writer.write(W.batch(rows[start..<min(start + batchSize, rows.count)])) }
        _ = try writer.close()
        return sink.bytes
    }

    static func rows(of batches: [Batch], _ fields: [Field]) -> [String] {
        batches.flatMap { b in (0..<b.count).map { Canonical.row(b.row($0), fields) } }
    }

    @Test("the writer's files read back row for row", arguments: ParquetCompression.allCases)
    func ourFilesReadBack(_ compression: ParquetCompression) throws {
        let rows = W.rows(3000)
        for dictionary in [true, false] {
            var options = ParquetWriteOptions()
            options.compression = compression
            options.dictionary = dictionary
            options.pageBytes = 8 << 10
            options.rowGroupBytes = 200 << 10
            let bytes = try Self.write(rows, options)
            let reader = try ParquetFileReader(data: Data(bytes), name: "ours.parquet")
            #expect(reader.rowCount == 3000)
            #expect(reader.metadata.rowGroups.count > 1, "several row groups")
            #expect(reader.schema.map(\.type) == W.types)
            #expect(reader.columns.map(\.fieldId) == W.schema.map(\.fieldId))
            let got = Self.rows(of: try reader.readAll(batchRows: 1000), W.fields)
            let want = rows.map(W.canonicalRow)
            #expect(got.count == want.count)
            if let i = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(compression) dictionary \(dictionary) row \(i): read \(got[i]), written \(want[i])")
            }
            // Projection: the columns asked for, in the order asked.
            let projected = try reader.read(rowGroup: 0, columns: [16, 2])
            let rowsInGroup = Int(reader.metadata.rowGroups[0].numRows)
            #expect(projected.reduce(0) { $0 + $1.count } == rowsInGroup)
            let fields = [W.fields[16], W.fields[2]]
            let wantProjected = rows.prefix(rowsInGroup).map { Canonical.row([$0[16], $0[2]], fields) }
            #expect(Self.rows(of: projected, fields) == wantProjected)
        }
    }

    @Test func deltaEncodingRoundTrips() throws {
        var state: UInt64 = 0x2545F4914F6CDD1D
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        let sets: [[Int64]] = [
            Array(0..<1000).map { Int64($0) * 7 + 1_700_000_000_000_000 },
            (0..<777).map { _ in Int64(bitPattern: next()) },
            [.min, .max, 0, -1, 1, .max, .min, .min, .max] + Array(repeating: 5, count: 300),
            [42],
            (0..<129).map { Int64($0 % 3) - 1 },
        ]
        for values in sets {
            for width in [8, 4] {
                let v = width == 4 ? values.map { Int64(Int32(truncatingIfNeeded: $0)) } : values
                var plain: [UInt8] = []
                for x in v {
                    if width == 4 { withUnsafeBytes(of: Int32(truncatingIfNeeded: x).littleEndian) { plain += $0 } } else { withUnsafeBytes(of: x.littleEndian) { plain += $0 } }
                }
                guard let encoded = DeltaEncoder.encode(plain, width: width, limit: Int.max) else { Issue.record("no encoding"); continue }
                let decoded = try encoded.withUnsafeBytes { raw -> [Int64] in
                    var c = ByteCursor(raw)
                    let out = try DeltaDecoder.integers(&c)
                    #expect(c.position == raw.count, "the decoder reads exactly what was written")
                    return out
                }
                #expect((width == 4 ? decoded.map { Int64(Int32(truncatingIfNeeded: $0)) } : decoded) == v, "width \(width), \(v.count) values")
            }
        }
        // Sequential keys: far smaller than PLAIN, so the writer picks it.
        let seq = (0..<1000).flatMap { i in withUnsafeBytes(of: (Int64(i) * 1000).littleEndian, Array.init) }
        #expect((DeltaEncoder.encode(seq, width: 8, limit: seq.count) ?? seq).count < seq.count / 10)
        #expect(DeltaEncoder.encode((0..<800).flatMap { _ in withUnsafeBytes(of: next(), Array.init) }, width: 8, limit: 800 * 8 * 9 / 10) == nil)
    }

    @Test func statisticsAndEmptyFiles() throws {
        let rows = W.rows(500)
        let reader = try ParquetFileReader(data: Data(try Self.write(rows, ParquetWriteOptions())), name: "stats.parquet")
        let stats = reader.statistics(rowGroup: 0, leaf: 2)
        let longs = rows.compactMap { if case .int(let v) = $0[2] { return v } else { return nil } }
        #expect(stats?.min == withUnsafeBytes(of: longs.min()!.littleEndian, Array.init))
        #expect(stats?.max == withUnsafeBytes(of: longs.max()!.littleEndian, Array.init))
        #expect(stats?.nullCount == 0)
        let empty = try ParquetFileReader(data: Data(try Self.write([], ParquetWriteOptions())), name: "empty.parquet")
        #expect(empty.rowCount == 0)
        #expect(try empty.readAll().reduce(0) { $0 + $1.count } == 0)
    }

    @Test func damagedFilesAreNamedNotCrashed() throws {
        let good = try Self.write(W.rows(400), ParquetWriteOptions())
        func failure(_ bytes: [UInt8]) -> String? {
            do {
                let r = try ParquetFileReader(data: Data(bytes), name: "bad.parquet")
                _ = try r.readAll()
                return nil
            } catch { return "\(error)" }
        }
        #expect(failure(Array(good.prefix(7)))?.contains("bad.parquet") == true)
        #expect(failure(Array(good.dropLast(1)))?.contains("PAR1") == true)
        #expect(failure(Array("PAR1".utf8) + [UInt8](repeating: 0, count: 20) + Array("PAR1".utf8))?.contains("footer") == true)
        // Every single-byte change in the first pages either reads or fails with a message
        // naming the file: none crashes.
        var failures = 0
        for offset in stride(from: 4, to: min(good.count - 8, 3000), by: 7) {
            var bad = good
            bad[offset] ^= 0x5a
            if let m = failure(bad) {
                failures += 1
                #expect(m.contains("bad.parquet"), "\(offset): \(m)")
            }
        }
        #expect(failures > 0)
    }
}

/// Files written by pyarrow (every encoding, data page v1 and v2, legacy list shapes, INT96,
/// milli- and nanosecond timestamps, unsigned ints, decimals as ints and fixed) and by DuckDB,
/// read row for row as pyarrow reads them.
@Suite(.enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
struct ForeignFileTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("write_foreign.py").path

    @Test func pyarrowAndDuckDBFilesRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-foreign-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let manifest = try Fixtures.runPython(Self.script, [dir])
        var checked = 0
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let (file, expectedPath) = (parts[0], parts[1])
            let want = try String(contentsOfFile: expectedPath, encoding: .utf8).split(separator: "\n").map(String.init)
            do {
                let reader = try ParquetFileReader(path: file)
                let got = ReaderTests.rows(of: try reader.readAll(), reader.schema)
                #expect(got.count == want.count, "\(file)")
                if let i = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    Issue.record("\((file as NSString).lastPathComponent) row \(i): ours \(got[i]), pyarrow \(want[i])")
                }
            } catch {
                Issue.record("\((file as NSString).lastPathComponent): \(error)")
            }
            checked += 1
        }
        #expect(checked >= 15, "\(manifest)")
    }
}
