// SPDX-License-Identifier: MIT
/*
 * list.js — the recordings list. One <li> per call_sid, built once and
 * then updated in place (so focus and the button under the pointer
 * survive every progress tick and player state change). A row combines
 * the server's item (+ newest run) with the player's state for that sid.
 * Main thread only.
 */
import { t, has, formatDate, formatDuration, formatBytes, formatPercent } from './i18n.js';
import { formatPhone } from './phone.js';

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
  // The button's name is its visible word plus the recording, so what a
  // speech-input user says ("Play") is part of the name (WCAG 2.5.3).
  const label = el('span', { class: 'label' });
  const btnSuffix = el('span', { class: 'visually-hidden' });
  const btn = el('button', { type: 'button', class: 'play' }, el('span', { class: 'icon', 'aria-hidden': 'true' }), label, btnSuffix);
  const sidEl = el('span', { class: 'sid', dir: 'ltr', translate: 'no' }, sid);
  const call = buildCall();
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
  // The server's message is English whatever the page's language: say so.
  const errDetail = el('span', { lang: 'en', dir: 'ltr' });
  const errDetailLabel = el('span');
  const errDetailWrap = el('span', { class: 'err-detail', hidden: true }, errDetailLabel, ' ', errDetail);
  const retry = el('button', { type: 'button', class: 'retry', hidden: true });
  const err = el('div', { class: 'err', hidden: true }, el('p', {}, errText, ' ', errDetailWrap), retry);
  const li = el(
    'li',
    { class: 'rec', dataset: { sid } },
    btn,
    el('div', { class: 'main' }, sidEl, call.root, el('span', { class: 'meta' }, time, dur, size)),
    badge,
    el('div', { class: 'detail' }, prog, err),
  );
  return { li, btn, label, btnSuffix, call, time, dur, durText, size, sizeText, badge, prog, progress, progText, err, errText, errDetail, errDetailLabel, errDetailWrap, retry };
}

/* Who called whom: direction, numbers (isolated ltr), agent, labels. */
function buildCall() {
  const dir = el('span', { class: 'dir' });
  const from = el('bdi', { dir: 'ltr', class: 'num', translate: 'no' });
  const to = el('bdi', { dir: 'ltr', class: 'num', translate: 'no' });
  const parties = el('span', { class: 'parties' });
  const agent = el('bdi', { dir: 'auto' });
  const agentWrap = el('span', { class: 'agent' }, agent);
  const labels = el('span', { class: 'labels' });
  const root = el('span', { class: 'call', hidden: true }, dir, parties, agentWrap, labels);
  return { root, dir, from, to, parties, agent, agentWrap, labels };
}

/* Fields from older servers or recordings registered without details are
 * simply absent: each part shows only when there is something to show. */
function renderCall(c, item) {
  const direction = typeof item.direction === 'string' ? item.direction : '';
  const dirKey = direction.startsWith('inbound') ? 'inbound' : direction.startsWith('outbound') ? 'outbound' : null;
  c.dir.hidden = !dirKey;
  c.dir.dataset.direction = dirKey ?? '';
  c.dir.textContent = dirKey ? t(`call.direction.${dirKey}`) : '';

  const from = formatPhone(item.from);
  const to = formatPhone(item.to);
  c.from.textContent = from;
  c.to.textContent = to;
  c.from.title = item.from ?? '';
  c.to.title = item.to ?? '';
  if (from && to) {
    // "{from} → {to}" with each number in its own ltr <bdi>
    const [before, mid, after] = t('call.fromTo').split(/\{from\}|\{to\}/);
    c.parties.replaceChildren(before ?? '', c.from, mid ?? '', c.to, after ?? '');
    c.parties.removeAttribute('title');
  } else {
    c.parties.replaceChildren(...(from ? [`${t('call.from')} `, c.from] : to ? [`${t('call.to')} `, c.to] : []));
  }
  c.parties.hidden = !from && !to;

  const agent = typeof item.agent === 'string' ? item.agent.trim() : '';
  c.agent.textContent = agent;
  c.agentWrap.title = t('call.agent');
  c.agentWrap.hidden = !agent;

  const labels = Array.isArray(item.labels) ? item.labels.filter((l) => typeof l === 'string' && l.trim()) : [];
  c.labels.replaceChildren(...labels.map((l) => el('bdi', { class: 'chip', dir: 'auto' }, l)));
  c.labels.title = t('call.labels');
  c.labels.hidden = labels.length === 0;

  c.root.hidden = c.dir.hidden && c.parties.hidden && c.agentWrap.hidden && c.labels.hidden;
}

/* A failure in the page's language from its code; the server's own
 * (English) message is only a detail. */
function codeText(code, kind) {
  if (code && has(`code.${code}`)) return t(`code.${code}`);
  return t(`error.${kind}`);
}

/* The failure to show for a row, or null: the player's own error wins. */
function failureOf(row) {
  if (row.player === 'error' && row.playerError) {
    const e = row.playerError;
    const detail = e.kind === 'upstream' && e.message ? e.message : '';
    return { text: codeText(e.code, e.kind), detail };
  }
  const state = row.item.state;
  if (row.notice) return { text: row.notice, detail: '' };
  if (state === 'missing') return { text: t('error.not_found'), detail: '' };
  if (state !== 'failed') return null;
  const e = row.item.error || {};
  const code = e.code || row.run?.error_code || null;
  const kind = code === 'recording_not_found' ? 'not_found' : 'upstream';
  return { text: codeText(code, kind), detail: e.message || row.run?.error_message || '' };
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
  r.btnSuffix.textContent = t('row.suffix', { sid });
  r.btn.dataset.action = playing ? 'pause' : 'play';
  r.btn.setAttribute('aria-busy', String(loading));

  // When the call started (local time) if known, else when recd learned of it.
  const when = item.started_at || item.created_at;
  r.time.dateTime = when || '';
  r.time.textContent = formatDate(when);
  r.time.title = item.started_at ? t('call.started') : '';
  renderCall(r.call, item);
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
  r.errDetailLabel.textContent = failure?.detail ? t('error.serverSaid') : '';
  r.errDetail.textContent = failure?.detail ?? '';
  r.errDetailWrap.hidden = !failure?.detail;
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
