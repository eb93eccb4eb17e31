# SPDX-License-Identifier: MIT
"""Failure paths (SPEC §2, §3, §7): a killed server, upstream errors,
truncated bodies, permanent 404s. Invariants: a 200 always carries the
right bytes, retries are bounded, a missing recording is remembered, a
crashed worker's run is taken over and no temp file is left behind.
"""
import time

from helpers import (DUPLICATE_SQL, assert_json_error, new_call_sid, part_files,
                     retry_after_s, sha256, wait_until)


def _assert_right_if_200(resp, exp):
    if resp.status == 200:
        assert len(resp.body) == exp["size"], resp
        assert sha256(resp.body) == exp["sha256"], "a 200 with wrong bytes"


def test_kill9_during_download_then_restart(fake_provider, recd):
    fp = fake_provider(rate=2000)  # a download takes tens of seconds
    rd = recd(fp, workers=1, lease_seconds=3)
    sid = new_call_sid()
    exp = fp.expected(sid)
    assert exp["size"] > 8000, exp  # long enough to be mid-download below

    r = rd.stream(sid)
    assert r.status == 202, r
    # The download is under way once the provider has bytes flowing and the
    # run reports progress.
    wait_until(lambda: fp.stats(sid)["media_requests"] >= 1, 60, what="media request")

    def progressed():
        rows = rd.sql("SELECT bytes_done FROM recording_runs WHERE call_sid = ?"
                      " AND status = 'running'", (sid,))
        return rows and rows[0][0] and rows[0][0] > 0
    wait_until(progressed, 60, what="bytes_done > 0")
    for _ in range(3):
        r = rd.stream(sid)
        assert r.status == 202, r
        assert r.header("Recording-Status") == "running", r
        body = r.json()
        assert body["status"] == "running", body
        assert 0 < body["bytes_done"] < exp["size"], body
        time.sleep(0.3)

    # Bytes go to a temp file while downloading, never to the final name.
    assert part_files(rd.cache_dir), "no *.part file during the download"
    assert not [p for p in rd.cache_dir.rglob("*") if p.is_file()
                and not p.name.endswith(".part")], "a final file before completion"
    rd.kill9()
    assert rd.sql(DUPLICATE_SQL) == []
    # Speed the provider up so the second attempt does not take as long.
    fp.control(rate=10_000_000)

    rd.start()  # same DB and cache dir, new process
    seen = []
    end = time.monotonic() + 120
    final = None
    while time.monotonic() < end:
        r = rd.stream(sid, headers={"Prefer": "wait=5"}, timeout=90)
        seen.append(r.status)
        _assert_right_if_200(r, exp)
        assert rd.sql(DUPLICATE_SQL) == []
        if r.status == 200:
            final = r
            break
        assert r.status == 202, r
        time.sleep(retry_after_s(r, cap=1.0))
    assert final is not None, "never served after restart: %s" % seen

    rows = rd.sql("SELECT status FROM recording_runs WHERE call_sid = ?", (sid,))
    statuses = [s for (s,) in rows]
    assert statuses.count("completed") == 1, statuses
    assert not [s for s in statuses if s in ("queued", "running")], statuses
    assert part_files(rd.cache_dir) == []
    assert fp.stats(sid)["media_ok"] >= 1
    # Served again from the cache, still the right bytes.
    r = rd.stream(sid)
    assert r.status == 200
    _assert_right_if_200(r, exp)
    chk = rd.cli("check")
    assert chk.returncode == 0, (chk.stdout, chk.stderr)


def test_fail_first_two_is_retried(fake_provider, recd):
    fp = fake_provider(fail_first=2)
    rd = recd(fp, max_attempts=5, backoff_base_ms=100, backoff_max_ms=500)
    sid = new_call_sid()
    exp = fp.expected(sid)

    r = rd.wait_final(sid)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]

    st = fp.stats(sid)
    assert st["media_requests"] == 3, st
    assert st["media_ok"] == 1, st
    rows = rd.sql("SELECT status, attempt FROM recording_runs WHERE call_sid = ?", (sid,))
    assert rows == [("completed", 3)], rows

    detail = rd.get("/api/recordings/" + sid)
    assert detail.status == 200, detail
    runs = detail.json()["runs"]
    assert len(runs) == 1 and runs[0]["attempt"] == 3, runs
    assert runs[0]["status"] == "completed", runs


def test_truncated_body_never_served(fake_provider, recd):
    fp = fake_provider(truncate=True)
    # Enough attempts and short backoff so the run is still retrying when
    # truncation is switched off.
    rd = recd(fp, max_attempts=10, backoff_base_ms=300, backoff_max_ms=1500)
    sid = new_call_sid()
    exp = fp.expected(sid)

    r = rd.stream(sid)
    assert r.status == 202, r
    end = time.monotonic() + 60
    while fp.stats(sid)["media_requests"] < 2:
        r = rd.stream(sid)
        assert r.status == 202, r  # never 200 while truncating
        assert time.monotonic() < end, "no retry seen"
        time.sleep(0.1)
    assert not rd.sql("SELECT 1 FROM recording_runs WHERE call_sid = ? AND status = 'completed'",
                      (sid,))

    fp.control(truncate=0)
    r = rd.wait_final(sid, check=lambda x: _assert_right_if_200(x, exp))
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    rows = rd.sql("SELECT status, attempt FROM recording_runs WHERE call_sid = ?", (sid,))
    assert len(rows) == 1 and rows[0][0] == "completed" and rows[0][1] >= 3, rows
    assert part_files(rd.cache_dir) == []


