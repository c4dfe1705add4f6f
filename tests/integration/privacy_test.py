#!/usr/bin/env python3
"""Privacy: keyed pseudonyms and small-number suppression on the output
topics, the key file's permissions, and no child identifier anywhere the
product shows one (logs, metrics, dead-letter details, the dashboard).

Usage: privacy_test.py CASE   (CASE: pseudonyms, demo_scan)."""
import collections
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402
from daemon_test import BIN, Broker, Daemon, check  # noqa: E402

KEY = b"6f1c3a9e0b7d4e2f8a5c1d9b3e7f0a2c4b6d8e0f1a3c5e7092b4d6f8a0c2e4f6"
WITHHELD = "c"
# Top-level figures that are counts, and percentages with their ratio.
COUNTS = ["contacts_6m", "children_multiple_contacts_6m", "contact_decisions_overdue",
          "referrals_6m", "referrals_nfa_6m", "assessments_6m", "assessments_completed_6m",
          "assessments_open", "assessments_overdue", "s47_6m", "icpc_6m", "icpc_overdue",
          "assessment_date_errors_6m", "icpc_date_errors_6m"]
PCTS = ["contact_decisions_in_time_pct_6m", "contact_to_referral_pct_6m", "rereferral_pct_6m",
        "rereferral_children_pct_6m", "assessments_in_time_pct_6m", "icpc_in_time_pct_6m"]


def pseudonym(child):
    return hmac.new(KEY, child.encode(), hashlib.sha256).hexdigest()


def leaks(ids, text):
    """The identifiers of ids that occur in text as whole tokens."""
    return sorted(set(re.findall(r"[A-Za-z0-9_.:-]+", text)) & ids)


def withheld_expected(v, k):
    return isinstance(v, int) and 0 < v < k


def check_suppressed(rec, plain, k):
    """rec (from the topic) against plain (replay's record, same as_of):
    counts from 1 to k-1 and what is computed from them withheld, the rest
    equal."""
    bad = []
    for f in COUNTS:
        want = WITHHELD if withheld_expected(plain[f], k) else plain[f]
        if rec[f] != want:
            bad.append(f"{f}: {rec[f]!r} for {plain[f]!r}")
    for f in PCTS:
        ratio = plain["ratios"][f]
        hidden = withheld_expected(ratio["num"], k) or withheld_expected(ratio["den"], k)
        want = WITHHELD if hidden else plain[f]
        if rec[f] != want:
            bad.append(f"{f}: {rec[f]!r} for {plain[f]!r} ({ratio})")
        for part in ("num", "den"):
            w = WITHHELD if withheld_expected(ratio[part], k) else ratio[part]
            if rec["ratios"][f][part] != w:
                bad.append(f"ratios.{f}.{part}: {rec['ratios'][f][part]!r}")
    for name, bd in plain["breakdowns"].items():
        for group, counts in bd.items():
            for key, v in counts.items():
                w = WITHHELD if withheld_expected(v, k) else v
                if rec["breakdowns"][name][group].get(key) != w:
                    bad.append(f"breakdowns.{name}.{group}.{key}: "
                               f"{rec['breakdowns'][name][group].get(key)!r} for {v}")
    return bad


