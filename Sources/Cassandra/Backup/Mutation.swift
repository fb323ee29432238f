import JSON

/// One line of a mutation file (../shared/docs/mutations-format.md): a CQL write, the nodes
/// that received it and the flush (SSTable generation) of each that holds it.
public struct Mutation: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case insert, update
        case deletePartition = "delete_partition"
        case deleteRow = "delete_row"
        case deleteRange = "delete_range"
        case deleteCells = "delete_cells"
        case add, remove
    }

    /// A bound of a `delete_range`: a prefix of the clustering columns, or nil (unbounded).
    public struct Bound: Sendable {
        public var values: [(String, JSONValue)]?
        public var inclusive: Bool
    }

    public var line: Int
    public var nodes: [String]
    public var flush: Int
    public var table: String
    public var kind: Kind
    public var partition: [(String, JSONValue)]
    public var clustering: [(String, JSONValue)]?
    public var values: [(String, JSONValue)]
    public var rangeStart: Bound
    public var rangeEnd: Bound
    public var columns: [String]
    public var elements: [(String, JSONValue)]
    /// Microseconds since the epoch.
    public var timestamp: Int64
    public var ttl: Int32
    /// The node's local time in seconds when it applied the write.
    public var now: Int64

    /// A line that is not what the format says, named by file and line.
    public struct FormatError: Error, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public static let fields: Set<String> = ["nodes", "flush", "table", "kind", "partition", "clustering", "values", "range",
                                            "columns", "elements", "timestamp", "ttl", "now"]

    public init(_ json: JSONValue, line: Int, file: String) throws {
        func fail(_ m: String) -> FormatError { FormatError(file: file, line: line, message: m) }
        guard case .object(let fields) = json else { throw fail("a line is one JSON object") }
        for (k, _) in fields where !Self.fields.contains(k) { throw fail("unknown field \"\(k)\"") }
        func object(_ name: String, required: Bool) throws -> [(String, JSONValue)]? {
            guard let v = json[name], v != .null else {
                if required { throw fail("\"\(name)\" is required") }
                return nil
            }
            guard case .object(let o) = v else { throw fail("\"\(name)\" must be an object") }
            return o
        }
        self.line = line
        guard case .array(let nodeList)? = json["nodes"], !nodeList.isEmpty else { throw fail("\"nodes\" must be a non-empty array of FQDNs") }
        nodes = try nodeList.map { n in
            guard case .string(let s) = n, !s.isEmpty else { throw fail("\"nodes\" must hold FQDN strings") }
            return s
        }
        guard Set(nodes).count == nodes.count else { throw fail("\"nodes\" names a node twice") }
        guard case .int(let f)? = json["flush"], f >= 1, f <= Int64(Int32.max) else { throw fail("\"flush\" must be an integer ≥ 1") }
        flush = Int(f)
        guard case .string(let t)? = json["table"], t.split(separator: ".").count == 2 else { throw fail("\"table\" must be \"keyspace.table\"") }
        table = t
        guard case .string(let k)? = json["kind"], let kind = Kind(rawValue: k) else {
            throw fail("\"kind\" must be one of " + Kind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.kind = kind
        partition = try object("partition", required: true)!
        clustering = try object("clustering", required: false)
        values = try object("values", required: kind == .insert || kind == .update) ?? []
        elements = try object("elements", required: kind == .add || kind == .remove) ?? []
        if kind == .deleteCells {
            guard case .array(let cols)? = json["columns"], !cols.isEmpty else { throw fail("\"columns\" must be a non-empty array of names") }
            columns = try cols.map { c in
                guard case .string(let s) = c else { throw fail("\"columns\" must hold column names") }
                return s
            }
        } else {
            guard json["columns"] == nil else { throw fail("\"columns\" belongs to delete_cells") }
            columns = []
        }
        rangeStart = Bound(values: nil, inclusive: true)
        rangeEnd = Bound(values: nil, inclusive: true)
        if kind == .deleteRange {
            guard let r = try object("range", required: true) else { throw fail("\"range\" is required") }
            let range = JSONValue.object(r)
            func bound(_ name: String) throws -> Bound {
                var inclusive = true
                if let inc = range[name + "_inclusive"] {
                    guard case .bool(let b) = inc else { throw fail("\"range.\(name)_inclusive\" must be true or false") }
                    inclusive = b
                }
                guard let v = range[name], v != .null else { return Bound(values: nil, inclusive: inclusive) }
                guard case .object(let o) = v else { throw fail("\"range.\(name)\" must be an object of clustering columns") }
                return Bound(values: o, inclusive: inclusive)
            }
            rangeStart = try bound("start")
            rangeEnd = try bound("end")
        } else if json["range"] != nil {
            throw fail("\"range\" belongs to delete_range")
        }
        guard case .int(let ts)? = json["timestamp"] else { throw fail("\"timestamp\" (microseconds since the epoch) is required") }
        guard ts > Int64.min + 1 else { throw fail("\"timestamp\" is out of range") }
        timestamp = ts
        ttl = 0
        if let v = json["ttl"], v != .null {
            guard case .int(let n) = v, n >= 0, n <= 630_720_000 else { throw fail("\"ttl\" must be seconds from 0 to 630720000 (20 years)") }
            guard [.insert, .update, .add].contains(kind) else { throw fail("\"ttl\" applies to insert, update and add") }
            ttl = Int32(n)
        }
        if let v = json["now"], v != .null {
            guard case .int(let n) = v else { throw fail("\"now\" must be seconds since the epoch") }
            now = n
        } else {
            // Floor division: a timestamp before the epoch still gives the second it falls in.
            now = timestamp >= 0 ? timestamp / 1_000_000 : -((-timestamp + 999_999) / 1_000_000)
        }
        switch kind {
        case .deletePartition:
            guard clustering == nil else { throw fail("delete_partition takes no \"clustering\"") }
        case .deleteRange:
            guard clustering == nil else { throw fail("delete_range takes a \"range\", not \"clustering\"") }
        default: break
        }
    }
}
