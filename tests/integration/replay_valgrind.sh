#!/usr/bin/env bash
# valgrind memcheck of `mashflow replay` on a small file in both encodings,
# with every output and the dirty inputs the generator can make: no invalid
# read or write, no use of an uninitialised value, and no leak of any kind.
set -euo pipefail
source "$(dirname "$0")/checks.sh"
"$MF_BIN" gen --seed 5 --authorities 2 --from 2023-10-01 --to 2023-11-07 --disorder 0.05 \
  --duplicates 0.02 --corrections 0.02 --malformed 0.01 --out events.mp 2>/dev/null
"$MF_BIN" gen --seed 5 --authorities 2 --from 2023-10-01 --to 2023-11-07 --disorder 0.05 \
  --duplicates 0.02 --corrections 0.02 --malformed 0.01 --format ndjson --out events.ndjson \
  2>/dev/null
for f in events.mp events.ndjson; do
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=all --track-origins=yes --error-exitcode=99 --log-file="vg-$f.log" \
    "$MF_BIN" replay --quiet --table none --as-of 2023-11-07 --referrals "ref-$f.ndjson" \
    --alerts "alerts-$f.ndjson" --indicators "ind-$f.ndjson" --deadletter "dl-$f.ndjson" "$f" \
    && rc=0 || rc=$?
  check "$f: replay under memcheck exits 0 (99 would be an error or leak)" test "$rc" = 0
  check "$f: ERROR SUMMARY: 0 errors" grep -q "ERROR SUMMARY: 0 errors from 0 contexts" "vg-$f.log"
  check "$f: all heap blocks freed" grep -q "All heap blocks were freed -- no leaks are possible" "vg-$f.log"
  check "$f: outputs written" test -s "ref-$f.ndjson" -a -s "dl-$f.ndjson"
  grep -E "ERROR SUMMARY|total heap usage" "vg-$f.log" | sed 's/^==[0-9]*== /     /'
done
check "the two encodings give the same referral records" cmp -s ref-events.mp.ndjson ref-events.ndjson.ndjson
summary replay_valgrind
