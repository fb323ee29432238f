"""Reads the current snapshot's manifest list and manifests of a table with fastavro (not
pyiceberg's reader) and checks every live entry against its data file read by pyarrow:
record count, and per top-level primitive column value count, null count, NaN count and
lower/upper bounds; and the manifest list's file and row counts against its manifests.
Prints JSON: entries checked, mismatches."""
import json
import math
import sys

import fastavro
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.conversions import from_bytes
from pyiceberg.types import BinaryType, DoubleType, FloatType, StringType, UUIDType

catalog_db, warehouse, name = sys.argv[1], sys.argv[2], sys.argv[3]
t = SqlCatalog("default", uri="sqlite:///" + catalog_db, warehouse="file://" + warehouse).load_table(name)
schema = t.schema()
mismatches, entries = [], 0


def path(p):
    return p.removeprefix("file://")


def avro(p):
    with open(path(p), "rb") as f:
        return list(fastavro.reader(f))


def pairs(m):
    return {e["key"]: e["value"] for e in (m or [])}


for m in avro(t.current_snapshot().manifest_list):
    records = avro(m["manifest_path"])
    added = [r for r in records if r["status"] == 1]
    if m["added_files_count"] != len(added) or m["added_rows_count"] != sum(r["data_file"]["record_count"] for r in added):
        mismatches.append({"manifest": m["manifest_path"], "what": "manifest list counts"})
    for r in records:
        if r["status"] == 2:
            continue
        entries += 1
        df = r["data_file"]
        table = pq.read_table(path(df["file_path"]))
        if df["record_count"] != table.num_rows:
            mismatches.append({"file": df["file_path"], "what": "record_count"})
        values, nulls, nans = pairs(df["value_counts"]), pairs(df["null_value_counts"]), pairs(df["nan_value_counts"])
        lower, upper = pairs(df["lower_bounds"]), pairs(df["upper_bounds"])
        for field in schema.fields:
            if not field.field_type.is_primitive:
                continue
            col = table.column(field.name)
            fid, ft = field.field_id, field.field_type
            present = [v for v in col.to_pylist() if v is not None and not (isinstance(v, float) and math.isnan(v))]
            want = {"values": table.num_rows, "nulls": col.null_count}
            got = {"values": values.get(fid), "nulls": nulls.get(fid)}
            if isinstance(ft, (FloatType, DoubleType)):
                want["nans"] = sum(1 for v in col.to_pylist() if isinstance(v, float) and math.isnan(v))
                got["nans"] = nans.get(fid)
            if not isinstance(ft, UUIDType):
                lo = from_bytes(ft, lower[fid]) if fid in lower else None
                hi = from_bytes(ft, upper[fid]) if fid in upper else None
                if isinstance(ft, (StringType, BinaryType)):
                    mn, mx = (min(present), max(present)) if present else (None, None)
                    ok = (lo is None and mn is None) or (lo is not None and mn is not None and mn[:16] == lo and hi is not None and hi >= mx[:16])
                    if not ok:
                        got["bounds"], want["bounds"] = repr((lo, hi)), repr((mn, mx))
                else:
                    conv = lambda v: v  # noqa: E731
                    if present and hasattr(present[0], "timestamp"):
                        import datetime
                        epoch = datetime.datetime(1970, 1, 1, tzinfo=present[0].tzinfo)
                        conv = lambda v: (v - epoch) // datetime.timedelta(microseconds=1)  # noqa: E731
                    elif present and type(present[0]).__name__ == "date":
                        import datetime
                        conv = lambda v: (v - datetime.date(1970, 1, 1)).days  # noqa: E731
                    elif present and type(present[0]).__name__ == "time":
                        conv = lambda v: ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond  # noqa: E731
                    mn, mx = (conv(min(present)), conv(max(present))) if present else (None, None)
                    if isinstance(lo, bool) or isinstance(mn, bool):
                        lo, hi = (None if lo is None else bool(lo)), (None if hi is None else bool(hi))
                    want["bounds"], got["bounds"] = repr((mn, mx)), repr((lo, hi))
            if want != got:
                mismatches.append({"file": df["file_path"], "field": field.name, "want": want, "got": got})
print(json.dumps({"entries": entries, "mismatches": mismatches[:20]}, default=str))
