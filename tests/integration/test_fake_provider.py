# SPDX-License-Identifier: MIT
"""Smoke tests for tools/fake-provider, the Twilio stand-in.

Owns: checks that the fake behaves as its README says (listing shape, auth,
deterministic audio matching /_expected, every fault knob, counters,
/_control, clean SIGTERM), so recd's own tests can trust it.
Invariant: every fake started here is stopped by PID when its fixture ends.
Self-contained on purpose (stdlib + pytest only, no helpers.py) so that it
keeps testing the fake whatever the recd suite's helpers become.
Binary: FAKE_PROVIDER_BIN (default <repo>/build/fake-provider).
"""
import base64
import email.utils
import hashlib
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import wave
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("FAKE_PROVIDER_BIN", str(REPO / "build" / "fake-provider"))
ACCOUNT = "ACfake00000000000000000000000000000"
TOKEN = "fake-token"
API = "/2010-04-01/Accounts/"
DEFAULTS = dict(account_sid=ACCOUNT, auth_token=TOKEN, bearer="", latency_ms=0,
                listing_latency_ms=0, rate=0, fail_first=0, rate_limit_first=0,
                truncate=0, redirect=0, duration_s=4, channels=1, mp3_file="")
TIMEOUT = 30


class Fake:
    """One fake-provider process on a free port."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        self.line = self.proc.stdout.readline()
        m = re.fullmatch(r"fake-provider listening on 127\.0\.0\.1:(\d+)\n", self.line)
        if not m:
            self.stop()
            raise RuntimeError("bad start line %r: %s" % (self.line, self.proc.stderr.read()))
        self.port = int(m.group(1))

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode

    def request(self, method, path, headers=None, auth=None):
        """(status, headers dict with lower-case names, body bytes)."""
        h = dict(headers or {})
        if auth is not None:
            h["Authorization"] = "Basic " + base64.b64encode(
                ("%s:%s" % auth).encode()).decode()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            c.request(method, path, headers=h)
            r = c.getresponse()
            body = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, body
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def json(self, method, path, status=200):
        st, _, body = self.request(method, path)
        assert st == status, body
        return json.loads(body)

    def control(self, **knobs):
        q = "&".join("%s=%s" % kv for kv in knobs.items())
        return self.json("POST", "/_control?" + q)

    def listing(self, call_sid, auth=(ACCOUNT, TOKEN), account=ACCOUNT):
        return self.get("%s%s/Calls/%s/Recordings.json" % (API, account, call_sid), auth=auth)

    def media(self, rec_sid, ext="wav", auth=(ACCOUNT, TOKEN), account=ACCOUNT):
        return self.get("%s%s/Recordings/%s.%s" % (API, account, rec_sid, ext), auth=auth)

    def stats(self, call_sid=None):
        return self.json("GET", "/_stats" + ("?call_sid=" + call_sid if call_sid else ""))

    def expected(self, call_sid):
        return self.json("GET", "/_expected?call_sid=" + call_sid)

    def wait_stats(self, call_sid, **want):
        """media_ok is counted when MHD finishes the response: poll briefly."""
        end = time.monotonic() + 5
        while True:
            s = self.stats(call_sid)
            if all(s[k] == v for k, v in want.items()) or time.monotonic() > end:
                return s
            time.sleep(0.02)


@pytest.fixture(scope="module")
def shared():
    f = Fake()
    yield f
    assert f.stop() == 0


@pytest.fixture
def fp(shared):
    """The shared fake with default knobs and zero counters."""
    shared.control(**DEFAULTS)
    shared.json("POST", "/_reset")
    return shared


def sha(b):
    return hashlib.sha256(b).hexdigest()


def raw_get(port, path, auth=(ACCOUNT, TOKEN)):
    """Read a response to EOF on a raw socket: (head text, body bytes)."""
    cred = base64.b64encode(("%s:%s" % auth).encode()).decode()
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"
               "Connection: close\r\n\r\n" % (path, cred)).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(), body


# ---- listing -------------------------------------------------------------

def test_listing_shape_and_newest_completed(fp):
    st, h, body = fp.listing("CA0123")
    assert st == 200 and h["content-type"] == "application/json"
    page = json.loads(body)
    for key in ("first_page_uri", "next_page_uri", "page", "page_size", "uri"):
        assert key in page
    assert page["next_page_uri"] is None and page["page"] == 0 and page["page_size"] == 50
    recs = page["recordings"]
    assert [r["status"] for r in recs] == ["completed", "completed", "processing"]
    dates = [email.utils.parsedate_to_datetime(r["date_created"]) for r in recs]
    assert dates[0] < dates[1] < dates[2]  # older, newest completed, newer processing
    assert recs[0]["date_created"] == "Tue, 24 Nov 2026 10:00:00 +0000"
    for r in recs:
        assert re.fullmatch(r"RE[0-9a-f]{32}", r["sid"])
        assert r["account_sid"] == ACCOUNT and r["call_sid"] == "CA0123"
        assert r["channels"] == 1 and "start_time" in r and "uri" in r
    assert recs[0]["duration"] == "4" and recs[1]["duration"] == "4"
    assert len({r["sid"] for r in recs}) == 3
    done = [r for r in recs if r["status"] == "completed"]
    newest = max(done, key=lambda r: email.utils.parsedate_to_datetime(r["date_created"]))
    assert newest["sid"] == fp.expected("CA0123")["recording_sid"]
    # Deterministic per call_sid, different between calls.
    assert json.loads(fp.listing("CA0123")[2]) == page
    other = json.loads(fp.listing("CA0124")[2])["recordings"]
    assert not {r["sid"] for r in other} & {r["sid"] for r in recs}


def test_listing_auth_and_account(fp):
    st, h, body = fp.listing("CA1", auth=None)
    assert st == 401 and h["www-authenticate"].startswith("Basic")
    assert json.loads(body)["status"] == 401
    assert fp.listing("CA1", auth=(ACCOUNT, "wrong"))[0] == 401
    assert fp.listing("CA1", auth=("ACother", TOKEN))[0] == 401
    st, _, body = fp.listing("CA1", account="ACother")
    assert st == 404 and json.loads(body)["code"] == 20404


@pytest.mark.parametrize("call_sid", ["CAmissing1", "missing-x", "CAmissing"])
def test_listing_empty(fp, call_sid):
    st, _, body = fp.listing(call_sid)
    assert st == 200 and json.loads(body)["recordings"] == []


def test_listing_not_found(fp):
    st, h, body = fp.listing("CAnotfound77")
    err = json.loads(body)
    assert st == 404 and h["content-type"] == "application/json"
    assert err["status"] == 404 and err["code"] == 20404 and "message" in err
    assert fp.get("/_expected?call_sid=CAnotfound77")[0] == 404
    assert fp.get("/_expected?call_sid=CAmissing77")[0] == 404


# ---- media ---------------------------------------------------------------

def test_media_matches_expected_and_is_valid_wav(fp):
    exp = fp.expected("CAaudio1")
    assert exp["format"] == "wav" and exp["size"] == 44 + 4 * 8000 * 2
    st, h, wav = fp.media(exp["recording_sid"])
    assert st == 200 and h["content-type"] == "audio/wav"
    assert int(h["content-length"]) == len(wav) == exp["size"]
    assert sha(wav) == exp["sha256"]
    w = wave.open(io.BytesIO(wav))
    assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == \
        (8000, 1, 2, 32000)
    st, h, mp3 = fp.media(exp["recording_sid"], "mp3")
    assert st == 200 and h["content-type"] == "audio/mpeg" and mp3 == wav
    assert fp.media(exp["recording_sid"])[2] == wav  # same bytes every time
    other = fp.expected("CAaudio2")
    assert other["sha256"] != exp["sha256"]
    assert sha(fp.media(other["recording_sid"])[2]) == other["sha256"]


def test_dual_channel_and_mp3_file(fp, tmp_path):
    mono = fp.media(fp.expected("CAdual")["recording_sid"])[2]
    fp.control(channels=2)
    exp = fp.expected("CAdual")
    assert exp["size"] == 44 + 4 * 8000 * 2 * 2
    st, h, wav = fp.media(exp["recording_sid"])
    assert st == 200 and sha(wav) == exp["sha256"] and len(wav) == exp["size"]
    w = wave.open(io.BytesIO(wav))
    assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 8000, 32000)
    frames = w.readframes(32000)
    left = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 4)]
    right = [int.from_bytes(frames[i + 2:i + 4], "little", signed=True) for i in range(0, len(frames), 4)]
    # The parent leg speaks the first half, the child leg the second.
    assert max(map(abs, left[:16000])) > 10000 and max(map(abs, left[16000:])) < 1000
    assert max(map(abs, right[:16000])) < 1000 and max(map(abs, right[16000:])) > 10000
    st, _, listing = fp.listing("CAdual")
    assert {r["channels"] for r in json.loads(listing)["recordings"]} == {2}
    fp.control(channels=1)
    assert fp.media(exp["recording_sid"])[2] == mono, "mono bytes unchanged"

    mp3 = tmp_path / "x.mp3"
    mp3.write_bytes(b"\xff\xfb" + bytes(range(200)))
    fp.control(mp3_file=str(mp3))
    exp = fp.expected("CAdual")
    st, h, body = fp.media(exp["recording_sid"], "mp3")
    assert st == 200 and h["content-type"] == "audio/mpeg" and body == mp3.read_bytes()
    assert fp.json("GET", "/_expected?call_sid=CAdual&format=mp3")["sha256"] == sha(body)
    assert fp.media(exp["recording_sid"], "wav")[2] == mono, ".wav is still generated"
    fp.control(mp3_file="")


def test_media_errors(fp):
    recs = json.loads(fp.listing("CAerr")[2])["recordings"]
    newest = recs[1]["sid"]
    assert fp.media(newest, auth=None)[0] == 401
    assert fp.media(newest, account="ACother")[0] == 404
    assert fp.media("RE" + "0" * 32)[0] == 404
    assert fp.media(recs[2]["sid"])[0] == 404  # processing: not downloadable
    assert fp.media(recs[0]["sid"])[0] == 200  # older completed is still there
    assert fp.get("/no/such/path")[0] == 404


def test_stats_counters(fp):
    call = "CAstats1"
    fp.listing(call)
    exp = fp.expected(call)
    fp.media(exp["recording_sid"])
    fp.media(exp["recording_sid"], auth=None)  # counted, but not ok
    s = fp.wait_stats(call, media_ok=1)
    assert s["listing_requests"] == 1 and s["media_requests"] == 2 and s["media_ok"] == 1
    total = fp.stats()
    assert total["media_requests"] == 2 and total["media_ok"] == 1
    assert total["listing_requests"] == 1
    assert total["per_call"][call] == {"media_requests": 2, "media_ok": 1,
                                       "listing_requests": 1}
    assert fp.stats("CAnever") == {"media_requests": 0, "media_ok": 0,
                                   "listing_requests": 0, "call_sid": "CAnever"}
    fp.json("POST", "/_reset")
    assert fp.stats() == {"media_requests": 0, "media_ok": 0, "listing_requests": 0,
                          "per_call": {}}


# ---- fault knobs ---------------------------------------------------------

def test_fail_first_two_per_recording_then_reset(fp):
    fp.control(fail_first=2)
    a, b = fp.expected("CAfailA"), fp.expected("CAfailB")
    assert [fp.media(a["recording_sid"])[0] for _ in range(3)] == [500, 500, 200]
    assert fp.media(b["recording_sid"])[0] == 500  # counted per recording
    s = fp.wait_stats("CAfailA", media_ok=1)
    assert s["media_requests"] == 3 and s["media_ok"] == 1
    fp.json("POST", "/_reset")  # also forgets the per-recording failures
    assert fp.media(a["recording_sid"])[0] == 500


def test_rate_limit_first(fp):
    fp.control(rate_limit_first=1)
    rec = fp.expected("CA429")["recording_sid"]
    st, h, _ = fp.media(rec)
    assert st == 429 and h["retry-after"] == "1"
    assert fp.media(rec)[0] == 200


def test_truncate_closes_after_half(fp):
    fp.control(truncate=1)
    exp = fp.expected("CAtrunc")
    head, body = raw_get(fp.port, "%s%s/Recordings/%s.wav" % (API, ACCOUNT, exp["recording_sid"]))
    assert head.startswith("HTTP/1.1 200")
    assert re.search(r"(?im)^content-length: %d\r?$" % exp["size"], head)
    assert len(body) == exp["size"] // 2
    time.sleep(0.2)
    assert fp.stats("CAtrunc")["media_ok"] == 0


def test_latency_and_listing_latency(fp):
    rec = fp.expected("CAslow")["recording_sid"]
    fp.control(latency_ms=600)
    t = time.monotonic()
    assert fp.media(rec)[0] == 200
    assert time.monotonic() - t >= 0.55
    fp.control(latency_ms=0, listing_latency_ms=600)
    t = time.monotonic()
    assert fp.listing("CAslow")[0] == 200
    assert time.monotonic() - t >= 0.55


def test_rate_drips_body(fp):
    fp.control(rate=32000, duration_s=2)  # 32044 bytes at 32 kB/s: about 1 s
    exp = fp.expected("CArate")
    t = time.monotonic()
    st, _, body = fp.media(exp["recording_sid"])
    assert st == 200 and sha(body) == exp["sha256"]
    assert time.monotonic() - t >= 0.8


def test_redirect_to_unauthenticated_media(fp):
    fp.control(redirect=1)
    exp = fp.expected("CAredir")
    st, h, _ = fp.media(exp["recording_sid"])
    assert st == 302
    loc = h["location"]
    assert loc.endswith("/media/%s.wav" % exp["recording_sid"])
    st, h, body = fp.get(loc[loc.index("/media/"):])  # no credentials
    assert st == 200 and sha(body) == exp["sha256"]
    s = fp.wait_stats("CAredir", media_ok=1)
    assert s["media_requests"] == 1 and s["media_ok"] == 1
    assert fp.get("/media/RE%s.wav" % ("1" * 32))[0] == 404


def test_duration_knob(fp):
    fp.control(duration_s=1)
    exp = fp.expected("CAdur")
    assert exp["size"] == 44 + 16000
    st, _, body = fp.media(exp["recording_sid"])
    assert len(body) == exp["size"] and sha(body) == exp["sha256"]
    listing = json.loads(fp.listing("CAdur")[2])
    assert listing["recordings"][1]["duration"] == "1"


def test_url_media_and_bearer(fp):
    exp = fp.expected("CAurl1")
    st, h, body = fp.get("/url-media/CAurl1.wav")
    assert st == 200 and h["content-type"] == "audio/wav" and sha(body) == exp["sha256"]
    assert fp.get("/url-media/CAmissing9.wav")[0] == 404
    assert fp.get("/url-media/CAnotfound9.wav")[0] == 404
    fp.control(bearer="s3cret")
    assert fp.get("/url-media/CAurl1.wav")[0] == 401
    assert fp.get("/url-media/CAurl1.wav", headers={"Authorization": "Bearer nope"})[0] == 401
    assert fp.get("/url-media/CAurl1.wav",
                  headers={"Authorization": "Bearer s3cret"})[0] == 200
    s = fp.wait_stats("CAurl1", media_ok=2)
    assert s["media_requests"] == 4 and s["media_ok"] == 2


def test_control_answers_and_validates(fp):
    knobs = fp.control(latency_ms=5, truncate=1)
    assert knobs["latency_ms"] == 5 and knobs["truncate"] is True
    assert knobs["rate"] == 0  # untouched knobs keep their value
    assert fp.json("GET", "/_control") == knobs
    assert fp.request("POST", "/_control?nope=1")[0] == 400
    assert fp.request("POST", "/_control?latency_ms=abc")[0] == 400
    assert fp.request("POST", "/_control?truncate=2")[0] == 400
    assert fp.request("POST", "/_control?rate=5&latency_ms=-1")[0] == 400
    assert fp.json("GET", "/_control")["rate"] == 0  # a bad request changes nothing


# ---- process-level -------------------------------------------------------

def test_command_line_flags():
    f = Fake("--account-sid", "ACcli", "--auth-token", "tok", "--fail-first", "2",
             "--duration-s", "1", "--bearer", "b")
    try:
        knobs = f.json("GET", "/_control")
        assert knobs["account_sid"] == "ACcli" and knobs["fail_first"] == 2
        rec = json.loads(f.listing("CAcli", auth=("ACcli", "tok"), account="ACcli")[2])
        sid = rec["recordings"][1]["sid"]
        codes = [f.media(sid, auth=("ACcli", "tok"), account="ACcli")[0] for _ in range(3)]
        assert codes == [500, 500, 200]
        assert f.listing("CAcli")[0] == 401  # default credentials no longer work
        # Same recording as the Twilio path: its two failures are spent.
        assert f.get("/url-media/CAcli.wav", headers={"Authorization": "Bearer b"})[0] == 200
    finally:
        assert f.stop() == 0


def test_bad_flag_exits_2():
    r = subprocess.run([BIN, "--no-such-flag", "1"], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 2 and "no-such-flag" in r.stderr


def test_sigterm_during_slow_download_exits_cleanly():
    f = Fake("--rate", "1000")  # a 64 kB body would take a minute
    rec = f.expected("CAterm")["recording_sid"]
    s = socket.create_connection(("127.0.0.1", f.port), timeout=TIMEOUT)
    cred = base64.b64encode(("%s:%s" % (ACCOUNT, TOKEN)).encode()).decode()
    s.sendall(("GET %s%s/Recordings/%s.wav HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Basic %s\r\n\r\n" % (API, ACCOUNT, rec, cred)).encode())
    assert s.recv(100).startswith(b"HTTP/1.1 200")
    t = time.monotonic()
    assert f.stop() == 0
    assert time.monotonic() - t < 5
    s.close()


def test_500_concurrent_slow_downloads():
    n = 500
    f = Fake("--latency-ms", "300", "--rate", "64000", "--duration-s", "1")
    try:
        exp = f.expected("CAmany")
        results = []
        lock = threading.Lock()

        def one():
            try:
                st, _, body = f.media(exp["recording_sid"])
                ok = st == 200 and sha(body) == exp["sha256"]
            except OSError as e:
                ok = repr(e)
            with lock:
                results.append(ok)

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
        assert results.count(True) == n, [r for r in results if r is not True][:5]
        s = f.wait_stats("CAmany", media_ok=n)
        assert s["media_requests"] == n and s["media_ok"] == n
    finally:
        assert f.stop() == 0
