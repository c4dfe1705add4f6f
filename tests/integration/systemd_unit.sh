#!/usr/bin/env bash
# The installed tree and the systemd unit: `cmake --install` into a staging
# root (DESTDIR) in the work folder, the files it puts there, the installed
# binary and example configuration, `systemd-analyze verify` on the installed
# unit (a copy whose ExecStart is the staged binary: verify insists that it
# exists), and the unit's exposure score from `systemd-analyze security`,
# which must be 2.0 or lower ("OK").
#
# Usage: systemd_unit.sh BUILD_DIR   (MF_WORK, MF_SOURCE_DIR from ctest)
set -uo pipefail
build=${1:?usage: systemd_unit.sh BUILD_DIR}
src=${MF_SOURCE_DIR:?}
work=${MF_WORK:?}/unit
rm -rf "$work" && mkdir -p "$work"
root=$work/root
passed=0 failed=0

check() { # check NAME OK [DETAIL]
        if [[ $2 == 0 ]]; then
                echo "ok   $1"
                passed=$((passed + 1))
        else
                echo "FAIL $1${3:+: $3}"
                failed=$((failed + 1))
        fi
}

# The layout the install must have, from the prefix chosen at configure time
# (GNUInstallDirs' defaults): /usr puts configuration in /etc and the unit in
# systemd's own directory; any other prefix keeps both under it.
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [[ $prefix == /usr ]]; then
        sysconf=/etc
        unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
else
        sysconf=$prefix/etc
        unitdir=$prefix/lib/systemd/system
fi
unit=$unitdir/mashflow.service
echo "     prefix $prefix: unit $unit, configuration $sysconf/mashflow"

out=$(DESTDIR=$root cmake --install "$build" 2>&1)
check "cmake --install (DESTDIR=$root)" $? "$out"
expected=$(printf '%s\n' "$prefix/bin/mashflow" \
        "$prefix/share/mashflow/calendar-england-wales.txt" \
        "$sysconf/mashflow/mashflow.conf.example" "$unit" | sort)
installed=$(cd "$root" && find . -type f | sed 's|^\.||' | sort)
echo "$installed" | sed 's/^/     installed: /'
[[ $installed == "$expected" ]]
check "the installed files: binary, calendar, example configuration, unit" $? \
        "want: $(echo $expected)"

bin=$root$prefix/bin/mashflow
out=$("$bin" check-config "$root$sysconf/mashflow/mashflow.conf.example" 2>&1)
check "the installed binary accepts the installed example configuration" $? "$out"
cmp -s "$root$prefix/share/mashflow/calendar-england-wales.txt" \
        "$src/config/calendar-england-wales.txt"
check "the installed calendar is the repository's" $?

# The unit's paths are the install's.
exec_start=$(sed -n 's/^ExecStart=//p' "$root$unit")
[[ $exec_start == "$prefix/bin/mashflow run --config $sysconf/mashflow/mashflow.conf" ]]
check "ExecStart runs the installed binary on $sysconf/mashflow/mashflow.conf" $? "$exec_start"

# What the daemon relies on: notify with the watchdog, restarts, and a stop
# timeout longer than the daemon's own bound on its stop; the watchdog
# must outlast a loop blocked for one Kafka request timeout after a
# keep-alive (sent at half the interval).
setting() { sed -n "s/^$1=//p" "$root$unit" | tail -1; }
usec() { systemd-analyze timespan "$1" | sed -n 's/^ *μs: //p'; }
[[ $(setting Type) == notify && $(setting NotifyAccess) == main &&
        $(setting Restart) == on-failure && -n $(setting WatchdogSec) ]]
check "Type=notify, NotifyAccess=main, Restart=on-failure, WatchdogSec=" $?
stop_deadline=$(sed -n 's/^#define STOP_DEADLINE_S *\([0-9]*\).*/\1/p' "$src/daemon/mf_run.c")
kafka_timeout=$(sed -n 's/^#define KAFKA_TIMEOUT_MS *\([0-9]*\).*/\1/p' "$src/daemon/mf_run.c")
stop_usec=$(usec "$(setting TimeoutStopSec)")
((stop_usec > stop_deadline * 1000000))
check "TimeoutStopSec ($(setting TimeoutStopSec)) > the daemon's stop deadline (${stop_deadline}s)" $?
wd_usec=$(usec "$(setting WatchdogSec)")
((wd_usec / 2 > kafka_timeout * 1000))
check "WatchdogSec/2 ($(setting WatchdogSec)/2) > a Kafka request timeout (${kafka_timeout} ms)" $?

# systemd-analyze verify: exits 0 for many mistakes it only warns about
# ("Unknown key ..., ignoring"), so any output is a failure. It checks that
# ExecStart is executable: verify a copy pointing at the staged binary.
mkdir -p "$work/verify"
copy=$work/verify/mashflow.service
sed "s|^ExecStart=$prefix/bin/mashflow|ExecStart=$bin|" "$root$unit" >"$copy"
out=$(systemd-analyze verify "$copy" 2>&1)
rc=$?
[[ $rc == 0 && -z $out ]]
check "systemd-analyze verify: no error, no warning" $? "exit $rc: $out"
# The same check must catch a mistake, here (a container) as anywhere.
sed 's/^WatchdogSec=/WatchdogSecs=/' "$copy" >"$work/verify/broken.service"
out=$(systemd-analyze verify "$work/verify/broken.service" 2>&1)
[[ $out == *"Unknown key"*WatchdogSecs* ]]
check "systemd-analyze verify catches a misspelt key (control)" $? "$out"
sed "s|^ExecStart=$bin|ExecStart=$work/nonexistent|" "$copy" >"$work/verify/missing.service"
out=$(systemd-analyze verify "$work/verify/missing.service" 2>&1)
[[ $out == *"is not executable"* ]]
check "systemd-analyze verify catches a missing binary (control)" $? "$out"

# systemd-analyze security: the installed unit itself.
out=$(systemd-analyze security --offline=true --threshold=20 --no-pager "$root$unit" 2>&1)
rc=$?
echo "$out" | grep -E '^✗' | sed 's/^/     /'
overall=$(echo "$out" | sed -n 's/.*Overall exposure level for mashflow.service: \([0-9.]*\).*/\1/p')
echo "     $(echo "$out" | grep 'Overall exposure level')"
[[ -n $overall ]] && awk -v s="$overall" 'BEGIN { exit !(s <= 2.0) }'
check "systemd-analyze security: exposure ${overall:-?} <= 2.0" $?
check "systemd-analyze security --threshold=20 agrees" $rc

echo "systemd_unit: $passed passed, $failed failed"
((failed == 0))
