"""Reads a connector's Iceberg output through pyiceberg and compares it with what the
generator says it must be (`backup synth`'s expected/connectors/<name>.jsonl).

    check_connector.py CATALOG_DB WAREHOUSE ICEBERG_TABLE EXPECTED_JSONL KIND

KIND says how a row becomes the expected file's canonical JSON: kv, kv_errors, ts,
ts_errors. Prints JSON: rows read, rows expected, the first differences each way, and what
pyiceberg says of the table (schema, partition spec, identifier fields)."""
import json
import sys

from pyiceberg.catalog.sql import SqlCatalog

catalog_db, warehouse, name, expected_path, kind = sys.argv[1:6]
cat = SqlCatalog("default", uri="sqlite:///" + catalog_db, warehouse="file://" + warehouse)
t = cat.load_table(name)
rows = t.scan().to_arrow().to_pylist()


def hexed(b):
    return None if b is None else bytes(b).hex()


def micros(ts):
    if ts is None:
        return None
    # timestamptz comes back as an aware datetime; whole microseconds since the epoch.
    import datetime
    delta = ts - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def canonical(r):
    if kind == "kv":
        out = {"id": r["id"], "item_key": hexed(r["item_key"]), "value": hexed(r["value"]), "value_len": r["value_len"],
               "codec": r["codec"], "chunk_count": r["chunk_count"], "value_metadata": hexed(r["value_metadata"]),
               "write_ts": micros(r["write_ts"]), "expires_at": micros(r["expires_at"])}
    elif kind == "kv_errors":
        out = {"id": r["id"], "item_key": hexed(r["item_key"]), "version": str(r["version"]) if r["version"] else None,
               "chunk_count": r["chunk_count"], "chunks_found": r["chunks_found"]}
    elif kind == "ts":
        items = dict(r["items"]) if isinstance(r["items"], list) else r["items"]
        out = {"time_series_id": r["time_series_id"], "event_time": micros(r["event_time"]), "event_id": r["event_id"],
               "items": {k: hexed(v) for k, v in sorted(items.items())}, "item_count": r["item_count"],
               "write_ts": micros(r["write_ts"]), "_time_slice": r["_time_slice"], "_time_bucket": r["_time_bucket"],
               "_event_bucket": r["_event_bucket"]}
    elif kind == "ts_errors":
        out = {"time_series_id": r["time_series_id"], "event_time": micros(r["event_time"]), "event_id": r["event_id"],
               "_time_slice": r["_time_slice"]}
    else:
        raise SystemExit("unknown kind " + kind)
    return json.dumps(out, sort_keys=True, separators=(",", ":"))


got = sorted(canonical(r) for r in rows)
with open(expected_path) as f:
    want = sorted(json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")) for line in f if line.strip())
gs, ws = set(got), set(want)
print(json.dumps({
    "rows": len(got), "expected": len(want), "duplicates": len(got) - len(gs),
    "missing": sorted(ws - gs)[:5], "extra": sorted(gs - ws)[:5],
    "schema": [[f.name, str(f.field_type), f.required] for f in t.schema().fields],
    "spec": [[f.name, str(f.transform)] for f in t.spec().fields],
    "identifier": sorted(t.schema().identifier_field_names()),
    "problems": sorted({r["problem"] for r in rows if r.get("problem")})[:5],
    "sources": sorted({json.dumps(r["_source"], sort_keys=True, default=str) for r in rows})[:3] if rows and "_source" in rows[0] else [],
}))
