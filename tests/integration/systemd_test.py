#!/usr/bin/env python3
"""The daemon under systemd's protocols, without systemd as PID 1: a unix
datagram socket in NOTIFY_SOCKET stands for the service manager
(sd_notify(3)), and libseccomp with strace for the unit's system call filter.

Usage: systemd_test.py CASE   (CASE: notify, standby, syscalls)
  notify    STATUS= lines while partitions are restored, READY=1 once they
            are all live, STATUS= at most once a second, WATCHDOG=1 at half
            of WATCHDOG_USEC, STOPPING=1 after SIGTERM, every message from
            the main process (NotifyAccess=main).
  standby   two members, one partition: the member given nothing is ready.
  syscalls  the daemon under the unit's SystemCallFilter= and
            RestrictAddressFamilies=, enforced with libseccomp as systemd
            does (sets expanded by systemd-analyze syscall-filter), traced
            with strace through start, restore, live, HTTP and stop: every
            call it makes is allowed, and only netlink sockets are refused."""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402
from daemon_test import Broker, Daemon, check, produce_and_file, wait_stable  # noqa: E402

SOURCE = os.environ["MF_SOURCE_DIR"]
WATCHDOG_USEC = 2_000_000  # keep-alives every second


class Manager:
    """A service manager's notification socket: records (time, pid, fields)
    for every datagram, the pid from the kernel's SCM_CREDENTIALS."""

    def __init__(self, work, name="notify"):
        self.path = os.path.join(work, name + ".sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(0.2)
        self.messages = []
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        size = socket.CMSG_SPACE(struct.calcsize("iII"))
        while not self.done:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, size)
            except socket.timeout:
                continue
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:struct.calcsize("iII")])[0]
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            with self.lock:
                self.messages.append((time.monotonic(), pid, fields))

    def env(self):
        return {"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": str(WATCHDOG_USEC)}

    def seen(self):
        with self.lock:
            return list(self.messages)

    def wait_for(self, key, value=None, timeout=60, proc=None):
        """When the message key=value arrived, or None (also when proc has
        ended first)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and not (proc and proc.poll() is not None):
            for t, _, f in self.seen():
                if key in f and (value is None or f[key] == value):
                    return t
            time.sleep(0.1)
        return None

    def close(self):
        self.done = True
        self.thread.join()
        self.sock.close()


def start_daemon(work, broker, manager, **kw):
    """A Daemon (daemon_test) with the manager's environment."""
    saved = dict(os.environ)
    os.environ.update(manager.env())
    try:
        return Daemon(work, broker, **kw)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def readyz(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            return r.status, r.read().decode().strip()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode().strip()
    except OSError as e:
        return None, str(e)


def committed_backlog(work, broker):
    """Events in four authorities' partitions, consumed and committed by a
    first instance (not notifying) and stopped, so that the next instance
    has state to rebuild."""
    _, gen = produce_and_file(broker, 21, work, authorities=4, months=3, rate=20000)
    check("generator streamed to the broker", gen.wait(timeout=300) == 0)
    first = Daemon(work, broker, "first")
    check("first instance: partitions live", first.wait_live(60))
    wait_stable(broker, "mashflow.referrals", settle=4)
    check("first instance: SIGTERM, exit 0 (offsets committed)", first.stop() == 0)


def case_notify(work):
    broker = Broker(work)
    manager = Manager(work)
    try:
        committed_backlog(work, broker)
        # Small fetches from a broker that answers in 5 ms make the rebuild
        # take seconds, long enough to watch its STATUS= lines (a production
        # restore of 24 months takes minutes).
        broker.command("rtt 1 5")
        d = start_daemon(work, broker, manager, name="notified",
                         librdkafka="max.partition.fetch.bytes = 4096")
        port = d.http_port()
        t_ready = manager.wait_for("READY", "1", timeout=120, proc=d.proc)
        check("READY=1 arrives", t_ready is not None)
        at_ready = readyz(port)
        log = d.log_text()
        time.sleep(4)  # watchdog keep-alives and a live STATUS= or two
        t_term = time.monotonic()
        d.proc.send_signal(signal.SIGTERM)
        t_stopping = manager.wait_for("STOPPING", "1", timeout=30)
        rc = d.proc.wait(timeout=90)
        d.log.close()
        msgs = manager.seen()
        statuses = [(t, f["STATUS"]) for t, _, f in msgs if "STATUS" in f]
        for t, s in statuses:
            print(f"     {t - msgs[0][0]:6.2f}s STATUS={s}")
        restoring = [(t, s) for t, s in statuses if s.startswith("restoring ")]
        check("STATUS= says which partitions are being restored, before READY=1",
              restoring and all(t < t_ready for t, _ in restoring)
              and all(re.fullmatch(r"restoring \d+ of 16 partitions, \d+ records replayed, "
                                   r"\d+ records/s", s) for _, s in restoring),
              str(restoring[:3]))
        replayed = [int(s.split(", ")[1].split()[0]) for _, s in restoring]
        check("the restore's STATUS= lines count records replayed, rising",
              len(replayed) >= 2 and replayed == sorted(replayed) and replayed[-1] > 0,
              str(replayed))
        restores = len(re.findall(r"partition restoring ", log))
        lives = len(re.findall(r"partition live ", log))
        check("READY=1 only once all 16 partitions were live (the log says so)",
              lives == 16 and restores >= 2, f"{lives} live, {restores} restored")
        check("/readyz agrees at READY=1", at_ready[0] == 200, str(at_ready))
        check("READY=1 sent once", sum(1 for _, _, f in msgs if f.get("READY") == "1") == 1)
        live = [s for t, s in statuses if t > t_ready and t < t_term]
        check("after READY=1: STATUS=16 partitions live, N records/s",
              live and all(re.fullmatch(r"16 partitions live, \d+ records/s", s) for s in live),
              str(live))
        periodic = [t for t, s in statuses if not s.startswith("stopping")]
        gaps = [b - a for a, b in zip(periodic, periodic[1:])]
        check("STATUS= at most once a second", all(g >= 0.95 for g in gaps),
              f"smallest gap {min(gaps, default=0):.2f}s")
        wd = [t for t, _, f in msgs if f.get("WATCHDOG") == "1"]
        wd_gaps = [b - a for a, b in zip(wd, wd[1:])]
        print(f"     WATCHDOG=1 x{len(wd)}, gaps {min(wd_gaps, default=0):.2f}"
              f"-{max(wd_gaps, default=0):.2f}s (WATCHDOG_USEC={WATCHDOG_USEC})")
        check("WATCHDOG=1 from start to stop, every half WATCHDOG_USEC",
              wd and wd[0] < (restoring[0][0] if restoring else t_ready) and wd[-1] > t_ready
              and wd_gaps and all(0.8 <= g <= 1.5 for g in wd_gaps), str(wd_gaps))
        check("STOPPING=1 after SIGTERM", t_stopping is not None and t_stopping >= t_term)
        stop_status = [s for t, s in statuses if t_stopping and t >= t_stopping]
        check("STATUS= says it is stopping", stop_status[:1] ==
              ["stopping: finishing the batch and leaving the group"], str(stop_status))
        check("SIGTERM: exit 0", rc == 0, f"exit {rc}")
        pids = {pid for _, pid, _ in msgs}
        check("every message from the main process (NotifyAccess=main)",
              pids == {d.proc.pid}, f"{pids} vs {d.proc.pid}")
        check("nothing but READY, STATUS, WATCHDOG, STOPPING",
              all(set(f) <= {"READY", "STATUS", "WATCHDOG", "STOPPING"} for _, _, f in msgs))
    finally:
        manager.close()
        broker.stop()


def case_standby(work):
    """A group with more members than partitions: the member given none is a
    healthy standby and says READY=1; before its first assignment it is not."""
    broker = Broker(work)
    m1, m2 = Manager(work, "s1"), Manager(work, "s2")
    try:
        broker.command("topic standby.events 1")
        kw = dict(group="standby", extra="[kafka]\ninput_topics = standby.events")
        d1 = start_daemon(work, broker, m1, name="s1", **kw)
        d2 = start_daemon(work, broker, m2, name="s2", **kw)
        t1 = m1.wait_for("READY", "1", timeout=90, proc=d1.proc)
        t2 = m2.wait_for("READY", "1", timeout=90, proc=d2.proc)
        check("both members say READY=1", t1 is not None and t2 is not None)
        time.sleep(2.5)
        last = [[f["STATUS"] for _, _, f in m.seen() if "STATUS" in f][-1:] for m in (m1, m2)]
        print(f"     last STATUS= lines: {last}")
        check("one member has the partition live, the other stands by",
              sorted(s[0] if s else "" for s in last) ==
              ["1 partition live, 0 records/s",
               "no partitions assigned by the group: standing by"], str(last))
        first = [[(t, f["STATUS"]) for t, _, f in m.seen() if "STATUS" in f][:1]
                 for m in (m1, m2)]
        check("before the group's first assignment: not ready, waiting",
              all(s and s[0][1].startswith("waiting for ") and s[0][0] < t
                  for s, t in zip(first, (t1, t2))), str(first))
        check("both stop cleanly", d1.stop() == 0 and d2.stop() == 0)
    finally:
        m1.close()
        m2.close()
        broker.stop()


def allowed_syscalls():
    """@system-service less @privileged and @resources, as the unit says."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                         capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = line.split()[0]
            groups[cur] = []
        elif cur and line.strip() and not line.strip().startswith("#"):
            groups[cur].append(line.strip())

    def expand(name, seen):
        names = set()
        for m in groups.get(name, []):
            if m.startswith("@"):
                if m not in seen:
                    seen.add(m)
                    names |= expand(m, seen)
            else:
                names.add(m)
        return names

    unit = open(os.path.join(SOURCE, "systemd", "mashflow.service.in")).read()
    allow = set()
    for value in re.findall(r"^SystemCallFilter=(.*)$", unit, re.M):
        deny = value.startswith("~")
        names = set()
        for item in value.lstrip("~").split():
            names |= expand(item, set()) if item.startswith("@") else {item}
        allow = allow - names if deny else allow | names
    return allow


def filtered_exec(argv):
    """Execs argv under the unit's system call filter as systemd would set
    it up: SystemCallFilter= (refused: EPERM, SystemCallErrorNumber=) and
    RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX (refused: EAFNOSUPPORT),
    through libseccomp, which systemd uses too."""
    import ctypes
    import errno

    class ArgCmp(ctypes.Structure):
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                    ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]

    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    allow_action, eq, gt = 0x7FFF0000, 4, 6

    def errno_action(e):
        return 0x00050000 | e

    allow = allowed_syscalls()
    ctx = lib.seccomp_init(errno_action(errno.EPERM))
    for name in sorted(allow - {"socket"}):
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr >= 0 and lib.seccomp_rule_add_array(ctx, allow_action, nr, 0, None) != 0:
            sys.exit(f"seccomp: cannot allow {name}")
    nr = lib.seccomp_syscall_resolve_name(b"socket")
    for family in (socket.AF_UNIX, socket.AF_INET, socket.AF_INET6):
        lib.seccomp_rule_add_array(ctx, allow_action, nr, 1, ArgCmp(0, eq, family, 0))
    lib.seccomp_rule_add_array(ctx, errno_action(errno.EAFNOSUPPORT), nr, 1,
                               ArgCmp(0, gt, socket.AF_INET6, 0))
    if lib.seccomp_load(ctx) != 0:
        sys.exit("seccomp: cannot load the filter")
    os.execv(argv[0], argv)


def case_syscalls(work):
    broker = Broker(work)
    manager = Manager(work)
    try:
        committed_backlog(work, broker)
        trace = os.path.join(work, "strace.txt")
        # The first instance's configuration (same group: there is state to
        # restore from its committed offsets), with the broker's name to
        # resolve rather than its address.
        conf = os.path.join(work, "traced.conf")
        with open(os.path.join(work, "first.conf")) as f, open(conf, "w") as out:
            out.write(f.read().replace("brokers = 127.0.0.1:", "brokers = localhost:"))
        log_path = os.path.join(work, "traced.log")
        env = dict(os.environ, **manager.env())
        # LeakSanitizer cannot work under ptrace (a sanitizer build).
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "detect_leaks=0"]))
        with open(log_path, "w") as log:
            proc = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, sys.executable,
                                     os.path.abspath(__file__), "--filtered-exec", dt.BIN,
                                     "run", "--config", conf],
                                    stdout=log, stderr=log, env=env)
            t_ready = manager.wait_for("READY", "1", timeout=120, proc=proc)
            text = open(log_path).read()
            check("traced daemon: partitions restored, then READY=1", t_ready is not None and
                  "partition restoring" in text and text.count("partition live ") == 16)
            port = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", text).group(1)
            for path in ("/metrics", "/readyz", "/indicators", "/"):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    r.read()
            time.sleep(2)
            children = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
            os.kill(int(children[0]), signal.SIGTERM)
            check("traced daemon: SIGTERM, exit 0", proc.wait(timeout=90) == 0)
        # The daemon's calls: from its execve on (before it, the filter's
        # set-up in Python).
        lines = open(trace).read().splitlines()
        start = next(i for i, l in enumerate(lines) if f'execve("{dt.BIN}"' in l)
        calls = [l for l in lines[start + 1:] if re.match(r"\d+\s+[a-z0-9_]+\(", l)]
        used = sorted({re.match(r"\d+\s+([a-z0-9_]+)\(", l).group(1) for l in calls})
        allow = allowed_syscalls()
        print(f"     {len(used)} system calls used: {' '.join(used)}")
        denied = [s for s in used if s not in allow]
        check("every system call made is allowed by SystemCallFilter=", not denied, str(denied))
        # Refusals, also of calls strace splits across threads
        # ("<... socket resumed>"), and the socket families asked for.
        refused = sorted({f"{m.group(1) or m.group(2)} {m.group(3)}" for m in (
            re.match(r"\d+\s+(?:([a-z0-9_]+)\(|<\.\.\. ([a-z0-9_]+) resumed>).*= -1 (E[A-Z]+)",
                     l) for l in lines[start + 1:]) if m and m.group(3) in (
                         "EPERM", "EAFNOSUPPORT")})
        families = sorted(set(re.findall(r"^\d+\s+socket\((AF_[A-Z0-9]+)",
                                         "\n".join(lines[start + 1:]), re.M)))
        print(f"     refused under the filter: {refused}; socket families: {families}")
        check("only sockets of other families refused (netlink: glibc's getaddrinfo "
              "then assumes IPv4 and IPv6), and the daemon worked on",
              refused in ([], ["socket EAFNOSUPPORT"]) and
              set(families) <= {"AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"},
              f"{refused}, {families}")
        check("the filter is not vacuous: it denies setuid, setrlimit, mount, reboot",
              not ({"setuid", "setrlimit", "mount", "reboot"} & allow))
    finally:
        manager.close()
        broker.stop()


if __name__ == "__main__":
    if sys.argv[1] == "--filtered-exec":
        filtered_exec(sys.argv[2:])
    dt.main(globals())
