import ArgumentParser
import CassandraCatalog
import IcebergCatalog
import Columnar
import Engine
import SQL
#if canImport(Glibc)
import Glibc
#endif

struct MoveSQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "movesql",
        abstract: "Move Apache Cassandra data out of backups into Apache Iceberg tables with SQL.",
        discussion: """
        With -e or --script, runs SQL in one session and prints each query's result; with \
        neither, reads SQL from standard input, or, at a terminal, starts an interactive prompt \
        (history in ~/.movesql_history). `movesql connector …` moves a data model (Key-Value, \
        Time-Series) with its connector; `movesql sstable …` reads and writes SSTables directly; \
        `movesql backup …` makes backups; `movesql iceberg …` maintains Iceberg tables.
        """,
        subcommands: [SSTableCommand.self, BackupCommand.self, IcebergCommand.self, ConnectorCommand.self]
    )

    @Option(name: .short, help: ArgumentHelp("Run this SQL (one or more statements).", valueName: "SQL"))
    var execute: String?

    @Option(name: .customLong("script"), help: ArgumentHelp("Run the statements of this file.", valueName: "FILE"))
    var script: String?

    @Option(name: .customLong("format"), help: "Output format: table, csv, tsv, json, jsonl, markdown, or slt (the sqllogictest protocol).")
    var format: OutputFormat = .table

    @Flag(name: .customLong("timing"), help: "Print how long each statement took (to stderr).")
    var timing = false

    @OptionGroup var sessionOptions: SessionOptions

    @Option(name: [.customShort("D"), .customLong("define")], help: ArgumentHelp("A value for ${name} in -e and --script text (name=value); repeatable.", valueName: "NAME=VALUE"))
    var defines: [String] = []

    func makeSession() throws -> Session { try sessionOptions.makeSession() }

    func validate() throws {
        if execute != nil && script != nil { throw ValidationError("-e and --script exclude each other") }
    }

    /// The text with its `${name}` parameters replaced by `-D` values.
    func parameterized(_ text: String, source: String) throws -> String {
        do { return try ScriptParameters.substitute(text, try ScriptParameters.parse(defines)) } catch let e as SQLError {
            writeStandardError("error: \(source): " + e.render(source: text) + "\n")
            throw ExitCode(1)
        }
    }

    func run() throws {
        let text: String
        if let execute {
            text = try parameterized(execute, source: "-e")
        } else if let script {
            guard let bytes = readFile(script) else {
                writeStandardError("error: cannot read \(script)\n")
                throw ExitCode(1)
            }
            text = try parameterized(String(decoding: bytes, as: UTF8.self), source: script)
        } else if isatty(0) != 0 {
            REPL.run(session: try makeSession(), format: format)
            return
        } else {
            text = readStandardInput()
        }
        let session = try makeSession()
        var out = OutputBuffer()
        if format == .slt {
            SLTRunner.run(text, session: session, out: &out)
            out.flush()
            return
        }
        var failed = false
        for (statement, start) in Parser.statements(text) {
            let started = monotonicSeconds()
            do {
                let results = try session.execute(statement)
                for result in results { ResultPrinter.print(result, format: format, to: &out) }
                // Jobs that write say what they read: which backup, which reference time.
                let notes = session.notes.drain()
                if results.contains(where: { if case .ok = $0 { return true } else { return false } }) {
                    out.flush()
                    for n in notes { writeStandardError("note: \(n)\n") }
                }
            } catch let e as SQLError {
                out.flush()
                for w in session.warnings.drain() { writeStandardError("warning: \(w)\n") }
                // Where it is in the whole text: the script's line, not the statement's.
                writeStandardError("error: " + (script.map { "\($0): " } ?? "") + e.located(in: start).render(source: text) + "\n")
                failed = true
                break
            }
            for w in session.warnings.drain() { writeStandardError("warning: \(w)\n") }
            if timing { writeStandardError(String(format3(monotonicSeconds() - started)) + " s\n") }
        }
        out.flush()
        if failed { throw ExitCode(1) }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, tsv, json, jsonl, markdown, slt
}

struct SSTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sstable",
        _superCommandName: "movesql",
        abstract: "Inspect Cassandra SSTable files directly.",
        subcommands: [SSTableDump.self, SSTableDescribe.self, SSTableRewrite.self]
    )
}

func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

func readStandardInput() -> String {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(0, &buf, buf.count)
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func format3(_ d: Double) -> String {
    let ms = Int((d * 1000).rounded())
    return "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000)"
}

/// Where a session's catalogs and functions come from: shared by the SQL runner and the
/// commands that run SQL (`connector run`).
struct SessionOptions: ParsableArguments {
    @Option(name: .customLong("backups"), help: ArgumentHelp("The folder of the default cassandra catalog (default: $MOVESQL_BACKUPS, else ./backups).", valueName: "DIR"))
    var backups: String?

    @OptionGroup var warehouseOption: WarehouseOption
    var warehouse: String? { warehouseOption.warehouse }

    @Option(name: .customLong("load"), help: ArgumentHelp("Load a plug-in's functions (a shared library built against movesql_plugin.h); repeatable.", valueName: "LIB"))
    var plugins: [String] = []

    @Option(name: .customLong("init"), help: ArgumentHelp("SQL run before anything else, e.g. ATTACH and SET statements (default: $MOVESQL_INIT).", valueName: "FILE"))
    var initFile: String?

    /// A session with the default catalogs attached and the init file run.
    func makeSession() throws -> Session {
        let session = Session()
        var env: [String: String] = [:]
        if let v = getenv("MOVESQL_BACKUPS") { env["MOVESQL_BACKUPS"] = String(cString: v) }
        try CassandraCatalog.install(in: session, folder: backups, environment: env)
        try IcebergCatalog.install(in: session, warehouse: warehouse, environment: env)
        try MoveSQLCommandLine.setup?(session)
        for plugin in plugins {
            do { try PluginLoader.load(plugin, into: session.registry) } catch let e as SQLError {
                writeStandardError("error: \(e.message)\n")
                throw ExitCode(1)
            }
        }
        if let path = initFile ?? getenv("MOVESQL_INIT").map({ String(cString: $0) }) {
            guard let bytes = readFile(path) else {
                writeStandardError("error: cannot read the init file \(path)\n")
                throw ExitCode(1)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            for (statement, start) in Parser.statements(text) {
                do { _ = try session.execute(statement) } catch let e as SQLError {
                    writeStandardError("error: \(path): " + e.located(in: start).render(source: text) + "\n")
                    throw ExitCode(1)
                }
            }
        }
        return session
    }
}
