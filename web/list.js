// SPDX-License-Identifier: MIT
/*
 * list.js — the recordings list. One <li> per call_sid, built once and
 * then updated in place (so focus and the button under the pointer
 * survive every progress tick and player state change). A row combines
 * the server's item (+ newest run) with the player's state for that sid.
 * Main thread only.
 */
import { t, formatDate, formatDuration, formatBytes, formatPercent } from './i18n.js';

const ACTIVE = new Set(['queued', 'running']);
const LOADING = new Set(['checking', 'waiting', 'ready']);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'hidden') node.hidden = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

function buildRow(sid) {
  const label = el('span', { class: 'label' });
  const btn = el('button', { type: 'button', class: 'play' }, el('span', { class: 'icon', 'aria-hidden': 'true' }), label);
  const sidEl = el('span', { class: 'sid', dir: 'ltr', translate: 'no' }, sid);
  // Numbers sit in ltr <bdi>s; the spans around them keep the page direction
  // so the separators between them land on the right side in Hebrew too.
  const time = el('time');
  const durText = el('bdi', { dir: 'ltr' });
  const sizeText = el('bdi', { dir: 'ltr' });
  const dur = el('span', { class: 'dur' }, durText);
  const size = el('span', { class: 'size' }, sizeText);
  const badge = el('span', { class: 'badge' });
  const progress = el('progress', { max: '1' });
  const progText = el('span', { class: 'prog-text' });
  const prog = el('div', { class: 'prog', hidden: true }, progress, progText);
  const errText = el('span', { class: 'err-text' });
  const errDetail = el('span', { class: 'err-detail', dir: 'auto' });
  const retry = el('button', { type: 'button', class: 'retry', hidden: true });
  const err = el('div', { class: 'err', hidden: true }, el('p', {}, errText, ' ', errDetail), retry);
  const li = el(
    'li',
    { class: 'rec', dataset: { sid } },
    btn,
    el('div', { class: 'main' }, sidEl, el('span', { class: 'meta' }, time, dur, size)),
    badge,
    el('div', { class: 'detail' }, prog, err),
  );
  return { li, btn, label, time, dur, durText, size, sizeText, badge, prog, progress, progText, err, errText, errDetail, retry };
}

/* The failure to show for a row, or null: the player's own error wins. */
function failureOf(row) {
  if (row.player === 'error' && row.playerError) {
    const e = row.playerError;
    const detail = e.kind === 'upstream' && e.message ? e.message : '';
    return { text: t(`error.${e.kind}`), detail };
  }
  const state = row.item.state;
  if (row.notice) return { text: row.notice, detail: '' };
  if (state === 'missing') return { text: t('error.not_found'), detail: '' };
  if (state !== 'failed') return null;
  const e = row.item.error || {};
  const text = e.code === 'recording_not_found' ? t('error.not_found') : t('error.upstream');
  return { text, detail: e.message || row.run?.error_message || '' };
}

/* The recording is still being processed at the provider: no bytes yet. */
export function isPending(row) {
  return row.item?.pending === true || (row.run?.pending === true && !(Number(row.run.bytes_done) > 0));
}

function renderProgress(row, r) {
  const active = ACTIVE.has(row.item.state) || row.player === 'waiting';
  r.prog.hidden = !active;
  if (!active) return;
  const run = row.run;
  const total = Number(run?.bytes_total) || 0;
  let ratio = total > 0 ? Math.min(1, (Number(run.bytes_done) || 0) / total) : null;
  // A 0 from the server before the size is known says nothing: stay indeterminate.
  if (ratio === null && typeof row.item.progress === 'number' && row.item.progress > 0) ratio = row.item.progress;
  if (ratio === null) {
    r.progress.removeAttribute('value'); // indeterminate
    // Pending: the provider has not finished post-processing (SPEC §3).
    r.progText.textContent = isPending(row) ? t('progress.pending') : t('progress.waiting');
  } else {
    r.progress.value = ratio;
    const bytes = total > 0 ? t('progress.bytes', { done: formatBytes(run.bytes_done), total: formatBytes(total) }) : '';
    r.progText.textContent = [formatPercent(ratio), bytes].filter(Boolean).join(' · ');
  }
  if (run?.attempt > 1) r.progText.textContent += ` · ${t('progress.attempt', { n: run.attempt })}`;
  r.progress.setAttribute('aria-label', t('aria.progress', { sid: row.sid }));
}

