// SPDX-License-Identifier: MIT
/**
 * player.js — one audio element, one recording at a time, and the
 * browser's half of recd's fetch-exactly-once promise.
 *
 *   import { createPlayer } from '/static/player.js';
 *   const player = createPlayer({ audio, onState: ({ state, callSid, error }) => … });
 *   player.play('CA…');   // readiness check, then audio.play()
 *   player.pause();       // toggles the element; no new check
 *   player.stop();        // abort everything, back to idle
 *   player.destroy();     // stop() and detach every listener
 *
 * States: idle → checking → waiting ⇄ checking → ready → playing ⇄ paused,
 * plus error; any state may go back to idle. Every move goes through
 * transition(), which throws on an illegal one (a bug, not a user error).
 *
 * Invariants (the dedup layers on the browser side):
 *  1. at most one readiness check (HEAD /stream, Prefer: wait=N) in flight
 *     per player; play(sid) for the sid being checked does nothing new;
 *  2. each check owns an AbortController, aborted by stop(), play(other),
 *     destroy() and pagehide;
 *  3. at most one pending timer (the retry delay after a 202, or the
 *     watchdog of a held check) — never a tight loop.
 *
 * Threading: main thread only; every callback re-checks that it still
 * belongs to the current check (stale ones return without effect).
 * See docs/player.md for the full contract.
 */

export const STATES = Object.freeze(['idle', 'checking', 'waiting', 'ready', 'playing', 'paused', 'error']);

const LEGAL = {
  idle: ['checking'],
  checking: ['idle', 'waiting', 'ready', 'error'],
  waiting: ['idle', 'checking', 'error'],
  ready: ['idle', 'playing', 'paused', 'error'],
  playing: ['idle', 'paused', 'error'],
  paused: ['idle', 'playing', 'error'],
  error: ['idle', 'checking'],
};

/* States in which play(sameSid) must not start anything new. */
const BUSY = new Set(['checking', 'waiting', 'ready', 'playing']);

export const RETRY_DEFAULT_S = 2;
export const RETRY_MIN_S = 1;
export const RETRY_MAX_S = 30;
const DETAIL_TIMEOUT_MS = 10000;

/**
 * Seconds to wait from a Retry-After header value: delta-seconds or an
 * HTTP date; missing or malformed → 2; clamped to 1..30.
 */
export function parseRetryAfter(value, now = Date.now()) {
  let s = RETRY_DEFAULT_S;
  const v = (value ?? '').trim();
  if (/^\d+$/.test(v)) {
    s = Number(v);
  } else if (/^[A-Za-z]{3},/.test(v)) {
    const at = Date.parse(v);
    if (!Number.isNaN(at)) s = Math.ceil((at - now) / 1000);
  }
  return Math.min(RETRY_MAX_S, Math.max(RETRY_MIN_S, s));
}

/** Error kinds the player reports; the UI translates them. */
export const ERROR_KINDS = Object.freeze(['not_found', 'invalid', 'auth', 'upstream', 'network', 'timeout', 'media']);

const MESSAGES = {
  not_found: 'Recording not found',
  invalid: 'Invalid call SID',
  auth: 'Not allowed',
  upstream: 'Fetching the recording failed',
  network: 'Network error',
  timeout: 'The server did not answer in time',
  media: 'The audio could not be played',
};

function makeError(kind, extra = {}) {
  return { kind, status: null, code: null, message: MESSAGES[kind], ...extra };
}

function isAbort(err) {
  return err != null && (err.name === 'AbortError' || err.code === 20);
}

/**
 * Create a player bound to one <audio> element (or anything with src,
 * play(), pause(), addEventListener and removeEventListener).
 * Options other than audio are for tests and embedding; see docs/player.md.
 */
