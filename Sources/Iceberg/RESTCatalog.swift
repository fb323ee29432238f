import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import JSON

/// A client of the Iceberg REST catalog protocol (the OpenAPI spec's `/v1/…` routes): tables
/// are loaded and created by the server, and a commit sends the new snapshot as updates with
/// requirements (the table's uuid, `main` still at the parent) that the server checks
/// atomically; 409 means another commit landed first.
public final class RESTCatalog: IcebergCatalogStore, @unchecked Sendable {
    public let uri: String
    let headers: [String: String]

    public var description: String { uri }

    public init(uri: String, warehouse: String? = nil, token: String? = nil) throws {
        self.uri = uri.hasSuffix("/") ? String(uri.dropLast()) : uri
        var headers = ["Content-Type": "application/json", "X-Client-Version": "movesql"]
        if let token { headers["Authorization"] = "Bearer " + token }
        self.headers = headers
        var query = ""
        if let warehouse { query = "?warehouse=" + (warehouse.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? warehouse) }
        let config = try request("GET", "/v1/config" + query, nil, absolute: true).json
        if case .string(let p)? = config?["overrides"]?["prefix"] ?? config?["defaults"]?["prefix"], !p.isEmpty {
            configuredPrefix = p + "/"
        }
    }

    /// The `prefix` the server's /v1/config names, with its trailing slash (or empty).
    private var configuredPrefix = ""

    struct Response {
        var status: Int
        var body: [UInt8]
        var json: JSONValue? { body.isEmpty ? nil : try? JSONParser.parse(body) }
    }

    static func encode(_ part: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return part.addingPercentEncoding(withAllowedCharacters: allowed) ?? part
    }

    /// One request, waited for; throws with the server's error message for statuses other
    /// than 2xx and those in `accept`.
    @discardableResult
    func request(_ method: String, _ path: String, _ body: JSONValue?, accept: Set<Int> = [], absolute: Bool = false) throws -> Response {
        let full = uri + (absolute ? path : "/v1/" + configuredPrefix + path)
        guard let url = URL(string: full) else { throw IcebergError("REST catalog: bad URL \(full)") }
        var r = URLRequest(url: url)
        r.httpMethod = method
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        if let body { r.httpBody = Data(body.text.utf8) }
        final class Box: @unchecked Sendable {
            var data: Data?
            var status = 0
            var error: Error?
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: r) { data, response, error in
            box.data = data
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error { throw IcebergError("REST catalog \(uri): \(method) \(path): \(error.localizedDescription)") }
        let response = Response(status: box.status, body: box.data.map { [UInt8]($0) } ?? [])
        guard (200..<300).contains(response.status) || accept.contains(response.status) else {
            var message = String(decoding: response.body.prefix(500), as: UTF8.self)
            if case .string(let m)? = response.json?["error"]?["message"] { message = m }
            throw IcebergError("REST catalog \(uri): \(method) \(path) answered \(response.status): \(message)")
        }
        return response
    }

    public func namespaces() throws -> [String] {
        guard case .array(let list)? = try request("GET", "namespaces", nil).json?["namespaces"] else { return [] }
        return list.compactMap { n in
            guard case .array(let parts) = n else { return nil }
            return parts.compactMap { if case .string(let s) = $0 { return s } else { return nil } }.joined(separator: ".")
        }
    }

    public func namespaceExists(_ namespace: String) throws -> Bool {
        try request("GET", "namespaces/" + Self.encode(namespace), nil, accept: [404]).status != 404
    }

    public func createNamespace(_ namespace: String) throws {
        try request("POST", "namespaces", .object([("namespace", .array([.string(namespace)])), ("properties", .object([]))]), accept: [409])
    }

    public func tables(in namespace: String) throws -> [String] {
        guard case .array(let ids)? = try request("GET", "namespaces/\(Self.encode(namespace))/tables", nil).json?["identifiers"] else { return [] }
        return ids.compactMap { if case .string(let n)? = $0["name"] { return n } else { return nil } }
    }

    func state(_ r: Response, _ what: String) throws -> TableState {
        guard let j = r.json, case .string(let location)? = j["metadata-location"], let metadata = j["metadata"] else {
            throw IcebergError("REST catalog \(uri): \(what) answered without metadata-location and metadata")
        }
        return TableState(location: location, metadata: metadata)
    }

    public func loadTable(namespace: String, table: String) throws -> TableState? {
        let r = try request("GET", "namespaces/\(Self.encode(namespace))/tables/\(Self.encode(table))", nil, accept: [404])
        if r.status == 404 { return nil }
        return try state(r, "loading \(namespace).\(table)")
    }

    public func createTable(namespace: String, table: String, metadata: JSONValue, schema: IcebergSchema, spec: PartitionSpec,
                            properties: [(String, String)]) throws -> TableState? {
        let body = JSONValue.object([
            ("name", .string(table)), ("schema", schema.json), ("partition-spec", spec.json),
            ("write-order", .object([("order-id", .int(0)), ("fields", .array([]))])),
            ("properties", .object(properties.map { ($0.0, .string($0.1)) })), ("stage-create", .bool(false)),
        ])
        let r = try request("POST", "namespaces/\(Self.encode(namespace))/tables", body, accept: [409])
        if r.status == 409 { return nil }
        return try state(r, "creating \(namespace).\(table)")
    }

    public func commit(namespace: String, table: String, base: TableState, next: JSONValue, change: SnapshotChange) throws -> TableState? {
        var requirements: [JSONValue] = [
            .object([("type", .string("assert-ref-snapshot-id")), ("ref", .string("main")), ("snapshot-id", change.parentId.map { .int($0) } ?? .null)]),
        ]
        if case .string(let uuid)? = base.metadata["table-uuid"] {
            requirements.insert(.object([("type", .string("assert-table-uuid")), ("uuid", .string(uuid))]), at: 0)
        }
        let updates: [JSONValue] = [
            .object([("action", .string("add-snapshot")), ("snapshot", change.snapshot)]),
            .object([("action", .string("set-snapshot-ref")), ("ref-name", .string("main")), ("type", .string("branch")), ("snapshot-id", .int(change.snapshotId))]),
        ]
        let body = JSONValue.object([
            ("identifier", .object([("namespace", .array([.string(namespace)])), ("name", .string(table))])),
            ("requirements", .array(requirements)), ("updates", .array(updates)),
        ])
        FaultPoint.hit("iceberg.commit.before-swap")
        let r = try request("POST", "namespaces/\(Self.encode(namespace))/tables/\(Self.encode(table))", body, accept: [409])
        if r.status == 409 { return nil }
        return try state(r, "committing to \(namespace).\(table)")
    }

    public func drop(namespace: String, table: String) throws -> Bool {
        try request("DELETE", "namespaces/\(Self.encode(namespace))/tables/\(Self.encode(table))", nil, accept: [404]).status != 404
    }
}
