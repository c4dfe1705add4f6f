#!/usr/bin/env python3
"""Generates the default synthetic borough, replays it, and checks that the
headline figures fall in the ranges of DOMAIN.md's calibration paragraph
(the ChAT appendix of a London borough, six months to 2023-11-07)."""
import json
import os
import subprocess
import sys

BIN = os.environ["MF_BIN"]
WORK = os.environ["MF_WORK"]
os.makedirs(WORK, exist_ok=True)

# Three seeds, averaged: a single six-month sample of a borough has Poisson
# noise of several per cent on the smaller counts (116 ICPCs: about 9%).
SEEDS = (1, 2, 3)
samples = []
for seed in SEEDS:
    events = os.path.join(WORK, f"borough-{seed}.mp")
    pop = os.path.join(WORK, "population.csv")
    ind_path = os.path.join(WORK, f"indicators-{seed}.ndjson")
    subprocess.run([BIN, "gen", "--seed", str(seed), "--out", events, "--population", pop],
                   check=True)
    subprocess.run([BIN, "replay", "--quiet", "--table", "none", "--population", pop,
                    "--indicators", ind_path, events], check=True)
    records = [json.loads(l) for l in open(ind_path)]
    assert len(records) == 1, f"one authority expected, got {len(records)}"
    samples.append(records[0])


def mean(values):
    return sum(values) / len(values)


f = {}
for key, value in samples[0].items():
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        f[key] = mean([s[key] for s in samples])
    else:
        f[key] = value
for key in ("children_by_previous_referrals_6m",):
    f[key] = {k: mean([s[key][k] for s in samples]) for k in samples[0][key]}
f["breakdowns"] = {"contacts_6m": {"gender": {
    k: mean([s["breakdowns"]["contacts_6m"]["gender"][k] for s in samples])
    for k in ("male", "female", "other")}}}
print(f"mean of seeds {SEEDS}, as of {f['as_of']}")

# (figure, target, allowed difference): counts within a few per cent, rates
# within a few points.
checks = [
    ("as_of", "2023-11-07", None),
    ("contacts_6m", 10174, 0.05),
    ("referrals_6m", 1408, 0.06),
    ("contact_to_referral_pct_6m", 13.8, 1.5),
    ("rereferral_pct_6m", 13.0, 2.0),
    ("rereferral_children_pct_6m", 13.2, 2.0),
    ("assessments_completed_6m", 1342, 0.07),
    ("assessments_open", 326, 0.15),
    ("assessments_in_time_pct_6m", 68.0, 3.0),
    ("assessment_mean_wd_6m", 31.0, 2.5),
    ("s47_6m", 426, 0.08),
    ("icpc_6m", 116, 0.15),
    ("icpc_in_time_pct_6m", 78.0, 5.0),
]
failed = 0
for name, target, tol in checks:
    got = f[name]
    if tol is None:
        ok = got == target
    elif isinstance(target, int):
        ok = abs(got - target) <= tol * target
    else:
        ok = got is not None and abs(got - target) <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {name:32} {got if isinstance(got, str) else round(got, 1)!s:>10}  (target {target}"
          f"{'' if tol is None else (' ±' + (f'{tol:.0%}' if isinstance(target, int) else str(tol)))})")
    failed += not ok

prev = f["children_by_previous_referrals_6m"]
n_children = sum(prev.values())
share = [prev["0"] / n_children, prev["1"] / n_children, prev["2"] / n_children]
# ChAT: 1,201 / 167 / 16 of 1,384 children.
for i, (got, target, tol) in enumerate(zip(share, [1201 / 1384, 167 / 1384, 16 / 1384],
                                          [0.025, 0.025, 0.012])):
    ok = abs(got - target) <= tol
    print(f"{'ok  ' if ok else 'FAIL'} children with {i} previous referrals  {got:.3f} (target {target:.3f} ±{tol})")
    failed += not ok

g = f["breakdowns"]["contacts_6m"]["gender"]
total = sum(g.values())
for k, target in (("male", 0.50), ("female", 0.47), ("other", 0.03)):
    ok = abs(g[k] / total - target) <= 0.02
    print(f"{'ok  ' if ok else 'FAIL'} contacts {k:6} {g[k] / total:.3f} (target {target} ±0.02)")
    failed += not ok

ok = f["per_10k"] is not None and f["per_10k"]["contacts_6m"] > 0
print(f"{'ok  ' if ok else 'FAIL'} rates per 10,000 present")
failed += not ok

passed = len(checks) + 3 + 3 + 1 - failed
print(f"replay_calibration: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
