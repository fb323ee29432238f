import Foundation
import Testing

/// Where the shared fixtures are: `MOVESQL_SHARED`, else `../shared` beside the checkout.
/// In CI (CI=true) they must exist; elsewhere tests that need them are skipped, saying so.
public enum Fixtures {
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var shared: URL? {
        let env = ProcessInfo.processInfo.environment
        let url = env["MOVESQL_SHARED"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("fixtures/sstables").path, isDirectory: &isDir), isDir.boolValue {
            return url
        }
        return nil
    }

    /// A Python with the interop readers (pyarrow, …): `MOVESQL_PYTHON`, else the venv that
    /// `make test` makes (`.venv-test`). Nil when neither exists (CI always has it).
    public static var python: String? {
        if let p = ProcessInfo.processInfo.environment["MOVESQL_PYTHON"] { return p }
        let venv = repositoryRoot.appendingPathComponent(".venv-test/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }
    public static var pythonAvailable: Bool { python != nil || isCI }
    public static let pythonSkipReason: Comment = "needs the interop venv (make test makes .venv-test; or set MOVESQL_PYTHON); CI always runs it"

    /// Runs `script` with the interop Python; returns its standard output, throwing with its
    /// standard error when it fails.
    public static func runPython(_ script: String, _ arguments: [String]) throws -> String {
        guard let python else { throw FixtureError("no interop Python: run `make test` (it makes .venv-test) or set MOVESQL_PYTHON") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw FixtureError("\(script) failed (\(p.terminationStatus)): \(String(decoding: e, as: UTF8.self))")
        }
        return String(decoding: o, as: UTF8.self)
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Whether tests that name fixtures run: always in CI (where a missing ../shared fails
    /// them), elsewhere only when ../shared is there; otherwise they are skipped with
    /// `skipReason` shown.
    public static var available: Bool { shared != nil || isCI }
    public static let skipReason: Comment = "needs ../shared/fixtures (set MOVESQL_SHARED); CI always runs it"

    /// The SSTable fixture folders (each holds an expected.json), relative to fixtures/sstables.
    public static var sstableTables: [String] {
        guard let root = shared?.appendingPathComponent("fixtures/sstables") else {
            if isCI { return ["<missing ../shared: CI must have it>"] }
            print("note: ../shared/fixtures not found; fixture tests skipped (set MOVESQL_SHARED to run them)")
            return []
        }
        let e = FileManager.default.enumerator(atPath: root.path)
        var found: [String] = []
        while let p = e?.nextObject() as? String {
            if p.hasSuffix("/expected.json") { found.append(String(p.dropLast("/expected.json".count))) }
        }
        return found.sorted()
    }

    public static func sstableFolder(_ name: String) throws -> URL {
        guard let s = shared else {
            throw FixtureError("../shared/fixtures is missing (CI=\(isCI)); cannot read \(name)")
        }
        return s.appendingPathComponent("fixtures/sstables").appendingPathComponent(name)
    }

    public static func expected(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try sstableFolder(name).appendingPathComponent("expected.json"))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("\(name)/expected.json is not an object")
        }
        return obj
    }

    /// Rows of an expected.json, expanded by the Python helper when given as a generator.
    public static func expectedRows(_ name: String) throws -> (rows: [[Any]]?, ordered: Bool) {
        let script = repositoryRoot.appendingPathComponent("Tests/CassandraTests/Support/expand_rows.py")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, try sstableFolder(name).appendingPathComponent("expected.json").path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("expand_rows.py failed for \(name)")
        }
        return (obj["rows"] as? [[Any]], obj["ordered"] as? Bool ?? false)
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
