// SPDX-License-Identifier: MIT
/*
 * controls.test.js — the listening controls' pure parts: skipping within
 * the recording, which keydowns are shortcuts (and which belong to the
 * focused control), and when a remembered position is restored; plus
 * phone-number formatting and search normalisation (web/phone.js).
 *   node --test tests/web/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipTo, shortcutFor, resumeAt, SPEEDS, SKIP_S } from '../../web/controls.js';
import { formatPhone, normalizeQuery, countryCode } from '../../web/phone.js';

const key = (k, target = { tagName: 'BODY' }, extra = {}) => ({ key: k, code: k === ' ' ? 'Space' : k, target, ...extra });

test('speeds and skip step are the documented ones', () => {
  assert.deepEqual([...SPEEDS], [1, 1.25, 1.5, 2]);
  assert.equal(SKIP_S, 10);
});

test('skipTo stays inside the recording', () => {
  assert.equal(skipTo(30, 10, 100), 40);
  assert.equal(skipTo(30, -10, 100), 20);
  assert.equal(skipTo(5, -10, 100), 0);
  assert.equal(skipTo(95, 10, 100), 100);
  assert.equal(skipTo(95, 10, NaN), 105, 'duration unknown: only the floor');
  assert.equal(skipTo(undefined, 10, 100), 10);
});

test('shortcuts: Space toggles, arrows skip; typing and focused controls keep their keys', () => {
  assert.equal(shortcutFor(key(' ')), 'toggle');
  assert.equal(shortcutFor(key('ArrowLeft')), 'back');
  assert.equal(shortcutFor(key('ArrowRight')), 'forward');
  assert.equal(shortcutFor(key('x')), null);
  for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) {
    assert.equal(shortcutFor(key(' ', { tagName })), null, tagName);
    assert.equal(shortcutFor(key('ArrowLeft', { tagName })), null, tagName);
  }
  assert.equal(shortcutFor(key(' ', { tagName: 'BUTTON' })), null, 'Space presses the focused button');
  assert.equal(shortcutFor(key(' ', { tagName: 'A' })), null);
  assert.equal(shortcutFor(key('ArrowLeft', { tagName: 'BUTTON' })), 'back');
  const slider = { tagName: 'DIV', getAttribute: (n) => (n === 'role' ? 'slider' : null) };
  assert.equal(shortcutFor(key('ArrowLeft', slider)), null, 'the waveform slider steps itself');
  assert.equal(shortcutFor(key(' ', slider)), 'toggle', 'Space on the waveform plays or pauses');
  assert.equal(shortcutFor(key(' ', { tagName: 'DIV', isContentEditable: true })), null);
  assert.equal(shortcutFor(key('ArrowLeft', undefined, { ctrlKey: true })), null);
  assert.equal(shortcutFor(key('ArrowLeft', undefined, { altKey: true })), null, 'Alt+← is the browser’s Back');
  assert.equal(shortcutFor(key(' ', undefined, { defaultPrevented: true })), null);
});

test('a remembered position is restored unless it is at either end', () => {
  assert.equal(resumeAt('42.5', 100), 42.5);
  assert.equal(resumeAt('42.5', NaN), 42.5, 'duration not known yet');
  assert.equal(resumeAt(null, 100), null);
  assert.equal(resumeAt('0.4', 100), null);
  assert.equal(resumeAt('99.5', 100), null);
  assert.equal(resumeAt('nope', 100), null);
});

test('phone numbers: E.164 in readable groups, anything else as it came', () => {
  assert.equal(formatPhone('+14155550123'), '+1 415 555 0123');
  assert.equal(formatPhone('+972501234567'), '+972 50 123 4567');
  assert.equal(formatPhone('+442071234567'), '+44 207 123 4567');
  assert.equal(formatPhone(' +33612345678 '), '+33 6 1234 5678'.replace('6 1234', '61 234'));
  assert.equal(formatPhone('client:alice'), 'client:alice');
  assert.equal(formatPhone('266696687'), '266696687');
  assert.equal(formatPhone(''), '');
  assert.equal(formatPhone(null), '');
  assert.equal(formatPhone(undefined), '');
  assert.equal(countryCode('14155550123'), '1');
  assert.equal(countryCode('972501234567'), '972');
  assert.equal(countryCode('4930123456'), '49');
});

test('search: number-like queries lose their punctuation, the rest is kept', () => {
  assert.equal(normalizeQuery(' +1 (415) 555-01 '), '+141555501');
  assert.equal(normalizeQuery('050-123'), '050123');
  assert.equal(normalizeQuery('CA12ab'), 'CA12ab');
  assert.equal(normalizeQuery(' Dana Levi '), 'Dana Levi');
  assert.equal(normalizeQuery('דנה'), 'דנה');
  assert.equal(normalizeQuery('--'), '--', 'no digits: not a number');
});
