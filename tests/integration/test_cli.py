# SPDX-License-Identifier: MIT
"""The command line (SPEC §4, §5, §7): --version/--help, bad flags exit 2
with one line, refusing a non-loopback listen without auth, migrate
idempotence, the duplicate check and the unique index behind it, the
runs/status tables, fetch and import feeding a server's workers.
"""
import json
import os
import sqlite3
import subprocess
import time

import pytest

from helpers import (DUPLICATE_SQL, RECD_BIN, free_port, new_call_sid, run_cli, sha256,
                     wait_until)


def _db(tmp_dir):
    return "sqlite:" + os.path.join(tmp_dir, "recd.db")


def test_version():
    p = run_cli(["--version"])
    assert p.returncode == 0, p
    out = p.stdout.strip()
    assert out.startswith("recd ") and any(c.isdigit() for c in out), out
    assert len(out.splitlines()) == 1, out


def test_help():
    p = run_cli(["--help"])
    assert p.returncode == 0, p
    for cmd in ("serve", "worker", "migrate", "check", "runs", "status", "fetch", "import"):
        assert cmd in p.stdout, (cmd, p.stdout)
    p = run_cli(["serve", "--help"])
    assert p.returncode == 0, p
    for flag in ("--listen", "--db", "--cache-dir", "--workers", "--max-wait"):
        assert flag in p.stdout, (flag, p.stdout)
    p = run_cli(["check", "--help"])
    assert p.returncode == 0 and "--db" in p.stdout, p
    assert "--listen" not in p.stdout and "--workers" not in p.stdout, p.stdout
    assert "--wait" in run_cli(["fetch", "--help"]).stdout
    runs = run_cli(["runs", "--help"]).stdout
    assert "--status" in runs and "--call-sid" in runs, runs


