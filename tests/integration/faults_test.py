#!/usr/bin/env python3
"""Faults beyond the daemon tests: a broker unreachable when the daemon
starts, a broker lost and back in the middle of a stream, and SIGKILL while a
batch's transaction is being committed. Every case ends with the outputs
equal to `mashflow replay`'s on the same events: nothing lost, nothing
invented, a repeat only as the same bytes under the same key.

Usage: faults_test.py CASE   (CASE: unreachable_at_start, outage_midstream,
kill_in_commit)."""
import os
import signal
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402
from daemon_test import Broker, Clock, Daemon, check  # noqa: E402


def get(port, path, timeout=5):
    """(status, body, seconds) of a GET."""
    t0 = time.time()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read().decode(), time.time() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), time.time() - t0
    except OSError as e:
        return None, str(e), time.time() - t0


def watch(port, seconds):
    """Polls /healthz and /readyz for a while: ([(readyz status, body)], the
    slowest answer in seconds, healthz statuses)."""
    ready, health, slowest = [], set(), 0.0
    end = time.time() + seconds
    while time.time() < end:
        st, body, dt_ = get(port, "/readyz")
        ready.append((st, body.strip()))
        slowest = max(slowest, dt_)
        st, _, dt_ = get(port, "/healthz")
        health.add(st)
        slowest = max(slowest, dt_)
        time.sleep(0.2)
    return ready, slowest, health


def wait_ready(port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        if get(port, "/readyz")[0] == 200:
            return True
        time.sleep(0.2)
    return False


def finish(broker, work, clock, events, label):
    got = dt.wait_stable(broker, "mashflow.referrals", settle=15)
    clock.finish()
    want_ref, _, _ = dt.replay(events, work, clock.as_of)
    have = dt.compare_referrals(got, want_ref, label)
    check(f"{label}: every repeat is byte-identical to a replay record",
          set(have) <= set(want_ref))
    keys, _ = dt.compare_alerts(broker, work, f"{label}: alerts")
    return have


def case_unreachable_at_start(work):
    """The broker is down when the daemon starts: it keeps retrying, /healthz
    answers 200 and /readyz 503 with the reason; once the broker is up it
    joins, goes live and processes the stream."""
    broker = Broker(work)
    try:
        broker.command("down all")
        clock = Clock(work)
        d = Daemon(work, broker, clock=clock.path)
        port = d.http_port(timeout=20)
        check("HTTP answers while no broker is reachable", port is not None)
        ready, slowest, health = watch(port, 8)
        reasons = {body for st, body in ready}
        check("/readyz: 503 throughout the outage", all(st == 503 for st, _ in ready),
              str(set(st for st, _ in ready)))
        check("/readyz says why: no broker reachable",
              reasons == {"not ready: no broker reachable"}, str(reasons))
        check("/healthz: 200 throughout (the process is alive)", health == {200}, str(health))
        check("answers within a second", slowest < 1.0, f"{slowest:.2f} s")
        log = d.log_text()
        check("the log says it is retrying", "(retrying)" in log or "brokers are down" in log)
        check("still running", d.proc.poll() is None)
        broker.command("up all")
        t0 = time.time()
        ok = wait_ready(port, 180)
        check("broker back: the daemon becomes ready by itself", ok,
              f"{time.time() - t0:.1f} s")
        events, gen = dt.produce_and_file(broker, 31, work)
        check("generator streamed to the broker", gen.wait(timeout=300) == 0)
        finish(broker, work, clock, events, "broker unreachable at start")
        check("SIGTERM: exit 0", d.stop() == 0)
    finally:
        broker.stop()


def case_outage_midstream(work):
    """The broker goes away for 12 s while events stream in: the daemon's
    HTTP endpoint keeps answering (503 from /readyz), and when the broker is
    back it carries on by itself; nothing is lost."""
    broker = Broker(work)
    try:
        clock = Clock(work)
        d = Daemon(work, broker, clock=clock.path)
        port = d.http_port()
        check("ready before the outage", wait_ready(port, 60))
        events, gen = dt.produce_and_file(broker, 37, work, authorities=3, months=3)
        check("backlog written", gen.wait(timeout=300) == 0)
        time.sleep(0.5)
        broker.command("down all")
        ready, slowest, health = watch(port, 12)
        broker.command("up all")
        check("during the outage /readyz turned 503",
              any(st == 503 for st, _ in ready), str(ready[-3:]))
        check("during the outage /healthz answered 200", health == {200}, str(health))
        check("during the outage every answer came within a second", slowest < 1.0,
              f"{slowest:.2f} s")
        check("after the outage the daemon is ready again by itself", wait_ready(port, 90))
        finish(broker, work, clock, events, "broker lost for 12 s mid-stream")
        check("SIGTERM: exit 0", d.stop() == 0)
    finally:
        broker.stop()


def metric(port, name):
    st, body, _ = get(port, "/metrics")
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def case_kill_in_commit(work):
    """SIGKILL while a batch's transaction is being committed (seen on
    /metrics as mashflow_batch_committing 1; the broker answers slowly so
    commits take long), then a restart: outputs still equal replay's."""
    broker = Broker(work)
    try:
        clock = Clock(work)
        d1 = Daemon(work, broker, "d1", clock=clock.path)
        port = d1.http_port()
        check("ready", wait_ready(port, 60))
        broker.command("rtt all 300")
        events, gen = dt.produce_and_file(broker, 41, work, authorities=3, months=2)
        check("backlog written", gen.wait(timeout=300) == 0)
        time.sleep(2)
        in_commit = False
        end = time.time() + 60
        while time.time() < end and not in_commit:
            in_commit = metric(port, "mashflow_batch_committing") == 1
        d1.proc.send_signal(signal.SIGKILL)
        d1.proc.wait()
        check("killed while a commit was in flight", in_commit)
        broker.command("rtt all 0")
        d2 = Daemon(work, broker, "d2", clock=clock.path)
        check("restarted: partitions live again", d2.wait_live(60))
        have = finish(broker, work, clock, events, "SIGKILL during a commit")
        print(f"     repeats from the transaction open at the kill: "
              f"{sum(n - 1 for n in have.values() if n > 1)}")
        check("SIGTERM after restart: exit 0", d2.stop() == 0)
    finally:
        broker.stop()


if __name__ == "__main__":
    dt.main(globals())
