import Columnar
import JSON
import SQL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// read_csv and read_json: a file read into a table, column types inferred from the values
/// (BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, else VARCHAR), as DuckDB's readers do.
enum FileReaders {
    static func readFile(_ path: String, at loc: SourceLocation) throws -> String {
        guard let f = fopen(path, "rb") else {
            throw SQLError(.runtime, "cannot open \(path): \(String(cString: strerror(errno)))", at: loc)
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: CSV

    /// RFC 4180 fields: quotes around a field, doubled quotes inside, separators and newlines
    /// inside quotes kept. Returns rows with the 1-based line each starts on.
    static func parseCSV(_ text: String, delimiter: Character, path: String) throws -> [(line: Int, fields: [String?])] {
        var rows: [(Int, [String?])] = []
        var field = "", fields: [String?] = []
        var quoted = false, wasQuoted = false, line = 1, rowLine = 1
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        func endField() {
            fields.append(!wasQuoted && field.isEmpty ? nil : field)
            field = ""; wasQuoted = false
        }
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true; wasQuoted = true
            case delimiter: endField()
            case "\r": continue
            case "\n":
                endField()
                if !(fields.count == 1 && fields[0] == nil) { rows.append((rowLine, fields)) }
                fields = []
                line += 1
                rowLine = line
            default: field.append(c)
            }
        }
        if quoted { throw SQLError(.runtime, "\(path):\(rowLine): unterminated quoted field") }
        if !field.isEmpty || wasQuoted || !fields.isEmpty {
            endField()
            rows.append((rowLine, fields))
        }
        return rows
    }

    static func inferType(_ values: [String?]) -> DataType {
        let present = values.compactMap { $0 }
        if present.isEmpty { return .varchar }
        if present.allSatisfy({ Int64($0) != nil }) { return .bigint }
        if present.allSatisfy({ Double($0) != nil }) { return .double }
        if present.allSatisfy({ ["true", "false"].contains($0.lowercased()) }) { return .boolean }
        if present.allSatisfy({ DateText.parseDate($0) != nil }) { return .date }
        if present.allSatisfy({ DateText.parseTimestamp($0) != nil }) { return .timestamp }
        return .varchar
    }

    static func table(names: [String], columns: [[Value]], types: [DataType]) throws -> MemoryTable {
        let table = MemoryTable(schema: zip(names, types).map { Field($0, $1) })
        let count = columns.first?.count ?? 0
        var start = 0
        var batches: [Batch] = []
        while start < count {
            let end = min(count, start + Batch.capacity)
            let cols = zip(columns, types).map { values, t -> Column in
                var b = ColumnBuilder(type: t, capacity: end - start)
                for v in values[start..<end] { b.append(v) }
                return b.finish()
            }
            batches.append(Batch(columns: cols, count: end - start))
            start = end
        }
        try table.append(batches)
        return table
    }

    static func readCSV(_ path: String, header: Bool, delimiter: Character, at loc: SourceLocation) throws -> MemoryTable {
        var rows = try parseCSV(try readFile(path, at: loc), delimiter: delimiter, path: path)
        var names: [String] = []
        if header, let first = rows.first {
            names = first.fields.enumerated().map { $0.element ?? "column\($0.offset)" }
            rows.removeFirst()
        }
        let width = max(names.count, rows.map(\.fields.count).max() ?? 0)
        if names.isEmpty { names = (0..<width).map { "column\($0)" } }
        for r in rows where r.fields.count != width {
            throw SQLError(.runtime, "\(path):\(r.line): \(r.fields.count) fields, the file has \(width) columns", at: loc)
        }
        let raw = (0..<width).map { c in rows.map { $0.fields[c] } }
        let types = raw.map(inferType)
        let values = try zip(raw, types).map { column, t in
            try column.map { s -> Value in
                guard let s else { return .null }
                return try Cast.convert(.string(s), from: .varchar, to: t)
            }
        }
        return try table(names: names, columns: values, types: types)
    }

    // MARK: JSON

    /// Scalars as engine values; arrays and objects as their JSON text.
    static func engineValue(_ j: JSONValue) -> Value {
        switch j {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .number(let s): return Double(s).map(Value.double) ?? .string(s)
        case .string(let s): return .string(s)
        case .array, .object: return .string(j.text)
        }
    }

    /// Newline-delimited JSON objects, or one array of objects. Keys in first-seen order.
    static func readJSON(_ path: String, at loc: SourceLocation) throws -> MemoryTable {
        let text = try readFile(path, at: loc)
        var parser = JSONParser(text)
        func failure(_ e: JSONError) -> SQLError { SQLError(.runtime, "\(path): \(e)") }
        var objects: [[(String, JSONValue)]] = []
        func object(_ j: JSONValue) throws -> [(String, JSONValue)] {
            guard case .object(let fields) = j else { throw failure(parser.error("expected an object")) }
            return fields
        }
        do {
            parser.skipSpace()
            if parser.peek == UInt8(ascii: "[") {
                guard case .array(let items) = try parser.value() else { throw failure(parser.error("expected an array")) }
                for item in items { objects.append(try object(item)) }
                parser.skipSpace()
                guard parser.atEnd else { throw failure(parser.error("unexpected text after the array")) }
            } else {
                while let doc = try parser.nextDocument() { objects.append(try object(doc)) }
            }
        } catch let e as JSONError {
            throw failure(e)
        }
        var names: [String] = []
        var seen = Set<String>()
        for o in objects { for (k, _) in o where seen.insert(k).inserted { names.append(k) } }
        let raw = names.map { n in objects.map { o in o.first { $0.0 == n }.map { engineValue($0.1) } ?? .null } }
        let types = raw.map { column -> DataType in
            var t = DataType.null
            for v in column {
                let vt: DataType
                switch v {
                case .null: continue
                case .bool: vt = .boolean
                case .int: vt = .bigint
                case .double: vt = .double
                case .string(let s): vt = DateText.parseTimestamp(s) != nil && s.count > 10 ? .timestamp : (DateText.parseDate(s) != nil ? .date : .varchar)
                default: vt = .varchar
                }
                t = TypeMapping.supertype(t, vt) ?? .varchar
            }
            return t == .null ? .varchar : t
        }
        let values = try zip(raw, types).map { column, t in
            try column.map { v -> Value in try Cast.convert(v, from: jsonType(v), to: t) }
        }
        return try table(names: names, columns: values, types: types)
    }

    static func jsonType(_ v: Value) -> DataType {
        switch v {
        case .bool: return .boolean
        case .int: return .bigint
        case .double: return .double
        default: return .varchar
        }
    }
}
