#!/usr/bin/env python3
"""Loads the dashboard in real headless Chromium and checks what it shows
against the daemon's JSON endpoints (Python 3.11, standard library only).

    check_dashboard(base_url, screenshot_path, chromium="/usr/bin/chromium")
        -> [(name: str, ok: bool, detail: str), ...]

Run alone:  dashboard_check.py http://127.0.0.1:PORT out.png
(prints the checks; exit status 1 when any of them failed).

The markup contract with daemon/dashboard.html:
- the root <main> carries data-la and data-as-of once data has loaded;
- every figure is an element with data-figure="<key>" whose text is the value
  of that key in the /indicators record of the authority shown, formatted as
  the page does (see fmt); nested keys are dotted: "ratios.<pct key>.num",
  "children_by_previous_referrals_6m.4+", "assessment_duration_bands_6m.1_10",
  "per_10k.<count key>", "breakdowns.<count key>.<dimension>.<category>"
  (the category, e.g. a source code as sent, may itself contain dots);
- <svg data-chart="trend"> holds one element per month with data-month="<to>",
  and the month table's cells carry data-trend="<to>.<field>";
- <table data-table="deadlines"> has one <tr data-item-id="..."> per item."""
import decimal
import html.parser
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--hide-scrollbars", "--virtual-time-budget=10000"]
DASH = "\u2013"
PAGE_LIMIT = 45 * 1024
ATTEMPTS = 3

# The headline figures of DOMAIN.md the page must show (at least once each).
HEADLINE = [
    "contacts_6m", "children_multiple_contacts_6m", "contact_to_referral_pct_6m",
    "contact_decisions_in_time_pct_6m", "contact_decisions_overdue",
    "referrals_6m", "referrals_nfa_6m", "rereferral_pct_6m", "rereferral_children_pct_6m",
    *[f"children_by_previous_referrals_6m.{k}" for k in ("0", "1", "2", "3", "4+")],
    "assessments_6m", "assessments_completed_6m", "assessments_open",
    "assessments_in_time_pct_6m", "assessment_mean_wd_6m", "assessments_overdue",
    *[f"assessment_duration_bands_6m.{k}" for k in (
        "same_day", "1_10", "11_20", "21_30", "31_40", "41_45", "46_50", "51_60", "61_plus")],
    "s47_6m", "icpc_6m", "icpc_in_time_pct_6m", "icpc_overdue",
]


# ---- the page's formatting, reproduced exactly ----

def is_num(v):
    """JavaScript's typeof v === "number" && isFinite(v), for parsed JSON."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def to_fixed1(x):
    """Number.prototype.toFixed(1): the exact binary value, ties away from zero
    (Python's f"{x:.1f}" rounds ties to even: 0.25 gives "0.2", toFixed "0.3")."""
    d = decimal.Decimal(x).quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)
    return str(abs(d) if d == 0 else d)


def locale_int(v):
    """Number.prototype.toLocaleString("en-GB") for the counts (integers)."""
    if isinstance(v, float) and not v.is_integer():  # not expected of a count
        d = decimal.Decimal(repr(v)).quantize(decimal.Decimal("0.001"),
                                               rounding=decimal.ROUND_HALF_UP).normalize()
        return f"{d:,f}"
    return f"{int(v):,}"


def fmt(key, v):
    """The text the page shows for figure `key` of value `v`."""
    if not is_num(v):
        return DASH
    if key.startswith("per_10k."):
        s = to_fixed1(v)
        whole, _, frac = s.partition(".")
        sign = "-" if whole.startswith("-") else ""
        return f"{sign}{int(whole.lstrip('-')):,}.{frac}"
    if "." not in key and key.endswith("_pct_6m"):
        return to_fixed1(v) + "%"
    if key == "assessment_mean_wd_6m":
        return to_fixed1(v)
    return locale_int(v)


