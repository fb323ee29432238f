"""The canonical JSON of rows read by the interop readers (pyarrow, pyiceberg): the form of
Tests/FixtureSupport/Canonical.swift. Imported by the test scripts beside each test target."""
import datetime, decimal, json, struct, uuid

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
        # Map entries come as (key, value) tuples: [key, value] like list elements.
        return [norm(e) for e in v]
    raise TypeError(type(v))


def canonical(row):
    return json.dumps(norm(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
