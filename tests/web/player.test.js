// SPDX-License-Identifier: MIT
/*
 * player.test.js — the player's state machine and its dedup promises,
 * driven by a fake fetch, a fake clock and a fake <audio>:
 *   node --test tests/web/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPlayer, parseRetryAfter } from '../../web/player.js';
import { fakeClock, fakeFetch, FakeAudio, flush, captureLog } from './fakes.js';

const SID = 'CA00000000000000000000000000000001';
const SID2 = 'CA00000000000000000000000000000002';
const SID3 = 'CA00000000000000000000000000000003';

function setup(opts = {}) {
  const clock = fakeClock();
  const fetch = fakeFetch();
  const audio = new FakeAudio();
  const events = [];
  const logs = [];
  const player = createPlayer({
    audio,
    fetch,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    onState: (ev) => events.push(ev),
    log: (line) => logs.push(line),
    ...opts,
  });
  const states = () => events.map((e) => e.state);
  return { clock, fetch, audio, player, events, states, logs };
}

test('one play → one readiness check: HEAD with Prefer: wait', async () => {
  const { fetch, player, states } = setup();
  player.play(SID);
  await flush();
  assert.equal(fetch.calls.length, 1);
  const [call] = fetch.calls;
  assert.equal(call.method, 'HEAD');
  assert.equal(call.url, '/stream?call_sid=' + SID);
  assert.equal(call.init.headers.Prefer, 'wait=20');
  assert.ok(call.init.signal instanceof AbortSignal);
  assert.equal(player.state, 'checking');
  assert.equal(player.callSid, SID);
  assert.deepEqual(states(), ['checking']);
});

test('waitSeconds and streamUrl options shape the request', async () => {
  const { fetch, player } = setup({ waitSeconds: 7, streamUrl: (s) => `/s/${s}` });
  player.play(SID);
  await flush();
  assert.equal(fetch.calls[0].url, `/s/${SID}`);
  assert.equal(fetch.calls[0].init.headers.Prefer, 'wait=7');
});

test('ten play() calls (re-renders, double clicks) while checking → still one fetch', async () => {
  const { fetch, player, states } = setup();
  for (let i = 0; i < 10; i++) {
    player.play(SID);
    await flush();
  }
  assert.equal(fetch.calls.length, 1);
  assert.deepEqual(states(), ['checking']);
});

test('play() calls while waiting do not add a check or a timer', async () => {
  const { fetch, player, clock } = setup();
  player.play(SID);
  await fetch.respond(0, 202, { 'Retry-After': '5' });
  assert.equal(player.state, 'waiting');
  for (let i = 0; i < 10; i++) player.play(SID);
  await flush();
  assert.equal(fetch.calls.length, 1);
  assert.equal(clock.pending(), 1);
  assert.deepEqual(clock.delays(), [5000]);
});

test('202 + Retry-After: 2 → next check after exactly 2000 ms, not before', async () => {
  const { fetch, player, clock, states } = setup();
  player.play(SID);
  await fetch.respond(0, 202, { 'Retry-After': '2', 'Recording-Status': 'queued' });
  assert.equal(player.state, 'waiting');
  assert.equal(clock.pending(), 1);
  await clock.advance(1999);
  assert.equal(fetch.calls.length, 1, 'no check before Retry-After elapsed');
  await clock.advance(1);
  assert.equal(fetch.calls.length, 2, 'one check once it elapsed');
  assert.equal(fetch.calls[1].method, 'HEAD');
  assert.deepEqual(states(), ['checking', 'waiting', 'checking']);
});

test('202 without Retry-After waits the default 2 s; silly values are clamped', async () => {
  for (const [header, ms] of [
    [undefined, 2000],
    ['0', 1000],
    ['3600', 30000],
    ['soon', 2000],
  ]) {
    const { fetch, player, clock } = setup();
    player.play(SID);
    await fetch.respond(0, 202, header === undefined ? {} : { 'Retry-After': header });
    assert.deepEqual(clock.delays(), [ms], `Retry-After ${header}`);
  }
});

test('only one pending timer at any time across a 202, 202, 200 sequence', async () => {
  const { fetch, player, clock, audio, states } = setup();
  player.play(SID);
  await flush();
  assert.ok(clock.pending() <= 1);
  await fetch.respond(0, 202, { 'Retry-After': '1' });
  assert.equal(clock.pending(), 1);
  await clock.advance(1000);
  assert.ok(clock.pending() <= 1);
  await fetch.respond(1, 202, { 'Retry-After': '3' });
  assert.equal(clock.pending(), 1);
  await clock.advance(3000);
  await fetch.respond(2, 200);
  assert.equal(clock.maxPending, 1);
  assert.equal(clock.pending(), 0, 'no timer left once ready');
  assert.equal(fetch.calls.length, 3);
  assert.equal(audio.src, '/stream?call_sid=' + SID);
  assert.equal(audio.playCalls, 1);
  assert.deepEqual(states(), ['checking', 'waiting', 'checking', 'waiting', 'checking', 'ready', 'playing']);
});

test('200 → src set, play() called, state playing, exactly one "Streaming from" log', async () => {
  const clock = fakeClock();
  const fetch = fakeFetch();
  const audio = new FakeAudio();
  let player;
  const lines = await captureLog(async () => {
    player = createPlayer({ audio, fetch, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout });
    player.play(SID);
    for (let i = 0; i < 5; i++) player.play(SID);
    await fetch.respond(0, 200, { 'Content-Type': 'audio/mpeg' });
    for (let i = 0; i < 5; i++) player.play(SID); // already playing: nothing new
    player.pause();
    await flush();
    player.play(SID); // resume: toggles the element only
    await flush();
  });
  const streaming = lines.filter((l) => l.startsWith('Streaming from'));
  assert.deepEqual(streaming, ['Streaming from /stream?call_sid=' + SID]);
  assert.equal(fetch.calls.length, 1);
  assert.equal(player.state, 'playing');
  assert.equal(audio.playCalls, 2);
  assert.equal(audio.pauseCalls, 1);
});

test('pause() → paused without a request; resume → playing without a check', async () => {
  const { fetch, player, audio, states } = setup();
  player.play(SID);
  await fetch.respond(0, 200);
  player.pause();
  await flush();
  assert.equal(player.state, 'paused');
  assert.ok(audio.paused);
  player.play(SID);
  await flush();
  assert.equal(player.state, 'playing');
  assert.equal(fetch.calls.length, 1);
  assert.deepEqual(states(), ['checking', 'ready', 'playing', 'paused', 'playing']);
});

test('the element pausing or ending on its own moves the player to paused', async () => {
  const { fetch, player, audio } = setup();
  player.play(SID);
  await fetch.respond(0, 200);
  audio.dispatchEvent(new Event('ended'));
  assert.equal(player.state, 'paused');
});

test('stop() while checking aborts the request and leaves no timer', async () => {
  const { fetch, player, clock, states } = setup();
  player.play(SID);
  await flush();
  assert.equal(clock.pending(), 1, 'the watchdog of the held check');
  player.stop();
  await flush();
  assert.equal(fetch.calls[0].init.signal.aborted, true);
  assert.equal(clock.pending(), 0);
  assert.equal(player.state, 'idle');
  assert.deepEqual(states(), ['checking', 'idle']);
  await clock.advance(60000);
  assert.equal(fetch.calls.length, 1);
});

test('stop() while waiting clears the retry timer', async () => {
  const { fetch, player, clock } = setup();
  player.play(SID);
  await fetch.respond(0, 202, { 'Retry-After': '2' });
  player.stop();
  assert.equal(clock.pending(), 0);
  await clock.advance(10000);
  assert.equal(fetch.calls.length, 1);
  assert.equal(player.state, 'idle');
});

test('stop() while playing releases the media', async () => {
  const { fetch, player, audio } = setup();
  player.play(SID);
  await fetch.respond(0, 200);
  player.stop();
  await flush();
  assert.equal(audio.src, '');
  assert.equal(audio.loadCalls, 1);
  assert.equal(player.state, 'idle');
});

test('destroy() aborts the check, clears timers and detaches listeners', async () => {
  const { fetch, player, clock, audio } = setup();
  player.play(SID);
  await flush();
  player.destroy();
  await flush();
  assert.equal(fetch.calls[0].init.signal.aborted, true);
  assert.equal(clock.pending(), 0);
  assert.equal(audio.listeners, 0);
  player.play(SID);
  await flush();
  assert.equal(fetch.calls.length, 1, 'a destroyed player does nothing');
});

test('pagehide aborts the check in flight', async () => {
  const win = new EventTarget();
  const { fetch, player, clock } = setup({ window: win });
  player.play(SID);
  await flush();
  win.dispatchEvent(new Event('pagehide'));
  await flush();
  assert.equal(fetch.calls[0].init.signal.aborted, true);
  assert.equal(clock.pending(), 0);
  assert.equal(player.state, 'idle');
  player.destroy();
});

test('play(other) aborts the first check and checks the other', async () => {
  const { fetch, player, events } = setup();
  player.play(SID);
  await flush();
  player.play(SID2);
  await flush();
  assert.equal(fetch.calls.length, 2);
  assert.equal(fetch.calls[0].init.signal.aborted, true);
  assert.equal(fetch.calls[1].init.signal.aborted, false);
  assert.equal(fetch.calls[1].url, '/stream?call_sid=' + SID2);
  assert.deepEqual(
    events.map((e) => [e.state, e.callSid]),
    [
      ['checking', SID],
      ['idle', SID],
      ['checking', SID2],
    ],
  );
  // The aborted first request settles late: it must change nothing.
  await fetch.respond(1, 200);
  assert.equal(player.state, 'playing');
  assert.equal(player.callSid, SID2);
});

test('three quick plays → only the last one checks on; one log line', async () => {
  const { fetch, player, logs, audio } = setup();
  player.play(SID);
  player.play(SID2);
  player.play(SID3);
  await flush();
  assert.deepEqual(
    fetch.calls.map((c) => c.init.signal.aborted),
    [true, true, false],
  );
  await fetch.respond(2, 200);
  assert.equal(audio.src, '/stream?call_sid=' + SID3);
  assert.equal(logs.length, 1);
});

test('play(other) while waiting clears the first timer', async () => {
  const { fetch, player, clock } = setup();
  player.play(SID);
  await fetch.respond(0, 202, { 'Retry-After': '2' });
  player.play(SID2);
  await flush();
  assert.equal(clock.pending(), 1, 'only the new check’s watchdog');
  await fetch.respond(1, 202, { 'Retry-After': '4' });
  assert.deepEqual(clock.delays(), [4000]);
  await clock.advance(4000);
  assert.deepEqual(
    fetch.calls.map((c) => c.url),
    ['/stream?call_sid=' + SID, '/stream?call_sid=' + SID2, '/stream?call_sid=' + SID2],
  );
});

test('404 → error state with a not-found message, no further request', async () => {
  const { fetch, player, events, clock } = setup();
  player.play(SID);
  await fetch.respond(0, 404);
  assert.equal(player.state, 'error');
  const last = events.at(-1);
  assert.equal(last.error.kind, 'not_found');
  assert.equal(last.error.status, 404);
  assert.match(last.error.message, /not found/i);
  assert.equal(fetch.calls.length, 1);
  assert.equal(clock.pending(), 0);
});

test('502 → error carrying the server’s message from the recording JSON', async () => {
  const { fetch, player, events, clock } = setup();
  player.play(SID);
  await fetch.respond(0, 502, { 'Retry-After': '60' });
  assert.equal(fetch.calls.length, 2);
  assert.equal(fetch.calls[1].method, 'GET');
  assert.equal(fetch.calls[1].url, '/api/recordings/' + SID);
  await fetch.respond(1, 200, { 'Content-Type': 'application/json' }, {
    call_sid: SID,
    state: 'failed',
    error: { code: 'upstream_failed', message: 'provider answered 500 five times' },
    runs: [],
  });
  assert.equal(player.state, 'error');
  const { error } = events.at(-1);
  assert.equal(error.kind, 'upstream');
  assert.equal(error.status, 502);
  assert.equal(error.code, 'upstream_failed');
  assert.equal(error.message, 'provider answered 500 five times');
  assert.equal(error.retryAfter, 30);
  assert.equal(clock.pending(), 0);
});

test('502 → falls back to the newest run’s error, then to a generic message', async () => {
  {
    const { fetch, player, events } = setup();
    player.play(SID);
    await fetch.respond(0, 502);
    await fetch.respond(1, 200, {}, { error: null, runs: [{ error_code: 'http_500', error_message: 'HTTP 500' }] });
    assert.equal(events.at(-1).error.message, 'HTTP 500');
  }
  {
    const { fetch, player, events } = setup();
    player.play(SID);
    await fetch.respond(0, 502);
    await fetch.fail(1);
    assert.equal(player.state, 'error');
    assert.equal(events.at(-1).error.kind, 'upstream');
    assert.ok(events.at(-1).error.message.length > 0);
  }
});

test('network error → error state; an abort we did not ask for → idle', async () => {
  {
    const { fetch, player, events, clock } = setup();
    player.play(SID);
    await fetch.fail(0, new TypeError('Failed to fetch'));
    assert.equal(player.state, 'error');
    assert.equal(events.at(-1).error.kind, 'network');
    assert.equal(clock.pending(), 0);
  }
  {
    const { fetch, player } = setup();
    player.play(SID);
    await fetch.fail(0, new DOMException('aborted', 'AbortError'));
    assert.equal(player.state, 'idle');
  }
});

test('a held check that never answers is cut by the watchdog → error timeout', async () => {
  const { fetch, player, clock, events } = setup({ waitSeconds: 20 });
  player.play(SID);
  await flush();
  await clock.advance(34999);
  assert.equal(player.state, 'checking');
  await clock.advance(1);
  assert.equal(fetch.calls[0].init.signal.aborted, true);
  assert.equal(player.state, 'error');
  assert.equal(events.at(-1).error.kind, 'timeout');
  assert.equal(clock.pending(), 0);
});

test('after an error, play(sameSid) checks again', async () => {
  const { fetch, player, states } = setup();
  player.play(SID);
  await fetch.respond(0, 404);
  player.play(SID);
  await flush();
  assert.equal(fetch.calls.length, 2);
  assert.deepEqual(states(), ['checking', 'error', 'idle', 'checking']);
});

test('autoplay refused → paused; the next play() resumes without a check', async () => {
  const { fetch, player, audio } = setup();
  audio.playResult = () => Promise.reject(new DOMException('gesture needed', 'NotAllowedError'));
  player.play(SID);
  await fetch.respond(0, 200);
  assert.equal(player.state, 'paused');
  audio.playResult = () => Promise.resolve();
  player.play(SID);
  await flush();
  assert.equal(player.state, 'playing');
  assert.equal(fetch.calls.length, 1);
});

test('a media error while playing → error kind media', async () => {
  const { fetch, player, audio, events } = setup();
  player.play(SID);
  await fetch.respond(0, 200);
  audio.error = { code: 4, message: 'MEDIA_ERR_SRC_NOT_SUPPORTED' };
  audio.dispatchEvent(new Event('error'));
  assert.equal(player.state, 'error');
  assert.equal(events.at(-1).error.kind, 'media');
});

test('every reported move is a legal one', async () => {
  const legal = {
    idle: ['checking'],
    checking: ['idle', 'waiting', 'ready', 'error'],
    waiting: ['idle', 'checking', 'error'],
    ready: ['idle', 'playing', 'paused', 'error'],
    playing: ['idle', 'paused', 'error'],
    paused: ['idle', 'playing', 'error'],
    error: ['idle', 'checking'],
  };
  const { fetch, player, events, clock } = setup();
  player.play(SID);
  await fetch.respond(0, 202, { 'Retry-After': '1' });
  await clock.advance(1000);
  await fetch.respond(1, 200);
  player.pause();
  player.play(SID2);
  await fetch.respond(2, 404);
  player.play(SID3);
  player.stop();
  for (const e of events) assert.ok(legal[e.from].includes(e.state), `${e.from} → ${e.state}`);
});

test('parseRetryAfter: seconds, HTTP dates, defaults and clamps', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2);
  assert.equal(parseRetryAfter(' 7 ', now), 7);
  assert.equal(parseRetryAfter(null, now), 2);
  assert.equal(parseRetryAfter('', now), 2);
  assert.equal(parseRetryAfter('-3', now), 2);
  assert.equal(parseRetryAfter('0', now), 1);
  assert.equal(parseRetryAfter('999', now), 30);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 01:00:00 GMT', now), 30);
});

test('createPlayer without an audio element is a TypeError', () => {
  assert.throws(() => createPlayer({}), TypeError);
});
