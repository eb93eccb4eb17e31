# SPDX-License-Identifier: MIT
"""Authentication end to end (SPEC §5): `recd passwd` lines loaded by
`--auth basic:FILE`, bearer tokens from `--api-token-file`, signed /stream
links keyed by `--link-secret-file`, the public probes, and start-up
refusals. Asserts status codes, challenges and error codes.
"""
import base64
import hashlib
import hmac
import os
import subprocess
import time

import pytest

from helpers import RECD_BIN, assert_json_error, free_port, new_call_sid, run_cli, sha256

TOKEN = "tok_integration_0123456789abcdef"
SECRET = "integration-link-secret-0123456789"


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


BEARER = {"Authorization": "Bearer " + TOKEN}


def _passwd(user, password, iterations=10000):
    p = subprocess.run([RECD_BIN, "passwd", "--iterations", str(iterations), user],
                       input=password + "\n", capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p
    return p.stdout


def _link(call_sid, exp, secret=SECRET):
    msg = "call_sid=%s&exp=%d" % (call_sid, exp)
    sig = hmac.new(secret.encode(), msg.encode(), hashlib.sha256).hexdigest()
    return "&exp=%d&sig=%s" % (exp, sig)


@pytest.fixture
def files(tmp_dir):
    users = os.path.join(tmp_dir, "users")
    with open(users, "w") as f:
        f.write("# recd users\n" + _passwd("alice", "correct horse") + _passwd("bob", "p\u00e4ss:word"))
    tokens = os.path.join(tmp_dir, "tokens")
    with open(tokens, "w") as f:
        f.write("# CI\n%s\n" % TOKEN)
    os.chmod(tokens, 0o600)
    secret = os.path.join(tmp_dir, "link-secret")
    with open(secret, "w") as f:
        f.write(SECRET + "\n")
    return {"users": users, "tokens": tokens, "secret": secret}


@pytest.fixture
def secured(fake_provider, recd, files):
    fp = fake_provider()
    rd = recd(fp, auth="basic:" + files["users"], api_token_file=files["tokens"],
              link_secret_file=files["secret"])
    return rd, fp


def test_probes_are_public(secured):
    rd, _ = secured
    assert rd.get("/healthz").status == 200
    assert rd.get("/readyz").status == 200
    # The webhook has its own signature check: not a 401 here.
    r = rd.req("POST", "/webhooks/twilio/recording-status",
               headers={"Content-Type": "application/x-www-form-urlencoded"}, body=b"CallSid=CA1")
    assert r.status == 403, r
    assert r.header("WWW-Authenticate") is None


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/metrics", "/api/recordings", "/api/runs",
                                  "/stream?call_sid=CA1", "/api/recordings/CA1/peaks", "/nope"])
def test_challenge_without_credentials(secured, path):
    rd, _ = secured
    r = rd.get(path)
    assert_json_error(r, 401, "auth_required")
    assert r.header("WWW-Authenticate") == 'Basic realm="recd", charset="UTF-8"'
    assert rd.req("HEAD", path).status == 401


def test_basic_and_bearer(secured):
    rd, _ = secured
    assert rd.get("/", headers=_basic("alice", "correct horse")).status == 200
    assert rd.get("/api/runs", headers=_basic("bob", "p\u00e4ss:word")).status == 200
    assert rd.get("/metrics", headers=BEARER).status == 200
    assert rd.get("/api/recordings", headers=BEARER).status == 200
    assert_json_error(rd.get("/api/recordings/CA1/peaks", headers=BEARER), 404, "not_found")
    for h in (_basic("alice", "wrong"), _basic("mallory", "correct horse"),
              {"Authorization": "Bearer " + TOKEN + "x"}):
        r = rd.get("/api/runs", headers=h)
        assert_json_error(r, 401, "bad_credentials")
        assert r.header("WWW-Authenticate"), r


def test_unauthenticated_post_changes_nothing(secured):
    rd, _ = secured
    sid = new_call_sid()
    r = rd.post_json("/api/recordings", {"call_sid": sid})
    assert_json_error(r, 401, "auth_required")
    r = rd.post_json("/api/recordings/%s/fetch" % sid, {})
    assert r.status == 401, r
    assert rd.sql("SELECT COUNT(*) FROM recordings WHERE call_sid = ?", (sid,)) == [(0,)]
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?", (sid,)) == [(0,)]


def test_signed_link_plays(secured):
    rd, fp = secured
    sid = new_call_sid()
    exp = fp.expected(sid)
    link = _link(sid, int(time.time()) + 600)
    deadline = time.monotonic() + 120
    while True:
        r = rd.stream(sid, extra=link + "&wait=20", timeout=90)
        assert r.status in (200, 202), r
        if r.status == 200:
            break
        assert time.monotonic() < deadline, r
        time.sleep(0.2)
    assert sha256(r.body) == exp["sha256"]
    assert rd.stream(sid, method="HEAD", extra=link).status == 200
    r = rd.stream(sid, extra=link, headers={"Range": "bytes=0-9"})
    assert r.status == 206 and len(r.body) == 10, r


