#!/usr/bin/env python3
"""Writes the project's own demo SSTables: two Cassandra 4.0 ("nb") SSTables of one table.

An independent encoder (plain Python, no Cassandra code), written from the format as
docs/sstable-format.md describes it, so that `make demo` has data of known content and the
tests can check the reader against it. The second SSTable updates, deletes and expires data
of the first, so reading the folder shows the merge at work:

    CREATE TABLE demo.users (id int, at timestamp, email text, score double, tags set<text>,
                             PRIMARY KEY (id, at)) WITH CLUSTERING ORDER BY (at DESC)

Usage: make_demo_sstables.py OUT_DIR   (writes nb-1-big-*, nb-2-big-*, schema.cql, expected.jsonl)
"""
import json
import os
import struct
import sys
import zlib

TIMESTAMP_EPOCH = 1442880000000000
DELETION_TIME_EPOCH = 1442880000
NO_DELETION_TIME = 0x7FFFFFFF
MARSHAL = "org.apache.cassandra.db.marshal."

SCHEMA = """CREATE TABLE demo.users (
    id int,
    at timestamp,
    email text,
    score double,
    tags set<text>,
    PRIMARY KEY (id, at)
) WITH CLUSTERING ORDER BY (at DESC);
"""


def uvint(v):
    """Cassandra's unsigned vint: the leading one bits of the first byte count the bytes that
    follow; n bytes (n < 9) hold 7n value bits, 9 bytes hold 64."""
    assert v >= 0
    if v < 0x80:
        return bytes([v])
    size = next(n for n in range(2, 10) if n == 9 or v < 1 << (7 * n))
    extra = size - 1
    body = v.to_bytes(size, "big") if size < 9 else b"\x00" + v.to_bytes(8, "big")
    first = (0xFF << (8 - extra)) & 0xFF | body[0]
    return bytes([first]) + body[1:]


def with_vint_length(b):
    return uvint(len(b)) + b


def murmur3_token(key):
    """Cassandra's Murmur3Partitioner token (hash3_x64_128 with sign-extended tail bytes)."""
    m = (1 << 64) - 1

    def rotl(x, r):
        return ((x << r) | (x >> (64 - r))) & m

    def fmix(k):
        k ^= k >> 33
        k = (k * 0xFF51AFD7ED558CCD) & m
        k ^= k >> 33
        k = (k * 0xC4CEB9FE1A85EC53) & m
        k ^= k >> 33
        return k

    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    h1 = h2 = 0
    n = len(key) // 16
    for i in range(n):
        k1 = int.from_bytes(key[i * 16:i * 16 + 8], "little")
        k2 = int.from_bytes(key[i * 16 + 8:i * 16 + 16], "little")
        k1 = (k1 * c1) & m; k1 = rotl(k1, 31); k1 = (k1 * c2) & m; h1 ^= k1
        h1 = rotl(h1, 27); h1 = (h1 + h2) & m; h1 = (h1 * 5 + 0x52DCE729) & m
        k2 = (k2 * c2) & m; k2 = rotl(k2, 33); k2 = (k2 * c1) & m; h2 ^= k2
        h2 = rotl(h2, 31); h2 = (h2 + h1) & m; h2 = (h2 * 5 + 0x38495AB5) & m
    tail = key[n * 16:]
    k1 = k2 = 0
    for i in range(len(tail) - 1, -1, -1):
        b = tail[i] - 256 if tail[i] >= 128 else tail[i]
        if i >= 8:
            k2 ^= (b << ((i - 8) * 8)) & m
        else:
            k1 ^= (b << (i * 8)) & m
    if len(tail) > 8:
        k2 = (k2 * c2) & m; k2 = rotl(k2, 33); k2 = (k2 * c1) & m; h2 ^= k2
    if len(tail) > 0:
        k1 = (k1 * c1) & m; k1 = rotl(k1, 31); k1 = (k1 * c2) & m; h1 ^= k1
    h1 ^= len(key); h2 ^= len(key)
    h1 = (h1 + h2) & m; h2 = (h2 + h1) & m
    h1 = fmix(h1); h2 = fmix(h2)
    h1 = (h1 + h2) & m
    t = h1 - (1 << 64) if h1 >= 1 << 63 else h1
    return 0x7FFFFFFFFFFFFFFF if t == -(1 << 63) else t


