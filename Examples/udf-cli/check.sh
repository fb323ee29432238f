#!/usr/bin/env bash
# Builds the example and checks that its functions run inside the movesql command line.
set -euo pipefail
cd "$(dirname "$0")"
swift build
bin=.build/debug/movesql-udfs
got=$("$bin" --format csv -e "SELECT mask_email('ana@example.com') AS m, mask_email(NULL) IS NULL AS n, days_between(TIMESTAMP '2026-01-01', TIMESTAMP '2026-03-01') AS d, median(x) AS med FROM (VALUES (1.0), (5.0), (2.0), (10.0)) AS t(x)")
want=$'m,n,d,med\na**@example.com,true,59,3.5'
if [ "$got" != "$want" ]; then
    echo "the example's functions gave:"; echo "$got"; echo "expected:"; echo "$want"; exit 1
fi
"$bin" --format csv -e "SHOW FUNCTIONS" | grep -q '^median,aggregate,median(DOUBLE) -> DOUBLE$'
# A function's failure is the CLI's error, naming it.
if "$bin" -e "SELECT days_between('x', TIMESTAMP '2026-01-01')" 2> err.txt; then echo "a bad call succeeded"; exit 1; fi
grep -q "no function days_between" err.txt && rm -f err.txt
echo "Examples/udf-cli: ok"
