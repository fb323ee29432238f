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
## into Iceberg tables in ./warehouse (SQLite catalog ./warehouse/catalog.db, the layout
## pyiceberg's SqlCatalog opens) — a table with SQL from the cassandra catalog, then the
## Key-Value and Time-Series namespaces through their connectors — then the demo SSTables
## dumped as JSON rows.
DEMO_CLUSTER := .build/demo-cluster
WAREHOUSE ?= ./warehouse
demo: build
	@[ -f $(DEMO_CLUSTER)/expected/connectors/kv.items.jsonl ] || { rm -rf $(DEMO_CLUSTER); \
		.build/release/movesql backup synth --out $(DEMO_CLUSTER) --size-mb 20 --wide-rows 2000 --chunked-values 3; }
	.build/release/movesql --backups $(DEMO_CLUSTER)/backups --warehouse $(WAREHOUSE) -e "\
		SELECT name, started, complete, nodes, size_bytes FROM cassandra.system.backups; \
		CREATE SCHEMA IF NOT EXISTS iceberg.demo; \
		CREATE OR REPLACE TABLE iceberg.demo.items AS \
			SELECT id, key, value, value_metadata, writetime(value) AS written FROM cassandra.kv.items"
	.build/release/movesql connector run kv --source cassandra.kv.items --target iceberg.demo.kv_items \
		--backups $(DEMO_CLUSTER)/backups --warehouse $(WAREHOUSE)
	.build/release/movesql connector run ts --source cassandra.ts --namespace playback --target iceberg.demo.playback_events \
		--backups $(DEMO_CLUSTER)/backups --warehouse $(WAREHOUSE)
	.build/release/movesql --warehouse $(WAREHOUSE) -e "\
		SHOW TABLES; \
		SELECT codec, chunk_count > 0 AS chunked, count(*) AS items, sum(value_len) AS bytes, max(write_ts) AS latest_write \
			FROM iceberg.demo.kv_items GROUP BY 1, 2 ORDER BY 1, 2; \
		SELECT id, problem FROM iceberg.demo.kv_items_errors; \
		SELECT _time_slice, count(*) AS events, sum(item_count) AS items FROM iceberg.demo.playback_events GROUP BY 1 ORDER BY 1; \
		SELECT committed_at, snapshot_id, operation, summary['total-records'] AS total_records FROM iceberg.demo.\"kv_items\$$snapshots\""
	@echo "Open the tables with pyiceberg (pip install 'pyiceberg[sql-sqlite]' pyarrow):"
	@echo "  python3 -c \"from pyiceberg.catalog.sql import SqlCatalog; c = SqlCatalog('default', uri='sqlite:///$$(realpath $(WAREHOUSE))/catalog.db', warehouse='file://$$(realpath $(WAREHOUSE))'); print(c.load_table('demo.kv_items').scan().to_arrow())\""
	@echo "or their files with DuckDB: SELECT count(*) FROM read_parquet('$$(realpath $(WAREHOUSE))/demo/kv_items/data/*/*.parquet')"
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
