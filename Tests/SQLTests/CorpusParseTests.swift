import Foundation
import SQL
import Testing

/// The parser accepts every statement of the shared sqllogictest corpus that the corpus
/// expects to succeed (`statement ok` and `query` records).
@Suite("Parser on the sqllogic corpus")
struct CorpusParseTests {
    static var corpus: URL? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let env = ProcessInfo.processInfo.environment
        let shared = env["MOVESQL_SHARED"].map { URL(fileURLWithPath: $0) } ?? root.deletingLastPathComponent().appendingPathComponent("shared")
        let dir = shared.appendingPathComponent("sqllogic")
        return FileManager.default.fileExists(atPath: dir.path) ? dir : nil
    }

    /// (file, line, sql) of every record that must parse.
    static func records() throws -> [(String, Int, String)] {
        guard let dir = corpus else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { throw CorpusError("../shared/sqllogic is missing in CI") }
            print("note: ../shared/sqllogic not found; corpus parse test skipped")
            return []
        }
        var out: [(String, Int, String)] = []
        let e = FileManager.default.enumerator(atPath: dir.path)
        while let f = e?.nextObject() as? String {
            guard f.hasSuffix(".test") || f.hasSuffix(".slt") else { continue }
            let lines = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8).components(separatedBy: "\n")
            var i = 0
            while i < lines.count {
                let l = lines[i]
                if l.hasPrefix("statement ok") || l.hasPrefix("query ") {
                    let start = i + 2
                    var sql: [String] = []
                    i += 1
                    while i < lines.count, !lines[i].hasPrefix("----"), !lines[i].trimmingCharacters(in: .whitespaces).isEmpty {
                        sql.append(lines[i])
                        i += 1
                    }
                    out.append((f, start, sql.joined(separator: "\n")))
                }
                i += 1
            }
        }
        return out
    }

    @Test func everyExpectedStatementParses() throws {
        let all = try Self.records()
        var failures: [String] = []
        for (file, line, sql) in all {
            do { _ = try Parser.parse(sql) } catch let e as SQLError {
                failures.append("\(file):\(line): \(e.render(source: sql))")
            }
        }
        let report = "\(failures.count) of \(all.count) records do not parse:\n" + failures.prefix(40).joined(separator: "\n")
        #expect(failures.isEmpty, Comment(rawValue: report))
    }
}

struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
