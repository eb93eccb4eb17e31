/* SPDX-License-Identifier: MIT */
/*
 * form.c — urlencoded form parsing (WHATWG "application/x-www-form-urlencoded
 * parsing"): split on '&', skip empty pieces, split each on the first '=',
 * decode both halves.
 *
 * Unlike browsers we reject a bad %-escape instead of passing it through:
 * the decoded values feed a signature check and the database, and a sender
 * that cannot encode is not Twilio. NUL is rejected because it would
 * silently cut a C string short. Limits are checked before any allocation.
 * Pure: any thread.
 */
#include "proto/form.h"
#include "proto/lex.h"

#include <stdlib.h>
#include <string.h>

recd_err url_decode(const char *in, size_t len, bool plus_is_space, char **pout)
{
    RECD_ASSERT(pout && (in || len == 0));
    char *out = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 2 < len ? lex_hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? lex_hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                goto fail;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0')
            goto fail;
        out[o++] = c;
    }
    out[o] = '\0';
    *pout = out;
    return RECD_OK;
fail:
    free(out);
    *pout = NULL;
    return RECD_EINVAL;
}

/* Non-empty '&'-separated pieces in len bytes of body. */
static size_t count_pieces(const char *body, size_t len)
{
    size_t n = 0;
    bool in_piece = false;
    for (size_t i = 0; i < len; i++) {
        if (body[i] == '&') {
            in_piece = false;
        } else if (!in_piece) {
            in_piece = true;
            n++;
        }
    }
    return n;
}

static recd_err decode_piece(const char *s, size_t len, struct form_pair *pair)
{
    const char *eq = memchr(s, '=', len);
    size_t klen = eq ? (size_t)(eq - s) : len;
    recd_err err = url_decode(s, klen, true, &pair->key);
    if (err != RECD_OK)
        return err;
    if (eq)
        return url_decode(eq + 1, len - klen - 1, true, &pair->value);
    pair->value = xstrdup("");
    return RECD_OK;
}

recd_err form_parse(const char *body, size_t len, struct form_pair **ppairs, size_t *pn)
{
    RECD_ASSERT(ppairs && pn && (body || len == 0));
    *ppairs = NULL;
    *pn = 0;
    if (len > FORM_MAX_BODY)
        return RECD_ETOOBIG;
    size_t total = count_pieces(body, len);
    if (total > FORM_MAX_PAIRS)
        return RECD_ETOOBIG;
    if (total == 0)
        return RECD_OK;
    struct form_pair *pairs = xcalloc(total, sizeof(*pairs));
    size_t n = 0;
    recd_err err = RECD_OK;
    for (size_t i = 0; i < len;) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t plen = amp ? (size_t)(amp - (body + i)) : len - i;
        if (plen > 0) {
            /* Count the pair first: a half-decoded one is freed with it. */
            n++;
            err = decode_piece(body + i, plen, &pairs[n - 1]);
            if (err != RECD_OK)
                goto fail;
        }
        i += plen + 1;
    }
    RECD_ASSERT(n == total);
    *ppairs = pairs;
    *pn = n;
    return RECD_OK;
fail:
    form_free(pairs, n);
    return err;
}

void form_free(struct form_pair *pairs, size_t n)
{
    if (!pairs)
        return;
    for (size_t i = 0; i < n; i++) {
        free(pairs[i].key);
        free(pairs[i].value);
    }
    free(pairs);
}

const char *form_get(const struct form_pair *pairs, size_t n, const char *key)
{
    if (!pairs || !key)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(pairs[i].key, key) == 0)
            return pairs[i].value;
    }
    return NULL;
}
