// SPDX-License-Identifier: MIT
/*
 * app.js — wires the recordings screen together: language, the list and
 * its filters, one player (so only one recording plays at a time), and
 * progress polling for rows being fetched. Owns no rendering itself
 * beyond the status line and the now-playing bar, whose waveform and
 * listening controls are waveform.js and controls.js. Main thread only.
 */
import { createPlayer } from './player.js';
import { createList } from './list.js';
import { createPoller } from './progress.js';
import { createWaveform } from './waveform.js';
import { createControls } from './controls.js';
import { normalizeQuery } from './phone.js';
import * as api from './api.js';
import { t, pickLanguage, setLanguage, currentLanguage, applyTo, formatDuration, STORAGE_KEY } from './i18n.js';

const PAGE_SIZE = 25;
const SEARCH_DEBOUNCE_MS = 300;
const ACTIVE = new Set(['queued', 'running']);
const CHECKING = new Set(['checking', 'waiting']);

const $ = (id) => document.getElementById(id);
const dom = {
  filters: $('filters'),
  q: $('q'),
  state: $('state'),
  list: $('list'),
  more: $('more'),
  status: $('status'),
  announce: $('announce'),
  now: $('now'),
  nowSid: $('now-sid'),
  nowState: $('now-state'),
  audio: $('audio'),
  stop: $('stop'),
  wave: $('wave'),
  controls: {
    toggle: $('toggle'),
    toggleLabel: $('toggle-label'),
    back: $('back'),
    forward: $('forward'),
    speed: $('speed'),
    download: $('download'),
    time: $('time'),
  },
};

/* ---- player ------------------------------------------------------------ */

let playing = { state: 'idle', callSid: null, error: null };

function playerFor(sid) {
  return sid === playing.callSid ? playing : { state: 'idle', error: null };
}

function onPlayerState(ev) {
  playing = ev;
  list.setPlayer(ev.callSid, ev.state, ev.error);
  if (CHECKING.has(ev.state)) poller.kick(ev.callSid);
  if (ev.state === 'ready') list.update(ev.callSid, { state: 'ready', progress: null, error: null });
  if (ev.state === 'ready' || ev.state === 'error') refreshRow(ev.callSid);
  if (['waiting', 'playing', 'error'].includes(ev.state) && ev.from !== 'paused') {
    announce(t('player.announce', { state: t(`player.${ev.state}`), sid: ev.callSid }));
  }
  followInBar(ev);
  renderNow();
}

/* The bar's waveform and controls follow the recording being played. The
 * waveform is asked for once the player has audio (ready: bytes landed),
 * so it never polls for a recording still queued at the provider. */
function followInBar({ state, callSid }) {
  if (state === 'idle' || state === 'error' || !callSid) {
    waveform.clear();
    controls.setRecording(null);
    return;
  }
  controls.setRecording(callSid);
  if (CHECKING.has(state)) waveform.clear();
  else waveform.load(callSid, { direction: list.item(callSid)?.direction ?? null });
}

const player = createPlayer({ audio: dom.audio, onState: onPlayerState });
const waveform = createWaveform({ root: dom.wave, audio: dom.audio, t, formatTime: formatDuration });
const controls = createControls({
  audio: dom.audio,
  els: dom.controls,
  t,
  formatTime: formatDuration,
  onToggle: () => (playing.state === 'playing' ? player.pause() : playing.callSid && player.play(playing.callSid)),
});

function renderNow() {
  const { state, callSid, error } = playing;
  // The row says what went wrong; the bar is for something playing or about to.
  dom.now.hidden = state === 'idle' || state === 'error' || !callSid;
  dom.nowSid.textContent = callSid ?? '';
  dom.nowState.textContent = state === 'error' && error ? t(`error.${error.kind}`) : t(`player.${state}`);
  dom.now.dataset.state = state;
}

function announce(text) {
  dom.announce.textContent = text;
}

/* ---- list, polling --------------------------------------------------- */

function wanted(sid) {
  if (document.visibilityState === 'hidden' || !list.has(sid) || !list.isVisible(sid)) return false;
  if (ACTIVE.has(list.item(sid)?.state)) return true;
  return sid === playing.callSid && CHECKING.has(playing.state);
}

const poller = createPoller({
  load: (sid) => api.getRecording(sid),
  wanted,
  onItem: (sid, item) => list.update(sid, item),
});

function refreshRow(sid) {
  api.getRecording(sid).then(
    (item) => list.update(sid, item),
    () => {}, // the row keeps what it had; the next action refreshes again
  );
}

