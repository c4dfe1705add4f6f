#!/usr/bin/env python3
"""The headline figures recomputed in SQL, as a performance team would do
instead of running mashflow: DuckDB and PostgreSQL, timed, and compared with
mashflow's own figures.

    python3 sql_bench.py --events EVENTS.ndjson --calendar CALENDAR --work DIR
                         [--rounds 3] [--json OUT.json] [--indicators IND.ndjson]

EVENTS is an NDJSON file of input events (`mashflow gen --format ndjson
--duplicates 0 --corrections 0 --malformed 0`; duplicates and corrections
are merged as a warehouse would, see write_tables). It is loaded, untimed, into
the warehouse tables of schema.sql, and the working-day CALENDAR into a table
of holidays, in two engines:

  DuckDB      through duckdb_run.mjs and @duckdb/node-api (the version pinned
              in package.json, installed with npm into
              $HOME/.cache/mashflow-bench, or DIR when HOME is not writable);
  PostgreSQL  a private cluster made with initdb in DIR/pg (as the user
              `nobody` when run as root, which PostgreSQL refuses), listening
              on a Unix socket only, and stopped at the end whatever happens.

Then headline.sql, one portable statement, is run --rounds times per engine,
the engines alternating, and the median of each engine's times is reported
(in-engine times: DuckDB's from node, PostgreSQL's from psql's \\timing).
The query returns counts, numerators and denominators; the percentages and
the mean are made from them here exactly as mashflow's indicators records
encode them (schemas/output/indicators.schema.json).

With --indicators (mashflow's `replay --indicators FILE` output for the same
events) every figure of both engines is compared with mashflow's, and each
disagreement is printed as `la name sql=... mashflow=... [engines]`; the
exit status is 1 on any disagreement (or if the engines disagree with each
other), 0 when all agree.

As a module: run(events, calendar, work, rounds) returns
{"duckdb": {"seconds": [...], "figures": {la: {name: value}}}, "postgres": {...}},
and compare(result, indicators_file) the list of disagreements. An
authority's figures are keyed as in its indicators record: as_of,
computed_at (the clock T, ms), every headline figure (percentages and the
mean as numbers or None, children_by_previous_referrals_6m as an object),
and ratios ({name: {"num", "den"}} behind each percentage).

Uses Debian's python3 (standard library only), node, npm and PostgreSQL's
binaries (/usr/lib/postgresql/*/bin, or the directory in $MF_PG_BIN).
"""
import argparse
import csv
import datetime
import glob
import json
import math
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_SQL = os.path.join(HERE, "schema.sql")
HEADLINE_SQL = os.path.join(HERE, "headline.sql")
DUCKDB_RUNNER = os.path.join(HERE, "duckdb_run.mjs")
PACKAGE_JSON = os.path.join(HERE, "package.json")
ENGINES = ("duckdb", "postgres")


def log(msg):
    print(f"sql_bench: {msg}", file=sys.stderr, flush=True)


# ---- The figures ------------------------------------------------------------

# Counts, named as in DOMAIN.md and the indicators record; headline.sql
# returns a column of each name.
COUNTS = (
    "contacts_6m", "children_multiple_contacts_6m", "contact_decisions_overdue",
    "referrals_6m", "referrals_nfa_6m",
    "assessments_6m", "assessments_completed_6m", "assessments_open", "assessments_overdue",
    "s47_6m", "icpc_6m", "icpc_overdue",
    "assessment_date_errors_6m", "icpc_date_errors_6m",
)
# Percentages: headline.sql returns NAME_num and NAME_den.
PERCENTAGES = (
    "contact_decisions_in_time_pct_6m", "contact_to_referral_pct_6m",
    "rereferral_pct_6m", "rereferral_children_pct_6m",
    "assessments_in_time_pct_6m", "icpc_in_time_pct_6m",
)
# children_by_previous_referrals_6m's keys, and the column of each.
PREVIOUS = (("0", "previous_0"), ("1", "previous_1"), ("2", "previous_2"),
            ("3", "previous_3"), ("4+", "previous_4_plus"))


def round6(v):
    """A figure as the indicators record carries it: the double v rounded to
    6 decimal places, halves away from zero (v >= 0 here)."""
    x = v * 1e6
    whole = math.floor(x)
    return (whole + 1 if x - whole >= 0.5 else whole) / 1e6


