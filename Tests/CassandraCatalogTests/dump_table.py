"""Prints the current rows of an Iceberg table (pyiceberg SqlCatalog) as canonical JSON lines,
sorted, plus its snapshots' operations and totals."""
import datetime, decimal, json, struct, sys, uuid
from pyiceberg.catalog.sql import SqlCatalog

EPOCH = datetime.datetime(1970, 1, 1)


def norm(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return "nan" if v != v else "f:" + struct.pack(">d", v).hex()
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, (bytes, bytearray)):
        return "x:" + bytes(v).hex()
    if isinstance(v, uuid.UUID):
        return "x:" + v.hex
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        d = v - EPOCH
        return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
    if isinstance(v, datetime.date):
        return (v - EPOCH.date()).days
    if isinstance(v, datetime.time):
        return ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [norm(e) for e in v]
    raise TypeError(type(v))


cat = SqlCatalog("default", uri="sqlite:///" + sys.argv[1], warehouse="file://" + sys.argv[2])
t = cat.load_table(sys.argv[3])
rows = sorted(json.dumps(norm(r), sort_keys=True, separators=(",", ":"), ensure_ascii=False) for r in t.scan().to_arrow().to_pylist())
snaps = [[s.summary.operation.value, s.summary.get("total-records")] for s in t.metadata.snapshots]
print(json.dumps({"rows": rows, "snapshots": snaps}, ensure_ascii=False))
