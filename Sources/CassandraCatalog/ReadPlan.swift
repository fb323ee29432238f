import Cassandra

/// How often a read may find a replica's backup missing (Cassandra's consistency levels, as
/// they apply to reading backups): ALL needs every replica of every range, QUORUM a majority
/// of each range's replicas (all datacenters counted, as Cassandra's QUORUM), ONE any one.
public enum ReadConsistency: String, Sendable, CaseIterable {
    case all = "ALL", quorum = "QUORUM", one = "ONE"

    func required(of replicas: Int) -> Int {
        switch self {
        case .all: return replicas
        case .quorum: return replicas / 2 + 1
        case .one: return min(1, replicas)
        }
    }
}

/// A token range (after, upTo] — nil ends unbounded — and the nodes whose files hold it.
struct Segment: Sendable {
    var after: Int64?
    var upTo: Int64?
    /// Replica nodes with a complete backup, read for this range.
    var nodes: [String]
    /// Estimated Data.db bytes of this range over the nodes read.
    var bytes: Double

    var lower: Int64 { after ?? .min }
    var upper: Int64 { upTo ?? .max }
    var width: Double { Double(upper) - Double(lower) }

    var text: String { "(\(after.map(String.init) ?? "min"), \(upTo.map(String.init) ?? "max")]" }

    func contains(_ t: Int64) -> Bool { (after.map { t > $0 } ?? true) && (upTo.map { t <= $0 } ?? true) }

    /// This segment cut to (a, b]; nil if nothing is left.
    func clipped(after a: Int64?, upTo b: Int64?) -> Segment? {
        var s = self
        if let a { s.after = s.after.map { max($0, a) } ?? a }
        if let b { s.upTo = s.upTo.map { min($0, b) } ?? b }
        if let lo = s.after, let hi = s.upTo, lo >= hi { return nil }
        if s.width != width, width > 0 { s.bytes = bytes * s.width / width }
        return s
    }
}

/// Which files of which nodes a table's read uses, per token range: the ring from the
/// backup's token maps, replicas placed by the keyspace's replication, checked against the
/// consistency, then cut into splits of about `targetBytes`.
struct ReadPlan: Sendable {
    var segments: [Segment]
    /// Ranges read from fewer replicas than the placement names (QUORUM, ONE).
    var underReplicated: [Segment]
    /// Why the plan has the replicas it has, for EXPLAIN.
    var notes: [String]

    struct PlanError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// `nodeBytes`: Data.db bytes of the table per node with a complete backup.
    static func make(tokenMap: TokenMap?, keyspace: KeyspaceDefinition?, nodeBytes: [String: Int64],
                     consistency: ReadConsistency, backupName: String) throws -> ReadPlan {
        let available = Set(nodeBytes.keys)
        guard let tokenMap, !tokenMap.nodes.isEmpty, let keyspace else {
            let why = tokenMap == nil || tokenMap!.nodes.isEmpty ? "the backup has no token map" : "the schema has no CREATE KEYSPACE"
            let all = available.sorted()
            return ReadPlan(segments: [Segment(after: nil, upTo: nil, nodes: all,
                                               bytes: Double(nodeBytes.values.reduce(0, +)))],
                            underReplicated: [],
                            notes: ["replicas: \(why), so every node's files are read for every token"])
        }
        let placement = tokenMap.placement(keyspace)
        let ring = Array(Set(tokenMap.ring.map(\.token))).sorted()
        var ranges: [(after: Int64?, upTo: Int64?, replicas: [String])] = []
        // The range ending at each ring token; the one past the last token wraps to the first
        // token's replicas.
        for (i, t) in ring.enumerated() {
            ranges.append((i == 0 ? nil : ring[i - 1], t, placement.replicas(of: t)))
        }
        if let last = ring.last, last != .max { ranges.append((last, nil, placement.replicas(of: ring[0]))) }
        var segments: [Segment] = []
        var under: [Segment] = []
        var missingByNode: [String: [String]] = [:]
        for r in ranges {
            let read = r.replicas.filter(available.contains)
            let need = consistency.required(of: r.replicas.count)
            let seg = Segment(after: r.after, upTo: r.upTo, nodes: read, bytes: 0)
            if read.count < need || read.isEmpty {
                for n in r.replicas where !available.contains(n) { missingByNode[n, default: []].append(seg.text) }
                continue
            }
            if read.count < r.replicas.count { under.append(seg) }
            segments.append(seg)
        }
        if !missingByNode.isEmpty {
            let list = missingByNode.sorted { $0.key < $1.key }.map { node, rs in
                "\(node) (replica of \(rs.count) range\(rs.count == 1 ? "" : "s"): \(rs.prefix(4).joined(separator: ", "))\(rs.count > 4 ? ", …" : ""))"
            }
            throw PlanError(message: "backup \(backupName) has no complete backup of " + list.joined(separator: "; ")
                            + "; consistency \(consistency.rawValue) needs \(consistency == .all ? "every replica" : consistency == .quorum ? "a majority of replicas" : "one replica") of each range"
                            + (consistency == .one ? "" : " (SET consistency = 'QUORUM' or 'ONE' reads from fewer)"))
        }
        // Each node's bytes spread over the ranges it replicates, in proportion to their width.
        var owned: [String: Double] = [:]
        for s in segments { for n in s.nodes { owned[n, default: 0] += s.width } }
        for i in segments.indices {
            segments[i].bytes = segments[i].nodes.reduce(0) { acc, n in
                acc + Double(nodeBytes[n] ?? 0) * segments[i].width / max(owned[n] ?? 1, 1)
            }
        }
        let rf = keyspace.strategy == "NetworkTopologyStrategy"
            ? keyspace.replicationFactors.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ", ")
            : "\(keyspace.replicationFactors["replication_factor"] ?? 1)"
        var notes = ["replicas: \(keyspace.strategy) RF \(rf) over \(tokenMap.nodes.count) nodes, \(ring.count) ring tokens; consistency \(consistency.rawValue)"]
        if !under.isEmpty {
            notes.append("read from fewer replicas than placed: \(under.count) of \(segments.count) ranges (\(under.prefix(4).map(\.text).joined(separator: ", "))\(under.count > 4 ? ", …" : ""))")
        }
        return ReadPlan(segments: segments, underReplicated: under, notes: notes)
    }

    /// The segments grouped into splits of about `targetBytes` each, in token order: a range
    /// bigger than the target is cut into equal token slices, small neighbours are joined.
    func splits(targetBytes: Double) -> [[Segment]] {
        var pieces: [Segment] = []
        for s in segments {
            let k = targetBytes > 0 ? Int(min(4096, (s.bytes / targetBytes).rounded(.up))) : 1
            if k <= 1 || s.width < Double(k) { pieces.append(s); continue }
            let lo = Int128(s.lower), hi = Int128(s.upper)
            var prev: Int64? = s.after
            for i in 1...k {
                let cut: Int64? = i == k ? s.upTo : Int64(lo + (hi - lo) * Int128(i) / Int128(k))
                var p = s
                p.after = prev
                p.upTo = cut
                p.bytes = s.bytes / Double(k)
                pieces.append(p)
                prev = cut
            }
        }
        var result: [[Segment]] = []
        var current: [Segment] = []
        var bytes = 0.0
        for p in pieces {
            current.append(p)
            bytes += p.bytes
            if bytes >= targetBytes {
                result.append(current)
                current = []
                bytes = 0
            }
        }
        if !current.isEmpty { result.append(current) }
        return result.isEmpty ? [[]] : result
    }
}
