"""Checks a partitioned table movesql wrote, through pyiceberg: every row of every live data
file, transformed by pyiceberg's own partition transforms, must equal the partition value
the manifest gives the file; filtered scans (which pyiceberg prunes by partition values) are
counted. Prints JSON: files, rows checked, mismatches, spec, counts per filter."""
import json
import sys

import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.conversions import from_bytes

catalog_db, warehouse, name = sys.argv[1], sys.argv[2], sys.argv[3]
filters = sys.argv[4:]
cat = SqlCatalog("default", uri="sqlite:///" + catalog_db, warehouse="file://" + warehouse)
t = cat.load_table(name)
schema = t.schema()
spec = t.spec()
transforms = []
for f in spec.fields:
    source = schema.find_field(f.source_id)
    transforms.append((f.name, source.name, f.transform.transform(source.field_type)))

mismatches, rows, files = [], 0, 0
for task in t.scan().plan_files():
    files += 1
    partition = task.file.partition
    data = pq.read_table(task.file.file_path.removeprefix("file://")).to_pylist()
    for row in data:
        rows += 1
        for k, (pname, column, fn) in enumerate(transforms):
            value = row[column]
            expected = fn(value)
            got = partition[k]
            if expected != got and len(mismatches) < 20:
                mismatches.append({"file": task.file.file_path, "field": pname, "value": repr(value), "pyiceberg": repr(expected), "manifest": repr(got)})
# The manifest list's partition summaries: null/NaN flags and bounds over each manifest's files.
summary_mismatches = []
snapshot = t.current_snapshot()
result_types = [f.transform.result_type(schema.find_field(f.source_id).field_type) for f in spec.fields]
for manifest in (snapshot.manifests(t.io) if snapshot else []):
    values = [e.data_file.partition for e in manifest.fetch_manifest_entry(t.io, discard_deleted=False)]
    for k, summary in enumerate(manifest.partitions or []):
        present = [v[k] for v in values if v[k] is not None and v[k] == v[k]]
        want = {"contains_null": any(v[k] is None for v in values),
                "lower": min(present) if present else None, "upper": max(present) if present else None}
        got = {"contains_null": summary.contains_null,
               "lower": from_bytes(result_types[k], summary.lower_bound) if summary.lower_bound is not None else None,
               "upper": from_bytes(result_types[k], summary.upper_bound) if summary.upper_bound is not None else None}
        if want != got:
            summary_mismatches.append({"manifest": manifest.manifest_path, "field": spec.fields[k].name, "want": repr(want), "got": repr(got)})
codecs = sorted({pq.ParquetFile(task.file.file_path.removeprefix("file://")).metadata.row_group(0).column(0).compression
                 for task in t.scan().plan_files()})
counts = {f: len(t.scan(row_filter=f).to_arrow()) for f in filters}
print(json.dumps({"files": files, "rows": rows, "mismatches": mismatches, "summary_mismatches": summary_mismatches, "codecs": codecs,
                  "spec": [[f.name, str(f.transform), f.source_id, f.field_id] for f in spec.fields],
                  "counts": counts}, ensure_ascii=False))
