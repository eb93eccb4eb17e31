# SPDX-License-Identifier: MIT
"""Exactly-once fetching under concurrency (SPEC §1, §2, §7).

Many simultaneous HEAD/GET requests for one uncached call make exactly one
media download; many distinct calls each get their own. Asserts provider
counts, bytes (sha256) and the duplicate-run SQL, never timings.
"""
import http.client
import threading
import time

from helpers import (DUPLICATE_SQL, HTTP_TIMEOUT, metric_value, new_call_sid, request,
                     retry_after_s, sha256)

DEADLINE = 150.0


def _client(port, call_sid, method, barrier, out, idx, wait_s=20):
    """First a plain request (to see who created the run), then held
    requests until the answer is final."""
    rec = {"method": method, "statuses": [], "first": None, "final": None,
           "conn_errors": 0, "error": None}
    out[idx] = rec
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    end = time.monotonic() + DEADLINE
    headers = {}
    while time.monotonic() < end:
        try:
            r = request(port, method, "/stream?call_sid=" + call_sid, headers=headers,
                        timeout=wait_s + HTTP_TIMEOUT)
        except (OSError, http.client.HTTPException) as e:
            rec["conn_errors"] += 1
            rec["error"] = repr(e)
            if rec["conn_errors"] > 50:
                return
            time.sleep(0.2)
            continue
        rec["statuses"].append(r.status)
        if rec["first"] is None:
            rec["first"] = r
        if r.status != 202:
            rec["final"] = r
            return
        if len(rec["statuses"]) > 1 and r.header("Preference-Applied") is None:
            time.sleep(retry_after_s(r, cap=1.0))  # not held: respect Retry-After
        headers = {"Prefer": "wait=%d" % wait_s}
    rec["error"] = "deadline"


def _run_clients(port, jobs):
    """jobs: list of (call_sid, method). Returns per-client records."""
    out = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))
    threads = []
    for i, (sid, method) in enumerate(jobs):
        t = threading.Thread(target=_client, args=(port, sid, method, barrier, out, i),
                             daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(timeout=DEADLINE + 120)
    assert not any(t.is_alive() for t in threads), "client threads did not finish"
    return out


def _check_final(rec, exp):
    r = rec["final"]
    assert r is not None, "client never got a final answer: %r" % rec
    assert r.status == 200, r
    assert int(r.header("Content-Length")) == exp["size"], r
    assert r.header("ETag"), r
    if rec["method"] == "GET":
        assert len(r.body) == exp["size"]
        assert sha256(r.body) == exp["sha256"]
    else:
        assert r.body == b""


def test_500_concurrent_requests_one_download(fake_provider, recd):
    fp = fake_provider(latency_ms=500)
    rd = recd(fp, workers=4)
    sid = new_call_sid()
    exp = fp.expected(sid)

    jobs = [(sid, "GET" if i % 2 == 0 else "HEAD") for i in range(500)]
    out = _run_clients(rd.port, jobs)

    statuses = set()
    for rec in out:
        statuses.update(rec["statuses"])
    assert statuses <= {200, 202}, "unexpected statuses %s" % statuses
    for rec in out:
        _check_final(rec, exp)

    # Exactly one request created the run: the creator's 202 carries no
    # Recording-Dedup; every other 202 names the layer that recognised it.
    firsts = [rec["first"] for rec in out]
    creators = [r for r in firsts if r.status == 202 and r.header("Recording-Dedup") is None]
    assert len(creators) == 1, "creators=%d" % len(creators)
    for r in firsts:
        if r.status == 202:
            assert r.header("Recording-Status") in ("queued", "running"), r
            assert r.header("Retry-After") is not None, r
            layer = r.header("Recording-Dedup")
            assert layer is None or layer in ("memory", "db", "redis"), r

    st = fp.stats(sid)
    assert st["media_ok"] == 1, st
    assert st["media_requests"] == 1, st

    assert rd.sql(DUPLICATE_SQL) == []
    runs = rd.sql("SELECT status FROM recording_runs WHERE call_sid = ?", (sid,))
    assert runs == [("completed",)], runs
    chk = rd.cli("check")
    assert chk.returncode == 0, (chk.stdout, chk.stderr)
    assert sid not in chk.stdout

    m = rd.metrics()
    assert metric_value(m, "recd_runs_created_total") == 1, m
    assert rd.alive()


def test_200_distinct_calls_at_once(fake_provider, recd):
    fp = fake_provider(latency_ms=100)
    rd = recd(fp, workers=4)
    sids = [new_call_sid() for _ in range(200)]
    expected = {s: fp.expected(s) for s in sids}

    out = _run_clients(rd.port, [(s, "GET") for s in sids])
    for sid, rec in zip(sids, out):
        _check_final(rec, expected[sid])
        # Each distinct call is created by its own (only) request.
        assert rec["first"].status == 202, rec["first"]
        assert rec["first"].header("Recording-Dedup") is None, rec["first"]

    totals = fp.totals()
    assert totals["media_ok"] == 200, totals
    for sid in sids[:20]:
        st = fp.stats(sid)
        assert st["media_ok"] == 1, (sid, st)

    assert rd.sql(DUPLICATE_SQL) == []
    n = rd.sql("SELECT COUNT(*) FROM recording_runs WHERE status = 'completed'")[0][0]
    assert n == 200
    chk = rd.cli("check")
    assert chk.returncode == 0, (chk.stdout, chk.stderr)



def test_two_servers_one_store(fake_provider, recd):
    """Two recd processes on one SQLite store and cache dir: the database
    decides, so one download in total, and both serve the right bytes."""
    fp = fake_provider(latency_ms=1000)
    a = recd(fp, workers=2)
    b = recd(fp, workers=2, db=a.db_url, cache_dir=str(a.cache_dir))
    sid = new_call_sid()
    exp = fp.expected(sid)

    out = [None] * 100
    barrier = threading.Barrier(len(out))
    threads = [threading.Thread(target=_client,
                                args=((a if i % 2 else b).port, sid, "GET", barrier, out, i),
                                daemon=True) for i in range(len(out))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE + 120)
    assert not any(t.is_alive() for t in threads)
    for rec in out:
        _check_final(rec, exp)

    st = fp.stats(sid)
    assert st["media_ok"] == 1 and st["media_requests"] == 1, st
    assert a.sql(DUPLICATE_SQL) == []
    assert a.sql("SELECT status FROM recording_runs WHERE call_sid = ?", (sid,)) == \
        [("completed",)]
    firsts = [rec["first"] for rec in out]
    creators = [r for r in firsts if r.status == 202 and r.header("Recording-Dedup") is None]
    assert len(creators) == 1, len(creators)
    # The server that did not create the run learnt about it from the store.
    layers = {r.header("Recording-Dedup") for r in firsts if r.status == 202}
    assert "db" in layers, layers
    created = metric_value(a.metrics(), "recd_runs_created_total") + \
        metric_value(b.metrics(), "recd_runs_created_total")
    assert created == 1
