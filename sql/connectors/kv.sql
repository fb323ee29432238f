-- Key-Value → Iceberg (data-models.md §1.8): one row per live item of a KV namespace.
--
--   movesql connector run kv --source cassandra.kv.items --target iceberg.kv.items
--   movesql --script sql/connectors/kv.sql -D source=cassandra.kv.items -D target=iceberg.kv.items
--
-- Parameters:
--   source    the namespace's table (id text, key blob, value blob, value_metadata blob)
--   chunks    its chunk table (id, key, version, chunk_index, value), default ${source}_chunk;
--             it must exist, empty or not
--   target    the Iceberg table, overwritten with a full snapshot each run; items that
--             cannot be emitted whole go to ${target}_errors, each with its problem
--   as_of     empty (the newest backup) or FOR VERSION AS OF 'backup' (or FOR SYSTEM_TIME
--             AS OF …): both tables must be read from one backup, so give it when backups
--             may land during the run (`connector run` always pins the backup it read)
--   buckets   the target's bucket(N, id) partitions (default 16)
--
-- The backup's rows are already merged (every SSTable of every replica, last write wins,
-- every tombstone, TTLs at the reference time): a record delete or range delete is an
-- absence here. What this adds is the data model.

CREATE TABLE IF NOT EXISTS ${target} (
    id             VARCHAR NOT NULL,
    item_key       BLOB NOT NULL,
    value          BLOB,
    value_len      BIGINT,
    codec          VARCHAR,
    chunk_count    INTEGER,
    value_metadata BLOB,
    write_ts       TIMESTAMP,
    expires_at     TIMESTAMP,
    _source        STRUCT(cluster VARCHAR, keyspace VARCHAR, "table" VARCHAR, backup VARCHAR, snapshot_ts TIMESTAMP),
    PRIMARY KEY (id, item_key)
) PARTITIONED BY (bucket(${buckets:-16}, id));

CREATE TABLE IF NOT EXISTS ${target}_errors (
    id             VARCHAR NOT NULL,
    item_key       BLOB NOT NULL,
    problem        VARCHAR NOT NULL,
    version        UUID,
    chunk_count    INTEGER,
    chunks_found   INTEGER,
    value_metadata BLOB,
    write_ts       TIMESTAMP,
    _source        STRUCT(cluster VARCHAR, keyspace VARCHAR, "table" VARCHAR, backup VARCHAR, snapshot_ts TIMESTAMP)
);

-- One pass: each item goes to the table or to its errors.
INSERT OVERWRITE ALL
    WHEN problem IS NULL THEN INTO ${target}
        VALUES (id, item_key, value, octet_length(value), codec, chunk_count, value_metadata, write_ts, expires_at, _source)
    ELSE INTO ${target}_errors
        VALUES (id, item_key, problem, version, chunk_count, chunks_found, value_metadata, write_ts, _source)
WITH items AS (
    -- Live items with their metadata decoded (absent metadata: an inline, uncompressed value).
    -- The write time is the idempotency token's generation time; a TTL gives the expiry.
    SELECT id, key AS item_key, value, value_metadata, kv_value_metadata(value_metadata) AS m,
           last_modified() AS write_ts,
           backup_source().ttl_reference_time + INTERVAL '1 second' * coalesce(ttl(value_metadata), ttl(value)) AS expires_at,
           backup_source() AS src
    FROM ${source} ${as_of:-}
),
live AS (
    -- An item whose metadata says expired is an item delete waiting for its jittered TTL.
    SELECT * FROM items WHERE NOT m.expired
),
committed AS (
    -- Chunked items name the version whose chunks they committed. Few rows without values:
    -- the side of the join that is held in memory.
    SELECT * FROM live WHERE m.chunk_count > 0
),
chunk_sets AS (
    -- One row per (id, key, version) as the chunk table is read, one set in memory at a time;
    -- orphaned and superseded sets match no committed item and are dropped by the join.
    SELECT * FROM kv_chunk_sets((SELECT id, key, version, chunk_index, value FROM ${chunks:-${source}_chunk} ${as_of:-}))
),
assembled AS (
    SELECT c.*, s.chunks, s.contiguous, s.total_len AS found_len, s.checksum AS found_checksum,
           kv_decode(s.value, c.value_metadata) AS d
    FROM chunk_sets s RIGHT JOIN committed c
        ON s.id = c.id AND s.key = c.item_key AND s.version = c.m.version
),
checked AS (
    SELECT id, item_key, value_metadata, m, write_ts, expires_at, src, d.value AS value, d.problem AS problem, NULL AS chunks
    FROM (SELECT *, kv_decode(value, value_metadata) AS d FROM live WHERE m.chunk_count = 0) AS inline_items
    UNION ALL
    SELECT id, item_key, value_metadata, m, write_ts, expires_at, src, d.value,
           CASE
               WHEN chunks IS NULL THEN 'no chunk of version ' || CAST(m.version AS VARCHAR) || ' is in the backup'
               WHEN NOT contiguous OR chunks <> m.chunk_count
                   THEN CAST(chunks AS VARCHAR) || ' chunks of version ' || CAST(m.version AS VARCHAR) || ' are in the backup'
                        || CASE WHEN contiguous THEN '' ELSE ' (their indices have gaps)' END
                        || '; the item committed ' || CAST(m.chunk_count AS VARCHAR)
               WHEN found_len <> m.total_len
                   THEN 'the chunks hold ' || CAST(found_len AS VARCHAR) || ' bytes; the item committed ' || CAST(m.total_len AS VARCHAR)
               WHEN found_checksum <> m.checksum
                   THEN 'the chunks'' CRC-32C is ' || CAST(found_checksum AS VARCHAR) || '; the item committed ' || CAST(m.checksum AS VARCHAR)
               ELSE d.problem
           END,
           chunks
    FROM assembled
)
SELECT id, item_key, value, m.codec AS codec, m.chunk_count AS chunk_count, value_metadata, write_ts, expires_at,
       {'cluster': src.cluster, 'keyspace': src.keyspace, 'table': src."table", 'backup': src.backup, 'snapshot_ts': src.snapshot_ts} AS _source,
       problem, m.version AS version, chunks AS chunks_found
FROM checked;
