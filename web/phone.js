// SPDX-License-Identifier: MIT
/*
 * phone.js — phone numbers for people to read: an E.164 number
 * ("+14155550123") in digit groups ("+1 415 555 0123"), anything else
 * (client:alice, sip:…, a short code) as it came. The country code is
 * split off by ITU-T's code lengths; the national part is grouped from
 * the end in fours and threes, which reads well for most numbering plans
 * without a metadata table. Pure; no DOM. Callers isolate the result in a
 * dir="ltr" <bdi> so it reads the same inside Hebrew text.
 */

/* One- and two-digit country codes (E.164 assigns three digits to the rest). */
const CC1 = new Set(['1', '7']);
const CC2 = new Set(
  ('20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 ' +
    '60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98').split(' '),
);

/** The country code of an E.164 digit string (without '+'). */
export function countryCode(digits) {
  if (CC1.has(digits[0])) return digits[0];
  if (CC2.has(digits.slice(0, 2))) return digits.slice(0, 2);
  return digits.slice(0, 3);
}

/* "4155550123" → "415 555 0123"; "501234567" → "50 123 4567". */
function groupNational(n) {
  if (n.length <= 4) return n;
  const last = n.slice(-4);
  const rest = n.slice(0, -4);
  const groups = [];
  for (let i = rest.length; i > 0; i -= 3) groups.unshift(rest.slice(Math.max(0, i - 3), i));
  return [...groups, last].join(' ');
}

/** A readable form of a phone number; '' for null/empty. */
export function formatPhone(value) {
  if (value == null) return '';
  const s = String(value).trim();
  const m = /^\+(\d{4,15})$/.exec(s);
  if (!m) return s;
  const digits = m[1];
  const cc = countryCode(digits);
  return `+${cc} ${groupNational(digits.slice(cc.length))}`;
}

/**
 * What the search box sends as q: a query that looks like a phone number
 * ("+1 (415) 555-01") loses its spaces and punctuation, so it matches the
 * E.164 form recd stores; anything else is sent as typed (trimmed).
 */
export function normalizeQuery(q) {
  const s = String(q ?? '').trim();
  if (/^\+?[\d\s().-]+$/.test(s) && /\d/.test(s)) return s.replace(/[^\d+]/g, '');
  return s;
}
