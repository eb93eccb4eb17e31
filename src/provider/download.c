/* SPDX-License-Identifier: MIT */
/*
 * download.c — one libcurl GET into a file descriptor (sha256 computed as
 * bytes arrive) or a bounded memory buffer, and the one mapping from HTTP
 * statuses and curl errors to recd_err that every backend shares.
 *
 * Invariant: only a 2xx body reaches the sink; an error response is
 * dropped at its first byte, so a 404 page never lands in a temp file.
 * Credentials are handed to libcurl without CURLOPT_UNRESTRICTED_AUTH, so
 * libcurl keeps them from a redirect target on another host or port.
 *
 * Threads: a transfer lives on the stack of the calling thread.
 */
#include "provider/download.h"

#include "proto/retry_after.h"
#include "util/clock.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PROGRESS_BYTES (64 * 1024)
#define PROGRESS_MS 250
#define MAX_REDIRECTS 5L

enum stop_reason { STOP_NONE = 0, STOP_STATUS, STOP_TOOBIG, STOP_IO, STOP_LEASE, STOP_NOT_AUDIO };

#define AUDIO_HEAD 12 /* bytes that tell WAV or MP3 from anything else */

struct transfer {
    CURL *h;
    const struct download_req *req;
    int fd;                /* file sink, or -1 for the memory sink */
    EVP_MD_CTX *md;        /* with the file sink */
    char *buf;             /* memory sink */
    size_t buflen, bufcap, buflimit;
    int64_t bytes;         /* body bytes accepted so far */
    int64_t length;        /* Content-Length, -1 when unknown */
    bool started;          /* first body chunk seen: status and length checked */
    int64_t last_cb_bytes, last_cb_ms;
    enum stop_reason stop; /* why a callback made curl abort */
    unsigned char head[AUDIO_HEAD]; /* expect_audio: the body's first bytes */
    size_t headlen;
    int write_errno;       /* with STOP_IO */
};

recd_err download_fail(struct provider_result *out, recd_err err, const char *code,
                       const char *fmt, ...)
{
    va_list ap;
    recd_strlcpy(out->error_code, code, sizeof(out->error_code));
    va_start(ap, fmt);
    vsnprintf(out->error_message, sizeof(out->error_message), fmt, ap);
    va_end(ap);
    return err;
}

void download_req_init(struct download_req *r, const struct fetch_job *j, const char *url,
                       const char *what)
{
    memset(r, 0, sizeof(*r));
    r->url = url;
    r->what = what;
    r->connect_timeout_ms = j->cfg->connect_timeout_ms;
    r->low_speed_timeout_ms = j->cfg->low_speed_timeout_ms;
    r->max_bytes = j->cfg->max_bytes;
    r->cb = j->cb;
    r->ctx = j->ctx;
}

/* ---- callbacks -------------------------------------------------------- */

/* Tell the caller how far we are; false (and STOP_LEASE) if it says stop. */
static bool report(struct transfer *t, bool by_bytes)
{
    int64_t now = clock_mono_ms();
    bool due = now - t->last_cb_ms >= PROGRESS_MS ||
               (by_bytes && t->bytes - t->last_cb_bytes >= PROGRESS_BYTES);
    if (!t->req->cb || !due)
        return true;
    t->last_cb_ms = now;
    t->last_cb_bytes = t->bytes;
    /* The memory sink is a listing, not the recording: report no bytes. */
    int64_t done = t->fd >= 0 ? t->bytes : 0;
    int64_t total = t->fd >= 0 && t->length > 0 ? t->length : 0;
    if (t->req->cb(done, total, t->req->ctx))
        return true;
    t->stop = STOP_LEASE;
    return false;
}

/* First body bytes: headers are complete, so judge status and length now. */
static bool start_body(struct transfer *t)
{
    long status = 0;
    curl_off_t cl = -1;
    t->started = true;
    curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        t->stop = STOP_STATUS;
        return false;
    }
    curl_easy_getinfo(t->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    t->length = cl;
    if (cl >= 0 && ((t->req->max_bytes > 0 && cl > t->req->max_bytes) ||
                    (t->fd < 0 && (uint64_t)cl > t->buflimit))) {
        t->stop = STOP_TOOBIG;
        return false;
    }
    return true;
}

