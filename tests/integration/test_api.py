# SPDX-License-Identifier: MIT
"""The JSON API (SPEC §2, §6): registration (idempotent), listing with
pagination, filters and search, detail with runs newest first, the fetch
endpoint, /api/runs, health endpoints and /metrics. Asserts counts,
codes and field values.
"""
import time
import uuid

from helpers import (assert_json_error, metric_value, new_call_sid, retry_after_s, sha256,
                     wait_until)

ITEM_FIELDS = ("call_sid", "recording_sid", "provider", "format", "duration_s", "size_bytes",
               "state", "progress", "created_at", "last_played_at", "error")


def _json(resp, status=200):
    assert resp.status == status, resp
    assert resp.header("Content-Type", "").split(";")[0].strip() == "application/json", resp
    return resp.json()


def _list_all(rd, query, limit):
    """Follow next_cursor to the end; returns the list of pages (lists of sids)."""
    pages = []
    cursor = None
    for _ in range(100):
        path = "/api/recordings?limit=%d%s" % (limit, query)
        if cursor:
            path += "&cursor=" + cursor
        doc = _json(rd.get(path))
        assert isinstance(doc["items"], list), doc
        pages.append([it["call_sid"] for it in doc["items"]])
        cursor = doc.get("next_cursor")
        if not cursor:
            return pages
    raise AssertionError("pagination did not end")


def _runs_list(doc):
    return doc["items"] if isinstance(doc, dict) else doc


def test_register_one_and_array_idempotent(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp, workers=0)
    one = new_call_sid()
    r = rd.post_json("/api/recordings", {"call_sid": one})
    assert r.status in (200, 201), r
    _json(r, r.status)

    again = rd.post_json("/api/recordings", {"call_sid": one})
    assert again.status in (200, 201), again
    many = [new_call_sid() for _ in range(3)]
    r = rd.post_json("/api/recordings", [{"call_sid": s} for s in many] + [{"call_sid": one}])
    assert r.status in (200, 201), r
    _json(r, r.status)

    for sid in [one] + many:
        n = rd.sql("SELECT COUNT(*) FROM recordings WHERE call_sid = ?", (sid,))[0][0]
        assert n == 1, sid
        item = _json(rd.get("/api/recordings/" + sid))
        for f in ITEM_FIELDS:
            assert f in item, (f, item)
        assert item["call_sid"] == sid
        assert item["state"] == "remote", item
        assert item["runs"] == [], item
    # Registration never creates runs and never contacts the provider.
    assert rd.sql("SELECT COUNT(*) FROM recording_runs")[0][0] == 0
    assert fp.totals()["media_requests"] == 0

    r = rd.get("/api/recordings/" + new_call_sid())
    assert_json_error(r, 404)


