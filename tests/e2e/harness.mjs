// SPDX-License-Identifier: MIT
/*
 * harness.mjs — what the browser tests share: real processes
 * (build/fake-provider, `recd serve`) on random loopback ports, a headless
 * Debian Chromium through playwright-core, the page's network log and
 * console as the browser reports them, and axe-core's audit.
 * Every process started here is killed by PID in stopAll().
 * Env: RECD_BIN, FAKE_PROVIDER_BIN, CHROMIUM_BIN, E2E_ARTIFACTS (see play.test.mjs).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
export const RECD_BIN = process.env.RECD_BIN || path.join(REPO, 'build/recd');
export const FAKE_PROVIDER_BIN = process.env.FAKE_PROVIDER_BIN || path.join(REPO, 'build/fake-provider');
export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(REPO, 'build/e2e-artifacts');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
export const AXE_PATH = require.resolve('axe-core/axe.min.js');

export const sid = (n) => 'CA' + n.toString(16).padStart(32, '0');

export function freePort() {
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

export async function waitFor(fn, { timeoutMs = 20000, intervalMs = 100, what = 'condition' } = {}) {
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

/** Processes of one test file: start(), then stopAll() in after(). */
export function processes(tmp) {
  const children = [];

  function start(name, bin, args, { env = {}, readyRe = null, timeoutMs = 10000 } = {}) {
    const log = createWriteStream(path.join(tmp, `${name}.log`));
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    child.stderr.pipe(log);
    let out = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready after ${timeoutMs} ms (${tmp}/${name}.log)`)), timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${name}: cannot start ${bin}: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name}: exited (code ${code}, signal ${signal}); see ${tmp}/${name}.log`));
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

  /** fake-provider with knobs ({ channels: 2, latency_ms: 500 }); resolves to its base URL. */
  async function fakeProvider(knobs = {}) {
    const args = ['--listen', '127.0.0.1:0'];
    for (const [k, v] of Object.entries(knobs)) args.push('--' + k.replace(/_/g, '-'), String(v));
    const fp = await start('fake-provider', FAKE_PROVIDER_BIN, args, {
      readyRe: /fake-provider listening on (127\.0\.0\.1:\d+)/,
    });
    return `http://${fp.match[1]}`;
  }

  /** recd serve against providerUrl; resolves to its base URL once /healthz answers. */
  async function recd(providerUrl, extra = []) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { child } = await start(
      'recd',
      RECD_BIN,
      ['serve', '--listen', `127.0.0.1:${port}`, '--db', `sqlite:${tmp}/recd.db`, '--cache-dir', `${tmp}/cache`,
        '--provider', 'twilio', '--twilio-account-sid', 'ACfake00000000000000000000000000000',
        '--twilio-api-base', providerUrl, '--workers', '2', ...extra],
      { env: { RECD_TWILIO_AUTH_TOKEN: 'fake-token' } },
    );
    const exited = new Promise((_, reject) => child.once('exit', (c) => reject(new Error(`recd exited with ${c}; see ${tmp}/recd.log`))));
    exited.catch(() => {});
    await Promise.race([
      exited,
      waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, { timeoutMs: 15000, what: 'recd /healthz' }),
    ]);
    return base;
  }

  async function stopAll() {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM'); // this child's PID only
          }),
      ),
    );
  }

  return { start, fakeProvider, recd, stopAll };
}

export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** Record the page's network log and console as the browser reports them. */
export function watch(page) {
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
  page.on('console', (msg) => w.console.push({ type: msg.type(), text: msg.text() }));
  page.on('pageerror', (err) => w.errors.push(String(err)));
  w.stream = (callSid) =>
    w.requests.filter((r) => r.url.pathname === '/stream' && (!callSid || r.url.searchParams.get('call_sid') === callSid));
  return w;
}

/**
 * axe-core's audit of the page as it is now (all rules axe runs by default).
 * The page's context must be created with bypassCSP: the page's CSP allows
 * only its own scripts. Returns the violations, summarised.
 */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document);
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + n.failureSummary) }));
  });
  return result;
}
