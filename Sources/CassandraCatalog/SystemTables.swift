import Cassandra
import Columnar
import Engine
import ObjectStore
import SQL

/// `cassandra.system.backups`, `.sstables` and `.tables`: what the store holds, read from
/// the layout's metadata (and each SSTable's Statistics.db) when the statement runs.
enum SystemTables {
    static let names = ["backups", "sstables", "tables"]

    static func table(_ name: String, of catalog: CassandraCatalog) throws -> TableProvider? {
        switch name {
        case "backups": return try backups(catalog)
        case "sstables": return try sstables(catalog)
        case "tables": return try tables(catalog)
        default: return nil
        }
    }

    static func make(_ schema: [Field], _ rows: [[Value]]) throws -> MemoryTable {
        let t = MemoryTable(schema: schema)
        var builders = schema.map { ColumnBuilder(type: $0.type, capacity: rows.count) }
        for r in rows { for (i, v) in r.enumerated() { builders[i].append(v) } }
        try t.append([Batch(columns: builders.map { $0.finish() }, count: rows.count)])
        return t
    }

    static func time(_ seconds: Int64?) -> Value { seconds.map { .timestamp($0 * 1_000_000) } ?? .null }

    static func backups(_ c: CassandraCatalog) throws -> MemoryTable {
        let schema = [Field("name", .varchar), Field("started", .timestamp), Field("finished", .timestamp), Field("complete", .boolean),
                      Field("nodes", .list(.varchar)), Field("expected_nodes", .list(.varchar)), Field("missing_nodes", .list(.varchar)),
                      Field("objects", .bigint), Field("size_bytes", .bigint)]
        var rows: [[Value]] = []
        for b in try c.backups.backups() {
            var objects: Int64 = 0, size: Int64 = 0
            for n in b.nodes where n.isComplete {
                for t in try c.backups.manifest(of: n) {
                    objects += Int64(t.objects.count)
                    size += t.objects.reduce(0) { $0 + $1.size }
                }
            }
            let finished = b.isComplete ? b.nodes.compactMap(\.finished).max() : nil
            rows.append([.string(b.name), time(b.started), time(finished), .bool(b.isComplete),
                         .list(b.nodes.map { .string($0.fqdn) }), .list(b.expectedNodes.map { .string($0) }),
                         .list(b.missingNodes.map { .string($0) }), .int(objects), .int(size)])
        }
        return try make(schema, rows)
    }

    static func sstables(_ c: CassandraCatalog) throws -> MemoryTable {
        let schema = [Field("backup", .varchar), Field("node", .varchar), Field("keyspace_name", .varchar), Field("table_name", .varchar),
                      Field("file", .varchar), Field("format", .varchar), Field("size_bytes", .bigint), Field("min_timestamp", .bigint),
                      Field("max_timestamp", .bigint), Field("min_token", .bigint), Field("max_token", .bigint),
                      Field("estimated_partitions", .bigint)]
        var rows: [[Value]] = []
        var opened: [String: SSTable] = [:]
        for b in try c.backups.backups() {
            for n in b.nodes where n.isComplete {
                for t in try c.backups.manifest(of: n) {
                    for o in t.objects where o.path.hasSuffix("-Data.db") {
                        let key = c.backups.prefix + o.path
                        let s: SSTable
                        if let cached = opened[key] { s = cached } else {
                            var seen = Set<Descriptor>()
                            guard let opened1 = try c.openSSTable(key: key, seen: &seen) else { continue }
                            s = opened1
                            opened[key] = s
                        }
                        let d = s.descriptor
                        var minToken: Value = .null, maxToken: Value = .null
                        if let (f, l) = try? s.keyBounds(), let p = try? s.partitioner, case .murmur3(let a) = p.token(f), case .murmur3(let z) = p.token(l) {
                            minToken = .int(a)
                            maxToken = .int(z)
                        }
                        let st = s.statistics.stats
                        rows.append([.string(b.name), .string(n.fqdn), .string(t.keyspace), .string(t.table), .string(o.path),
                                     .string(d.version.letters), .int(o.size), .int(st.minTimestamp), .int(st.maxTimestamp),
                                     minToken, maxToken, .int(st.estimatedPartitionCount)])
                    }
                }
            }
        }
        return try make(schema, rows)
    }

    static func tables(_ c: CassandraCatalog) throws -> MemoryTable {
        let schema = [Field("backup", .varchar), Field("keyspace_name", .varchar), Field("table_name", .varchar), Field("table_id", .varchar),
                      Field("partition_key", .list(.varchar)), Field("clustering", .list(.varchar)),
                      Field("columns", .list(.structure([Field("name", .varchar), Field("cql_type", .varchar), Field("kind", .varchar), Field("engine_type", .varchar)])))]
        var rows: [[Value]] = []
        let mapping = CQLTypeMapping()
        for b in try c.backups.backups() {
            guard let node = b.nodes.first(where: \.isComplete) ?? b.nodes.first else { continue }
            let parsed = try c.parseSchema(of: node)
            for (i, t) in parsed.tables.enumerated() {
                let id: Value = i < parsed.tableIDs.count ? parsed.tableIDs[i].map { .string($0) } ?? .null : .null
                let kinds: [(Cassandra.ColumnDefinition, String)] = t.partitionKey.map { ($0, "partition_key") } + t.clustering.map { ($0, "clustering") }
                    + t.staticColumns.map { ($0, "static") } + t.regularColumns.map { ($0, "regular") }
                let byName = Dictionary(kinds.map { ($0.0.name, $0) }, uniquingKeysWith: { a, _ in a })
                let ordered = t.displayOrder.compactMap { byName[$0] }
                rows.append([.string(b.name), .string(t.keyspace ?? ""), .string(t.name ?? ""), id,
                             .list(t.partitionKey.map { .string($0.name) }), .list(t.clustering.map { .string($0.name) }),
                             .list(ordered.map { def, kind in
                                 .structure([.string(def.name), .string(def.type.cql), .string(kind), .string(mapping.engineType(def.type).description)])
                             })])
            }
        }
        return try make(schema, rows)
    }
}
