"""Reads a Parquet file with pyarrow and prints what a test compares: the schema with field
ids, every row normalized to canonical JSON, and each row group's column statistics."""
import os
import sys

import json
import pyarrow.parquet as pq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "FixtureSupport"))
from interop import canonical, norm  # noqa: E402



def main(path):
    f = pq.ParquetFile(path)
    md = f.metadata
    schema = []
    for i in range(md.num_columns):
        c = md.schema.column(i)
        schema.append({"path": c.path, "physical": c.physical_type, "logical": str(c.logical_type), "max_def": c.max_definition_level, "max_rep": c.max_repetition_level})
    arrow = f.schema_arrow
    ids = {}

    def walk(field, prefix):
        meta = field.metadata or {}
        if b"PARQUET:field_id" in meta:
            ids[prefix + field.name] = int(meta[b"PARQUET:field_id"])
        t = field.type
        for child in getattr(t, "fields", None) or []:
            walk(child, prefix + field.name + ".")
        if hasattr(t, "value_field") and not hasattr(t, "key_field"):
            walk(t.value_field, prefix + field.name + ".")
        if hasattr(t, "key_field"):
            walk(t.key_field, prefix + field.name + ".")
            walk(t.item_field, prefix + field.name + ".")

    for field in arrow:
        walk(field, "")
    table = f.read()
    rows = [canonical(r) for r in table.to_pylist()]
    groups = []
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        cols = []
        for i in range(rg.num_columns):
            cc = rg.column(i)
            s = cc.statistics
            cols.append({"path": cc.path_in_schema, "codec": cc.compression, "num_values": cc.num_values,
                         "null_count": s.null_count if s is not None else None,
                         "min": norm(s.min) if s is not None and s.has_min_max else None,
                         "max": norm(s.max) if s is not None and s.has_min_max else None,
                         "encodings": list(cc.encodings)})
        groups.append({"rows": rg.num_rows, "columns": cols})
    print(json.dumps({"rows": rows, "schema": schema, "field_ids": ids, "row_groups": groups, "num_rows": md.num_rows, "created_by": md.created_by}))


main(sys.argv[1])
