import ArgumentParser
import Cassandra
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct SSTableDump: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the content of SSTables as JSON lines.",
        discussion: """
        PATH is a folder holding one or more SSTables of one table (they are merged, as \
        Cassandra would on read), or one component file of one SSTable.

        --rows (the default) prints each live CQL row as one JSON object, every column by name, \
        in token then clustering order. --cells prints what each SSTable stores, unmerged: \
        partition deletions, rows with their liveness, cells with timestamp, TTL and local \
        deletion time, tombstones and range tombstone markers.
        """
    )

    @Flag(name: .customLong("rows"), help: "Print merged live rows (default).")
    var rowsMode = false

    @Flag(name: .customLong("cells"), help: "Print the unmerged content of each SSTable.")
    var cellsMode = false

    @Flag(name: .customLong("no-expiry"), help: "Keep expiring cells and rows live whatever their TTL.")
    var noExpiry = false

    @Option(name: .customLong("reference-time"), help: "The time TTLs expire against, ISO 8601 (default: now).")
    var referenceTime: String?

    @Option(name: .customLong("schema"), help: "A .cql file with the table's CREATE TABLE (and CREATE TYPE) statements.")
    var schemaFile: String?

    @Option(name: .customLong("key"), help: ArgumentHelp(
        "Read only this partition (found through Summary.db and Index.db). Repeat for each column of a composite key.",
        valueName: "VALUE"))
    var keyValues: [String] = []

    @Option(name: .customLong("token-range"), help: ArgumentHelp(
        "Read only partitions with START < token <= END, as Cassandra's ranges (either side may be empty).",
        valueName: "START,END"))
    var tokenRange: String?

    @Argument(help: "A folder of SSTables of one table, or one SSTable component file.")
    var path: String

    func validate() throws {
        if rowsMode && cellsMode { throw ValidationError("--rows and --cells exclude each other") }
        if noExpiry && referenceTime != nil { throw ValidationError("--no-expiry and --reference-time exclude each other") }
        if !keyValues.isEmpty && tokenRange != nil { throw ValidationError("--key and --token-range exclude each other") }
        if let r = tokenRange, r.split(separator: ",", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--token-range takes START,END (e.g. -100,2000 or ,0)")
        }
    }

    func run() throws {
        try runReporting {
            let schema = try schemaFile.map { try loadSchema(path: $0, sstables: path) }
            let reader = try TableReader(path: path, schema: schema)
            var filter = PartitionFilter.all
            if !keyValues.isEmpty {
                filter = .key(try reader.partitionKey(literals: keyValues))
            } else if let r = tokenRange {
                let sides = r.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
                filter = .tokenRange(after: sides[0].isEmpty ? nil : try reader.token(literal: sides[0]),
                                     upTo: sides[1].isEmpty ? nil : try reader.token(literal: sides[1]))
            }
            var out = OutputBuffer()
            if cellsMode {
                for scanner in try reader.scanners(filter: filter) {
                    try CellDump.write(scanner) { out.write($0) }
                }
            } else {
                let now: Int64? = noExpiry ? nil : try referenceTime.map(parseReferenceTime) ?? Int64(time(nil))
                let rows = try reader.rows(now: now, filter: filter)
                let names = rows.columnNames
                while let row = try rows.next() {
                    var line = "{"
                    for (i, v) in row.enumerated() {
                        if i > 0 { line += ", " }
                        ValueJSON.writeString(names[i], to: &line)
                        line += ": "
                        ValueJSON.write(v, to: &line)
                    }
                    line += "}\n"
                    out.write(line)
                }
            }
            out.flush()
        }
    }
}

/// The table of a schema file; with several tables, the one the SSTables' folder names
/// (`<keyspace>/<table>-<id>/`, as in Cassandra's data folders and Medusa's backups).
func loadSchema(path: String, sstables: String? = nil) throws -> TableSchema {
    let bytes = try RandomAccessFile.readAll(path: path)
    let tables: [TableSchema]
    do {
        tables = try CQLSchemaParser.parse(String(decoding: bytes, as: UTF8.self))
    } catch let e as CQLSchemaParser.ParseError {
        throw CLIError("\(path): \(e)")
    }
    if tables.count == 1 { return tables[0] }
    if let sstables {
        var parts = sstables.split(separator: "/").map(String.init)
        if let last = parts.last, last.contains("-big-") || last.contains("-bti-") { parts.removeLast() }
        if parts.count >= 2, let dash = parts[parts.count - 1].lastIndex(of: "-") {
            let table = String(parts[parts.count - 1][..<dash]), keyspace = parts[parts.count - 2]
            if let t = tables.first(where: { $0.name == table && ($0.keyspace == nil || $0.keyspace == keyspace) }) { return t }
        }
    }
    throw CLIError("\(path): expected one CREATE TABLE, found \(tables.count) (and the SSTables' folder names none of them)")
}

/// Parses `2026-11-30T00:00:00Z` (fractional seconds and offsets allowed) to epoch seconds.
func parseReferenceTime(_ s: String) throws -> Int64 {
    guard let t = ISO8601.parseSeconds(s) else {
        throw ValidationError("--reference-time '\(s)' is not an ISO 8601 time like 2026-11-30T00:00:00Z")
    }
    return t
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs a command body, printing `error: …` to stderr and exiting 1 on failure, so that
/// no partial output passes for complete.
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ValidationError {
        throw e
    } catch {
        var out = OutputBuffer()
        out.flush()
        writeStandardError("error: \(error)\n")
        throw ExitCode(1)
    }
}

/// Buffered stdout.
struct OutputBuffer {
    private var buffer: [UInt8] = []

    mutating func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(fd: 1, buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

func writeAll(fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress!.advanced(by: done), raw.count - done)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return
            }
            done += n
        }
    }
}

func writeStandardError(_ s: String) {
    writeAll(fd: 2, Array(s.utf8))
}

func writeStandardOutput(_ s: String) {
    writeAll(fd: 1, Array(s.utf8))
}
