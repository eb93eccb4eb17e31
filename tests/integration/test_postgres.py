# SPDX-License-Identifier: MIT
"""Several recd processes sharing one PostgreSQL store (SPEC §1, §4, §7).

A throwaway PostgreSQL (scripts/pg-test-server) serves the module; each test
gets a database of its own. Two `recd serve` processes on different ports,
the same --db URL and the same --cache-dir (one machine's disk: the
supported multi-process layout) must fetch every recording exactly once,
however the herd is split between them; the SPEC §7 duplicate query, run
with psql as an operator would, returns no rows; `recd check` agrees.
A `recd serve --workers 0` plus a separate `recd worker` shows the
HTTP-only/worker split, and a server killed mid-download has its run
reaped and finished by the other. Asserts provider counts, bytes and SQL, never
timings.
"""
import glob
import os
import shutil
import subprocess
import threading
import time
import uuid

import pytest

from helpers import (AUTH_TOKEN, DUPLICATE_SQL, HTTP_TIMEOUT, RECD_BIN, REPO, metric_value,
                     new_call_sid, request, retry_after_s, run_cli, sha256, wait_until)

PG_SCRIPT = REPO / "scripts" / "pg-test-server"
PG_BINS = glob.glob("/usr/lib/postgresql/*/bin/postgres")
PSQL = shutil.which("psql")

pytestmark = pytest.mark.skipif(not PG_BINS or PSQL is None,
                                reason="PostgreSQL server binaries or psql are not installed")

DEADLINE = 150.0


# ---------------------------------------------------------------- PostgreSQL

def _psql(url, sql):
    """Run sql with psql (unaligned, tuples only); returns the output rows."""
    out = subprocess.run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                          "-d", url, "-c", sql],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if line]


@pytest.fixture(scope="module")
def pg_server():
    """Start a PostgreSQL for this module; yields its URL (database recd_test)."""
    out = subprocess.run([str(PG_SCRIPT), "start"], capture_output=True, text=True, timeout=120,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    env = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    try:
        yield env["RECD_TEST_PG_URL"]
    finally:
        subprocess.run([str(PG_SCRIPT), "stop", env["RECD_TEST_PG_DIR"]], timeout=60,
                       stdin=subprocess.DEVNULL)


@pytest.fixture
def pg_url(pg_server):
    """A fresh database for one test; dropped afterwards."""
    name = "recd_it_" + uuid.uuid4().hex[:12]
    _psql(pg_server, "CREATE DATABASE " + name)
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    _psql(pg_server, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)


# ---------------------------------------------------------------- clients

def _held_get(port, sid, out, i, barrier):
    """Held GETs (Prefer: wait=20) until the answer is final."""
    rec = {"first": None, "final": None, "error": None}
    out[i] = rec
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        try:
            r = request(port, "GET", "/stream?call_sid=" + sid,
                        headers={"Prefer": "wait=20"}, timeout=20 + HTTP_TIMEOUT)
        except OSError as e:
            rec["error"] = repr(e)
            time.sleep(0.2)
            continue
        rec["first"] = rec["first"] or r
        if r.status != 202:
            rec["final"] = r
            return
        if r.header("Preference-Applied") is None:
            time.sleep(retry_after_s(r, cap=1.0))
    rec["error"] = rec["error"] or "deadline"


def _herd(jobs):
    """jobs: list of (port, call_sid), all started at once."""
    out = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))
    threads = [threading.Thread(target=_held_get, args=(port, sid, out, i, barrier), daemon=True)
               for i, (port, sid) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE + 120)
    assert not any(t.is_alive() for t in threads), "client threads did not finish"
    return out


def _two_servers(recd, fp, pg_url, **flags):
    a = recd(fp, workers=2, db=pg_url, **flags)
    b = recd(fp, workers=2, db=pg_url, cache_dir=str(a.cache_dir), **flags)
    return a, b


# ---------------------------------------------------------------- tests

def test_two_servers_one_download(fake_provider, recd, pg_url):
    fp = fake_provider(latency_ms=1500)
    a, b = _two_servers(recd, fp, pg_url)
    sid = new_call_sid()
    exp = fp.expected(sid)

    out = _herd([((a, b)[i % 2].port, sid) for i in range(300)])
    for rec in out:
        r = rec["final"]
        assert r is not None, rec
        assert r.status == 200, r
        assert sha256(r.body) == exp["sha256"]
    st = fp.stats(sid)
    assert st["media_requests"] == 1 and st["media_ok"] == 1, st
    assert _psql(pg_url, DUPLICATE_SQL) == []
    assert _psql(pg_url, "SELECT status, COUNT(*) FROM recording_runs GROUP BY status") \
        == ["completed|1"]
    created = sum(metric_value(s.metrics(), "recd_runs_created_total") or 0 for s in (a, b))
    assert created == 1
    assert a.alive() and b.alive()


