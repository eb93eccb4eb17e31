# SPDX-License-Identifier: MIT
"""Running recd as a service (issue 15, SPEC §4): the config file and its
precedence as `recd config --print` shows it, errors naming file and line;
SIGHUP reloading the log level and a rotated API token without dropping a
held request (and saying what needs a restart); SIGTERM draining 20 held
requests, or cutting them at --drain-timeout and handing the claimed runs
back to the queue; a slow download of a large cached file finishing during
the drain, or cut at its timeout; sd_notify READY/RELOADING/STOPPING and
WATCHDOG messages on $NOTIFY_SOCKET.
Asserts statuses, bytes, log events and store rows, never timings.
"""
import os
import re
import signal
import socket
import threading
import time

import pytest

from helpers import (RECD_BIN, assert_json_error, free_port, metric_value, new_call_sid,
                     parse_raw_response, run_cli, sha256, wait_until)

TOKEN_A = "token-aaaaaaaaaaaaaaaaaaaa"
TOKEN_B = "token-bbbbbbbbbbbbbbbbbbbb"


def _write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return str(path)


def _bearer(token):
    return {"Authorization": "Bearer " + token}


def _log(rd):
    return "\n".join(p.read_text(errors="replace") for p in rd.logs)


def _sigterm(rd):
    os.kill(rd.proc.pid, signal.SIGTERM)


def _wait_exit(rd, timeout=90):
    """Wait for the exit our SIGTERM asked for; the fixture then checks it was 0."""
    rc = rd.proc.wait(timeout=timeout)
    rd.exit_codes.append(rc)
    rd.clean_stops.append(rc)
    return rc


def _held(rd, headers=None):
    return metric_value(rd.req("GET", "/metrics", headers=headers).body.decode(), "recd_held_requests") or 0


class Background:
    """Requests running on threads; results in submission order."""

    def __init__(self):
        self.threads, self.results = [], []

    def run(self, fn, *args):
        i = len(self.results)
        self.results.append(None)

        def go():
            try:
                self.results[i] = fn(*args)
            except Exception as e:  # noqa: BLE001 - reported by the test
                self.results[i] = e
        t = threading.Thread(target=go, daemon=True)
        t.start()
        self.threads.append(t)

    def join(self, timeout=120):
        for t in self.threads:
            t.join(timeout)
        return self.results


# ------------------------------------------------------------ config file

def test_config_print_precedence_and_origins(tmp_dir):
    conf = _write(os.path.join(tmp_dir, "recd.conf"),
                  "# comment\n\nworkers = 5\nmax-wait = 12\nlisten = 127.0.0.1:7000\n"
                  "db = postgres://recd:hunter2@db.example/recd\n"
                  "twilio-auth-token = file-secret-value\n")
    p = run_cli(["config", "--print", "--config", conf, "--max-wait", "14"],
                env={"RECD_LISTEN": "127.0.0.1:7001", "RECD_MAX_WAIT": "13"})
    assert p.returncode == 0, p
    lines = {ln.split(" = ")[0]: ln for ln in p.stdout.splitlines() if " = " in ln}
    assert lines["workers"].startswith("workers = 5  # file %s:3" % conf), lines["workers"]
    assert lines["listen"].startswith("listen = 127.0.0.1:7001  # env RECD_LISTEN"), lines["listen"]
    assert lines["max-wait"].startswith("max-wait = 14  # flag --max-wait"), lines["max-wait"]
    assert lines["max-attempts"].startswith("max-attempts = 5  # default"), lines["max-attempts"]
    # Secrets and URL passwords never printed.
    assert "hunter2" not in p.stdout and "file-secret-value" not in p.stdout, p.stdout
    assert "twilio-auth-token = <redacted>" in p.stdout, p.stdout
    # The env secret set by run_cli wins over the file's.
    assert "# env RECD_TWILIO_AUTH_TOKEN" in lines["twilio-auth-token"], lines["twilio-auth-token"]
    # Global --config before the command works too.
    p = run_cli(["--config", conf, "config", "--print"])
    assert p.returncode == 0 and "workers = 5" in p.stdout, p


@pytest.mark.parametrize("text,line,says", [
    ("workers = 2\n\n# c\nlisen = 127.0.0.1:1\n", 4, 'unknown option "lisen"'),
    ("workers 2\n", 1, "expected key = value"),
    ("workers = two\n", 1, "workers: expected an integer"),
    ("workers = 1\nworkers = 2\n", 2, "already set on line 1"),
])
def test_config_errors_exit_2_with_file_and_line(tmp_dir, text, line, says):
    conf = _write(os.path.join(tmp_dir, "recd.conf"), text)
    for cmd in (["serve", "--workers", "0", "--listen", "127.0.0.1:%d" % free_port()],
                ["check", "--db", "sqlite:" + os.path.join(tmp_dir, "db")]):
        p = run_cli(cmd + ["--config", conf], timeout=20)
        assert p.returncode == 2, p
        err = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert len(err) == 1, p.stderr
        assert "%s:%d: " % (conf, line) in err[0] and says in err[0], err


