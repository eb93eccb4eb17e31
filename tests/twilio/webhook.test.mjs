// SPDX-License-Identifier: MIT
/*
 * webhook.test.mjs — recd's recording-status webhook against Twilio's own
 * helper library (npm `twilio` 6.x, the package Twilio's Node customers
 * validate with). Every callback is signed by its getExpectedTwilioSignature
 * over the URL as Twilio would have it configured — with and without a
 * query string, with and without the port, values with + & % space é 日本,
 * repeated keys — and recd must answer 200 and register it. Each tampered
 * variant must get 403 and change nothing. A final table checks recd's
 * verdict against the helper's validateRequest for many URL spellings.
 *
 *   (cd tests/twilio && npm ci) && node --test tests/twilio/
 * The fake provider's own signed callbacks (which recd's integration tests
 * rely on) are checked with the helper's validateRequest as well.
 *
 * Env: RECD_BIN, FAKE_PROVIDER_BIN (default <repo>/build/…). Real `recd
 * serve` processes on random loopback ports (SQLite, no workers) and the
 * fake provider, killed by PID in after().
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import querystring from 'node:querystring';
import { fileURLToPath } from 'node:url';

const twilio = createRequire(import.meta.url)('twilio');
const { getExpectedTwilioSignature, validateRequest } = twilio;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const RECD_BIN = process.env.RECD_BIN || path.join(REPO, 'build/recd');
const FAKE_PROVIDER_BIN = process.env.FAKE_PROVIDER_BIN || path.join(REPO, 'build/fake-provider');
const TOKEN = 'twilio-test-token-6f1c2';
const ACCOUNT = 'AC' + 'a'.repeat(32);
const HOOK = '/webhooks/twilio/recording-status';
const NASTY = 'a+b & c%20d 100% é 日本 =?&';

const children = [];
let tmp;
let seq = 0;

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

async function waitFor(fn, what, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `recd serve` whose --public-url is publicUrl(port) (or none). */
async function startRecd(name, publicUrl) {
  const port = await freePort();
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--db', `sqlite:${tmp}/${name}.db`,
    '--cache-dir', `${tmp}/${name}-cache`, '--workers', '0', '--twilio-account-sid', ACCOUNT];
  const pub = publicUrl ? publicUrl(port) : null;
  if (pub) args.push('--public-url', pub);
  const env = { ...process.env, RECD_TWILIO_AUTH_TOKEN: TOKEN };
  for (const k of Object.keys(env)) if (k.startsWith('RECD_') && k !== 'RECD_TWILIO_AUTH_TOKEN') delete env[k];
  const child = spawn(RECD_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(path.join(tmp, `${name}.log`));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, `${name} /healthz`);
  return { port, base, pub: pub ?? `http://127.0.0.1:${port}` };
}

/* ---- callbacks ------------------------------------------------------------ */

function freshCall() {
  seq++;
  return { call: 'CA' + (0xc0ffee000 + seq).toString(16).padStart(32, '0'),
           rec: 'RE' + (0xbeef000 + seq).toString(16).padStart(32, '0') };
}

/** Twilio's recording status callback parameters (params as the helper takes them). */
function callbackParams({ call, rec }, extra = {}) {
  return {
    AccountSid: ACCOUNT,
    CallSid: call,
    RecordingSid: rec,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${rec}`,
    RecordingStatus: 'completed',
    RecordingDuration: '4',
    RecordingChannels: '1',
    RecordingSource: 'OutboundAPI',
    ...extra,
  };
}

/** The form body for params; an array value repeats its key. */
function formBody(params) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  }
  return body.toString();
}

function without(params, key) {
  const copy = { ...params };
  delete copy[key];
  return copy;
}

async function post(server, target, body, signature) {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (signature !== undefined) headers['X-Twilio-Signature'] = signature;
  const res = await fetch(server.base + target, { method: 'POST', headers, body });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function recording(server, call) {
  const res = await fetch(`${server.base}/api/recordings/${call}`);
  return res.status === 200 ? res.json() : null;
}

async function count(server) {
  const res = await fetch(`${server.base}/api/recordings?limit=500`);
  return (await res.json()).items.length;
}

/** The public URL spelled with or without its port (as Twilio has signed both). */
function spell(pub, withPort) {
  const u = new URL(pub);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname}${withPort ? ':' + port : ''}`;
}

/* ---- set-up --------------------------------------------------------------- */

let explicitPort; // --public-url http://127.0.0.1:PORT (recd's own address)
let defaultPort;  // --public-url https://recd.example.com (behind a TLS proxy)
let hostHeader;   // no --public-url: http://Host

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'recd-twilio-'));
  explicitPort = await startRecd('explicit', (port) => `http://127.0.0.1:${port}`);
  defaultPort = await startRecd('default', () => 'https://recd.example.com');
  hostHeader = await startRecd('host', null);
});

