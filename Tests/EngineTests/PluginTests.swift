import Columnar
import Engine
import Foundation
import SQL
import Testing

/// Plug-ins: a C shared library built against movesql_plugin.h (by the test, with the C
/// compiler) loaded with LOAD; its functions run in queries; a wrong ABI version, a refusal,
/// a missing entry point or file are errors naming the library; failures name the function.
@Suite(.serialized)
struct PluginTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Compiles the test plug-in with `flags` into a temporary folder; its path.
    static func build(_ name: String, _ flags: [String] = []) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("movesql-plugins-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = dir + "/lib\(name).so"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["cc", "-shared", "-fPIC", "-O1", "-I", root.appendingPathComponent("Sources/CMoveSQLPlugin/include").path]
            + flags + ["-o", out, root.appendingPathComponent("Tests/EngineTests/Plugins/test_plugin.c").path, "-lm"]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw SQLError(.runtime, "cc failed: " + String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        return out
    }

    func values(_ s: Session, _ sql: String) throws -> [[Value]] {
        guard case .rows(_, let batches)? = try s.execute(sql).last else { return [] }
        return batches.flatMap { b in (0..<b.count).map { b.row($0) } }
    }

    func failure(_ s: Session, _ sql: String) -> String {
        do { _ = try s.execute(sql); return "no error" } catch { return "\(error)" }
    }

    @Test func aPluginsFunctionsRunInQueries() throws {
        let lib = try Self.build("good")
        let s = Session()
        guard case .ok(let message)? = try s.execute("LOAD '\(lib)'").last else { Issue.record("no result"); return }
        #expect(message.contains("c_add(BIGINT, BIGINT) -> BIGINT") && message.contains("c_shout(VARCHAR) -> VARCHAR"), "\(message)")
        #expect(try values(s, "SELECT c_add(1, 2), c_add(NULL, 2), c_shout('héllo'), c_sqrt(16.0)") == [[.int(1003), .null, .string("HéLLO!"), .double(4.0)]])
        #expect(try values(s, "SELECT sum(c_add(i, i)) FROM generate_series(1, 5000) AS g(i)") == [[.hugeint(5000 * 5001 + 5000 * 1000)]])
        #expect(try values(s, "SELECT c_shout(s) FROM (VALUES ('a'), (NULL), ('bc')) AS t(s)") == [[.string("A!")], [.null], [.string("BC!")]])
        let root = failure(s, "SELECT c_sqrt(x) FROM (VALUES (4.0), (-1.0)) AS t(x)")
        #expect(root.contains("function c_sqrt (from \(lib)) failed: the square root of -1 at row 2"), "\(root)")
        #expect(failure(s, "SELECT c_liar(1)").contains("appended a VARCHAR to a INTEGER result"))
        #expect(failure(s, "SELECT c_add('x', 1)").contains("no function c_add"))
        let shown = try values(s, "SHOW FUNCTIONS")
        #expect(shown.contains([.string("c_sqrt"), .string("scalar"), .string("c_sqrt(DOUBLE) -> DOUBLE")]))
    }

    @Test func refusedPluginsRegisterNothing() throws {
        let s = Session()
        let other = try Self.build("abi99", ["-DMOVESQL_PLUGIN_ABI_VERSION=99"])
        let version = failure(s, "LOAD '\(other)'")
        #expect(version.contains("built for plug-in ABI version 99; this movesql speaks version 1"), "\(version)")
        let refusing = try Self.build("refuse", ["-DREFUSE"])
        #expect(failure(s, "LOAD '\(refusing)'").contains("the test plug-in refuses to load"))
        #expect(failure(s, "SELECT c_add(1, 2)").contains("no function named c_add"))
        #expect(failure(s, "LOAD '/nonexistent/libnothing.so'").contains("/nonexistent/libnothing.so"))
        #expect(failure(s, "LOAD '/lib/x86_64-linux-gnu/libm.so.6'").contains("no movesql_plugin_init") || !FileManager.default.fileExists(atPath: "/lib/x86_64-linux-gnu/libm.so.6"))
        #expect(failure(s, "LOAD 42").contains("LOAD takes the plug-in's path"))
    }
}
