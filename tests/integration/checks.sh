# Sourced by the shell integration tests: a fresh work folder and
# `check NAME COMMAND...`, which counts and prints ok/FAIL; `summary NAME`
# prints the counts and fails when a check failed.
: "${MF_BIN:?}" "${MF_WORK:?}"
rm -rf "$MF_WORK" && mkdir -p "$MF_WORK" && cd "$MF_WORK"
pass=0 fail=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; pass=$((pass + 1)); else echo "FAIL $name"; fail=$((fail + 1)); fi
}
summary() { # test name
  echo "$1: $pass passed, $fail failed"
  ((fail == 0))
}