static bool sink_fd(struct transfer *t, const char *data, size_t n)
{
    EVP_DigestUpdate(t->md, data, n);
    while (n > 0) {
        ssize_t w = write(t->fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            t->write_errno = w < 0 ? errno : EIO;
            t->stop = STOP_IO;
            return false;
        }
        data += w;
        n -= (size_t)w;
    }
    return true;
}

static bool sink_mem(struct transfer *t, const char *data, size_t n)
{
    if (n > t->buflimit - t->buflen) {
        t->stop = STOP_TOOBIG;
        return false;
    }
    if (t->buflen + n + 1 > t->bufcap) {
        size_t cap = t->bufcap ? t->bufcap : 4096;
        while (cap < t->buflen + n + 1)
            cap *= 2;
        t->buf = xrealloc(t->buf, cap);
        t->bufcap = cap;
    }
    memcpy(t->buf + t->buflen, data, n);
    t->buflen += n;
    t->buf[t->buflen] = '\0';
    return true;
}

bool download_looks_like_audio(const unsigned char *h, size_t len)
{
    if (len < AUDIO_HEAD)
        return false;
    bool riff = (memcmp(h, "RIFF", 4) == 0 || memcmp(h, "RF64", 4) == 0) && memcmp(h + 8, "WAVE", 4) == 0;
    bool id3 = memcmp(h, "ID3", 3) == 0;
    bool frame = h[0] == 0xFF && (h[1] & 0xE0) == 0xE0;
    return riff || id3 || frame;
}

/* With expect_audio, hold back nothing but judge the head as soon as it is
 * complete: usually inside the first chunk, before anything is written. */
static bool audio_head(struct transfer *t, const char *data, size_t n)
{
    if (!t->req->expect_audio || t->headlen == AUDIO_HEAD)
        return true;
    size_t take = AUDIO_HEAD - t->headlen < n ? AUDIO_HEAD - t->headlen : n;
    memcpy(t->head + t->headlen, data, take);
    t->headlen += take;
    if (t->headlen < AUDIO_HEAD || download_looks_like_audio(t->head, t->headlen))
        return true;
    t->stop = STOP_NOT_AUDIO;
    return false;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct transfer *t = ud;
    size_t n = size * nmemb;
    if (!t->started && !start_body(t))
        return 0;
    if (!audio_head(t, data, n))
        return 0;
    if (t->req->max_bytes > 0 && (int64_t)n > t->req->max_bytes - t->bytes) {
        t->stop = STOP_TOOBIG;
        return 0;
    }
    if (!(t->fd >= 0 ? sink_fd(t, data, n) : sink_mem(t, data, n)))
        return 0;
    t->bytes += (int64_t)n;
    return report(t, true) ? n : 0;
}

/* Called by libcurl at least once a second, also while connecting or
 * stalled: this is what lets a lost lease stop a slow transfer. */
static int on_xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct transfer *t = ud;
    return report(t, false) ? 0 : 1;
}

/* ---- request setup and outcome ---------------------------------------- */

static bool set_auth(CURL *h, const struct download_auth *a)
{
    bool ok = true;
    if (a->bearer) {
        ok &= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, a->bearer) == CURLE_OK;
    } else if (a->basic_user) {
        ok &= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_USERNAME, a->basic_user) == CURLE_OK;
        ok &= curl_easy_setopt(h, CURLOPT_PASSWORD,
                               a->basic_password ? a->basic_password : "") == CURLE_OK;
    }
    return ok;
}

static bool setup(struct transfer *t, char *errbuf)
{
    CURL *h = t->h;
    const struct download_req *r = t->req;
    long low_speed_s = (long)((r->low_speed_timeout_ms + 999) / 1000);
    bool ok = true;

    curl_easy_reset(h);
    ok &= curl_easy_setopt(h, CURLOPT_URL, r->url) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_MAXREDIRS, MAX_REDIRECTS) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)r->connect_timeout_ms) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, low_speed_s > 0 ? low_speed_s : 1L) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_USERAGENT, "recd/" RECD_VERSION) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_WRITEDATA, t) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_XFERINFODATA, t) == CURLE_OK;
    ok &= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
    ok &= set_auth(h, &r->auth);
    return ok;
}

static int64_t retry_after(CURL *h)
{
    struct curl_header *hdr = NULL;
    int64_t delay = 0;
    if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
        return 0;
    if (!retry_after_parse(hdr->value, clock_now_ms(), &delay) || delay < 0)
        return 0;
    return delay;
}

