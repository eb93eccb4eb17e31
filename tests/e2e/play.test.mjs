// SPDX-License-Identifier: MIT
/*
 * play.test.mjs — the recordings screen in a real browser against real
 * processes: build/fake-provider (3 s media latency) and `recd serve`
 * (SQLite, 2 workers), driven by headless Chromium through playwright-core.
 * Assertions come from the browser's own network log and console, and from
 * the fake provider's /_stats (how often the media was really fetched).
 *
 *   (cd tests/e2e && npm ci) && node --test tests/e2e/
 * Env: RECD_BIN, FAKE_PROVIDER_BIN (default <repo>/build/…), CHROMIUM_BIN
 * (default /usr/bin/chromium), E2E_ARTIFACTS (default <repo>/build/e2e-artifacts).
 * Every process started here is killed by PID in after().
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const RECD_BIN = process.env.RECD_BIN || path.join(REPO, 'build/recd');
const FAKE_PROVIDER_BIN = process.env.FAKE_PROVIDER_BIN || path.join(REPO, 'build/fake-provider');
const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, 'build/e2e-artifacts');
const { chromium } = createRequire(import.meta.url)('playwright-core');

const sid = (n) => 'CA' + n.toString(16).padStart(32, '0');
const ONE = sid(0xe2e001); // test 1: one click
const THREE = [sid(0xe2e002), sid(0xe2e003), sid(0xe2e004)]; // test 2: three quick clicks
const MISSING = 'CAmissing' + '0'.repeat(24) + 'e2e'; // the fake provider lists nothing for it
const OTHERS = [sid(0xe2e005), sid(0xe2e006), sid(0xe2e007)];
const ALL = [ONE, ...THREE, MISSING, ...OTHERS];

const children = [];
let tmp;
let providerUrl;
let baseUrl;
let browser;

/* ---- processes ------------------------------------------------------------ */

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Spawn bin with its output in <tmp>/<name>.log; resolves on readyRe (stdout) if given. */
function start(name, bin, args, { env = {}, readyRe = null, timeoutMs = 10000 } = {}) {
  const log = createWriteStream(path.join(tmp, `${name}.log`));
  const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push({ name, child });
  child.stderr.pipe(log);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready after ${timeoutMs} ms (see ${tmp}/${name}.log)`)), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${name}: cannot start ${bin}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited early (code ${code}, signal ${signal}); see ${tmp}/${name}.log`));
    });
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      out += chunk;
      const m = readyRe ? readyRe.exec(out) : null;
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m });
      }
    });
    if (!readyRe) {
      clearTimeout(timer);
      resolve({ child, match: null });
    }
  });
}

async function stopAll() {
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM'); // by PID: ChildProcess.kill signals exactly this child
        }),
    ),
  );
}

async function waitFor(fn, { timeoutMs = 20000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function providerStats(callSid) {
  const res = await fetch(`${providerUrl}/_stats?call_sid=${encodeURIComponent(callSid)}`);
  return res.json();
}

/* ---- the browser side ------------------------------------------------------- */

/** Record the page's network log and console as the browser reports them. */
function watch(page) {
  const w = { requests: [], console: [], errors: [] };
  page.on('request', (req) => {
    w.requests.push({ req, url: new URL(req.url()), method: req.method(), status: null, failure: null });
  });
  page.on('response', (res) => {
    const r = w.requests.find((x) => x.req === res.request());
    if (r) r.status = res.status();
  });
  page.on('requestfailed', (req) => {
    const r = w.requests.find((x) => x.req === req);
    if (r) r.failure = req.failure()?.errorText ?? 'failed';
  });
  page.on('console', (msg) => {
    w.console.push({ type: msg.type(), text: msg.text() });
  });
  page.on('pageerror', (err) => w.errors.push(String(err)));
  w.stream = (callSid) =>
    w.requests.filter((r) => r.url.pathname === '/stream' && (!callSid || r.url.searchParams.get('call_sid') === callSid));
  w.streamingLines = () => w.console.filter((m) => m.text.startsWith('Streaming from'));
  w.consoleErrors = () => w.console.filter((m) => m.type === 'error');
  return w;
}

async function openScreen({ locale = 'en-US', width = 1024, height = 800 } = {}) {
  const context = await browser.newContext({ locale, viewport: { width, height } });
  const page = await context.newPage();
  const w = watch(page);
  await page.goto(`${baseUrl}/`);
  await page.locator('li.rec').first().waitFor({ timeout: 10000 });
  return { context, page, w };
}

const rowSel = (callSid) => `li.rec[data-sid="${callSid}"]`;

async function audioState(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('audio')].map((a) => ({ src: a.src, paused: a.paused, t: a.currentTime })),
  );
}

