import Columnar
@testable import Engine
import SQL
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// read_csv and read_json: quoting, type inference, NULLs, and errors that name the file.
@Suite("File readers")
struct FileReaderTests {
    static func write(_ text: String, suffix: String) -> String {
        let path = "/tmp/movesql-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))\(suffix)"
        let f = fopen(path, "wb")!
        _ = text.withCString { fputs($0, f) }
        fclose(f)
        return path
    }

    static func rows(_ sql: String) throws -> (schema: [Field], rows: [[Value]]) {
        guard case .rows(let schema, let batches) = try Session().execute(sql).last! else { return ([], []) }
        return (schema, batches.flatMap { b in (0..<b.count).map { b.row($0) } })
    }

    @Test func csvWithQuotesAndInferredTypes() throws {
        let path = Self.write("id,name,score,day\n1,ana,9.5,2025-06-01\n2,\"bo, jr\",,2025-06-02\n3,\"say \"\"hi\"\"\",7,2025-06-03\n", suffix: ".csv")
        defer { unlink(path) }
        let (schema, rows) = try Self.rows("SELECT * FROM read_csv('\(path)') ORDER BY id")
        #expect(schema.map(\.type) == [.bigint, .varchar, .double, .date])
        #expect(rows[1] == [.int(2), .string("bo, jr"), .null, .date(20241)])
        #expect(rows[2][1] == .string("say \"hi\""))
        let (_, noHeader) = try Self.rows("SELECT count(*) FROM read_csv('\(path)', header = false)")
        #expect(noHeader == [[.int(4)]])
    }

    @Test func csvErrorsNameTheFileAndLine() throws {
        let path = Self.write("a,b\n1,2\n3\n", suffix: ".csv")
        defer { unlink(path) }
        do {
            _ = try Self.rows("SELECT * FROM read_csv('\(path)')")
            Issue.record("no error")
        } catch let e as SQLError {
            #expect(e.message.contains(path + ":3"), "\(e)")
        }
        #expect(throws: SQLError.self) { try Self.rows("SELECT * FROM read_csv('/no/such/file.csv')") }
    }

    @Test func jsonLinesAndArrays() throws {
        let lines = Self.write("{\"id\": 1, \"tags\": [\"a\"], \"ok\": true}\n{\"id\": 2, \"name\": \"x\\ny\", \"ok\": null}\n", suffix: ".json")
        defer { unlink(lines) }
        let (schema, rows) = try Self.rows("SELECT id, ok, name, tags FROM read_json('\(lines)') ORDER BY id")
        #expect(schema.map(\.type) == [.bigint, .boolean, .varchar, .varchar])
        #expect(rows == [[.int(1), .bool(true), .null, .string("[\"a\"]")], [.int(2), .null, .string("x\ny"), .null]])
        let array = Self.write("[{\"v\": 1.5}, {\"v\": 2}]", suffix: ".json")
        defer { unlink(array) }
        #expect(try Self.rows("SELECT sum(v) FROM read_json('\(array)')").rows == [[.double(3.5)]])
        let bad = Self.write("{\"v\": }", suffix: ".json")
        defer { unlink(bad) }
        #expect(throws: SQLError.self) { try Self.rows("SELECT * FROM read_json('\(bad)')") }
    }
}
