@testable import Cassandra
import Foundation
import FixtureSupport
import Testing

/// The unmerged content of the fixtures: every tombstone (cell, row, complex column, range
/// tombstone bound and boundary) and every expiring cell or row liveness that expected.json
/// lists, read from the files exactly, with timestamps and local deletion times.
@Suite("SSTable fixture tombstones and TTLs")
struct TombstoneFixtureTests {
    static var tablesWithTombstones: [String] {
        Fixtures.sstableTables.filter { name in
            guard let e = try? Fixtures.expected(name) else { return true }
            return e["tombstones"] is [Any] || e["ttl_cells"] is [Any] || e["tombstones_summary"] != nil
        }
    }

    @Test("tombstones and TTLs like expected.json", arguments: tablesWithTombstones)
    func tombstonesLikeExpected(_ name: String) throws {
        let expected = try Fixtures.expected(name)
        let reader = try TableReader(path: try Fixtures.sstableFolder(name).path, schema: try fixtureSchema(expected))
        var tombstones: [[String: Any]] = []
        var ttls: [[String: Any]] = []
        let layout = reader.layout
        func value(_ v: CQLValue) -> Any { parseJSON(ValueJSON.render(v)) }
        func clustering(_ c: ClusteringValues) -> [Any] {
            c.enumerated().map { i, b in
                guard let b else { return NSNull() }
                return value((try? ValueDecoder.decode(b, as: layout.clusteringTypes[i])) ?? .blob(Array(b)))
            }
        }
        func deletion(_ d: DeletionTime) -> [String: Any] {
            ["markedForDeleteAt": d.markedForDeleteAt, "localDeletionTime": d.localDeletionTime]
        }
        for scanner in try reader.scanners() {
            let sstable = scanner.sstable.descriptor.baseName
            while let p = try scanner.nextPartition() {
                let keyValues = try RowDecoder.partitionKey(p.key, schema: layout.schema)
                let pk: Any = keyValues.count == 1 ? value(keyValues[0]) : keyValues.map(value)
                if !p.deletion.isLive {
                    tombstones.append(["sstable": sstable, "partition_key": pk, "kind": "partition",
                                       "markedForDeleteAt": p.deletion.markedForDeleteAt, "localDeletionTime": p.deletion.localDeletionTime])
                }
                var rows: [Row] = scanner.staticRow.map { [$0] } ?? []
                func collect(_ r: Row) {
                    let ck = clustering(r.clustering)
                    if !r.deletion.isLive {
                        tombstones.append(["sstable": sstable, "partition_key": pk, "kind": "row", "clustering": ck,
                                           "markedForDeleteAt": r.deletion.markedForDeleteAt, "localDeletionTime": r.deletion.localDeletionTime])
                    }
                    if r.liveness.isExpiring {
                        ttls.append(["partition_key": pk, "clustering": ck, "what": "row_liveness", "timestamp": r.liveness.timestamp,
                                     "ttl": r.liveness.ttl, "localExpirationTime": r.liveness.localExpirationTime])
                    }
                    for (c, d) in r.complexDeletions {
                        tombstones.append(["sstable": sstable, "partition_key": pk, "kind": "complex_column_deletion", "static": r.isStatic,
                                           "clustering": ck, "column": layout.cellColumns[c].name,
                                           "markedForDeleteAt": d.markedForDeleteAt, "localDeletionTime": d.localDeletionTime])
                    }
                    for cell in r.cells {
                        if cell.isTombstone {
                            tombstones.append(["sstable": sstable, "partition_key": pk, "kind": "cell", "static": r.isStatic, "clustering": ck,
                                               "column": layout.cellColumns[cell.column].name, "timestamp": cell.timestamp,
                                               "localDeletionTime": cell.localDeletionTime])
                        } else if cell.isExpiring {
                            ttls.append(["partition_key": pk, "clustering": ck, "what": "cell", "column": layout.cellColumns[cell.column].name,
                                         "timestamp": cell.timestamp, "ttl": cell.ttl, "localExpirationTime": cell.localDeletionTime])
                        }
                    }
                }
                while let u = try scanner.nextUnfiltered() {
                    switch u {
                    case .row(let r): rows.append(r)
                    case .marker(let m):
                        var t: [String: Any] = ["sstable": sstable, "partition_key": pk, "kind": "range_tombstone_marker",
                                                "marker_kind": m.kind.name, "bound": clustering(m.clustering)]
                        if m.kind.isBoundary {
                            t["end_deletion"] = deletion(m.closeDeletion!)
                            t["start_deletion"] = deletion(m.openDeletion!)
                        } else {
                            t["deletion"] = deletion((m.openDeletion ?? m.closeDeletion)!)
                        }
                        tombstones.append(t)
                    }
                    rows.forEach(collect)
                    rows.removeAll()
                }
                rows.forEach(collect)
            }
        }
        func canonical(_ list: [[String: Any]]) throws -> [String] {
            try list.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }.sorted()
        }
        if let want = expected["tombstones"] as? [[String: Any]] {
            #expect(try canonical(tombstones) == canonical(want))
        }
        if let summary = expected["tombstones_summary"] as? [String: Any] {
            // Too many to list: the count, the count per marker kind, and the first and last in file order.
            #expect(tombstones.count == summary["count"] as? Int)
            if let byKind = summary["by_kind"] as? [String: Int] {
                for (kind, n) in byKind {
                    #expect(tombstones.filter { $0["marker_kind"] as? String == kind }.count == n, "\(kind)")
                }
            }
            func inOrder(_ list: [[String: Any]]) throws -> [String] {
                try list.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            }
            if let first = summary["first"] as? [[String: Any]] {
                #expect(try inOrder(Array(tombstones.prefix(first.count))) == inOrder(first))
            }
            if let last = summary["last"] as? [[String: Any]] {
                #expect(try inOrder(Array(tombstones.suffix(last.count))) == inOrder(last))
            }
        }
        if let want = expected["ttl_cells"] as? [[String: Any]] {
            #expect(try canonical(ttls) == canonical(want))
        }
    }
}
