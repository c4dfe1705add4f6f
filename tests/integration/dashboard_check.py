#!/usr/bin/env python3
"""Loads the dashboard in real headless Chromium and checks what it shows
against the daemon's JSON endpoints.

check_dashboard(base_url, screenshot_path) -> [(name, ok, detail)]
Run alone: dashboard_check.py http://127.0.0.1:PORT out.png"""
import html.parser
import json
import os
import re
import subprocess
import sys
import urllib.request

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--virtual-time-budget=10000"]


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def fmt(key, v):
    """The page's formatting (toLocaleString en-GB, toFixed(1))."""
    if v is None:
        return "\u2013"
    if key.endswith("_pct_6m"):
        return f"{v:.1f}%"
    if key == "assessment_mean_wd_6m":
        return f"{v:.1f}"
    return f"{v:,}"


def lookup(rec, key):
    if "." not in key:
        return rec.get(key)
    head, tail = key.split(".", 1)
    return (rec.get(head) or {}).get(tail)


class Dom(html.parser.HTMLParser):
    """Collects data-* marked elements and their text."""

    def __init__(self):
        super().__init__()
        self.root = {}
        self.figures = []       # (key, text)
        self.months = []
        self.rows = []
        self.stack = []         # open marked elements: [key, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-la" in a and tag == "main":
            self.root = a
        if "data-month" in a:
            self.months.append(a["data-month"])
        if "data-item-id" in a:
            self.rows.append(a["data-item-id"])
        if "data-figure" in a:
            self.stack.append([a["data-figure"], ""])

    def handle_data(self, data):
        for s in self.stack:
            s[1] += data

    def handle_endtag(self, tag):
        if self.stack and tag in ("div", "td", "span", "b"):
            key, text = self.stack.pop()
            self.figures.append((key, text.strip()))


def render(base_url, chromium):
    out = subprocess.run([chromium, *FLAGS, "--dump-dom", base_url + "/"],
                         capture_output=True, text=True, timeout=120)
    return out.stdout


def check_dashboard(base_url, screenshot_path, chromium="/usr/bin/chromium"):
    results = []
    raw = fetch(base_url + "/")
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*https?://|url\(\s*["']?https?:|@import|"""
                          r"""fetch\(\s*["']https?:""", raw)
    results.append(("no external resource in the page", not external, str(external[:3])))
    results.append(("page is self-contained HTML", raw.lstrip().lower().startswith("<!doctype html")
                    and "<script>" in raw and "<style>" in raw, f"{len(raw)} bytes"))

    dom = ind = None
    for attempt in range(3):
        before = json.loads(fetch(base_url + "/indicators"))
        text = render(base_url, chromium)
        after = json.loads(fetch(base_url + "/indicators"))
        dom = Dom()
        dom.feed(text)
        la = dom.root.get("data-la")
        b = {r["la"]: r for r in before}.get(la)
        a = {r["la"]: r for r in after}.get(la)
        ind = a
        if la and a is not None and b == a:
            break
    results.append(("page rendered with data (root has data-la)", bool(dom.root.get("data-la")),
                    str(dom.root)))
    if not ind:
        return results
    bad = [(k, t, fmt(k, lookup(ind, k))) for k, t in dom.figures if t != fmt(k, lookup(ind, k))]
    results.append((f"every figure on the page equals /indicators ({len(dom.figures)} compared)",
                    len(dom.figures) > 20 and not bad, str(bad[:5])))
    results.append(("report date on the page is the record's as_of",
                    dom.root.get("data-as-of") == ind["as_of"], str(dom.root)))
    trend = {t["la"]: t for t in json.loads(fetch(base_url + "/trend"))}.get(ind["la"], {})
    results.append(("trend chart shows 6 months, as /trend",
                    dom.months == [m["to"] for m in trend.get("months", [])] and len(dom.months) == 6,
                    str(dom.months)))
    dl = {d["la"]: d for d in json.loads(fetch(base_url + "/deadlines"))}.get(ind["la"], {})
    ids = {i["item_id"] for i in dl.get("items", [])}
    results.append(("deadlines table lists item ids from /deadlines",
                    dom.rows and set(dom.rows) <= ids, f"{len(dom.rows)} rows"))

    subprocess.run([chromium, *FLAGS, f"--screenshot={screenshot_path}",
                    "--window-size=1400,2000", base_url + "/"],
                   capture_output=True, timeout=120)
    ok = os.path.exists(screenshot_path) and os.path.getsize(screenshot_path) > 20000
    if ok:
        with open(screenshot_path, "rb") as f:
            ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
    results.append(("screenshot saved as a PNG", ok,
                    f"{os.path.getsize(screenshot_path) if os.path.exists(screenshot_path) else 0} bytes"))
    return results


if __name__ == "__main__":
    res = check_dashboard(sys.argv[1], sys.argv[2])
    for name, ok, detail in res:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    sys.exit(0 if all(ok for _, ok, _ in res) else 1)
