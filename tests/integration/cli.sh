#!/usr/bin/env bash
# The command line: help on every subcommand, documented exit codes, and
# configuration errors that name the file and line.
set -uo pipefail
: "${MF_BIN:?}" "${MF_WORK:?}"
rm -rf "$MF_WORK" && mkdir -p "$MF_WORK" && cd "$MF_WORK"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
expect_exit() { # want, name, command...
  local want=$1 name=$2; shift 2
  "$@" >out.txt 2>err.txt; local got=$?
  if [[ $got -eq $want ]]; then ok "$name (exit $got)"; else bad "$name: exit $got, wanted $want"; cat err.txt; fi
}
expect_grep() { # pattern, file, name
  if grep -q -- "$1" "$2"; then ok "$3"; else bad "$3: no '$1' in $2"; cat "$2"; fi
}

expect_exit 0 "mashflow --help" "$MF_BIN" --help
expect_grep "replay" out.txt "top-level help lists replay"
for cmd in gen replay validate run check-config broker; do
  expect_exit 0 "$cmd --help" "$MF_BIN" "$cmd" --help
  expect_grep "usage: mashflow $cmd" out.txt "$cmd --help prints its usage"
  expect_exit 2 "$cmd with an unknown flag" "$MF_BIN" "$cmd" --no-such-flag
done
expect_exit 2 "unknown subcommand" "$MF_BIN" frobnicate
expect_exit 2 "replay without files" "$MF_BIN" replay
expect_exit 2 "replay with a bad --as-of" "$MF_BIN" replay --as-of 2023-02-30 x
expect_exit 2 "gen with a bad --format" "$MF_BIN" gen --format xml
expect_exit 1 "replay of a missing file" "$MF_BIN" replay --quiet no-such-file.mp
expect_grep "no-such-file.mp" err.txt "missing input is named"

printf '# holidays\n2024-12-25 Christmas Day\n2024-13-01 Nonsense\n' > bad-calendar.txt
"$MF_BIN" gen --from 2023-10-01 --to 2023-11-07 --out small.mp 2>/dev/null
expect_exit 3 "replay with a bad calendar" "$MF_BIN" replay --quiet --calendar bad-calendar.txt small.mp
expect_grep "bad-calendar.txt:line 3" err.txt "calendar error names file and line"

printf 'la,population_0_17\nS001,95000\nS002,lots\n' > bad-pop.csv
expect_exit 3 "replay with a bad population file" "$MF_BIN" replay --quiet --population bad-pop.csv small.mp
expect_grep "bad-pop.csv:line 3" err.txt "population error names file and line"

expect_exit 0 "replay of a generated file" "$MF_BIN" replay --quiet small.mp
expect_grep "Headline figures" out.txt "replay prints the headline table"
expect_grep "Re-referrals within 12 months" out.txt "table shows re-referrals"

printf '{"v":1,"type":"contact","id":"e1","la":"302","child":"c1","contact_id":"k1","received_at":1700000000000}\n{"v":1}\n' > two.ndjson
expect_exit 1 "validate with a rejected record" "$MF_BIN" validate two.ndjson
if [[ $(sed -n 1p out.txt) == ok && $(sed -n 2p out.txt) == "reject missing_field"* ]]; then
  ok "validate prints a verdict per record"; else bad "validate verdicts"; cat out.txt; fi
head -1 two.ndjson > one.ndjson
expect_exit 0 "validate of a valid file" "$MF_BIN" validate one.ndjson

expect_exit 0 "check-config of the example configuration" "$MF_BIN" check-config "$MF_SOURCE_DIR/config/mashflow.conf.example"
printf '[kafka]\nbrokers = 127.0.0.1:9092\n\n[kafka]\nbatch_max_ms = 0\n' > bad1.conf
expect_exit 3 "check-config with an out-of-range value" "$MF_BIN" check-config bad1.conf
expect_grep "bad1.conf:5: \[kafka\] batch_max_ms" err.txt "config error names file, line and key"
printf '[kafka]\nbrokrs = x\n' > bad2.conf
expect_exit 3 "check-config with an unknown key" "$MF_BIN" check-config bad2.conf
expect_grep "bad2.conf:2: \[kafka\] brokrs: unknown key" err.txt "unknown key is named"
printf '[librdkafka]\nsecurity.protocol = SASL_SSSL\n' > bad3.conf
expect_exit 3 "check-config with a bad librdkafka property" "$MF_BIN" check-config bad3.conf
expect_grep "bad3.conf:2: \[librdkafka\] security.protocol" err.txt "librdkafka property is named"
expect_exit 3 "run with a bad configuration" "$MF_BIN" run --config bad2.conf
expect_exit 2 "run without --config" "$MF_BIN" run

echo "cli: $pass passed, $fail failed"
((fail == 0))
