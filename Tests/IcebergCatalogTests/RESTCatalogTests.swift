import Columnar
import Engine
import FixtureSupport
import Foundation
import IcebergCatalog
import JSON
import SQL
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The REST catalog client against a REST server over pyiceberg's SqlCatalog (which checks each
/// commit's requirements): SQL through `ATTACH 'http://…' (TYPE iceberg)`, pyiceberg's own REST
/// client reading and appending to the same tables, and two processes committing at once.
@Suite(.serialized, .enabled(if: Fixtures.pythonAvailable, Fixtures.pythonSkipReason))
struct RESTCatalogTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Starts the server on a free port; returns it and its URL.
    static func server(_ dir: Scratch) throws -> (Process, String) {
        guard let python = Fixtures.python else { throw FixtureError("no interop Python") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [here.appendingPathComponent("rest_server.py").path, dir.path + "/rest-catalog.db", dir.path + "/rest-warehouse"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { throw FixtureError("the REST server exited before it listened") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: "\n").first?.split(separator: " ").last else { throw FixtureError("REST server said \(text)") }
        return (p, "http://127.0.0.1:\(port)")
    }

    /// SIGKILL, not terminate(): the test process's blocked signals are inherited, and a
    /// blocked SIGTERM would leave the server running.
    static func stop(_ p: Process) {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    static let source = "SELECT i AS id, 'row ' || i AS s FROM generate_series(1, 500) AS g(i)"

    @Test func sqlThroughTheRESTCatalog() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let (server, url) = try Self.server(dir)
        defer { Self.stop(server) }
        let session = Session()
        session.catalogTypes["iceberg"] = IcebergCatalog.factory
        _ = try session.execute("ATTACH '\(url)' AS rest (TYPE iceberg)")
        _ = try session.execute("""
            CREATE SCHEMA rest.demo;
            CREATE TABLE rest.demo.t PARTITIONED BY (bucket(4, id)) AS \(Self.source) WHERE i <= 300;
            INSERT INTO rest.demo.t SELECT * FROM (\(Self.source)) AS r WHERE id > 300
            """)
        #expect(try canonical(session, "SELECT * FROM rest.demo.t") == canonical(session, Self.source))
        #expect(try rows(session, "SHOW TABLES").rows.contains([.string("rest.demo.t")]))
        // The server wrote the metadata; the table's files are where its location says.
        let (_, snaps) = try rows(session, "SELECT snapshot_id, operation FROM rest.demo.\"t$snapshots\" ORDER BY sequence_number")
        #expect(snaps.map { $0[1] } == [.string("append"), .string("append")])
        #expect(FileManager.default.fileExists(atPath: dir.path + "/rest-warehouse/demo/t/data"))
        // pyiceberg's own REST client reads the same rows, appends, and we read its snapshot.
        let client = Self.here.appendingPathComponent("rest_client.py").path
        let theirs = try Fixtures.runPython(client, [url, "demo.t"]).split(separator: "\n").map(String.init).sorted()
        #expect(theirs == (try canonical(session, Self.source)))
        _ = try Fixtures.runPython(client, [url, "demo.t", "append"])
        #expect(try rows(session, "SELECT count(*) FROM rest.demo.t WHERE id >= 9000").rows == [[.int(3)]])
        // Overwrite, and time travel to the first snapshot.
        _ = try session.execute("INSERT OVERWRITE rest.demo.t SELECT * FROM (\(Self.source)) AS r WHERE id % 10 = 0")
        #expect(try rows(session, "SELECT count(*) FROM rest.demo.t").rows == [[.int(50)]])
        guard case .int(let first) = snaps[0][0] else { return }
        #expect(try rows(session, "SELECT count(*) FROM rest.demo.t FOR VERSION AS OF \(first)").rows == [[.int(300)]])
        let after = try Fixtures.runPython(client, [url, "demo.t"]).split(separator: "\n")
        #expect(after.count == 50)
        // Errors the server gives come back named.
        #expect(throws: SQLError.self) { try session.execute("CREATE TABLE rest.nowhere.t (a INT)") }
        _ = try session.execute("DROP TABLE rest.demo.t")
        #expect(try rows(session, "SHOW TABLES").rows.isEmpty)
    }

    @Test(.enabled(if: Binary.available, Binary.skipReason))
    func twoProcessesCommitThroughREST() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let (server, url) = try Self.server(dir)
        defer { Self.stop(server) }
        let attach = "ATTACH '\(url)' AS rest (TYPE iceberg); "
        let r = try Binary.run(["-e", attach + "CREATE SCHEMA rest.c; CREATE TABLE rest.c.t (id BIGINT, who VARCHAR)"])
        #expect(r.status == 0, "\(r.err)")
        let notes = try Binary.race([
            ["-e", attach + "INSERT INTO rest.c.t SELECT i, 'a' FROM generate_series(1, 4000) AS g(i)"],
            ["-e", attach + "INSERT INTO rest.c.t SELECT i + 10000, 'b' FROM generate_series(1, 6000) AS g(i)"],
        ])
        #expect(notes.contains("rebuilt on 1 concurrent commit that landed first"), "\(notes)")
        let check = try Binary.run(["--format", "csv", "-e", attach + "SELECT count(*), count(DISTINCT id) FROM rest.c.t"])
        #expect(check.out.contains("10000,10000"), "\(check.out) \(check.err)")
    }

    @Test func anUnreachableCatalogIsNamed() throws {
        let session = Session()
        session.catalogTypes["iceberg"] = IcebergCatalog.factory
        do {
            _ = try session.execute("ATTACH 'http://127.0.0.1:9' AS nothing (TYPE iceberg)")
            Issue.record("attached to nothing")
        } catch {
            #expect("\(error)".contains("http://127.0.0.1:9"), "\(error)")
        }
    }
}
