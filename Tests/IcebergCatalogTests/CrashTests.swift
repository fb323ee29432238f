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

/// The movesql binary the tests run as separate processes (built by `make test`).
enum Binary {
    static var path: String? {
        if let p = ProcessInfo.processInfo.environment["MOVESQL_BIN"] { return p }
        let p = Fixtures.repositoryRoot.appendingPathComponent(".build/debug/movesql").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }
    static var available: Bool { path != nil || Fixtures.isCI }
    static let skipReason: Comment = "needs .build/debug/movesql (make test builds it; or set MOVESQL_BIN); CI always runs it"

    static func process(_ arguments: [String], fault: String? = nil) throws -> (Process, Pipe, Pipe) {
        guard let path else { throw FixtureError("no movesql binary: run `swift build` (make test does) or set MOVESQL_BIN") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MOVESQL_FAULT"] = fault
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs the `commands` at once, each held at the commit point so that they race; all must
    /// succeed. Returns what they wrote to standard error (their notes).
    static func race(_ commands: [[String]]) throws -> String {
        let started = try commands.map { try process($0, fault: "iceberg.commit.before-swap:delay=700") }
        var notes = ""
        for (p, _, err) in started {
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(e)")
            notes += e
        }
        return notes
    }

    static func run(_ arguments: [String], fault: String? = nil) throws -> (status: Int32, reason: Process.TerminationReason, out: String, err: String) {
        let (p, out, err) = try process(arguments, fault: fault)
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, p.terminationReason, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// Writes killed with SIGKILL (mid-write, at the commit point) leave the table at its previous
/// snapshot, readable, with the dead write's files listed as orphans; two processes
/// inserting at once both land, nothing lost.
@Suite(.serialized, .enabled(if: Binary.available, Binary.skipReason))
struct CrashTests {
    static func table(_ dir: Scratch) throws -> (wh: String, session: Session, snapshot: Int64) {
        let wh = dir.path + "/wh"
        let session = try icebergSession(wh)
        _ = try session.execute("""
            CREATE SCHEMA iceberg.c;
            CREATE TABLE iceberg.c.t WITH (write.target-file-size-bytes = 200000) AS
              SELECT i AS id, 'row ' || i AS name FROM generate_series(1, 1000) AS g(i)
            """)
        guard case .int(let s) = try rows(session, "SELECT snapshot_id FROM iceberg.c.\"t$snapshots\"").rows.first?.first else {
            throw FixtureError("no first snapshot")
        }
        return (wh, session, s)
    }

    /// The table as a new process's reader sees it: snapshots and rows.
    static func state(_ wh: String) throws -> (snapshots: [Int64], count: Int64, distinct: Int64) {
        let fresh = try icebergSession(wh)
        let snaps = try rows(fresh, "SELECT snapshot_id FROM iceberg.c.\"t$snapshots\" ORDER BY sequence_number").rows.compactMap { r -> Int64? in
            if case .int(let v) = r[0] { return v } else { return nil }
        }
        let r = try rows(fresh, "SELECT count(*), count(DISTINCT id) FROM iceberg.c.t").rows
        guard case .int(let n)? = r.first?[0], case .int(let d)? = r.first?[1] else { throw FixtureError("no count") }
        return (snaps, n, d)
    }

    static func orphans(_ wh: String, delete: Bool = false) throws -> [String] {
        let r = try Binary.run(["iceberg", "orphans", "c.t", "--warehouse", wh, "--older-than", "0"] + (delete ? ["--delete"] : []))
        #expect(r.status == 0, "\(r.err)")
        return r.out.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
    }

    static let bigInsert = "INSERT INTO iceberg.c.t SELECT i + 1000000 AS id, 'killed ' || i FROM generate_series(1, 300000000) AS g(i)"

    @Test func killedMidWriteLeavesThePreviousSnapshot() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let (wh, _, first) = try Self.table(dir)
        let data = wh + "/c/t/data"
        let before = try FileManager.default.contentsOfDirectory(atPath: data).count
        let (p, _, _) = try Binary.process(["--warehouse", wh, "-e", Self.bigInsert])
        // Kill it once it has closed some files of its own and is writing more.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, p.isRunning, try FileManager.default.contentsOfDirectory(atPath: data).count < before + 3 { usleep(20_000) }
        #expect(p.isRunning, "the insert ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let after = try Self.state(wh)
        #expect(after.snapshots == [first] && after.count == 1000 && after.distinct == 1000)
        if Fixtures.pythonAvailable {
            let out = try JSONParser.parse(try Fixtures.runPython(PartitionedTableTests.script, [wh + "/catalog.db", wh, "c.t"]))
            #expect(out["rows"] == .int(1000), "pyiceberg: \(out.text)")
        }
        let orphans = try Self.orphans(wh)
        #expect(orphans.count >= 3 && orphans.allSatisfy { $0.hasPrefix(data + "/") }, "\(orphans)")
        #expect(try Self.orphans(wh, delete: true).count == orphans.count)
        #expect(try Self.orphans(wh).isEmpty)
        // The table takes writes again, and still reads its rows.
        let r = try Binary.run(["--warehouse", wh, "-e", "INSERT INTO iceberg.c.t SELECT i + 5000 AS id, 'again' FROM generate_series(1, 10) AS g(i)"])
        #expect(r.status == 0, "\(r.err)")
        #expect(try Self.state(wh).count == 1010)
    }

    @Test(arguments: ["iceberg.write.file-closed", "iceberg.commit.before-swap"])
    func killedAtACrashPoint(_ point: String) throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let (wh, _, first) = try Self.table(dir)
        let r = try Binary.run(["--warehouse", wh, "-e", "INSERT INTO iceberg.c.t SELECT i + 2000 AS id, 'doomed' FROM generate_series(1, 50000) AS g(i)"], fault: point)
        #expect(r.reason == .uncaughtSignal && r.status == SIGKILL, "\(point): \(r.status) \(r.err)")
        let after = try Self.state(wh)
        #expect(after.snapshots == [first] && after.count == 1000, "\(point)")
        let orphans = try Self.orphans(wh)
        #expect(!orphans.isEmpty)
        if point == "iceberg.commit.before-swap" {
            // Everything the commit wrote before the swap: data files, manifest, list, metadata.
            #expect(orphans.contains { $0.hasSuffix(".metadata.json") } && orphans.contains { $0.contains("/metadata/snap-") }, "\(orphans)")
        }
        _ = try Self.orphans(wh, delete: true)
        #expect(try Self.state(wh).count == 1000)
    }

    @Test func twoProcessesInsertAtOnce() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let (wh, _, first) = try Self.table(dir)
        // Each waits at the commit point, so both build on the same base and one must retry.
        let notes = try Binary.race([
            ["--warehouse", wh, "-e", "INSERT INTO iceberg.c.t SELECT i + 10000 AS id, 'a' FROM generate_series(1, 5000) AS g(i)"],
            ["--warehouse", wh, "-e", "INSERT INTO iceberg.c.t SELECT i + 20000 AS id, 'b' FROM generate_series(1, 7000) AS g(i)"],
        ])
        #expect(notes.contains("rebuilt on 1 concurrent commit that landed first"), "the commits did not race: \(notes)")
        let after = try Self.state(wh)
        #expect(after.snapshots.count == 3 && after.snapshots.first == first)
        #expect(after.count == 13000 && after.distinct == 13000)
        let fresh = try icebergSession(wh)
        #expect(try rows(fresh, "SELECT sequence_number FROM iceberg.c.\"t$snapshots\" ORDER BY sequence_number").rows == [[.int(1)], [.int(2)], [.int(3)]])
        // The loser's first attempt removed what it wrote: nothing is orphaned.
        #expect(try Self.orphans(wh).isEmpty)
    }
}
