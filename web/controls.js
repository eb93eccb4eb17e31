// SPDX-License-Identifier: MIT
/*
 * controls.js — listening controls of the now-playing bar: play/pause,
 * skip ±10 s, speed 1×/1.25×/1.5×/2× (pitch preserved), the elapsed time,
 * a download link (the server's Content-Disposition names the file
 * <call_sid>.<ext>), keyboard shortcuts (Space, ←/→; listed in the help
 * popover), and the position of each recording remembered for the session
 * (sessionStorage), restored when it is played again.
 *
 * The player state machine stays in player.js: play/pause go through the
 * onToggle callback; this module only moves audio.currentTime and
 * playbackRate. Pure helpers are exported for tests/web/controls.test.js.
 * Main thread only; one instance per bar.
 */

export const SPEEDS = Object.freeze([1, 1.25, 1.5, 2]);
export const SKIP_S = 10;
export const POSITION_PREFIX = 'recd.pos.';
const SAVE_EVERY_MS = 1000;
const RESUME_MIN_S = 1; /* positions closer than this to either end are not worth restoring */

/** t + delta, kept inside 0..duration (duration unknown → only the floor). */
export function skipTo(t, delta, duration) {
  const to = Math.max(0, (Number(t) || 0) + delta);
  return Number.isFinite(duration) && duration > 0 ? Math.min(duration, to) : to;
}

/** The shortcut a keydown means: 'toggle' | 'back' | 'forward' | null. */
export function shortcutFor(ev) {
  if (ev.defaultPrevented || ev.ctrlKey || ev.altKey || ev.metaKey) return null;
  const el = ev.target;
  const tag = el?.tagName ?? '';
  // Typing and choosing come first; so do the slider's own arrows.
  if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || el?.isContentEditable) return null;
  if (el?.getAttribute?.('role') === 'slider' && ev.key !== ' ') return null;
  if (ev.key === ' ' || ev.code === 'Space') {
    // Space on a button or link is that control's own activation.
    return /^(BUTTON|A|SUMMARY)$/.test(tag) ? null : 'toggle';
  }
  if (ev.key === 'ArrowLeft') return 'back';
  if (ev.key === 'ArrowRight') return 'forward';
  return null;
}

/** The remembered position of sid to restore, or null. */
export function resumeAt(saved, duration) {
  const s = Number(saved);
  if (!Number.isFinite(s) || s < RESUME_MIN_S) return null;
  if (Number.isFinite(duration) && duration > 0 && s > duration - RESUME_MIN_S) return null;
  return s;
}

function storageOf(win) {
  try {
    return win.sessionStorage ?? null;
  } catch {
    return null; /* storage disabled: positions are simply not remembered */
  }
}

/**
 * Wire the bar's controls. els: { toggle, toggleLabel, back, forward, speed,
 * download, time }. onToggle() plays or pauses through the player.
 */
export function createControls({ audio, els, t, formatTime, onToggle, window: win = globalThis }) {
  const storage = storageOf(win);
  let sid = null;
  let restorePending = false;
  let lastSave = 0;

  const key = (s) => POSITION_PREFIX + s;

  /* Only the element's own source is this recording's position: after a
   * stop or a switch it is reset to 0, which must not overwrite the save. */
  const ownsMedia = () => Boolean(sid && audio.src && audio.src.includes('call_sid=' + encodeURIComponent(sid)));

  function save(force = false) {
    if (!storage || restorePending || !ownsMedia()) return;
    const now = Date.now();
    if (!force && now - lastSave < SAVE_EVERY_MS) return;
    lastSave = now;
    try {
      storage.setItem(key(sid), String(Math.round((audio.currentTime || 0) * 10) / 10));
    } catch {
      /* quota or disabled: not remembered */
    }
  }

  function restore() {
    if (!restorePending || !sid) return;
    restorePending = false;
    let saved = null;
    try {
      saved = storage?.getItem(key(sid));
    } catch {
      saved = null;
    }
    const at = resumeAt(saved, audio.duration);
    if (at !== null) audio.currentTime = at;
  }

  function applySpeed() {
    const v = Number(els.speed.value) || 1;
    audio.defaultPlaybackRate = v; /* survives the element's next load() */
    audio.playbackRate = v;
    audio.preservesPitch = true;
  }

  function renderTime() {
    const d = Number.isFinite(audio.duration) ? audio.duration : null;
    els.time.textContent = t('ctl.time', { pos: formatTime(audio.currentTime || 0), total: formatTime(d) });
  }

  function renderToggle() {
    const playing = !audio.paused && !audio.ended;
    els.toggleLabel.textContent = t(playing ? 'action.pause' : 'action.play');
    els.toggle.dataset.action = playing ? 'pause' : 'play';
  }

  const skip = (delta) => {
    if (!sid) return;
    audio.currentTime = skipTo(audio.currentTime, delta, audio.duration);
  };

  const onKey = (ev) => {
    if (!sid) return;
    const action = shortcutFor(ev);
    if (!action) return;
    ev.preventDefault();
    if (action === 'toggle') onToggle();
    else skip(action === 'back' ? -SKIP_S : SKIP_S);
  };

  const listeners = [
    [audio, 'loadedmetadata', restore],
    [audio, 'loadedmetadata', applySpeed],
    [audio, 'timeupdate', () => (save(), renderTime())],
    [audio, 'durationchange', renderTime],
    [audio, 'seeked', () => save(true)],
    [audio, 'pause', () => (save(true), renderToggle())],
    [audio, 'play', renderToggle],
    [audio, 'playing', renderToggle],
    [audio, 'ended', () => {
      try {
        if (sid) storage?.removeItem(key(sid));
      } catch {
        /* nothing to forget */
      }
      renderToggle();
    }],
    [els.back, 'click', () => skip(-SKIP_S)],
    [els.forward, 'click', () => skip(SKIP_S)],
    [els.toggle, 'click', () => onToggle()],
    [els.speed, 'change', applySpeed],
    [win.document ?? win, 'keydown', onKey],
  ];
  for (const [target, ev, fn] of listeners) target.addEventListener(ev, fn);

  els.speed.replaceChildren(
    ...SPEEDS.map((v) => {
      const o = win.document.createElement('option');
      o.value = String(v);
      o.textContent = `${v}×`;
      return o;
    }),
  );

  return {
    /** The bar now holds sid (null: nothing). Its remembered position is
     *  restored once its metadata loads; the speed carries over. */
    setRecording(callSid) {
      if (callSid === sid) return;
      sid = callSid;
      restorePending = Boolean(callSid);
      els.download.hidden = !callSid;
      if (callSid) els.download.href = '/stream?call_sid=' + encodeURIComponent(callSid);
      else els.download.removeAttribute('href');
      if (callSid && audio.readyState >= 1) restore();
      renderTime();
      renderToggle();
    },
    relabel() {
      renderTime();
      renderToggle();
    },
    get callSid() {
      return sid;
    },
  };
}
