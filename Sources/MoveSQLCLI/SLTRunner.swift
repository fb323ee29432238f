import Columnar
import Engine
import SQL

/// The `--format slt` protocol of ../shared/sqllogic/PROTOCOL.md: chunks marked
/// `-- movesql: record N`, each run statement by statement in one session, one result block
/// per chunk, `-- movesql: done` at the end.
enum SLTRunner {
    static func run(_ script: String, session: Session, out: inout OutputBuffer) {
        let marker = "-- movesql: record "
        var chunks: [(String, [String])] = []
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(marker) {
                chunks.append((String(line.dropFirst(marker.count)).trimmingCharacters(), []))
            } else if !chunks.isEmpty {
                chunks[chunks.count - 1].1.append(String(line))
            }
        }
        for (id, lines) in chunks {
            var result: StatementResult = .ok("")
            var failure: String?
            for statement in Parser.splitStatements(lines.joined(separator: "\n")) {
                do {
                    for r in try session.execute(statement) { result = r }
                } catch let e as SQLError {
                    failure = e.description
                    break
                } catch {
                    failure = "\(error)"
                    break
                }
            }
            if let failure {
                out.write("-- movesql: result \(id) error \(failure.split(whereSeparator: \.isNewline).joined(separator: " "))\n")
                out.flush()
                continue
            }
            switch result {
            case .ok:
                out.write("-- movesql: result \(id) ok\n")
            case .rows(let schema, let batches):
                let n = batches.reduce(0) { $0 + $1.count }
                let types = schema.map { typeName($0.type) }.joined(separator: ",")
                out.write("-- movesql: result \(id) ok \(schema.count) \(n) \(types)\n")
                for b in batches {
                    for i in 0..<b.count {
                        out.write(b.columns.map { encode($0.value(at: i), $0.type) }.joined(separator: "\t") + "\n")
                    }
                }
            }
            // Each result is out before the next chunk runs: what was done counts even if a
            // later chunk takes the process down.
            out.flush()
        }
        out.write("-- movesql: done\n")
    }

    static func typeName(_ t: DataType) -> String {
        switch t {
        case .decimal: return "DECIMAL"
        case .list: return "LIST"
        case .map: return "MAP"
        case .structure: return "STRUCT"
        default: return t.description
        }
    }

    static func encode(_ v: Value, _ type: DataType) -> String {
        switch v {
        case .null: return "NULL"
        case .string(let s):
            if s == "NULL" { return "\\NULL" }
            var out = ""
            for c in s.unicodeScalars {
                switch c {
                case "\\": out += "\\\\"
                case "\t": out += "\\t"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\0": out += "\\0"
                default: out.unicodeScalars.append(c)
                }
            }
            return out
        default:
            return ValueText.render(v, type: type)
        }
    }
}