static recd_err from_status(struct transfer *t, long status, struct provider_result *out)
{
    const char *what = t->req->what;
    if (status == 404 || status == 410)
        return download_fail(out, RECD_ENOTFOUND, "recording_not_found",
                             "HTTP %ld fetching the %s", status, what);
    if (status == 401 || status == 403)
        return download_fail(out, RECD_EAUTH, "upstream_auth",
                             "HTTP %ld fetching the %s: credentials rejected", status, what);
    if (status == 429 || status == 503)
        out->retry_after_ms = retry_after(t->h);
    if (status >= 500 || status == 408 || status == 429)
        return download_fail(out, RECD_EUPSTREAM, "upstream_error",
                             "HTTP %ld fetching the %s", status, what);
    return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                         "unexpected HTTP %ld fetching the %s", status, what);
}

static recd_err from_curl(struct transfer *t, CURLcode rc, const char *errbuf,
                          struct provider_result *out)
{
    const char *text = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    const char *what = t->req->what;
    switch (rc) {
    case CURLE_PARTIAL_FILE:
        return download_fail(out, RECD_ETRUNCATED, "truncated",
                             "%s truncated after %lld bytes: %s", what, (long long)t->bytes, text);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
        return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                             "fetching the %s: %s", what, text);
    default:
        return download_fail(out, RECD_EUPSTREAM, "upstream_error",
                             "fetching the %s: %s", what, text);
    }
}

static recd_err not_audio(struct provider_result *out, const char *what)
{
    return download_fail(out, RECD_EUPSTREAM_PERM, "recording_not_audio",
                         "the %s is neither WAV nor MP3 (encrypted with Twilio Voice Recording "
                         "Encryption?): refused", what);
}

/* Why a callback stopped the transfer, if it did for a local reason. */
static recd_err from_stop(struct transfer *t, struct provider_result *out)
{
    const char *what = t->req->what;
    switch (t->stop) {
    case STOP_LEASE:
        return download_fail(out, RECD_ELEASE, "lease_lost", "%s download aborted: lease lost",
                             what);
    case STOP_IO:
        return download_fail(out, RECD_EIO, "io_error", "writing the %s: %s", what,
                             strerror(t->write_errno));
    case STOP_TOOBIG:
        if (t->fd < 0)
            return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                                 "%s larger than %zu bytes", what, t->buflimit);
        return download_fail(out, RECD_ETOOBIG, "too_big", "%s larger than %lld bytes", what,
                             (long long)t->req->max_bytes);
    case STOP_NOT_AUDIO:
        return not_audio(out, what);
    case STOP_NONE:
    case STOP_STATUS:
        break;
    }
    return RECD_OK;
}

static recd_err outcome(struct transfer *t, CURLcode rc, const char *errbuf,
                        struct provider_result *out)
{
    long status = 0;
    curl_easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
    out->http_status = (int)status;
    recd_err err = from_stop(t, out);
    if (err != RECD_OK)
        return err;
    if (status != 0 && (status < 200 || status > 299))
        return from_status(t, status, out);
    if (rc != CURLE_OK)
        return from_curl(t, rc, errbuf, out);
    if (t->length >= 0 && t->bytes != t->length)
        return download_fail(out, RECD_ETRUNCATED, "truncated",
                             "%s: got %lld of %lld bytes", t->req->what, (long long)t->bytes,
                             (long long)t->length);
    if (t->bytes == 0)
        return download_fail(out, RECD_EUPSTREAM, "upstream_error",
                             "HTTP %ld with an empty body fetching the %s", status, t->req->what);
    if (t->req->expect_audio && t->headlen < AUDIO_HEAD) /* too short to tell: not audio */
        return not_audio(out, t->req->what);
    return RECD_OK;
}

static recd_err perform(struct transfer *t, struct provider_result *out)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    t->length = -1;
    t->last_cb_ms = clock_mono_ms();
    if (!setup(t, errbuf))
        return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                             "libcurl refused an option for the %s request", t->req->what);
    CURLcode rc = curl_easy_perform(t->h);
    recd_err err = outcome(t, rc, errbuf, out);
    /* The handle outlives this frame (keep-alive); don't leave it pointing here. */
    curl_easy_setopt(t->h, CURLOPT_ERRORBUFFER, NULL);
    return err;
}

static void hex_encode(const unsigned char *md, unsigned int n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
}