def percentage(num, den):
    """100 * num / den, computed in doubles and rounded as the record does;
    None (JSON null) when there is no denominator."""
    return None if den == 0 else round6(100.0 * num / den)


def figures_from_row(row):
    """One authority's figures from a result row of headline.sql (a dict of
    column name to value): {name: value}, in the indicators record's shape."""
    fig = {"as_of": row["as_of"], "computed_at": int(row["computed_at"])}
    for name in COUNTS:
        fig[name] = int(row[name])
    ratios = {}
    for name in PERCENTAGES:
        num, den = int(row[name + "_num"]), int(row[name + "_den"])
        ratios[name] = {"num": num, "den": den}
        fig[name] = percentage(num, den)
    # The mean duration of the assessments authorised in the last 6 months
    # (date errors left out, as from the in-time percentage).
    wd_sum, n = int(row["assessment_wd_sum_6m"]), ratios["assessments_in_time_pct_6m"]["den"]
    fig["assessment_mean_wd_6m"] = None if n == 0 else round6(wd_sum / n)
    fig["children_by_previous_referrals_6m"] = {k: int(row[col]) for k, col in PREVIOUS}
    fig["ratios"] = ratios
    return fig


def figures_from_result(columns, rows):
    return {row[0]: figures_from_row(dict(zip(columns, row))) for row in rows}


# ---- Loading: events to one CSV file per warehouse table ---------------------

STR, INSTANT, DATE, BOOL = "str", "instant", "date", "bool"

# For each input event type (EVENTS.md): its table, the item id keying the
# row, and its other keys as (column, kind, required). The table's columns
# are seq, id, la, child, the item id, then these.
EVENT_TABLES = {
    "contact": ("contact", "contact_id", (
        ("received_at", INSTANT, True), ("source", STR, False), ("gender", STR, False),
        ("birth_date", DATE, False), ("ethnicity", STR, False), ("disability", BOOL, False))),
    "contact_decision": ("contact_decision", "contact_id", (
        ("decided_at", INSTANT, True), ("outcome", STR, True))),
    "referral": ("referral", "referral_id", (
        ("referral_date", DATE, True), ("source", STR, False), ("contact_id", STR, False),
        ("nfa", BOOL, False))),
    "assessment_started": ("assessment_started", "assessment_id", (
        ("start_date", DATE, True), ("referral_id", STR, False))),
    "assessment_authorised": ("assessment_authorised", "assessment_id", (
        ("authorised_date", DATE, True), ("child_seen", BOOL, False), ("outcome", STR, False))),
    "s47_started": ("s47_started", "s47_id", (
        ("strategy_date", DATE, True), ("referral_id", STR, False))),
    "s47_outcome": ("s47_outcome", "s47_id", (
        ("completed_date", DATE, True), ("icpc_required", BOOL, True))),
    "icpc": ("icpc", "s47_id", (
        ("icpc_date", DATE, True), ("cp_plan", BOOL, True))),
}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def table_columns(event_type):
    _, item_key, keys = EVENT_TABLES[event_type]
    return ["seq", "id", "la", "child", item_key] + [k for k, _, _ in keys]


def csv_value(value, kind):
    """A wire value as a CSV field: an empty field is NULL in both engines."""
    if value is None:
        return ""
    if kind == INSTANT:
        t = EPOCH + datetime.timedelta(milliseconds=value)
        return t.isoformat(sep=" ", timespec="milliseconds")
    if kind == BOOL:
        return "true" if value else "false"
    return str(value)


