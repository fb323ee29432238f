-- Time-Series → Iceberg (data-models.md §2.3): one row per event of a TS namespace, its
-- items as a map.
--
--   movesql connector run ts --source cassandra.ts --namespace playback --target iceberg.ts.playback_events
--   movesql --script sql/connectors/ts.sql -D keyspace=ts -D namespace=playback -D target=iceberg.ts.playback_events
--
-- Parameters:
--   catalog    the cassandra catalog (default cassandra)
--   keyspace   the keyspace holding time_slice_metadata and the slice tables
--   namespace  the namespace whose slices are read from time_slice_metadata
--   target     the Iceberg table, overwritten with a full snapshot each run; events that fail
--              a check go to ${target}_errors, each with its problem
--   slices     the slice tables' name pattern (default data_*): wide_data_* copies made by
--              splitting wide partitions are never read, so nothing is counted twice
--   as_of      empty (the newest backup) or FOR VERSION AS OF 'backup' (or FOR SYSTEM_TIME AS
--              OF …): metadata and slices come from one backup
--   buckets    the target's bucket(N, time_series_id) partitions (default 16)
--
-- Slice bounds and bucket settings are each slice's own, from its metadata row, never the
-- table name or one global configuration. Slices marked DELETED are not read even when their
-- table is still in the backup; a slice not marked DELETED whose table the backup does not
-- have stops the run (its events cannot be had, and a snapshot without them would look whole).

CREATE TABLE IF NOT EXISTS ${target} (
    time_series_id VARCHAR NOT NULL,
    event_time     TIMESTAMP NOT NULL,
    event_id       VARCHAR NOT NULL,
    items          MAP(VARCHAR, BLOB) NOT NULL,
    item_count     INTEGER,
    write_ts       TIMESTAMP,
    _time_slice    VARCHAR,
    _time_bucket   INTEGER,
    _event_bucket  INTEGER,
    _source        STRUCT(cluster VARCHAR, keyspace VARCHAR, backup VARCHAR, snapshot_ts TIMESTAMP),
    PRIMARY KEY (time_series_id, event_time, event_id)
) PARTITIONED BY (days(event_time), bucket(${buckets:-16}, time_series_id));

CREATE TABLE IF NOT EXISTS ${target}_errors (
    time_series_id VARCHAR NOT NULL,
    event_time     TIMESTAMP NOT NULL,
    event_id       VARCHAR NOT NULL,
    problem        VARCHAR NOT NULL,
    items          MAP(VARCHAR, BLOB),
    item_count     INTEGER,
    write_ts       TIMESTAMP,
    _time_slice    VARCHAR,
    _time_bucket   INTEGER,
    _event_bucket  INTEGER,
    _source        STRUCT(cluster VARCHAR, keyspace VARCHAR, backup VARCHAR, snapshot_ts TIMESTAMP)
);

-- One pass: each event goes to the table or to its errors.
INSERT OVERWRITE ALL
    WHEN problem IS NULL THEN INTO ${target}
        VALUES (time_series_id, event_time, event_id, items, item_count, write_ts, _time_slice, _time_bucket, _event_bucket, _source)
    ELSE INTO ${target}_errors
        VALUES (time_series_id, event_time, event_id, problem, items, item_count, write_ts, _time_slice, _time_bucket, _event_bucket, _source)
WITH slices AS (
    -- The namespace's slices: [start_time, end_time) and bucket settings per slice.
    SELECT table_name, start_time, end_time, status,
           CAST(json_extract_string(metadata, '$.secondsPerTimeBucket') AS BIGINT) AS seconds_per_time_bucket,
           CAST(json_extract_string(metadata, '$.eventBuckets') AS INTEGER) AS event_buckets
    FROM ${catalog:-cassandra}.${keyspace}.time_slice_metadata ${as_of:-}
    WHERE namespace = '${namespace}'
),
missing_slices AS (
    SELECT error('slice ' || s.table_name || ' (' || s.status || ', from ' || CAST(s.start_time AS VARCHAR) || ') of namespace ${namespace}'
                 || ' has no table in backup ' || b.backup || ' of ${catalog:-cassandra}.${keyspace}') AS failure
    FROM slices s, (SELECT DISTINCT backup_source().backup AS backup FROM ${catalog:-cassandra}.${keyspace}.time_slice_metadata ${as_of:-}) AS b
    WHERE s.status <> 'DELETED' AND s.table_name NOT IN (
        SELECT table_name FROM ${catalog:-cassandra}.system.tables WHERE backup = b.backup AND keyspace_name = '${keyspace}')
),
events AS (
    -- The items of every slice table, values decoded, grouped into events as they stream:
    -- a partition's rows arrive in clustering order (event_time, event_id, event_item_key),
    -- so an event's items are adjacent and one event is held at a time.
    SELECT * FROM ts_events((
        SELECT _time_slice, time_series_id, time_bucket, event_bucket, event_time, event_id, src,
               event_item_key, d.value AS event_item_value, write_ts, d.problem AS problem
        FROM (SELECT backup_source()."table" AS _time_slice, backup_source() AS src, time_series_id, time_bucket, event_bucket,
                     event_time, event_id, event_item_key, kv_decode(event_item_value, value_metadata) AS d, last_modified() AS write_ts
              FROM ${catalog:-cassandra}.${keyspace}."${slices:-data_*}" ${as_of:-}) AS items
    ))
),
checked AS (
    SELECT e.*, s.status,
           CASE
               WHEN s.table_name IS NULL
                   THEN 'table ' || e._time_slice || ' has no slice of namespace ${namespace} in time_slice_metadata'
               WHEN e.event_time < s.start_time OR e.event_time >= s.end_time
                   THEN 'event_time ' || CAST(e.event_time AS VARCHAR) || ' is outside its slice ' || e._time_slice
                        || ' [' || CAST(s.start_time AS VARCHAR) || ', ' || CAST(s.end_time AS VARCHAR) || ')'
               WHEN e.time_bucket <> (epoch_ms(e.event_time) - epoch_ms(s.start_time)) / (1000 * s.seconds_per_time_bucket)
                   THEN 'time_bucket ' || CAST(e.time_bucket AS VARCHAR) || ' is not the bucket of its event_time ('
                        || CAST((epoch_ms(e.event_time) - epoch_ms(s.start_time)) / (1000 * s.seconds_per_time_bucket) AS VARCHAR)
                        || ' at ' || CAST(s.seconds_per_time_bucket AS VARCHAR) || ' s per bucket)'
               WHEN e.event_bucket < 0 OR e.event_bucket >= s.event_buckets
                   THEN 'event_bucket ' || CAST(e.event_bucket AS VARCHAR) || ' is outside the slice''s '
                        || CAST(s.event_buckets AS VARCHAR) || ' event buckets'
               ELSE e.problem
           END AS checked_problem
    FROM events e LEFT JOIN slices s ON s.table_name = e._time_slice
)
SELECT time_series_id, event_time, event_id, items, item_count, write_ts, _time_slice,
       time_bucket AS _time_bucket, event_bucket AS _event_bucket,
       {'cluster': src.cluster, 'keyspace': src.keyspace, 'backup': src.backup, 'snapshot_ts': src.snapshot_ts} AS _source,
       checked_problem AS problem
FROM checked
WHERE status IS DISTINCT FROM 'DELETED'
  -- Evaluated before any row is written: fails the statement if a slice's table is missing.
  AND (SELECT count(failure) FROM missing_slices) = 0;
