// SPDX-License-Identifier: MIT
/*
 * screen.test.mjs — the screen people review calls in, in a real Chromium
 * against the real recd and the fake provider (dual-channel 20 s WAVs):
 * call details in the rows, the two-lane waveform (drawn, click-to-seek,
 * keyboard), listening controls (speed, skip, Space, help, download,
 * position remembered), Hebrew failure texts from error codes, and
 * axe-core's audit with zero violations on the idle, loading, playing and
 * error states in both languages. Screenshots: build/e2e-artifacts/screen-{en,he}.png.
 *   (cd tests/e2e && npm ci) && node --test tests/e2e/
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ARTIFACTS, axeViolations, launchChromium, processes, sid, waitFor, watch } from './harness.mjs';

const DUAL = sid(0x5c0001);
const OUTBOUND = sid(0x5c0002);
const PLAIN = sid(0x5c0003); // registered without call details (an older client)
const FAILING = sid(0x5c0004);
const MISSING = 'CAmissing' + '0'.repeat(23) + '5c05';
const DURATION = 20;

const DETAILS = {
  [DUAL]: { from: '+14155550123', to: '+972501234567', direction: 'inbound', agent: 'Dana Levi',
    started_at: '2026-11-24T09:15:00Z', duration_s: DURATION, channels: 2, labels: ['billing', 'vip'] },
  [OUTBOUND]: { from: '+972501234567', to: '+442071234567', direction: 'outbound-api', agent: 'יוסי כהן',
    started_at: '2026-11-24T10:30:00Z', duration_s: DURATION, channels: 2, labels: [] },
  [FAILING]: { from: '+14155550188', to: '+14155550199', direction: 'inbound', agent: 'Sam' },
  [MISSING]: { from: '+14155550177', to: '+14155550166', direction: 'inbound' },
};

let tmp;
let procs;
let providerUrl;
let baseUrl;
let browser;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'recd-e2e-screen-'));
  await mkdir(ARTIFACTS, { recursive: true });
  procs = processes(tmp);
  providerUrl = await procs.fakeProvider({ channels: 2, duration_s: DURATION, latency_ms: 300 });
  baseUrl = await procs.recd(providerUrl, ['--max-attempts', '1']);
  const body = [DUAL, OUTBOUND, PLAIN, FAILING, MISSING].map((call_sid) => ({ call_sid, ...(DETAILS[call_sid] ?? {}) }));
  const res = await fetch(`${baseUrl}/api/recordings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `registering: HTTP ${res.status} ${await res.text()}`);
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  await procs?.stopAll();
  if (tmp && !process.env.E2E_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
});

async function control(knobs) {
  const q = new URLSearchParams(knobs);
  const res = await fetch(`${providerUrl}/_control?${q}`, { method: 'POST' });
  assert.ok(res.ok, `fake-provider /_control: ${res.status}`);
}

/*
 * The call-detail fields come from branch `store` (POST /api/recordings
 * and the list JSON). Until the server returns them, the list answer from
 * the real recd is completed with the same details registered above, so
 * the rendering is exercised either way; once the server has them this
 * changes nothing (items that carry `from` pass through untouched).
 */
async function completeDetails(page) {
  await page.route(/\/api\/recordings(\?.*)?$/, async (route) => {
    const res = await route.fetch();
    const doc = await res.json();
    for (const item of doc.items ?? []) {
      if (!('from' in item) && DETAILS[item.call_sid]) Object.assign(item, DETAILS[item.call_sid]);
    }
    await route.fulfill({ response: res, json: doc });
  });
}

async function openScreen(locale, { width = 1100, height = 860 } = {}) {
  const context = await browser.newContext({ locale, viewport: { width, height }, bypassCSP: true });
  const page = await context.newPage();
  const w = watch(page);
  await completeDetails(page);
  await page.goto(`${baseUrl}/`);
  await page.locator(`li.rec[data-sid="${DUAL}"]`).waitFor({ timeout: 10000 });
  return { context, page, w };
}

const row = (page, s) => page.locator(`li.rec[data-sid="${s}"]`);
const audio = (page) => page.evaluate(() => {
  const a = document.getElementById('audio');
  return { t: a.currentTime, d: a.duration, paused: a.paused, rate: a.playbackRate, pitch: a.preservesPitch, src: a.src };
});

async function assertNoAxe(page, what) {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `axe violations (${what}): ${JSON.stringify(v, null, 1)}`);
}

/* Play s and catch the loading state: the provider answers slowly meanwhile. */
async function playThroughLoading(page, s, onLoading) {
  await control({ latency_ms: 3000 });
  await row(page, s).locator('button.play').click();
  await waitFor(async () => ['checking', 'waiting', 'ready'].includes(await row(page, s).getAttribute('data-player')), { what: 'loading' });
  await onLoading();
  await control({ latency_ms: 300 });
  await waitFor(async () => (await row(page, s).getAttribute('data-player')) === 'playing', { what: `${s} playing` });
}

