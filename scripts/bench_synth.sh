#!/usr/bin/env bash
# Times `movesql backup synth` at a given size (default 1024 MiB) with GNU time: wall clock,
# CPU and peak memory, plus what it made. Usage: scripts/bench_synth.sh [SIZE_MB] [OUT_DIR]
set -euo pipefail
size=${1:-1024}
out=${2:-${TMPDIR:-/tmp}/movesql-synth-bench}
cd "$(dirname "$0")/.."
swift build -c release --product movesql >/dev/null
rm -rf "$out"
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
/usr/bin/time -f "wall %e s, user %U s, system %S s, CPU %P, peak RSS %M KiB" \
    .build/release/movesql backup synth --out "$out" --size-mb "$size" --wide-rows 100000
du -sh "$out/mutations.jsonl" "$out/backups"