class Partition:
    def __init__(self, pk, deletion=None):
        self.key = struct.pack(">i", pk)
        self.deletion = deletion  # (markedForDeleteAt, localDeletionTime) or None
        self.rows = []            # dicts: at, ts, [deleted], cells


class Column:
    """A regular column: its marshal type and how a cell's value (and, for complex columns,
    its path) is serialized. Set columns keep the element in the cell's "value" and write it
    as the path, with an empty value."""

    def __init__(self, name, marshal, encode, fixed=False, complex=False, path=None, set_like=False):
        self.name, self.marshal, self.encode = name, marshal, encode
        self.fixed, self.complex, self.path, self.set_like = fixed, complex, path, set_like


DEMO_COLUMNS = [
    Column("email", MARSHAL + "UTF8Type", lambda v: v.encode()),
    Column("score", MARSHAL + "DoubleType", lambda v: struct.pack(">d", v), fixed=True),
    Column("tags", MARSHAL + "SetType(" + MARSHAL + "UTF8Type)", lambda v: v.encode(), complex=True, set_like=True),
]


def write_sstable(out_dir, generation, partitions, columns=DEMO_COLUMNS):
    """Writes nb-<generation>-big-* for partitions of (id int, at timestamp DESC, <columns>).
    `columns` must be in Cassandra's row order: simple columns by name, then complex ones."""
    # Encoding stats: every timestamp, deletion time and TTL is stored relative to the minimum.
    timestamps, ldts, ttls = [], [], []
    for p in partitions:
        if p.deletion:
            timestamps.append(p.deletion[0]); ldts.append(p.deletion[1])
        for r in p.rows:
            timestamps.append(r["ts"])
            if "deleted" in r:
                timestamps.append(r["deleted"][0]); ldts.append(r["deleted"][1])
            for c in r["cells"]:
                timestamps.append(c["ts"])
                if "ttl" in c:
                    ttls.append(c["ttl"]); ldts.append(c["expires"])
                if c.get("tombstone"):
                    ldts.append(c["tombstone"])
    min_ts = min(timestamps)
    min_ldt = min(ldts) if ldts else NO_DELETION_TIME
    min_ttl = min(ttls) if ttls else 0
    header_regular = [(c.name, c.marshal) for c in columns]

    data = bytearray()
    partitions = sorted(partitions, key=lambda p: (murmur3_token(p.key), p.key))
    for p in partitions:
        data += struct.pack(">H", len(p.key)) + p.key
        if p.deletion:
            data += struct.pack(">iq", p.deletion[1], p.deletion[0])
        else:
            data += struct.pack(">iq", NO_DELETION_TIME, -(1 << 63))
        previous = 0
        # Clustering order is DESC on `at`.
        for r in sorted(p.rows, key=lambda r: -r["at"]):
            body = bytearray()
            flags = 0x04  # HAS_TIMESTAMP
            body += uvint(r["ts"] - min_ts)
            if "deleted" in r:
                flags |= 0x10
                body += uvint(r["deleted"][0] - min_ts) + uvint(r["deleted"][1] - min_ldt)
            names = [c["column"] for c in r["cells"]]
            present = [col for col in columns if col.name in names]
            if len(present) == len(columns):
                flags |= 0x20  # HAS_ALL_COLUMNS
            else:
                missing = 0
                for i, col in enumerate(columns):
                    if col.name not in names:
                        missing |= 1 << i
                body += uvint(missing)
            for col in columns:
                cells = [c for c in r["cells"] if c["column"] == col.name]
                if not cells:
                    continue
                if col.complex:
                    body += uvint(len(cells))
                for c in cells:
                    cflags = 0
                    if "ttl" in c:
                        cflags |= 0x02
                    if c.get("tombstone"):
                        cflags |= 0x01
                    if col.set_like or c.get("tombstone"):
                        cflags |= 0x04  # no value: set elements, tombstones
                    body.append(cflags)
                    body += uvint(c["ts"] - min_ts)
                    if "ttl" in c:
                        body += uvint(c["expires"] - min_ldt) + uvint(c["ttl"] - min_ttl)
                    elif c.get("tombstone"):
                        body += uvint(c["tombstone"] - min_ldt)
                    if col.complex:
                        path = col.encode(c["value"]) if col.set_like else col.path(c["path"])
                        body += with_vint_length(path)
                    if not col.set_like and not c.get("tombstone"):
                        # Complex cells carry the collection's (variable-length) type: always a length.
                        value = col.encode(c["value"])
                        body += value if col.fixed and not col.complex else with_vint_length(value)
            clustering = uvint(0) + struct.pack(">q", r["at"])
            prev = uvint(previous)
            row = bytes([flags]) + clustering + uvint(len(prev) + len(body)) + prev + bytes(body)
            data += row
            previous = len(row)
        data.append(0x01)  # end of partition

    base = os.path.join(out_dir, f"nb-{generation}-big-")
    with open(base + "Data.db", "wb") as f:
        f.write(data)
    chunk = 65536
    crcs = [zlib.crc32(data[i:i + chunk]) for i in range(0, len(data), chunk)]
    with open(base + "CRC.db", "wb") as f:
        f.write(struct.pack(">i", chunk) + b"".join(struct.pack(">I", c) for c in crcs))
    with open(base + "Digest.crc32", "w") as f:
        f.write(str(zlib.crc32(data)))

    def utf(s):
        b = s.encode()
        return struct.pack(">H", len(b)) + b

    validation = utf("org.apache.cassandra.dht.Murmur3Partitioner") + struct.pack(">d", 0.01)
    compaction = struct.pack(">i", 0)
    rows_total = sum(len(p.rows) for p in partitions)
    stats = bytearray()
    stats += struct.pack(">i", 1) + struct.pack(">qq", 0, len(partitions))    # partition sizes
    stats += struct.pack(">i", 1) + struct.pack(">qq", 0, len(partitions))    # cells per partition
    stats += struct.pack(">qi", 0, 0)                                         # commit log upper bound
    stats += struct.pack(">qq", min_ts, max(timestamps))
    stats += struct.pack(">ii", min_ldt, max(ldts) if ldts else NO_DELETION_TIME)
    stats += struct.pack(">ii", min_ttl, max(ttls) if ttls else 0)
    stats += struct.pack(">d", -1.0)                                          # no compression
    stats += struct.pack(">ii", 100, 0)                                       # tombstone histogram
    stats += struct.pack(">iq", 0, 0)                                         # level, repairedAt
    stats += struct.pack(">ii", 0, 0)                                         # min/max clustering
    stats += b"\x00" + struct.pack(">qq", 0, rows_total)                      # counters, columns, rows
    stats += struct.pack(">qi", 0, 0) + struct.pack(">i", 0)                  # commit log lower bound, intervals
    stats += b"\x00" + b"\x00" + b"\x00"                                      # pending repair, transient, host id
    header = bytearray()
    header += uvint(min_ts - TIMESTAMP_EPOCH) + uvint(min_ldt - DELETION_TIME_EPOCH) + uvint(min_ttl)
    header += with_vint_length((MARSHAL + "Int32Type").encode())
    header += uvint(1) + with_vint_length((MARSHAL + "ReversedType(" + MARSHAL + "TimestampType)").encode())
    header += uvint(0)
    header += uvint(len(header_regular))
    for n, t in header_regular:
        header += with_vint_length(n.encode()) + with_vint_length(t.encode())
    components = [bytes(validation), compaction, bytes(stats), bytes(header)]
    toc = bytearray()
    offset = 4 + 4 + 8 * len(components) + 4
    for i, c in enumerate(components):
        toc += struct.pack(">ii", i, offset)
        offset += len(c) + 4
    count = struct.pack(">i", len(components))
    out = bytearray(count + struct.pack(">I", zlib.crc32(count)) + toc + struct.pack(">I", zlib.crc32(count + toc)))
    for c in components:
        out += c + struct.pack(">I", zlib.crc32(c))
    with open(base + "Statistics.db", "wb") as f:
        f.write(out)
    with open(base + "TOC.txt", "w") as f:
        f.write("\n".join(["Data.db", "Statistics.db", "Digest.crc32", "CRC.db", "TOC.txt"]) + "\n")


