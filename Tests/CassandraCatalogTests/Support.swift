@testable import Cassandra
@testable import CassandraCatalog
import Columnar
import Engine
import Foundation
import JSON
import ObjectStore
import SQL
import Testing

/// Backups made for a test, in a temporary folder removed at the end.
struct TempDir {
    let url: URL
    init() throws {
        url = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                          appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true)
    }
    var path: String { url.path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

enum SQLRun {
    /// A session with `folder` as its `cassandra` catalog.
    static func session(_ folder: String) throws -> Session {
        let s = Session()
        try CassandraCatalog.install(in: s, folder: folder, environment: [:])
        return s
    }

    /// The rows of the last statement of `sql`.
    static func rows(_ session: Session, _ sql: String) throws -> [[Value]] {
        guard case .rows(_, let batches)? = try session.execute(sql).last else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.row($0) } }
    }

    static func text(_ session: Session, _ sql: String) throws -> String {
        try rows(session, sql).map { $0.map { ValueText.render($0) }.joined(separator: "|") }.joined(separator: "\n")
    }

    /// Expected rows (the fixture JSON encoding, one object per line) as engine values: each
    /// value encoded as Cassandra stores it, decoded, then mapped as the catalog maps it.
    static func expectedRows(_ lines: [String], _ table: TableSchema, mapping: CQLTypeMapping) throws -> [[Value]] {
        let byName = Dictionary(table.allColumns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return try lines.map { line in
            let json = try JSONParser.parse(Array(line.utf8))
            return try table.displayOrder.map { name in
                let def = byName[name]!
                guard let v = json[name] else { return .null }
                if case .null = v { return .null }
                let type: CQLType = def.type.isCounter ? .bigint : def.type
                return try mapping.value(try ValueDecoder.decode(try ValueEncoder.encode(v, as: type), as: type), type)
            }
        }
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
