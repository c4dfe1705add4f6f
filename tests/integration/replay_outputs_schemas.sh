#!/usr/bin/env bash
# Every record `replay` writes validates against schemas/output/.
set -euo pipefail
: "${MF_BIN:?}" "${MF_WORK:?}" "${MF_SOURCE_DIR:?}"
rm -rf "$MF_WORK" && mkdir -p "$MF_WORK" && cd "$MF_WORK"
"$MF_BIN" gen --seed 3 --authorities 2 --from 2023-01-01 --to 2023-11-07 \
  --corrections 0.02 --malformed 0.01 --population pop.csv --out in.mp
"$MF_BIN" replay --quiet --table none --population pop.csv --referrals referrals.ndjson \
  --indicators indicators.ndjson --deadletter deadletter.ndjson in.mp
test -s referrals.ndjson && test -s indicators.ndjson && test -s deadletter.ndjson
/usr/bin/python3 "$MF_SOURCE_DIR/tests/integration/schema_check.py" \
  --schemas "$MF_SOURCE_DIR/schemas" --schemas-only \
  --outputs referrals.ndjson indicators.ndjson deadletter.ndjson
