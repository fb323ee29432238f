"""Opens a table movesql wrote through pyiceberg's SqlCatalog and prints what the test
compares: every snapshot's rows (canonical JSON), a filtered scan (bounds used for pruning),
DuckDB's count over the data files, then appends rows with pyiceberg and reports the result."""
import os
import sys

import json
import duckdb
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "FixtureSupport"))
from interop import canonical  # noqa: E402



def rows(arrow):
    out = [canonical(r) for r in arrow.to_pylist()]
    return sorted(out)


catalog_db, warehouse, name, pivot = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cat = SqlCatalog("default", uri="sqlite:///" + catalog_db, warehouse="file://" + warehouse)
t = cat.load_table(name)
result = {"snapshots": []}
for s in t.metadata.snapshots:
    result["snapshots"].append({"id": s.snapshot_id, "operation": s.summary.operation.value,
                                "total_records": s.summary.get("total-records"), "rows": rows(t.scan(snapshot_id=s.snapshot_id).to_arrow())})
result["filtered"] = rows(t.scan(row_filter=f"id >= {pivot}").to_arrow())
files = [f.file.file_path for f in t.scan().plan_files()]
result["files"] = len(files)
result["duckdb_count"] = duckdb.sql("SELECT count(*) FROM read_parquet([" + ",".join("'" + f.removeprefix("file://") + "'" for f in files) + "])").fetchall()[0][0] if files else 0
# pyiceberg appends to our table; we read its snapshot back in the test.
schema = t.schema().as_arrow()
extra = pa.Table.from_pylist([{"id": 10_000_000 + i, "name": f"py{i}"} for i in range(3)], schema=schema)
t.append(extra)
result["after_append_snapshot"] = t.current_snapshot().snapshot_id
print(json.dumps(result, ensure_ascii=False))