recd_err download_to_fd(CURL *h, const struct download_req *req, int fd,
                        struct provider_result *out)
{
    struct transfer t = { .h = h, .req = req, .fd = fd };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    t.md = EVP_MD_CTX_new();
    RECD_ASSERT(t.md != NULL);
    int ok = EVP_DigestInit_ex(t.md, EVP_sha256(), NULL);
    RECD_ASSERT(ok == 1);
    recd_err err = perform(&t, out);
    out->bytes = t.bytes;
    if (err == RECD_OK) {
        ok = EVP_DigestFinal_ex(t.md, md, &mdlen);
        RECD_ASSERT(ok == 1 && mdlen == 32);
        hex_encode(md, mdlen, out->sha256);
    }
    EVP_MD_CTX_free(t.md);
    return err;
}

recd_err download_to_mem(CURL *h, const struct download_req *req, size_t limit, char **pbody,
                         size_t *plen, struct provider_result *out)
{
    struct transfer t = { .h = h, .req = req, .fd = -1, .buflimit = limit };
    *pbody = NULL;
    *plen = 0;
    recd_err err = perform(&t, out);
    if (err != RECD_OK) {
        free(t.buf);
        return err;
    }
    *pbody = t.buf;
    *plen = t.buflen;
    return RECD_OK;
}

/* ---- URLs ------------------------------------------------------------- */

static bool origin_of(const char *url, char **scheme, char **host, char **port)
{
    CURLU *u = curl_url();
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK;
    curl_url_cleanup(u);
    return ok;
}

bool download_same_origin(const char *a, const char *b)
{
    char *sa = NULL, *ha = NULL, *pa = NULL, *sb = NULL, *hb = NULL, *pb = NULL;
    bool same = origin_of(a, &sa, &ha, &pa) && origin_of(b, &sb, &hb, &pb) &&
                strcasecmp(sa, sb) == 0 && strcasecmp(ha, hb) == 0 && strcmp(pa, pb) == 0;
    curl_free(sa);
    curl_free(ha);
    curl_free(pa);
    curl_free(sb);
    curl_free(hb);
    curl_free(pb);
    return same;
}

/* The path of url (dot segments resolved by libcurl); caller curl_free()s. */
static char *path_of(const char *url)
{
    char *path = NULL;
    CURLU *u = curl_url();
    if (u && (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
              curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK))
        path = NULL;
    curl_url_cleanup(u);
    return path;
}

bool download_url_under(const char *url, const char *base)
{
    if (!download_same_origin(url, base))
        return false;
    char *p = path_of(url), *prefix = path_of(base);
    bool under = p && prefix && strncmp(p, prefix, strlen(prefix)) == 0;
    curl_free(p);
    curl_free(prefix);
    return under;
}

/* The last path segment of url, [*pseg, *pend); false when it has no path. */
static bool last_segment(const char *url, const char **pseg, const char **pend)
{
    const char *end = url + strcspn(url, "?#");
    const char *authority = strstr(url, "://");
    const char *path = NULL;
    if (authority && authority < end)
        path = memchr(authority + 3, '/', (size_t)(end - authority - 3));
    if (!path)
        return false;
    const char *seg = end;
    while (seg[-1] != '/') /* stops at path + 1 at the latest */
        seg--;
    *pseg = seg;
    *pend = end;
    return true;
}

bool download_url_format(const char *url, char pformat[8])
{
    const char *seg, *end;
    if (!last_segment(url, &seg, &end))
        return false;
    const char *dot = memrchr(seg, '.', (size_t)(end - seg));
    if (!dot || end - dot != 4)
        return false;
    if (strncasecmp(dot + 1, "wav", 3) != 0 && strncasecmp(dot + 1, "mp3", 3) != 0)
        return false;
    for (int i = 0; i < 3; i++)
        pformat[i] = (char)tolower((unsigned char)dot[1 + i]);
    pformat[3] = '\0';
    return true;
}

bool download_url_with_ext(const char *url, const char *format, char *out, size_t len,
                           char pformat[8])
{
    const char *seg, *end;
    recd_strlcpy(pformat, format, 8);
    if (last_segment(url, &seg, &end) && !memchr(seg, '.', (size_t)(end - seg))) {
        /* Twilio's RecordingUrl has no extension; the extension picks the format. */
        int n = snprintf(out, len, "%.*s.%s%s", (int)(end - url), url, format, end);
        return n >= 0 && (size_t)n < len;
    }
    download_url_format(url, pformat);
    return recd_strlcpy(out, url, len);
}
