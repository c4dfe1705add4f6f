#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz.
#
#   tests/fuzz/run.sh TARGET|all SECONDS [BUILD_DIR]
#
# TARGET is msgpack, json, config or http. BUILD_DIR (default: build-fuzz at
# the top of the repository) is configured with clang and MF_FUZZ=ON when it
# has no CMake cache yet, and the targets are (re)built.
#
# SECONDS > 0 fuzzes each target that long, over its seeds in
# tests/fuzz/corpus/TARGET (read only) and a working corpus in
# BUILD_DIR/fuzz/TARGET/corpus, where new inputs go and stay from one run to
# the next (delete it to start from the seeds again). A crash, leak or
# sanitizer report stops the target; its input is in BUILD_DIR/fuzz/TARGET/
# (crash-*, leak-*, timeout-*, oom-*). The repository's corpora are never
# written: add a regression seed by copying the input there as crash-<what>.
#
# SECONDS = 0 is the regression run: every seed of the repository's corpus
# once, no fuzzing.
#
# JOBS=2 runs two targets at once with `all` (default 1: one after the
# other). The exit status is 0 when no target found anything.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
all_targets="msgpack json config http"

usage() {
        echo "usage: $0 msgpack|json|config|http|all SECONDS [BUILD_DIR]" >&2
        exit 2
}
[ $# -ge 2 ] && [ $# -le 3 ] || usage
case "$1" in
        all) targets=$all_targets ;;
        msgpack | json | config | http) targets=$1 ;;
        *) usage ;;
esac
secs=$2
case "$secs" in '' | *[!0-9]*) usage ;; esac
build=${3:-$top/build-fuzz}
jobs=${JOBS:-1}

# Longest input per target: records are a few hundred bytes; a config file a
# few KiB; HTTP needs room past the 8192-byte header limit and 2048-byte URL.
max_len() {
        case "$1" in
                msgpack | json) echo 4096 ;;
                config) echo 8192 ;;
                http) echo 16384 ;;
        esac
}

if [ ! -f "$build/CMakeCache.txt" ]; then
        gen=()
        command -v ninja >/dev/null && gen=(-G Ninja)
        CC=${CC:-clang} cmake -S "$top" -B "$build" "${gen[@]}" -DMF_FUZZ=ON -DMF_TESTS=OFF \
                >"$build.configure.log" 2>&1 || {
                cat "$build.configure.log" >&2
                exit 1
        }
fi
build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
cmake --build "$build" -j2 --target "${build_targets[@]}" >/dev/null || {
        echo "$0: build failed (cmake --build $build --target ${build_targets[*]})" >&2
        exit 1
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# run_one TARGET: fuzzes (or replays) one target; prints one summary line.
run_one() {
        local t=$1 bin="$build/tests/fuzz/fuzz_$1" seeds="$here/corpus/$1"
        local work="$build/fuzz/$1"
        mkdir -p "$work/corpus"
        local log="$work/last.log"
        local args=(-print_final_stats=1 -max_len="$(max_len "$t")" -timeout=10
                -artifact_prefix="$work/")
        if [ "$secs" -eq 0 ]; then
                ("$bin" "${args[@]}" -runs=0 "$seeds" >"$log" 2>&1; exit $?) 2>/dev/null
        else
                [ -f "$here/$t.dict" ] && args+=(-dict="$here/$t.dict")
                # (The subshell keeps bash's "Aborted" notice out of the output.)
                ("$bin" "${args[@]}" -max_total_time="$secs" -use_value_profile=1 \
                        "$work/corpus" "$seeds" >"$log" 2>&1; exit $?) 2>/dev/null
        fi
        local rc=$?
        local execs time
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
        if [ $rc -eq 0 ] && [ "$secs" -eq 0 ]; then
                echo "$t: corpus replayed (${execs:-?} executions): no crash"
        elif [ $rc -eq 0 ]; then
                echo "$t: ${execs:-?} executions in ${time:-?} s ($(ls "$work/corpus" | wc -l) inputs in the working corpus): no crash"
        else
                local artifact
                artifact=$(sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | tail -n 1)
                echo "$t: CRASH after ${execs:-?} executions (exit $rc); input: ${artifact:-none written}; log: $log"
                grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*check failed|responses differ|.*Test unit written)" "$log" | head -n 8 | sed 's/^/    /'
        fi
        return $rc
}

status=0
if [ "$jobs" -le 1 ] || [ "$(echo $targets | wc -w)" -eq 1 ]; then
        for t in $targets; do run_one "$t" || status=1; done
else
        pids=()
        for t in $targets; do
                while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
                run_one "$t" &
                pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || status=1; done
fi
exit $status
