/* SPDX-License-Identifier: MIT */
/*
 * range.c — Range header parsing (RFC 9110 §14.1.1, §14.2).
 *
 * Only a single "bytes" range-spec is honoured. A request for several
 * ranges gets the full body (200): answering it would need a
 * multipart/byteranges response, which no audio player asks for, and RFC
 * 9110 §14.2 lets a server ignore Range. Anything malformed is ignored the
 * same way, so a bad header never turns into an error response; only a
 * well-formed range that lies outside the body gets 416.
 *
 * Leniency beyond the ABNF, as nginx and Apache do: OWS is accepted around
 * the value, after '=', around '-' and around ','; empty list elements are
 * skipped (RFC 9110 §5.6.1.2). Whitespace before '=' is not accepted.
 * Pure: any thread.
 */
#include "proto/range.h"
#include "proto/lex.h"

#include <strings.h>

/* One parsed range-spec; -1 marks an absent position. */
struct spec {
    int64_t first;
    int64_t last;
    int64_t suffix;
};

/* 1*DIGIT into *pv; false on no digit or on int64 overflow. */
static bool parse_pos(const char **pp, int64_t *pv)
{
    const char *p = *pp;
    int64_t v = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *pp = p;
    *pv = v;
    return true;
}

/* int-range or suffix-range, stopping before ',' or the end. */
static bool parse_spec(const char **pp, struct spec *sp)
{
    const char *p = *pp;
    sp->first = sp->last = sp->suffix = -1;
    if (*p == '-') {
        p = lex_skip_ows(p + 1);
        if (!parse_pos(&p, &sp->suffix))
            return false;
    } else {
        if (!parse_pos(&p, &sp->first))
            return false;
        p = lex_skip_ows(p);
        if (*p != '-')
            return false;
        p = lex_skip_ows(p + 1);
        if (*p >= '0' && *p <= '9') {
            if (!parse_pos(&p, &sp->last) || sp->last < sp->first)
                return false;
        }
    }
    p = lex_skip_ows(p);
    if (*p != ',' && *p != '\0')
        return false;
    *pp = p;
    return true;
}

/* Parse the range-set; true with exactly one spec in *sp. */
static bool parse_set(const char *p, struct spec *sp)
{
    int count = 0;
    for (;;) {
        p = lex_skip_ows(p);
        if (*p == '\0')
            break;
        if (*p == ',') {
            p++;
            continue;
        }
        /* A second range is refused before it is even parsed: see the
         * file comment. */
        if (count == 1 || !parse_spec(&p, sp))
            return false;
        count++;
    }
    return count == 1;
}

static enum range_result resolve(const struct spec *sp, int64_t size, struct byte_range *out)
{
    if (sp->suffix >= 0) {
        if (sp->suffix == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        out->start = sp->suffix >= size ? 0 : size - sp->suffix;
        out->end = size - 1;
        return RANGE_OK;
    }
    if (sp->first >= size)
        return RANGE_UNSATISFIABLE;
    out->start = sp->first;
    out->end = (sp->last < 0 || sp->last >= size) ? size - 1 : sp->last;
    return RANGE_OK;
}

enum range_result range_parse(const char *header, int64_t size, struct byte_range *out)
{
    RECD_ASSERT(size >= 0 && out);
    if (!header)
        return RANGE_NONE;
    const char *p = lex_skip_ows(header);
    if (strncasecmp(p, "bytes=", 6) != 0)
        return RANGE_IGNORE;
    struct spec sp;
    if (!parse_set(p + 6, &sp))
        return RANGE_IGNORE;
    return resolve(&sp, size, out);
}
