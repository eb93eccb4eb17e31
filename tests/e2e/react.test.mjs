// SPDX-License-Identifier: MIT
/*
 * react.test.mjs — clients/react (useRecordingPlayer, <RecordingPlayer>)
 * in React 18 StrictMode, in a real Chromium against the real recd and the
 * fake provider. The test page (tests/e2e/react/) is served without a build
 * step by a small static server here, which also passes /stream and /api/
 * through to recd one request for one request (so the page and the player
 * are same-origin, as in an app behind a proxy). Requests are counted from
 * Chromium's own network log, and checked against what the proxy passed on
 * and what the fake provider served.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { REPO, launchChromium, processes, sid, waitFor, watch } from './harness.mjs';

const require = createRequire(import.meta.url);
// The packages' UMD builds are files in them, not exported entry points.
const pkgDir = (name) => path.dirname(require.resolve(`${name}/package.json`));
const FILES = {
  '/vendor/react.development.js': path.join(pkgDir('react'), 'umd/react.development.js'),
  '/vendor/react-dom.development.js': path.join(pkgDir('react-dom'), 'umd/react-dom.development.js'),
};
const DIRS = {
  '/react-test/': path.join(REPO, 'tests/e2e/react'),
  '/clients/react/': path.join(REPO, 'clients/react'),
  '/web/': path.join(REPO, 'web'),
};
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.mjs': 'text/javascript' };

let tmp;
let procs;
let providerUrl;
let recdUrl;
let server;
let pageBase;
let browser;
const proxied = [];

function serveFile(res, file) {
  let st;
  try {
    st = statSync(file);
  } catch {
    st = null;
  }
  if (!st?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
  createReadStream(file).pipe(res);
}

function proxy(req, res) {
  const target = new URL(recdUrl);
  proxied.push({ method: req.method, url: req.url });
  const up = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (ur) => {
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  res.on('close', () => up.destroy()); // the browser aborted: so does the request to recd
  req.pipe(up);
}

function handle(req, res) {
  const { pathname } = new URL(req.url, 'http://page');
  if (pathname === '/stream' || pathname.startsWith('/api/')) return proxy(req, res);
  if (FILES[pathname]) return serveFile(res, FILES[pathname]);
  for (const [prefix, dir] of Object.entries(DIRS)) {
    if (!pathname.startsWith(prefix)) continue;
    const rel = path.normalize(decodeURIComponent(pathname.slice(prefix.length)));
    if (rel.startsWith('..') || path.isAbsolute(rel)) break;
    return serveFile(res, path.join(dir, rel));
  }
  res.writeHead(404).end();
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'recd-e2e-react-'));
  procs = processes(tmp);
  providerUrl = await procs.fakeProvider({ latency_ms: 1500, duration_s: 8 });
  recdUrl = await procs.recd(providerUrl);
  server = http.createServer(handle);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  pageBase = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server) {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
  }
  await procs?.stopAll();
  if (tmp && !process.env.E2E_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
});

async function control(knobs) {
  const res = await fetch(`${providerUrl}/_control?${new URLSearchParams(knobs)}`, { method: 'POST' });
  assert.ok(res.ok);
}

async function stats(callSid) {
  return (await fetch(`${providerUrl}/_stats?call_sid=${callSid}`)).json();
}

async function openApp(callSid, mode = 'component') {
  const context = await browser.newContext();
  const page = await context.newPage();
  const w = watch(page);
  await page.goto(`${pageBase}/react-test/index.html?sid=${callSid}&mode=${mode}`);
  await page.locator(mode === 'hook' ? '#hook-toggle' : '.recd-player button').waitFor();
  return { context, page, w };
}

const heads = (w, s) => w.stream(s).filter((r) => r.method === 'HEAD');
const gets = (w, s) => w.stream(s).filter((r) => r.method === 'GET');
const audioPlaying = (page) =>
  page.evaluate(() => [...document.querySelectorAll('audio')].some((a) => !a.paused && a.currentTime > 0.3));

for (const mode of ['component', 'hook']) {
  test(`${mode}: StrictMode and a re-render storm — one Play, at most two readiness requests, one media request`, async () => {
    const s = sid(mode === 'hook' ? 0x4ea002 : 0x4ea001);
    const { context, page, w } = await openApp(s, mode);
    // StrictMode has mounted, unmounted and mounted the effects: no request yet.
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(() => window.testApp.probe), { mounts: 2, unmounts: 1 }, 'StrictMode double-ran effects');
    assert.equal(w.stream(s).length, 0, 'mounting alone fetches nothing');
    await page.evaluate(() => window.testApp.setStorm(true));
    await page.waitForTimeout(100);
    await page.locator(mode === 'hook' ? '#hook-toggle' : '.recd-player button').click();
    await waitFor(() => audioPlaying(page), { timeoutMs: 20000, what: 'audio playing' });
    const ticks = Number(await page.locator('#tick').innerText());
    await page.evaluate(() => window.testApp.setStorm(false));
    assert.ok(ticks > 50, `re-rendered ${ticks} times meanwhile`);

    assert.ok(heads(w, s).length >= 1 && heads(w, s).length <= 2, `readiness requests: ${heads(w, s).length}`);
    assert.equal(gets(w, s).length, 1, `media requests: ${gets(w, s).map((r) => r.status)}`);
    assert.ok(gets(w, s).every((r) => r.status === 200 || r.status === 206), 'no media request answered 202');
    const upstream = proxied.filter((r) => r.url === `/stream?call_sid=${s}`);
    assert.equal(upstream.length, heads(w, s).length + gets(w, s).length, 'recd saw exactly what Chromium sent');
    assert.equal((await stats(s)).media_ok, 1, 'the provider served the recording once');
    const events = await page.evaluate(() => window.testApp.events);
    assert.equal(events.filter((e) => e === `${s}:checking`).length, 1, `one check: ${events}`);
    assert.deepEqual(w.errors, []);
    await context.close();
  });
}

test('hook: a new call SID aborts the old check; unmounting aborts the check in flight', async () => {
  const a = sid(0x4ea003);
  const b = sid(0x4ea004);
  const c = sid(0x4ea005);
  await control({ latency_ms: 5000 });
  try {
    const { context, page, w } = await openApp(a, 'hook');
    await page.locator('#hook-toggle').click();
    await waitFor(async () => heads(w, a).length === 1, { what: "a's check" });
    await page.evaluate((s) => window.testApp.setSid(s), b);
    await waitFor(async () => heads(w, a)[0]?.failure, { what: "a's check aborted" });
    assert.equal(await page.locator('#hook-state').innerText(), 'idle');
    assert.equal(w.stream(b).length, 0, 'no autoPlay: b waits for a click');
    assert.equal(gets(w, a).length, 0);

    await page.evaluate((s) => window.testApp.setSid(s), c);
    await page.locator('#hook-toggle').click();
    await waitFor(async () => heads(w, c).length === 1, { what: "c's check" });
    await page.evaluate(() => window.testApp.setMounted(false));
    await waitFor(async () => heads(w, c)[0]?.failure, { what: "c's check aborted on unmount" });
    await page.waitForTimeout(300);
    assert.equal(heads(w, c).length, 1, 'nothing after unmount');
    assert.equal(gets(w, c).length, 0);
    assert.deepEqual(w.errors, []);
    await context.close();
  } finally {
    await control({ latency_ms: 1500 });
  }
});