/* ---- setup ---------------------------------------------------------------- */

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'recd-e2e-'));
  await mkdir(ARTIFACTS, { recursive: true });

  const fp = await start('fake-provider', FAKE_PROVIDER_BIN, ['--listen', '127.0.0.1:0', '--latency-ms', '3000'], {
    readyRe: /fake-provider listening on (127\.0\.0\.1:\d+)/,
  });
  providerUrl = `http://${fp.match[1]}`;

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // recd logs to stderr; its readiness is /healthz, polled below.
  await start(
    'recd',
    RECD_BIN,
    [
      'serve',
      '--listen', `127.0.0.1:${port}`,
      '--db', `sqlite:${tmp}/recd.db`,
      '--cache-dir', `${tmp}/cache`,
      '--provider', 'twilio',
      '--twilio-account-sid', 'ACfake00000000000000000000000000000',
      '--twilio-api-base', providerUrl,
      '--workers', '2',
    ],
    { env: { RECD_TWILIO_AUTH_TOKEN: 'fake-token' } },
  );
  const recd = children.at(-1).child;
  const exited = new Promise((_, reject) =>
    recd.once('exit', (code) => reject(new Error(`recd exited with ${code}; see ${tmp}/recd.log`))),
  );
  exited.catch(() => {});
  await Promise.race([
    exited,
    waitFor(async () => (await fetch(`${baseUrl}/healthz`)).status === 200, { timeoutMs: 15000, what: 'recd /healthz' }),
  ]);

  const res = await fetch(`${baseUrl}/api/recordings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ALL.map((call_sid) => ({ call_sid }))),
  });
  assert.ok(res.ok, `registering recordings: HTTP ${res.status} ${await res.text()}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  // launch() gives every run a fresh, throw-away profile; each test adds a fresh context.
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  await stopAll();
  if (tmp && !process.env.E2E_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
});

/* ---- tests ---------------------------------------------------------------- */

test('one click on an uncached recording: one check, one fetch, it plays', async () => {
  const { context, page, w } = await openScreen();
  const row = page.locator(rowSel(ONE));
  assert.equal(await row.getAttribute('data-state'), 'remote');

  await row.locator('button.play').click();
  // While the 3 s fetch runs, the row polls /api/recordings/{sid} and shows a real progress bar.
  await row.locator('progress').waitFor({ state: 'visible', timeout: 3000 });
  await waitFor(async () => (await audioState(page))[0]?.t > 1, { timeoutMs: 20000, what: 'currentTime > 1' });

  const heads = w.stream(ONE).filter((r) => r.method === 'HEAD');
  const gets = w.stream(ONE).filter((r) => r.method === 'GET');
  assert.ok(heads.length >= 1 && heads.length <= 2, `readiness checks: ${heads.length}`);
  assert.deepEqual(
    gets.filter((r) => r.status === 202).map((r) => r.url.href),
    [],
    'no media request was answered 202',
  );
  assert.ok(gets.length >= 1, 'the audio element fetched the media');
  assert.deepEqual(
    w.streamingLines().map((m) => m.text),
    [`Streaming from /stream?call_sid=${ONE}`],
  );
  assert.deepEqual(w.consoleErrors(), []);
  assert.deepEqual(w.errors, []);
  const polls = w.requests.filter((r) => r.url.pathname === `/api/recordings/${ONE}`);
  assert.ok(polls.length >= 1, 'progress came from the JSON API, not /stream');

  const stats = await providerStats(ONE);
  assert.equal(stats.media_ok, 1, `fake provider: ${JSON.stringify(stats)}`);
  assert.equal(await row.getAttribute('data-player'), 'playing');
  await waitFor(async () => (await row.getAttribute('data-state')) === 'ready', { what: 'row state ready' });
  const audios = await audioState(page);
  assert.equal(audios.length, 1);
  assert.equal(audios[0].paused, false);

  await page.screenshot({ path: path.join(ARTIFACTS, 'en.png'), fullPage: false });
  await context.close();
});

