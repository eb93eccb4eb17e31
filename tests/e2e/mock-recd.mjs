// SPDX-License-Identifier: MIT
/*
 * mock-recd.mjs — a stand-in for `recd serve` that speaks SPEC.md §2 well
 * enough for the browser side (list, item + runs, /stream with Prefer:
 * wait, 202/404/502, ranges) and serves web/ with the real CSP. It lets
 * the screen be developed and its test logic be checked without the C
 * server; it is NOT a substitute for running the e2e test against recd.
 *
 *   node tests/e2e/mock-recd.mjs [--port N] [--latency-ms 3000]
 * Sids starting "CAmissing" are 404s, "CAfail" fail with 502.
 */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
const CSP =
  "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** A mono 16-bit PCM WAV: a quiet tone, long enough to play for a while. */
export function makeWav(seconds = 8, rate = 8000) {
  const n = seconds * rate;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 2000), 44 + i * 2);
  return buf;
}

export function startMock({ port = 0, latencyMs = 3000, sids = [] } = {}) {
  const wav = makeWav();
  const recs = new Map();
  const stats = new Map(); // sid → { media_ok, heads, gets }
  let runSeq = 0;

  function add(sid, extra = {}) {
    if (recs.has(sid)) return recs.get(sid);
    const rec = {
      call_sid: sid,
      recording_sid: 'RE' + sid.slice(2),
      provider: 'twilio',
      format: 'wav',
      duration_s: 8,
      size_bytes: null,
      state: 'remote',
      progress: null,
      created_at: new Date(Date.now() - recs.size * 3600_000).toISOString(),
      last_played_at: null,
      error: null,
      runs: [],
      waiters: [],
      ...extra,
    };
    recs.set(sid, rec);
    stats.set(sid, { media_ok: 0, heads: 0, gets: 0, runs: 0 });
    return rec;
  }
  for (const s of sids) add(s);

  function publicItem(rec, withRuns) {
    const { runs, waiters, ...item } = rec;
    return withRuns ? { ...item, runs: [...runs].reverse().map(({ timer, ...r }) => r) } : item;
  }

  function wake(rec) {
    for (const w of rec.waiters.splice(0)) w();
  }

  /* The dedup path: at most one active run per sid. */
  function ensure(rec) {
    if (rec.state === 'ready') return 'ready';
    const active = rec.runs.find((r) => r.status === 'queued' || r.status === 'running');
    if (active) return 'dedup';
    const run = {
      id: ++runSeq,
      status: 'queued',
      attempt: 1,
      bytes_done: 0,
      bytes_total: 0,
      error_code: null,
      error_message: null,
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
    };
    rec.runs.push(run);
    stats.get(rec.call_sid).runs++;
    rec.state = 'queued';
    rec.error = null;
    const steps = 10;
    let step = 0;
    const tick = () => {
      step++;
      if (step === 1) {
        run.status = 'running';
        run.started_at = new Date().toISOString();
        rec.state = 'running';
        if (!rec.call_sid.startsWith('CAmissing')) run.bytes_total = wav.length;
      }
      run.bytes_done = Math.round((wav.length * step) / steps);
      rec.progress = run.bytes_total ? run.bytes_done / run.bytes_total : null;
      if (step < steps) {
        run.timer = setTimeout(tick, latencyMs / steps);
        return;
      }
      run.finished_at = new Date().toISOString();
      if (rec.call_sid.startsWith('CAmissing')) {
        run.status = 'failed';
        run.error_code = 'recording_not_found';
        run.error_message = 'the provider has no recording for this call';
        rec.state = 'missing';
      } else if (rec.call_sid.startsWith('CAfail')) {
        run.status = 'failed';
        run.error_code = 'upstream_failed';
        run.error_message = 'provider answered HTTP 500 five times';
        rec.state = 'failed';
        rec.error = { code: 'upstream_failed', message: run.error_message };
      } else {
        run.status = 'completed';
        rec.state = 'ready';
        rec.size_bytes = wav.length;
      }
      rec.progress = null;
      wake(rec);
    };
    run.timer = setTimeout(tick, latencyMs / steps);
    return 'created';
  }

  function json(res, status, body, headers = {}) {
    const data = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
    res.end(data);
  }

  function error(res, status, code, message, headers) {
    json(res, status, { error: { code, message } }, headers);
  }

  async function serveStatic(req, res, rel) {
    if (rel.includes('..') || rel.includes('\\')) return error(res, 404, 'not_found', 'no such asset');
    try {
      const data = await readFile(path.join(WEB, rel));
      const headers = {
        'Content-Type': TYPES[path.extname(rel)] || 'application/octet-stream',
        'Content-Length': data.length,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      };
      if (rel === 'index.html') headers['Content-Security-Policy'] = CSP;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch {
      error(res, 404, 'not_found', 'no such asset');
    }
  }

  function serveMedia(req, res, rec) {
    const st = stats.get(rec.call_sid);
    const headers = {
      'Content-Type': 'audio/wav',
      'Accept-Ranges': 'bytes',
      ETag: `"${rec.call_sid}"`,
      'Cache-Control': 'private',
    };
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
    let start = 0;
    let end = wav.length - 1;
    let status = 200;
    if (m && req.method === 'GET') {
      if (m[1] !== '') start = Number(m[1]);
      if (m[2] !== '') end = Math.min(Number(m[2]), wav.length - 1);
      if (m[1] === '' && m[2] !== '') start = Math.max(0, wav.length - Number(m[2]));
      if (m[1] === '' && m[2] !== '') end = wav.length - 1;
      if (start >= wav.length || start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${wav.length}` });
        return res.end();
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${wav.length}`;
    }
    headers['Content-Length'] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return res.end();
    if (start === 0) st.media_ok++;
    res.end(wav.subarray(start, end + 1));
  }

  function answerStream(req, res, rec, dedup, waited) {
    const headers = waited ? { 'Preference-Applied': `wait=${waited}` } : {};
    if (rec.state === 'ready') return serveMedia(req, res, rec);
    if (rec.state === 'missing') return error(res, 404, 'recording_not_found', 'no such recording', headers);
    if (rec.state === 'failed') return error(res, 502, 'upstream_failed', rec.error?.message ?? 'failed', { 'Retry-After': '60', ...headers });
    const run = rec.runs.at(-1);
    const body = { call_sid: rec.call_sid, status: run.status, attempt: run.attempt, bytes_done: run.bytes_done, bytes_total: run.bytes_total, retry_after_ms: 2000 };
    if (dedup) headers['Recording-Dedup'] = 'memory';
    json(res, 202, body, { 'Retry-After': '2', 'Recording-Status': run.status, ...headers });
  }

  function stream(req, res, url) {
    const sid = url.searchParams.get('call_sid') || '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(sid)) return error(res, 400, 'invalid_call_sid', 'bad call_sid');
    const rec = recs.get(sid);
    if (!rec) return error(res, 404, 'recording_not_found', 'unknown call_sid');
    const st = stats.get(sid);
    if (req.method === 'HEAD') st.heads++;
    else st.gets++;
    // A failed recording starts a new run on the next request after cool-down; here at once.
    const outcome = rec.state === 'failed' ? 'failed' : ensure(rec);
    const pref = /wait=(\d+)/.exec(req.headers.prefer || '') || /^(\d+)$/.exec(url.searchParams.get('wait') || '');
    const wait = pref ? Math.min(Number(pref[1]), 30) : 0;
    if (wait > 0 && (rec.state === 'queued' || rec.state === 'running')) {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        answerStream(req, res, rec, outcome === 'dedup', wait);
      };
      const timer = setTimeout(finish, wait * 1000);
      rec.waiters.push(finish);
      res.on('close', () => {
        done = true;
        clearTimeout(timer);
      });
      return;
    }
    answerStream(req, res, rec, outcome === 'dedup', 0);
  }

  function list(res, url) {
    const status = url.searchParams.get('status') || '';
    const q = url.searchParams.get('q') || '';
    const limit = Math.min(Number(url.searchParams.get('limit') || 25), 200);
    const offset = Number(url.searchParams.get('cursor') || 0);
    const all = [...recs.values()].filter((r) => (!status || r.state === status) && r.call_sid.includes(q));
    const items = all.slice(offset, offset + limit).map((r) => publicItem(r, false));
    const next = offset + limit < all.length ? String(offset + limit) : null;
    json(res, 200, { items, next_cursor: next });
  }

  async function readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    try {
      if (p === '/healthz') return json(res, 200, { status: 'ok' });
      if (p === '/' && (req.method === 'GET' || req.method === 'HEAD')) return serveStatic(req, res, 'index.html');
      if (p.startsWith('/static/')) return serveStatic(req, res, decodeURIComponent(p.slice(8)));
      if (p === '/stream') return stream(req, res, url);
      if (p === '/_stats') return json(res, 200, stats.get(url.searchParams.get('call_sid')) ?? {});
      if (p === '/api/recordings' && req.method === 'GET') return list(res, url);
      if (p === '/api/recordings' && req.method === 'POST') {
        const body = JSON.parse(await readBody(req));
        for (const o of Array.isArray(body) ? body : [body]) add(o.call_sid);
        return json(res, 200, { registered: Array.isArray(body) ? body.length : 1 });
      }
      const m = /^\/api\/recordings\/([^/]+)(\/fetch)?$/.exec(p);
      if (m) {
        const rec = recs.get(decodeURIComponent(m[1]));
        if (!rec) return error(res, 404, 'not_found', 'no such recording');
        if (m[2] && req.method === 'POST') {
          if (rec.state === 'failed' || rec.state === 'missing') rec.state = 'remote';
          const outcome = ensure(rec);
          return json(res, outcome === 'ready' ? 200 : 202, publicItem(rec, false));
        }
        return json(res, 200, publicItem(rec, true));
      }
      error(res, 404, 'not_found', 'no such route');
    } catch (err) {
      error(res, 400, 'bad_request', String(err.message));
    }
  });

  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      resolve({
        port: bound,
        url: `http://127.0.0.1:${bound}`,
        add,
        stats: (sid) => stats.get(sid),
        close: () =>
          new Promise((r) => {
            for (const rec of recs.values()) for (const run of rec.runs) clearTimeout(run.timer);
            server.closeAllConnections();
            server.close(r);
          }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : def;
  };
  const sids = [];
  for (let i = 1; i <= 12; i++) sids.push('CA' + String(i).padStart(32, '0').replace(/^0/, 'a'));
  sids.push('CAmissing00000000000000000000000001', 'CAfail0000000000000000000000000001');
  const mock = await startMock({ port: Number(arg('--port', 0)), latencyMs: Number(arg('--latency-ms', 3000)), sids });
  console.log(`mock-recd listening on 127.0.0.1:${mock.port}`);
}
