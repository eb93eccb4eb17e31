/* SPDX-License-Identifier: MIT */
/*
 * retry_after.c — Retry-After = HTTP-date / delta-seconds. A huge delta is
 * clamped rather than rejected (RFC 9110 §1.2: a too-large integer means
 * "as large as you can"), so a server asking for a long pause still gets
 * one. Dates go through clock_parse_http (IMF-fixdate only). Pure: any thread.
 */
#include "proto/retry_after.h"
#include "proto/lex.h"

#include <string.h>

#include "util/clock.h"

/* Longest date string we try; IMF-fixdate is 29 bytes. */
#define DATE_MAX 64

static bool parse_delta(const char *p, size_t n, int64_t *pdelay_ms)
{
    int64_t secs = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        if (secs <= RETRY_AFTER_MAX_MS / 1000)
            secs = secs * 10 + (p[i] - '0');
    }
    int64_t ms = secs * 1000;
    *pdelay_ms = ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ms;
    return true;
}

static bool parse_date(const char *p, size_t n, int64_t now_ms, int64_t *pdelay_ms)
{
    char date[DATE_MAX];
    if (n >= sizeof(date))
        return false;
    memcpy(date, p, n);
    date[n] = '\0';
    int64_t when = clock_parse_http(date);
    if (when == -1) /* the only failure value: dates are whole seconds */
        return false;
    int64_t delay = when - now_ms;
    if (delay < 0)
        delay = 0;
    *pdelay_ms = delay > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : delay;
    return true;
}

bool retry_after_parse(const char *value, int64_t now_ms, int64_t *pdelay_ms)
{
    if (!value || !pdelay_ms)
        return false;
    while (lex_is_ows(*value))
        value++;
    size_t n = strlen(value);
    while (n > 0 && lex_is_ows(value[n - 1]))
        n--;
    if (n == 0)
        return false;
    if (value[0] >= '0' && value[0] <= '9')
        return parse_delta(value, n, pdelay_ms);
    return parse_date(value, n, now_ms, pdelay_ms);
}
