# SPDX-License-Identifier: MIT
"""GET/HEAD /stream (SPEC §2): cached responses and their headers, ranges,
conditional requests, held requests, HEAD/GET agreement, 405 for other
methods. Asserts status codes, headers and exact bytes.
"""
import re

import pytest

from helpers import assert_json_error, new_call_sid, sha256


@pytest.fixture
def cached(fake_provider, recd):
    """A server with one recording already cached: (recd, call_sid, bytes, expected)."""
    fp = fake_provider()
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.wait_final(sid)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"] and len(r.body) == exp["size"]
    return rd, sid, r.body, exp


def test_cached_200_headers(cached):
    rd, sid, data, exp = cached
    r = rd.stream(sid)
    assert r.status == 200, r
    assert r.body == data
    assert r.header("Content-Type") == ("audio/wav" if exp["format"] == "wav" else "audio/mpeg")
    assert int(r.header("Content-Length")) == exp["size"]
    assert r.header("Accept-Ranges") == "bytes"
    assert r.header("ETag") and r.header("ETag").endswith('"'), r
    assert r.header("Last-Modified"), r
    assert "private" in r.header("Cache-Control", ""), r
    assert r.header("Recording-Dedup") is None, r
    # Stable validators across requests.
    r2 = rd.stream(sid)
    assert r2.header("ETag") == r.header("ETag")
    assert r2.header("Last-Modified") == r.header("Last-Modified")


def _content_range(resp):
    m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", resp.header("Content-Range", ""))
    assert m, resp
    return tuple(int(x) for x in m.groups())


def test_ranges(cached):
    rd, sid, data, exp = cached
    size = len(data)
    cases = [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-50", size - 50, size - 1),
        ("bytes=10-10", 10, 10),
        ("bytes=%d-%d" % (size - 10, size + 1000), size - 10, size - 1),  # end clamped
    ]
    for rng, first, last in cases:
        r = rd.stream(sid, headers={"Range": rng})
        assert r.status == 206, (rng, r)
        assert _content_range(r) == (first, last, size), rng
        assert int(r.header("Content-Length")) == last - first + 1, rng
        assert r.body == data[first:last + 1], rng
        assert r.header("ETag"), r
        # HEAD with the same Range agrees (no body).
        h = rd.stream(sid, method="HEAD", headers={"Range": rng})
        assert h.status == 206 and h.body == b"", (rng, h)
        assert h.header("Content-Range") == r.header("Content-Range")
        assert h.header("Content-Length") == r.header("Content-Length")

    for rng in ("bytes=999999999-", "bytes=%d-" % size):
        r = rd.stream(sid, headers={"Range": rng})
        assert r.status == 416, (rng, r)
        assert r.header("Content-Range") == "bytes */%d" % size, r


def test_conditional_requests(cached):
    rd, sid, data, exp = cached
    etag = rd.stream(sid, method="HEAD").header("ETag")
    assert etag

    r = rd.stream(sid, headers={"If-None-Match": etag})
    assert r.status == 304, r
    assert r.body == b""
    assert r.header("ETag") == etag
    r = rd.stream(sid, headers={"If-None-Match": '"nope", ' + etag})
    assert r.status == 304, r
    r = rd.stream(sid, headers={"If-None-Match": '"something-else"'})
    assert r.status == 200 and r.body == data, r

    r = rd.stream(sid, headers={"Range": "bytes=0-99", "If-Range": etag})
    assert r.status == 206, r
    assert r.body == data[:100]
    r = rd.stream(sid, headers={"Range": "bytes=0-99", "If-Range": '"wrong-etag"'})
    assert r.status == 200, r
    assert r.body == data
    assert r.header("Content-Range") is None


def test_prefer_wait_header_returns_audio_in_one_request(fake_provider, recd):
    fp = fake_provider(latency_ms=1000)
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.stream(sid, headers={"Prefer": "wait=10"}, timeout=120)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    assert r.header("Preference-Applied") == "wait=10", r
    assert fp.stats(sid)["media_ok"] == 1


def test_wait_query_returns_audio_in_one_request(fake_provider, recd):
    fp = fake_provider(latency_ms=1000)
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.stream(sid, extra="&wait=10", timeout=120)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    assert r.header("Preference-Applied") == "wait=10", r


def test_prefer_wait_head(fake_provider, recd):
    fp = fake_provider(latency_ms=1000)
    rd = recd(fp)
    sid = new_call_sid()
    exp = fp.expected(sid)
    r = rd.stream(sid, method="HEAD", headers={"Prefer": "wait=10"}, timeout=120)
    assert r.status == 200, r
    assert int(r.header("Content-Length")) == exp["size"]
    assert r.body == b""


def _same_except_date(head, get):
    assert head.status == get.status, (head, get)
    hd, gd = head.header_dict(), get.header_dict()
    # The 202 JSON body could change between two requests only through
    # progress; the server here has no workers, so it cannot.
    assert hd == gd, "HEAD/GET headers differ:\nHEAD %r\nGET  %r" % (hd, gd)
    assert head.body == b""


def test_head_get_agree_202(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp, workers=0)  # nothing fetches: the run stays queued
    sid = new_call_sid()
    first = rd.stream(sid)
    assert first.status == 202, first
    assert first.header("Recording-Dedup") is None, first  # this request created it
    body = first.json()
    assert body["call_sid"] == sid and body["status"] == "queued", body
    for k in ("attempt", "bytes_done", "bytes_total", "retry_after_ms"):
        assert k in body, body
    assert first.header("Content-Type", "").startswith("application/json")

    head = rd.stream(sid, method="HEAD")
    get = rd.stream(sid)
    _same_except_date(head, get)
    assert get.status == 202
    assert get.header("Recording-Status") == "queued"
    assert get.header("Recording-Dedup") in ("memory", "db", "redis"), get
    assert int(get.header("Retry-After")) >= 0
    assert fp.stats(sid)["media_requests"] == 0
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?", (sid,))[0][0] == 1


def test_head_get_agree_200_404_400(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    sid = new_call_sid()
    assert rd.wait_final(sid).status == 200
    missing = new_call_sid("CAmissing")
    assert rd.wait_final(missing).status == 404

    for q in (sid, missing, "bad%2Fsid", "", "x" * 65):
        head = rd.stream(q, method="HEAD")
        get = rd.stream(q)
        _same_except_date(head, get)
        assert get.status in (200, 404, 400), get
    assert rd.stream(sid).status == 200
    assert rd.stream(missing).status == 404
    assert_json_error(rd.stream("bad%2Fsid"), 400, "invalid_call_sid")


def test_stream_other_methods_405(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp, workers=0)
    sid = new_call_sid()
    for method in ("POST", "PUT", "DELETE"):
        r = rd.req(method, "/stream?call_sid=" + sid, body=b"")
        assert r.status == 405, (method, r)
        allow = r.header("Allow")
        assert allow is None or "GET" in allow, r
        assert_json_error(r, 405)
    # And none of them created a run.
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?", (sid,))[0][0] == 0
