# movesql: the two set-up commands of the README, and what they need.
SWIFT ?= swift
DEB_PACKAGES := liblz4-dev libzstd-dev libsnappy-dev zlib1g-dev libsqlite3-dev python3 python3-venv
DEMO_DIR := .build/demo

.PHONY: demo test deps venv build bench bench-engine sqllogic examples

## The Python readers the interop tests compare with (PyPI, in .venv-test).
VENV := .venv-test
INTEROP_PACKAGES := pyarrow==26.0.1 fastavro==1.13.1 duckdb==2.0.1 'pyiceberg[sql-sqlite]==0.12.0' pyiceberg-core==0.10.1
venv: deps
	@[ -x $(VENV)/bin/python ] && $(VENV)/bin/python -c "import pyarrow, fastavro, duckdb, pyiceberg, sqlalchemy, pyiceberg_core" 2>/dev/null || \
		(python3 -m venv $(VENV) && $(VENV)/bin/pip install -q $(INTEROP_PACKAGES))

## Installs the Debian packages the build links against, when any is missing.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product movesql

## The main job: a small three-node backup (synthesized once, with its expected tables) moved
## with SQL from the cassandra catalog into Iceberg tables in ./warehouse (SQLite catalog
## ./warehouse/catalog.db, the layout pyiceberg's SqlCatalog opens), then the demo SSTables
## dumped as JSON rows.
DEMO_CLUSTER := .build/demo-cluster
WAREHOUSE ?= ./warehouse
demo: build
	@[ -f $(DEMO_CLUSTER)/synth.json ] || \
		.build/release/movesql backup synth --out $(DEMO_CLUSTER) --size-mb 2 --wide-rows 2000 --chunked-values 1
	.build/release/movesql --backups $(DEMO_CLUSTER)/backups --warehouse $(WAREHOUSE) -e "\
		SELECT name, started, complete, nodes, size_bytes FROM cassandra.system.backups; \
		CREATE SCHEMA IF NOT EXISTS iceberg.demo; \
		CREATE OR REPLACE TABLE iceberg.demo.items AS \
			SELECT id, key, value, value_metadata, writetime(value) AS written FROM cassandra.kv.items; \
		CREATE OR REPLACE TABLE iceberg.demo.events AS \
			SELECT *, writetime(event_item_value) AS written FROM cassandra.ts.wide_data_20261128_0; \
		SHOW TABLES; \
		SELECT count(*) AS items, count(DISTINCT id) AS ids, max(written) AS latest_write FROM iceberg.demo.items; \
		SELECT committed_at, snapshot_id, operation, summary['total-records'] AS total_records FROM iceberg.demo.\"items\$$snapshots\""
	@echo "Open the tables with pyiceberg (pip install 'pyiceberg[sql-sqlite]' pyarrow):"
	@echo "  python3 -c \"from pyiceberg.catalog.sql import SqlCatalog; c = SqlCatalog('default', uri='sqlite:///$$(realpath $(WAREHOUSE))/catalog.db', warehouse='file://$$(realpath $(WAREHOUSE))'); print(c.load_table('demo.items').scan().to_arrow())\""
	@echo "or their files with DuckDB: SELECT count(*) FROM read_parquet('$$(realpath $(WAREHOUSE))/demo/items/data/*.parquet')"
	python3 scripts/make_demo_sstables.py $(DEMO_DIR)
	.build/release/movesql sstable describe $(DEMO_DIR)/nb-1-big-Data.db
	.build/release/movesql sstable dump --schema $(DEMO_DIR)/schema.cql --reference-time 2026-01-01T00:00:00Z $(DEMO_DIR)

## The tests: unit tests, the ../shared fixtures (skipped, saying so, when ../shared is absent
## outside CI) and the interop tests against pyarrow (in the venv this makes).
test: venv
	$(SWIFT) build --product movesql
	$(SWIFT) test
	$(MAKE) examples

## Programs built on the library (Examples/): each builds and checks itself.
examples: deps
	Examples/udf-cli/check.sh

bench: deps
	cd Benchmarks && $(SWIFT) package benchmark

## The peer sqllogictest corpus (../shared/sqllogic) against the release build; the floor only rises.
SQLLOGIC_MIN_PASS_RATE := 1.0
sqllogic: deps
	$(SWIFT) build -c release --product movesql
	python3 ../shared/sqllogic/run_slt.py --cmd ".build/release/movesql" --min-pass-rate $(SQLLOGIC_MIN_PASS_RATE)
	python3 ../shared/sqllogic/run_slt.py --cmd ".build/release/movesql" Tests/sql

## The engine on sql/bench beside DuckDB (from PyPI, in .venv-bench), as ratios.
bench-engine: deps
	$(SWIFT) build -c release --product movesql
	[ -x .venv-bench/bin/python ] || (python3 -m venv .venv-bench && .venv-bench/bin/pip install -q duckdb)
	python3 scripts/bench_engine.py .build/release/movesql --duckdb-python .venv-bench/bin/python
