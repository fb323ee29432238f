import JSON

/// Medusa's `tokenmap.json`: each node's tokens, datacenter and rack (backup-layout.md).
/// Tokens are parsed exactly as Int64.
public struct TokenMap: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var fqdn: String
        public var tokens: [Int64]
        public var isUp: Bool
        public var rack: String
        public var dc: String

        public init(fqdn: String, tokens: [Int64], isUp: Bool = true, rack: String, dc: String) {
            self.fqdn = fqdn
            self.tokens = tokens
            self.isUp = isUp
            self.rack = rack
            self.dc = dc
        }
    }

    /// In the order the file lists them.
    public var nodes: [Node]

    public init(nodes: [Node]) { self.nodes = nodes }

    public struct FormatError: Error, CustomStringConvertible {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> TokenMap {
        func fail(_ m: String) -> FormatError { FormatError(file: file, message: m) }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw fail("\(error)") }
        guard case .object(let entries) = json else { throw fail("a token map is an object of nodes") }
        var nodes: [Node] = []
        for (fqdn, v) in entries {
            guard case .array(let list)? = v["tokens"] else { throw fail("node \(fqdn) has no \"tokens\" array") }
            let tokens = try list.map { t -> Int64 in
                switch t {
                case .int(let i): return i
                // Some exports write tokens as strings.
                case .string(let s): if let i = Int64(s) { return i }
                default: break
                }
                throw fail("node \(fqdn): token \(t.text) is not a 64-bit integer")
            }
            guard !tokens.isEmpty else { throw fail("node \(fqdn) has no tokens") }
            var isUp = true
            if case .bool(let b)? = v["is_up"] { isUp = b }
            guard case .string(let dc)? = v["dc"] else { throw fail("node \(fqdn) has no \"dc\"") }
            var rack = "rack1"
            if case .string(let r)? = v["rack"] { rack = r }
            nodes.append(Node(fqdn: fqdn, tokens: tokens, isUp: isUp, rack: rack, dc: dc))
        }
        guard Set(nodes.map(\.fqdn)).count == nodes.count else { throw fail("a node is listed twice") }
        var owners: [Int64: String] = [:]
        for n in nodes {
            for t in n.tokens {
                if let other = owners.updateValue(n.fqdn, forKey: t), other != n.fqdn {
                    throw fail("token \(t) belongs to both \(other) and \(n.fqdn)")
                }
            }
        }
        return TokenMap(nodes: nodes)
    }

    public func node(_ fqdn: String) -> Node? { nodes.first { $0.fqdn == fqdn } }

    /// Medusa's JSON for the nodes of one datacenter (a node's own map covers its DC only).
    public func json(datacenter: String? = nil) -> String {
        let selected = nodes.filter { datacenter == nil || $0.dc == datacenter }
        return JSONValue.object(selected.map { n in
            (n.fqdn, JSONValue.object([("tokens", .array(n.tokens.sorted().map { .int($0) })), ("is_up", .bool(n.isUp)),
                                       ("rack", .string(n.rack)), ("dc", .string(n.dc))]))
        }).text
    }

    /// Every token of every node, in ring order.
    public var ring: [(token: Int64, owner: String)] {
        nodes.flatMap { n in n.tokens.map { (token: $0, owner: n.fqdn) } }.sorted { $0.token < $1.token }
    }

    public func placement(_ keyspace: KeyspaceDefinition) -> ReplicaPlacement { ReplicaPlacement(self, keyspace) }
}

/// Where a keyspace's replicas live: the nodes holding replicas of a token, primary first —
/// the owner of the first ring token at or after it (wrapping), then for `SimpleStrategy` the
/// next distinct nodes clockwise, for `NetworkTopologyStrategy` per datacenter the next
/// distinct nodes clockwise preferring racks not yet used (`calculateNaturalReplicas`).
public struct ReplicaPlacement: Sendable {
    private let ring: [(token: Int64, owner: Int)]
    private let nodes: [TokenMap.Node]
    private let keyspace: KeyspaceDefinition

    init(_ map: TokenMap, _ keyspace: KeyspaceDefinition) {
        nodes = map.nodes
        let index = Dictionary(uniqueKeysWithValues: map.nodes.enumerated().map { ($1.fqdn, $0) })
        ring = map.ring.map { (token: $0.token, owner: index[$0.owner]!) }
        self.keyspace = keyspace
    }

    public func replicas(of token: Int64) -> [String] {
        guard !ring.isEmpty else { return [] }
        var lo = 0, hi = ring.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ring[mid].token < token { lo = mid + 1 } else { hi = mid }
        }
        let start = lo == ring.count ? 0 : lo
        var result: [Int] = []
        if keyspace.strategy == "NetworkTopologyStrategy" {
            for dc in Set(nodes.map(\.dc)).sorted() {
                let inDC = nodes.indices.filter { nodes[$0].dc == dc }
                let rf = min(keyspace.replicationFactors[dc] ?? 0, inDC.count)
                guard rf > 0 else { continue }
                let racks = Set(inDC.map { nodes[$0].rack })
                var chosen: [Int] = [], seenRacks = Set<String>(), skipped: [Int] = []
                for i in 0..<ring.count where chosen.count < rf {
                    let owner = ring[(start + i) % ring.count].owner
                    let n = nodes[owner]
                    guard n.dc == dc, !chosen.contains(owner), !skipped.contains(owner) else { continue }
                    if seenRacks.contains(n.rack) && seenRacks.count < racks.count {
                        skipped.append(owner)
                        continue
                    }
                    seenRacks.insert(n.rack)
                    chosen.append(owner)
                    // Once every rack is used, the nodes passed over come next, in ring order.
                    if seenRacks.count == racks.count {
                        while chosen.count < rf, !skipped.isEmpty { chosen.append(skipped.removeFirst()) }
                    }
                }
                while chosen.count < rf, !skipped.isEmpty { chosen.append(skipped.removeFirst()) }
                result += chosen
            }
        } else {
            let rf = min(keyspace.replicationFactors["replication_factor"] ?? 1, nodes.count)
            for i in 0..<ring.count where result.count < rf {
                let owner = ring[(start + i) % ring.count].owner
                if !result.contains(owner) { result.append(owner) }
            }
        }
        return result.map { nodes[$0].fqdn }
    }
}
