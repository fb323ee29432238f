import ArgumentParser
import CassandraCatalog
import Connectors
import Engine
import JSON
import SQL

struct ConnectorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connector",
        _superCommandName: "movesql",
        abstract: "Move a data model (Key-Value, Time-Series) out of a backup into Iceberg with its connector's SQL.",
        discussion: """
        A connector is one SQL file (sql/connectors/<name>.sql, compiled in): `connector show` \
        prints it; `movesql --script FILE -D name=value …` runs it as it stands; `connector run` \
        fills its parameters from the options, pins every read to one backup, creates the \
        target's namespace and runs it.
        """,
        subcommands: [ConnectorList.self, ConnectorShow.self, ConnectorRun.self]
    )
}

struct ConnectorList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The connectors and their parameters.")

    func run() throws {
        var out = ""
        for c in Connectors.all {
            out += "\(c.name)  \(c.summary)\n    \(c.file)\n"
            for p in c.parameters {
                out += "    \(p.fromOption.map { "\($0) (\(p.name))" } ?? "--set \(p.name)=…")\(p.required ? "" : ", optional"): \(p.summary)\n"
            }
        }
        writeStandardOutput(out)
    }
}

struct ConnectorShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a connector's SQL.")

    @Argument(help: "kv or ts.") var name: String

    func run() throws {
        guard let c = Connectors.named(name) else { throw ValidationError("no connector \(name) (\(Connectors.all.map(\.name).joined(separator: ", ")))") }
        writeStandardOutput(c.sql)
    }
}

