/* SPDX-License-Identifier: MIT */
/*
 * http.c — an incremental HTTP/1.1 response parser just big enough for the
 * bench: status, Content-Length, chunked bodies, read-to-EOF bodies and
 * Retry-After. Bodies are counted, not kept (except an optional capture
 * for /metrics). One parser per connection; no shared state.
 */
#include "benchc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t bc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool bc_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    if (!s || !*s)
        return false;
    long long v = strtoll(s, &end, 10);
    if (end == s || (*end != '\0' && *end != '\r' && *end != ' ') || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

double bc_pct(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return -1;
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return sorted[k - 1];
}

void bc_resp_reset(struct bc_resp *r)
{
    r->hdr[0] = '\0';
    r->hlen = 0;
    r->hdr_done = false;
    r->status = 0;
    r->mode = B_EOF;
    r->clen = -1;
    r->body = 0;
    r->retry_after_s = -1;
    r->chunk_state = 0;
    r->chunk_left = 0;
    r->line_len = 0;
    r->cap_len = 0;
}

static void capture(struct bc_resp *r, const char *p, size_t n)
{
    if (!r->capture)
        return;
    size_t room = BC_CAPTURE_CAP - 1 - r->cap_len;
    if (n > room)
        n = room;
    memcpy(r->capture + r->cap_len, p, n);
    r->cap_len += n;
    r->capture[r->cap_len] = '\0';
}

/* Value of header `name` in the (NUL-terminated) header block, or NULL. */
static const char *find_header(const char *hdr, const char *name)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(hdr, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            h += nl + 1;
            while (*h == ' ' || *h == '\t')
                h++;
            return h;
        }
    }
    return NULL;
}

static bool parse_head(struct bc_resp *r)
{
    int64_t v = 0;
    if (strncmp(r->hdr, "HTTP/1.", 7) != 0 || r->hlen < 12)
        return false;
    char code[4] = { r->hdr[9], r->hdr[10], r->hdr[11], '\0' };
    if (!bc_parse_i64(code, 100, 599, &v))
        return false;
    r->status = (int)v;
    const char *te = find_header(r->hdr, "Transfer-Encoding");
    const char *cl = find_header(r->hdr, "Content-Length");
    const char *ra = find_header(r->hdr, "Retry-After");
    if (ra && bc_parse_i64(ra, 0, 3600, &v))
        r->retry_after_s = (int)v;
    if (te && strncasecmp(te, "chunked", 7) == 0) {
        r->mode = B_CHUNKED;
    } else if (cl) {
        if (!bc_parse_i64(cl, 0, INT64_MAX, &v))
            return false;
        r->mode = B_LENGTH;
        r->clen = v;
    } else if (r->status == 204 || r->status == 304) {
        r->mode = B_LENGTH;
        r->clen = 0;
    } else {
        r->mode = B_EOF;
    }
    return true;
}

/* One chunked-encoding step over p[0..n); returns bytes used. */
static size_t chunk_step(struct bc_resp *r, const char *p, size_t n, bool *perr)
{
    if (r->chunk_state == 1) {
        size_t take = (int64_t)n < r->chunk_left ? n : (size_t)r->chunk_left;
        capture(r, p, take);
        r->body += (int64_t)take;
        r->chunk_left -= (int64_t)take;
        if (r->chunk_left == 0)
            r->chunk_state = 2;
        return take;
    }
    /* states 0, 2, 3 are line based */
    size_t i = 0;
    while (i < n && p[i] != '\n') {
        if (r->line_len < sizeof(r->line) - 1)
            r->line[r->line_len++] = p[i];
        i++;
    }
    if (i == n)
        return n;
    r->line[r->line_len] = '\0';
    if (r->line_len > 0 && r->line[r->line_len - 1] == '\r')
        r->line[--r->line_len] = '\0';
    if (r->chunk_state == 0) {
        char *end = NULL;
        long long size = strtoll(r->line, &end, 16);
        if (end == r->line || size < 0) {
            *perr = true;
            return n;
        }
        r->chunk_left = size;
        r->chunk_state = size == 0 ? 3 : 1;
    } else if (r->chunk_state == 2) {
        r->chunk_state = 0;
    } else if (r->line_len == 0) {
        r->chunk_state = 4;
    }
    r->line_len = 0;
    return i + 1;
}

static enum bc_feed feed_body(struct bc_resp *r, const char *p, size_t n)
{
    if (r->mode == B_LENGTH) {
        int64_t left = r->clen - r->body;
        size_t take = (int64_t)n < left ? n : (size_t)left;
        capture(r, p, take);
        r->body += (int64_t)take;
        if (take < n)
            return FEED_ERROR; /* bytes past the body: we never pipeline */
        return r->body == r->clen ? FEED_DONE : FEED_MORE;
    }
    if (r->mode == B_EOF) {
        capture(r, p, n);
        r->body += (int64_t)n;
        return FEED_MORE;
    }
    bool err = false;
    while (n > 0 && r->chunk_state != 4 && !err) {
        size_t used = chunk_step(r, p, n, &err);
        p += used;
        n -= used;
    }
    if (err || (r->chunk_state == 4 && n > 0))
        return FEED_ERROR;
    return r->chunk_state == 4 ? FEED_DONE : FEED_MORE;
}

enum bc_feed bc_resp_feed(struct bc_resp *r, const char *p, size_t n)
{
    if (!r->hdr_done) {
        size_t from = r->hlen > 3 ? r->hlen - 3 : 0;
        size_t take = n < BC_HDR_CAP - 1 - r->hlen ? n : BC_HDR_CAP - 1 - r->hlen;
        memcpy(r->hdr + r->hlen, p, take);
        r->hlen += take;
        r->hdr[r->hlen] = '\0';
        char *end = strstr(r->hdr + from, "\r\n\r\n");
        if (!end)
            return r->hlen >= BC_HDR_CAP - 1 ? FEED_ERROR : FEED_MORE;
        size_t head_len = (size_t)(end - r->hdr) + 4;
        size_t rest = r->hlen - head_len;    /* body bytes that were copied */
        size_t consumed = take - rest;       /* of this call's input */
        end[2] = '\0';                       /* keep the last header's CRLF */
        r->hlen = head_len;
        r->hdr_done = true;
        if (!parse_head(r))
            return FEED_ERROR;
        p += consumed;
        n -= consumed;
        if (r->mode == B_LENGTH && r->clen == 0)
            return n == 0 ? FEED_DONE : FEED_ERROR;
        if (n == 0)
            return FEED_MORE;
    }
    return feed_body(r, p, n);
}

enum bc_feed bc_resp_eof(struct bc_resp *r)
{
    return r->hdr_done && r->mode == B_EOF ? FEED_DONE : FEED_ERROR;
}