def lookup(rec, key):
    """The value of a dotted figure key in an /indicators record (None if absent)."""
    p = key.split(".")
    n = {"breakdowns": 4, "ratios": 3}.get(p[0], 2)
    if len(p) > n:
        p[n - 1:] = [".".join(p[n - 1:])]
    o = rec
    for k in p:
        o = o.get(k) if isinstance(o, dict) else None
    return o


# ---- the rendered DOM ----

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


class Dom(html.parser.HTMLParser):
    """What the checks need from Chromium's --dump-dom output."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = None          # attrs of the element with data-la
        self.figures = []         # (key, text)
        self.months = []          # data-month inside svg[data-chart=trend]
        self.trend_cells = []     # (data-trend, text)
        self.rows = []            # (item id, class) in table[data-table=deadlines]
        self.options = []         # option values of select#la
        self.resources = []       # src/href of elements in the rendered page
        self.texts = []
        self.stack = []           # [tag, attrs, start index in texts, collect kind]

    def inside(self, attr, value):
        return any(a.get(attr) == value for _, a, _, _ in self.stack)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if self.root is None and "data-la" in a:
            self.root = dict(a, tag=tag)
        for k in ("src", "href"):
            if k in a:
                self.resources.append(f"<{tag} {k}={a[k]}>")
        if "data-month" in a and self.inside("data-chart", "trend"):
            self.months.append(a["data-month"])
        if tag == "tr" and "data-item-id" in a and self.inside("data-table", "deadlines"):
            self.rows.append((a["data-item-id"], a.get("class", "")))
        if tag == "option" and self.inside("id", "la"):
            self.options.append(a.get("value", ""))
        if tag in VOID:
            return
        kind = "figure" if "data-figure" in a else "trend" if "data-trend" in a else None
        self.stack.append([tag, a, len(self.texts), kind])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_data(self, data):
        self.texts.append(data)

    def handle_endtag(self, tag):
        if not any(t == tag for t, _, _, _ in self.stack):
            return
        while self.stack:
            t, a, start, kind = self.stack.pop()
            text = "".join(self.texts[start:]).strip()
            if kind == "figure":
                self.figures.append((a["data-figure"], text))
            elif kind == "trend":
                self.trend_cells.append((a["data-trend"], text))
            if t == tag:
                break


# ---- helpers ----

def fetch(url, timeout=10):
    """(status, content type, body bytes) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def fetch_json(url):
    status, _, body = fetch(url)
    if status != 200:
        raise RuntimeError(f"{url} answered {status}")
    return json.loads(body)


def by_la(records):
    return {r.get("la"): r for r in records if isinstance(r, dict)}


def figures_of(rec):
    """A record without its computation instant: the daemon's clock moves it
    every second in `run` while the figures stay the same."""
    return None if rec is None else {k: v for k, v in rec.items() if k != "computed_at"}


def chromium_run(chromium, args, timeout=120):
    profile = tempfile.mkdtemp(prefix="mf-chromium-")
    try:
        return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dump_dom(chromium, url):
    out = chromium_run(chromium, ["--dump-dom", url])
    dom = Dom()
    dom.feed(out.stdout)
    dom.close()
    return dom, out


def external_refs(raw):
    """Anything in the served HTML that would make the browser reach elsewhere."""
    found = re.findall(r"https?:[^\s\"'<>)]*", raw, re.I)
    found += re.findall(r"""\b(?:src|href|action|poster)\s*=\s*["']?\s*//[^\s"'>]*""", raw, re.I)
    found += re.findall(r"@import[^;]*", raw, re.I)
    found += [u for u in re.findall(r"url\(\s*[\"']?([^\"')]*)", raw, re.I)
              if not u.startswith(("data:", "#"))]
    return found


def compare_figures(dom, rec):
    """(number compared, mismatches as (key, shown, expected))."""
    bad = [(k, t, fmt(k, lookup(rec, k))) for k, t in dom.figures if t != fmt(k, lookup(rec, k))]
    return len(dom.figures), bad


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


# ---- the checks ----

