#!/usr/bin/env bash
# Regenerate the MP3 fixtures used by test_peaks.c and the integration
# tests (tests/integration/test_peaks.py). Needs python3 and lame (Debian).
# 32 kbit/s, so the LAME info frame (exact length) fits. Each is 4 s at 8 kHz, 440 Hz: loud (0.8 of full scale) then quiet (0.05)
#   tone-mono.mp3     loud 0-2 s, quiet 2-4 s
#   tone-stereo.mp3   left loud 0-2 s / right loud 2-4 s (a dialogue)
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import math, struct, sys, wave
out = sys.argv[1]
rate, secs = 8000, 4
def amp(ch, t):
    first = t < secs / 2
    loud = first if ch == 0 else not first
    return 0.8 if loud else 0.05
for name, chans in (("mono", 1), ("stereo", 2)):
    with wave.open(f"{out}/{name}.wav", "wb") as w:
        w.setnchannels(chans); w.setsampwidth(2); w.setframerate(rate)
        frames = bytearray()
        for n in range(rate * secs):
            t = n / rate
            for ch in range(chans):
                frames += struct.pack("<h", int(32767 * amp(ch, t) * math.sin(2 * math.pi * 440 * t)))
        w.writeframes(bytes(frames))
PY
lame --quiet -b 32 -m m "$tmp/mono.wav" tone-mono.mp3
lame --quiet -b 32 -m s "$tmp/stereo.wav" tone-stereo.mp3
ls -l tone-*.mp3