def test_config_file_runs_check(tmp_dir):
    db = os.path.join(tmp_dir, "recd.db")
    conf = _write(os.path.join(tmp_dir, "recd.conf"), "db = sqlite:%s\n" % db)
    p = run_cli(["--config", conf, "check"])
    assert p.returncode == 0, p
    assert os.path.exists(db)


# ------------------------------------------------------------------ SIGHUP

def test_sighup_reloads_log_level_and_token_keeps_held_request(fake_provider, recd, tmp_dir):
    fp = fake_provider(latency_ms=10000)  # held well past the reload, even on a loaded machine
    tokens = _write(os.path.join(tmp_dir, "tokens"), TOKEN_A + "\n")
    conf_path = os.path.join(tmp_dir, "recd.conf")
    _write(conf_path, "api-token-file = %s\nlog-level = info\nhttp-threads = 2\n" % tokens)
    rd = recd(fp, config=conf_path)
    assert rd.req("GET", "/api/runs", headers=_bearer(TOKEN_A)).status == 200

    sid = new_call_sid()
    exp = fp.expected(sid)
    bg = Background()
    bg.run(lambda: rd.stream(sid, headers=dict(_bearer(TOKEN_A), Prefer="wait=60"), timeout=120))
    wait_until(lambda: _held(rd, _bearer(TOKEN_A)) == 1, 30, what="the request to be held")
    assert "level=debug" not in _log(rd)

    # Rotate the token, raise the log level, change an option that needs a restart.
    _write(tokens, TOKEN_B + "\n")
    _write(conf_path, "api-token-file = %s\nlog-level = debug\nhttp-threads = 3\n" % tokens)
    os.kill(rd.proc.pid, signal.SIGHUP)
    wait_until(lambda: "event=RELOAD " in _log(rd), 30, what="the RELOAD event")
    log = _log(rd)
    assert "changed=log-level" in log, log
    assert "event=RELOAD_SKIP option=http-threads" in log, log

    assert_json_error(rd.req("GET", "/api/runs", headers=_bearer(TOKEN_A)), 401, "bad_credentials")
    assert rd.req("GET", "/api/runs", headers=_bearer(TOKEN_B)).status == 200

    # The request held across the reload (authenticated with the old token) gets its audio.
    (r,) = bg.join()
    assert not isinstance(r, Exception), r
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"] and len(r.body) == exp["size"]
    # debug events appear now that the level is debug (STREAM_SERVE is one)
    assert rd.stream(sid, headers=_bearer(TOKEN_B)).status == 200
    wait_until(lambda: "level=debug event=STREAM_SERVE" in _log(rd), 30, what="a debug line after the reload")

    # A bad file changes nothing and says where it is wrong.
    _write(conf_path, "api-token-file = %s\nlog-level = loud\n" % tokens)
    os.kill(rd.proc.pid, signal.SIGHUP)
    wait_until(lambda: "event=RELOAD_FAIL" in _log(rd), 30, what="RELOAD_FAIL")
    _write(conf_path, "api-token-file = %s\nlisen = 1\n" % tokens)
    os.kill(rd.proc.pid, signal.SIGHUP)
    wait_until(lambda: "recd.conf:2: unknown option" in _log(rd), 30, what="RELOAD_FAIL with the line")
    assert rd.req("GET", "/api/runs", headers=_bearer(TOKEN_B)).status == 200
    assert rd.alive()


# ----------------------------------------------------------------- SIGTERM

def test_sigterm_lets_20_held_and_5_streaming_requests_finish(fake_provider, recd):
    fp = fake_provider(duration_s=300)  # about 4.8 MB per recording
    rd = recd(fp, workers=4, drain_timeout=60)
    big, big_exp = _cache_large(fp, rd)
    fp.control(latency_ms=15000)  # all 20 are held before any download ends, even under load
    sids = [new_call_sid() for _ in range(4)]
    exp = {s: fp.expected(s) for s in sids}
    bg = Background()
    for i in range(20):
        bg.run(lambda s: rd.stream(s, headers={"Prefer": "wait=60"}, timeout=120), sids[i % 4])
    # Five clients in the middle of a large response (tiny receive buffers,
    # nothing read yet): they keep streaming through the drain.
    slow = [_start_slow_get(rd, big) for _ in range(5)]
    wait_until(lambda: _held(rd) == 20, 30, what="20 held requests")
    _sigterm(rd)
    # New connections are refused while the others drain.
    wait_until(lambda: _refused(rd.port), 10, what="the listener to close")
    time.sleep(1)
    streamed = [parse_raw_response(_read_all(s, 65536, 0)) for s in slow]
    results = bg.join()
    assert _wait_exit(rd) == 0
    for r in streamed:
        assert r.status == 200 and int(r.header("Content-Length")) == big_exp["size"], r
        assert len(r.body) == big_exp["size"] and sha256(r.body) == big_exp["sha256"]
    for i, r in enumerate(results):
        assert not isinstance(r, Exception), r
        assert r.status == 200, r
        assert sha256(r.body) == exp[sids[i % 4]]["sha256"]
    log = _log(rd)
    # 20 held + 5 streaming (+ the last /metrics poll if its completion
    # callback has not run yet)
    m = re.search(r"event=DRAIN_START inflight=(\d+) held=20 ", log)
    assert m and int(m.group(1)) in (25, 26), log
    assert "event=DRAIN_END result=finished" in log, log
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE status = 'running'")[0][0] == 0
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE status = 'completed'")[0][0] == 5


