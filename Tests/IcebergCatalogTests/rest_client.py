"""Reads (and appends to) a table through pyiceberg's own REST catalog client, against the
test server: prints the rows as canonical JSON, one per line."""
import os
import sys

import pyarrow as pa
from pyiceberg.catalog.rest import RestCatalog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "FixtureSupport"))
from interop import canonical  # noqa: E402

uri, name = sys.argv[1], sys.argv[2]
append = len(sys.argv) > 3
t = RestCatalog("rest", uri=uri).load_table(name)
if append:
    t.append(pa.Table.from_pylist([{"id": 9000 + i, "s": "pyiceberg %d" % i} for i in range(3)], schema=t.schema().as_arrow()))
for r in t.scan().to_arrow().to_pylist():
    print(canonical(r))