def check_dashboard(base_url, screenshot_path, chromium="/usr/bin/chromium"):
    """The checks, as (name, ok, detail); an error on the way (the daemon gone,
    an endpoint failing, Chromium hanging) ends them with a failed check."""
    results = []

    def check(name, ok, detail=""):
        results.append((name, bool(ok), str(detail)))
        return bool(ok)

    try:
        _checks(base_url.rstrip("/"), screenshot_path, chromium, check)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
        check("the checks ran to the end", False, f"{type(e).__name__}: {e}")
    return results


def _checks(base_url, screenshot_path, chromium, check):

    # The page as served, before any browser touches it.
    status, ctype, body = fetch(base_url + "/")
    raw = body.decode("utf-8", errors="replace")
    check("GET / serves the page as HTML", status == 200 and ctype.startswith("text/html"),
          f"{status} {ctype}, {len(body)} bytes")
    ext = external_refs(raw)
    check("no external resource referenced (no http:// or https:// URL in the served HTML)",
          not ext, f"{len(ext)} found {ext[:5]}" if ext else "none")
    check(f"page is one self-contained file under {PAGE_LIMIT // 1024} KiB without NUL bytes",
          len(body) <= PAGE_LIMIT and b"\0" not in body and "<script src" not in raw.lower()
          and "<link rel=\"stylesheet\"" not in raw.lower(), f"{len(body)} bytes")
    if not check("Chromium is installed", os.access(chromium, os.X_OK), chromium):
        return

    # The rendered page, between two fetches of /indicators that agree.
    dom = rec = None
    la = None
    note = ""
    for attempt in range(1, ATTEMPTS + 1):
        before = by_la(fetch_json(base_url + "/indicators"))
        trend_b = by_la(fetch_json(base_url + "/trend"))
        dl_b = by_la(fetch_json(base_url + "/deadlines"))
        dom, proc = dump_dom(chromium, base_url + "/")
        after = by_la(fetch_json(base_url + "/indicators"))
        trend_a = by_la(fetch_json(base_url + "/trend"))
        dl_a = by_la(fetch_json(base_url + "/deadlines"))
        la = (dom.root or {}).get("data-la")
        rec = after.get(la)
        if la and rec is not None and figures_of(before.get(la)) == figures_of(rec):
            note = f"attempt {attempt} of {ATTEMPTS}"
            break
        note = (f"{ATTEMPTS} attempts: the record of {la!r} changed during each load"
                if la else f"{ATTEMPTS} attempts, no data-la (chromium exit {proc.returncode}: "
                f"{proc.stderr.strip()[-300:]})")
        rec = None
    root = dom.root or {}
    check("page rendered (the root element has data-la)",
          bool(la) and root.get("tag") == "main", f"<{root.get('tag')}> data-la={la!r}")
    if not check("/indicators agreed before and after the load for the authority shown",
                 rec is not None, note):
        return
    check("report date shown (data-as-of) is the record's as_of",
          root.get("data-as-of") == rec.get("as_of"), f"{root.get('data-as-of')} vs {rec.get('as_of')}")
    las = list(after)
    check("authority selector lists the authorities of /indicators, in order",
          dom.options == las, f"{dom.options} vs {las}")

    n, bad = compare_figures(dom, rec)
    check("every data-figure equals /indicators for the authority shown",
          n > 20 and not bad, f"{n} figures compared for {la}" + (f"; wrong: {bad[:5]}" if bad else ""))
    keys = {k for k, _ in dom.figures}
    missing = [k for k in HEADLINE if k not in keys]
    check("every headline figure of DOMAIN.md is on the page",
          not missing, f"{len(HEADLINE) - len(missing)} of {len(HEADLINE)}"
          + (f"; missing {missing}" if missing else ""))

    # The trend: 6 months, those of /trend, and the month table's numbers.
    tb, ta = trend_b.get(la) or {}, trend_a.get(la) or {}
    want = [[m.get("to") for m in t.get("months", [])] for t in (ta, tb)]
    check("trend chart has 6 months, those of /trend", len(dom.months) == 6 and dom.months in want,
          f"{dom.months}")

    def trend_bad(t):
        exp = {}
        for m in t.get("months", []):
            for k in ("contacts", "referrals", "rereferrals"):
                exp[f"{m.get('to')}.{k}"] = fmt(k, m.get(k))
            v = m.get("rereferral_pct")
            exp[f"{m.get('to')}.rereferral_pct"] = to_fixed1(v) + "%" if is_num(v) else DASH
        return [(k, s, exp.get(k)) for k, s in dom.trend_cells if exp.get(k) != s]
    tbad = min((trend_bad(t) for t in (ta, tb)), key=len)
    check("month table under the trend chart equals /trend",
          dom.trend_cells and not tbad, f"{len(dom.trend_cells)} cells" + (f"; wrong: {tbad[:4]}" if tbad else ""))

    # Deadlines: item ids only, all of them from /deadlines.
    fetched = [d.get("items", []) for d in (dl_b.get(la), dl_a.get(la)) if d]
    ids = {i.get("item_id") for its in fetched for i in its}
    late_any = {i.get("item_id") for its in fetched for i in its if i.get("overdue")}
    late_all = set.intersection(*({i.get("item_id") for i in its if i.get("overdue")}
                                  for its in fetched)) if fetched else set()
    rows = [r for r, _ in dom.rows]
    check("deadlines table rows are item ids of /deadlines for the authority",
          set(rows) <= ids and len(rows) <= 20 and (rows or not ids),
          f"{len(rows)} rows, {len(ids)} item ids in /deadlines"
          + (f"; unknown {sorted(set(rows) - ids)[:5]}" if set(rows) - ids else ""))
    marked = {r for r, c in dom.rows if "overdue" in c.split()}
    check("overdue rows are highlighted, and only those",
          marked <= late_any and late_all & set(rows) <= marked,
          f"{len(marked)} highlighted, {len(late_all & set(rows))} overdue in /deadlines")

    # The authority in the URL hash is the one shown.
    if len(las) > 1:
        other = las[-1] if las[-1] != la else las[0]
        before = by_la(fetch_json(base_url + "/indicators"))
        dom2, _ = dump_dom(chromium, f"{base_url}/#la={other}")
        after = by_la(fetch_json(base_url + "/indicators"))
        shown = (dom2.root or {}).get("data-la")
        detail = f"#la={other} shows {shown!r}"
        ok = shown == other
        if ok and figures_of(before.get(other)) == figures_of(after.get(other)):
            n2, bad2 = compare_figures(dom2, after[other])
            ok = n2 > 20 and not bad2
            detail += f", {n2} figures compared" + (f"; wrong: {bad2[:3]}" if bad2 else "")
        check("the authority in the URL hash is shown, with its own figures", ok, detail)

    # A screenshot, as an artefact to look at.
    try:
        os.remove(screenshot_path)
    except FileNotFoundError:
        pass
    shot = chromium_run(chromium, [f"--screenshot={os.path.abspath(screenshot_path)}",
                                   "--window-size=1400,2000", base_url + "/"])
    size = os.path.getsize(screenshot_path) if os.path.exists(screenshot_path) else 0
    dims = png_size(screenshot_path) if size else None
    check("screenshot saved as a PNG of non-trivial size",
          size > 20000 and dims is not None,
          f"{screenshot_path}: {size} bytes, {dims[0]}x{dims[1]}" if dims
          else f"{screenshot_path}: {size} bytes (chromium exit {shot.returncode})")


def main(argv):
    if len(argv) != 3:
        print("usage: dashboard_check.py BASE_URL SCREENSHOT.png", file=sys.stderr)
        return 2
    results = check_dashboard(argv[1], argv[2])
    for name, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    failed = sum(not ok for _, ok, _ in results)
    print(f"{len(results) - failed} of {len(results)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
