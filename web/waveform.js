// SPDX-License-Identifier: MIT
/*
 * waveform.js — the now-playing bar's waveform: peaks from
 * GET /api/recordings/{sid}/peaks drawn on a canvas, one lane per channel
 * (a dual-channel call shows both parties), the played part highlighted,
 * and seeking by click, drag or keyboard (the element is an ARIA slider).
 *
 * While the recording is still landing the server answers with partial
 * peaks (or 404 before the first bytes); the waveform polls once a second
 * until it is complete, so it fills in as the audio arrives. The time axis
 * runs left to right in both languages, like the numbers on it.
 *
 * Pure helpers (parsePeaks, timeAtX, xAtTime, seekKey) are exported for
 * tests/web/waveform.test.js. Main thread only; one instance per bar.
 */

export const KEY_STEP_S = 5;
export const POLL_MS = 1000;
const MAX_LANES = 2;
const LANE_GAP_PX = 6;

/** The peaks endpoint's URL for sid with about `points` values per channel. */
export function peaksUrl(sid, points) {
  return `/api/recordings/${encodeURIComponent(sid)}/peaks?points=${points}`;
}

/**
 * Validate and normalise the endpoint's JSON:
 * { callSid, duration, total, partial, channels: [{ leg, values: number[0..1] }] }.
 * Throws TypeError on a shape the screen cannot draw.
 */
export function parsePeaks(doc) {
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.channels) || doc.channels.length === 0) {
    throw new TypeError('peaks: no channels');
  }
  const scale = Number(doc.scale) > 0 ? Number(doc.scale) : 1000;
  const duration = Number(doc.duration_s);
  if (!Number.isFinite(duration) || duration < 0) throw new TypeError('peaks: bad duration_s');
  const total = doc.total_duration_s == null ? null : Number(doc.total_duration_s);
  const channels = doc.channels.map((c, i) => {
    if (!Array.isArray(c?.peaks)) throw new TypeError(`peaks: channel ${i} has no peaks`);
    return {
      leg: typeof c.leg === 'string' ? c.leg : 'mono',
      values: c.peaks.map((v) => Math.min(1, Math.max(0, Number(v) / scale || 0))),
    };
  });
  return {
    callSid: String(doc.call_sid ?? ''),
    duration,
    total: Number.isFinite(total) && total > 0 ? total : null,
    partial: doc.partial === true,
    channels,
  };
}

/** Seconds at horizontal offset x of a bar `width` wide showing `duration` s (clamped). */
export function timeAtX(x, width, duration) {
  if (!(width > 0) || !(duration > 0) || !Number.isFinite(duration)) return 0;
  return Math.min(1, Math.max(0, x / width)) * duration;
}

/** Horizontal offset of time t (clamped to the bar). */
export function xAtTime(t, width, duration) {
  if (!(width > 0) || !(duration > 0) || !Number.isFinite(duration)) return 0;
  return Math.min(1, Math.max(0, t / duration)) * width;
}

/** The slider's keyboard: the new time for key at t, or null if the key is not ours. */
export function seekKey(key, t, duration, step = KEY_STEP_S) {
  if (!(duration > 0)) return null;
  const page = Math.max(step, duration / 10);
  const moves = {
    ArrowLeft: t - step,
    ArrowDown: t - step,
    ArrowRight: t + step,
    ArrowUp: t + step,
    PageDown: t - page,
    PageUp: t + page,
    Home: 0,
    End: duration,
  };
  return key in moves ? Math.min(duration, Math.max(0, moves[key])) : null;
}

/** The lane names for a call: Twilio's first channel is the parent leg. */
export function laneKeys(legs, direction) {
  if (legs.length < 2) return legs.map(() => null);
  const d = String(direction ?? '');
  // inbound: the customer called in (parent), the agent was dialled (child);
  // outbound-*: the agent's side placed the call.
  const byLeg = d.startsWith('inbound')
    ? { parent: 'lane.customer', child: 'lane.agent' }
    : d.startsWith('outbound')
      ? { parent: 'lane.agent', child: 'lane.customer' }
      : { parent: 'lane.parent', child: 'lane.child' };
  return legs.map((leg) => byLeg[leg] ?? null);
}

/**
 * Mount the waveform in root (an empty element). t(key, params) translates,
 * formatTime(seconds) writes m:ss; fetch is injectable for tests.
 */