def _refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except OSError:
        return True


def test_sigterm_past_drain_timeout_answers_held_and_requeues_runs(fake_provider, recd):
    fp = fake_provider(latency_ms=600000)  # the provider never answers in time
    rd = recd(fp, workers=2, drain_timeout=2)
    sids = [new_call_sid() for _ in range(2)]
    bg = Background()
    for i in range(20):
        bg.run(lambda s: rd.stream(s, headers={"Prefer": "wait=60"}, timeout=120), sids[i % 2])
    wait_until(lambda: _held(rd) == 20, 30, what="20 held requests")
    wait_until(lambda: rd.sql("SELECT COUNT(*) FROM recording_runs WHERE status = 'running'")[0][0] == 2,
               30, what="both runs claimed")
    _sigterm(rd)
    results = bg.join()
    assert _wait_exit(rd) == 0
    for r in results:
        # Held requests are answered with their current state (as at their own
        # deadline), never dropped without an answer.
        assert not isinstance(r, Exception), r
        assert r.status == 202, r
        assert r.header("Recording-Status") in ("queued", "running"), r
    log = _log(rd)
    assert "event=DRAIN_END result=timeout held_answered=20" in log, log
    assert log.count("event=RUN_RELEASE") == 2, log
    rows = rd.sql("SELECT status, attempt FROM recording_runs ORDER BY id")
    assert rows == [("queued", 0), ("queued", 0)], rows  # no attempt spent, none left running


def _cache_large(fp, rd):
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.wait_final(sid)
    assert r.status == 200 and sha256(r.body) == exp["sha256"], r
    return sid, exp


def _start_slow_get(rd, sid):
    """A dripping client: tiny receive buffer, reads nothing yet."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    s.settimeout(60)
    s.connect(("127.0.0.1", rd.port))
    s.sendall(("GET /stream?call_sid=%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % sid).encode())
    return s


def _read_all(s, chunk, pause):
    data = b""
    while True:
        try:
            b = s.recv(chunk)
        except OSError:
            break
        if not b:
            break
        data += b
        if pause:
            time.sleep(pause)
    s.close()
    return data


@pytest.mark.parametrize("drain_timeout,cut", [(60, False), (1, True)])
def test_sigterm_slow_download_of_large_file(fake_provider, recd, drain_timeout, cut):
    fp = fake_provider(duration_s=600)  # about 9.6 MB of audio
    rd = recd(fp, drain_timeout=drain_timeout)
    sid, exp = _cache_large(fp, rd)
    s = _start_slow_get(rd, sid)
    head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head[:100]
    time.sleep(0.5)
    _sigterm(rd)
    # Still sending after SIGTERM: a full read finishes; a dripping one is cut.
    data = head + _read_all(s, 65536 if not cut else 4096, 0 if not cut else 0.05)
    assert _wait_exit(rd) == 0
    resp = parse_raw_response(data)
    assert resp.status == 200
    length = int(resp.header("Content-Length"))
    assert length == exp["size"]
    if cut:
        assert len(resp.body) < length, "a response cut at the drain timeout must end short"
        assert "event=DRAIN_END result=timeout" in _log(rd)
    else:
        assert len(resp.body) == length and sha256(resp.body) == exp["sha256"]
        assert "event=DRAIN_END result=finished" in _log(rd)


# --------------------------------------------------------------- sd_notify

def test_sd_notify_ready_watchdog_reload_stopping(fake_provider, recd, tmp_dir):
    fp = fake_provider()
    path = os.path.join(tmp_dir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    msgs = []

    def drain_socket():
        while True:
            try:
                msgs.append(sock.recv(4096).decode())
            except socket.timeout:
                return
    rd = recd(fp, start=False)
    rd.env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"}
    rd.start()
    try:
        def seen(text):
            drain_socket()
            return any(text in m for m in msgs)
        wait_until(lambda: seen("READY=1"), 30, what="READY=1")
        wait_until(lambda: sum("WATCHDOG=1" in m for m in msgs) >= 3 or seen("__never__"), 30,
                   what="three WATCHDOG=1 pings")
        drain_socket()
        n_ready = sum("READY=1" in m for m in msgs)
        os.kill(rd.proc.pid, signal.SIGHUP)
        wait_until(lambda: seen("RELOADING=1"), 30, what="RELOADING=1")
        wait_until(lambda: seen("__never__") or sum("READY=1" in m for m in msgs) > n_ready, 30,
                   what="READY=1 after the reload")
        _sigterm(rd)
        assert _wait_exit(rd) == 0
        drain_socket()
        assert any("STOPPING=1" in m for m in msgs), msgs
        assert "event=WATCHDOG_START period_ms=1000" in _log(rd)
    finally:
        sock.close()