export function createPlayer({
  audio,
  streamUrl = (sid) => '/stream?call_sid=' + encodeURIComponent(sid),
  detailUrl = (sid) => '/api/recordings/' + encodeURIComponent(sid),
  fetch: fetchFn = (...args) => globalThis.fetch(...args),
  setTimeout: setTimer = (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: clearTimer = (id) => globalThis.clearTimeout(id),
  waitSeconds = 20,
  checkTimeoutMs = (waitSeconds + 15) * 1000,
  onState = () => {},
  log = (...args) => console.log(...args),
  window: win = typeof window !== 'undefined' ? window : null,
} = {}) {
  if (!audio) throw new TypeError('createPlayer: audio element required');

  let state = 'idle';
  let callSid = null;
  let check = null; /* { ctl, timedOut } of the check in flight, or null */
  let timer = null; /* the one pending timer id, or null */
  let mediaGen = 0; /* bumps whenever the element's source is released */
  let destroyed = false;

  function transition(to, error = null) {
    if (!LEGAL[state].includes(to)) {
      throw new Error(`player: illegal transition ${state} → ${to}`);
    }
    const from = state;
    state = to;
    onState({ state, callSid, error, from });
  }

  function arm(ms, fn) {
    disarm();
    timer = setTimer(() => {
      timer = null;
      fn();
    }, ms);
  }

  function disarm() {
    if (timer !== null) clearTimer(timer);
    timer = null;
  }

  function abortCheck() {
    if (check) check.ctl.abort();
    check = null;
  }

  function releaseMedia() {
    mediaGen++;
    if (!audio.src) return;
    audio.pause();
    // Removing src and calling load() is what actually cancels the download.
    if (audio.removeAttribute) audio.removeAttribute('src');
    else audio.src = '';
    if (audio.load) audio.load();
  }

  /* Back to idle from anywhere: no check, no timer, no media. */
  function reset() {
    abortCheck();
    disarm();
    releaseMedia();
    if (state !== 'idle') transition('idle');
  }

  async function runCheck() {
    transition('checking');
    const mine = { ctl: new AbortController(), timedOut: false };
    check = mine;
    arm(checkTimeoutMs, () => {
      mine.timedOut = true;
      mine.ctl.abort();
    });
    const sid = callSid;
    const url = streamUrl(sid);
    let res;
    try {
      res = await fetchFn(url, {
        method: 'HEAD',
        headers: { Prefer: `wait=${waitSeconds}` },
        cache: 'no-store',
        signal: mine.ctl.signal,
      });
    } catch (err) {
      if (check !== mine) return; // stopped or superseded: silent
      check = null;
      disarm();
      if (mine.timedOut) transition('error', makeError('timeout'));
      else if (isAbort(err)) transition('idle');
      else transition('error', makeError('network', { message: String(err?.message || err) }));
      return;
    }
    if (check !== mine) return;
    disarm();
    await onResponse(mine, sid, url, res);
  }

  async function onResponse(mine, sid, url, res) {
    if (res.status === 202) {
      check = null;
      transition('waiting');
      const s = parseRetryAfter(res.headers.get('Retry-After'));
      arm(s * 1000, () => {
        if (state === 'waiting') runCheck();
      });
      return;
    }
    if (res.ok) {
      check = null;
      startMedia(url);
      return;
    }
    if (res.status === 404) return fail(makeError('not_found', { status: 404, code: 'recording_not_found' }));
    if (res.status === 400) return fail(makeError('invalid', { status: 400, code: 'invalid_call_sid' }));
    if (res.status === 401 || res.status === 403) return fail(makeError('auth', { status: res.status }));
    arm(DETAIL_TIMEOUT_MS, () => mine.ctl.abort());
    const detail = await fetchDetail(mine, sid);
    if (check !== mine) return;
    fail(
      makeError('upstream', {
        status: res.status,
        code: detail?.code ?? null,
        message: detail?.message || MESSAGES.upstream,
        retryAfter: res.headers.get('Retry-After') ? parseRetryAfter(res.headers.get('Retry-After')) : null,
      }),
    );
  }

  function fail(error) {
    check = null;
    disarm();
    transition('error', error);
  }

  /* HEAD has no body: the reason for a failure lives in the recording's JSON. */
  async function fetchDetail(mine, sid) {
    try {
      const res = await fetchFn(detailUrl(sid), {
        headers: { Accept: 'application/json' },
        signal: mine.ctl.signal,
      });
      if (!res.ok) return null;
      const item = await res.json();
      if (item?.error?.message) return item.error;
      const run = Array.isArray(item?.runs) ? item.runs[0] : null;
      if (run?.error_message) return { code: run.error_code ?? null, message: run.error_message };
    } catch {
      /* fall through to the generic message */
    }
    return null;
  }

  function startMedia(url) {
    const gen = ++mediaGen;
    audio.src = url;
    log(`Streaming from ${url}`);
    transition('ready');
    resumeMedia(gen);
  }

  function resumeMedia(gen = mediaGen) {
    let p;
    try {
      p = audio.play();
    } catch (err) {
      p = Promise.reject(err);
    }
    Promise.resolve(p).then(
      () => {
        if (gen === mediaGen && (state === 'ready' || state === 'paused')) transition('playing');
      },
      (err) => {
        if (gen !== mediaGen || !(state === 'ready' || state === 'paused')) return;
        // Autoplay refused: the user has to press play once more.
        if (err?.name === 'NotAllowedError') {
          if (state === 'ready') transition('paused');
        } else if (!isAbort(err)) {
          transition('error', makeError('media', { message: String(err?.message || MESSAGES.media) }));
        }
      },
    );
  }

  const onPlaying = () => {
    if (state === 'ready' || state === 'paused') transition('playing');
  };
  const onPause = () => {
    if (state === 'playing') transition('paused');
  };
  const onMediaError = () => {
    if (!audio.src || !['ready', 'playing', 'paused'].includes(state)) return;
    const msg = audio.error?.message || MESSAGES.media;
    mediaGen++;
    transition('error', makeError('media', { code: audio.error?.code ?? null, message: msg }));
  };
  const onPageHide = () => reset();

  audio.addEventListener('playing', onPlaying);
  audio.addEventListener('pause', onPause);
  audio.addEventListener('ended', onPause);
  audio.addEventListener('error', onMediaError);
  if (win?.addEventListener) win.addEventListener('pagehide', onPageHide);

  function play(sid) {
    if (destroyed) return;
    if (typeof sid !== 'string' || sid === '') throw new TypeError('player.play: call_sid required');
    if (sid === callSid) {
      if (BUSY.has(state)) return; // layer 1: the check (or playback) is already under way
      if (state === 'paused') {
        resumeMedia();
        return;
      }
    }
    reset(); // layer 2: aborts another sid's check and timer
    callSid = sid;
    runCheck();
  }

  function pause() {
    if (destroyed || state !== 'playing') return;
    transition('paused');
    audio.pause();
  }

  function stop() {
    if (destroyed) return;
    reset();
  }

  function destroy() {
    if (destroyed) return;
    reset();
    destroyed = true;
    audio.removeEventListener('playing', onPlaying);
    audio.removeEventListener('pause', onPause);
    audio.removeEventListener('ended', onPause);
    audio.removeEventListener('error', onMediaError);
    if (win?.removeEventListener) win.removeEventListener('pagehide', onPageHide);
  }

  return {
    play,
    pause,
    stop,
    destroy,
    get state() {
      return state;
    },
    get callSid() {
      return callSid;
    },
  };
}
