import Engine
import SQL
#if canImport(Glibc)
import Glibc
#endif

/// The interactive prompt: statements end with `;` and may span lines; `.quit` (or end of
/// input) leaves, `.tables` lists tables, `.format NAME` switches the output format. Each
/// statement is appended to ~/.movesql_history.
enum REPL {
    static func run(session: Session, format: OutputFormat) {
        var format = format
        let historyPath = (getenv("HOME").map { String(cString: $0) } ?? ".") + "/.movesql_history"
        let history = fopen(historyPath, "a")
        defer { if let history { fclose(history) } }
        writeStandardError("movesql — end statements with ';', .quit to leave\n")
        var pending = ""
        while true {
            writeAll(fd: 1, Array((pending.isEmpty ? "movesql> " : "     ... ").utf8))
            guard let line = readLine(strippingNewline: true) else { break }
            let trimmed = line.trimmingCharacters()
            if pending.isEmpty && trimmed.hasPrefix(".") {
                let words = trimmed.split(separator: " ")
                switch words.first {
                case ".quit", ".exit": return
                case ".tables": pending = "SHOW TABLES;"
                case ".format":
                    if words.count == 2, let f = OutputFormat(rawValue: String(words[1])), f != .slt { format = f } else {
                        writeStandardError("formats: table, csv, tsv, json, jsonl, markdown\n")
                    }
                    continue
                default:
                    writeStandardError("commands: .tables, .format NAME, .quit\n")
                    continue
                }
            } else {
                pending += (pending.isEmpty ? "" : "\n") + line
            }
            guard pending.trimmingCharacters().hasSuffix(";") else { continue }
            let text = pending
            pending = ""
            if let history { _ = (text + "\n").withCString { fputs($0, history) }; fflush(history) }
            var out = OutputBuffer()
            for statement in Parser.splitStatements(text) {
                do {
                    for r in try session.execute(statement) {
                        ResultPrinter.print(r, format: format, to: &out)
                        if case .ok(let message) = r { out.write(message + "\n") }
                    }
                } catch let e as SQLError {
                    out.flush()
                    writeStandardError("error: " + e.render(source: statement) + "\n")
                    break
                } catch {
                    out.flush()
                    writeStandardError("error: \(error)\n")
                    break
                }
            }
            out.flush()
        }
    }
}
