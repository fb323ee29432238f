import Digests
import JSON

/// Time-Series namespaces shaped as data-models.md §2 and its checklist (§6): a slice metadata
/// table with four slices of different bucket configurations (one DELETED with its table
/// absent, one ACTIVE), events of 1–N items, hedged duplicate writes, a bursty series spread
/// over every event bucket, compressed item values, and a `wide_` copy of the bursty series'
/// partitions with its `wide_row` entries.
enum TimeSeriesFamily {
    static let itemKeys = ["bitrate", "country", "device_type", "duration_ms", "title_id"]

    /// `hash(event_id) mod eventBuckets` with Murmur3 of the UTF-8 id (data-models.md §2.2).
    static func eventBucket(_ eventID: String, _ buckets: Int) -> Int {
        Int(Murmur3.hash(Array(eventID.utf8)).0 % UInt64(buckets))
    }

    struct Event {
        var series: String
        var time: Int64  // ms
        var id: String
        /// Key, stored value, value_metadata, and the value as the client wrote it.
        var items: [(String, [UInt8], [UInt8], [UInt8])]
        var hedged: Bool
    }

    static func generate(_ c: FamilyGenerator, until target: Double) throws {
        for name in ["ts.playback_events", "ts.playback_events_errors"] { c.logical[name] = [] }
        let slices = SynthSchemas.slices(started: c.started)
        let meta = try c.partition("ts.time_slice_metadata", [("namespace", .string("playback"))])
        for s in slices {
            meta.write(.insert, clustering: [("start_time", .string(ValueJSON.timestampString(milliseconds: s.start * 1000)))],
                       fields: [("values", .object([("end_time", .string(ValueJSON.timestampString(milliseconds: s.end * 1000))),
                                                    ("table_name", .string(s.table)), ("status", .string(s.status)),
                                                    ("metadata", .string(s.metadata))]))],
                       at: meta.timestamp(second: s.start), flush: 1)
        }
        try c.finish(meta)
        let live = slices.filter { $0.status != "DELETED" }
        // The bursty series first: one time bucket of the split slice, every event bucket.
        let split = SynthSchemas.splitSlice(started: c.started)
        var burst: [Event] = []
        for _ in 0..<200 {
            burst.append(event(c, series: "device-burst", slice: split, bucket: 3))
        }
        try write(c, burst, slice: split, copyTo: "ts.wide_" + split.table + "_0")
        // A late event of the active slice written into the split one (a client that cached
        // the old slice): outside its table's bounds, an error, not an event.
        let active = live[live.count - 1]
        let late = event(c, series: "device-misrouted", slice: active, bucket: nil)
        let lateKey = PartitionKey(timeBucket: (late.time / 1000 - split.start) / split.secondsPerTimeBucket, eventBucket: eventBucket(late.id, split.eventBuckets))
        try partition(c, table: "ts." + split.table, series: late.series, key: lateKey, events: [late], expect: .error)
        var n = 0
        while c.estimatedBytes < target {
            let slice = live[n % live.count]
            let series = "device-\(n)"
            var events: [Event] = []
            for _ in 0..<c.random.skewed(max: 60) { events.append(event(c, series: series, slice: slice, bucket: nil)) }
            try write(c, events, slice: slice, copyTo: nil)
            n += 1
        }
    }

    static func event(_ c: FamilyGenerator, series: String, slice: SynthSchemas.Slice, bucket: Int64?) -> Event {
        let end = min(slice.end, c.started)
        var ms: Int64
        if let bucket {
            ms = (slice.start + bucket * slice.secondsPerTimeBucket) * 1000 + Int64(c.random.int(Int(slice.secondsPerTimeBucket * 1000)))
        } else {
            ms = slice.start * 1000 + Int64(c.random.int(Int(max(1, end - slice.start) * 1000)))
        }
        ms = min(ms, end * 1000 - 1)
        var items: [(String, [UInt8], [UInt8], [UInt8])] = []
        for k in itemKeys where items.isEmpty || c.random.chance(0.4) {
            var value = Array("\(k)=\(c.random.int(100_000))".utf8)
            var metadata: [UInt8] = []
            var plain = value
            if c.random.chance(0.2) {
                value += Array(String(repeating: " padding", count: c.random.int(4...20)).utf8)
                plain = value
                let (stored, m) = KVValueMetadata.compress(value, codec: .lz4)
                value = stored
                metadata = m.encoded()
            }
            items.append((k, value, metadata, plain))
        }
        return Event(series: series, time: ms, id: SynthValues.uuid(&c.random), items: items, hedged: c.random.chance(0.05))
    }

