// SPDX-License-Identifier: MIT
/*
 * pending.test.js — a recording the provider is still processing (SPEC §3,
 * "Not ready yet is not a failure"): the row says so in both languages
 * instead of the generic "waiting", until bytes flow.  node --test tests/web/
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import en from '../../web/i18n/en.js';
import he from '../../web/i18n/he.js';
import { isPending } from '../../web/list.js';

test('the pending text exists in English and Hebrew', () => {
  assert.equal(en['progress.pending'], 'Twilio is still processing this recording');
  assert.ok(he['progress.pending'].includes('Twilio'));
  assert.notEqual(he['progress.pending'], en['progress.pending']);
});

test('a row is pending from the item or its newest run, until bytes flow', () => {
  assert.equal(isPending({ item: { state: 'queued', pending: true } }), true);
  assert.equal(isPending({ item: { state: 'queued', pending: false } }), false);
  assert.equal(isPending({ item: { state: 'running' }, run: { pending: true, bytes_done: 0 } }), true);
  assert.equal(isPending({ item: { state: 'running' }, run: { pending: true, bytes_done: 10 } }), false);
  assert.equal(isPending({ item: { state: 'queued' }, run: null }), false);
  assert.equal(isPending({ item: {} }), false);
});
