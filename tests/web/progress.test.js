// SPDX-License-Identifier: MIT
/*
 * progress.test.js — row polling: once per interval, only while wanted,
 * one request in flight and one timer per sid:  node --test tests/web/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPoller } from '../../web/progress.js';
import { fakeClock, flush } from './fakes.js';

function setup() {
  const clock = fakeClock();
  const loads = [];
  const items = [];
  const want = new Set();
  let answer = (sid) => Promise.resolve({ call_sid: sid, state: 'running' });
  const poller = createPoller({
    load: (sid) => {
      loads.push(sid);
      return answer(sid);
    },
    wanted: (sid) => want.has(sid),
    onItem: (sid, item) => items.push([sid, item.state]),
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
  });
  return { clock, loads, items, want, poller, setAnswer: (fn) => (answer = fn) };
}

test('polls every 1000 ms while wanted, and stops when no longer wanted', async () => {
  const { clock, loads, want, poller } = setup();
  want.add('A');
  poller.kick('A');
  await clock.advance(999);
  assert.deepEqual(loads, []);
  await clock.advance(1);
  assert.deepEqual(loads, ['A']);
  await clock.advance(1000);
  assert.deepEqual(loads, ['A', 'A']);
  want.delete('A');
  await clock.advance(5000);
  assert.deepEqual(loads, ['A', 'A']);
  assert.equal(clock.pending(), 0);
  assert.equal(poller.polling('A'), false);
});

test('kick() is idempotent: one timer per sid however often it is called', async () => {
  const { clock, loads, want, poller } = setup();
  want.add('A');
  for (let i = 0; i < 10; i++) poller.kick('A');
  assert.equal(clock.pending(), 1);
  await clock.advance(1000);
  assert.deepEqual(loads, ['A']);
});

test('an unwanted sid is never polled', async () => {
  const { clock, loads, poller } = setup();
  poller.kick('B');
  await clock.advance(5000);
  assert.deepEqual(loads, []);
});

test('no second request while one is in flight; a slow answer delays the next tick', async () => {
  const { clock, loads, want, poller, setAnswer } = setup();
  let release;
  setAnswer(() => new Promise((r) => (release = r)));
  want.add('A');
  poller.kick('A');
  await clock.advance(1000);
  await clock.advance(5000);
  poller.kick('A');
  assert.deepEqual(loads, ['A']);
  assert.equal(clock.pending(), 0);
  release({ state: 'running' });
  await flush();
  assert.equal(clock.pending(), 1);
});

test('stop() drops the timer and any late answer', async () => {
  const { clock, items, want, poller, setAnswer } = setup();
  let release;
  setAnswer(() => new Promise((r) => (release = r)));
  want.add('A');
  poller.kick('A');
  await clock.advance(1000);
  poller.stop('A');
  release({ state: 'ready' });
  await flush();
  assert.deepEqual(items, []);
  assert.equal(clock.pending(), 0);
});
