#!/usr/bin/env python3
"""Partition snapshots (`snapshot_dir`): a restart restores from the latest
snapshot and replays only the records after it; a snapshot directory that
is full or read-only, or a damaged snapshot, costs restore time and nothing
else. Every case ends with the outputs equal to `mashflow replay`'s on the
same events.

Usage: snapshot_test.py CASE   (CASE: restart, full_disk, read_only, damaged).
The full and read-only directories are tmpfs mounts in a user and mount
namespace of the daemon's own (unshare), so no privilege is needed."""
import collections
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402
from daemon_test import Broker, Clock, Daemon, check  # noqa: E402
from faults_test import get, metric  # noqa: E402


def snap_conf(directory, interval=1):
    return f"[pipeline]\nsnapshot_dir = {directory}\nsnapshot_interval_s = {interval}\n"


def snap_daemon(work, broker, clock, snaps, name, **kw):
    """A daemon on the test clock writing its snapshots to snaps."""
    return Daemon(work, broker, name, clock=clock.path, extra=snap_conf(snaps), **kw)


def first_daemon(work, broker, snaps, label, **kw):
    """The test's clock and its first daemon, once a partition is live."""
    clock = Clock(work)
    d1 = snap_daemon(work, broker, clock, snaps, "d1", **kw)
    check(f"{label}: a partition goes live", d1.wait_live())
    return clock, d1


def snap_files(directory):
    try:
        return sorted(f for f in os.listdir(directory))
    except OSError:
        return []


def compare(broker, work, clock, events, label):
    got = dt.wait_stable(broker, "mashflow.referrals")
    clock.finish()
    want_ref, _, _ = dt.replay(events, work, clock.as_of)
    have = dt.compare_referrals(got, want_ref, label)
    check(f"{label}: every repeat is byte-identical to a replay record",
          set(have) <= set(want_ref))
    keys, recs = dt.compare_alerts(broker, work, f"{label} alerts")
    by_key = collections.defaultdict(set)
    for k, v in recs:
        by_key[k].add(v)
    check(f"{label}: no alert twice with different content",
          all(len(v) == 1 for v in by_key.values()))
    return got


def wait_restored(daemon, timeout=120):
    """Waits until every partition that began restoring has caught up."""
    end = time.time() + timeout
    while time.time() < end:
        log = daemon.log_text()
        if log.count("caught up with the committed offset") >= log.count(
                "partition restoring"):
            return log
        time.sleep(0.2)
    return daemon.log_text()


def restores(log):
    """{partition: (snapshot offset, committed)} and {partition: replayed}."""
    loaded = {m[0]: int(m[1]) for m in re.findall(
        r"snapshot loaded topic=\S+ partition=(\d+) offset=(\d+)", log)}
    targets = {m[0]: int(m[1]) for m in re.findall(
        r"restoring topic=\S+ partition=(\d+) from=\S+ to=(\d+)", log)}
    replayed = {m[0]: int(m[1]) for m in re.findall(
        r"live topic=\S+ partition=(\d+) restored_records=(\d+)", log)}
    return loaded, targets, replayed


def case_restart(work):
    broker = Broker(work)
    snaps = os.path.join(work, "snapshots")
    try:
        clock, d1 = first_daemon(work, broker, snaps, "daemon")
        events, gen = dt.produce_and_file(broker, 21, work, rate=4000, authorities=4,
                                          months=2)
        end = time.time() + 60
        while time.time() < end and len(snap_files(snaps)) < 2:
            time.sleep(0.2)
        time.sleep(1.5)
        files = snap_files(snaps)
        check("snapshots written while the stream runs", len(files) >= 2, f"{files}")
        check("snapshot files are the owner's only",
              all(os.stat(os.path.join(snaps, f)).st_mode & 0o077 == 0 for f in files))
        d1.proc.send_signal(signal.SIGKILL)
        d1.proc.wait()
        gen.wait(timeout=300)

        # Restart after a kill: each partition from its snapshot, then the
        # records between the snapshot and the committed offset.
        d2 = snap_daemon(work, broker, clock, snaps, "d2")
        check("restart after kill -9: partitions live again", d2.wait_live(60))
        compare(broker, work, clock, events, "after kill -9, restored from snapshots")
        log = d2.log_text()
        loaded, targets, replayed = restores(log)
        print(f"     snapshots loaded at {loaded}; committed {targets}; replayed {replayed}")
        check("restart: snapshots loaded", len(loaded) >= 2, f"{loaded}")
        check("restart: only the records after each snapshot were replayed",
              loaded and all(replayed.get(p) == targets[p] - off
                             for p, off in loaded.items() if p in targets),
              f"{replayed}")
        saved = sum(off for off in loaded.values())
        check("restart: the snapshots spared replaying records", saved > 0,
              f"{saved} records not replayed")
        port = d2.http_port()
        check("metrics: restores from snapshots counted",
              metric(port, 'mashflow_snapshot_restores_total{result="loaded"}') ==
              len(loaded))
        check("SIGTERM: exit 0 (a last snapshot written)", d2.stop() == 0)

        # Restart after a clean stop: the snapshot is at the committed offset.
        d3 = snap_daemon(work, broker, clock, snaps, "d3")
        check("restart after SIGTERM: partitions live again", d3.wait_live(60))
        time.sleep(3)
        log = d3.log_text()
        loaded3, _, replayed3 = restores(log)
        check("clean restart: every partition live from its snapshot, nothing replayed",
              loaded3 and all(replayed3.get(p) == 0 for p in loaded3) and
              "restored from a snapshot" in log and "partition restoring" not in log,
              f"{loaded3} {replayed3}")
        compare(broker, work, clock, events, "after a clean restart from snapshots")
        check("SIGTERM: exit 0", d3.stop() == 0)
    finally:
        broker.stop()


