#!/usr/bin/env bash
# The benchmark suite: installs what it needs beyond the build (Node.js and
# npm for DuckDB's @duckdb/node-api, PostgreSQL; Debian 12 packages), builds
# the binary and bench_decode optimised as the set-up builds them (in a build
# directory of their own, so that a developer's debug build never makes the
# figures), and runs bench.py with Debian's python3.
#   bash tests/bench/run.sh [--rounds N] [--quick] [--only replay,memory,sql,kafka,latency]
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(postgresql python3-msgpack kcat)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js from elsewhere (which may bundle npm) is as good as Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  sudo=(); [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[[ -d build ]] || bash scripts/setup.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMF_SANITIZE=OFF >/dev/null
cmake --build build-bench -j2 --target mashflow bench_decode bench_snapshot
exec /usr/bin/python3 tests/bench/bench.py --build build-bench "$@"
