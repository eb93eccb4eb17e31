# SPDX-License-Identifier: MIT
"""Twilio as it really behaves (issue 10), with the real recd binary and
the fake provider: recordings still processing after hang-up, callbacks
that win over what recd remembered, paged listings, encrypted recordings,
a media redirect to a storage host that refuses credentials, conference
callbacks.

Callbacks are sent by the fake provider (POST /_callback, or by itself when
a call's processing time is up), signed as Twilio signs them; the signature
itself is checked against Twilio's own npm package in tests/twilio/.

Requests that want the 202 poller's answer say `Prefer: respond-async`;
requests that want to be held say `Prefer: wait=N`, so these tests hold
before and after /stream contract v2. Assertions are counts, bytes and
statuses; the only durations are knob values and generous deadlines.
"""
import base64
import threading

from helpers import (AUTH_TOKEN, ACCOUNT_SID, assert_json_error, new_call_sid, request, sha256,
                     wait_until)

HOOK = "/webhooks/twilio/recording-status"
ASYNC = {"Prefer": "respond-async"}


def held(rd, call_sid, wait_s=30, method="GET", headers=None):
    h = {"Prefer": "wait=%d" % wait_s}
    h.update(headers or {})
    return rd.stream(call_sid, method=method, headers=h, timeout=wait_s + 60)


def hook_url(rd, query="?tenant=acme"):
    return "http://127.0.0.1:%d%s%s" % (rd.port, HOOK, query)


def callback(fp, rd, call_sid=None, status="completed", **extra):
    """Have the fake provider send one signed status callback to rd."""
    q = {"status": status, "url": hook_url(rd)}
    if call_sid:
        q["call_sid"] = call_sid
    q.update(extra)
    path = "/_callback?" + "&".join("%s=%s" % kv for kv in q.items())
    r = request(fp.port, "POST", path, body=b"", timeout=60)
    assert r.status == 200, r
    return r.json()


def item(rd, call_sid):
    r = rd.get("/api/recordings/" + call_sid)
    assert r.status == 200, r
    return r.json()


def pending(rd, call_sid):
    r = rd.get("/api/recordings/" + call_sid)
    return r.status == 200 and r.json().get("pending") is True


def runs(rd, call_sid):
    return rd.sql("SELECT status, attempt, error_code, recording_sid, pending_since "
                  "FROM recording_runs WHERE call_sid = ? ORDER BY id", (call_sid,))


def twilio_counters(fp):
    return fp.get_json("/_twilio")


def cache_files(rd):
    """The recordings in the cache (derived files such as .peaks left out)."""
    return sorted(str(p) for p in rd.cache_dir.rglob("*") if p.is_file() and p.suffix != ".peaks")


class Held(threading.Thread):
    """One held GET in the background."""

    def __init__(self, rd, call_sid, wait_s):
        super().__init__(daemon=True)
        self.rd, self.call_sid, self.wait_s = rd, call_sid, wait_s
        self.resp = None
        self.error = None

    def run(self):
        try:
            self.resp = held(self.rd, self.call_sid, self.wait_s)
        except Exception as e:  # reported by the test
            self.error = e

    def result(self, timeout):
        self.join(timeout)
        assert not self.is_alive(), "held request still open"
        assert self.error is None, self.error
        return self.resp


# ---------------------------------------------------------------- pending

PROCESSING_S = 20  # Twilio's post-processing, as a knob