def case_pseudonyms(work):
    """The key file's permissions checked at start-up; child ids on the
    referrals and alerts topics replaced by HMAC-SHA-256 pseudonyms (the same
    records as replay's otherwise); indicators with small counts withheld."""
    key = os.path.join(work, "pseudonym.key")
    with open(key, "wb") as f:
        f.write(KEY + b"\n")
    os.chmod(key, 0o644)
    conf = os.path.join(work, "check.conf")
    with open(conf, "w") as f:
        f.write(f"[kafka]\nbrokers = 127.0.0.1:1\n[privacy]\nsuppress_below = 10\n"
                f"pseudonymisation_key_file = {key}\n")
    out = subprocess.run([BIN, "check-config", conf], capture_output=True, text=True)
    check("a world-readable key file stops check-config (exit 3)", out.returncode == 3,
          f"exit {out.returncode}")
    check("the message names file, line and key, and says why",
          f"{conf}:5: [privacy] pseudonymisation_key_file:" in out.stderr
          and "owner only" in out.stderr, out.stderr.strip())
    check("the message carries no key material", KEY.decode() not in out.stderr)
    os.chmod(key, 0o600)
    out = subprocess.run([BIN, "check-config", conf], capture_output=True, text=True)
    check("mode 600: check-config accepts it", out.returncode == 0, out.stderr.strip())

    broker = Broker(work)
    try:
        clock = dt.Clock(work)
        d = Daemon(work, broker, clock=clock.path,
                   extra=f"[privacy]\npseudonymisation_key_file = {key}\n"
                         f"suppress_below = 10\n")
        check("daemon: a partition goes live", d.wait_live())
        events, gen = dt.produce_and_file(broker, 29, work)
        check("generator streamed to the broker", gen.wait(timeout=300) == 0)
        got = dt.wait_stable(broker, "mashflow.referrals")
        clock.finish()
        want_ref, _, want_ind = dt.replay(events, work, clock.as_of)
        children = dt.child_ids(events)

        def canonical(rec):
            return json.dumps(rec, sort_keys=True)

        want = collections.Counter()
        for line in want_ref:
            rec = json.loads(line)
            rec["child"] = pseudonym(rec["child"])
            want[canonical(rec)] += 1
        have = collections.Counter(canonical(json.loads(v)) for _, v in got)
        check("referrals: replay's records with the child as its pseudonym, none missing",
              not (want - have), f"{sum((want - have).values())} of {len(want_ref)} missing")
        check("referrals: nothing else", not (set(have) - set(want)),
              f"{len(set(have) - set(want))} unexpected")
        time.sleep(2)
        alerts = [json.loads(v) for _, v in dt.read_topic(broker, "mashflow.alerts")]
        pseudonyms = {pseudonym(c) for c in children}
        check("alerts: some raised", len(alerts) > 0, str(len(alerts)))
        check("alerts: every child is a pseudonym of an input child",
              all(a["child"] in pseudonyms for a in alerts),
              str([a["child"] for a in alerts if a["child"] not in pseudonyms][:3]))
        print(f"     {len(got)} referrals, {len(alerts)} alerts, "
              f"{len(children)} children in the input")

        inds = [json.loads(v) for _, v in dt.read_topic(broker, "mashflow.indicators")]
        latest = {r["la"]: r for r in inds}
        for plain in want_ind:
            rec = latest.get(plain["la"])
            check(f"indicators {plain['la']}: as of replay's date",
                  rec is not None and rec["as_of"] == plain["as_of"],
                  f"{rec and rec['as_of']} vs {plain['as_of']}")
            if rec is None:
                continue
            bad = check_suppressed(rec, plain, 10)
            n = sum(1 for f in COUNTS if rec[f] == WITHHELD)
            check(f"indicators {plain['la']}: counts 1-9 and their percentages withheld "
                  f"as \"c\", the rest equal to replay ({n} headline counts withheld)",
                  not bad, "; ".join(bad[:4]))
        raw_text = json.dumps(inds) + json.dumps(alerts) + "".join(v for _, v in got)
        check("no raw child id on the referrals, alerts or indicators topics",
              not leaks(children, raw_text), str(leaks(children, raw_text)[:3]))
        log = d.log_text()
        check("the log says pseudonyms and suppression are on",
              "pseudonymised (HMAC-SHA-256)" in log and "withhold counts below 10" in log)
        check("no raw child id or pseudonym in the log",
              not leaks(children | pseudonyms, log))
        check("SIGTERM: exit 0", d.stop() == 0)
    finally:
        broker.stop()