def tmpfs_wrap(directory, options):
    """Runs the daemon in its own user and mount namespace with a tmpfs at
    directory (mount options as given)."""
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            f'mount -t tmpfs -o {options} mashflow-test "{directory}" && exec "$0" "$@"']


def degraded(work, options, errno_text, label):
    broker = Broker(work)
    snaps = os.path.join(work, "snapshots")
    os.makedirs(snaps)
    try:
        clock, d1 = first_daemon(work, broker, snaps, label,
                                 wrap=tmpfs_wrap(snaps, options))
        port = d1.http_port()
        events, gen = dt.produce_and_file(broker, 22, work, authorities=3, months=2)
        gen.wait(timeout=300)
        end = time.time() + 60
        while time.time() < end and "snapshots cannot be written" not in d1.log_text():
            time.sleep(0.2)
        log = d1.log_text()
        check(f"{label}: the log says snapshots cannot be written, and why",
              "snapshots cannot be written" in log and errno_text in log,
              [l for l in log.splitlines() if "snapshot" in l][:2].__str__())
        check(f"{label}: said once, not at every round",
              log.count("snapshots cannot be written") == 1)
        st, body, _ = get(port, "/readyz")
        check(f"{label}: /readyz is ready and says it is degraded",
              st == 200 and "degraded: snapshots cannot be written" in body, f"{st} {body!r}")
        check(f"{label}: mashflow_snapshot_writable is 0",
              metric(port, "mashflow_snapshot_writable") == 0)
        check(f"{label}: failures counted",
              (metric(port, 'mashflow_snapshots_total{result="failed"}') or 0) > 0)
        inside = f"/proc/{d1.proc.pid}/root{snaps}"
        check(f"{label}: nothing left behind in the directory", snap_files(inside) == [],
              f"{snap_files(inside)}")
        compare(broker, work, clock, events, f"{label}: outputs")
        if options.startswith("size"):
            # The disk has room again: the next round writes.
            subprocess.run(["nsenter", "-t", str(d1.proc.pid), "-U", "-m",
                            "--preserve-credentials", "mount", "-o", "remount,size=64m",
                            snaps], check=True)
            dt.produce_and_file(broker, 23, work, authorities=3, months=1)[1].wait(300)
            end = time.time() + 30
            while time.time() < end and "snapshots written again" not in d1.log_text():
                time.sleep(0.2)
            check(f"{label}: with room again, snapshots are written and the log says so",
                  "snapshots written again" in d1.log_text() and
                  metric(port, "mashflow_snapshot_writable") == 1 and
                  len(snap_files(inside)) >= 1)
            events = None
        check(f"{label}: SIGTERM: exit 0", d1.stop() == 0)
        if events:
            # No snapshot to restore from: the restart replays the log.
            d2 = snap_daemon(work, broker, clock, snaps, "d2")
            check(f"{label}: restart without snapshots goes live", d2.wait_live(60))
            log = wait_restored(d2)
            check(f"{label}: the restart replayed the log",
                  "snapshot none" in log and "caught up with the committed offset" in log)
            compare(broker, work, clock, events, f"{label}: outputs after the restart")
            check(f"{label}: restart SIGTERM: exit 0", d2.stop() == 0)
    finally:
        broker.stop()


def case_full_disk(work):
    degraded(work, "size=16k", "No space left on device", "full disk")


def case_read_only(work):
    degraded(work, "ro", "Read-only file system", "read-only directory")


def case_damaged(work):
    broker = Broker(work)
    snaps = os.path.join(work, "snapshots")
    try:
        clock, d1 = first_daemon(work, broker, snaps, "daemon")
        events, gen = dt.produce_and_file(broker, 24, work, authorities=3, months=2)
        gen.wait(timeout=300)
        dt.wait_stable(broker, "mashflow.referrals")
        check("SIGTERM: exit 0", d1.stop() == 0)
        files = snap_files(snaps)
        check("a snapshot per partition with records", len(files) >= 2, f"{files}")
        # One torn (cut short), one with a flipped byte.
        torn, flipped = os.path.join(snaps, files[0]), os.path.join(snaps, files[1])
        os.truncate(torn, os.path.getsize(torn) // 2)
        with open(flipped, "r+b") as f:
            f.seek(os.path.getsize(flipped) // 3)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([b[0] ^ 0x10]))
        d2 = snap_daemon(work, broker, clock, snaps, "d2")
        check("restart: partitions live again", d2.wait_live(60))
        log = wait_restored(d2)
        refused = re.findall(r"snapshot refused topic=\S+ partition=(\d+): ([^:]+)", log)
        print(f"     refused: {refused}")
        check("restart: both damaged snapshots refused, with the reason",
              len(refused) == 2 and all("checksum" in why for _, why in refused))
        check("restart: the refused partitions replayed the log",
              all(re.search(rf"restoring topic=\S+ partition={p} from=", log)
                  for p, _ in refused))
        port = d2.http_port()
        check("metrics: refused snapshots counted",
              metric(port, 'mashflow_snapshot_restores_total{result="refused"}') == 2)
        compare(broker, work, clock, events, "after damaged snapshots")
        check("SIGTERM: exit 0", d2.stop() == 0)
    finally:
        broker.stop()


if __name__ == "__main__":
    dt.main(globals())
