/* SPDX-License-Identifier: MIT */
/*
 * log.c — renders events as logfmt or JSON lines. The format and level
 * are process configuration, set once by log_init before threads start.
 */
#include "util/log.h"
#include "util/clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_format g_format = LOG_LOGFMT; /* set once at start-up */
static enum log_level g_min_level = LOG_INFO;

static const char *level_names[] = { "debug", "info", "warn", "error" };

void log_init(enum log_format format, enum log_level min_level)
{
    g_format = format;
    g_min_level = min_level;
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

struct line {
    char buf[2048];
    size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
    size_t room = sizeof(l->buf) - 2 - l->len; /* keep space for "\n" */
    if (n > room)
        n = room;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void puts_(struct line *l, const char *s)
{
    put(l, s, strlen(s));
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

static void put_escaped(struct line *l, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char)c };
            put(l, esc, 2);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            puts_(l, esc);
        } else {
            put(l, (const char *)&c, 1);
        }
    }
}

static void put_value(struct line *l, const struct log_field *f, bool json)
{
    if (!f->s) {
        char num[24];
        snprintf(num, sizeof(num), "%" PRId64, f->i);
        puts_(l, num);
    } else if (json || needs_quotes(f->s)) {
        puts_(l, "\"");
        put_escaped(l, f->s);
        puts_(l, "\"");
    } else {
        puts_(l, f->s);
    }
}

static void put_field(struct line *l, const struct log_field *f, bool json, bool first)
{
    if (json) {
        puts_(l, first ? "{\"" : ",\"");
        puts_(l, f->key);
        puts_(l, "\":");
    } else {
        if (!first)
            puts_(l, " ");
        puts_(l, f->key);
        puts_(l, "=");
    }
    put_value(l, f, json);
}

void log_fields(enum log_level level, const char *event, size_t n, const struct log_field *f)
{
    if (level < g_min_level)
        return;
    char ts[32];
    clock_format_iso(clock_now_ms(), ts, sizeof(ts));
    bool json = g_format == LOG_JSON;
    struct line l = { .len = 0 };
    struct log_field head[3] = {
        { "ts", ts, 0 }, { "level", level_names[level], 0 }, { "event", event, 0 },
    };
    for (size_t i = 0; i < 3; i++)
        put_field(&l, &head[i], json, i == 0);
    for (size_t i = 0; i < n; i++)
        put_field(&l, &f[i], json, false);
    if (json)
        puts_(&l, "}");
    l.buf[l.len++] = '\n';
    ssize_t w = write(STDERR_FILENO, l.buf, l.len);
    (void)w; /* nowhere to report a failed log write */
}
