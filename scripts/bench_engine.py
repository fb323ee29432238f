#!/usr/bin/env python3
"""Runs sql/bench/*.sql in movesql and in DuckDB on the same data, in one run, and prints the
time of each (best of N) and the ratio movesql / DuckDB.

Usage: bench_engine.py MOVESQL_BINARY [--runs N] [--duckdb-python PYTHON]

DuckDB comes from PyPI (`pip install duckdb` in a venv); `make bench-engine` sets one up.
Times are wall clock of the query alone: the setup (sql/bench/setup.sql) runs first in the
same session and is not counted.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def movesql_time(binary, setup, query):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(setup + "\n" + query)
        path = f.name
    try:
        r = subprocess.run([binary, "--script", path, "--format", "csv", "--timing"], capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    if r.returncode != 0:
        raise RuntimeError(f"movesql failed: {r.stderr.strip()}")
    times = [float(line.split()[0]) for line in r.stderr.splitlines() if line.endswith(" s")]
    return times[-1], r.stdout.strip().splitlines()[-1]


def duckdb_times(python, setup, queries, runs):
    code = (
        "import duckdb, sys, time, json\n"
        "con = duckdb.connect()\n"
        "con.execute(sys.argv[1])\n"
        "out = {}\n"
        "for name, q in json.loads(sys.argv[2]).items():\n"
        "    best = None\n"
        f"    for _ in range({runs}):\n"
        "        t = time.perf_counter(); rows = con.execute(q).fetchall(); d = time.perf_counter() - t\n"
        "        best = d if best is None else min(best, d)\n"
        "    out[name] = [best, ','.join(map(str, rows[-1])) if rows else '']\n"
        "print(json.dumps(out))\n"
    )
    import json
    r = subprocess.run([python, "-c", code, setup, json.dumps(queries)], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"duckdb failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("movesql")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duckdb-python", default=sys.executable)
    a = ap.parse_args()
    setup = open(os.path.join(ROOT, "sql/bench/setup.sql")).read()
    queries = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "sql/bench/*.sql"))):
        name = os.path.basename(path)[:-4]
        if name != "setup":
            queries[name] = open(path).read().strip().rstrip(";")
    duck = duckdb_times(a.duckdb_python, setup, queries, a.runs)
    print(f"{'query':28} {'movesql s':>10} {'duckdb s':>10} {'ratio':>8}  result (movesql | duckdb)")
    for name, q in queries.items():
        best, result = None, ""
        for _ in range(a.runs):
            t, result = movesql_time(a.movesql, setup, q + ";")
            best = t if best is None else min(best, t)
        d, dres = duck[name]
        print(f"{name:28} {best:10.3f} {d:10.3f} {best / d if d else float('inf'):8.1f}  {result} | {dres}")


if __name__ == "__main__":
    main()
