import Engine
import SQL
#if canImport(Glibc)
import Glibc
#endif

/// The interactive prompt: statements end with `;` and may span lines; `.quit` (or end of
/// input) leaves, `.tables` lists tables, `.format NAME` switches the output format. Each
/// statement is appended to ~/.movesql_history (one line each) and can be recalled with ↑
/// (`LineEditor`).
enum REPL {
    static func run(session: Session, format: OutputFormat) {
        var format = format
        let historyPath = (getenv("HOME").map { String(cString: $0) } ?? ".") + "/.movesql_history"
        var editor = LineEditor(history: readHistory(historyPath))
        let history = fopen(historyPath, "a")
        defer { if let history { fclose(history) } }
        writeStandardError("movesql — end statements with ';', .quit to leave\n")
        var pending = ""
        while true {
            guard let line = editor.readLine(prompt: pending.isEmpty ? "movesql> " : "     ... ") else { break }
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
            let entry = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            editor.remember(entry)
            if let history { _ = (entry + "\n").withCString { fputs($0, history) }; fflush(history) }
            var out = OutputBuffer()
            for statement in Parser.splitStatements(text) {
                do {
                    for r in try session.execute(statement) {
                        ResultPrinter.print(r, format: format, to: &out)
                        if case .ok(let message) = r { out.write(message + "\n") }
                    }
                    out.flush()
                    for w in session.warnings.drain() { writeStandardError("warning: \(w)\n") }
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

    /// The last 1000 entries of the history file.
    static func readHistory(_ path: String) -> [String] {
        guard let f = fopen(path, "r") else { return [] }
        defer { fclose(f) }
        var lines: [String] = []
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&buffer, &capacity, f) > 0, let buffer {
            var line = String(cString: buffer)
            while line.hasSuffix("\n") { line.removeLast() }
            if !line.isEmpty { lines.append(line) }
        }
        free(buffer)
        return Array(lines.suffix(1000))
    }
}
