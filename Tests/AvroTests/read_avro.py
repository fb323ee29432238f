"""Reads an Avro container with fastavro and prints its codec, metadata and records as JSON
(bytes as {"hex": …}, the form of shared/fixtures/iceberg-reference/dump)."""
import datetime, json, sys, uuid
import fastavro


def norm(v):
    if isinstance(v, (bytes, bytearray)):
        return {"hex": bytes(v).hex()}
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, float) and v != v:
        return "NaN"
    if isinstance(v, uuid.UUID):
        return {"hex": v.hex}
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v


with open(sys.argv[1], "rb") as f:
    r = fastavro.reader(f)
    meta = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in r.metadata.items()}
    records = [norm(x) for x in r]
print(json.dumps({"codec": r.codec, "metadata": meta, "records": records}, sort_keys=True, ensure_ascii=False))
