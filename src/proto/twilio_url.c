/* SPDX-License-Identifier: MIT */
/*
 * twilio_url.c — the URL spellings twilio-node's validateRequest tries,
 * built from recd's public base and the request target as received:
 *
 *   removePort(u), addPort(u)        u without / with its port
 *   withLegacyQuerystring(...)       the same with the query re-encoded
 *
 * where u is new URL(base + target): scheme and host lower-cased, bytes
 * outside the WHATWG path and query sets percent-encoded. The target as
 * received (not normalised) is tried too, with and without the port: it is
 * what Twilio put on the wire, so it is what it signed when the configured
 * URL needed no normalising. Pure: any thread.
 */
#include "proto/twilio_url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a growing string ------------------------------------------------- */

struct sb {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_hex(struct sb *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = { '%', hex[c >> 4], hex[c & 15] };
    sb_put(b, e, 3);
}

static char *sb_take(struct sb *b)
{
    if (!b->p)
        sb_put(b, "", 0);
    return b->p;
}

/* ---- the base URL ----------------------------------------------------- */

struct base {
    const char *scheme;
    size_t scheme_len;
    const char *user;
    size_t user_len; /* "user:pw@" or empty */
    const char *host;
    size_t host_len; /* "example.com" or "[::1]" */
    const char *port;
    size_t port_len; /* digits, or empty */
    const char *prefix;
    size_t prefix_len; /* "/recd" or empty, no trailing '/' */
};

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* host[:port] of an authority without its userinfo. */
static bool split_host_port(const char *a, size_t n, struct base *b)
{
    const char *colon = NULL;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close)
            return false;
        colon = close + 1 < a + n ? close + 1 : NULL;
        if (colon && *colon != ':')
            return false;
    } else {
        colon = memrchr(a, ':', n);
    }
    b->host = a;
    b->host_len = colon ? (size_t)(colon - a) : n;
    b->port = colon ? colon + 1 : "";
    b->port_len = colon ? n - b->host_len - 1 : 0;
    return b->host_len > 0 && all_digits(b->port, b->port_len) && b->port_len <= 5;
}

static bool base_parse(const char *s, struct base *b)
{
    memset(b, 0, sizeof(*b));
    const char *sep = strstr(s, "://");
    if (!sep || strpbrk(s, "?# \t\r\n"))
        return false;
    b->scheme = s;
    b->scheme_len = (size_t)(sep - s);
    if (!((b->scheme_len == 4 && strncasecmp(s, "http", 4) == 0) ||
          (b->scheme_len == 5 && strncasecmp(s, "https", 5) == 0)))
        return false;
    const char *auth = sep + 3;
    size_t auth_len = strcspn(auth, "/");
    const char *at = memrchr(auth, '@', auth_len);
    b->user = auth;
    b->user_len = at ? (size_t)(at + 1 - auth) : 0;
    b->prefix = auth + auth_len;
    b->prefix_len = strlen(b->prefix);
    while (b->prefix_len > 0 && b->prefix[b->prefix_len - 1] == '/')
        b->prefix_len--;
    return split_host_port(auth + b->user_len, auth_len - b->user_len, b);
}

static const char *default_port(const struct base *b)
{
    return b->scheme_len == 5 ? "443" : "80";
}

/* ---- WHATWG normalisation ---------------------------------------------- */

enum part { PART_PATH, PART_QUERY };

/* The WHATWG path and special-query percent-encode sets ('%' is kept). */
static bool must_encode(unsigned char c, enum part part)
{
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '#' || c == '<' || c == '>')
        return true;
    if (part == PART_QUERY)
        return c == '\'';
    return c == '?' || c == '`' || c == '{' || c == '}';
}

static void put_encoded(struct sb *b, const char *s, size_t n, enum part part)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (must_encode(c, part))
            sb_hex(b, c);
        else
            sb_put(b, s + i, 1);
    }
}

static void put_lower(struct sb *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)tolower((unsigned char)s[i]);
        sb_put(b, &c, 1);
    }
}

