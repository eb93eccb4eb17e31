// SPDX-License-Identifier: MIT
/*
 * i18n.test.js — the English and Hebrew tables agree (same keys, same
 * {placeholders}, nothing empty), and the language pick and formatting
 * helpers behave:  node --test tests/web/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import en from '../../web/i18n/en.js';
import he from '../../web/i18n/he.js';
import { pickLanguage, setLanguage, t, formatDuration, isRtl } from '../../web/i18n.js';

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('en and he have identical key sets', () => {
  const a = Object.keys(en).sort();
  const b = Object.keys(he).sort();
  assert.deepEqual(
    a.filter((k) => !b.includes(k)),
    [],
    'keys missing from he.js',
  );
  assert.deepEqual(
    b.filter((k) => !a.includes(k)),
    [],
    'keys missing from en.js',
  );
  assert.deepEqual(a, b);
});

test('every string is non-empty and both languages use the same placeholders', () => {
  for (const key of Object.keys(en)) {
    assert.equal(typeof en[key], 'string', key);
    assert.equal(typeof he[key], 'string', key);
    assert.ok(en[key].trim() !== '', `en ${key} is empty`);
    assert.ok(he[key].trim() !== '', `he ${key} is empty`);
    assert.deepEqual(placeholders(he[key]), placeholders(en[key]), `placeholders of ${key}`);
  }
});

test('every state, player state and error kind the UI can show has a string', async () => {
  const { STATES, ERROR_KINDS } = await import('../../web/player.js');
  for (const s of ['remote', 'queued', 'running', 'ready', 'failed', 'missing']) assert.ok(en[`state.${s}`], s);
  for (const s of STATES.filter((x) => x !== 'idle')) assert.ok(en[`player.${s}`], `player.${s}`);
  for (const k of ERROR_KINDS) assert.ok(en[`error.${k}`], `error.${k}`);
});

test('every string the code asks for exists in both files', async () => {
  // Keys written literally in web/*.js and data-i18n* attributes in index.html.
  const { readFile, readdir } = await import('node:fs/promises');
  const dir = new URL('../../web/', import.meta.url);
  const used = new Set();
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.js') || n.endsWith('.html'))) {
    const text = await readFile(new URL(f, dir), 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z]+\.[\w.]+)'/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n(?:-[a-z-]+)?="([\w.]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/'((?:lane|code|call\.direction)\.[\w]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 40, `found ${used.size} keys`);
  for (const key of used) {
    assert.ok(Object.hasOwn(en, key), `en.js lacks ${key}`);
    assert.ok(Object.hasOwn(he, key), `he.js lacks ${key}`);
  }
});

test('every error code the server or worker sends has words in both languages', () => {
  const codes = ['recording_not_found', 'upstream_failed', 'upstream_error', 'upstream_auth', 'too_big',
    'io_error', 'invalid_call_sid', 'store_unavailable', 'busy'];
  for (const c of codes) {
    assert.ok(en[`code.${c}`], `en code.${c}`);
    assert.ok(he[`code.${c}`], `he code.${c}`);
    assert.doesNotMatch(he[`code.${c}`], /[A-Za-z]{5,}/, `he code.${c} is Hebrew, not English`);
  }
});

test('pickLanguage: a stored choice wins; he*/iw* → Hebrew; else English', () => {
  assert.equal(pickLanguage(null, ['he-IL', 'en-US']), 'he');
  assert.equal(pickLanguage(null, ['HE']), 'he');
  assert.equal(pickLanguage(null, ['iw']), 'he');
  assert.equal(pickLanguage(null, ['en-GB', 'he']), 'en');
  assert.equal(pickLanguage(null, ['fr-FR', 'he-IL']), 'he');
  assert.equal(pickLanguage(null, ['fr-FR']), 'en');
  assert.equal(pickLanguage(null, []), 'en');
  assert.equal(pickLanguage('en', ['he-IL']), 'en');
  assert.equal(pickLanguage('he', ['en-US']), 'he');
  assert.equal(pickLanguage('xx', ['he-IL']), 'he');
});

test('t() fills placeholders in the current language; RTL for Hebrew only', () => {
  setLanguage('en');
  assert.equal(t('action.play') + t('row.suffix', { sid: 'CA1' }), 'Play recording CA1');
  assert.equal(t('no.such.key'), 'no.such.key');
  assert.equal(isRtl(), false);
  setLanguage('he');
  assert.equal(t('action.play') + t('row.suffix', { sid: 'CA1' }), 'ניגון: הקלטה CA1');
  assert.equal(isRtl(), true);
  setLanguage('en');
});

test('formatDuration: m:ss, h:mm:ss, unknown', () => {
  setLanguage('en');
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(4), '0:04');
  assert.equal(formatDuration(4.4), '0:04');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(3600 + 61), '1:01:01');
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(-1), '—');
  assert.equal(formatDuration('x'), '—');
});