def ms(day, hour=0):
    """Milliseconds of 2025-06-<day>T<hour>:00:00Z."""
    return (1748736000 + (day - 1) * 86400 + hour * 3600) * 1000


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    t1 = 1748736000 * 1_000_000          # 2025-06-01T00:00:00Z in µs
    t2 = t1 + 86400 * 1_000_000          # a day later
    s1 = t1 // 1_000_000

    first = []
    p = Partition(1)
    p.rows.append({"at": ms(1, 9), "ts": t1, "cells": [
        {"column": "email", "ts": t1, "value": "ana@example.com"},
        {"column": "score", "ts": t1, "value": 9.5},
        {"column": "tags", "ts": t1, "value": "admin"},
        {"column": "tags", "ts": t1, "value": "beta"}]})
    p.rows.append({"at": ms(1, 8), "ts": t1, "cells": [
        {"column": "email", "ts": t1, "value": "ana@example.com"},
        {"column": "score", "ts": t1, "value": 8.0}]})
    first.append(p)
    p = Partition(2)
    p.rows.append({"at": ms(1, 10), "ts": t1, "cells": [
        {"column": "email", "ts": t1, "value": "bo@example.com"},
        {"column": "score", "ts": t1, "value": 7.25, "ttl": 3600, "expires": s1 + 3600}]})
    p.rows.append({"at": ms(1, 11), "ts": t1, "cells": [
        {"column": "email", "ts": t1, "value": "bo@old.example.com"}]})
    first.append(p)
    p = Partition(3)
    p.rows.append({"at": ms(1, 12), "ts": t1, "cells": [
        {"column": "email", "ts": t1, "value": "cy@example.com"}]})
    first.append(p)
    write_sstable(out_dir, 1, first)

    second = []
    p = Partition(1)   # a newer email for one row: last write wins
    p.rows.append({"at": ms(1, 9), "ts": t2, "cells": [
        {"column": "email", "ts": t2, "value": "ana@new.example.com"}]})
    second.append(p)
    p = Partition(2)   # a row deleted
    p.rows.append({"at": ms(1, 11), "ts": t1, "deleted": (t2, s1 + 86400), "cells": []})
    second.append(p)
    second.append(Partition(3, deletion=(t2, s1 + 86400)))  # a partition deleted
    p = Partition(4)
    p.rows.append({"at": ms(2, 7), "ts": t2, "cells": [
        {"column": "email", "ts": t2, "value": "di@example.com"},
        {"column": "tags", "ts": t2, "value": "new"}]})
    second.append(p)
    write_sstable(out_dir, 2, second)

    with open(os.path.join(out_dir, "schema.cql"), "w") as f:
        f.write(SCHEMA)
    # What the merged table holds at 2026-01-01 (the 1-hour TTL on bo's score has expired).
    expected = [
        {"id": 1, "at": "2025-06-01T09:00:00.000Z", "email": "ana@new.example.com", "score": 9.5, "tags": ["admin", "beta"]},
        {"id": 1, "at": "2025-06-01T08:00:00.000Z", "email": "ana@example.com", "score": 8.0, "tags": None},
        {"id": 2, "at": "2025-06-01T10:00:00.000Z", "email": "bo@example.com", "score": None, "tags": None},
        {"id": 4, "at": "2025-06-02T07:00:00.000Z", "email": "di@example.com", "score": None, "tags": ["new"]},
    ]
    expected.sort(key=lambda r: murmur3_token(struct.pack(">i", r["id"])))
    with open(os.path.join(out_dir, "expected.jsonl"), "w") as f:
        for r in expected:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