export function createWaveform({
  root,
  audio,
  t,
  formatTime,
  fetch: fetchFn = (...a) => globalThis.fetch(...a),
  setTimeout: setTimer = (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: clearTimer = (id) => globalThis.clearTimeout(id),
}) {
  const canvas = document.createElement('canvas');
  canvas.className = 'wave-canvas';
  canvas.setAttribute('aria-hidden', 'true');
  const lanes = document.createElement('div');
  lanes.className = 'wave-lanes';
  const note = document.createElement('span');
  note.className = 'wave-note';
  root.append(canvas, lanes, note);
  root.classList.add('wave');
  root.setAttribute('role', 'slider');
  root.setAttribute('tabindex', '0');
  root.setAttribute('aria-valuemin', '0');
  root.dir = 'ltr';

  let sid = null;
  let direction = null;
  let peaks = null;
  let gen = 0; /* bumps on load/clear: stale answers and timers are dropped */
  let timer = null;
  let dragging = false;

  const duration = () => {
    if (Number.isFinite(audio.duration) && audio.duration > 0) return audio.duration;
    return peaks?.total ?? peaks?.duration ?? 0;
  };

  function seekTo(seconds) {
    if (!sid || !(duration() > 0)) return;
    audio.currentTime = seconds;
    render();
  }

  function xToTime(clientX) {
    const rect = root.getBoundingClientRect();
    return timeAtX(clientX - rect.left, rect.width, duration());
  }

  function renderAria() {
    const d = duration();
    const now = Math.min(d, audio.currentTime || 0);
    root.setAttribute('aria-label', t('wave.label'));
    root.setAttribute('aria-valuemax', String(Math.round(d)));
    root.setAttribute('aria-valuenow', String(Math.round(now)));
    root.setAttribute('aria-valuetext', t('wave.valuetext', { pos: formatTime(now), total: formatTime(d) }));
  }

  function renderLanes() {
    const keys = peaks ? laneKeys(peaks.channels.slice(0, MAX_LANES).map((c) => c.leg), direction) : [];
    lanes.replaceChildren(
      ...keys.filter(Boolean).map((k) => {
        const s = document.createElement('span');
        s.className = 'lane-label';
        s.textContent = t(k);
        return s;
      }),
    );
    lanes.dataset.count = String(keys.filter(Boolean).length);
    note.textContent = !sid ? '' : !peaks ? t('wave.loading') : peaks.partial ? t('wave.landing') : '';
  }

  function draw() {
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(root.clientWidth * dpr));
    const h = Math.max(1, Math.round(root.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    const d = duration();
    if (!peaks || !(d > 0)) return;
    const css = getComputedStyle(root);
    const played = css.getPropertyValue('--wave-played').trim() || '#0b5cad';
    const rest = css.getPropertyValue('--wave-rest').trim() || '#9aa4b0';
    const playX = xAtTime(audio.currentTime || 0, w, d);
    const chans = peaks.channels.slice(0, MAX_LANES);
    const gap = LANE_GAP_PX * dpr;
    const laneH = (h - gap * (chans.length - 1)) / chans.length;
    const covered = xAtTime(peaks.duration, w, d); /* partial peaks cover what landed */
    chans.forEach((c, lane) => {
      const mid = lane * (laneH + gap) + laneH / 2;
      const n = c.values.length;
      const step = n > 0 ? covered / n : 0;
      for (let j = 0; j < n; j++) {
        const x = j * step;
        const half = Math.max(0.5 * dpr, (c.values[j] * laneH) / 2);
        ctx.fillStyle = x < playX ? played : rest;
        ctx.fillRect(x, mid - half, Math.max(1, step - 0.5 * dpr), half * 2);
      }
    });
    ctx.fillStyle = played;
    ctx.fillRect(Math.min(w - 2 * dpr, playX), 0, 2 * dpr, h);
  }

  function render() {
    renderAria();
    draw();
  }

  function schedule(fn, ms) {
    if (timer !== null) clearTimer(timer);
    timer = setTimer(() => {
      timer = null;
      fn();
    }, ms);
  }

  async function fetchPeaks(mine) {
    const points = Math.min(2000, Math.max(100, Math.round(root.clientWidth || 600)));
    let res;
    try {
      res = await fetchFn(peaksUrl(sid, points), { headers: { Accept: 'application/json' }, cache: 'no-store' });
    } catch {
      return; /* offline: the bar still seeks by the audio's own duration */
    }
    if (mine !== gen) return;
    if (res.status === 404) {
      schedule(() => mine === gen && fetchPeaks(mine), POLL_MS); /* nothing landed yet */
      return;
    }
    if (!res.ok) return;
    try {
      peaks = parsePeaks(await res.json());
    } catch {
      return;
    }
    if (mine !== gen) return;
    renderLanes();
    render();
    if (peaks.partial) schedule(() => mine === gen && fetchPeaks(mine), POLL_MS);
  }

  const onPointerDown = (ev) => {
    if (ev.button !== 0 || !sid) return;
    dragging = true;
    root.setPointerCapture?.(ev.pointerId);
    seekTo(xToTime(ev.clientX));
  };
  const onPointerMove = (ev) => {
    if (dragging) seekTo(xToTime(ev.clientX));
  };
  const onPointerUp = () => {
    dragging = false;
  };
  const onKey = (ev) => {
    const to = seekKey(ev.key, audio.currentTime || 0, duration());
    if (to === null) return;
    ev.preventDefault();
    ev.stopPropagation(); /* the page's own ←/→ shortcuts must not also fire */
    seekTo(to);
  };
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => draw()) : null;

  root.addEventListener('pointerdown', onPointerDown);
  root.addEventListener('pointermove', onPointerMove);
  root.addEventListener('pointerup', onPointerUp);
  root.addEventListener('pointercancel', onPointerUp);
  root.addEventListener('keydown', onKey);
  for (const e of ['timeupdate', 'durationchange', 'seeked', 'loadedmetadata']) audio.addEventListener(e, render);
  observer?.observe(root);
  render();

  return {
    /** Show sid's waveform (direction names the lanes); fetches and polls until complete. */
    load(callSid, { direction: dir = null } = {}) {
      if (callSid === sid) {
        direction = dir;
        renderLanes();
        return;
      }
      gen++;
      sid = callSid;
      direction = dir;
      peaks = null;
      renderLanes();
      render();
      fetchPeaks(gen);
    },
    /** Forget the recording; stops polling. */
    clear() {
      gen++;
      sid = null;
      peaks = null;
      if (timer !== null) clearTimer(timer);
      timer = null;
      renderLanes();
      render();
    },
    relabel() {
      renderLanes();
      renderAria();
    },
    get peaks() {
      return peaks;
    },
  };
}