after(async () => {
  for (const child of children) {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  if (tmp && !process.env.RECD_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
});

/* ---- the tests ------------------------------------------------------------ */

const QUERIES = ['', '?tenant=acme', '?tenant=acme%20corp&x=%C3%A9&tenant=b%2Bc'];

test('callbacks signed by the twilio package are accepted: query or not, port or not', async () => {
  for (const server of [explicitPort, defaultPort, hostHeader]) {
    for (const query of QUERIES) {
      for (const withPort of [false, true]) {
        const ids = freshCall();
        const params = callbackParams(ids, { Note: NASTY, Repeated: ['b', 'a', 'a b', '日本'] });
        const signedUrl = spell(server.pub, withPort) + HOOK + query;
        const signature = getExpectedTwilioSignature(TOKEN, signedUrl, params);
        // The helper itself accepts it for the URL recd reconstructs.
        assert.ok(validateRequest(TOKEN, signature, server.pub + HOOK + query, params));
        const r = await post(server, HOOK + query, formBody(params), signature);
        assert.equal(r.status, 200, `${signedUrl}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.registered, true);
        const item = await recording(server, ids.call);
        assert.ok(item, `${ids.call} registered`);
        assert.equal(item.recording_sid, ids.rec);
        assert.equal(item.duration_s, 4);
      }
    }
  }
});

test('each tampered callback is refused with 403 and changes nothing', async () => {
  const server = explicitPort;
  // A registered recording that a forged callback must not change.
  const ids = freshCall();
  const params = callbackParams(ids, { Note: NASTY, Repeated: ['x', 'y'] });
  const query = '?tenant=acme';
  const url = server.pub + HOOK + query;
  const good = getExpectedTwilioSignature(TOKEN, url, params);
  assert.equal((await post(server, HOOK + query, formBody(params), good)).status, 200);
  const before = await recording(server, ids.call);
  const total = await count(server);

  const other = { ...ids, rec: 'RE' + 'f'.repeat(32) };
  const forged = callbackParams(other, { Note: NASTY, Repeated: ['x', 'y'] });
  const tampered = [
    ['a value changed', HOOK + query, formBody(forged), good],
    ['a parameter added', HOOK + query, formBody({ ...params, Extra: '1' }), good],
    ['a parameter dropped', HOOK + query, formBody(without(params, 'Note')), good],
    ['one value of a repeated key dropped', HOOK + query, formBody({ ...params, Repeated: ['x'] }), good],
    ['the special characters re-encoded differently', HOOK + query,
      formBody({ ...params, Note: NASTY.replace('é', 'e') }), good],
    ['the query string changed', HOOK + '?tenant=acmf', formBody(params), good],
    ['the query string dropped', HOOK, formBody(params), good],
    ['signed for another path', HOOK + query, formBody(params),
      getExpectedTwilioSignature(TOKEN, server.pub + '/webhooks/other' + query, params)],
    ['signed for https', HOOK + query, formBody(params),
      getExpectedTwilioSignature(TOKEN, url.replace('http:', 'https:'), params)],
    ['signed with another token', HOOK + query, formBody(params),
      getExpectedTwilioSignature(TOKEN + 'x', url, params)],
    ['no signature', HOOK + query, formBody(params), undefined],
    ['an empty signature', HOOK + query, formBody(params), ''],
    ['a signature one bit off', HOOK + query, formBody(params),
      good.slice(0, 5) + String.fromCharCode(good.charCodeAt(5) ^ 1) + good.slice(6)],
  ];
  for (const [what, target, body, sig] of tampered) {
    const r = await post(server, target, body, sig);
    assert.equal(r.status, 403, what);
    assert.equal(r.json?.error?.code, 'invalid_signature', what);
  }
  assert.deepEqual(await recording(server, ids.call), before);
  assert.equal(await count(server), total);

  // A new call forged the same ways is not registered at all.
  const fresh = freshCall();
  const p2 = callbackParams(fresh);
  const r = await post(server, HOOK + query, formBody({ ...p2, RecordingDuration: '5' }),
    getExpectedTwilioSignature(TOKEN, url, p2));
  assert.equal(r.status, 403);
  assert.equal(await recording(server, fresh.call), null);
  assert.equal(await count(server), total);
});

test('the query string as the helper re-encodes it (legacy querystring) is accepted', async () => {
  const server = defaultPort;
  // Sent with a raw quote and '+' for a space; signed re-encoded, as
  // webhooks.ts withLegacyQuerystring does (querystring.parse + stringify).
  const target = HOOK + "?who=o'brien&note=a+b";
  const legacy = HOOK + '?' + querystring.stringify(querystring.parse("who=o'brien&note=a+b"));
  assert.notEqual(target, legacy);
  for (const withPort of [false, true]) {
    const ids = freshCall();
    const params = callbackParams(ids);
    const signature = getExpectedTwilioSignature(TOKEN, spell(server.pub, withPort) + legacy, params);
    assert.ok(validateRequest(TOKEN, signature, server.pub + target, params));
    const r = await post(server, target, formBody(params), signature);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(await recording(server, ids.call));
  }
});

test('recd agrees with validateRequest on every spelling', async () => {
  const server = explicitPort;
  const query = '?tenant=acme&x=%C3%A9';
  const u = new URL(server.pub);
  const spellings = [
    `http://127.0.0.1:${u.port}${HOOK}${query}`,
    `http://127.0.0.1${HOOK}${query}`,
    `http://127.0.0.1:80${HOOK}${query}`,
    `https://127.0.0.1:${u.port}${HOOK}${query}`,
    `http://localhost:${u.port}${HOOK}${query}`,
    `http://127.0.0.1:${u.port}${HOOK}/${query}`,
    `http://127.0.0.1:${u.port}${HOOK}`,
    `http://127.0.0.1:${u.port}${HOOK}?tenant=acme&x=%c3%a9`,
    `http://127.0.0.1:${u.port}${HOOK}?x=%C3%A9&tenant=acme`,
  ];
  for (const signedUrl of spellings) {
    const ids = freshCall();
    const params = callbackParams(ids, { Repeated: ['1', '2'] });
    const signature = getExpectedTwilioSignature(TOKEN, signedUrl, params);
    const helper = validateRequest(TOKEN, signature, server.pub + HOOK + query, params);
    const r = await post(server, HOOK + query, formBody(params), signature);
    assert.equal(r.status, helper ? 200 : 403, `${signedUrl}: helper says ${helper}`);
    assert.equal(Boolean(await recording(server, ids.call)), helper, signedUrl);
  }
});

test('a conference recording (no CallSid) is acknowledged with 200 and ignored', async () => {
  const server = explicitPort;
  const total = await count(server);
  const params = without(callbackParams(freshCall(), { ConferenceSid: 'CF' + '1'.repeat(32) }), 'CallSid');
  const signature = getExpectedTwilioSignature(TOKEN, server.pub + HOOK, params);
  const r = await post(server, HOOK, formBody(params), signature);
  assert.equal(r.status, 200);
  assert.equal(r.json.ignored, true);
  assert.equal(await count(server), total);
  // Unsigned, it is still a 403: nothing is acknowledged before the signature.
  assert.equal((await post(server, HOOK, formBody(params), 'x')).status, 403);
});

test("the fake provider's callbacks are signed as the twilio package expects", async () => {
  // A stand-in for recd that records what arrives.
  const got = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ url: req.url, sig: req.headers['x-twilio-signature'], body });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const hookPort = server.address().port;
  const child = spawn(FAKE_PROVIDER_BIN, ['--listen', '127.0.0.1:0', '--auth-token', TOKEN],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  try {
    const fakePort = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on 127\.0\.0\.1:(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error('fake-provider exited: ' + out)));
    });
    const hook = `http://127.0.0.1:${hookPort}${HOOK}?tenant=acme&x=%C3%A9`;
    const cases = ['status=completed&call_sid=CAfake1', 'status=absent&call_sid=CAfake2', 'conference=1',
      'status=completed&call_sid=CAfake3&tamper=1'];
    for (const q of cases) {
      const r = await fetch(`http://127.0.0.1:${fakePort}/_callback?${q}&url=${encodeURIComponent(hook)}`,
        { method: 'POST' });
      assert.equal((await r.json()).status, 204, q);
    }
    assert.equal(got.length, cases.length);
    got.forEach((g, i) => {
      const params = {};
      for (const [k, v] of new URLSearchParams(g.body)) params[k] = v;
      assert.equal(g.url, hook.slice(hook.indexOf(HOOK)));
      const valid = validateRequest(TOKEN, g.sig, hook, params);
      assert.equal(valid, !cases[i].includes('tamper'), cases[i]);
    });
  } finally {
    server.close();
  }
});
