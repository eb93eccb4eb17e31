// SPDX-License-Identifier: MIT
/*
 * i18n.js — the UI language: which one (navigator.languages, or the
 * user's choice kept in localStorage), its strings, and number, date and
 * duration formatting in it. Hebrew flips <html dir> to rtl; the layout
 * mirrors through CSS logical properties, while call_sids, durations and
 * sizes are wrapped in dir="ltr" by the callers.
 * Main thread only; one current language per page.
 */
import en from './i18n/en.js';
import he from './i18n/he.js';

export const TABLES = Object.freeze({ en, he });
export const STORAGE_KEY = 'recd.lang';
const RTL = new Set(['he']);

let lang = 'en';

/** 'he' for any he* (or legacy iw*) preference before an English one, else 'en'. */
export function pickLanguage(stored, preferred = []) {
  if (stored && Object.hasOwn(TABLES, stored)) return stored;
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base === 'he' || base === 'iw') return 'he';
    if (base === 'en') return 'en';
  }
  return 'en';
}

export function currentLanguage() {
  return lang;
}

export function isRtl(l = lang) {
  return RTL.has(l);
}

/** Switch language; returns the language actually set. */
export function setLanguage(l) {
  lang = Object.hasOwn(TABLES, l) ? l : 'en';
  return lang;
}

/** The string for key with {name} placeholders filled; the key itself if missing. */
export function t(key, params = {}) {
  const s = TABLES[lang][key] ?? TABLES.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** True if key has a string (in the current language or English). */
export function has(key) {
  return Object.hasOwn(TABLES[lang], key) || Object.hasOwn(TABLES.en, key);
}

/** Seconds as m:ss (h:mm:ss past an hour); null/invalid → em dash. */
export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(Number(seconds)) || seconds < 0) return t('meta.unknown');
  const total = Math.round(Number(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const dateFormats = new Map();

/** An RFC 3339 timestamp as a medium date and short time in the UI language. */
export function formatDate(iso) {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return t('meta.unknown');
  if (!dateFormats.has(lang)) {
    dateFormats.set(lang, new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }));
  }
  return dateFormats.get(lang).format(d);
}

/** Bytes as kB/MB with the UI language's digits and separators. */
export function formatBytes(n) {
  if (n == null || !Number.isFinite(Number(n)) || n < 0) return t('meta.unknown');
  const units = [
    ['gigabyte', 1e9],
    ['megabyte', 1e6],
    ['kilobyte', 1e3],
  ];
  for (const [unit, size] of units) {
    if (n >= size) {
      return new Intl.NumberFormat(lang, { style: 'unit', unit, maximumFractionDigits: 1 }).format(n / size);
    }
  }
  return new Intl.NumberFormat(lang, { style: 'unit', unit: 'byte' }).format(n);
}

/** A 0..1 ratio as a whole percentage. */
export function formatPercent(ratio) {
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}

/**
 * Translate the static markup: data-i18n (text), data-i18n-placeholder,
 * data-i18n-aria-label; and set <html lang dir>.
 */
export function applyTo(doc) {
  doc.documentElement.lang = lang;
  doc.documentElement.dir = isRtl() ? 'rtl' : 'ltr';
  for (const el of doc.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of doc.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of doc.querySelectorAll('[data-i18n-aria-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  }
}
