"""Appends rows to a table movesql made, with pyiceberg (its own Parquet files and manifests,
partitioned by its own transforms), and prints them as canonical JSON, one per line."""
import datetime
import decimal
import os
import sys
import uuid

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "FixtureSupport"))
from interop import canonical  # noqa: E402

catalog_db, warehouse, name, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cat = SqlCatalog("default", uri="sqlite:///" + catalog_db, warehouse="file://" + warehouse)
t = cat.load_table(name)
rows = [{"id": 1000 + i, "small": i - 3, "ts": datetime.datetime(1969, 12, 31, 23, 0, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=7 * i),
         "d": datetime.date(1970, 1, 1) + datetime.timedelta(days=i - 2), "s": None if i % 3 == 0 else "py %d ü" % i,
         "amount": decimal.Decimal(i * 101 - 250).scaleb(-2), "u": uuid.UUID(int=i * 977).bytes, "bin": bytes([i, 0, 255]),
         "flag": i % 2 == 0, "n": i * -1000} for i in range(count)]
t.append(pa.Table.from_pylist(rows, schema=t.schema().as_arrow()))
for r in t.scan(row_filter="id >= 1000").to_arrow().to_pylist():
    print(canonical(r))
