import Cassandra
import Columnar
import Engine

/// Query results in the formats of `--format`. JSON values follow the fixtures' encoding:
/// dates "YYYY-MM-DD", timestamps "YYYY-MM-DDTHH:MM:SS.ffffffZ", blobs "0x…", NaN and
/// infinities as strings, lists as arrays, structs as objects.
enum ResultPrinter {
    static func print(_ result: StatementResult, format: OutputFormat, to out: inout OutputBuffer) {
        guard case .rows(let schema, let batches) = result else { return }
        let names = schema.map(\.name)
        var rows: [[Value]] = []
        for b in batches { for i in 0..<b.count { rows.append(b.row(i)) } }
        let types = schema.map(\.type)
        switch format {
        case .table, .markdown:
            let cells = rows.map { r in r.enumerated().map { text($0.element, types[$0.offset]) } }
            var widths = names.map(\.count)
            for r in cells { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
            func line(_ values: [String]) -> String {
                "| " + values.enumerated().map { $0.element + String(repeating: " ", count: widths[$0.offset] - $0.element.count) }.joined(separator: " | ") + " |\n"
            }
            out.write(line(names))
            out.write("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|\n")
            for r in cells { out.write(line(r)) }
            if format == .table { out.write("(\(rows.count) row\(rows.count == 1 ? "" : "s"))\n") }
        case .csv, .tsv:
            let sep = format == .csv ? "," : "\t"
            out.write(names.map { csv($0, sep) }.joined(separator: sep) + "\n")
            for r in rows { out.write(r.enumerated().map { $0.element.isNull ? "" : csv(text($0.element, types[$0.offset]), sep) }.joined(separator: sep) + "\n") }
        case .json, .jsonl:
            if format == .json { out.write("[") }
            for (n, r) in rows.enumerated() {
                var line = "{"
                for (i, v) in r.enumerated() {
                    if i > 0 { line += ", " }
                    line += jsonString(names[i]) + ": " + json(v, types[i])
                }
                line += "}"
                if format == .json { out.write((n > 0 ? ",\n " : "") + line) } else { out.write(line + "\n") }
            }
            if format == .json { out.write("]\n") }
        case .slt:
            break
        }
    }

    static func text(_ v: Value, _ t: DataType) -> String { v.isNull ? "NULL" : ValueText.render(v, type: t) }

    static func csv(_ s: String, _ sep: String) -> String {
        if s.contains(sep) || s.contains("\"") || s.contains("\n") {
            return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        return s
    }

    static func jsonString(_ s: String) -> String {
        var out = ""
        ValueJSON.writeString(s, to: &out)
        return out
    }

    static func json(_ v: Value, _ t: DataType) -> String {
        switch (v, t) {
        case (.structure(let items), .structure(let fields)):
            return "{" + zip(items, fields).map { jsonString($1.name) + ": " + json($0, $1.type) }.joined(separator: ", ") + "}"
        case (.list(let items), .list(let e)):
            return "[" + items.map { json($0, e) }.joined(separator: ", ") + "]"
        case (.map(let k, let vs), .map(let kt, let vt)):
            return "[" + zip(k, vs).map { "[\(json($0, kt)), \(json($1, vt))]" }.joined(separator: ", ") + "]"
        default:
            return json(v)
        }
    }

    static func json(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .hugeint(let h): return String(h)
        case .double(let d): return d.isFinite ? "\(d)" : jsonString(d.isNaN ? "NaN" : (d < 0 ? "-Infinity" : "Infinity"))
        case .float(let f): return f.isFinite ? "\(f)" : jsonString(f.isNaN ? "NaN" : (f < 0 ? "-Infinity" : "Infinity"))
        case .decimal: return jsonString(ValueText.render(v))
        case .string(let s): return jsonString(s)
        case .blob(let b): return jsonString("0x" + ValueJSON.hexString(b))
        case .timestamp(let us):
            // Always six fraction digits in JSON: YYYY-MM-DDTHH:MM:SS.ffffffZ.
            let days = us >= 0 ? us / 86_400_000_000 : (us - 86_399_999_999) / 86_400_000_000
            let micros = us - days * 86_400_000_000
            let f = String(micros % 1_000_000)
            let time = DateText.time(micros - micros % 1_000_000)
            return jsonString(DateText.date(days) + "T" + time + "." + String(repeating: "0", count: 6 - f.count) + f + "Z")
        case .list(let items): return "[" + items.map(json).joined(separator: ", ") + "]"
        case .map(let k, let vs): return "[" + zip(k, vs).map { "[\(json($0)), \(json($1))]" }.joined(separator: ", ") + "]"
        case .structure(let items): return "[" + items.map(json).joined(separator: ", ") + "]"
        default: return jsonString(ValueText.render(v))
        }
    }
}
