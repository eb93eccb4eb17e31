# SPDX-License-Identifier: MIT
"""Shared client-side machinery for the recd integration tests.

Owns: free ports, HTTP helpers (http.client and raw sockets), sha256,
bounded polling, reading the SQLite store read-only, the process wrappers
for recd and the fake provider. Invariant: every process started here is
stopped by PID and every temp dir removed by the fixtures in conftest.py.
Threads: the HTTP helpers open one connection per call and may be used
from any thread; process wrappers belong to the test that created them.

Tests assert counts, bytes, status codes and invariants, never timings;
deadlines below are generous upper bounds (ASan builds are 2-3x slower).
"""
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RECD_BIN = os.environ.get("RECD_BIN", str(REPO / "build" / "recd"))
FAKE_PROVIDER_BIN = os.environ.get("FAKE_PROVIDER_BIN", str(REPO / "build" / "fake-provider"))

ACCOUNT_SID = "ACfake00000000000000000000000000000"
AUTH_TOKEN = "fake-token"

# Upper bounds only: a passing run never waits this long.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
HTTP_TIMEOUT = 60.0
READY_DEADLINE = 120.0

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "ERROR: ThreadSanitizer")


def new_call_sid(prefix="CA"):
    """A fresh valid call_sid: prefix + 32 hex digits (fits ^[A-Za-z0-9_-]{1,64}$)."""
    return prefix + uuid.uuid4().hex


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def wait_until(pred, deadline_s, interval=0.1, what="condition"):
    """Poll pred() until it returns a truthy value; raise after deadline_s."""
    end = time.monotonic() + deadline_s
    last = None
    while True:
        try:
            last = pred()
        except (OSError, http.client.HTTPException) as e:
            last = None
            err = e
        else:
            err = None
            if last:
                return last
        if time.monotonic() > end:
            raise AssertionError("timed out after %.0fs waiting for %s (last=%r err=%r)"
                                 % (deadline_s, what, last, err))
        time.sleep(interval)


class Resp:
    """A finished HTTP response: status, header list, body bytes."""

    def __init__(self, status, headers, body, reason=""):
        self.status = status
        self.headers = headers  # list of (name, value) in wire order
        self.body = body
        self.reason = reason

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def header_dict(self, exclude=("date",)):
        """Lower-cased names → list of values, minus the excluded names."""
        d = {}
        for k, v in self.headers:
            if k.lower() in exclude:
                continue
            d.setdefault(k.lower(), []).append(v)
        return d

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        body = self.body[:300]
        return "<Resp %s %r body=%r>" % (self.status, self.headers, body)


def request(port, method, path, headers=None, body=None, timeout=HTTP_TIMEOUT):
    """One request on a fresh connection; returns Resp (body fully read)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, r.getheaders(), data, r.reason)
    finally:
        conn.close()


def assert_json_error(resp, status, code=None):
    """The SPEC §2 error shape: JSON {"error":{"code","message"}}."""
    assert resp.status == status, resp
    ctype = resp.header("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == "application/json", resp
    doc = resp.json()
    assert isinstance(doc.get("error"), dict), resp
    assert isinstance(doc["error"].get("code"), str) and doc["error"]["code"], resp
    assert isinstance(doc["error"].get("message"), str), resp
    if code is not None:
        assert doc["error"]["code"] == code, resp
    return doc


# ---------------------------------------------------------------- raw sockets

def parse_raw_response(raw):
    """Parse the status line and headers of a raw HTTP/1.x response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
    if not m:
        return None
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        headers.append((k.decode("latin-1").strip(), v.decode("latin-1").strip()))
    return Resp(int(m.group(1)), headers, body)


def _response_complete(raw):
    resp = parse_raw_response(raw)
    if resp is None or b"\r\n\r\n" not in raw:
        return False
    if resp.status in (204, 304) or 100 <= resp.status < 200:
        return True
    cl = resp.header("Content-Length")
    if cl is not None and cl.isdigit():
        return len(resp.body) >= int(cl)
    if "chunked" in (resp.header("Transfer-Encoding") or "").lower():
        return resp.body.endswith(b"0\r\n\r\n")
    return False


