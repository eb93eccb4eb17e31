# SPDX-License-Identifier: MIT
"""The fake provider's Twilio behaviours (tools/fake-provider/README.md,
"Recording status callbacks" and the processing/page/encrypted/storage
knobs), tested on their own so recd's tests can trust them. A small HTTP
server in this process stands in for recd and records the callbacks; their
signatures are recomputed here (Python's hmac) — tests/twilio/ checks them
with Twilio's own package too.
"""
import base64
import hashlib
import hmac
import http.server
import threading
import urllib.parse

from helpers import ACCOUNT_SID, AUTH_TOKEN, new_call_sid, request, wait_until

LISTING = "/2010-04-01/Accounts/%s/Calls/%%s/Recordings.json" % ACCOUNT_SID
AUTH = {"Authorization": "Basic " + base64.b64encode(
    ("%s:%s" % (ACCOUNT_SID, AUTH_TOKEN)).encode()).decode()}


def listing(fp, call_sid, page=None):
    path = LISTING % call_sid + ("" if page is None else "?PageSize=1&Page=%d" % page)
    r = request(fp.port, "GET", path, headers=AUTH, timeout=30)
    assert r.status == 200, r
    return r.json()


def media(fp, rec_sid, headers=AUTH):
    return request(fp.port, "GET", "/2010-04-01/Accounts/%s/Recordings/%s.wav" % (ACCOUNT_SID, rec_sid),
                   headers=headers, timeout=30)


def twilio_signature(token, url, params):
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


class Hook:
    """A stand-in for recd's webhook: records each POST and answers 204."""

    def __init__(self):
        self.got = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n).decode()
                hook.got.append((self.path, dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, query="?tenant=acme"):
        return "http://127.0.0.1:%d/webhooks/twilio/recording-status%s" % (self.port, query)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_processing_then_completed_with_a_signed_callback(fake_provider):
    hook = Hook()
    try:
        fp = fake_provider(processing_s=2)
        fp.control(callback_url=hook.url())
        sid = new_call_sid()
        doc = listing(fp, sid)
        assert [r["status"] for r in doc["recordings"]] == ["processing"] * 3
        assert all(r["duration"] == "-1" for r in doc["recordings"])
        want = fp.expected(sid)
        assert media(fp, want["recording_sid"]).status == 404  # not downloadable yet
        wait_until(lambda: hook.got, 30, what="the callback")
        assert [r["status"] for r in listing(fp, sid)["recordings"]] == ["completed", "completed", "processing"]
        assert media(fp, want["recording_sid"]).status == 200
        path, headers, body = hook.got[0]
        assert path == "/webhooks/twilio/recording-status?tenant=acme"
        params = urllib.parse.parse_qsl(body, keep_blank_values=True)
        p = dict(params)
        assert p["CallSid"] == sid and p["RecordingStatus"] == "completed"
        assert p["RecordingSid"] == want["recording_sid"]
        assert p["RecordingUrl"].endswith("/Recordings/" + want["recording_sid"])
        assert headers["X-Twilio-Signature"] == twilio_signature(AUTH_TOKEN, hook.url(), params)
        assert fp.get_json("/_twilio")["callbacks_sent"] == 1
    finally:
        hook.close()


def test_manual_callbacks_conference_tamper_and_rerecord(fake_provider):
    hook = Hook()
    try:
        fp = fake_provider()
        sid = new_call_sid()
        first = fp.expected(sid)["recording_sid"]
        post = lambda q: request(fp.port, "POST", "/_callback?" + q, body=b"", timeout=30).json()
        r = post("call_sid=%s&status=absent&url=%s" % (sid, urllib.parse.quote(hook.url(""))))
        assert r["status"] == 204 and r["recording_sid"] == first
        r = post("conference=1&url=%s" % urllib.parse.quote(hook.url("")))
        assert r["status"] == 204
        r = post("call_sid=%s&tamper=1&url=%s" % (sid, urllib.parse.quote(hook.url(""))))
        rr = request(fp.port, "POST", "/_rerecord?call_sid=" + sid, body=b"", timeout=30).json()
        assert rr["generation"] == 1 and rr["recording_sid"] != first
        assert fp.expected(sid)["recording_sid"] == rr["recording_sid"]
        assert media(fp, first).status == 200 and media(fp, rr["recording_sid"]).status == 200
        assert len(hook.got) == 3
        (_, h1, b1), (_, h2, b2), (_, h3, b3) = hook.got
        p1, p2, p3 = (urllib.parse.parse_qsl(b, keep_blank_values=True) for b in (b1, b2, b3))
        assert dict(p1)["RecordingStatus"] == "absent"
        assert h1["X-Twilio-Signature"] == twilio_signature(AUTH_TOKEN, hook.url(""), p1)
        assert "CallSid" not in dict(p2) and dict(p2)["ConferenceSid"].startswith("CF")
        assert h2["X-Twilio-Signature"] == twilio_signature(AUTH_TOKEN, hook.url(""), p2)
        assert dict(p3)["RecordingDuration"] == "999"  # changed after signing
        assert h3["X-Twilio-Signature"] != twilio_signature(AUTH_TOKEN, hook.url(""), p3)
        bad = request(fp.port, "POST", "/_callback?call_sid=%s&status=nope&url=x" % sid, body=b"")
        assert bad.status == 400
    finally:
        hook.close()


def test_paged_listing(fake_provider):
    fp = fake_provider(page_size=1)
    sid = new_call_sid()
    pages, page = [], 0
    doc = listing(fp, sid)
    while True:
        pages.append(doc)
        if not doc["next_page_uri"]:
            break
        page += 1
        assert "Page=%d" % page in doc["next_page_uri"]
        r = request(fp.port, "GET", doc["next_page_uri"], headers=AUTH, timeout=30)
        doc = r.json()
    assert [len(p["recordings"]) for p in pages] == [1, 1, 1]
    assert pages[1]["recordings"][0]["sid"] == fp.expected(sid)["recording_sid"]
    assert [p["page"] for p in pages] == [0, 1, 2]


def test_encrypted_recordings(fake_provider):
    fp = fake_provider(encrypted=True)
    doc = listing(fp, new_call_sid())
    enc = [r["encryption_details"] for r in doc["recordings"]]
    assert enc[0]["type"] == "rsa-aes" and enc[1]["type"] == "rsa-aes" and enc[2] is None
    body = media(fp, doc["recordings"][1]["sid"]).body  # ciphertext-like: no RIFF header
    assert len(body) == 64044 and body[:4] != b"RIFF"


def test_storage_on_another_host_refuses_credentials(fake_provider):
    fp = fake_provider(redirect=True)
    fp.control(storage_host="localhost:%d" % fp.port)
    sid = new_call_sid()
    rec = fp.expected(sid)["recording_sid"]
    r = media(fp, rec)
    assert r.status == 302
    assert r.header("Location") == "http://localhost:%d/media/%s.wav" % (fp.port, rec)
    assert request(fp.port, "GET", "/media/%s.wav" % rec).status == 200
    assert request(fp.port, "GET", "/media/%s.wav" % rec, headers=AUTH).status == 400
    c = fp.get_json("/_twilio")
    assert c["storage_requests"] == 2 and c["storage_auth_requests"] == 1
    fp.reset()
    assert fp.get_json("/_twilio")["storage_requests"] == 0
