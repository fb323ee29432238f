#!/usr/bin/env python3
"""Writes an "nb" SSTable holding the types the shared fixtures do not cover (non-frozen
UDTs, vectors) beside frozen collections, tuples, durations, varints, decimals, non-frozen
lists, maps and sets, and an element tombstone; plus schema.cql and expected.jsonl.

Values are serialized here from the CQL type rules (an encoder independent of the Swift
reader); expected.jsonl is written by hand in the fixtures' value encoding.

Usage: make_type_sstables.py OUT_DIR
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_demo_sstables import MARSHAL, Column, Partition, murmur3_token, write_sstable  # noqa: E402

M = MARSHAL
SCHEMA = """CREATE TYPE demo.point (x int, label text);
CREATE TABLE demo.types (
    id int, at timestamp,
    de decimal, du duration, fl frozen<list<int>>, fm frozen<map<text, int>>, tu tuple<int, text>,
    ve vector<float, 3>, vi varint,
    li list<text>, m map<text, int>, pt point, s set<int>,
    PRIMARY KEY (id, at)
) WITH CLUSTERING ORDER BY (at DESC);
"""


def i32(v):
    return struct.pack(">i", v)


def sized(b):
    """A part of a frozen collection, tuple or UDT value: 32-bit length, then the bytes."""
    return i32(len(b)) + b


def varint(v):
    n = 1
    while not -(1 << (8 * n - 1)) <= v < 1 << (8 * n - 1):
        n += 1
    return v.to_bytes(n, "big", signed=True)


def zigzag_vint(v):
    from make_demo_sstables import uvint
    return uvint((v << 1) ^ (v >> 63) if v < 0 else v << 1)


def timeuuid(n):
    """A version-1 uuid whose timestamp grows with n (list cell ids)."""
    t = 0x1E0000000000000 + n
    time_low, time_mid, time_hi = t & 0xFFFFFFFF, (t >> 32) & 0xFFFF, (t >> 48) & 0x0FFF | 0x1000
    return struct.pack(">IHH", time_low, time_mid, time_hi) + bytes([0x80, 0, 0, 0, 0, 0, 0, 1])


COLUMNS = [
    Column("de", M + "DecimalType", lambda v: i32(v[1]) + varint(v[0])),
    Column("du", M + "DurationType", lambda v: b"".join(zigzag_vint(x) for x in v)),
    Column("fl", M + "FrozenType(" + M + "ListType(" + M + "Int32Type))", lambda v: i32(len(v)) + b"".join(sized(i32(x)) for x in v)),
    Column("fm", M + "FrozenType(" + M + "MapType(" + M + "UTF8Type," + M + "Int32Type))",
           lambda v: i32(len(v)) + b"".join(sized(k.encode()) + sized(i32(x)) for k, x in v)),
    Column("tu", M + "TupleType(" + M + "Int32Type," + M + "UTF8Type)", lambda v: sized(i32(v[0])) + sized(v[1].encode())),
    Column("ve", M + "VectorType(" + M + "FloatType,3)", lambda v: b"".join(struct.pack(">f", x) for x in v), fixed=True),
    Column("vi", M + "IntegerType", varint),
    Column("li", M + "ListType(" + M + "UTF8Type)", lambda v: v.encode(), complex=True, path=timeuuid),
    Column("m", M + "MapType(" + M + "UTF8Type," + M + "Int32Type)", i32, complex=True, path=lambda k: k.encode()),
    Column("pt", M + "UserType(demo,706f696e74,78:" + M + "Int32Type,6c6162656c:" + M + "UTF8Type)",
           lambda v: i32(v) if isinstance(v, int) else v.encode(), complex=True, path=lambda f: struct.pack(">h", f)),
    Column("s", M + "SetType(" + M + "Int32Type)", i32, complex=True, set_like=True),
]


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    ts = 1748736000 * 1_000_000
    at = 1748736000000
    p = Partition(1)
    p.rows.append({"at": at, "ts": ts, "cells": [
        {"column": "de", "ts": ts, "value": (31415, 4)},
        {"column": "du", "ts": ts, "value": (1, 2, 3)},
        {"column": "fl", "ts": ts, "value": [1, 2, 3]},
        {"column": "fm", "ts": ts, "value": [("a", 1), ("b", 2)]},
        {"column": "tu", "ts": ts, "value": (7, "seven")},
        {"column": "ve", "ts": ts, "value": [1.0, 2.5, -3.0]},
        {"column": "vi", "ts": ts, "value": -12345678901234567890},
        {"column": "li", "ts": ts, "path": 1, "value": "x"},
        {"column": "li", "ts": ts, "path": 2, "value": "y"},
        {"column": "m", "ts": ts, "path": "k1", "value": 10},
        {"column": "m", "ts": ts, "path": "k2", "value": 20},
        {"column": "pt", "ts": ts, "path": 0, "value": 5},
        {"column": "pt", "ts": ts, "path": 1, "value": "five"},
        {"column": "s", "ts": ts, "value": 1},
        {"column": "s", "ts": ts, "value": 3},
    ]})
    # Only one UDT field set, and a map element deleted.
    p.rows.append({"at": at - 1000, "ts": ts, "cells": [
        {"column": "m", "ts": ts, "path": "gone", "tombstone": 1748736000},
        {"column": "m", "ts": ts, "path": "kept", "value": 1},
        {"column": "pt", "ts": ts, "path": 1, "value": "only a label"},
    ]})
    write_sstable(out_dir, 1, [p], COLUMNS)
    with open(os.path.join(out_dir, "schema.cql"), "w") as f:
        f.write(SCHEMA)
    rows = [
        {"id": 1, "at": "2025-06-01T00:00:00.000Z", "de": "3.1415", "du": {"months": 1, "days": 2, "nanoseconds": 3},
         "fl": [1, 2, 3], "fm": [["a", 1], ["b", 2]], "tu": [7, "seven"], "ve": [1.0, 2.5, -3.0],
         "vi": -12345678901234567890, "li": ["x", "y"], "m": [["k1", 10], ["k2", 20]],
         "pt": {"x": 5, "label": "five"}, "s": [1, 3]},
        {"id": 1, "at": "2025-05-31T23:59:59.000Z", "de": None, "du": None, "fl": None, "fm": None, "tu": None,
         "ve": None, "vi": None, "li": None, "m": [["kept", 1]], "pt": {"x": None, "label": "only a label"}, "s": None},
    ]
    with open(os.path.join(out_dir, "expected.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