async function waveformDrawn(page) {
  await waitFor(() => page.evaluate(() => window.recd.waveform.peaks && !window.recd.waveform.peaks.partial), { what: 'complete peaks' });
  // Ink in both lanes of the canvas: the top half (parent leg) and the bottom half (child leg).
  return page.evaluate(() => {
    const c = document.querySelector('#wave canvas');
    const ctx = c.getContext('2d');
    const ink = (y0, y1) => {
      const d = ctx.getImageData(0, y0, c.width, y1 - y0).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    };
    return { top: ink(0, Math.floor(c.height / 2)), bottom: ink(Math.ceil(c.height / 2), c.height), w: c.width, h: c.height };
  });
}

test('English: call details, a two-lane waveform to seek by, listening controls, zero axe violations', async () => {
  const { context, page, w } = await openScreen('en-US');
  await assertNoAxe(page, 'en idle');

  // Call details: numbers in readable groups, isolated ltr; agent; direction; labels.
  const dual = row(page, DUAL);
  assert.deepEqual(await dual.locator('.call .num').allInnerTexts(), ['+1 415 555 0123', '+972 50 123 4567']);
  assert.deepEqual(await dual.locator('.call bdi.num').evaluateAll((els) => els.map((e) => e.dir)), ['ltr', 'ltr']);
  assert.equal(await dual.locator('.call .agent').innerText(), 'Dana Levi');
  assert.equal(await dual.locator('.call .dir').innerText(), 'Incoming call');
  assert.deepEqual(await dual.locator('.chip').allInnerTexts(), ['billing', 'vip']);
  const when = await dual.locator('time').getAttribute('datetime');
  assert.equal(when, DETAILS[DUAL].started_at, 'the call start time, shown in local time');
  assert.equal(await row(page, PLAIN).locator('.call').isHidden(), true, 'no details: nothing shown, nothing broken');
  assert.equal(await row(page, OUTBOUND).locator('.call .dir').innerText(), 'Outgoing call');

  // Loading (label-content-name-mismatch was here), then playing.
  await playThroughLoading(page, DUAL, async () => {
    const name = await dual.locator('button.play').textContent();
    assert.match(name, /^Loading…/);
    await assertNoAxe(page, 'en loading');
  });
  await assertNoAxe(page, 'en playing');

  // The waveform: two lanes (customer = parent leg of an inbound call, agent).
  const ink = await waveformDrawn(page);
  assert.ok(ink.top > 500 && ink.bottom > 500, `both lanes drawn: ${JSON.stringify(ink)}`);
  assert.deepEqual(await page.locator('#wave .lane-label').allInnerTexts(), ['Customer', 'Agent']);
  const peaks = await page.evaluate(() => window.recd.waveform.peaks);
  assert.equal(peaks.channels.length, 2);
  assert.equal(peaks.duration, DURATION);
  await page.screenshot({ path: path.join(ARTIFACTS, 'screen-en.png') });

  // Click-to-seek lands within 1 s of the clicked time; drag too.
  await page.locator('#toggle').click(); // pause, so the position stays put
  await waitFor(async () => (await audio(page)).paused, { what: 'paused' });
  const box = await page.locator('#wave').boundingBox();
  await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
  let a = await audio(page);
  assert.ok(Math.abs(a.t - 0.75 * a.d) < 1, `clicked at 75 % of ${a.d} s, at ${a.t} s`);
  assert.equal(await page.locator('#wave').getAttribute('aria-valuenow'), String(Math.round(a.t)));
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  a = await audio(page);
  assert.ok(Math.abs(a.t - 0.4 * a.d) < 1, `dragged to 40 %, at ${a.t} s`);

  // Keyboard on the slider: Home, arrows (5 s), End.
  await page.locator('#wave').focus();
  await page.keyboard.press('Home');
  assert.equal((await audio(page)).t, 0);
  await page.keyboard.press('ArrowRight');
  assert.equal((await audio(page)).t, 5);
  assert.match(await page.locator('#wave').getAttribute('aria-valuetext'), /^0:05 of 0:20$/);

  // Speed: playbackRate with pitch preserved.
  await page.locator('#speed').selectOption('1.5');
  a = await audio(page);
  assert.equal(a.rate, 1.5);
  assert.equal(a.pitch, true);
  // Skip buttons and page shortcuts (←/→ 10 s, Space plays/pauses).
  await page.locator('#forward').click();
  assert.equal((await audio(page)).t, 15);
  await page.locator('h1').click();
  await page.keyboard.press('ArrowLeft');
  assert.equal((await audio(page)).t, 5);
  await page.keyboard.press('Space');
  await waitFor(async () => !(await audio(page)).paused, { what: 'Space plays' });
  assert.equal((await audio(page)).rate, 1.5, 'speed kept');
  await page.keyboard.press('Space');
  await waitFor(async () => (await audio(page)).paused, { what: 'Space pauses' });

  // The help popover documents the shortcuts.
  await page.locator('#help-button').click();
  assert.equal(await page.locator('#help').evaluate((e) => e.matches(':popover-open')), true);
  assert.match(await page.locator('#help').innerText(), /Space[\s\S]*Play or pause/);
  await assertNoAxe(page, 'en help open');
  await page.keyboard.press('Escape');

  // Download: the server names the file <call_sid>.<ext>.
  const dl = page.locator('#download');
  assert.equal(await dl.getAttribute('href'), `/stream?call_sid=${DUAL}`);
  assert.equal(await dl.getAttribute('download'), '');
  const head = await fetch(`${baseUrl}/stream?call_sid=${DUAL}`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-disposition'), `inline; filename="${DUAL}.wav"`);

  // The position is remembered for the session: stop, play again, it resumes.
  await page.locator('#wave').focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight'); // 10 s
  await page.waitForTimeout(300);
  await page.locator('#stop').click();
  await waitFor(async () => (await dual.getAttribute('data-player')) === 'idle', { what: 'stopped' });
  assert.equal(await page.evaluate((s) => sessionStorage.getItem('recd.pos.' + s), DUAL), '10');
  await dual.locator('button.play').click();
  await waitFor(async () => (await dual.getAttribute('data-player')) === 'playing', { what: 'playing again' });
  a = await audio(page);
  assert.ok(a.t >= 9.9 && a.t < 13, `resumed at ${a.t} s`);

  // Error state in English.
  await row(page, MISSING).locator('button.play').click();
  await row(page, MISSING).locator('.err').waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await row(page, MISSING).locator('.err p').innerText(), 'The provider has no recording for this call.');
  await assertNoAxe(page, 'en error');
  assert.deepEqual(w.errors, []);
  await context.close();
});