def test_processing_20s_then_completed_callback_ends_the_wait(fake_provider, recd):
    fp = fake_provider(processing_s=PROCESSING_S)
    rd = recd(fp, max_wait=PROCESSING_S + 40)
    fp.control(callback_url=hook_url(rd))  # the fake calls back when processing ends
    sid = new_call_sid()
    want = fp.expected(sid)  # first sight: the fake's processing clock starts
    waiter = Held(rd, sid, PROCESSING_S + 30)
    waiter.start()

    # The run waits as "pending", without spending attempts.
    wait_until(lambda: pending(rd, sid), 30, what="pending item")
    r = rd.stream(sid, headers=ASYNC)
    assert r.status == 202, r
    assert r.header("Recording-Status") == "pending"
    assert r.json()["status"] == "pending"
    det = item(rd, sid)
    assert det["state"] in ("queued", "running") and det["pending"] is True
    assert det["error"] is None
    run = det["runs"][0]
    # Attempts spent while pending: none (one is in flight during a re-check).
    assert run["pending"] is True and run["attempt"] == (1 if run["status"] == "running" else 0)
    status, attempt = runs(rd, sid)[0][:2]
    assert attempt == (1 if status == "running" else 0)

    r = waiter.result(PROCESSING_S + 60)
    assert r.status == 200, r
    assert sha256(r.body) == want["sha256"]
    # One media download, one run, one attempt; the callback woke it.
    assert wait_until(lambda: fp.stats(sid)["media_ok"] == 1, 10, what="media_ok")
    assert fp.stats(sid)["media_requests"] == 1
    assert [row[:3] for row in runs(rd, sid)] == [("completed", 1, None)]
    assert twilio_counters(fp)["last_callback_status"] == 200
    events = [l for l in rd.log().splitlines() if "event=PROVIDER_EVENT" in l and sid in l]
    assert events and "woke_run=1" in events[0], events
    assert any("event=RUN_PENDING" in l and sid in l for l in rd.log().splitlines())


def test_pending_rechecks_on_its_own_schedule(fake_provider, recd):
    fp = fake_provider(processing_s=3)  # no callback: recd must look again itself
    rd = recd(fp, max_wait=60)
    sid = new_call_sid()
    want = fp.expected(sid)
    r = held(rd, sid, 50)
    assert r.status == 200, r
    assert sha256(r.body) == want["sha256"]
    st = fp.stats(sid)
    assert st["listing_requests"] >= 2  # looked again while processing
    assert st["media_requests"] == 1
    assert [row[:2] for row in runs(rd, sid)] == [("completed", 1)]
    assert runs(rd, sid)[0][4] is not None  # it did wait (pending_since)


def test_pending_timeout_fails_with_a_clear_error(fake_provider, recd):
    fp = fake_provider(processing_s=3600)
    rd = recd(fp, max_wait=60, pending_timeout=3)
    sid = new_call_sid()
    fp.expected(sid)
    r = held(rd, sid, 50)
    doc = assert_json_error(r, 502, "recording_pending_timeout")
    msg = doc["error"]["message"]
    assert "processing" in msg and "--pending-timeout" in msg, msg
    assert r.header("Retry-After")
    # Every check while pending was given back; the one that gave up counts.
    assert [row[:3] for row in runs(rd, sid)] == [("failed", 1, "recording_pending_timeout")]
    assert fp.stats(sid)["media_requests"] == 0
    assert item(rd, sid)["error"]["code"] == "recording_pending_timeout"


def test_absent_callback_ends_a_pending_run_as_not_found(fake_provider, recd):
    fp = fake_provider(processing_s=3600)
    rd = recd(fp, max_wait=60)
    sid = new_call_sid()
    waiter = Held(rd, sid, 50)
    waiter.start()
    wait_until(lambda: pending(rd, sid), 30, what="pending item")
    cb = callback(fp, rd, sid, status="absent")
    assert cb["status"] == 200, cb
    r = waiter.result(60)
    assert_json_error(r, 404, "recording_not_found")
    assert [row[:3] for row in runs(rd, sid)] == [("failed", 0, "recording_not_found")]
    assert item(rd, sid)["state"] == "missing"


# ---------------------------------------------------------------- callbacks win

