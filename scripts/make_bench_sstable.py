#!/usr/bin/env python3
"""Writes one large uncompressed "nb" SSTable of the demo table for the benchmarks.

Usage: make_bench_sstable.py OUT_DIR PARTITIONS ROWS_PER_PARTITION

Each row has an email (text), a score (double) and two set elements, like the demo table;
partition count and width are chosen by the caller (wide partitions test streaming).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_demo_sstables import SCHEMA, Partition, write_sstable  # noqa: E402


def main(out_dir, partitions, rows):
    os.makedirs(out_dir, exist_ok=True)
    t = 1748736000 * 1_000_000
    parts = []
    for pk in range(partitions):
        p = Partition(pk)
        for r in range(rows):
            ts = t + pk * rows + r
            p.rows.append({"at": 1748736000000 + r * 1000, "ts": ts, "cells": [
                {"column": "email", "ts": ts, "value": f"user{pk}.{r}@example.com"},
                {"column": "score", "ts": ts, "value": r * 0.5},
                {"column": "tags", "ts": ts, "value": "alpha"},
                {"column": "tags", "ts": ts, "value": f"t{r % 10}"}]})
        parts.append(p)
    write_sstable(out_dir, 1, parts)
    with open(os.path.join(out_dir, "schema.cql"), "w") as f:
        f.write(SCHEMA)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
