@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// Bad input stops with an SSTableError naming the file, the offset and what was wrong:
/// truncated files, flipped bytes, missing components, impossible lengths. Fixtures are
/// copied to a temporary folder before anything is changed.
@Suite("Corrupt input", .enabled(if: Fixtures.available, Fixtures.skipReason))
struct CorruptInputTests {
    /// A writable copy of a fixture folder.
    static func copy(_ name: String) throws -> URL {
        let from = try Fixtures.sstableFolder(name)
        let to = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
        for f in try FileManager.default.contentsOfDirectory(atPath: from.path) where f != "expected.json" {
            let dest = to.appendingPathComponent(f)
            try FileManager.default.copyItem(at: from.appendingPathComponent(f), to: dest)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dest.path)
        }
        return to
    }

    static func file(_ dir: URL, _ suffix: String) throws -> URL {
        let name = try #require(try optionalFile(dir, suffix)?.lastPathComponent)
        return dir.appendingPathComponent(name)
    }

    static func optionalFile(_ dir: URL, _ suffix: String) throws -> URL? {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(suffix) }.map { dir.appendingPathComponent($0) }
    }

    /// Removes components and their TOC.txt lines, so the reader reads without those checks.
    static func drop(_ dir: URL, _ components: [String]) throws {
        for c in components {
            if let f = try optionalFile(dir, "-" + c) { try FileManager.default.removeItem(at: f) }
        }
        if let toc = try optionalFile(dir, "-TOC.txt") {
            try modify(toc) { bytes in
                let kept = String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !components.contains(String($0)) }
                bytes = Array((kept.joined(separator: "\n") + "\n").utf8)
            }
        }
    }

    static func modify(_ url: URL, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        change(&bytes)
        try Data(bytes).write(to: url)
    }

    /// Reads every row; returns the error it stops with.
    static func readAll(_ dir: URL, schema: TableSchema? = nil) -> SSTableError? {
        do {
            let rows = try TableReader(path: dir.path, schema: schema).rows(now: nil)
            while try rows.next() != nil {}
            return nil
        } catch let e as SSTableError {
            return e
        } catch {
            Issue.record("not an SSTableError: \(error)")
            return nil
        }
    }

    @Test func truncatedCompressedDataFile() throws {
        let dir = try Self.copy("cassandra-legacy/mc/legacy_mc_clust")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.file(dir, "-Data.db")
        try Self.modify(data) { $0.removeLast($0.count / 3) }
        let e = try #require(Self.readAll(dir))
        #expect(e.file.hasSuffix("-Data.db"))
        #expect(e.kind == .truncated || e.kind == .corrupt)
        #expect(e.offset != nil)
    }

    @Test func flippedByteInCompressedChunk() throws {
        let dir = try Self.copy("scylla/mc/zstd_multiple_chunks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.file(dir, "-Data.db")
        try Self.modify(data) { $0[$0.count / 2] ^= 0x40 }
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .checksumMismatch)
        #expect(e.file.hasSuffix("-Data.db"))
        #expect(e.description.contains("CRC32"))
    }

    @Test func flippedByteInUncompressedDataWithCRC() throws {
        let dir = try Self.copy("sstable-to-arrow/md/baselines.iot")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.modify(try Self.file(dir, "-Data.db")) { $0[100_000] ^= 0x01 }
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .checksumMismatch)
        #expect(e.file.hasSuffix("-Data.db"))
        // The block of CRC.db's chunk size that holds byte 100000.
        let offset = try #require(e.offset)
        #expect(offset <= 100_000 && offset + 65536 > 100_000)
    }

    @Test func truncatedUncompressedDataWithoutChecksums() throws {
        let dir = try Self.copy("scylla/mc/simple")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.drop(dir, ["CRC.db", "Digest.crc32"])
        try Self.modify(try Self.file(dir, "-Data.db")) { $0.removeLast(7) }
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .truncated)
        #expect(e.file.hasSuffix("-Data.db"))
        #expect(e.offset != nil)
    }

    @Test func impossibleValueLength() throws {
        // Text keys are written with a 16-bit length: make the first key claim more bytes than the file has.
        let dir = try Self.copy("scylla/mc/write_static_row")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.drop(dir, ["CRC.db", "Digest.crc32"])
        try Self.modify(try Self.file(dir, "-Data.db")) { $0[0] = 0x7f; $0[1] = 0xff }
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .corrupt)
        #expect(e.offset == 0)
        #expect(e.description.contains("partition key length"))
    }

    @Test func missingStatistics() throws {
        let dir = try Self.copy("scylla/mc/simple")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stats = try Self.file(dir, "-Statistics.db")
        try FileManager.default.removeItem(at: stats)
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .missingComponent)
        #expect(e.file == stats.path)
    }

    @Test func missingDataFileListedInTOC() throws {
        let dir = try Self.copy("scylla/mc/simple")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try Self.file(dir, "-Data.db")
        try FileManager.default.removeItem(at: data)
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .missingComponent)
        #expect(e.file == data.path)
        #expect(e.description.contains("TOC.txt"))
    }

    @Test func flippedByteInChecksummedStatistics() throws {
        let dir = try Self.copy("cassandra-legacy/nb/legacy_nb_simple")
        defer { try? FileManager.default.removeItem(at: dir) }
        let stats = try Self.file(dir, "-Statistics.db")
        try Self.modify(stats) { $0[60] ^= 0x20 }
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .checksumMismatch)
        #expect(e.file == stats.path)
    }

    @Test func compressionInfoPastTheEndOfData() throws {
        let dir = try Self.copy("cassandra-legacy/md/legacy_md_clust")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Cut Data.db inside its last chunk's CRC: the chunk can no longer be verified.
        try Self.modify(try Self.file(dir, "-Data.db")) { $0.removeLast(2) }
        let e = try #require(Self.readAll(dir))
        #expect(e.file.hasSuffix("-Data.db"))
    }

    @Test func version2xIsRejectedClearly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-2x-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data([0]).write(to: dir.appendingPathComponent("ks-tbl-ka-1-Data.db"))
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .unsupportedFormat)
        #expect(e.description.contains("2.x"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("ks-tbl-ka-1-Data.db"))
        try Data([0]).write(to: dir.appendingPathComponent("la-1-big-Data.db"))
        #expect(Self.readAll(dir)?.kind == .unsupportedFormat)
    }

    @Test func sstablesOfDifferentTablesAreRefused() throws {
        let dir = try Self.copy("scylla/mc/simple")
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = try Fixtures.sstableFolder("scylla/mc/compound_ck")
        for f in try FileManager.default.contentsOfDirectory(atPath: other.path) where f.hasPrefix("mc-1-big-") {
            try FileManager.default.copyItem(at: other.appendingPathComponent(f), to: dir.appendingPathComponent(f.replacingOccurrences(of: "mc-1-", with: "mc-2-")))
        }
        let e = try #require(Self.readAll(dir))
        #expect(e.kind == .schema)
        #expect(e.description.contains("not of one table"))
    }

    @Test func cliReportsErrorsAndExitsNonZero() throws {
        let dir = try Self.copy("scylla/me/integrity_invalid_checksums-lz4")
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = try #require(CLI.binary, "the movesql executable next to the test bundle")
        let result = try CLI.run(binary, ["sstable", "dump", "--no-expiry", dir.path])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("error: "))
        #expect(result.stderr.contains("-Data.db"))
        #expect(result.stderr.contains("offset"))
    }
}

/// Runs the movesql executable built beside the tests.
enum CLI {
    static var binary: URL? {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Fixtures.repositoryRoot.appendingPathComponent(".build/debug")]
        for dir in candidates {
            let b = dir.appendingPathComponent("movesql")
            if FileManager.default.isExecutableFile(atPath: b.path) { return b }
        }
        return nil
    }

    static func run(_ binary: URL, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