def test_bad_links_are_403(secured):
    rd, _ = secured
    sid = new_call_sid()
    now = int(time.time())
    r = rd.stream(sid, extra=_link(sid, now - 5))
    assert_json_error(r, 403, "link_expired")
    assert r.header("WWW-Authenticate") is None
    good = _link(sid, now + 600)
    assert_json_error(rd.stream(new_call_sid(), extra=good), 403, "link_invalid")  # another call
    assert_json_error(rd.stream(sid, extra=good.replace("&exp=", "&exp=1")), 403, "link_invalid")
    assert_json_error(rd.stream(sid, extra=good[:-2]), 403, "link_invalid")       # short sig
    assert_json_error(rd.stream(sid, extra=_link(sid, now + 600, secret="another-secret-0123456")),
                      403, "link_invalid")
    # A logged-in user is not locked out by a stale link.
    assert rd.stream(sid, extra=_link(sid, now - 5), headers=_basic("alice", "correct horse")).status \
        in (200, 202)


def test_non_loopback_allowed_with_auth(tmp_dir, files):
    # 192.0.2.1 (TEST-NET-1) is never local: with auth the address check
    # passes and the bind fails (exit 1); without auth it is refused (2).
    base = ["serve", "--listen", "192.0.2.1:%d" % free_port(), "--db",
            "sqlite:" + os.path.join(tmp_dir, "db"), "--cache-dir", os.path.join(tmp_dir, "c"),
            "--workers", "0"]
    p = run_cli(base, timeout=20)
    assert p.returncode == 2 and "refusing" in p.stderr, p
    p = run_cli(base + ["--auth", "basic:" + files["users"]], timeout=20)
    assert p.returncode == 1 and "refusing" not in p.stderr, p
    p = run_cli(base + ["--api-token-file", files["tokens"]], timeout=20)
    assert p.returncode == 1 and "refusing" not in p.stderr, p


@pytest.mark.parametrize("content,flag,want", [
    ("alice\n", "auth", "line 1"),
    ("# ok\nalice:pbkdf2-sha256$100$AAAAAAAAAAA=$AAAA\n", "auth", "line 2: iterations"),
    ("", "auth", "no users"),
    ("short\n", "api_token_file", "line 1"),
])
def test_bad_auth_files_exit_2(tmp_dir, content, flag, want):
    path = os.path.join(tmp_dir, "f")
    with open(path, "w") as f:
        f.write(content)
    os.chmod(path, 0o600)  # else a token file also earns an AUTH_FILE_MODE warning
    value = ("basic:" + path) if flag == "auth" else path
    p = run_cli(["serve", "--db", "sqlite:" + os.path.join(tmp_dir, "db"), "--workers", "0",
                 "--" + flag.replace("_", "-"), value], timeout=20)
    assert p.returncode == 2, p
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and want in lines[0] and path in lines[0], p.stderr


def test_passwd_cli():
    p = subprocess.run([RECD_BIN, "passwd", "bad name"], input="pw\n", capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 2 and "bad name" in p.stderr, p
    p = subprocess.run([RECD_BIN, "passwd", "--iterations", "10", "alice"], input="pw\n",
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 2 and "--iterations" in p.stderr, p
    line = _passwd("carol", "pw")
    assert line.startswith("carol:pbkdf2-sha256$10000$") and line.endswith("\n"), line


def test_recd_link_prints_a_link_the_server_accepts(secured, files):
    rd, _ = secured
    sid = new_call_sid()
    p = run_cli(["link", sid, "--ttl", "600", "--link-secret-file", files["secret"],
                 "--public-url", "https://recd.example.com/"])
    assert p.returncode == 0, p
    url = p.stdout.strip()
    prefix = "https://recd.example.com/stream?call_sid=%s&exp=" % sid
    assert url.startswith(prefix), url
    exp = int(url[len(prefix):].split("&")[0])
    assert abs(exp - (time.time() + 600)) < 30, url
    assert url.endswith(_link(sid, exp)), url
    # The signed query opens /stream for that call without other credentials.
    r = rd.stream(sid, method="HEAD", extra=url[len(prefix) - len("&exp="):])
    assert r.status not in (401, 403), r
    # No secret, a bad call_sid or a flag of another command: usage errors.
    assert run_cli(["link", sid]).returncode == 2
    assert run_cli(["link", "bad sid", "--link-secret-file", files["secret"]]).returncode == 2
    assert run_cli(["link", sid, "--workers", "2", "--link-secret-file", files["secret"]]).returncode == 2
