// SPDX-License-Identifier: MIT
/*
 * progress.js — per-row progress polling. While a row is wanted (queued or
 * running, or being checked by the player, and on screen), its recording is
 * fetched from GET /api/recordings/{sid} once per interval. This is the
 * JSON API, not /stream: polling never counts as a readiness request.
 *
 * Invariant: per sid at most one request in flight and one timer pending;
 * a sid that stops being wanted stops polling at its next tick.
 * Main thread only.
 */

export function createPoller({
  load,
  wanted,
  onItem,
  onError = () => {},
  intervalMs = 1000,
  setTimeout: setTimer = (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: clearTimer = (id) => globalThis.clearTimeout(id),
}) {
  const entries = new Map(); // sid → { timer, inflight }

  function schedule(sid, entry) {
    entry.timer = setTimer(() => {
      entry.timer = null;
      tick(sid, entry);
    }, intervalMs);
  }

  async function tick(sid, entry) {
    if (!wanted(sid)) {
      entries.delete(sid);
      return;
    }
    entry.inflight = true;
    try {
      const item = await load(sid);
      if (entries.get(sid) === entry) onItem(sid, item);
    } catch (err) {
      if (entries.get(sid) === entry) onError(sid, err);
    } finally {
      entry.inflight = false;
    }
    if (entries.get(sid) !== entry) return;
    if (wanted(sid)) schedule(sid, entry);
    else entries.delete(sid);
  }

  /** Start polling sid if it is wanted and not already polled. */
  function kick(sid) {
    if (entries.has(sid) || !wanted(sid)) return;
    const entry = { timer: null, inflight: false };
    entries.set(sid, entry);
    schedule(sid, entry);
  }

  /** Stop polling sid now; a response still in flight is dropped. */
  function stop(sid) {
    const entry = entries.get(sid);
    if (!entry) return;
    if (entry.timer !== null) clearTimer(entry.timer);
    entries.delete(sid);
  }

  function stopAll() {
    for (const sid of [...entries.keys()]) stop(sid);
  }

  return { kick, stop, stopAll, polling: (sid) => entries.has(sid) };
}
