/* SPDX-License-Identifier: MIT */
/*
 * conditional.c — entity-tag lists and If-Range.
 *
 * A malformed If-None-Match is treated as not matching: the worst outcome
 * is a full 200 the client did not need, never a 304 it cannot use. The
 * opaque-tag is compared with its quotes, byte for byte (RFC 9110 §8.8.3).
 * If-Range by date does not check that Last-Modified is a strong validator
 * (§13.1.5): our files never change once cached, so the date is exact.
 * Pure: any thread.
 */
#include "proto/conditional.h"
#include "proto/lex.h"

#include <string.h>

#include "util/clock.h"

/* Longest If-Range date we try to parse; IMF-fixdate is 29 bytes. */
#define DATE_MAX 64

struct tag {
    const char *opaque; /* points at the opening DQUOTE */
    size_t len;         /* DQUOTE to DQUOTE inclusive */
    bool weak;
};

/* etagc = %x21 / %x23-7E / obs-text */
static bool etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; advances *pp past it. */
static bool parse_tag(const char **pp, struct tag *t)
{
    const char *p = *pp;
    t->weak = false;
    if (p[0] == 'W' && p[1] == '/') {
        t->weak = true;
        p += 2;
    }
    if (*p != '"')
        return false;
    const char *q = p + 1;
    while (etagc((unsigned char)*q))
        q++;
    if (*q != '"')
        return false;
    t->opaque = p;
    t->len = (size_t)(q + 1 - p);
    *pp = q + 1;
    return true;
}

/* Our own tag, split the same way; false if it is not a valid tag. */
static bool own_tag(const char *etag, struct tag *t)
{
    if (!etag)
        return false;
    const char *p = etag;
    return parse_tag(&p, t) && *p == '\0';
}

static bool same_opaque(const struct tag *a, const struct tag *b)
{
    return a->len == b->len && memcmp(a->opaque, b->opaque, a->len) == 0;
}

bool cond_if_none_match(const char *header, const char *etag)
{
    struct tag ours;
    if (!header || !own_tag(etag, &ours))
        return false;
    const char *p = lex_skip_ows(header);
    if (*p == '*')
        return *lex_skip_ows(p + 1) == '\0';
    bool matched = false;
    for (;;) {
        p = lex_skip_ows(p);
        if (*p == '\0')
            break;
        if (*p == ',') {
            p++;
            continue;
        }
        struct tag t;
        if (!parse_tag(&p, &t))
            return false;
        p = lex_skip_ows(p);
        if (*p != ',' && *p != '\0')
            return false;
        /* Keep parsing after a match so a malformed tail still fails. */
        matched = matched || same_opaque(&t, &ours);
    }
    return matched;
}

static bool if_range_date(const char *p, int64_t last_modified_ms)
{
    char date[DATE_MAX];
    size_t n = strlen(p);
    while (n > 0 && lex_is_ows(p[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(date))
        return false;
    memcpy(date, p, n);
    date[n] = '\0';
    int64_t when = clock_parse_http(date);
    if (when == -1) /* the only failure value: dates are whole seconds */
        return false;
    /* HTTP dates have one-second resolution; floor, also for pre-1970. */
    int64_t lm = last_modified_ms - (((last_modified_ms % 1000) + 1000) % 1000);
    return when == lm;
}

bool cond_if_range(const char *header, const char *etag, int64_t last_modified_ms)
{
    if (!header)
        return true;
    const char *p = lex_skip_ows(header);
    if (*p == '"' || (p[0] == 'W' && p[1] == '/')) {
        struct tag t, ours;
        if (!parse_tag(&p, &t) || *lex_skip_ows(p) != '\0')
            return false;
        return !t.weak && own_tag(etag, &ours) && !ours.weak && same_opaque(&t, &ours);
    }
    return if_range_date(p, last_modified_ms);
}
