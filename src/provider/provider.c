/* SPDX-License-Identifier: MIT */
/*
 * provider.c — configuration, lifetime and dispatch of the upstream
 * provider: validates a provider_config once, keeps its own copy of every
 * string, and hands each fetch to twilio.c or url.c with a fresh curl handle.
 *
 * Invariant: p->cfg is complete and valid (defaults applied) and never
 * changes after provider_new(), so fetches on many threads share it freely.
 */
#include "provider/provider.h"

#include "proto/sid.h"
#include "provider/download.h"
#include "provider/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_LOW_SPEED_TIMEOUT_MS 30000
#define DEFAULT_TWILIO_API_BASE "https://api.twilio.com"

struct provider {
    struct provider_config cfg; /* every string points into owned[] or is NULL */
    char *owned[8];
    size_t nowned;
};

const char *provider_kind_name(enum provider_kind k)
{
    switch (k) {
    case PROVIDER_TWILIO: return "twilio";
    case PROVIDER_URL: return "url";
    }
    return "unknown";
}

static bool is_set(const char *s)
{
    return s && *s;
}

static bool is_http_url(const char *s)
{
    return is_set(s) && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static bool format_known(const char *f)
{
    return f && (strcmp(f, "wav") == 0 || strcmp(f, "mp3") == 0);
}

static const char *keep_n(struct provider *p, const char *s, size_t n)
{
    RECD_ASSERT(p->nowned < RECD_ARRAY_LEN(p->owned));
    p->owned[p->nowned] = xstrndup(s, n);
    return p->owned[p->nowned++];
}

/* Keep a private copy of an optional string ("" becomes NULL). */
static const char *keep(struct provider *p, const char *s)
{
    return is_set(s) ? keep_n(p, s, strlen(s)) : NULL;
}

static const char *check_twilio(const struct provider_config *c)
{
    if (!sid_valid(c->twilio_account_sid))
        return "twilio: account SID missing or malformed";
    if (!is_set(c->twilio_auth_token))
        return "twilio: auth token missing";
    if (is_set(c->twilio_api_base) && !is_http_url(c->twilio_api_base))
        return "twilio: api base must be an http:// or https:// URL";
    return NULL;
}

static const char *check_url(const struct provider_config *c)
{
    char probe[2048];
    if (!is_http_url(c->url_template))
        return "url: template must be an http:// or https:// URL";
    if (template_expand(c->url_template, "CA0", "RE0", "wav", probe, sizeof(probe)) ==
        RECD_EINVAL)
        return "url: template has an unknown placeholder or an unbalanced brace";
    if (is_set(c->url_bearer_token) && is_set(c->url_basic_user))
        return "url: set a bearer token or basic credentials, not both";
    if (is_set(c->url_basic_password) && !is_set(c->url_basic_user))
        return "url: basic password without a user";
    return NULL;
}

static const char *check(const struct provider_config *c)
{
    if (is_set(c->media_format) && !format_known(c->media_format))
        return "media format must be wav or mp3";
    if (c->kind == PROVIDER_TWILIO)
        return check_twilio(c);
    if (c->kind == PROVIDER_URL)
        return check_url(c);
    return "unknown provider kind";
}

struct provider *provider_new(const struct provider_config *cfg, char *err, size_t errlen)
{
    const char *why = check(cfg);
    if (why) {
        snprintf(err, errlen, "provider: %s", why);
        return NULL;
    }
    struct provider *p = xcalloc(1, sizeof(*p));
    struct provider_config *c = &p->cfg;
    c->kind = cfg->kind;
    c->twilio_account_sid = keep(p, cfg->twilio_account_sid);
    c->twilio_auth_token = keep(p, cfg->twilio_auth_token);
    const char *base = is_set(cfg->twilio_api_base) ? cfg->twilio_api_base : DEFAULT_TWILIO_API_BASE;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') /* "{base}/2010-04-01" must not get "//" */
        n--;
    c->twilio_api_base = keep_n(p, base, n);
    c->media_format = keep(p, is_set(cfg->media_format) ? cfg->media_format : "wav");
    c->url_template = keep(p, cfg->url_template);
    c->url_bearer_token = keep(p, cfg->url_bearer_token);
    c->url_basic_user = keep(p, cfg->url_basic_user);
    c->url_basic_password = keep(p, cfg->url_basic_password);
    c->connect_timeout_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    c->low_speed_timeout_ms =
        cfg->low_speed_timeout_ms > 0 ? cfg->low_speed_timeout_ms : DEFAULT_LOW_SPEED_TIMEOUT_MS;
    c->max_bytes = cfg->max_bytes > 0 ? cfg->max_bytes : 0;
    return p;
}

void provider_free(struct provider *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nowned; i++)
        free(p->owned[i]);
    free(p);
}

static void result_init(struct provider_result *out, const char *format)
{
    memset(out, 0, sizeof(*out));
    out->duration_s = -1;
    recd_strlcpy(out->format, format, sizeof(out->format));
}

recd_err provider_fetch(struct provider *p, const struct store_recording *rec, int fd,
                        provider_progress_cb cb, void *ctx, struct provider_result *out)
{
    /* A format registered with the recording wins over the default. */
    const char *format = format_known(rec->format) ? rec->format : p->cfg.media_format;
    result_init(out, format);
    if (!sid_valid(rec->call_sid))
        return download_fail(out, RECD_EINVAL, "invalid_call_sid", "invalid call_sid");
    CURL *h = curl_easy_init();
    if (!h)
        return download_fail(out, RECD_EUPSTREAM, "upstream_error", "curl_easy_init failed");

    struct fetch_job j = {
        .cfg = &p->cfg, .h = h, .rec = rec, .fd = fd, .cb = cb, .ctx = ctx,
        .format = format, .out = out,
    };
    recd_err err = p->cfg.kind == PROVIDER_TWILIO ? twilio_fetch(&j) : url_fetch(&j);
    curl_easy_cleanup(h);
    if (err != RECD_OK) {
        out->sha256[0] = '\0';
        if (!out->error_message[0])
            download_fail(out, err, "upstream_error", "%s", recd_strerror(err));
    }
    return err;
}
