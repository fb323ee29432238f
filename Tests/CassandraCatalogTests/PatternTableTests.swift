import Cassandra
import CassandraCatalog
import Columnar
import Engine
import FixtureSupport
import Foundation
import SQL
import Testing

/// `cassandra.ks."pattern"`: the matching tables of one backup read as one table, each row
/// saying which table it came from; `backup_source()."table"` filters read only the tables
/// they keep.
struct PatternTableTests {
    @Test func matchingTablesReadAsOne() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try BackupTableTests.synth(dir) { o in
            o.families = [.types, .ts]
            o.sizeMB = 1
        }
        let s = try SQLRun.session(dir.path + "/backups")
        let slices = ["data_20261125", "data_20261127", "data_20261128"]
        var counts: [String: Int64] = [:]
        for t in slices {
            guard case .int(let n)? = try SQLRun.rows(s, "SELECT count(*) FROM cassandra.ts.\(t)").first?.first else { Issue.record("no count"); return }
            counts[t] = n
        }
        #expect(counts.values.allSatisfy { $0 > 0 })
        // Every slice table, not the wide_ copy (wide_data_… does not start with data_).
        let union = try SQLRun.rows(s, #"SELECT backup_source()."table", count(*) FROM cassandra.ts."data_*" GROUP BY 1 ORDER BY 1"#)
        #expect(union == slices.map { [.string($0), .int(counts[$0]!)] }, "\(union)")
        // ? is one character; * any run; names match without regard to case.
        #expect(try SQLRun.rows(s, #"SELECT count(*) FROM cassandra.ts."DATA_2026112?""#) == [[.int(counts["data_20261125"]! + counts["data_20261127"]! + counts["data_20261128"]!)]])
        #expect(try SQLRun.rows(s, #"SELECT count(*) FROM cassandra.ts."*data_*""#).first?.first != .int(0))
        // Filters on the table keep the others unread.
        let one = try SQLRun.text(s, #"EXPLAIN SELECT count(*) FROM cassandra.ts."data_*" WHERE backup_source()."table" = 'data_20261127'"#)
        #expect(one.contains(#"backup_source()."table" filter: 1 of 3 tables read (data_20261127)"#), "\(one)")
        #expect(!one.contains("data_20261125:"), "the other members are not planned: \(one)")
        #expect(try SQLRun.rows(s, #"SELECT count(*) FROM cassandra.ts."data_*" WHERE backup_source()."table" = 'data_20261127'"#) == [[.int(counts["data_20261127"]!)]])
        #expect(try SQLRun.rows(s, #"SELECT count(*) FROM cassandra.ts."data_*" WHERE backup_source()."table" NOT IN ('data_20261127', 'data_20261128')"#) == [[.int(counts["data_20261125"]!)]])
        #expect(try SQLRun.rows(s, #"SELECT count(*) FROM cassandra.ts."data_*" WHERE backup_source()."table" = 'nope'"#) == [[.int(0)]])
        // Tables of different columns do not make one table; no match is an error naming the tables.
        #expect(throws: SQLError.self) { try s.execute(#"SELECT * FROM cassandra.synth."*""#) }
        do {
            _ = try s.execute(#"SELECT * FROM cassandra.ts."nope_*""#)
            Issue.record("no error")
        } catch let e as SQLError {
            #expect(e.message.contains("no table of backup 20261130T0000 matches") && e.message.contains("time_slice_metadata"), "\(e.message)")
        }
    }
}