async function retry(sid) {
  // The row's own failure replaces the player's error while a retry runs.
  if (playing.callSid === sid && playing.state === 'error') player.stop();
  list.setNotice(sid, null);
  try {
    const { status } = await api.requestFetch(sid);
    list.update(sid, status === 200 ? { state: 'ready', error: null } : { state: 'queued', error: null, progress: null });
    if (status === 200) refreshRow(sid);
    else poller.kick(sid);
  } catch (err) {
    // Within the server's cool-down after a failure it answers 502 + Retry-After.
    const text =
      err.status === 502 && err.retryAfter
        ? t('error.coolDown', { n: err.retryAfter.toLocaleString(currentLanguage()) })
        : t('error.retryFailed', { message: err.message });
    list.setNotice(sid, text);
  }
}

const list = createList({
  root: dom.list,
  onToggle: (sid, action) => (action === 'pause' ? player.pause() : player.play(sid)),
  onRetry: retry,
  onVisible: (sid) => poller.kick(sid),
});

/* ---- loading pages ------------------------------------------------------ */

const view = { q: '', status: '', cursor: null, loading: false, error: null, ctl: null };

async function load({ reset, keepFocus = false }) {
  if (view.ctl) view.ctl.abort();
  const ctl = new AbortController();
  view.ctl = ctl;
  view.loading = true;
  renderStatus();
  try {
    const page = await api.listRecordings({
      q: view.q,
      status: view.status,
      limit: PAGE_SIZE,
      cursor: reset ? null : view.cursor,
      signal: ctl.signal,
    });
    if (view.ctl !== ctl) return;
    if (reset) {
      poller.stopAll();
      list.clear();
    }
    const before = list.size;
    list.append(page.items, playerFor);
    view.cursor = page.next_cursor;
    view.error = null;
    // "Load more" may vanish with the last page: keep focus in the list.
    if (keepFocus && !view.cursor && list.size > before) {
      dom.list.querySelectorAll('li.rec')[before]?.querySelector('button.play')?.focus();
    }
  } catch (err) {
    if (view.ctl !== ctl || err.name === 'AbortError') return;
    view.error = err.message;
  } finally {
    if (view.ctl === ctl) {
      view.ctl = null;
      view.loading = false;
      renderStatus();
    }
  }
}

function renderStatus() {
  let text;
  if (view.loading && list.size === 0) text = t('list.loading');
  else if (view.error) text = t('list.error', { message: view.error });
  else if (!view.loading && list.size === 0) text = t('list.empty');
  else text = t(view.cursor ? 'list.countMore' : 'list.count', { n: list.size.toLocaleString(currentLanguage()) });
  dom.status.textContent = text;
  dom.status.classList.toggle('is-error', Boolean(view.error));
  dom.more.hidden = !view.cursor;
  // aria-disabled, not disabled: a disabled button would drop keyboard focus.
  dom.more.setAttribute('aria-disabled', String(view.loading));
}

let searchTimer = null;

function setQuery(patch, { debounce = false } = {}) {
  Object.assign(view, patch);
  clearTimeout(searchTimer);
  if (debounce) searchTimer = setTimeout(() => load({ reset: true }), SEARCH_DEBOUNCE_MS);
  else load({ reset: true });
}

/* ---- language --------------------------------------------------------------- */

function storedLanguage() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: fall back to the browser's languages
  }
}

function chooseLanguage(lang, { persist = false } = {}) {
  setLanguage(lang);
  if (persist) {
    try {
      localStorage.setItem(STORAGE_KEY, currentLanguage());
    } catch {
      /* not persisted; still switched for this page */
    }
  }
  applyTo(document);
  document.title = `${t('app.title')} — recd`;
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === currentLanguage()));
  }
  list.relabel();
  waveform.relabel();
  controls.relabel();
  renderNow();
  renderStatus();
}

/* ---- wiring ---------------------------------------------------------------- */

dom.q.addEventListener('input', () => setQuery({ q: normalizeQuery(dom.q.value) }, { debounce: true }));
dom.filters.addEventListener('submit', (ev) => {
  ev.preventDefault();
  setQuery({ q: normalizeQuery(dom.q.value) });
});
dom.state.addEventListener('change', () => setQuery({ status: dom.state.value }));
dom.more.addEventListener('click', () => {
  if (!view.loading) load({ reset: false, keepFocus: document.activeElement === dom.more });
});
dom.stop.addEventListener('click', () => player.stop());
for (const b of document.querySelectorAll('[data-lang]')) {
  b.addEventListener('click', () => chooseLanguage(b.dataset.lang, { persist: true }));
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') for (const li of dom.list.children) poller.kick(li.dataset.sid);
});

chooseLanguage(pickLanguage(storedLanguage(), navigator.languages ?? [navigator.language]));
load({ reset: true });

// For tests and debugging from the console: read-only views of the state.
window.recd = Object.freeze({
  player,
  waveform,
  get playing() {
    return playing;
  },
});