def test_callback_after_a_404_is_served_at_once(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp, negative_ttl=300)
    sid = new_call_sid("CAmissing")  # the listing is empty: 404, remembered
    assert_json_error(held(rd, sid, 20), 404, "recording_not_found")
    assert_json_error(rd.stream(sid, headers=ASYNC), 404, "recording_not_found")
    cb = callback(fp, rd, sid)
    assert cb["status"] == 200, cb
    assert '"cleared":true' in cb["body"], cb
    # The very next request starts a run and gets the audio the callback named.
    r = held(rd, sid, 30)
    assert r.status == 200, r
    media = request(fp.port, "GET", "/2010-04-01/Accounts/%s/Recordings/%s.wav"
                    % (ACCOUNT_SID, cb["recording_sid"]),
                    headers={"Authorization": basic()}, timeout=30)
    assert media.status == 200
    assert r.body == media.body
    assert item(rd, sid)["recording_sid"] == cb["recording_sid"]


def test_callback_after_a_502_cool_down_is_served_at_once(fake_provider, recd):
    fp = fake_provider(fail_first=1000)
    rd = recd(fp, max_attempts=2, backoff_base_ms=100, backoff_max_ms=200, failure_cooldown=600)
    sid = new_call_sid()
    want = fp.expected(sid)
    r = rd.wait_final(sid, wait_s=20)
    assert_json_error(r, 502, "upstream_failed")
    assert_json_error(rd.stream(sid, headers=ASYNC), 502, "upstream_failed")  # cool-down
    fp.control(fail_first=0)
    fp.reset()  # the fake's per-recording attempts: the next request succeeds
    cb = callback(fp, rd, sid)
    assert cb["status"] == 200 and '"cleared":true' in cb["body"], cb
    r = held(rd, sid, 30)
    assert r.status == 200, r
    assert sha256(r.body) == want["sha256"]


