#!/usr/bin/env python3
"""Timeliness alerts from `mashflow replay` on a generated borough agree with
the overdue figures: the items with an overdue alert that are still open at
the end (no closing event among the inputs) are exactly as many as
contact_decisions_overdue, assessments_overdue and icpc_overdue say; no alert
is raised twice for one (item, kind); and no due_soon or overdue alert is
raised for an item closed before that instant."""
import collections
import json
import os
import subprocess
import sys

BIN = os.environ["MF_BIN"]
WORK = os.environ["MF_WORK"]
os.makedirs(WORK, exist_ok=True)
events = os.path.join(WORK, "borough.ndjson")
subprocess.run([BIN, "gen", "--seed", "5", "--format", "ndjson", "--out", events], check=True,
               stderr=subprocess.DEVNULL)
alerts_path = os.path.join(WORK, "alerts.ndjson")
ind_path = os.path.join(WORK, "indicators.ndjson")
subprocess.run([BIN, "replay", "--quiet", "--table", "none", "--alerts", alerts_path,
                "--indicators", ind_path, events], check=True)
alerts = [json.loads(l) for l in open(alerts_path)]
ind = json.loads(open(ind_path).readline())

closed = set()
for line in open(events):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if not isinstance(e, dict):
        continue
    t = e.get("type")
    if t == "contact_decision":
        closed.add(("contact", e.get("contact_id")))
    elif t == "assessment_authorised":
        closed.add(("assessment", e.get("assessment_id")))
    elif t == "icpc" or (t == "s47_outcome" and e.get("icpc_required") is False):
        closed.add(("s47", e.get("s47_id")))

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}")
    passed += ok
    failed += not ok


kinds = collections.Counter((a["item_type"], a["kind"]) for a in alerts)
print("alerts:", dict(kinds))
check("alerts of every kind were raised", all(
    kinds[(t, k)] > 0 for t in ("contact", "assessment", "s47")
    for k in ("due_soon", "overdue", "completed_late")))
keys = collections.Counter((a["la"], a["item_type"], a["item_id"], a["kind"]) for a in alerts)
check("no (item, kind) alert twice", all(v == 1 for v in keys.values()))
overdue_open = collections.Counter(a["item_type"] for a in alerts if a["kind"] == "overdue" and
                                   (a["item_type"], a["item_id"]) not in closed)
for item_type, figure in (("contact", "contact_decisions_overdue"),
                          ("assessment", "assessments_overdue"), ("s47", "icpc_overdue")):
    check(f"open items with an overdue alert = {figure}",
          overdue_open[item_type] == ind[figure], f"{overdue_open[item_type]} vs {ind[figure]}")
check("every alert is raised at or after its instant",
      all(a["raised_at"] > a["due_at"] for a in alerts if a["kind"] == "overdue"))
late = [a for a in alerts if a["kind"] == "completed_late"]
check("completed_late only for items that closed", all(
    (a["item_type"], a["item_id"]) in closed for a in late))
print(f"replay_alerts: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
