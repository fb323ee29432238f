#!/usr/bin/env bash
# Reads synthesized backups through SQL with GNU time: RF 1 and RF 3 (three nodes, the `types`
# family, ~48 MiB on disk), on 1 and 2 threads, three queries — count(*) (merge only, nothing
# decoded), three columns, every column — plus a wide partition (one partition of WIDE_MB MiB
# on three replicas) for its peak memory. The data is the BackupScan benchmark's
# ($TMPDIR/movesql-bench, made by `make bench` or by this script through `backup synth`).
# Each query runs RUNS times (default 3): the best wall time and the largest peak RSS are shown
# (the VM is noisy). The wide partition is also sliced: 1000 rows from its middle and from its
# end through the clustering pushdown, against the same filter the engine alone applies.
# Usage: [RUNS=3] [PARTS="narrow wide"] scripts/bench_backup_scan.sh
set -euo pipefail
runs=${RUNS:-3}
# best_of LABEL CMD…: the fastest of $runs runs, with the largest peak RSS.
best_of() {
    local label=$1; shift
    local best="" rss=0
    for _ in $(seq "$runs"); do
        local out
        out=$( { /usr/bin/time -f "%e %P %M" "$@" >/dev/null; } 2>&1 | tail -1)
        local wall=${out%% *} rest=${out#* }
        local cpu=${rest%% *} mem=${rest##* }
        if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; bestcpu=$cpu; fi
        [ "$mem" -gt "$rss" ] && rss=$mem
    done
    echo "  $label: best wall $best s (CPU $bestcpu), peak RSS $rss KiB"
}
cd "$(dirname "$0")/.."
swift build -c release --product movesql >/dev/null
M=.build/release/movesql
data=${MOVESQL_BENCH_DATA:-${TMPDIR:-/tmp}}/movesql-bench
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
parts=${PARTS:-narrow wide}
for rf in 1 3; do
    [[ " $parts " == *" narrow "* ]] || break
    dir=$data/backup-rf$rf
    if [ ! -f "$dir/synth.json" ]; then
        rm -rf "$dir"
        $M backup synth --out "$dir" --seed 11 --size-mb 48 --rf $rf --nodes 3 --families types --wide-rows 20000 >/dev/null
    fi
    bytes=$($M --backups "$dir/backups" --format csv -e "SELECT sum(size_bytes) FROM cassandra.system.sstables WHERE table_name = 'all_types'" | tail -1)
    echo "RF $rf: all_types Data.db on disk (all nodes): $bytes bytes"
    for threads in 1 2; do
        for q in "count(*)" "count(c_text), count(c_map), count(c_varint)" "*"; do
            if [ "$q" = "*" ]; then sql="SELECT count(*) FROM (SELECT * FROM cassandra.synth.all_types) t WHERE c_text IS NOT NULL OR c_map IS NOT NULL OR c_udt IS NOT NULL OR c_list IS NOT NULL OR c_set IS NOT NULL OR c_tuple IS NOT NULL OR c_varint IS NOT NULL OR c_decimal IS NOT NULL OR c_inet IS NOT NULL OR c_duration IS NOT NULL OR c_blob IS NOT NULL OR c_uuid IS NOT NULL"
            else sql="SELECT $q FROM cassandra.synth.all_types"; fi
            best_of "threads $threads, SELECT $q" $M --backups "$dir/backups" -e "SET threads = $threads; SET cassandra_exact_types = 'text'; $sql"
        done
    done
done
wide=$data/backup-wide-${WIDE_MB:-1024}mb
if [[ " $parts " != *" wide "* ]]; then
    :
elif [ -f "$wide/done" ]; then
    best_of "wide partition (${WIDE_MB:-1024} MiB x 3 replicas), count(*) and sum(octet_length(v))" \
        $M --backups "$wide" -e "SELECT count(*), sum(octet_length(v)) FROM cassandra.wide.p"
    rows=$($M --backups "$wide" --format csv -e "SELECT max(c) FROM cassandra.wide.p WHERE c > 0" | tail -1)
    mid=$((rows / 2))
    for range in "c >= $mid AND c < $((mid + 1000))" "c > $((rows - 1000))"; do
        best_of "wide partition, WHERE $range (clustering slice)" \
            $M --backups "$wide" -e "SELECT count(*), sum(octet_length(v)) FROM cassandra.wide.p WHERE $range"
        hidden=${range//c /coalesce(c, c) }
        best_of "wide partition, WHERE $hidden (engine filter only)" \
            $M --backups "$wide" -e "SELECT count(*), sum(octet_length(v)) FROM cassandra.wide.p WHERE $hidden"
    done
else
    echo "wide partition: run the BackupScan benchmark once (make bench) to make $wide"
fi