def write_tables(events, calendar, out_dir):
    """Writes OUT_DIR/TABLE.csv for every table of schema.sql; returns
    {table: (csv path, columns)}.

    The warehouse holds one row per item and event type: a repeated event id
    (per authority) is a duplicate and dropped; a later event for the same
    item id and type is a correction and replaces the row's values, keeping
    the line number of the first one as `seq`, the arrival order ("arrived
    second" in DOMAIN.md). The benchmark's data have neither. Rejected input
    is not the warehouse's business: a record that is not a valid event stops
    the load (generate with --malformed 0).
    """
    rows = {t: {} for t in EVENT_TABLES}
    seen_ids = set()
    with open(events, encoding="utf-8") as f:
        for seq, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
                event_type = ev["type"]
                _, item_key, keys = EVENT_TABLES[event_type]
                la, event_id, child, item = ev["la"], ev["id"], ev["child"], ev[item_key]
                if (la, event_id) in seen_ids:
                    continue
                seen_ids.add((la, event_id))
                values = []
                for key, kind, required in keys:
                    v = ev.get(key)
                    if v is None and required:
                        raise KeyError(key)
                    if key == "nfa" and v is None:
                        v = False  # EVENTS.md: nfa defaults to false
                    values.append(csv_value(v, kind))
            except (ValueError, KeyError, TypeError) as e:
                # The message names the line and the key, never a value.
                raise ValueError(f"{events}:{seq}: not a valid event ({type(e).__name__} {e}); "
                                 "the warehouse load expects `mashflow gen --malformed 0` data") from None
            table = rows[event_type]
            first = table.get((la, item))
            table[(la, item)] = [first[0] if first else seq, event_id, la, child, item] + values
    os.makedirs(out_dir, exist_ok=True)
    files = {}
    for event_type, table in rows.items():
        name = EVENT_TABLES[event_type][0]
        path = os.path.join(out_dir, name + ".csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(table_columns(event_type))
            w.writerows(table.values())
        files[name] = (path, table_columns(event_type))
    # The calendar: one date per line, optionally followed by a name; '#'
    # starts a comment line (config/calendar-england-wales.txt).
    holidays = set()
    with open(calendar, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                holidays.add(datetime.date.fromisoformat(line.split()[0]).isoformat())
    path = os.path.join(out_dir, "holiday.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("d\n" + "".join(d + "\n" for d in sorted(holidays)))
    files["holiday"] = (path, ["d"])
    return files


def write_tables_once(events, calendar, out_dir):
    """write_tables, unless OUT_DIR already holds the tables of the same
    events and calendar files (by size and modification time) written by
    this same script: returns (files, whether they were kept)."""
    def ident(path):
        st = os.stat(path)
        return f"{path} {st.st_size} {st.st_mtime_ns}"
    key = "\n".join(ident(p) for p in (events, calendar, os.path.abspath(__file__))) + "\n"
    stamp = os.path.join(out_dir, "written-from")
    try:
        with open(stamp, encoding="utf-8") as f:
            same = f.read() == key
    except OSError:
        same = False
    if same:
        files = {EVENT_TABLES[t][0]: (os.path.join(out_dir, EVENT_TABLES[t][0] + ".csv"),
                                      table_columns(t)) for t in EVENT_TABLES}
        files["holiday"] = (os.path.join(out_dir, "holiday.csv"), ["d"])
        if all(os.path.exists(path) for path, _ in files.values()):
            return files, True
    if os.path.exists(stamp):
        os.remove(stamp)
    files = write_tables(events, calendar, out_dir)
    with open(stamp, "w", encoding="utf-8") as f:
        f.write(key)
    return files, False


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def headline_query():
    with open(HEADLINE_SQL, encoding="utf-8") as f:
        return f.read()


# ---- DuckDB --------------------------------------------------------------------

def duckdb_modules(work):
    """The node_modules directory holding the pinned @duckdb/node-api,
    installed with npm on first use."""
    with open(PACKAGE_JSON, encoding="utf-8") as f:
        version = json.load(f)["dependencies"]["@duckdb/node-api"]
    home_cache = os.path.join(os.path.expanduser("~"), ".cache", "mashflow-bench")
    try:
        os.makedirs(home_cache, exist_ok=True)
        base = home_cache if os.access(home_cache, os.W_OK) else None
    except OSError:
        base = None
    prefix = os.path.join(base or os.path.join(work, "cache"), f"duckdb-node-api-{version}")
    modules = os.path.join(prefix, "node_modules")
    installed = os.path.join(modules, "@duckdb", "node-api", "package.json")
    if os.path.exists(installed):
        with open(installed, encoding="utf-8") as f:
            if json.load(f)["version"] == version:
                return modules
    if not shutil.which("node") or not shutil.which("npm"):
        raise RuntimeError("node and npm are needed (Debian: apt-get install -y nodejs npm)")
    log(f"installing @duckdb/node-api {version} into {prefix}")
    os.makedirs(prefix, exist_ok=True)
    shutil.copy(PACKAGE_JSON, os.path.join(prefix, "package.json"))
    subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                    "--loglevel", "error"], check=True, stdout=subprocess.DEVNULL)
    return modules


class DuckDB:
    """A DuckDB database file kept open by one duckdb_run.mjs process."""

    def __init__(self, work):
        db = os.path.join(work, "warehouse.duckdb")
        for stale in (db, db + ".wal"):
            if os.path.exists(stale):
                os.remove(stale)
        self.proc = subprocess.Popen(["node", DUCKDB_RUNNER, duckdb_modules(work), db],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def _ask(self, request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("duckdb_run.mjs ended unexpectedly")
        reply = json.loads(line)
        if not reply["ok"]:
            raise RuntimeError("DuckDB: " + reply["error"])
        return reply

    def load(self, files):
        with open(SCHEMA_SQL, encoding="utf-8") as f:
            self._ask({"exec": f.read()})
        for table, (path, columns) in files.items():
            self._ask({"exec": f"COPY {table} ({', '.join(columns)}) FROM {sql_string(path)} "
                               "(FORMAT csv, HEADER true);"})
        self._ask({"exec": "CHECKPOINT;"})

    def headline(self):
        """Runs headline.sql once: (seconds, figures)."""
        reply = self._ask({"query": headline_query()})
        return reply["seconds"], figures_from_result(reply["columns"], reply["rows"])

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---- PostgreSQL ----------------------------------------------------------------

# The cluster's settings: memory for a warehouse query of this size, no
# durability (the data can be reloaded), Unix socket only, and no JIT: LLVM
# compiling headline.sql's plan took about 6 s here, longer than running it
# (16 authorities, two years: 10 s with JIT, 4 s without).
PG_SETTINGS = {
    "listen_addresses": "''",
    "jit": "off",
    "shared_buffers": "'1GB'",
    "work_mem": "'256MB'",
    "maintenance_work_mem": "'512MB'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
PG_USER = "bench"  # the cluster's superuser role (trust authentication, socket only)
RUN_AS = "nobody"  # the server's user when we are root


def pg_bindir():
    if os.environ.get("MF_PG_BIN"):
        return os.environ["MF_PG_BIN"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    if shutil.which("initdb"):
        return os.path.dirname(shutil.which("initdb"))
    raise RuntimeError("PostgreSQL's initdb not found (Debian: apt-get install -y postgresql; "
                       "or set MF_PG_BIN)")


class Postgres:
    """A private PostgreSQL cluster in WORK/pg, run as an unprivileged user
    when we are root. stop() must be called (run() does, always)."""

    def __init__(self, work):
        self.bin = pg_bindir()
        self.as_user = []
        self.tmp = None
        root = os.path.join(work, "pg")
        self._stop_stale(root)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        if os.geteuid() == 0:
            # PostgreSQL will not run as root: run the server as `nobody`,
            # which must be able to reach its directory.
            self.as_user = ["runuser", "-u", RUN_AS, "--"]
            os.chown(root, *self._ids())
            if subprocess.run(self.as_user + ["test", "-w", root]).returncode != 0:
                self.tmp = tempfile.mkdtemp(prefix="mashflow-sql-pg-")
                os.chmod(self.tmp, 0o755)
                log(f"{root} is out of reach of user {RUN_AS}: the cluster goes to {self.tmp}")
                root = os.path.join(self.tmp, "pg")
                os.makedirs(root)
                os.chown(root, *self._ids())
        self.root = root
        self.data = os.path.join(root, "data")
        # A Unix socket's path is limited to 107 bytes.
        self.socket_dir = root
        if len(os.path.join(root, ".s.PGSQL.5432")) > 100:
            self.socket_dir = tempfile.mkdtemp(prefix="mfpg-")
            if self.as_user:
                os.chown(self.socket_dir, *self._ids())
        self.started = False

    @staticmethod
    def _ids():
        user = pwd.getpwnam(RUN_AS)
        return user.pw_uid, user.pw_gid

    def _stop_stale(self, root):
        """A cluster left running by an interrupted earlier run."""
        data = os.path.join(root, "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            as_user = ["runuser", "-u", RUN_AS, "--"] if os.geteuid() == 0 else []
            subprocess.run(as_user + [os.path.join(self.bin, "pg_ctl"), "stop", "-D", data,
                                      "-m", "immediate", "-w"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        subprocess.run(self.as_user + [os.path.join(self.bin, "initdb"), "-D", self.data,
                                       "-U", PG_USER, "--auth=trust", "-E", "UTF8",
                                       "--locale=C"],
                       check=True, stdout=subprocess.DEVNULL)
        settings = dict(PG_SETTINGS, unix_socket_directories=sql_string(self.socket_dir))
        with open(os.path.join(self.data, "postgresql.conf"), "a", encoding="utf-8") as f:
            f.write("\n# sql_bench.py\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        self.started = True
        subprocess.run(self.as_user + [os.path.join(self.bin, "pg_ctl"), "start", "-D", self.data,
                                       "-l", os.path.join(self.root, "server.log"), "-w"],
                       check=True, stdout=subprocess.DEVNULL)

    def psql(self, *args):
        cmd = [os.path.join(self.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
               "-h", self.socket_dir, "-U", PG_USER, "-d", "postgres", *args]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError("PostgreSQL: " + p.stderr.strip())
        return p.stdout

    def load(self, files):
        self.psql("-f", SCHEMA_SQL)
        for table, (path, columns) in files.items():
            self.psql("-c", f"\\copy {table} ({', '.join(columns)}) FROM {sql_string(path)} "
                            "WITH (FORMAT csv, HEADER true)")
        self.psql("-c", "VACUUM ANALYZE")

    def headline(self):
        """Runs headline.sql once: (seconds by psql's \\timing, figures)."""
        out = self.psql("-A", "-F", "\t", "-P", "footer=off", "-c", "\\timing on",
                        "-f", HEADLINE_SQL)
        lines = out.splitlines()
        timing = [ln for ln in lines if ln.startswith("Time: ")]
        table = [ln.split("\t") for ln in lines if ln and not ln.startswith("Time: ")]
        seconds = float(timing[-1].split()[1]) / 1000
        return seconds, figures_from_result(table[0], table[1:])

    def stop(self):
        if self.started:
            subprocess.run(self.as_user + [os.path.join(self.bin, "pg_ctl"), "stop", "-D",
                                           self.data, "-m", "fast", "-w"],
                           stdout=subprocess.DEVNULL)
            self.started = False
        if self.socket_dir != self.root:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---- The benchmark ----------------------------------------------------------------

def run(events, calendar, work, rounds=3, each_round=None):
    """Loads EVENTS and CALENDAR into both engines (untimed), runs
    headline.sql ROUNDS times per engine, alternating (each_round(i), when
    given, runs first in every round: the other side of a comparison), and returns
    {engine: {"seconds": [...], "figures": {la: {name: value}}}}. Every
    round must give the same figures. The PostgreSQL cluster is stopped and
    the DuckDB process ended before it returns or raises."""
    work = os.path.abspath(work)
    os.makedirs(work, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(work, 0o755)  # for the PostgreSQL server, run as nobody
    t0 = time.monotonic()
    files, cached = write_tables_once(os.path.abspath(events), os.path.abspath(calendar),
                                      os.path.join(work, "csv"))
    log(f"{events}: warehouse rows {'kept from an earlier run of the same files' if cached else 'written'}"
        f" in {time.monotonic() - t0:.1f} s")
    duck = pg = None
    try:
        t0 = time.monotonic()
        duck = DuckDB(work)
        duck.load(files)
        log(f"DuckDB loaded in {time.monotonic() - t0:.1f} s")
        t0 = time.monotonic()
        pg = Postgres(work)
        pg.start()
        pg.load(files)
        log(f"PostgreSQL cluster made and loaded in {time.monotonic() - t0:.1f} s")
        engines = {"duckdb": duck, "postgres": pg}
        result = {e: {"seconds": [], "figures": None} for e in ENGINES}
        for i in range(rounds):
            if each_round:
                each_round(i)
            for name in ENGINES:
                seconds, figures = engines[name].headline()
                res = result[name]
                if res["figures"] is not None and figures != res["figures"]:
                    raise RuntimeError(f"{name} gave other figures in round {i + 1}")
                res["seconds"].append(seconds)
                res["figures"] = figures
            log(f"round {i + 1}: " + ", ".join(
                f"{e} {result[e]['seconds'][-1]:.3f} s" for e in ENGINES))
        return result
    finally:
        if duck:
            duck.close()
        if pg:
            pg.stop()


# ---- Comparison with mashflow ---------------------------------------------------

def read_indicators(path):
    """mashflow's indicators records (replay --indicators), by authority."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if rec.get("type") == "indicators":
                    out[rec["la"]] = rec
    return out


def flatten(fig, prefix=""):
    """{name: value} with nested objects as dotted names (ratios.X.num)."""
    flat = {}
    for k, v in fig.items():
        if isinstance(v, dict):
            flat.update(flatten(v, prefix + k + "."))
        else:
            flat[prefix + k] = v
    return flat


def show(v):
    return "null" if v is None else json.dumps(v)


def compare(result, indicators):
    """Every figure of every engine against mashflow's indicators records
    (a path, or the dict read_indicators returns). Returns the disagreements
    as lines `la name sql=... mashflow=... [engines]`, empty when all agree.

    Figures compare as numbers: mashflow writes 50.0 as 50. Nested figures
    are named with dots (children_by_previous_referrals_6m.4+, and the
    numerators and denominators as ratios.NAME.num and .den)."""
    mash = read_indicators(indicators) if isinstance(indicators, str) else indicators
    found = {}  # (la, name, sql value, mashflow value) -> engines
    for engine in ENGINES:
        sql = result[engine]["figures"]
        for la in sorted(set(sql) | set(mash)):
            if la not in sql or la not in mash:
                key = (la, "(record)", "present" if la in sql else "absent",
                       "present" if la in mash else "absent")
                found.setdefault(key, []).append(engine)
                continue
            theirs = flatten(mash[la])
            for name, v in flatten(sql[la]).items():
                w = theirs.get(name, "absent")
                if v != w:
                    key = (la, name, show(v), w if w == "absent" else show(w))
                    found.setdefault(key, []).append(engine)
    return [f"{la} {name} sql={v} mashflow={w} [{', '.join(engines)}]"
            for (la, name, v, w), engines in found.items()]


# ---- Command line -------------------------------------------------------------------

def print_figures(result):
    """Prints DuckDB's figures (a figure a line, an authority a column), how
    PostgreSQL's differ if they do, and the timings. Returns whether the two
    engines agree."""
    duck = {la: flatten(f) for la, f in result["duckdb"]["figures"].items()}
    pg = {la: flatten(f) for la, f in result["postgres"]["figures"].items()}
    las = sorted(duck)
    names = [n for n in duck[las[0]] if not n.startswith("ratios.")] if las else []
    width = max([len(n) for n in names] + [6])
    print(f"{'figure':<{width}}  " + "  ".join(f"{la:>10}" for la in las))
    for n in names:
        print(f"{n:<{width}}  " + "  ".join(f"{show(duck[la][n]):>10}" for la in las))
    differ = [f"{la} {n} duckdb={show(v)} postgres={show(pg.get(la, {}).get(n))}"
              for la in las for n, v in duck[la].items() if pg.get(la, {}).get(n) != v]
    differ += [f"{la} (record) duckdb=absent postgres=present" for la in sorted(set(pg) - set(duck))]
    print("\nDuckDB and PostgreSQL " + ("agree on every figure" if not differ else "DISAGREE:"))
    for line in differ:
        print(line)
    for engine in ENGINES:
        s = result[engine]["seconds"]
        print(f"{engine:<9} full recompute: median {statistics.median(s):.3f} s "
              f"over {len(s)} rounds ({', '.join(f'{x:.3f}' for x in s)})")
    return not differ


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", required=True, help="NDJSON input events")
    ap.add_argument("--calendar", required=True, help="working-day calendar file")
    ap.add_argument("--work", required=True, help="work directory (databases, cluster, CSV)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", help="also write the result as JSON to this file")
    ap.add_argument("--indicators", help="mashflow's indicators records to compare with")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    # SIGTERM unwinds like Ctrl-C, so the cluster is stopped either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = run(args.events, args.calendar, args.work, args.rounds)
    engines_agree = print_figures(result)
    status = 0 if engines_agree else 1
    if args.indicators:
        disagreements = compare(result, args.indicators)
        for d in disagreements:
            print(d)
        n = len(result["duckdb"]["figures"])
        print(f"compared with mashflow: {n} authorities, "
              + ("all figures agree" if not disagreements else f"{len(disagreements)} disagreements"))
        result["disagreements"] = disagreements
        status = 1 if disagreements else status
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return status


if __name__ == "__main__":
    sys.exit(main())
