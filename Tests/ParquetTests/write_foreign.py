"""Writes Parquet files the way other writers do (pyarrow with every encoding, page version,
codec and legacy shape; DuckDB) into a folder, each with the rows pyarrow reads back in the
canonical form. Prints `file<TAB>expected-rows-file` per file."""
import datetime
import decimal
import os
import sys
import uuid

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "FixtureSupport"))
from interop import canonical  # noqa: E402

out = sys.argv[1]
N = 2500
words = ["alpha", "beta", "gamma", "δέλτα", "漢字", "", "x" * 40]


def flat_table():
    return pa.table({
        "b": pa.array([None if i % 17 == 0 else i % 3 == 0 for i in range(N)]),
        "i8": pa.array([None if i % 11 == 0 else (i % 256) - 128 for i in range(N)], pa.int8()),
        "i16": pa.array([(i * 7) % 65536 - 32768 for i in range(N)], pa.int16()),
        "i32": pa.array([None if i % 5 == 0 else i * 1000 - 7 for i in range(N)], pa.int32()),
        "i64": pa.array([i * 1_000_000_007 - 2**40 for i in range(N)], pa.int64()),
        "u32": pa.array([2**32 - 1 - i for i in range(N)], pa.uint32()),
        "u64": pa.array([2**64 - 1 - i for i in range(N)], pa.uint64()),
        "f": pa.array([None if i % 13 == 0 else float(i) / 3 - 100 for i in range(N)], pa.float32()),
        "d": pa.array([float("nan") if i == 3 else (-0.0 if i == 4 else i * 1.5e10 - 7.25) for i in range(N)], pa.float64()),
        "s": pa.array([None if i % 7 == 0 else words[i % len(words)] + str(i % 100) for i in range(N)]),
        "bin": pa.array([bytes([i % 256, (i * 3) % 256]) * (i % 4) for i in range(N)], pa.binary()),
        "fixed": pa.array([bytes([i % 256]) * 5 for i in range(N)], pa.binary(5)),
        "dt": pa.array([datetime.date(1960, 1, 1) + datetime.timedelta(days=i * 11) for i in range(N)]),
        "t": pa.array([datetime.time((i // 3600) % 24, (i // 60) % 60, i % 60, i % 1000 * 1000) for i in range(N)], pa.time64("us")),
        "tms": pa.array([(i * 12345) % 86_400_000 for i in range(N)], pa.time32("ms")),
        "ts": pa.array([datetime.datetime(1965, 3, 1) + datetime.timedelta(seconds=i * 86399, microseconds=i) for i in range(N)], pa.timestamp("us")),
        "tsms": pa.array([i * 86_400_123 - 10**11 for i in range(N)], pa.timestamp("ms", tz="UTC")),
        "tsns": pa.array([i * 86_400_123_456_000 - 10**17 for i in range(N)], pa.timestamp("ns")),
        "dec9": pa.array([None if i % 9 == 0 else decimal.Decimal(i * 137 - 99999).scaleb(-2) for i in range(N)], pa.decimal128(9, 2)),
        "dec18": pa.array([decimal.Decimal(i * 10**12 - 7).scaleb(-4) for i in range(N)], pa.decimal128(18, 4)),
        "dec38": pa.array([decimal.Decimal(i * 10**30 + 12345678901234567890 - 10**33).scaleb(-10) for i in range(N)], pa.decimal128(38, 10)),
        "u": pa.array([uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % 2**128).bytes for i in range(N)], pa.uuid()) if hasattr(pa, "uuid") else pa.array([b"\0" * 16] * N, pa.binary(16)),
    })


def nested_table():
    return pa.table({
        "id": pa.array(range(N), pa.int64()),
        "tags": pa.array([None if i % 10 == 0 else [None if (i + k) % 7 == 0 else words[(i + k) % len(words)] for k in range(i % 4)] for i in range(N)],
                         pa.list_(pa.string())),
        "attrs": pa.array([None if i % 9 == 0 else [("k%d" % k, None if k == 1 else i * 10 + k) for k in range(i % 3)] for i in range(N)],
                          pa.map_(pa.string(), pa.int64())),
        "point": pa.array([None if i % 8 == 0 else {"x": float(i), "y": None if i % 3 == 0 else -i} for i in range(N)],
                          pa.struct([pa.field("x", pa.float64(), nullable=False), pa.field("y", pa.int32())])),
        "grid": pa.array([[[j for j in range(k % 3)] if k % 4 else None for k in range(i % 3)] for i in range(N)], pa.list_(pa.list_(pa.int32()))),
        "events": pa.array([[{"k": "e%d" % e, "vs": [i, e] if e else []} for e in range(i % 3)] for i in range(N)],
                           pa.list_(pa.struct([pa.field("k", pa.string()), pa.field("vs", pa.list_(pa.int64()))]))),
    })


def expected(table, path):
    rows = pq.read_table(path).to_pylist()
    for r in rows:
        # UINT64 reads as the engine's HUGEINT, whose canonical form is a decimal string.
        if r.get("u64") is not None:
            r["u64"] = str(r["u64"])
    rows = [canonical(r) for r in rows]
    with open(path + ".rows", "w") as f:
        f.write("\n".join(rows))
    print(path + "\t" + path + ".rows")


def write(name, table, **options):
    path = os.path.join(out, name + ".parquet")
    pq.write_table(table, path, **options)
    expected(table, path)


flat, nested = flat_table(), nested_table()
for codec in ["none", "snappy", "gzip", "zstd", "lz4"]:
    write("flat-" + codec, flat, compression=codec, row_group_size=1000, data_page_size=4096)
write("flat-v2", flat, data_page_version="2.0", compression="zstd", data_page_size=2048)
write("flat-v2-plain", flat, data_page_version="2.0", use_dictionary=False, compression="snappy")
write("flat-int96", flat.select(["ts", "tsms", "i32"]), use_deprecated_int96_timestamps=True)
write("flat-decimal-ints", flat.select(["dec9", "dec18", "dec38"]), store_decimal_as_integer=True)
ints = ["i8", "i16", "i32", "i64", "u32", "u64", "dt", "t", "ts", "tsns"]
write("delta-binary-packed", flat.select(ints), use_dictionary=False, column_encoding={c: "DELTA_BINARY_PACKED" for c in ints})
write("delta-binary-packed-v2", flat.select(ints), use_dictionary=False, data_page_version="2.0", column_encoding={c: "DELTA_BINARY_PACKED" for c in ints})
write("delta-length-byte-array", flat.select(["s", "bin"]), use_dictionary=False, column_encoding={"s": "DELTA_LENGTH_BYTE_ARRAY", "bin": "DELTA_LENGTH_BYTE_ARRAY"})
write("delta-byte-array", flat.select(["s", "bin", "fixed"]), use_dictionary=False,
      column_encoding={"s": "DELTA_BYTE_ARRAY", "bin": "DELTA_BYTE_ARRAY", "fixed": "DELTA_BYTE_ARRAY"})
write("byte-stream-split", flat.select(["f", "d", "i32", "i64", "fixed"]), use_dictionary=False,
      column_encoding={"f": "BYTE_STREAM_SPLIT", "d": "BYTE_STREAM_SPLIT", "i32": "BYTE_STREAM_SPLIT", "i64": "BYTE_STREAM_SPLIT", "fixed": "BYTE_STREAM_SPLIT"})
write("rle-booleans-v2", flat.select(["b"]), use_dictionary=False, data_page_version="2.0")
write("nested", nested, row_group_size=700, data_page_size=2048)
write("nested-v2", nested, data_page_version="2.0", use_dictionary=False)
write("nested-legacy", nested, use_compliant_nested_type=False)

con = duckdb.connect()
duck = os.path.join(out, "duckdb.parquet")
con.execute(f"""COPY (SELECT i AS id, 'v' || i AS s, i * 1.5 AS d, CAST(i AS DECIMAL(12, 3)) / 7 AS dec,
    DATE '2000-01-01' + CAST(i AS INTEGER) AS dt, TIMESTAMP '2000-01-01' + i * INTERVAL 1 SECOND AS ts,
    CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1] END AS l, {{'a': i, 'b': 'x' || i}} AS st, MAP {{'k': i}} AS m,
    CAST(i % 2 = 0 AS BOOLEAN) AS flag, gen_random_uuid() AS u
    FROM range(5000) t(i)) TO '{duck}' (FORMAT parquet, ROW_GROUP_SIZE 2000)""")
expected(None, duck)
duck2 = os.path.join(out, "duckdb-v2.parquet")
con.execute(f"""COPY (SELECT i AS id, 'v' || (i % 100) AS s, i / 3 AS d, i::FLOAT AS f FROM range(5000) t(i))
    TO '{duck2}' (FORMAT parquet, PARQUET_VERSION v2, COMPRESSION snappy)""")
expected(None, duck2)
