// SPDX-License-Identifier: MIT
/*
 * waveform.test.js — the now-playing waveform's pure parts: reading the
 * peaks endpoint's JSON (the shape src/http/peaks.c writes), the seek
 * arithmetic (pixel ↔ time), the slider's keys and lane naming by Twilio's
 * channel order:  node --test tests/web/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePeaks, peaksUrl, timeAtX, xAtTime, seekKey, laneKeys, KEY_STEP_S } from '../../web/waveform.js';

/* An answer as recd gives it for a 20 s dual-channel WAV (points=4). */
const DUAL = {
  call_sid: 'CA0123',
  points: 4,
  duration_s: 20.0,
  total_duration_s: 20.0,
  partial: false,
  sample_rate: 8000,
  scale: 1000,
  channels: [
    { index: 0, leg: 'parent', peaks: [488, 488, 24, 24] },
    { index: 1, leg: 'child', peaks: [24, 24, 488, 1000] },
  ],
};

test('parsePeaks reads the endpoint JSON into 0..1 lanes', () => {
  const p = parsePeaks(DUAL);
  assert.equal(p.callSid, 'CA0123');
  assert.equal(p.duration, 20);
  assert.equal(p.total, 20);
  assert.equal(p.partial, false);
  assert.deepEqual(p.channels.map((c) => c.leg), ['parent', 'child']);
  assert.deepEqual(p.channels[0].values, [0.488, 0.488, 0.024, 0.024]);
  assert.deepEqual(p.channels[1].values, [0.024, 0.024, 0.488, 1]);
});

test('parsePeaks: partial answers, unknown totals, clamping, bad shapes', () => {
  const partial = parsePeaks({ ...DUAL, partial: true, duration_s: 5.5, total_duration_s: null, scale: 500,
    channels: [{ leg: 'mono', peaks: [250, 600, -3, 'x'] }] });
  assert.equal(partial.partial, true);
  assert.equal(partial.duration, 5.5);
  assert.equal(partial.total, null);
  assert.deepEqual(partial.channels[0].values, [0.5, 1, 0, 0]);
  assert.equal(parsePeaks({ ...DUAL, scale: undefined }).channels[1].values[3], 1, 'default scale 1000');
  for (const bad of [null, {}, { channels: [] }, { ...DUAL, duration_s: -1 }, { ...DUAL, duration_s: 'x' },
    { ...DUAL, channels: [{ leg: 'mono' }] }]) {
    assert.throws(() => parsePeaks(bad), TypeError, JSON.stringify(bad));
  }
});

test('peaksUrl escapes the sid', () => {
  assert.equal(peaksUrl('CA1', 800), '/api/recordings/CA1/peaks?points=800');
  assert.equal(peaksUrl('a b', 1), '/api/recordings/a%20b/peaks?points=1');
});

test('seek arithmetic: a click at x lands at x/width of the duration, and back', () => {
  assert.equal(timeAtX(0, 800, 120), 0);
  assert.equal(timeAtX(400, 800, 120), 60);
  assert.equal(timeAtX(800, 800, 120), 120);
  assert.equal(timeAtX(200, 800, 20), 5);
  assert.equal(timeAtX(-30, 800, 120), 0, 'left of the bar clamps to 0');
  assert.equal(timeAtX(900, 800, 120), 120, 'right of the bar clamps to the end');
  assert.equal(timeAtX(100, 0, 120), 0, 'no width');
  assert.equal(timeAtX(100, 800, 0), 0, 'no duration yet');
  assert.equal(timeAtX(100, 800, Infinity), 0, 'a live stream has no position to seek to');
  for (const x of [0, 1, 123.5, 799]) assert.ok(Math.abs(xAtTime(timeAtX(x, 800, 97), 800, 97) - x) < 1e-9);
  assert.equal(xAtTime(200, 800, 100), 800, 'past the end clamps');
  assert.equal(xAtTime(-1, 800, 100), 0);
});

test('the slider keys: arrows step, PageUp/Down a tenth, Home/End the ends', () => {
  assert.equal(seekKey('ArrowRight', 10, 100), 10 + KEY_STEP_S);
  assert.equal(seekKey('ArrowUp', 10, 100), 15);
  assert.equal(seekKey('ArrowLeft', 10, 100), 5);
  assert.equal(seekKey('ArrowDown', 2, 100), 0, 'clamped at 0');
  assert.equal(seekKey('ArrowRight', 98, 100), 100, 'clamped at the end');
  assert.equal(seekKey('PageUp', 10, 100), 20);
  assert.equal(seekKey('PageDown', 10, 20), 5, 'at least one step');
  assert.equal(seekKey('Home', 50, 100), 0);
  assert.equal(seekKey('End', 50, 100), 100);
  assert.equal(seekKey('a', 50, 100), null);
  assert.equal(seekKey('ArrowRight', 0, 0), null, 'nothing to seek in');
});

test('lanes: Twilio puts the parent leg first; direction says who that is', () => {
  assert.deepEqual(laneKeys(['parent', 'child'], 'inbound'), ['lane.customer', 'lane.agent']);
  assert.deepEqual(laneKeys(['parent', 'child'], 'outbound-api'), ['lane.agent', 'lane.customer']);
  assert.deepEqual(laneKeys(['parent', 'child'], 'outbound-dial'), ['lane.agent', 'lane.customer']);
  assert.deepEqual(laneKeys(['parent', 'child'], null), ['lane.parent', 'lane.child']);
  assert.deepEqual(laneKeys(['mono'], 'inbound'), [null], 'one lane needs no name');
});
