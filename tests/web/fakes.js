// SPDX-License-Identifier: MIT
/*
 * fakes.js — deterministic stand-ins for the browser pieces createPlayer
 * takes as options: a manual clock, a fetch whose responses the test hands
 * out one by one, and an <audio> element. No npm dependencies.
 */

/** Let every queued promise callback run (real macrotask turn). */
export function flush() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock whose timers fire only inside advance(). */
export function fakeClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map(); // id → { at, fn, ms }
  let maxPending = 0;
  return {
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn, ms });
      maxPending = Math.max(maxPending, timers.size);
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    get now() {
      return now;
    },
    /** Number of timers scheduled and not yet fired or cleared. */
    pending() {
      return timers.size;
    },
    /** The largest number of timers ever pending at once. */
    get maxPending() {
      return maxPending;
    },
    delays() {
      return [...timers.values()].map((t) => t.ms);
    },
    /** Move time forward by ms, firing due timers in order. */
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        let next = null;
        for (const [id, t] of timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await flush();
      }
      now = end;
      await flush();
    },
  };
}

/**
 * A fetch that records each call and leaves it pending until the test
 * calls respond(i, …) or fail(i, …). Aborting the signal rejects the
 * call with an AbortError, as real fetch does.
 */
export function fakeFetch() {
  const calls = [];
  function fetch(url, init = {}) {
    return new Promise((resolve, reject) => {
      const call = { url: String(url), init, method: init.method || 'GET', resolve, reject, settled: false };
      calls.push(call);
      const signal = init.signal;
      if (signal) {
        const onAbort = () => {
          if (call.settled) return;
          call.settled = true;
          call.aborted = true;
          reject(new DOMException('The operation was aborted.', 'AbortError'));
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
  fetch.calls = calls;
  /** Answer call i with a real Response (status, headers, optional JSON body). */
  fetch.respond = async (i, status, headers = {}, json = undefined) => {
    const call = calls[i];
    if (!call) throw new Error(`no fetch call #${i}`);
    if (call.settled) throw new Error(`fetch call #${i} already settled`);
    call.settled = true;
    const body = json === undefined ? null : JSON.stringify(json);
    call.resolve(new Response(body, { status, headers }));
    await flush();
  };
  /** Reject call i as a network failure. */
  fetch.fail = async (i, err = new TypeError('Failed to fetch')) => {
    const call = calls[i];
    call.settled = true;
    call.reject(err);
    await flush();
  };
  fetch.heads = () => calls.filter((c) => c.method === 'HEAD');
  return fetch;
}

/** Enough of HTMLAudioElement for the player. */
export class FakeAudio extends EventTarget {
  constructor() {
    super();
    this.src = '';
    this.paused = true;
    this.playCalls = 0;
    this.pauseCalls = 0;
    this.loadCalls = 0;
    this.error = null;
    this.playResult = () => Promise.resolve();
    this.listeners = 0;
  }
  addEventListener(type, fn, opts) {
    this.listeners++;
    super.addEventListener(type, fn, opts);
  }
  removeEventListener(type, fn, opts) {
    this.listeners--;
    super.removeEventListener(type, fn, opts);
  }
  play() {
    this.playCalls++;
    this.paused = false;
    return this.playResult();
  }
  pause() {
    this.pauseCalls++;
    const was = this.paused;
    this.paused = true;
    // Real elements fire 'pause' from a queued task, after the caller returns.
    if (!was) setImmediate(() => this.dispatchEvent(new Event('pause')));
  }
  removeAttribute(name) {
    if (name === 'src') this.src = '';
  }
  load() {
    this.loadCalls++;
  }
}

/** Capture console.log lines while fn runs (fn may be async). */
export async function captureLog(fn) {
  const lines = [];
  const orig = console.log;
  console.log = (...args) => lines.push(args.join(' '));
  try {
    await fn();
  } finally {
    console.log = orig;
  }
  return lines;
}