def read_input_children(bootstrap, topic="mashflow.events"):
    """Child ids of every record on the input topic (MessagePack), read with
    kcat as `SIZE:PAYLOAD` frames."""
    import msgpack
    raw = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning",
                          "-e", "-q", "-f", "%S:%s"], capture_output=True,
                         timeout=300).stdout
    ids, i = set(), 0
    while i < len(raw):
        j = raw.index(b":", i)
        n = int(raw[i:j])
        payload = raw[j + 1:j + 1 + n]
        i = j + 1 + n
        try:
            rec = msgpack.unpackb(payload, raw=False, strict_map_key=False)
        except Exception:
            continue  # the generator's malformed records
        if isinstance(rec, dict) and isinstance(rec.get("child"), str):
            ids.add(rec["child"])
    return ids


def case_demo_scan(work):
    """`mashflow demo`: no child id from its input in any log line, metric,
    dead-letter detail, HTTP body or the dashboard as Chromium renders it."""
    import dashboard_check
    demo = subprocess.Popen([BIN, "demo", "--rate", "20000", "--keep-running"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        out, bootstrap, logs, url = "", None, None, None
        end = time.time() + 300
        while time.time() < end:
            line = demo.stdout.readline()
            if not line:
                break
            out += line
            m = re.search(r"broker +(127\.0\.0\.1:\d+)", line)
            bootstrap = m.group(1) if m else bootstrap
            m = re.search(r"logs +(\S+)/\{", line)
            logs = m.group(1) if m else logs
            m = re.search(r"dashboard +(http://127\.0\.0\.1:\d+/)", line)
            url = m.group(1) if m else url
            if "read back from mashflow.indicators" in out and re.search(
                    r"Referrals in the last 6 months", out):
                break
        check("the demo ran to its headline figures", bootstrap and logs and url
              and "Headline figures" in out, out[-400:])
        children = read_input_children(bootstrap)
        check("the input holds child ids", len(children) > 1000, str(len(children)))
        texts = {}
        for name in sorted(os.listdir(logs)):
            if name.endswith(".log"):
                texts[f"log {name}"] = open(os.path.join(logs, name), errors="replace").read()
        for path in ("metrics", "healthz", "readyz", "indicators", "trend", "deadlines", ""):
            with urllib.request.urlopen(url + path, timeout=10) as r:
                texts[f"/{path}"] = r.read().decode()
        import msgpack
        dl = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", "mashflow.deadletter",
                             "-o", "beginning", "-e", "-q", "-f", "%S:%s"],
                            capture_output=True, timeout=120).stdout
        details, i = [], 0
        while i < len(dl):
            j = dl.index(b":", i)
            n = int(dl[i:j])
            rec = msgpack.unpackb(dl[j + 1:j + 1 + n], raw=False, strict_map_key=False)
            i = j + 1 + n
            details.append(rec.get("detail", ""))
        check("dead letters to read", len(details) > 0, str(len(details)))
        texts["dead-letter details"] = "\n".join(details)
        dom, run = dashboard_check.dump_dom("/usr/bin/chromium", url)
        check("Chromium rendered the dashboard", "Contacts" in run.stdout, run.stderr[-300:])
        texts["dashboard (rendered)"] = run.stdout
        # The search finds ids where they belong: the demo's referrals topic
        # carries raw ids (it has no pseudonymisation key).
        refs = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", "mashflow.referrals",
                               "-o", "beginning", "-e", "-q", "-c", "200"],
                              capture_output=True, timeout=120).stdout.decode("latin-1")
        check("control: the same search finds child ids on the referrals topic",
              len(leaks(children, refs)) > 10, str(len(leaks(children, refs))))
        for name, text in texts.items():
            found = leaks(children, text)
            check(f"no child id in {name} ({len(text):,} bytes)", not found, str(found[:3]))
        print(f"     {len(children):,} child ids searched for in {len(texts)} sources, "
              f"{len(details)} dead-letter details")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            rc = demo.wait(timeout=90)
        except subprocess.TimeoutExpired:
            demo.kill()
            rc = None
        check("Ctrl-C stops the demo with exit 0", rc == 0, f"exit {rc}")


if __name__ == "__main__":
    dt.main(globals())