def test_hundred_calls_across_both_servers(fake_provider, recd, pg_url):
    fp = fake_provider(latency_ms=200)
    a, b = _two_servers(recd, fp, pg_url)
    sids = [new_call_sid() for _ in range(100)]
    exp = {sid: fp.expected(sid)["sha256"] for sid in sids}

    # Every call is asked on both servers at once.
    jobs = [(s.port, sid) for sid in sids for s in (a, b)]
    out = _herd(jobs)
    for (port, sid), rec in zip(jobs, out):
        r = rec["final"]
        assert r is not None, (sid, rec)
        assert r.status == 200, r
        assert sha256(r.body) == exp[sid], sid
    totals = fp.totals()
    assert totals["media_requests"] == 100 and totals["media_ok"] == 100, totals
    for sid in sids:
        assert fp.stats(sid)["media_ok"] == 1, sid
    assert _psql(pg_url, DUPLICATE_SQL) == []
    assert _psql(pg_url, "SELECT COUNT(*) FROM recording_runs WHERE status = 'completed'") \
        == ["100"]
    assert _psql(pg_url, "SELECT COUNT(*) FROM recordings WHERE state = 'ready'") == ["100"]

    chk = run_cli(["check", "--db", pg_url])
    assert chk.returncode == 0, chk.stdout + chk.stderr
    st = run_cli(["status", "--db", pg_url])
    assert st.returncode == 0, st.stderr
    assert "completed" in st.stdout


def test_http_only_server_and_separate_worker(fake_provider, recd, pg_url, tmp_dir):
    """SPEC §4: `recd serve --workers 0` takes requests, `recd worker`
    (another process, same store and cache dir) downloads."""
    fp = fake_provider(latency_ms=300)
    web = recd(fp, workers=0, db=pg_url)
    log_path = os.path.join(tmp_dir, "worker.log")
    argv = [RECD_BIN, "worker",
            "--db", pg_url, "--cache-dir", str(web.cache_dir), "--workers", "2",
            "--provider", "twilio", "--twilio-account-sid", web.flags["twilio_account_sid"],
            "--twilio-api-base", fp.base, "--backoff-base-ms", "200"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECD_")}
    env["RECD_TWILIO_AUTH_TOKEN"] = AUTH_TOKEN
    with open(log_path, "wb") as logf:
        worker = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env)
    try:
        sids = [new_call_sid() for _ in range(5)]
        out = _herd([(web.port, sid) for sid in sids for _ in range(4)])
        for rec in out:
            assert rec["final"] is not None and rec["final"].status == 200, rec
        for sid in sids:
            assert fp.stats(sid)["media_ok"] == 1, sid
        assert _psql(pg_url, DUPLICATE_SQL) == []
    finally:
        worker.terminate()
        rc = worker.wait(timeout=30)
        text = open(log_path, errors="replace").read()
    assert rc == 0, text
    assert "ERROR: AddressSanitizer" not in text and "runtime error:" not in text, text
    assert "RUN_DONE" in text, text  # the worker process did the downloads


def test_store_url_password_not_logged():
    """A password in --db must not show up in recd's output."""
    secret = "pw-" + uuid.uuid4().hex
    r = run_cli(["check", "--db", "postgres://recd:%s@127.0.0.1:1/recd" % secret])
    assert r.returncode != 0
    assert "cannot connect" in r.stdout + r.stderr
    assert secret not in r.stdout + r.stderr


def test_killed_server_run_taken_over_by_the_other(fake_provider, recd, pg_url):
    """SPEC §7: server A's worker dies mid-download (kill -9); its lease
    expires and server B, on the same store, reaps and finishes the run."""
    fp = fake_provider(rate=2000)  # a download takes tens of seconds
    a = recd(fp, workers=1, lease_seconds=3, db=pg_url)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = a.stream(sid)
    assert r.status == 202, r

    def running_on_a():
        rows = _psql(pg_url, "SELECT lease_owner FROM recording_runs WHERE status = 'running'")
        return rows and fp.stats(sid)["media_requests"] >= 1 and rows[0]
    owner_a = wait_until(running_on_a, 60, what="A downloading")
    assert (":%d:" % a.proc.pid) in owner_a, owner_a

    b = recd(fp, workers=1, lease_seconds=3, db=pg_url, cache_dir=str(a.cache_dir))
    a.kill9()
    fp.control(rate=10_000_000)
    end = time.monotonic() + 120
    final = None
    while final is None and time.monotonic() < end:
        r = b.stream(sid, headers={"Prefer": "wait=5"}, timeout=90)
        assert _psql(pg_url, DUPLICATE_SQL) == []
        if r.status == 200:
            final = r
        else:
            assert r.status == 202, r
            time.sleep(retry_after_s(r, cap=1.0))
    assert final is not None and sha256(final.body) == exp["sha256"], final
    rows = _psql(pg_url, "SELECT status, attempt, lease_owner FROM recording_runs")
    assert len(rows) == 1, rows
    status, attempt, owner = rows[0].split("|")
    assert status == "completed" and int(attempt) == 2, rows
    assert (":%d:" % b.proc.pid) in owner, rows
    assert fp.stats(sid)["media_ok"] == 1
    chk = run_cli(["check", "--db", pg_url])
    assert chk.returncode == 0, chk.stdout + chk.stderr
