/// The unmerged content of one SSTable as JSON lines, in the spirit of sstabledump: one
/// line per partition header, static row, row and range tombstone marker, in file order.
public enum CellDump {
    public static func write(_ scanner: SSTableScanner, emit: (String) -> Void) throws {
        let layout = scanner.layout
        let name = scanner.sstable.descriptor.baseName
        while let p = try scanner.nextPartition() {
            var line = "{\"sstable\": "
            ValueJSON.writeString(name, to: &line)
            line += ", \"type\": \"partition\", \"position\": \(p.position), \"token\": "
            ValueJSON.writeString(p.token.description, to: &line)
            line += ", \"key\": "
            let key = (try? RowDecoder.partitionKey(p.key, schema: layout.schema)) ?? [.blob(p.key)]
            ValueJSON.write(.list(key), to: &line)
            if !p.deletion.isLive { line += ", \"deletion\": " + deletion(p.deletion) }
            line += "}\n"
            emit(line)
            if let st = scanner.staticRow { emit(row(st, sstable: name, layout: layout)) }
            while let u = try scanner.nextUnfiltered() {
                switch u {
                case .row(let r): emit(row(r, sstable: name, layout: layout))
                case .marker(let m):
                    var l = "{\"sstable\": "
                    ValueJSON.writeString(name, to: &l)
                    l += ", \"type\": \"\(m.kind.isBoundary ? "range_tombstone_boundary" : "range_tombstone_bound")\", \"kind\": \"\(m.kind.name)\", \"clustering\": "
                    l += clustering(m.clustering, layout: layout)
                    if let c = m.closeDeletion { l += ", \"end\": " + deletion(c) }
                    if let o = m.openDeletion { l += ", \"start\": " + deletion(o) }
                    l += "}\n"
                    emit(l)
                }
            }
        }
    }

    static func deletion(_ d: DeletionTime) -> String {
        "{\"markedForDeleteAt\": \(d.markedForDeleteAt), \"localDeletionTime\": \(d.localDeletionTime)}"
    }

    static func clustering(_ values: ClusteringValues, layout: TableLayout) -> String {
        var s = "["
        for (i, v) in values.enumerated() {
            if i > 0 { s += ", " }
            guard let v else { s += "null"; continue }
            let t = i < layout.clusteringTypes.count ? layout.clusteringTypes[i] : .blob
            ValueJSON.write((try? ValueDecoder.decode(v, as: t)) ?? .blob(Array(v)), to: &s)
        }
        return s + "]"
    }

    static func row(_ r: Row, sstable: String, layout: TableLayout) -> String {
        var l = "{\"sstable\": "
        ValueJSON.writeString(sstable, to: &l)
        l += r.isStatic ? ", \"type\": \"static_row\"" : ", \"type\": \"row\", \"clustering\": " + clustering(r.clustering, layout: layout)
        if !r.liveness.isEmpty {
            l += ", \"liveness\": {\"timestamp\": \(r.liveness.timestamp)"
            if r.liveness.isExpiring { l += ", \"ttl\": \(r.liveness.ttl), \"expiresAt\": \(r.liveness.localExpirationTime)" }
            l += "}"
        }
        if !r.deletion.isLive { l += ", \"deletion\": " + deletion(r.deletion) }
        if !r.complexDeletions.isEmpty {
            l += ", \"complexDeletions\": {"
            for (i, cd) in r.complexDeletions.enumerated() {
                if i > 0 { l += ", " }
                ValueJSON.writeString(layout.cellColumns[cd.column].name, to: &l)
                l += ": " + deletion(cd.deletion)
            }
            l += "}"
        }
        l += ", \"cells\": ["
        for (i, c) in r.cells.enumerated() {
            if i > 0 { l += ", " }
            let def = layout.cellColumns[c.column]
            l += "{\"column\": "
            ValueJSON.writeString(def.name, to: &l)
            if let p = r.path(c) {
                l += ", \"path\": "
                let pt: CQLType
                switch def.type.base {
                case .list: pt = .timeuuid
                case .set(let e, _): pt = e
                case .map(let k, _, _): pt = k
                default: pt = .smallint
                }
                ValueJSON.write((try? ValueDecoder.decode(p, as: pt)) ?? .blob(Array(p)), to: &l)
            }
            l += ", \"timestamp\": \(c.timestamp)"
            if c.isTombstone {
                l += ", \"tombstone\": true, \"localDeletionTime\": \(c.localDeletionTime)"
            } else {
                if c.isExpiring { l += ", \"ttl\": \(c.ttl), \"expiresAt\": \(c.localDeletionTime)" }
                l += ", \"value\": "
                let valueType: CQLType
                switch def.type.base {
                case .list(let e, _): valueType = e
                case .set: valueType = .empty
                case .map(_, let v, _): valueType = v
                case .udt(let d, _):
                    if let p = r.path(c), p.count == 2, Int(UInt16(p[p.startIndex]) << 8 | UInt16(p[p.startIndex + 1])) < d.fieldTypes.count {
                        valueType = d.fieldTypes[Int(UInt16(p[p.startIndex]) << 8 | UInt16(p[p.startIndex + 1]))]
                    } else { valueType = .blob }
                default: valueType = def.type
                }
                if case .set = def.type.base {
                    l += "null"
                } else {
                    ValueJSON.write((try? RowDecoder.decode(r.value(c), as: valueType, column: def.name)) ?? .blob(Array(r.value(c))), to: &l)
                }
            }
            l += "}"
        }
        return l + "]}\n"
    }
}
