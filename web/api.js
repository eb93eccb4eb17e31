// SPDX-License-Identifier: MIT
/*
 * api.js — the JSON half of recd's HTTP API as the screen uses it
 * (SPEC.md §2). Every failure becomes an ApiError carrying the server's
 * {"error":{code,message}} when there is one. No state; main thread.
 */

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; /* whole seconds from Retry-After, or null */
  }
}

async function request(url, { method = 'GET', signal, fetchFn = globalThis.fetch } = {}) {
  const res = await fetchFn(url, { method, signal, headers: { Accept: 'application/json' }, cache: 'no-store' });
  let body = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    const err = body?.error;
    const ra = /^\d+$/.test(res.headers.get('Retry-After') ?? '') ? Number(res.headers.get('Retry-After')) : null;
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `HTTP ${res.status}`, ra);
  }
  return { status: res.status, body };
}

/** One page of recordings: { items, next_cursor }. */
export async function listRecordings({ status = '', q = '', limit = 25, cursor = null, signal } = {}) {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (q) params.set('q', q);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  const { body } = await request(`/api/recordings?${params}`, { signal });
  return { items: Array.isArray(body?.items) ? body.items : [], next_cursor: body?.next_cursor ?? null };
}

/** One recording with its runs (newest first). Not a readiness check. */
export async function getRecording(sid, { signal } = {}) {
  const { body } = await request(`/api/recordings/${encodeURIComponent(sid)}`, { signal });
  return body;
}

/** Ask for a fetch through the server's dedup path: 202 queued, 200 cached. */
export async function requestFetch(sid) {
  const { status, body } = await request(`/api/recordings/${encodeURIComponent(sid)}/fetch`, { method: 'POST' });
  return { status, body };
}