def test_truncated_body_exhausts_attempts_502(fake_provider, recd):
    fp = fake_provider(truncate=True)
    rd = recd(fp, max_attempts=2, backoff_base_ms=100, backoff_max_ms=300)
    sid = new_call_sid()

    r = rd.wait_final(sid, check=lambda x: x.status in (202, 502) or _fail(x))
    doc = assert_json_error(r, 502, "upstream_failed")
    assert r.header("Retry-After") is not None, r
    assert int(r.header("Retry-After")) >= 1, r
    st = fp.stats(sid)
    assert st["media_requests"] == 2, st

    # Within the cool-down: still 502, HEAD agrees, no new run, no new fetch.
    r2 = rd.stream(sid)
    assert_json_error(r2, 502, "upstream_failed")
    h = rd.stream(sid, method="HEAD")
    assert h.status == 502 and h.header("Retry-After") is not None, h
    assert fp.stats(sid)["media_requests"] == 2
    rows = rd.sql("SELECT status FROM recording_runs WHERE call_sid = ?", (sid,))
    assert rows == [("failed",)], rows
    assert part_files(rd.cache_dir) == []
    assert doc["error"]["message"]


def _fail(resp):
    raise AssertionError("unexpected response %r" % resp)


def test_provider_404_is_remembered(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    for sid in (new_call_sid("CAmissing"), new_call_sid("CAnotfound")):
        r = rd.wait_final(sid, check=lambda x: x.status in (202, 404) or _fail(x))
        assert_json_error(r, 404, "recording_not_found")
        st = fp.stats(sid)
        assert st["listing_requests"] == 1, (sid, st)
        assert st["media_requests"] == 0, (sid, st)

        # Within the negative TTL: answered from memory of the 404.
        for method in ("GET", "HEAD", "GET"):
            again = rd.stream(sid, method=method)
            assert again.status == 404, again
            if method == "GET":
                assert_json_error(again, 404, "recording_not_found")
        assert fp.stats(sid)["listing_requests"] == 1
        rows = rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?", (sid,))
        assert rows[0][0] == 1, rows
        detail = rd.get("/api/recordings/" + sid).json()
        assert detail["state"] == "missing", detail
    assert rd.sql(DUPLICATE_SQL) == []


def test_redirect_is_followed(fake_provider, recd):
    fp = fake_provider(redirect=True)
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.wait_final(sid)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    assert rd.sql("SELECT status, attempt FROM recording_runs WHERE call_sid = ?",
                  (sid,)) == [("completed", 1)]


def test_rate_limited_429_is_retried(fake_provider, recd):
    fp = fake_provider(rate_limit_first=2)
    rd = recd(fp, max_attempts=5, backoff_base_ms=100, backoff_max_ms=500)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.wait_final(sid, check=lambda x: _assert_right_if_200(x, exp))
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    st = fp.stats(sid)
    assert st["media_requests"] == 3 and st["media_ok"] == 1, st
    rows = rd.sql("SELECT status, attempt FROM recording_runs WHERE call_sid = ?", (sid,))
    assert rows == [("completed", 3)], rows


def test_eviction_then_refetch(fake_provider, recd):
    fp = fake_provider()
    first, second = new_call_sid(), new_call_sid()
    exp1, exp2 = fp.expected(first), fp.expected(second)
    # Room for one recording only: fetching the second evicts the first.
    rd = recd(fp, cache_max_bytes=exp1["size"] + exp2["size"] - 1)
    for sid, exp in ((first, exp1), (second, exp2)):
        r = rd.wait_final(sid)
        assert r.status == 200 and sha256(r.body) == exp["sha256"], r

    def evicted():
        return rd.sql("SELECT state FROM recordings WHERE call_sid = ?", (first,)) == \
            [("remote",)]
    wait_until(evicted, 60, what="first recording evicted")
    files = [p for p in rd.cache_dir.rglob("*.wav")]
    assert [p.name for p in files] == [second + ".wav"], files

    r = rd.stream(second)  # the kept one is still served
    assert r.status == 200 and sha256(r.body) == exp2["sha256"]
    r = rd.wait_final(first, check=lambda x: _assert_right_if_200(x, exp1))
    assert r.status == 200 and sha256(r.body) == exp1["sha256"], r
    assert fp.stats(first)["media_ok"] == 2
    rows = rd.sql("SELECT status FROM recording_runs WHERE call_sid = ?", (first,))
    assert rows == [("completed",), ("completed",)], rows
    assert rd.sql(DUPLICATE_SQL) == []


def test_file_deleted_by_hand_is_fetched_again(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.wait_final(sid)
    assert r.status == 200 and sha256(r.body) == exp["sha256"], r
    for _ in range(3):  # hot: the open file cache holds it now
        assert rd.stream(sid, method="HEAD").status == 200
    [path] = list(rd.cache_dir.rglob(sid + ".wav"))
    path.unlink()
    r = rd.stream(sid)
    assert r.status == 202, r  # noticed on the very next request
    r = rd.wait_final(sid, check=lambda x: _assert_right_if_200(x, exp))
    assert r.status == 200 and sha256(r.body) == exp["sha256"], r
    assert fp.stats(sid)["media_ok"] == 2
    assert rd.sql(DUPLICATE_SQL) == []
