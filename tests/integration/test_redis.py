# SPDX-License-Identifier: MIT
"""Dedup layer 5: the optional Redis gate. Two recd processes on one store
and cache dir with a real redis-server: one download in total, the second
server turns its herd away at Redis (Recording-Dedup: redis), and with Redis
unreachable everything still works (the gate fails open to the store)."""
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from helpers import (DUPLICATE_SQL, free_port, make_tmpdir, metric_value, new_call_sid,
                     request, rmtree, sha256)

REDIS = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed")


@pytest.fixture
def redis_url():
    tmp = make_tmpdir("redis")
    port = free_port()
    proc = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield "redis://127.0.0.1:%d" % port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        rmtree(tmp)


def _held_get(port, sid, out, i):
    """A plain request first (its 202 names the dedup layer), then held ones."""
    end = time.monotonic() + 120
    first = None
    headers = {}
    while time.monotonic() < end:
        r = request(port, "GET", "/stream?call_sid=" + sid, headers=headers, timeout=60)
        headers = {"Prefer": "wait=20"}
        first = first or r
        if r.status != 202:
            out[i] = (first, r)
            return
    out[i] = (first, None)


def _herd(servers, sid, n):
    out = [None] * n
    threads = [threading.Thread(target=_held_get, args=(servers[i % len(servers)].port, sid, out, i))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return out


def test_two_servers_share_the_gate(fake_provider, recd, redis_url):
    fp = fake_provider(latency_ms=1500)
    a = recd(fp, workers=2, redis=redis_url)
    b = recd(fp, workers=2, redis=redis_url, db=a.db_url, cache_dir=str(a.cache_dir))
    sid = new_call_sid()
    exp = fp.expected(sid)
    out = _herd([a, b], sid, 200)
    for first, final in out:
        assert final is not None and final.status == 200, (first, final)
        assert sha256(final.body) == exp["sha256"]
    st = fp.stats(sid)
    assert st["media_ok"] == 1 and st["media_requests"] == 1, st
    assert a.sql(DUPLICATE_SQL) == []
    layers = {first.header("Recording-Dedup") for first, _ in out if first.status == 202}
    assert "redis" in layers, layers
    turned_away = sum(metric_value(s.metrics(), "recd_dedup_total", {"layer": "redis"}) or 0
                      for s in (a, b))
    assert turned_away >= 1
    created = sum(metric_value(s.metrics(), "recd_runs_created_total") for s in (a, b))
    assert created == 1
    # The lock is released when the run ends: a new call is not turned away.
    sid2 = new_call_sid()
    r = request(b.port, "GET", "/stream?call_sid=" + sid2)
    assert r.status == 202 and r.header("Recording-Dedup") is None, r


def test_unreachable_redis_fails_open(fake_provider, recd):
    fp = fake_provider(latency_ms=500)
    rd = recd(fp, workers=2, redis="redis://127.0.0.1:%d" % free_port())
    sid = new_call_sid()
    exp = fp.expected(sid)
    out = _herd([rd], sid, 50)
    for first, final in out:
        assert final is not None and final.status == 200, (first, final)
        assert sha256(final.body) == exp["sha256"]
    assert fp.stats(sid)["media_ok"] == 1
    assert rd.alive()