test('Hebrew: failures in Hebrew from their codes, numbers isolated, two lanes, zero axe violations', async () => {
  const { context, page, w } = await openScreen('he-IL');
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  await assertNoAxe(page, 'he idle');
  const out = row(page, OUTBOUND);
  assert.deepEqual(await out.locator('.call .num').allInnerTexts(), ['+972 50 123 4567', '+44 207 123 4567']);
  assert.equal(await out.locator('.call .dir').innerText(), 'שיחה יוצאת');
  assert.equal(await out.locator('.call .agent').innerText(), 'יוסי כהן');

  // A recording the provider lacks: the sentence comes from the code, in Hebrew.
  await row(page, MISSING).locator('button.play').click();
  const missingErr = row(page, MISSING).locator('.err p');
  await missingErr.waitFor({ state: 'visible', timeout: 15000 });
  assert.equal(await missingErr.innerText(), 'אצל הספק אין הקלטה של השיחה הזו.');
  await assertNoAxe(page, 'he error (missing)');

  // A fetch that fails: Hebrew from upstream_failed; the server's English only as a marked detail.
  await control({ fail_first: 1000 });
  await row(page, FAILING).locator('button.play').click();
  const err = row(page, FAILING).locator('.err');
  await err.waitFor({ state: 'visible', timeout: 20000 });
  await control({ fail_first: 0 });
  const text = await err.locator('p').innerText();
  assert.match(text, /^הורדת ההקלטה מהספק נכשלה/);
  const detail = err.locator('.err-detail [lang="en"]');
  assert.equal(await detail.getAttribute('dir'), 'ltr');
  assert.ok((await detail.innerText()).length > 0, 'the server message is kept as a detail');
  assert.match(await err.locator('.err-detail').innerText(), /^פרטים מהשרת:/);
  await assertNoAxe(page, 'he error (failed)');

  // Loading and playing in Hebrew; the Pause button's name contains its visible word.
  await playThroughLoading(page, OUTBOUND, async () => {
    assert.match(await out.locator('button.play').textContent(), /^טוען…/);
    await assertNoAxe(page, 'he loading');
  });
  assert.equal(await out.locator('button.play').textContent(), `השהיה: הקלטה ${OUTBOUND}`, 'the name starts with the visible word');
  await assertNoAxe(page, 'he playing');
  const ink = await waveformDrawn(page);
  assert.ok(ink.top > 500 && ink.bottom > 500, JSON.stringify(ink));
  assert.deepEqual(await page.locator('#wave .lane-label').allInnerTexts(), ['נציג', 'לקוח'], 'outbound: the agent placed the call');
  assert.equal(await page.locator('#wave').getAttribute('dir'), 'ltr', 'time runs left to right');
  await page.screenshot({ path: path.join(ARTIFACTS, 'screen-he.png') });

  // Narrow screens: nothing overflows with the bar open.
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow at 375 px: ${overflow}px`);
  await assertNoAxe(page, 'he playing, 375 px');
  await page.screenshot({ path: path.join(ARTIFACTS, 'screen-he-375.png') });
  assert.deepEqual(w.errors, []);
  await context.close();
});