test('three quick clicks: only the last plays, the other checks are aborted', async () => {
  const { context, page, w } = await openScreen();
  for (const s of THREE) await page.locator(rowSel(s)).locator('button.play').click();
  const last = THREE.at(-1);
  await waitFor(async () => (await audioState(page)).some((a) => a.t > 0.5), { what: 'the last one playing' });

  const audios = await audioState(page);
  const playing = audios.filter((a) => !a.paused);
  assert.equal(playing.length, 1, JSON.stringify(audios));
  assert.ok(playing[0].src.endsWith(`/stream?call_sid=${last}`), playing[0].src);
  const state = await page.evaluate(() => ({ ...window.recd.playing }));
  assert.equal(state.callSid, last);
  assert.equal(state.state, 'playing');

  for (const s of THREE.slice(0, -1)) {
    assert.equal(await page.locator(rowSel(s)).getAttribute('data-player'), 'idle', s);
    const heads = w.stream(s).filter((r) => r.method === 'HEAD');
    assert.equal(heads.length, 1, `${s}: one check`);
    assert.ok(heads[0].failure, `${s}: its check was aborted (status ${heads[0].status})`);
    assert.equal(w.stream(s).filter((r) => r.method === 'GET').length, 0, `${s}: no media request`);
  }
  assert.ok(w.stream(last).filter((r) => r.method === 'HEAD').length <= 2);
  assert.deepEqual(
    w.streamingLines().map((m) => m.text),
    [`Streaming from /stream?call_sid=${last}`],
  );
  assert.deepEqual(w.consoleErrors(), []);
  assert.deepEqual(w.errors, []);
  await context.close();
});

test('a recording the provider does not have: the row says so', async () => {
  const { context, page, w } = await openScreen();
  const row = page.locator(rowSel(MISSING));
  await row.locator('button.play').click();
  await row.locator('.err').waitFor({ state: 'visible', timeout: 15000 });
  assert.match(await row.locator('.err').innerText(), /no recording/i);
  assert.equal(await row.getAttribute('data-player'), 'error');
  assert.equal(w.streamingLines().length, 0);
  assert.equal(w.stream(MISSING).filter((r) => r.method === 'GET').length, 0);
  // The only console error allowed is Chrome's own note about the 404 itself.
  for (const m of w.consoleErrors()) assert.match(m.text, /404/);
  assert.deepEqual(w.errors, []);
  await context.close();
});

test('Hebrew: right-to-left, translated, the switch persists; narrow screens stack', async () => {
  const { context, page, w } = await openScreen({ locale: 'he-IL' });
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'he');
  assert.equal(await page.locator('h1').innerText(), 'הקלטות');
  assert.equal(await page.locator('[data-lang="he"]').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator(rowSel(ONE)).locator('.sid').getAttribute('dir'), 'ltr');
  await page.screenshot({ path: path.join(ARTIFACTS, 'he.png'), fullPage: false });

  // Keyboard: Tab reaches the first row's Play button, and focus is visible.
  let focused = null;
  for (let i = 0; i < 8 && !focused?.play; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return { play: el.matches('li.rec button.play'), label: el.textContent, outline: style.outlineStyle };
    });
  }
  assert.ok(focused?.play, 'Tab reaches a Play button');
  assert.match(focused.label, /^ניגון: הקלטה CA/); // the visible word, then the recording
  assert.notEqual(focused.outline, 'none', 'focus is visible');

  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `horizontal overflow at 375 px: ${overflow}px`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'he-375.png'), fullPage: false });

  await page.locator('[data-lang="en"]').click();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'ltr');
  await page.reload();
  await page.locator('li.rec').first().waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'the choice survives a reload');
  assert.deepEqual(w.errors, []);
  await context.close();
});
