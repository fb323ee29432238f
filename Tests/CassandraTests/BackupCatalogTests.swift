@testable import Cassandra
import Foundation
import JSON
import ObjectStore
import Testing

/// Backups found and judged as backup-layout.md says, on backups made by `backup write`.
struct BackupCatalogTests {
    static func catalog(_ w: BackupWriterTests.Written) -> BackupCatalog {
        BackupCatalog(store: LocalFolderStore(root: w.root.appendingPathComponent("out").path))
    }

    @Test func findsNodesStartAndCompleteness() throws {
        let w = try BackupWriterTests.write(BackupWriterTests.lines, backup: "20261130T0000")
        defer { try? FileManager.default.removeItem(at: w.root) }
        let backups = try Self.catalog(w).backups()
        #expect(backups.count == 1)
        let b = try #require(backups.first)
        #expect(b.name == "20261130T0000" && b.isComplete && b.started == 1_795_996_800)
        #expect(b.expectedNodes == ["far.example.com", "n1.example.com", "n2.example.com", "n3.example.com"])
        #expect(b.nodes.allSatisfy { $0.isComplete && ($0.finished ?? 0) >= $0.started })
        let manifest = try Self.catalog(w).manifest(of: b.nodes.first { $0.fqdn == "n1.example.com" }!)
        #expect(manifest.count == 4 && manifest.contains { $0.table == "kv" && $0.tableID == "5d9e8f40a0b111eeb9d3a1b2c3d4e5f6" })
        #expect(try Self.catalog(w).verify(b).isEmpty)
        #expect(try Self.catalog(w).schemaText(of: b.nodes[0]) == BackupWriterTests.schema)
    }

    @Test func ordersByStartAndPicksAsOf() throws {
        // Names that sort the other way round from their start times.
        let w = try BackupWriterTests.write(Array(BackupWriterTests.lines.prefix(3)), backup: "zz-first", started: 1_795_996_800)
        defer { try? FileManager.default.removeItem(at: w.root) }
        _ = try BackupWriterTests.write(Array(BackupWriterTests.lines.prefix(3)), into: w.root, backup: "aa-second", started: 1_796_083_200)
        let c = Self.catalog(w)
        #expect(try c.backups().map(\.name) == ["zz-first", "aa-second"])
        #expect(try c.latestComplete()?.name == "aa-second")
        #expect(try c.latestComplete(asOf: 1_796_000_000)?.name == "zz-first")
        #expect(try c.latestComplete(asOf: 1_795_996_800)?.name == "zz-first", "at or before")
        #expect(try c.latestComplete(asOf: 1_700_000_000) == nil)
        // A node's manifest missing: that backup is incomplete and AS OF passes over it.
        try FileManager.default.removeItem(at: w.root.appendingPathComponent("out/n2.example.com/aa-second/meta/manifest.json"))
        let second = try #require(try c.backup(named: "aa-second"))
        #expect(!second.isComplete && second.missingNodes == ["n2.example.com"])
        #expect(try c.latestComplete()?.name == "zz-first")
        // A node the token maps name with no node backup at all.
        try FileManager.default.removeItem(at: w.root.appendingPathComponent("out/n3.example.com/zz-first"))
        #expect(try c.backup(named: "zz-first")?.missingNodes == ["n3.example.com"])
        #expect(try c.latestComplete() == nil)
    }

    @Test func deepVerificationNamesTheObject() throws {
        let w = try BackupWriterTests.write(BackupWriterTests.lines, backup: "b")
        defer { try? FileManager.default.removeItem(at: w.root) }
        let c = Self.catalog(w)
        let b = try #require(try c.latestComplete())
        let folder = "n1.example.com/data/ks/\(w.writer.tableFolders["ks.users"]!)"
        let out = w.root.appendingPathComponent("out")
        func resize(_ name: String, by delta: Int) throws {
            let url = out.appendingPathComponent("\(folder)/\(name)")
            var data = try Data(contentsOf: url)
            if delta > 0 { data.append(Data(count: delta)) } else { data.removeLast(-delta) }
            try data.write(to: url)
        }
        // Components Cassandra may rewrite after the manifest: warnings.
        try resize("nb-1-big-Statistics.db", by: 7)
        try FileManager.default.removeItem(at: out.appendingPathComponent("\(folder)/nb-1-big-Summary.db"))
        let warnings = try c.verify(b)
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.object.hasSuffix("\(folder)/nb-1-big-Statistics.db") && $0.message.contains("manifest") })
        // Data: an error naming the object and both sizes.
        try resize("nb-2-big-Data.db", by: -3)
        do {
            _ = try c.verify(b)
            Issue.record("no error for a truncated Data.db")
        } catch let e as BackupCatalog.LayoutError {
            #expect(e.location.hasSuffix("\(folder)/nb-2-big-Data.db") && e.message.contains("manifest of b says"), "\(e)")
        }
        try FileManager.default.removeItem(at: out.appendingPathComponent("\(folder)/nb-2-big-Data.db"))
        #expect(throws: BackupCatalog.LayoutError.self) { try c.verify(b) }
    }

    @Test func manifestSizesMayBeStrings() throws {
        let w = try BackupWriterTests.write(Array(BackupWriterTests.lines.prefix(1)), backup: "b")
        defer { try? FileManager.default.removeItem(at: w.root) }
        let url = w.root.appendingPathComponent("out/n1.example.com/b/meta/manifest.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        // "size":123 → "size":"123", as some Medusa versions write it.
        var rewritten = ""
        var rest = text[...]
        while let r = rest.firstRange(of: "\"size\":") {
            rewritten += rest[..<r.upperBound] + "\""
            rest = rest[r.upperBound...]
            let digits = rest.prefix { $0.isNumber }
            rewritten += digits + "\""
            rest = rest.dropFirst(digits.count)
        }
        text = rewritten + rest
        try text.write(to: url, atomically: true, encoding: .utf8)
        let c = Self.catalog(w)
        let b = try #require(try c.latestComplete())
        let n1 = try c.manifest(of: b.nodes.first { $0.fqdn == "n1.example.com" }!)
        #expect(n1.flatMap(\.objects).allSatisfy { $0.size > 0 } && !n1.flatMap(\.objects).isEmpty)
        #expect(try c.verify(b).isEmpty)
    }
}
