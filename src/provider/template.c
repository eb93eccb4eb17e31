/* SPDX-License-Identifier: MIT */
/*
 * template.c — URL template expansion. The template comes from trusted
 * configuration and is copied as is; only the substituted values are
 * encoded, so a sid can never add a path segment or a query. The whole
 * template is always scanned, so a syntax error is reported as RECD_EINVAL
 * even when the output would also overflow. There is no escape for a
 * literal brace: a valid URL carries one as %7B anyway. Pure: any thread.
 */
#include "provider/template.h"

#include <string.h>

/* Bounded output cursor: records overflow instead of stopping. */
struct writer {
    char *out;
    size_t cap; /* bytes available, including the NUL */
    size_t len; /* bytes written or that would have been */
};

static void put(struct writer *w, char c)
{
    if (w->len + 1 < w->cap)
        w->out[w->len] = c;
    w->len++;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static void put_encoded(struct writer *w, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (unreserved(c)) {
            put(w, (char)c);
        } else {
            put(w, '%');
            put(w, hex[c >> 4]);
            put(w, hex[c & 0x0f]);
        }
    }
}

/* Index of the placeholder name[0..n) in the values array, or -1. */
static int placeholder(const char *name, size_t n)
{
    static const char *const names[] = {"call_sid", "recording_sid", "format"};
    for (size_t i = 0; i < RECD_ARRAY_LEN(names); i++) {
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
            return (int)i;
    }
    return -1;
}

recd_err template_expand(const char *tmpl, const char *call_sid, const char *recording_sid,
                         const char *format, char *out, size_t outlen)
{
    RECD_ASSERT(out && outlen > 0);
    const char *const values[3] = {call_sid, recording_sid, format};
    struct writer w = {out, outlen, 0};
    recd_err err = RECD_EINVAL;
    if (!tmpl)
        goto fail;
    for (const char *p = tmpl; *p; p++) {
        if (*p == '}')
            goto fail;
        if (*p != '{') {
            put(&w, *p);
            continue;
        }
        const char *close = strchr(p + 1, '}');
        if (!close)
            goto fail;
        int i = placeholder(p + 1, (size_t)(close - p - 1));
        if (i < 0 || !values[i] || !*values[i])
            goto fail;
        put_encoded(&w, values[i]);
        p = close;
    }
    if (w.len >= outlen) {
        err = RECD_ETOOBIG;
        goto fail;
    }
    out[w.len] = '\0';
    return RECD_OK;
fail:
    out[0] = '\0';
    return err;
}
