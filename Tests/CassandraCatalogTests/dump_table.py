"""Prints the current rows of an Iceberg table (pyiceberg SqlCatalog) as canonical JSON lines,
sorted, plus its snapshots' operations and totals."""
import os
import sys

import json
from pyiceberg.catalog.sql import SqlCatalog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "FixtureSupport"))
from interop import canonical  # noqa: E402



cat = SqlCatalog("default", uri="sqlite:///" + sys.argv[1], warehouse="file://" + sys.argv[2])
t = cat.load_table(sys.argv[3])
rows = sorted(canonical(r) for r in t.scan().to_arrow().to_pylist())
snaps = [[s.summary.operation.value, s.summary.get("total-records")] for s in t.metadata.snapshots]
print(json.dumps({"rows": rows, "snapshots": snaps}, ensure_ascii=False))
