#!/usr/bin/env bash
# Installs what building and testing mashflow needs (Debian 12 packages) when
# it is missing, then configures the build directory ./build. The tests use
# Prometheus (promtool and a scraping server), headless Chromium, valgrind,
# and systemd-analyze.
# Used by both quick-start commands in README.md and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  librdkafka-dev libuv1-dev libmsgpack-dev libxxhash-dev libssl-dev libjsmn-dev libinih-dev libhttp-parser-dev
  libsystemd-dev systemd
  libcmocka-dev
  python3 python3-jsonschema python3-msgpack kcat
  prometheus chromium fonts-dejavu-core valgrind strace util-linux mount
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE="${MF_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
echo "setup: build directory ready (./build)" >&2
