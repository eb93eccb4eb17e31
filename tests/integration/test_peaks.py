# SPDX-License-Identifier: MIT
"""The waveform (GET /api/recordings/{sid}/peaks): computed once when a
recording lands and stored beside it (<cache path>.peaks), for WAV mono,
WAV dual-channel (two lanes, parent leg first) and MP3 (a real one,
decoded with libmpg123); computed on demand when the sidecar is missing;
removed with the recording on eviction; 404 before anything landed; 400
for bad points; behind the same auth as /api.
"""
import os
from pathlib import Path

from helpers import assert_json_error, new_call_sid, wait_until

DATA = Path(__file__).resolve().parents[1] / "unit" / "data"


def _ready(rd, sid):
    r = rd.wait_final(sid)
    assert r.status == 200, r
    return r


def _peaks(rd, sid, points=100, status=200):
    r = rd.get("/api/recordings/%s/peaks?points=%d" % (sid, points))
    assert r.status == status, r
    return r.json()


def _sidecars(rd):
    return sorted(str(p) for p in Path(rd.cache_dir).glob("*/*.peaks"))


def _halves(peaks):
    n = len(peaks)
    return max(peaks[n // 20: n * 9 // 20]), max(peaks[n * 11 // 20: n * 19 // 20])


def test_wav_mono_peaks_written_when_it_lands(fake_provider, recd):
    fp = fake_provider(duration_s=4)
    rd = recd(fp)
    sid = new_call_sid()
    _assert_not_ready(rd, sid)
    _ready(rd, sid)
    # Written by the worker right after the commit, beside the recording.
    wait_until(lambda: len(_sidecars(rd)) == 1, 10, what="the .peaks sidecar")
    (side,) = _sidecars(rd)
    assert side.endswith("/%s.wav.peaks" % sid)
    doc = _peaks(rd, sid, points=100)
    assert doc["call_sid"] == sid
    assert doc["points"] == 100
    assert doc["partial"] is False
    assert abs(doc["duration_s"] - 4.0) < 0.001 and abs(doc["total_duration_s"] - 4.0) < 0.001
    assert doc["sample_rate"] == 8000 and doc["scale"] == 1000
    assert [c["leg"] for c in doc["channels"]] == ["mono"]
    peaks = doc["channels"][0]["peaks"]
    assert len(peaks) == 100
    # The fake's tone is about half of full scale all the way through.
    assert all(470 <= v <= 500 for v in peaks), peaks
    assert os.stat(side).st_mtime > 0
    # Asking again reads the same sidecar: same answer, no rewrite.
    before = os.stat(side).st_mtime_ns
    assert _peaks(rd, sid, points=100) == doc
    assert os.stat(side).st_mtime_ns == before
    # Fewer points: the max over each span.
    small = _peaks(rd, sid, points=7)
    assert small["points"] == 7 and len(small["channels"][0]["peaks"]) == 7


def test_wav_dual_channel_two_lanes(fake_provider, recd):
    fp = fake_provider(duration_s=4, channels=2)
    rd = recd(fp)
    sid = new_call_sid()
    _ready(rd, sid)
    doc = _peaks(rd, sid, points=200)
    assert [c["leg"] for c in doc["channels"]] == ["parent", "child"]
    assert [c["index"] for c in doc["channels"]] == [0, 1]
    parent, child = (c["peaks"] for c in doc["channels"])
    assert len(parent) == len(child) == 200
    # A dialogue: the parent leg speaks the first half, the child leg the second.
    p1, p2 = _halves(parent)
    c1, c2 = _halves(child)
    assert p1 > 400 and p2 < 40, (p1, p2)
    assert c1 < 40 and c2 > 400, (c1, c2)


def test_mp3_decoded_with_libmpg123(fake_provider, recd):
    fp = fake_provider(mp3_file=str(DATA / "tone-mono.mp3"))
    rd = recd(fp, media_format="mp3")
    sid = new_call_sid()
    r = _ready(rd, sid)
    assert r.body == (DATA / "tone-mono.mp3").read_bytes()
    # A download link saves it under the call's name (SPEC §2).
    assert r.header("Content-Disposition") == 'inline; filename="%s.mp3"' % sid
    assert r.header("Content-Type") == "audio/mpeg"
    wait_until(lambda: len(_sidecars(rd)) == 1, 10, what="the .peaks sidecar")
    assert _sidecars(rd)[0].endswith("/%s.mp3.peaks" % sid)
    doc = _peaks(rd, sid, points=100)
    assert abs(doc["duration_s"] - 4.0) < 0.1, doc["duration_s"]
    assert [c["leg"] for c in doc["channels"]] == ["mono"]
    loud, quiet = _halves(doc["channels"][0]["peaks"])
    assert 700 <= loud <= 900 and quiet <= 100, (loud, quiet)


def test_mp3_stereo_two_lanes(fake_provider, recd):
    fp = fake_provider(mp3_file=str(DATA / "tone-stereo.mp3"))
    rd = recd(fp, media_format="mp3")
    sid = new_call_sid()
    _ready(rd, sid)
    doc = _peaks(rd, sid, points=100)
    left, right = (c["peaks"] for c in doc["channels"])
    assert _halves(left)[0] > 700 and _halves(left)[1] < 100
    assert _halves(right)[0] < 100 and _halves(right)[1] > 700


def test_missing_sidecar_is_computed_on_demand(fake_provider, recd):
    fp = fake_provider()
    rd = recd(fp)
    sid = new_call_sid()
    _ready(rd, sid)
    wait_until(lambda: len(_sidecars(rd)) == 1, 10, what="the .peaks sidecar")
    (side,) = _sidecars(rd)
    os.unlink(side)  # a recording cached before peaks existed, or a failed write
    doc = _peaks(rd, sid)
    assert doc["partial"] is False and len(doc["channels"][0]["peaks"]) == 100
    assert _sidecars(rd) == [side], "computed once and stored"
    # A sidecar of other audio (stale stamp) is never served: it is rebuilt.
    Path(side).write_bytes(b"RECDPEAK" + b"\0" * 200)
    assert _peaks(rd, sid) == doc


def _assert_not_ready(rd, sid):
    assert_json_error(rd.get("/api/recordings/%s/peaks" % sid), 404, "not_found")
    rd.post_json("/api/recordings", {"call_sid": sid})
    assert_json_error(rd.get("/api/recordings/%s/peaks" % sid), 404, "peaks_not_ready")


def test_bad_requests(fake_provider, recd):
    rd = recd(fake_provider(), workers=0)
    sid = new_call_sid()
    rd.post_json("/api/recordings", {"call_sid": sid})
    for bad in ("0", "-1", "4097", "abc", "1.5", ""):
        assert_json_error(rd.get("/api/recordings/%s/peaks?points=%s" % (sid, bad)), 400, "invalid_points")
    assert_json_error(rd.get("/api/recordings/bad%%20sid/peaks"), 400, "invalid_call_sid")
    r = rd.req("POST", "/api/recordings/%s/peaks" % sid)
    assert r.status == 405 and "GET" in r.header("Allow", ""), r
    assert "recd_http_requests_total{route=\"api_peaks\",code=\"400\"}" in rd.metrics()


def test_evicted_with_the_recording(fake_provider, recd):
    fp = fake_provider(duration_s=1)  # 16,044 bytes each
    rd = recd(fp, cache_max_bytes=20000)
    a, b = new_call_sid(), new_call_sid()
    _ready(rd, a)
    wait_until(lambda: len(_sidecars(rd)) == 1, 10, what="a's sidecar")
    _ready(rd, b)  # over the limit: a is evicted, and its waveform with it
    wait_until(lambda: [Path(p).name for p in _sidecars(rd)] == ["%s.wav.peaks" % b], 10,
               what="only b's sidecar")
    assert_json_error(rd.get("/api/recordings/%s/peaks" % a), 404, "peaks_not_ready")


def test_streaming_partial_peaks_fill_in(fake_provider, recd):
    # 20 s of audio dripped at 64 kB/s (about 5 s): while it lands the
    # endpoint answers from the part file with partial=true and growing
    # coverage, on the final scale; then partial=false.
    fp = fake_provider(duration_s=20, rate=64000)
    rd = recd(fp)
    sid = new_call_sid()
    rd.post_json("/api/recordings", {"call_sid": sid})
    assert rd.req("POST", "/api/recordings/%s/fetch" % sid).status == 202
    seen = []

    def partial_seen():
        r = rd.get("/api/recordings/%s/peaks?points=50" % sid)
        if r.status == 200 and r.json()["partial"]:
            seen.append(r.json())
        return len(seen) >= 2 and seen[-1]["duration_s"] > seen[0]["duration_s"]

    wait_until(partial_seen, 20, interval=0.3, what="two growing partial answers")
    first = seen[0]
    assert first["total_duration_s"] == 20.0
    assert 0 < first["duration_s"] < 20
    assert first["points"] <= 50
    assert _ready(rd, sid).status == 200
    wait_until(lambda: _peaks(rd, sid, points=50)["partial"] is False, 10, what="complete peaks")
    assert _peaks(rd, sid, points=50)["duration_s"] == 20.0
