# SPDX-License-Identifier: MIT
"""Dedup layer "memory": a burst of requests for one call touches the store
about once (per second of burst: memory entries are trusted for 1 s), not
once per request. Asserts counters, not timings."""
import http.client
import threading

from helpers import metric_value, new_call_sid

THREADS = 50
PER_THREAD = 20


def _burst(port, sid, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for _ in range(PER_THREAD):
            conn.request("HEAD", "/stream?call_sid=" + sid)
            r = conn.getresponse()
            r.read()
            out.append((r.status, r.getheader("Recording-Dedup")))
    finally:
        conn.close()


def test_burst_of_1000_touches_the_store_about_once(fake_provider, recd):
    fp = fake_provider(latency_ms=20000)  # the run stays active through the burst
    rd = recd(fp, workers=1)
    sid = new_call_sid()
    out = []
    threads = [threading.Thread(target=_burst, args=(rd.port, sid, out)) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(out) == THREADS * PER_THREAD
    assert {status for status, _ in out} == {202}
    creators = [d for _, d in out if d is None]
    assert len(creators) == 1, "exactly one request created the run"

    m = rd.metrics()
    assert metric_value(m, "recd_runs_created_total") == 1
    memory = metric_value(m, "recd_dedup_total", {"layer": "memory"})
    db = metric_value(m, "recd_dedup_total", {"layer": "db"})
    assert memory + db == THREADS * PER_THREAD - 1
    # The store answers once per memory-entry lifetime (1 s), not per request.
    assert db <= 30, "store asked %d times for one call" % db
    assert memory >= THREADS * PER_THREAD - 31
    assert rd.sql("SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?", (sid,)) == [(1,)]