/* ---- Node's querystring ------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Bytes after a lead byte: how many, and the range of the first one. */
static int utf8_need(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        return 1;
    if (c == 0xE0)
        *lo = 0xA0;
    else if (c == 0xED)
        *hi = 0x9F;
    if (c >= 0xE0 && c <= 0xEF)
        return 2;
    if (c == 0xF0)
        *lo = 0x90;
    else if (c == 0xF4)
        *hi = 0x8F;
    return c >= 0xF0 && c <= 0xF4 ? 3 : -1;
}

/* Append s[0..n) to b with every maximal ill-formed subpart replaced by
 * U+FFFD, as the WHATWG UTF-8 decoder (and so Buffer.toString) does. */
static void put_utf8_fixed(struct sb *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char lo, hi;
        int need = s[i] < 0x80 ? 0 : utf8_need(s[i], &lo, &hi);
        size_t j = i + 1;
        for (int k = 0; k < need && j < n; k++, j++) {
            unsigned char c = s[j];
            if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xBF))
                break;
        }
        if (need >= 0 && j - i == (size_t)need + 1)
            sb_put(b, (const char *)s + i, j - i);
        else
            sb_str(b, "\xEF\xBF\xBD");
        i = j;
    }
}

/* querystring.unescape: '+' is a space, %XX decoded, a bad escape kept. */
static char *qs_decode_dup(const char *s, size_t n)
{
    struct sb raw = { 0 }, out = { 0 };
    for (size_t i = 0; i < n; i++) {
        char c = s[i] == '+' ? ' ' : s[i];
        if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        sb_put(&raw, &c, 1);
    }
    put_utf8_fixed(&out, (const unsigned char *)raw.p, raw.len);
    free(raw.p);
    return sb_take(&out);
}

/* querystring.escape: encodeURIComponent's unreserved set stays. */
static void put_qs_escaped(struct sb *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) && c < 0x80)
            sb_put(b, s, 1);
        else if (strchr("-_.!~*'()", c) && c != '\0')
            sb_put(b, s, 1);
        else
            sb_hex(b, c);
    }
}

struct qs_pair {
    char *key, *value;
    size_t group;   /* position of the first pair with this key */
    size_t pos;     /* own position: a key's values keep their order */
    bool index_key; /* a JavaScript array index: ordered first, numerically */
    unsigned long long index;
};

/* "0" or [1-9][0-9]* up to 2^32 - 2: a key JavaScript orders first. */
static bool array_index(const char *k, unsigned long long *pv)
{
    size_t n = strlen(k);
    if (n == 0 || n > 10 || !all_digits(k, n) || (n > 1 && k[0] == '0'))
        return false;
    *pv = strtoull(k, NULL, 10);
    return *pv <= 4294967294ULL;
}

static int qs_pair_cmp(const void *a, const void *b)
{
    const struct qs_pair *x = a, *y = b;
    if (x->index_key != y->index_key)
        return x->index_key ? -1 : 1;
    if (x->index_key && x->index != y->index)
        return x->index < y->index ? -1 : 1;
    if (x->group != y->group) /* other keys: order of first appearance */
        return x->group < y->group ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

char *twilio_legacy_query_dup(const char *query, size_t len)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += query[i] == '&';
    struct qs_pair *pairs = xcalloc(cap, sizeof(*pairs));
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *amp = memchr(query + i, '&', len - i);
        size_t plen = amp ? (size_t)(amp - (query + i)) : len - i;
        if (plen > 0) {
            const char *piece = query + i;
            const char *eq = memchr(piece, '=', plen);
            size_t klen = eq ? (size_t)(eq - piece) : plen;
            struct qs_pair *p = &pairs[n];
            p->key = qs_decode_dup(piece, klen);
            p->value = eq ? qs_decode_dup(eq + 1, plen - klen - 1) : xstrdup("");
            p->pos = n;
            p->group = n;
            for (size_t j = 0; j < n; j++) {
                if (strcmp(pairs[j].key, p->key) == 0) {
                    p->group = pairs[j].group;
                    break;
                }
            }
            p->index_key = array_index(p->key, &p->index);
            n++;
        }
        i += plen + 1;
    }
    qsort(pairs, n, sizeof(*pairs), qs_pair_cmp);
    struct sb out = { 0 };
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sb_put(&out, "&", 1);
        put_qs_escaped(&out, pairs[i].key);
        sb_put(&out, "=", 1);
        put_qs_escaped(&out, pairs[i].value);
        free(pairs[i].key);
        free(pairs[i].value);
    }
    free(pairs);
    return sb_take(&out);
}

