#!/usr/bin/env python3
"""Reading an Iceberg table movesql wrote, three ways on the same files in one run: movesql's
SELECT (Parquet reader, Dremel assembly, the engine's aggregate), DuckDB's read_parquet over
the data files, pyarrow's read_table plus a compute sum. Wall times and ratios.

    python3 scripts/bench_iceberg_read.py .build/release/movesql --python .venv-test/bin/python [--rows 2000000]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

parser = argparse.ArgumentParser()
parser.add_argument("movesql")
parser.add_argument("--python", default=sys.executable)
parser.add_argument("--rows", type=int, default=2_000_000)
parser.add_argument("--repeat", type=int, default=3)
args = parser.parse_args()
root = tempfile.mkdtemp(prefix="movesql-read-")
try:
    wh = os.path.join(root, "wh")
    subprocess.run([args.movesql, "--warehouse", wh, "-e", f"""
        CREATE SCHEMA iceberg.b;
        CREATE TABLE iceberg.b.t AS SELECT i AS id, 'value ' || (i % 1000) AS s, i * 1.5 AS d,
          TIMESTAMP '2024-01-01' + i * INTERVAL 1 SECOND AS ts FROM generate_series(1, {args.rows}) AS g(i)"""],
                   check=True, capture_output=True)
    files = []
    for dirpath, _, names in os.walk(os.path.join(wh, "b", "t", "data")):
        files += [os.path.join(dirpath, n) for n in names if n.endswith(".parquet")]
    query = "SELECT count(*), sum(id), sum(d), max(ts), count(DISTINCT s) FROM {}"

    def best(fn):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        return min(times), out

    ours_t, ours = best(lambda: subprocess.run([args.movesql, "--warehouse", wh, "--format", "csv", "-e", query.format("iceberg.b.t")],
                                               check=True, capture_output=True, text=True).stdout.splitlines()[-1])
    listing = "[" + ",".join("'" + f + "'" for f in files) + "]"
    duck = textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect()
        start = time.perf_counter()
        r = con.sql("{query.format('read_parquet(' + listing + ')')}").fetchall()
        print(time.perf_counter() - start, r)
    """)
    arrow = textwrap.dedent(f"""
        import pyarrow.parquet as pq, pyarrow.compute as pc, pyarrow as pa, time
        start = time.perf_counter()
        t = pa.concat_tables([pq.read_table(f) for f in {files!r}])
        r = (t.num_rows, pc.sum(t['id']).as_py(), pc.sum(t['d']).as_py(), pc.max(t['ts']).as_py(), pc.count_distinct(t['s']).as_py())
        print(time.perf_counter() - start, r)
    """)

    def inner(code):
        # In-process time (the interpreter's start-up excluded), best of the repeats.
        runs = [subprocess.run([args.python, "-c", code], check=True, capture_output=True, text=True).stdout.split(" ", 1) for _ in range(args.repeat)]
        return min(float(r[0]) for r in runs), runs[0][1].strip()

    duck_t, duck_out = inner(duck)
    arrow_t, arrow_out = inner(arrow)
    print(f"{args.rows} rows, {len(files)} files, {sum(os.path.getsize(f) for f in files) / 1e6:.1f} MB zstd; best of {args.repeat}")
    print("| reader | s | ratio to movesql |")
    print("| --- | ---: | ---: |")
    print(f"| movesql SELECT (whole process) | {ours_t:.3f} | 1.00 |")
    print(f"| DuckDB read_parquet (in process) | {duck_t:.3f} | {duck_t / ours_t:.2f} |")
    print(f"| pyarrow read_table + compute (in process) | {arrow_t:.3f} | {arrow_t / ours_t:.2f} |")
    print("movesql:", ours)
    print("duckdb: ", duck_out)
    print("pyarrow:", arrow_out)
finally:
    shutil.rmtree(root, ignore_errors=True)