def test_second_completed_with_a_new_sid_serves_new_bytes_and_etag(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    sid = new_call_sid()
    first = fp.expected(sid)
    r1 = held(rd, sid, 30)
    assert r1.status == 200 and sha256(r1.body) == first["sha256"]
    etag1 = r1.header("ETag")
    # Hot in the open-file cache and the index.
    assert rd.stream(sid, method="HEAD").status == 200
    assert rd.stream(sid, headers={"If-None-Match": etag1}).status == 304

    rr = request(fp.port, "POST", "/_rerecord?call_sid=" + sid, body=b"", timeout=30)
    assert rr.status == 200, rr
    new = rr.json()
    assert new["recording_sid"] != first["recording_sid"]
    cb = callback(fp, rd, sid)
    assert cb["status"] == 200 and '"retired":true' in cb["body"], cb
    assert cb["recording_sid"] == new["recording_sid"]

    second = fp.expected(sid)
    assert second["sha256"] != first["sha256"]
    r2 = held(rd, sid, 30, headers={"If-None-Match": etag1})
    assert r2.status == 200, r2  # not 304: another file
    assert sha256(r2.body) == second["sha256"]
    etag2 = r2.header("ETag")
    assert etag2 and etag2 != etag1
    h = rd.stream(sid, method="HEAD")
    assert h.status == 200 and h.header("ETag") == etag2
    assert item(rd, sid)["recording_sid"] == new["recording_sid"]
    assert len([f for f in cache_files(rd) if sid in f]) == 1
    # The retired recording's waveform went with it: one sidecar, the new one's.
    assert len([p for p in rd.cache_dir.rglob("*.peaks") if sid in p.name]) <= 1
    # A repeat of the same callback changes nothing.
    again = callback(fp, rd, sid)
    assert '"retired":false' in again["body"], again
    assert rd.stream(sid, headers={"If-None-Match": etag2}).status == 304


def test_conference_callback_is_acknowledged_and_ignored(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    cb = callback(fp, rd, conference=1)
    assert cb["status"] == 200, cb
    assert '"ignored":true' in cb["body"], cb
    assert rd.get("/api/recordings").json()["items"] == []
    assert rd.sql("SELECT COUNT(*) FROM recording_runs") == [(0,)]


def test_forged_callback_is_refused_and_changes_nothing(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    sid = new_call_sid()
    cb = callback(fp, rd, sid, tamper=1)
    assert cb["status"] == 403, cb
    assert rd.get("/api/recordings/" + sid).status == 404
    fp.control(auth_token="not-" + AUTH_TOKEN)  # signed with another account's token
    assert callback(fp, rd, sid)["status"] == 403
    assert rd.get("/api/recordings/" + sid).status == 404


# ---------------------------------------------------------------- listing

def test_paged_listing_finds_the_recording_on_page_two(fake_provider, recd):
    fp = fake_provider(page_size=1)  # older / newest completed / processing: 3 pages
    rd = recd(fp)
    sid = new_call_sid()
    want = fp.expected(sid)
    r = held(rd, sid, 30)
    assert r.status == 200, r
    assert sha256(r.body) == want["sha256"]
    assert fp.stats(sid)["listing_requests"] == 3
    assert item(rd, sid)["recording_sid"] == want["recording_sid"]


def test_retry_downloads_the_chosen_recording_without_listing_again(fake_provider, recd):
    fp = fake_provider(fail_first=1)
    rd = recd(fp, backoff_base_ms=100, backoff_max_ms=200)
    sid = new_call_sid()
    want = fp.expected(sid)
    r = held(rd, sid, 30)
    assert r.status == 200 and sha256(r.body) == want["sha256"], r
    st = fp.stats(sid)
    assert st["media_requests"] == 2 and st["listing_requests"] == 1, st
    assert runs(rd, sid)[0][:4] == ("completed", 2, None, want["recording_sid"])


def test_encrypted_recording_is_refused_and_never_cached(fake_provider, recd):
    fp = fake_provider(encrypted=True)
    rd = recd(fp)
    sid = new_call_sid()
    r = held(rd, sid, 30)
    doc = assert_json_error(r, 502, "recording_encrypted")
    assert "encrypted" in doc["error"]["message"]
    assert fp.stats(sid)["media_requests"] == 0
    assert [f for f in cache_files(rd) if not f.endswith(".db")] == []
    det = item(rd, sid)
    assert det["state"] == "failed" and det["error"]["code"] == "recording_encrypted"
    assert rd.stream(sid, method="HEAD").status == 502


def test_encrypted_recording_known_from_its_callback_is_refused(fake_provider, recd):
    """The callback carries no encryption_details and its URL skips the
    listing: the ciphertext is recognised by its first bytes instead."""
    fp = fake_provider(encrypted=True)
    rd = recd(fp)
    sid = new_call_sid()
    assert callback(fp, rd, sid)["status"] == 200
    r = held(rd, sid, 30)
    doc = assert_json_error(r, 502, "recording_not_audio")
    assert "encrypt" in doc["error"]["message"]
    st = fp.stats(sid)
    assert st["listing_requests"] == 0 and st["media_requests"] == 1, st
    assert [f for f in cache_files(rd) if not f.endswith(".db")] == []
    assert item(rd, sid)["error"]["code"] == "recording_not_audio"


# ---------------------------------------------------------------- credentials

def test_credentials_never_sent_to_the_redirect_host(fake_provider, recd):
    fp = fake_provider(redirect=True)
    # Another host name for the same fake: libcurl treats it as another origin.
    fp.control(storage_host="localhost:%d" % fp.port)
    rd = recd(fp)
    sid = new_call_sid()
    want = fp.expected(sid)
    r = held(rd, sid, 30)
    assert r.status == 200, r
    assert sha256(r.body) == want["sha256"]
    c = twilio_counters(fp)
    assert c["storage_requests"] >= 1 and c["storage_auth_requests"] == 0, c
    # The storage host does refuse credentials: the check above means something.
    bad = request(fp.port, "GET", "/media/%s.wav" % want["recording_sid"],
                  headers={"Authorization": basic(), "Host": "localhost:%d" % fp.port})
    assert bad.status == 400
    assert twilio_counters(fp)["storage_auth_requests"] == 1


def basic():
    return "Basic " + base64.b64encode(("%s:%s" % (ACCOUNT_SID, AUTH_TOKEN)).encode()).decode()
