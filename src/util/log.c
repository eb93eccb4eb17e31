/* SPDX-License-Identifier: MIT */
/*
 * log.c — renders events as logfmt or JSON lines. The format and level
 * are process configuration, set by log_init before threads start; SIGHUP
 * may change them later (log_set), hence atomics: a line already being
 * rendered keeps the format it started with.
 */
#include "util/log.h"
#include "util/clock.h"
#include "util/utf8.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static _Atomic int g_format = LOG_LOGFMT; /* enum log_format */
static _Atomic int g_min_level = LOG_INFO; /* enum log_level */

static const char *level_names[] = { "debug", "info", "warn", "error" };

void log_init(enum log_format format, enum log_level min_level)
{
    log_set(format, min_level);
}

void log_set(enum log_format format, enum log_level min_level)
{
    atomic_store(&g_format, (int)format);
    atomic_store(&g_min_level, (int)min_level);
}

bool log_level_parse(const char *s, enum log_level *pl)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(level_names); i++)
        if (strcmp(s, level_names[i]) == 0) {
            *pl = (enum log_level)i;
            return true;
        }
    return false;
}

bool log_format_parse(const char *s, enum log_format *pf)
{
    if (strcmp(s, "logfmt") == 0)
        *pf = LOG_LOGFMT;
    else if (strcmp(s, "json") == 0)
        *pf = LOG_JSON;
    else
        return false;
    return true;
}

/* A line is at most LINE_MAX bytes and always well formed: pieces are
 * added whole or not at all, and the bytes that close an open value, the
 * JSON object and the line are reserved up front. */
#define LINE_MAX_BYTES 2048
#define LINE_RESERVE 4 /* '"' '}' '\n' NUL */

struct line {
    char buf[LINE_MAX_BYTES];
    size_t len;
    bool full;  /* something did not fit: add nothing more */
};

static bool put(struct line *l, const char *s, size_t n)
{
    if (l->full || l->len + n > sizeof(l->buf) - LINE_RESERVE) {
        l->full = true;
        return false;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
    return true;
}

static bool puts_(struct line *l, const char *s)
{
    return put(l, s, strlen(s));
}

static bool needs_quotes(const char *s)
{
    if (*s == '\0')
        return true;
    for (; *s; s++)
        if (*s <= ' ' || *s == '"' || *s == '=' || *s == '\\' || (unsigned char)*s >= 0x7f)
            return true;
    return false;
}

/* Escapes quotes, backslashes and control bytes; in JSON, bytes that are
 * not well-formed UTF-8 become U+FFFD so the line stays valid JSON. */
static void put_escaped(struct line *l, const char *s, bool json)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t avail = strlen(s);
    while (avail > 0) {
        unsigned char c = *p;
        char esc[8];
        size_t n = 1;
        bool ok;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            ok = put(l, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            ok = puts_(l, esc);
        } else if (c < 0x80 || !json) {
            ok = put(l, (const char *)p, 1);
        } else if ((n = utf8_char_len(p, avail)) > 0) {
            ok = put(l, (const char *)p, n);
        } else {
            n = 1;
            ok = puts_(l, "\\ufffd");
        }
        if (!ok)
            return;
        p += n;
        avail -= n;
    }
}

/* false if nothing of the value fit (the caller drops the whole field). */
static bool put_value(struct line *l, const struct log_field *f, bool json)
{
    if (!f->s) {
        char num[24];
        snprintf(num, sizeof(num), "%" PRId64, f->i);
        return puts_(l, num);
    }
    if (!json && !needs_quotes(f->s))
        return puts_(l, f->s);
    if (!puts_(l, "\""))
        return false;
    put_escaped(l, f->s, json);
    /* Closes the value even when it was cut: the reserve holds it. */
    l->buf[l->len++] = '"';
    return true;
}

static void put_field(struct line *l, const struct log_field *f, bool json, bool first)
{
    if (l->full)
        return;
    size_t mark = l->len;
    bool ok;
    if (json)
        ok = puts_(l, first ? "{\"" : ",\"") && puts_(l, f->key) && puts_(l, "\":");
    else
        ok = (first || puts_(l, " ")) && puts_(l, f->key) && puts_(l, "=");
    if (!ok || !put_value(l, f, json)) {
        l->len = mark; /* a field is written whole or not at all */
        l->full = true;
    }
}

void log_fields(enum log_level level, const char *event, size_t n, const struct log_field *f)
{
    if ((int)level < atomic_load_explicit(&g_min_level, memory_order_relaxed))
        return;
    char ts[32];
    clock_format_iso(clock_now_ms(), ts, sizeof(ts));
    bool json = atomic_load_explicit(&g_format, memory_order_relaxed) == LOG_JSON;
    struct line l = { .len = 0 };
    struct log_field head[3] = {
        { "ts", ts, 0 }, { "level", level_names[level], 0 }, { "event", event, 0 },
    };
    for (size_t i = 0; i < 3; i++)
        put_field(&l, &head[i], json, i == 0);
    for (size_t i = 0; i < n; i++)
        put_field(&l, &f[i], json, false);
    if (json)
        l.buf[l.len++] = '}';
    l.buf[l.len++] = '\n';
    ssize_t w = write(STDERR_FILENO, l.buf, l.len);
    (void)w; /* nowhere to report a failed log write */
}