def raw_request(port, data, timeout=30.0, chunk=4096):
    """Send raw bytes; stop sending as soon as the server answers (so an early
    4xx is read before a reset) or stops reading for 5 s, then read until
    close or a complete response. Returns (Resp or None, raw_bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    raw = b""
    try:
        off = 0
        try:
            while off < len(data):
                r, w, _ = select.select([s], [s], [], 5.0)
                if r or not w:
                    break
                off += s.send(data[off:off + chunk])
        except OSError:
            pass
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                b = s.recv(65536)
            except OSError:  # includes timeouts and resets
                break
            if not b:
                break
            raw += b
            if _response_complete(raw):
                break
    finally:
        s.close()
    return parse_raw_response(raw), raw


# ------------------------------------------------------------------ processes

def _stop_pid(proc, timeout=STOP_TIMEOUT):
    """SIGTERM, then SIGKILL after timeout; by PID only."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return proc.wait(timeout=30)


def _child_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECD_")}
    env.update(extra or {})
    return env


class FakeProvider:
    """The Twilio stand-in (tools/fake-provider), started on a random port."""

    def __init__(self, tmpdir, knobs):
        self.tmpdir = Path(tmpdir)
        self.knobs = knobs
        self.proc = None
        self.port = None
        self.log_path = self.tmpdir / "fake-provider.log"

    def start(self):
        args = [FAKE_PROVIDER_BIN, "--listen", "127.0.0.1:0"]
        for k, v in self.knobs.items():
            flag = "--" + k.replace("_", "-")
            if v is True:
                args.append(flag)
            elif v is False or v is None:
                continue
            else:
                args += [flag, str(v)]
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=_child_env())
        end = time.monotonic() + START_TIMEOUT
        while time.monotonic() < end:
            text = self.log_path.read_text(errors="replace")
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("fake-provider did not start: %s" % self.log())

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def get_json(self, path):
        r = request(self.port, "GET", path, timeout=30)
        assert r.status == 200, r
        return r.json()

    def stats(self, call_sid=None):
        if call_sid is None:
            return self.get_json("/_stats")
        return self.get_json("/_stats?call_sid=" + call_sid)

    def totals(self):
        """Totals of /_stats whether they are flat or under "totals"."""
        d = self.stats()
        return d.get("totals", d)

    def expected(self, call_sid):
        return self.get_json("/_expected?call_sid=" + call_sid)

    def control(self, **knobs):
        q = "&".join("%s=%s" % (k, int(v) if isinstance(v, bool) else v)
                     for k, v in knobs.items())
        r = request(self.port, "POST", "/_control?" + q, body=b"", timeout=30)
        assert r.status in (200, 204), r
        return r

    def reset(self):
        r = request(self.port, "POST", "/_reset", body=b"", timeout=30)
        assert r.status in (200, 204), r

    def media_url(self, recording_sid, fmt="wav"):
        return "%s/2010-04-01/Accounts/%s/Recordings/%s.%s" % (
            self.base, ACCOUNT_SID, recording_sid, fmt)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        rc = _stop_pid(self.proc)
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None
        return rc


DEFAULT_FLAGS = {
    "provider": "twilio",
    "twilio_account_sid": ACCOUNT_SID,
    "workers": 2,
    "max_wait": 30,
    "max_attempts": 5,
    "lease_seconds": 30,
    "backoff_base_ms": 200,
    "backoff_max_ms": 2000,
    "negative_ttl": 300,
    "failure_cooldown": 60,
    "cache_max_bytes": 1 << 30,
    "log_format": "logfmt",
    "drain_timeout": 5,  # SIGTERM at teardown: in-flight requests get 5 s (< STOP_TIMEOUT)
}


