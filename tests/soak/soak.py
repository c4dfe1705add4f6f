#!/usr/bin/env python3
"""Soak: a steady stream through `mashflow run` for a bounded time, on
loopback only, with /metrics scraped throughout. Samples the daemon's RSS and
open file descriptors every few seconds and checks that they flatten after
warm-up, that every scrape succeeded and that the log holds no error.

The stream is 36 months of events for --authorities authorities, from today
on, spread evenly over --seconds. The daemon's clock follows the newest event,
so by two thirds of the run the 24-month horizon is full and state should
stop growing (records expire as fast as they arrive).

Usage: soak.py [--seconds 600] [--authorities 2] [--build build]
Not part of ctest's default run (it takes ten minutes); see the README."""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--authorities", type=int, default=2)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--max-growth", type=float, default=0.05)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.environ.setdefault("MF_BIN", os.path.join(build, "mashflow"))
    work = os.path.join(build, "soak")
    os.environ.setdefault("MF_WORK", work)
    subprocess.run(["rm", "-rf", work])
    os.makedirs(work)
    sys.path.insert(0, os.path.join(HERE, "..", "integration"))
    import daemon_test as dt

    today = datetime.date.today()
    # From today on: the daemon's clock is wall time or the newest event,
    # whichever is later, so with events ahead of wall time the clock (and
    # the horizon) moves with the stream.
    gen = ["--seed", "7", "--authorities", str(args.authorities), "--from",
           today.isoformat(), "--to", (today + datetime.timedelta(days=365 * 3)).isoformat()]
    events = os.path.join(work, "events.ndjson")
    subprocess.run([dt.BIN, "gen", *gen, "--format", "ndjson", "--out", events], check=True,
                   stderr=subprocess.DEVNULL)
    n = sum(1 for _ in open(events, "rb"))
    rate = max(1, round(n / args.seconds))
    print(f"soak: {n:,} events over {args.seconds} s ({rate}/s), "
          f"{args.authorities} authorities, 36 months", flush=True)

    broker = dt.Broker(work)
    d = None
    try:
        d = dt.Daemon(work, broker, guarantee="exactly_once",
                      librdkafka="statistics.interval.ms = 5000\n")
        port = d.http_port()
        if not d.wait_live(60):
            print("soak: FAIL the daemon did not go live")
            return 1
        stream = subprocess.Popen([dt.BIN, "gen", *gen, "--brokers", broker.bootstrap,
                                   "--rate", str(rate)], stderr=subprocess.DEVNULL)
        scrapes = {"ok": 0, "bad": 0}
        stop = threading.Event()

        def scraper():
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                                timeout=10) as r:
                        r.read()
                        scrapes["ok" if r.status == 200 else "bad"] += 1
                except OSError:
                    scrapes["bad"] += 1
                stop.wait(2)

        t = threading.Thread(target=scraper, daemon=True)
        t.start()
        samples = []  # (seconds, rss KiB, fds)
        t0 = time.time()
        while stream.poll() is None:
            el = time.time() - t0
            samples.append((el, rss_kib(d.proc.pid), fds(d.proc.pid)))
            if len(samples) % 6 == 1:
                print(f"  {el:6.0f} s  rss {samples[-1][1] / 1024:7.1f} MiB  "
                      f"fds {samples[-1][2]:3d}  scrapes {scrapes['ok']}", flush=True)
            time.sleep(5)
            if d.proc.poll() is not None:
                break
        stop.set()
        t.join()
        total = time.time() - t0

        def window(lo, hi, i):
            vals = [s[i] for s in samples if lo * total <= s[0] < hi * total]
            return statistics.median(vals) if vals else float("nan")

        rss_a, rss_b = window(0.70, 0.80, 1), window(0.90, 1.01, 1)
        fd_a, fd_b = window(0.70, 0.80, 2), window(0.90, 1.01, 2)
        rss_growth = (rss_b - rss_a) / rss_a
        fd_growth = (fd_b - fd_a) / fd_a
        peak = max(s[1] for s in samples)
        log = d.log_text()
        errors = [l for l in log.splitlines() if re.match(r"\S+ error ", l)]
        alive = d.proc.poll() is None
        rc = d.stop() if alive else d.proc.returncode
        print(f"soak: {total:.0f} s, {len(samples)} samples, {scrapes['ok']} scrapes "
              f"({scrapes['bad']} failed)")
        print(f"  RSS   {rss_a / 1024:.1f} MiB (70-80% of the run) -> {rss_b / 1024:.1f} MiB "
              f"(last 10%): {rss_growth:+.1%}; peak {peak / 1024:.1f} MiB")
        print(f"  fds   {fd_a:.0f} -> {fd_b:.0f}: {fd_growth:+.1%}")
        print(f"  error lines in the log: {len(errors)}; exit {rc}")
        for l in errors[:5]:
            print(f"    {l}")
        ok = (alive and rc == 0 and scrapes["bad"] == 0 and not errors
              and rss_growth < args.max_growth and fd_growth < args.max_growth)
        print("soak: PASS" if ok else "soak: FAIL")
        return 0 if ok else 1
    finally:
        if d and d.proc.poll() is None:
            d.proc.kill()
        broker.stop()


if __name__ == "__main__":
    sys.exit(main())