/* ---- the spellings ----------------------------------------------------- */

/* Re-encoding groups keys (quadratic in the worst case) before anyone is
 * authenticated; a configured callback URL has a handful of parameters. */
#define LEGACY_MAX_PAIRS 64

enum query_form { QUERY_RAW, QUERY_NORMALISED, QUERY_LEGACY };

struct target {
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len; /* after '?'; NULL: no '?' */
};

static char *spell(const struct base *b, const struct target *t, enum query_form form,
                   bool with_port)
{
    struct sb s = { 0 };
    bool norm = form != QUERY_RAW;
    if (norm)
        put_lower(&s, b->scheme, b->scheme_len);
    else
        sb_put(&s, b->scheme, b->scheme_len);
    sb_str(&s, "://");
    sb_put(&s, b->user, b->user_len);
    if (norm)
        put_lower(&s, b->host, b->host_len);
    else
        sb_put(&s, b->host, b->host_len);
    if (with_port) {
        sb_str(&s, ":");
        if (b->port_len)
            sb_put(&s, b->port, b->port_len);
        else
            sb_str(&s, default_port(b));
    }
    if (norm) {
        put_encoded(&s, b->prefix, b->prefix_len, PART_PATH);
        put_encoded(&s, t->path, t->path_len, PART_PATH);
    } else {
        sb_put(&s, b->prefix, b->prefix_len);
        sb_put(&s, t->path, t->path_len);
    }
    if (t->query) {
        sb_str(&s, "?");
        if (form == QUERY_RAW) {
            sb_put(&s, t->query, t->query_len);
        } else if (form == QUERY_NORMALISED) {
            put_encoded(&s, t->query, t->query_len, PART_QUERY);
        } else {
            char *legacy = twilio_legacy_query_dup(t->query, t->query_len);
            sb_str(&s, legacy);
            free(legacy);
        }
    }
    return sb_take(&s);
}

static size_t pieces(const struct target *t)
{
    size_t n = 1;
    for (size_t i = 0; i < t->query_len; i++)
        n += t->query[i] == '&';
    return n;
}

static void add_unique(struct twilio_urls *u, char *url)
{
    for (size_t i = 0; i < u->n; i++) {
        if (strcmp(u->url[i], url) == 0) {
            free(url);
            return;
        }
    }
    RECD_ASSERT(u->n < TWILIO_URLS_MAX);
    u->url[u->n++] = url;
}

recd_err twilio_urls_build(const char *base, const char *target, struct twilio_urls *out)
{
    struct base b;
    struct target t = { 0 };
    memset(out, 0, sizeof(*out));
    if (!base || !target || target[0] != '/' || !base_parse(base, &b) || strchr(target, '#'))
        return RECD_EINVAL;
    const char *q = strchr(target, '?');
    t.path = target;
    t.path_len = q ? (size_t)(q - target) : strlen(target);
    t.query = q ? q + 1 : NULL;
    t.query_len = q ? strlen(q + 1) : 0;
    static const enum query_form forms[] = { QUERY_RAW, QUERY_NORMALISED, QUERY_LEGACY };
    for (size_t f = 0; f < RECD_ARRAY_LEN(forms); f++) {
        /* The helper re-encodes only a non-empty query (URL.search). */
        if (forms[f] == QUERY_LEGACY && (t.query_len == 0 || pieces(&t) > LEGACY_MAX_PAIRS))
            continue;
        add_unique(out, spell(&b, &t, forms[f], false));
        add_unique(out, spell(&b, &t, forms[f], true));
    }
    return RECD_OK;
}

void twilio_urls_free(struct twilio_urls *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n; i++)
        free(u->url[i]);
    u->n = 0;
}