class Recd:
    """One `recd serve` process with its own DB, cache dir and port. It can
    be killed and restarted on the same DB/cache (a new port each start)."""

    def __init__(self, tmpdir, provider, flags):
        self.tmpdir = Path(tmpdir)
        self.db_path = self.tmpdir / "recd.db"
        self.cache_dir = self.tmpdir / "cache"
        self.provider = provider
        self.flags = dict(DEFAULT_FLAGS)
        self.flags.update(flags)
        self.proc = None
        self.port = None
        self.starts = 0
        self.logs = []  # one log file per start
        self.exit_codes = []
        self.clean_stops = []  # exit statuses after our SIGTERM
        self.died = []         # exit statuses of deaths we did not cause
        self.env = {}          # extra environment for the process

    @property
    def db_url(self):
        return "sqlite:%s" % self.db_path

    def argv(self, port):
        api_base = self.provider.base if self.provider else "http://127.0.0.1:9"
        flags = dict(self.flags)
        flags.setdefault("listen", "127.0.0.1:%d" % port)
        flags.setdefault("db", self.db_url)
        flags.setdefault("cache_dir", str(self.cache_dir))
        flags.setdefault("twilio_api_base", api_base)
        args = [RECD_BIN, "serve"]
        for k, v in flags.items():
            flag = "--" + k.replace("_", "-")
            if v is None or v is False:
                continue
            if v is True:
                args.append(flag)
            else:
                args += [flag, str(v)]
        return args

    def start(self):
        port = free_port()
        self.starts += 1
        log_path = self.tmpdir / ("recd-%d.log" % self.starts)
        self.logs.append(log_path)
        logf = open(log_path, "wb")
        self.proc = subprocess.Popen(self.argv(port), stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     env=_child_env(dict({"RECD_TWILIO_AUTH_TOKEN": AUTH_TOKEN},
                                                         **self.env)))
        logf.close()
        self.port = port
        end = time.monotonic() + START_TIMEOUT
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("recd exited with %s during start-up:\n%s"
                                   % (self.proc.returncode, self.log()))
            try:
                if request(port, "GET", "/healthz", timeout=5).status == 200:
                    return self
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        raise RuntimeError("recd did not answer /healthz:\n%s" % self.log())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        assert self.alive(), "recd was already dead before kill -9"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.exit_codes.append(self.proc.wait(timeout=30))

    def stop(self):
        """SIGTERM (SIGKILL after 10 s). Returns the exit status, or None if
        the process had already ended (then it is in exit_codes already,
        or it died on its own: bad_exits() reports that)."""
        if self.proc is None:
            return None
        if self.proc.returncode is None and self.proc.poll() is None:
            rc = _stop_pid(self.proc)
            self.exit_codes.append(rc)
            self.clean_stops.append(rc)
            return rc
        if self.proc.returncode not in self.exit_codes:
            self.exit_codes.append(self.proc.returncode)
            self.died.append(self.proc.returncode)
        return None

    def bad_exits(self):
        """Exits that were not a clean 0 after SIGTERM, nor our own kill -9."""
        return [rc for rc in self.clean_stops if rc != 0] + list(self.died)

    def log(self, tail=200):
        out = []
        for p in self.logs:
            try:
                lines = p.read_text(errors="replace").splitlines()
            except OSError:
                continue
            out.append("---- %s (last %d lines)" % (p.name, tail))
            out.extend(lines[-tail:])
        return "\n".join(out)

    def sanitizer_reports(self):
        found = []
        for p in self.logs:
            try:
                text = p.read_text(errors="replace")
            except OSError:
                continue
            for m in SANITIZER_MARKERS:
                if m in text:
                    found.append("%s: %s" % (p.name, m))
        return found

    # --- HTTP

    def req(self, method, path, headers=None, body=None, timeout=HTTP_TIMEOUT):
        return request(self.port, method, path, headers=headers, body=body, timeout=timeout)

    def get(self, path, headers=None, timeout=HTTP_TIMEOUT):
        return self.req("GET", path, headers=headers, timeout=timeout)

    def stream(self, call_sid, method="GET", headers=None, extra="", timeout=HTTP_TIMEOUT):
        return self.req(method, "/stream?call_sid=%s%s" % (call_sid, extra),
                        headers=headers, timeout=timeout)

    def post_json(self, path, obj, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = obj if isinstance(obj, (bytes, bytearray)) else json.dumps(obj).encode()
        return self.req("POST", path, headers=h, body=body)

    def wait_final(self, call_sid, method="GET", deadline=READY_DEADLINE, wait_s=20,
                   check=None):
        """Ask until the answer is not 202 (held requests, Retry-After respected,
        capped). check(resp) is called on every response. Returns the final Resp."""
        end = time.monotonic() + deadline
        while True:
            r = self.stream(call_sid, method=method, headers={"Prefer": "wait=%d" % wait_s},
                            timeout=wait_s + HTTP_TIMEOUT)
            if check:
                check(r)
            if r.status != 202:
                return r
            if time.monotonic() > end:
                raise AssertionError("still 202 after %.0fs for %s: %r"
                                     % (deadline, call_sid, r))
            time.sleep(retry_after_s(r))

    def metrics(self):
        r = self.get("/metrics")
        assert r.status == 200, r
        return r.body.decode("utf-8", "replace")

    # --- store (read-only SQL, as an operator would run it)

    def sql(self, query, params=()):
        return sql_ro(self.db_path, query, params)

    def cli(self, *args, timeout=60):
        return run_cli(list(args) + ["--db", self.db_url], timeout=timeout)


def retry_after_s(resp, cap=2.0):
    """Seconds to sleep before asking again: Retry-After, bounded."""
    v = resp.header("Retry-After")
    try:
        s = float(v)
    except (TypeError, ValueError):
        s = 0.5
    return max(0.05, min(s, cap))


def sql_ro(db_path, query, params=()):
    """Run one read-only query on the SQLite store (WAL-safe, busy-tolerant)."""
    uri = "file:%s?mode=ro" % db_path
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError as e:
        # A hot journal left by a killed process needs a writer to roll it
        # back; any next opener does that, so may we.
        if "readonly" not in str(e) and "read-only" not in str(e):
            raise
    conn = sqlite3.connect(str(db_path), timeout=30)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


DUPLICATE_SQL = """SELECT call_sid, COUNT(*) FROM recording_runs
WHERE status IN ('queued','running') GROUP BY call_sid HAVING COUNT(*) > 1"""


def run_cli(args, timeout=60, env=None):
    """Run `recd ARGS…`; returns CompletedProcess with text stdout/stderr."""
    e = _child_env({"RECD_TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    e.update(env or {})
    return subprocess.run([RECD_BIN] + list(args), capture_output=True, text=True,
                          errors="replace", timeout=timeout, env=e,
                          stdin=subprocess.DEVNULL)


def make_tmpdir(tag):
    return tempfile.mkdtemp(prefix="recd-integ-%s-" % tag)


def rmtree(path):
    if os.environ.get("RECD_KEEP_TMP"):
        return
    shutil.rmtree(path, ignore_errors=True)


def part_files(cache_dir):
    """Every *.part file anywhere under the cache dir."""
    cache_dir = Path(cache_dir)
    if not cache_dir.exists():
        return []
    return [str(p) for p in cache_dir.rglob("*.part")]


_METRIC_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def metric_value(text, name, labels=None):
    """Sum of the samples of one metric in Prometheus text (optionally only
    those whose labels include `labels`); None if there is no sample."""
    total = None
    for line in text.splitlines():
        m = _METRIC_RE.match(line)
        if not m or m.group(1) != name:
            continue
        lab = m.group(2) or ""
        if labels and not all('%s="%s"' % kv in lab for kv in labels.items()):
            continue
        total = (total or 0) + float(m.group(3))
    return total
