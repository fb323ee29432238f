#!/usr/bin/env python3
"""Writes the same rows to zstd Parquet with movesql (as an Iceberg table: Parquet files plus
manifests and one commit), pyarrow and DuckDB, in one run, and prints each one's best time of
N, rows/s, output MB/s and the ratios movesql / pyarrow and movesql / DuckDB.

Usage: bench_parquet_write.py MOVESQL_BINARY [--rows N] [--runs N] [--python VENV_PYTHON]

The rows (id bigint, name varchar, score double, ts timestamp, flag boolean, tags list) are
made in memory first by each tool and not counted; only the write is timed (movesql: the
statement's own --timing; the others: perf_counter around the write call).
"""
import argparse
import json
import os
import shutil
import subprocess
import tempfile

# {i} is the generated column: generate_series in movesql, range in DuckDB.
SELECT = ("SELECT {i} AS id, 'customer-' || ({i} % 100000) AS name, CAST({i} AS DOUBLE) * 0.25 AS score, "
          "TIMESTAMP '2026-01-01 00:00:00' + {i} * INTERVAL 1 SECOND AS ts, {i} % 3 = 0 AS flag, "
          "[CAST({i} % 7 AS VARCHAR), CAST({i} % 11 AS VARCHAR)] AS tags")


def movesql(binary, rows, runs, work):
    best = None
    size = 0
    for k in range(runs):
        wh = os.path.join(work, f"wh{k}")
        script = os.path.join(work, "w.sql")
        with open(script, "w") as f:
            f.write("CREATE TABLE src AS " + SELECT.format(i="generate_series") + f" FROM generate_series(1, {rows});\n")
            f.write("CREATE SCHEMA iceberg.b;\nCREATE TABLE iceberg.b.t AS SELECT * FROM src;\n")
        r = subprocess.run([binary, "--warehouse", wh, "--script", script, "--timing"], capture_output=True, text=True, timeout=1200)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        t = [float(l.split()[0]) for l in r.stderr.splitlines() if l.endswith(" s")][-1]
        best = t if best is None else min(best, t)
        data = os.path.join(wh, "b", "t", "data")
        size = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data))
    return best, size


def others(python, rows, runs, work):
    code = f"""
import duckdb, json, os, sys, time
import pyarrow.parquet as pq
con = duckdb.connect()
con.execute({json.dumps("CREATE TABLE src AS " + SELECT.format(i="range") + f" FROM range(1, {rows} + 1)")})
table = con.execute("SELECT * FROM src").to_arrow_table()
out = {{}}
best = None
for k in range({runs}):
    p = os.path.join({json.dumps(work)}, f"pa{{k}}.parquet")
    t = time.perf_counter(); pq.write_table(table, p, compression="zstd"); d = time.perf_counter() - t
    best = d if best is None else min(best, d)
out["pyarrow"] = [best, os.path.getsize(p)]
best = None
for k in range({runs}):
    p = os.path.join({json.dumps(work)}, f"dd{{k}}.parquet")
    t = time.perf_counter(); con.execute(f"COPY src TO '{{p}}' (FORMAT parquet, COMPRESSION zstd)"); d = time.perf_counter() - t
    best = d if best is None else min(best, d)
out["duckdb"] = [best, os.path.getsize(p)]
print(json.dumps(out))
"""
    r = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=1200)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("movesql")
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--python", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".venv-test", "bin", "python"))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="movesql-pqbench-")
    try:
        m, msize = movesql(a.movesql, a.rows, a.runs, work)
        o = others(a.python, a.rows, a.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{a.rows} rows, best of {a.runs}, zstd")
    for name, (t, size) in [("movesql (Iceberg table)", (m, msize)), ("pyarrow", o["pyarrow"]), ("duckdb", o["duckdb"])]:
        print(f"  {name:24s} {t:7.3f} s  {a.rows / t / 1e6:6.2f} M rows/s  {size / t / 1e6:7.1f} MB/s out  {size / 1e6:7.1f} MB")
    print(f"  ratio movesql/pyarrow {m / o['pyarrow'][0]:.2f}x time, movesql/duckdb {m / o['duckdb'][0]:.2f}x time")


if __name__ == "__main__":
    main()