struct ConnectorRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a connector: a full snapshot of the source into the target (and its _errors table).",
        discussion: """
        movesql connector run kv --source cassandra.kv.items --target iceberg.kv.items
        movesql connector run ts --source cassandra.ts --namespace playback --target iceberg.ts.playback_events

        Every table is read from one backup: --as-of names it (a backup name, or a time: the \
        newest backup started at or before it); without it, the backup the source reads now, \
        named in the SQL so that a backup landing mid-run changes nothing. --set gives the other \
        parameters (`connector list`).
        """
    )

    @Argument(help: "kv or ts.") var name: String
    @Option(help: ArgumentHelp("The source: a table (kv) or a keyspace (ts), catalog-qualified.", valueName: "NAME")) var source: String
    @Option(help: ArgumentHelp("The Iceberg table written (catalog.namespace.table).", valueName: "NAME")) var target: String
    @Option(help: ArgumentHelp("The Time-Series namespace (ts).", valueName: "NAME")) var namespace: String?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("A backup name or a time (ISO 8601).", valueName: "BACKUP|TIME")) var asOf: String?
    // Not -D: the top-level command's -D would take it.
    @Option(name: .customLong("set"), help: ArgumentHelp("Another parameter (name=value, as -D gives it to a script); repeatable.", valueName: "NAME=VALUE"))
    var defines: [String] = []
    @Option(help: ArgumentHelp("Replicas each token range needs: ALL (default), QUORUM or ONE.", valueName: "LEVEL")) var consistency: String?
    @Option(name: .customLong("ttl-reference-time"), help: ArgumentHelp("When TTLs are judged (default: the backup's start).", valueName: "TIME")) var ttlReferenceTime: String?
    @Flag(help: "Print the SQL as it will run, and stop.") var dryRun = false
    @OptionGroup var sessionOptions: SessionOptions

    func fail(_ message: String) -> ExitCode {
        writeStandardError("error: \(message)\n")
        return ExitCode(1)
    }

    func run() throws {
        guard let connector = Connectors.named(name) else {
            throw fail("no connector \(name) (\(Connectors.all.map(\.name).joined(separator: ", ")))")
        }
        var values: [String: String]
        do { values = try ScriptParameters.parse(defines) } catch let e as SQLError { throw fail(e.message) }
        for (k, _) in values where connector.parameters.first(where: { $0.name == k })?.fromOption != nil || k == "source" {
            throw fail("\(k) is set by \(connector.parameters.first { $0.name == k }?.fromOption ?? "--source"), not --set")
        }
        for (k, _) in values where !connector.parameters.contains(where: { $0.name == k }) {
            throw fail("connector \(connector.name) has no parameter \(k) (\(connector.parameters.map(\.name).joined(separator: ", ")))")
        }
        if connector.parameters.contains(where: { $0.name == "keyspace" }) {
            // A keyspace source: catalog.keyspace.
            let parts = source.split(separator: ".").map(String.init)
            guard parts.count == 2 else { throw fail("--source is catalog.keyspace for connector \(connector.name), not \(source)") }
            values["catalog"] = parts[0]
            values["keyspace"] = parts[1]
        } else {
            values["source"] = source
        }
        values["target"] = target
        // It goes inside SQL string literals.
        if let namespace { values["namespace"] = namespace.replacingOccurrences(of: "'", with: "''") }
        for p in connector.parameters where p.required && values[p.name] == nil {
            throw fail("connector \(connector.name) needs \(p.fromOption ?? "--set \(p.name)=…")")
        }
        let targetParts = target.split(separator: ".").map(String.init)
        guard targetParts.count == 3 else { throw fail("--target is catalog.namespace.table, not \(target)") }
        let session = try sessionOptions.makeSession()
        // The three choices that decide what a backup reads as (data-models.md §5): which
        // backup, which replicas, which reference time — each explicit, each printed.
        do {
            if let consistency { _ = try session.execute("SET consistency = '\(consistency.replacingOccurrences(of: "'", with: "''"))'") }
            if let ttlReferenceTime { _ = try session.execute("SET ttl_reference_time = '\(ttlReferenceTime.replacingOccurrences(of: "'", with: "''"))'") }
        } catch let e as SQLError { throw fail(e.message) }
        // The backup every read is pinned to.
        let pinned = connector.pinnedTable(values)
        let parts = pinned.split(separator: ".").map(String.init)
        guard parts.count == 3, let catalog = session.catalogs[parts[0].lowercased()] else {
            throw fail("\(pinned): not a table of an attached catalog (catalog.keyspace.table)")
        }
        var version: TableVersion?
        if let asOf {
            if asOf.contains("-") || asOf.contains(":"), let micros = CassandraCatalog.parseTimestamp(asOf) { version = .asOfTime(micros: micros) } else { version = .named(asOf) }
        }
        let backup: String
        do {
            guard let t = try catalog.table(Array(parts.dropFirst()), version: version, context: session.catalogContext) else {
                throw fail("\(pinned) does not exist")
            }
            guard let b = (t as? BackupTable)?.backup.name else { throw fail("\(pinned) is not a table of a cassandra catalog") }
            backup = b
        } catch let e as SQLError { throw fail(e.message) }
        _ = session.notes.drain()
        values["as_of"] = "FOR VERSION AS OF '\(backup.replacingOccurrences(of: "'", with: "''"))'"
        let text: String
        do { text = try ScriptParameters.substitute(connector.sql, values) } catch let e as SQLError { throw fail("\(connector.file): " + e.render(source: connector.sql)) }
        if dryRun {
            writeStandardOutput(text)
            return
        }
        var statements = [(text: "CREATE SCHEMA IF NOT EXISTS \(targetParts[0]).\(targetParts[1])", start: SourceLocation?.none)]
        statements += Parser.statements(text).map { ($0.text, $0.start) }
        let started = monotonicSeconds()
        for (statement, start) in statements {
            do {
                for result in try session.execute(statement) {
                    guard case .ok(let message) = result, statement.contains("INSERT") else { continue }
                    writeStandardOutput("\(connector.name): \(message)\n")
                    // Rows that could not be emitted are said out loud, not only counted.
                    for (table, count) in session.lastWrites where table.hasSuffix("_errors") && count > 0 {
                        writeStandardError("warning: \(count) row\(count == 1 ? "" : "s") could not be emitted whole and went to \(table) (see its problem column)\n")
                    }
                }
            } catch let e as SQLError {
                for w in session.warnings.drain() { writeStandardError("warning: \(w)\n") }
                // At its line of the connector's file (parameters fill in place, lines stay).
                throw fail("\(connector.file): " + (start.map { e.located(in: $0).render(source: text) } ?? e.render(source: statement)))
            }
            for n in session.notes.drain() { writeStandardError("note: \(n)\n") }
            for w in session.warnings.drain() { writeStandardError("warning: \(w)\n") }
        }
        writeStandardOutput("\(connector.name): read backup \(backup) in \(format3(monotonicSeconds() - started)) s\n")
    }
}