def test_pagination_filter_search(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    tag = uuid.uuid4().hex[:8]
    sids = ["CApage%s%02d" % (tag, i) for i in range(25)]
    other = ["CAother%s%02d" % (tag, i) for i in range(3)]
    r = rd.post_json("/api/recordings", [{"call_sid": s} for s in sids + other])
    assert r.status in (200, 201), r

    pages = _list_all(rd, "&q=CApage" + tag, 10)
    assert [len(p) for p in pages] == [10, 10, 5], pages
    flat = [s for p in pages for s in p]
    assert len(set(flat)) == 25 and set(flat) == set(sids)

    # Search: a substring of the call_sid.
    pages = _list_all(rd, "&q=" + sids[7], 50)
    assert [s for p in pages for s in p] == [sids[7]]
    pages = _list_all(rd, "&q=CAother" + tag, 50)
    assert sorted(s for p in pages for s in p) == sorted(other)
    pages = _list_all(rd, "&q=nomatch" + tag, 50)
    assert [s for p in pages for s in p] == []

    # Filter by state: fetch one, then it is the only ready one.
    ready = sids[3]
    assert rd.wait_final(ready).status == 200
    pages = _list_all(rd, "&status=ready&q=" + tag, 50)
    assert [s for p in pages for s in p] == [ready]
    pages = _list_all(rd, "&status=remote&q=CApage" + tag, 50)
    assert sorted(s for p in pages for s in p) == sorted(set(sids) - {ready})
    item = _json(rd.get("/api/recordings/" + ready))
    assert item["state"] == "ready" and item["size_bytes"] == fp.expected(ready)["size"], item


def test_detail_runs_newest_first(fake_provider, recd):
    fp = fake_provider(fail_first=1)
    rd = recd(fp, max_attempts=1, failure_cooldown=1, backoff_base_ms=50)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.wait_final(sid)
    assert_json_error(r, 502, "upstream_failed")
    item = _json(rd.get("/api/recordings/" + sid))
    assert item["state"] == "failed", item
    assert item["error"], item

    # After the cool-down the next request starts a new run, which succeeds.
    def served():
        x = rd.wait_final(sid)
        return x if x.status == 200 else None
    r = wait_until(served, 60, interval=0.5, what="a new run after the cool-down")
    assert sha256(r.body) == exp["sha256"]

    item = _json(rd.get("/api/recordings/" + sid))
    assert item["state"] == "ready", item
    runs = item["runs"]
    assert [x["status"] for x in runs] == ["completed", "failed"], runs
    if "id" in runs[0]:
        assert runs[0]["id"] > runs[1]["id"], runs
    assert runs[0]["created_at"] >= runs[1]["created_at"], runs
    assert fp.stats(sid)["media_requests"] == 2


def test_fetch_endpoint(fake_provider, recd):
    fp = fake_provider(latency_ms=300)
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.req("POST", "/api/recordings/%s/fetch" % sid, body=b"")
    assert r.status == 202, r
    doc = _json(r, 202)
    assert doc.get("call_sid", sid) == sid

    end = time.monotonic() + 60
    while True:
        r = rd.req("POST", "/api/recordings/%s/fetch" % sid, body=b"")
        if r.status == 200:
            break
        assert r.status == 202, r
        assert r.header("Recording-Dedup") in ("memory", "db", "redis"), r
        assert time.monotonic() < end, "fetch never completed"
        time.sleep(retry_after_s(r, cap=0.5))
    _json(r, 200)
    s = rd.stream(sid)
    assert s.status == 200 and sha256(s.body) == exp["sha256"]
    assert fp.stats(sid)["media_ok"] == 1
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?", (sid,))[0][0] == 1

    r = rd.req("POST", "/api/recordings/%s/fetch" % "..%2Fx", body=b"")
    assert_json_error(r, 400, "invalid_call_sid")


def test_runs_health_metrics(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    done = [new_call_sid() for _ in range(3)]
    for sid in done:
        assert rd.wait_final(sid).status == 200
    missing = new_call_sid("CAmissing")
    assert rd.wait_final(missing).status == 404
    for sid in done:  # cached: no new runs
        assert rd.stream(sid).status == 200

    runs = _runs_list(_json(rd.get("/api/runs?limit=100")))
    assert {r["call_sid"] for r in runs} == set(done) | {missing}
    completed = _runs_list(_json(rd.get("/api/runs?status=completed&limit=100")))
    assert sorted(r["call_sid"] for r in completed) == sorted(done)
    assert all(r["status"] == "completed" for r in completed)
    failed = _runs_list(_json(rd.get("/api/runs?status=failed&limit=100")))
    assert [r["call_sid"] for r in failed] == [missing]
    two = _runs_list(_json(rd.get("/api/runs?limit=2")))
    assert len(two) == 2
    assert _runs_list(_json(rd.get("/api/runs?status=queued"))) == []

    assert rd.get("/healthz").status == 200
    assert rd.get("/readyz").status == 200

    text = rd.metrics()
    m = rd.get("/metrics")
    assert m.header("Content-Type", "").startswith("text/plain"), m
    for name in ("recd_runs_created_total", "recd_dedup_total", "recd_http_requests_total",
                 "recd_upstream_requests_total", "recd_fetch_bytes_total", "recd_cache_bytes",
                 "recd_held_requests", "recd_fetch_seconds"):
        assert name in text, name
    n_runs = rd.sql("SELECT COUNT(*) FROM recording_runs")[0][0]
    assert n_runs == 4
    assert metric_value(text, "recd_runs_created_total") == n_runs, text
    total_bytes = sum(fp.expected(s)["size"] for s in done)
    assert metric_value(text, "recd_fetch_bytes_total") == total_bytes, text
    assert metric_value(text, "recd_http_requests_total", {"code": "200"}) >= 6, text
    assert metric_value(text, "recd_upstream_requests_total") >= 3, text


def test_screen_and_assets_are_counted(fake_provider, recd):
    """GET / and /static/* leave through reply.c like every other route."""
    rd = recd(fake_provider())
    assert rd.get("/").status == 200
    assert rd.get("/static/player.js").status == 200
    assert rd.get("/static/nope.js").status == 404
    text = rd.metrics()
    assert metric_value(text, "recd_http_requests_total", {"route": "static", "code": "200"}) == 2, text
    assert metric_value(text, "recd_http_requests_total", {"route": "static", "code": "404"}) == 1, text
