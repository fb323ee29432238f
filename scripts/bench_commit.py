#!/usr/bin/env python3
"""Commit latency as a table's history grows: movesql and pyiceberg each append one small
batch N times to their own table in the same SQLite catalog layout, in one run, and the
per-commit wall time is reported at several history lengths, with the ratio.

    python3 scripts/bench_commit.py .build/release/movesql --python .venv-test/bin/python [--commits 500]

movesql runs all its INSERTs in one process (`--script`, `--timing` per statement); pyiceberg
appends in one process too. Each commit writes a data file, a manifest, a manifest list that
lists every earlier manifest (a fast append), and a metadata.json carrying every snapshot.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

parser = argparse.ArgumentParser()
parser.add_argument("movesql")
parser.add_argument("--python", default=sys.executable)
parser.add_argument("--commits", type=int, default=500)
args = parser.parse_args()
n = args.commits
marks = [m for m in (1, 10, 100, 250, 500, 1000, 2000) if m <= n]
root = tempfile.mkdtemp(prefix="movesql-commit-")
try:
    wh = os.path.join(root, "wh")
    script = os.path.join(root, "inserts.sql")
    with open(script, "w") as f:
        f.write("CREATE SCHEMA iceberg.b;\nCREATE TABLE iceberg.b.ours (id BIGINT, name VARCHAR);\n")
        for i in range(n):
            f.write(f"INSERT INTO iceberg.b.ours SELECT {i}, 'row {i}';\n")
    run = subprocess.run([args.movesql, "--warehouse", wh, "--timing", "--script", script], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stderr)
    times = [float(line.split()[0]) for line in run.stderr.splitlines() if line.endswith(" s") and line.split()[0].replace(".", "").isdigit()]
    ours = times[2:]  # after CREATE SCHEMA and CREATE TABLE
    assert len(ours) == n, (len(ours), run.stderr[-500:])

    py = textwrap.dedent(f"""
        import json, time, pyarrow as pa
        from pyiceberg.catalog.sql import SqlCatalog
        cat = SqlCatalog("default", uri="sqlite:///{wh}/catalog.db", warehouse="file://{wh}")
        t = cat.create_table("b.theirs", schema=cat.load_table("b.ours").schema())
        schema = t.schema().as_arrow()
        out = []
        for i in range({n}):
            batch = pa.Table.from_pylist([{{"id": i, "name": f"row {{i}}"}}], schema=schema)
            start = time.perf_counter()
            t.append(batch)
            out.append(time.perf_counter() - start)
        print(json.dumps(out))
    """)
    theirs = json.loads(subprocess.run([args.python, "-c", py], capture_output=True, text=True, check=True).stdout)
    # Both tables read back complete.
    check = subprocess.run([args.movesql, "--warehouse", wh, "--format", "csv", "-e",
                            "SELECT count(*) FROM iceberg.b.ours; SELECT count(*) FROM iceberg.b.theirs"], capture_output=True, text=True)
    counts = [l for l in check.stdout.splitlines() if l.strip().isdigit()]
    assert counts == [str(n), str(n)], check.stdout + check.stderr

    def window(xs, at):
        lo = max(0, at - 5)
        part = sorted(xs[lo:at])
        return part[len(part) // 2]

    print(f"commit latency, one 1-row append per commit, {n} commits each (median of the 5 commits before each mark)")
    print("| history (snapshots) | movesql ms | pyiceberg ms | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for m in marks:
        a, b = window(ours, m) * 1000, window(theirs, m) * 1000
        print(f"| {m} | {a:.1f} | {b:.1f} | {a / b:.2f} |")
    print(f"total: movesql {sum(ours):.2f} s, pyiceberg {sum(theirs):.2f} s")
finally:
    shutil.rmtree(root, ignore_errors=True)
