-- Data for the engine benchmarks: one million integers, and a second table to join.
CREATE TABLE t AS SELECT generate_series AS x FROM generate_series(1, 1000000);
CREATE TABLE u AS SELECT generate_series * 3 AS y, generate_series % 10 AS tag FROM generate_series(1, 200000);
