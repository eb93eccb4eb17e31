/* SPDX-License-Identifier: MIT */
/* settings.c — config → live settings (users, tokens, provider, limits). */
#include "cli/settings.h"
#include "http/auth.h"
#include "provider/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_loopback(const char *listen)
{
    return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "localhost:", 10) == 0;
}

static struct auth *make_auth(const struct config *c, char *err, size_t errlen)
{
    const char *basic_file = NULL;
    if (c->auth && auth_parse_flag(c->auth, &basic_file) != RECD_OK) {
        snprintf(err, errlen, "--auth %s: expected basic:FILE", c->auth);
        return NULL;
    }
    struct auth_config ac = {
        .basic_file = basic_file,
        .api_token_file = c->api_token_file,
        .link_secret = c->link_secret,
    };
    return auth_new(&ac, err, errlen);
}

static struct provider *make_provider(const struct config *c, char *err, size_t errlen)
{
    struct provider_config pc = {
        .kind = strcmp(c->provider, "url") == 0 ? PROVIDER_URL : PROVIDER_TWILIO,
        .twilio_account_sid = c->twilio_account_sid,
        .twilio_auth_token = c->twilio_auth_token,
        .twilio_api_base = c->twilio_api_base,
        .media_format = c->media_format,
        .url_template = c->url_template,
        .url_bearer_token = c->url_bearer_token,
        .connect_timeout_ms = 10000,
        .low_speed_timeout_ms = 30000,
        .max_bytes = c->max_recording_bytes,
    };
    return provider_new(&pc, err, errlen);
}

bool settings_build(const struct config *c, bool with_http, struct live_settings *out, char *err,
                    size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (strcmp(c->provider, "twilio") != 0 && strcmp(c->provider, "url") != 0) {
        snprintf(err, errlen, "--provider must be twilio or url");
        return false;
    }
    if (strcmp(c->media_format, "wav") != 0 && strcmp(c->media_format, "mp3") != 0) {
        snprintf(err, errlen, "--media-format must be wav or mp3");
        return false;
    }
    if (with_http && !(out->auth = make_auth(c, err, errlen)))
        goto fail;
    if (with_http && !auth_enabled(out->auth) && !is_loopback(c->listen)) {
        snprintf(err, errlen,
                 "refusing to listen on %s without authentication: recordings are private. "
                 "Listen on 127.0.0.1, or configure --auth basic:FILE, --api-token-file or a link "
                 "secret (docs/auth.md)",
                 c->listen);
        goto fail;
    }
    /* HTTP only (--workers 0): nothing is downloaded here. */
    if (c->workers > 0 && !(out->provider = make_provider(c, err, errlen)))
        goto fail;
    out->twilio_auth_token = c->twilio_auth_token ? xstrdup(c->twilio_auth_token) : NULL;
    out->max_wait_s = c->max_wait_s;
    out->connection_timeout_s = c->connection_timeout_s;
    out->max_body_bytes = c->max_body_bytes;
    return true;
fail:
    settings_discard(out);
    return false;
}

void settings_discard(struct live_settings *s)
{
    auth_free(s->auth);
    provider_free(s->provider);
    if (s->twilio_auth_token)
        memset(s->twilio_auth_token, 0, strlen(s->twilio_auth_token));
    free(s->twilio_auth_token);
    memset(s, 0, sizeof(*s));
}