def test_help_is_not_taken_from_the_environment(tmp_dir):
    env = dict(os.environ, RECD_HELP="1")
    p = subprocess.run([os.environ["RECD_BIN"], "status", "--db", _db(tmp_dir)], env=env,
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p
    assert "usage" not in p.stdout, p.stdout


@pytest.mark.parametrize("args,flag", [
    (["serve", "--no-such-flag"], "--no-such-flag"),
    (["--no-such-flag"], "--no-such-flag"),
    (["migrate", "--bogus=1"], "--bogus"),
    (["serve", "--workers", "abc"], "--workers"),
    (["serve", "--max-attempts", "0x"], "--max-attempts"),
    (["serve", "--log-format", "yaml"], "--log-format"),
    (["runs", "--status", "bogus"], "--status"),
    (["serve", "--listen"], "--listen"),
    (["check", "--listen", "0.0.0.0:80"], "--listen"),   # flags of another command
    (["check", "--workers", "7"], "--workers"),
    (["status", "--wait"], "--wait"),
    (["migrate", "--status", "queued"], "--status"),
])
def test_bad_flag_exit_2_one_line(tmp_dir, args, flag):
    if args[0] == "serve":
        # Valid options first (so nothing else is wrong), the bad one last.
        args = ["serve", "--db", _db(tmp_dir), "--cache-dir", os.path.join(tmp_dir, "c"),
                "--listen", "127.0.0.1:%d" % free_port(), "--workers", "0"] + args[1:]
    elif args[0] != "--no-such-flag":
        args = [args[0], "--db", _db(tmp_dir)] + args[1:]
    try:
        p = run_cli(args, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("recd %s did not exit" % args)
    assert p.returncode == 2, p
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert flag in lines[0], p.stderr


def test_unknown_command_exit_2(tmp_dir):
    p = run_cli(["frobnicate"], timeout=20)
    assert p.returncode == 2, p
    assert "frobnicate" in p.stderr, p


def test_non_loopback_without_auth_refused(tmp_dir):
    for host in ("0.0.0.0",):
        args = ["serve", "--listen", "%s:%d" % (host, free_port()), "--db", _db(tmp_dir),
                "--cache-dir", os.path.join(tmp_dir, "cache"), "--workers", "0"]
        try:
            p = run_cli(args, timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("recd serve started on %s without auth" % host)
        assert p.returncode == 2, p
        msg = p.stderr.lower()
        assert msg.strip(), p
        assert "auth" in msg or "loopback" in msg, p.stderr


def _schema(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return sorted(r for r in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()


def test_migrate_idempotent(tmp_dir):
    db = os.path.join(tmp_dir, "sub", "recd.db")  # parent dir created by recd
    p = run_cli(["migrate", "--db", "sqlite:" + db])
    assert p.returncode == 0, p
    first = _schema(db)
    names = {r[1] for r in first}
    assert {"recordings", "recording_runs"} <= names, names
    p = run_cli(["migrate", "--db", "sqlite:" + db])
    assert p.returncode == 0, p
    assert _schema(db) == first

    cols = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(recording_runs)")}
    for c in ("id", "call_sid", "status", "attempt", "lease_owner", "lease_expires_at",
              "next_attempt_at", "bytes_done", "bytes_total", "error_code", "error_message",
              "created_at", "started_at", "finished_at"):
        assert c in cols, c
    # The partial unique index on active runs.
    idx = [r[3] for r in first if r[0] == "index" and r[2] == "recording_runs" and r[3]]
    assert any("UNIQUE" in s.upper() and "call_sid" in s and "queued" in s and "running" in s
               for s in idx), idx


def _fill(conn, table, values):
    """INSERT values, filling other NOT NULL columns without default."""
    row = dict(values)
    for cid, name, ctype, notnull, dflt, pk in conn.execute("PRAGMA table_info(%s)" % table):
        if name in row or pk or not notnull or dflt is not None:
            continue
        t = (ctype or "").upper()
        row[name] = 0 if ("INT" in t or "REAL" in t or "NUM" in t) else ""
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, cols, marks), list(row.values()))


def test_check_and_unique_index(tmp_dir):
    db = os.path.join(tmp_dir, "recd.db")
    assert run_cli(["migrate", "--db", "sqlite:" + db]).returncode == 0
    p = run_cli(["check", "--db", "sqlite:" + db])
    assert p.returncode == 0, p

    sid = new_call_sid()
    now = int(time.time() * 1000)
    conn = sqlite3.connect(db, timeout=30)
    try:
        try:
            _fill(conn, "recordings", {"call_sid": sid, "created_at": now})
        except sqlite3.Error:
            pass  # some schemas don't need the parent row
        _fill(conn, "recording_runs", {"call_sid": sid, "status": "queued", "attempt": 0,
                                       "created_at": now})
        conn.commit()
        for status in ("queued", "running"):
            with pytest.raises(sqlite3.IntegrityError, match="(?i)unique"):
                _fill(conn, "recording_runs", {"call_sid": sid, "status": status,
                                               "attempt": 0, "created_at": now})
        conn.rollback()
        # Finished runs are not limited.
        for status in ("completed", "failed", "failed"):
            _fill(conn, "recording_runs", {"call_sid": sid, "status": status, "attempt": 1,
                                           "created_at": now})
        conn.commit()
        assert conn.execute(DUPLICATE_SQL).fetchall() == []
    finally:
        conn.close()
    p = run_cli(["check", "--db", "sqlite:" + db])
    assert p.returncode == 0, p
    assert sid not in p.stdout


def test_fetch_runs_status_then_worker_downloads(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp, start=False)
    sid = new_call_sid()
    exp = fp.expected(sid)
    assert rd.cli("migrate").returncode == 0

    p = rd.cli("fetch", sid)
    assert p.returncode == 0, p
    assert p.stdout.strip(), p
    p2 = rd.cli("fetch", sid)  # same dedup path: no second run
    assert p2.returncode == 0, p2
    assert rd.sql("SELECT status FROM recording_runs WHERE call_sid = ?", (sid,)) == [("queued",)]

    for args in (["runs"], ["runs", "--status", "queued"], ["runs", "--call-sid", sid]):
        p = rd.cli(*args)
        assert p.returncode == 0, (args, p)
        assert sid in p.stdout, (args, p.stdout)
    # `recd status`: counts by status, then the active runs.
    p = rd.cli("status")
    assert p.returncode == 0, p
    counts = _status_counts(p.stdout)
    assert counts.get("queued") == 1 and counts.get("running") == 0, p.stdout
    assert sid in p.stdout, p.stdout
    p = rd.cli("runs", "--status", "completed")
    assert p.returncode == 0 and sid not in p.stdout, p

    bad = rd.cli("fetch", "../etc/passwd")
    assert bad.returncode != 0, bad
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid LIKE '%etc%'")[0][0] == 0

    rd.start()  # a server with workers takes the CLI's run
    wait_until(lambda: rd.sql("SELECT status FROM recording_runs WHERE call_sid = ?",
                              (sid,)) == [("completed",)], 60, what="run completed")
    r = rd.stream(sid)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    assert fp.stats(sid)["media_ok"] == 1

    p = rd.cli("runs", "--status", "completed", "--call-sid", sid)
    assert p.returncode == 0 and sid in p.stdout, p
    p = rd.cli("status")
    counts = _status_counts(p.stdout)
    assert counts.get("completed") == 1 and counts.get("queued") == 0, counts
    assert sid not in p.stdout, p.stdout  # no longer active
    other = new_call_sid()
    p = rd.cli("runs", "--call-sid", other)
    assert p.returncode == 0 and sid not in p.stdout, p
    assert rd.cli("check").returncode == 0


def _status_counts(text):
    """{status: count} from the rows of `recd status` that name a run status."""
    counts = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("queued", "running", "completed", "failed") \
                and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def test_import_json_lines(fake_provider, recd, tmp_dir):
    fp = fake_provider()
    rd = recd(fp, start=False)
    plain = [new_call_sid() for _ in range(3)]
    with_url = new_call_sid()
    exp = fp.expected(with_url)
    path = os.path.join(tmp_dir, "import.jsonl")
    with open(path, "w") as f:
        for s in plain:
            f.write(json.dumps({"call_sid": s}) + "\n")
        f.write(json.dumps({"call_sid": with_url,
                            "media_url": fp.media_url(exp["recording_sid"], exp["format"])})
                + "\n")
    assert rd.cli("migrate").returncode == 0
    p = rd.cli("import", path)
    assert p.returncode == 0, p
    p = rd.cli("import", path)  # idempotent by call_sid
    assert p.returncode == 0, p
    rows = rd.sql("SELECT call_sid FROM recordings")
    assert sorted(s for (s,) in rows) == sorted(plain + [with_url])
    assert rd.sql("SELECT COUNT(*) FROM recording_runs")[0][0] == 0

    rd.start()
    r = rd.wait_final(with_url)
    assert r.status == 200, r
    assert sha256(r.body) == exp["sha256"]
    # A known media_url skips the listing.
    assert fp.stats(with_url)["listing_requests"] == 0
    doc = rd.get("/api/recordings?limit=50").json()
    assert {it["call_sid"] for it in doc["items"]} == set(plain + [with_url])


def test_import_rejects_bad_lines(tmp_dir):
    db = _db(tmp_dir)
    path = os.path.join(tmp_dir, "bad.jsonl")
    good = new_call_sid()
    with open(path, "w") as f:
        f.write(json.dumps({"call_sid": good}) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"call_sid": "../etc/passwd"}) + "\n")
    p = run_cli(["import", path, "--db", db])
    assert p.returncode != 0 or p.stderr.strip(), p  # the bad lines are reported
    p = run_cli(["import", os.path.join(tmp_dir, "does-not-exist.jsonl"), "--db", db])
    assert p.returncode != 0, p
    assert "does-not-exist" in p.stderr or p.stderr.strip(), p
    if os.path.exists(db[len("sqlite:"):]):
        conn = sqlite3.connect(db[len("sqlite:"):])
        try:
            sids = [s for (s,) in conn.execute("SELECT call_sid FROM recordings")]
        finally:
            conn.close()
        assert "../etc/passwd" not in sids


def test_bin_exists():
    assert os.access(RECD_BIN, os.X_OK), RECD_BIN
