/// The tables each synth family writes.
enum SynthSchemas {
    /// Time-Series slices (data-models.md §2.2): the first is DELETED (its table dropped), the
    /// middle ones CLOSED, the last ACTIVE and holding the second before the backup's start. Each has its own
    /// bucket configuration.
    struct Slice {
        var start: Int64
        var end: Int64
        var status: String
        var secondsPerTimeBucket: Int64
        var eventBuckets: Int
        var table: String { "data_" + SynthSchemas.yyyymmdd(start) }
        var metadata: String { #"{"secondsPerTimeBucket":\#(secondsPerTimeBucket),"eventBuckets":\#(eventBuckets),"secondsPerTimeSlice":129600}"# }
    }

    static let sliceSeconds: Int64 = 129_600

    static func slices(started: Int64) -> [Slice] {
        // The last slice holds the second before the backup: it has events even when the
        // backup starts on a slice boundary.
        let before = started - 1
        let last = before - ((before % sliceSeconds) + sliceSeconds) % sliceSeconds
        let configs: [(Int64, Int)] = [(3600, 4), (7200, 2), (1800, 8), (3600, 4)]
        return (0..<4).map { i in
            let start = last - Int64(3 - i) * sliceSeconds
            return Slice(start: start, end: start + sliceSeconds, status: i == 0 ? "DELETED" : (i == 3 ? "ACTIVE" : "CLOSED"),
                         secondsPerTimeBucket: configs[i].0, eventBuckets: configs[i].1)
        }
    }

    /// The slice whose wide partitions were split into a `wide_` copy.
    static func splitSlice(started: Int64) -> Slice { slices(started: started)[2] }

    static func yyyymmdd(_ seconds: Int64) -> String {
        ValueJSON.dateString(daysSinceEpoch: seconds >= 0 ? seconds / 86_400 : -((-seconds + 86_399) / 86_400)).filter { $0 != "-" }
    }

    static func cql(_ family: SynthOptions.Family, replication: String, started: Int64) -> String {
        let ks = { (name: String) in
            "CREATE KEYSPACE \(name) WITH replication = {'class': 'NetworkTopologyStrategy', \(replication)} AND durable_writes = true;\n"
        }
        switch family {
        case .types:
            return ks("synth") + """
            CREATE TYPE synth.address (street text, city text, zip int);
            CREATE TABLE synth.all_types (
                id bigint, bucket int, seq int, label text, owner text static,
                c_ascii ascii, c_text text, c_blob blob, c_boolean boolean, c_tinyint tinyint, c_smallint smallint,
                c_int int, c_bigint bigint, c_varint varint, c_decimal decimal, c_float float, c_double double,
                c_uuid uuid, c_timeuuid timeuuid, c_timestamp timestamp, c_date date, c_time time, c_duration duration,
                c_inet inet, c_set set<text>, c_list list<int>, c_map map<text, bigint>, c_frozen_list frozen<list<text>>,
                c_tuple tuple<int, text, boolean>, c_udt address, c_frozen_udt frozen<address>, c_vector vector<float, 3>,
                PRIMARY KEY ((id, bucket), seq, label)
            ) WITH CLUSTERING ORDER BY (seq ASC, label DESC);
            CREATE TABLE synth.counters (name text PRIMARY KEY, hits counter, misses counter);

            """
        case .kv:
            return ks("kv") + """
            CREATE TABLE kv.items (id text, key blob, value blob, value_metadata blob, PRIMARY KEY (id, key))
                WITH CLUSTERING ORDER BY (key ASC);
            CREATE TABLE kv.items_chunk (id text, key blob, version uuid, chunk_index int, value blob,
                PRIMARY KEY ((id, key, version), chunk_index)) WITH CLUSTERING ORDER BY (chunk_index ASC);
            CREATE TABLE kv.desc_items (id text, key blob, value blob, value_metadata blob, PRIMARY KEY (id, key))
                WITH CLUSTERING ORDER BY (key DESC);
            CREATE TABLE kv.desc_items_chunk (id text, key blob, version uuid, chunk_index int, value blob,
                PRIMARY KEY ((id, key, version), chunk_index)) WITH CLUSTERING ORDER BY (chunk_index ASC);

            """
        case .ts:
            let slices = slices(started: started)
            var text = ks("ts") + """
            CREATE TABLE ts.time_slice_metadata (namespace text, start_time timestamp, end_time timestamp, table_name text,
                status text, metadata text, PRIMARY KEY (namespace, start_time)) WITH CLUSTERING ORDER BY (start_time DESC);
            CREATE TABLE ts.wide_row (time_slice text, time_series_id text, time_bucket int, event_bucket int, status text,
                target_table text, start_event_bucket int, target_event_buckets int,
                PRIMARY KEY (time_slice, time_series_id, time_bucket, event_bucket));

            """
            var tables = slices.filter { $0.status != "DELETED" }.map(\.table)
            tables.append("wide_" + splitSlice(started: started).table + "_0")
            for t in tables {
                text += """
                CREATE TABLE ts.\(t) (time_series_id text, time_bucket int, event_bucket int, event_time timestamp, event_id text,
                    event_item_key text, event_item_value blob, value_metadata blob,
                    PRIMARY KEY ((time_series_id, time_bucket, event_bucket), event_time, event_id, event_item_key))
                    WITH CLUSTERING ORDER BY (event_time DESC, event_id ASC, event_item_key ASC);

                """
            }
            return text
        }
    }
}