function render(row) {
  const r = row.els;
  const { item, sid } = row;
  const state = item.state || 'remote';
  r.li.dataset.state = state;
  r.li.dataset.player = row.player;

  const playing = row.player === 'playing';
  const loading = LOADING.has(row.player);
  const verb = playing ? 'pause' : loading ? 'loading' : 'play';
  r.label.textContent = t(`action.${verb}`);
  r.btn.setAttribute('aria-label', t(`aria.${verb}`, { sid }));
  r.btn.dataset.action = playing ? 'pause' : 'play';
  r.btn.setAttribute('aria-busy', String(loading));

  r.time.dateTime = item.created_at || '';
  r.time.textContent = formatDate(item.created_at);
  r.durText.textContent = formatDuration(item.duration_s);
  r.dur.title = t('meta.duration');
  r.sizeText.textContent = item.size_bytes ? formatBytes(item.size_bytes) : '';
  r.size.hidden = !item.size_bytes;
  r.size.title = t('meta.size');

  r.badge.dataset.state = state;
  r.badge.textContent = t(`state.${state}`);

  renderProgress(row, r);

  const failure = failureOf(row);
  r.err.hidden = !failure;
  r.errText.textContent = failure?.text ?? '';
  r.errDetail.textContent = failure?.detail ? t('error.detail', { message: failure.detail }) : '';
  const canRetry = state === 'failed' && !loading && !playing;
  r.retry.hidden = !canRetry;
  r.retry.textContent = t('action.retry');
  r.retry.setAttribute('aria-label', t('aria.retry', { sid }));
}

/**
 * The list view. Callbacks: onToggle(sid, action 'play'|'pause'),
 * onRetry(sid), onVisible(sid) when a row scrolls into view.
 */
export function createList({ root, onToggle, onRetry, onVisible = () => {} }) {
  const rows = new Map();
  const visible = new Set();
  const observer =
    typeof IntersectionObserver === 'function'
      ? new IntersectionObserver((entries) => {
          for (const e of entries) {
            const sid = e.target.dataset.sid;
            if (e.isIntersecting) visible.add(sid);
            else visible.delete(sid);
            if (e.isIntersecting) onVisible(sid);
          }
        })
      : null;

  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button');
    const li = btn?.closest('li.rec');
    if (!li || !root.contains(li)) return;
    const sid = li.dataset.sid;
    if (btn.classList.contains('play')) onToggle(sid, btn.dataset.action);
    else if (btn.classList.contains('retry')) onRetry(sid);
  });

  function upsert(item, playerState = 'idle', playerError = null) {
    let row = rows.get(item.call_sid);
    if (!row) {
      row = { sid: item.call_sid, item, run: null, player: playerState, playerError, notice: null };
      row.els = buildRow(row.sid);
      rows.set(row.sid, row);
      root.append(row.els.li);
      if (observer) observer.observe(row.els.li);
      else visible.add(row.sid);
    }
    return row;
  }

  return {
    /** Remove every row (a new query). */
    clear() {
      if (observer) observer.disconnect();
      rows.clear();
      visible.clear();
      root.replaceChildren();
    },
    /** Add a page of items; rows already present are updated instead. */
    append(items, playerFor) {
      for (const item of items) {
        const p = playerFor(item.call_sid);
        const row = upsert(item, p.state, p.error);
        row.item = { ...row.item, ...item };
        render(row);
      }
    },
    /** New server data for one row (from polling or a retry). */
    update(sid, item) {
      const row = rows.get(sid);
      if (!row) return;
      const { runs, ...rest } = item;
      row.item = { ...row.item, ...rest };
      if (Array.isArray(runs)) row.run = runs[0] ?? null;
      render(row);
    },
    /** The player's state for sid changed. */
    setPlayer(sid, state, error) {
      const row = rows.get(sid);
      if (!row) return;
      row.player = state;
      row.playerError = state === 'error' ? error : null;
      if (state === 'checking') row.notice = null;
      render(row);
    },
    /** A one-line problem to show on the row (a failed retry). */
    setNotice(sid, text) {
      const row = rows.get(sid);
      if (!row) return;
      row.notice = text;
      render(row);
    },
    /** Re-render every row in the current language. */
    relabel() {
      for (const row of rows.values()) render(row);
    },
    has: (sid) => rows.has(sid),
    item: (sid) => rows.get(sid)?.item ?? null,
    isVisible: (sid) => visible.has(sid),
    get size() {
      return rows.size;
    },
  };
}