    struct PartitionKey: Hashable {
        var timeBucket: Int64
        var eventBucket: Int
    }

    /// Writes a series' events grouped by partition; `copyTo` also writes them to a split
    /// table over 2 event buckets from 32, and records the split in `wide_row`.
    static func write(_ c: FamilyGenerator, _ events: [Event], slice: SynthSchemas.Slice, copyTo: String?) throws {
        var groups: [PartitionKey: [Event]] = [:]
        var order: [PartitionKey] = []
        for e in events {
            let k = PartitionKey(timeBucket: (e.time / 1000 - slice.start) / slice.secondsPerTimeBucket, eventBucket: eventBucket(e.id, slice.eventBuckets))
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(e)
        }
        // One writer per partition: a partition's rows go through one reference model.
        var copies: [PartitionKey: [Event]] = [:]
        for k in order {
            try partition(c, table: "ts." + slice.table, series: events[0].series, key: k, events: groups[k]!, expect: .event)
            if copyTo != nil {
                for e in groups[k]! { copies[PartitionKey(timeBucket: k.timeBucket, eventBucket: 32 + eventBucket(e.id, 2)), default: []].append(e) }
            }
        }
        guard let copyTo else { return }
        for (tk, evs) in copies.sorted(by: { ($0.key.timeBucket, $0.key.eventBucket) < ($1.key.timeBucket, $1.key.eventBucket) }) {
            try partition(c, table: copyTo, series: events[0].series, key: tk, events: evs, expect: nil)
        }
        let w = try c.partition("ts.wide_row", [("time_slice", .string(slice.table))])
        for k in order {
            w.write(.insert, clustering: [("time_series_id", .string(events[0].series)), ("time_bucket", .int(k.timeBucket)),
                                          ("event_bucket", .int(Int64(k.eventBucket)))],
                    fields: [("values", .object([("status", .string("COMPLETED")), ("target_table", .string(String(copyTo.dropFirst(3)))),
                                                 ("start_event_bucket", .int(32)), ("target_event_buckets", .int(2))]))],
                    at: w.timestamp(second: min(c.started - 1, slice.end)))
        }
        try c.finish(w)
    }

    enum Expectation { case event, error }

    /// Writes one partition's events; `expect` says what the connector must make of them
    /// (nil for a `wide_` copy, which it must not read).
    static func partition(_ c: FamilyGenerator, table: String, series: String, key: PartitionKey, events: [Event], expect: Expectation?) throws {
        let p = try c.partition(table, [("time_series_id", .string(series)), ("time_bucket", .int(key.timeBucket)),
                                        ("event_bucket", .int(Int64(key.eventBucket)))])
        for e in events {
            // Appends only: written when the event happened (a little later), never with a TTL.
            let second = min(c.started - 1, e.time / 1000 + Int64(c.random.int(0...5)))
            var newest = Int64.min
            for copy in 0..<(e.hedged ? 2 : 1) {
                let ts = p.timestamp(second: second + Int64(copy))
                newest = max(newest, ts)
                for (k, v, m, _) in e.items {
                    p.write(.insert, clustering: [("event_time", .string(ValueJSON.timestampString(milliseconds: e.time))),
                                                  ("event_id", .string(e.id)), ("event_item_key", .string(k))],
                            fields: [("values", .object([("event_item_value", .string("0x" + Hex.encode(v))),
                                                         ("value_metadata", m.isEmpty ? .null : .string("0x" + Hex.encode(m)))]))],
                            at: ts)
                }
            }
            let sliceTable = String(table.dropFirst(3))
            switch expect {
            case .event?:
                c.logical["ts.playback_events", default: []].append(JSONValue.object([
                    ("time_series_id", .string(series)), ("event_time", .int(e.time * 1000)), ("event_id", .string(e.id)),
                    ("items", .object(e.items.sorted { $0.0 < $1.0 }.map { ($0.0, .string(Hex.encode($0.3))) })),
                    ("item_count", .int(Int64(e.items.count))), ("write_ts", .int(newest)), ("_time_slice", .string(sliceTable)),
                    ("_time_bucket", .int(key.timeBucket)), ("_event_bucket", .int(Int64(key.eventBucket))),
                ]).text)
            case .error?:
                c.logical["ts.playback_events_errors", default: []].append(JSONValue.object([
                    ("time_series_id", .string(series)), ("event_time", .int(e.time * 1000)), ("event_id", .string(e.id)),
                    ("_time_slice", .string(sliceTable)),
                ]).text)
            case nil: break
            }
        }
        try c.finish(p)
    }
}
