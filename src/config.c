/* SPDX-License-Identifier: MIT */
/*
 * config.c — the option table (redis static_configs[] style): name, type,
 * target field, default, bounds, scope and help in one row. Defaults, then
 * RECD_* env, then flags. Secrets are never accepted as flags: they come
 * from the environment or from a file named by a *_file flag or *_FILE env.
 */
#include "config.h"
#include "proto/num.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OPT_SWITCH: a boolean taken from the command line only (no RECD_*
 * variable), so an exported RECD_HELP=1 cannot turn every command into help. */
enum opt_type { OPT_STR, OPT_INT, OPT_I64, OPT_BOOL, OPT_SWITCH, OPT_SECRET };

struct option_def {
    const char *name;        /* flag without "--"; env is RECD_ + upper(name) */
    enum opt_type type;
    size_t offset;           /* field in struct config */
    const char *def;         /* default as text, or NULL */
    int64_t min, max;        /* for integers */
    unsigned scope;          /* commands that accept the flag; others exit 2 */
    const char *help;
};

#define F(field) offsetof(struct config, field)
#define ALL (SCOPE_DB | SCOPE_SERVE | SCOPE_WORKER)
#define SW (SCOPE_SERVE | SCOPE_WORKER)
#define I64MAX INT64_MAX

static const struct option_def options[] = {
    { "db", OPT_STR, F(db), "sqlite:./recd-data/recd.db", 0, 0, ALL, "store URL: sqlite:PATH or postgres://..." },
    { "cache-dir", OPT_STR, F(cache_dir), "./recd-data/cache", 0, 0, SW | SCOPE_FETCH, "directory of cached recordings" },
    { "cache-max-bytes", OPT_I64, F(cache_max_bytes), "0", 0, I64MAX, SW, "evict least recently played above this (0 = unlimited)" },
    { "redis", OPT_STR, F(redis), NULL, 0, 0, SW, "optional redis://HOST:PORT for the cross-server herd gate" },
    { "listen", OPT_STR, F(listen), "127.0.0.1:8080", 0, 0, SCOPE_SERVE, "HOST:PORT to listen on (port 0 = any free port)" },
    { "max-wait", OPT_INT, F(max_wait_s), "30", 0, 300, SCOPE_SERVE, "cap in seconds on Prefer: wait=N" },
    { "max-connections", OPT_INT, F(max_connections), "20000", 16, 1000000, SCOPE_SERVE, "concurrent connection limit" },
    { "connection-timeout", OPT_INT, F(connection_timeout_s), "30", 1, 3600, SCOPE_SERVE, "seconds an idle or slow client may hold a connection" },
    { "max-body-bytes", OPT_I64, F(max_body_bytes), "1048576", 1024, 1073741824, SCOPE_SERVE, "largest POST body accepted" },
    { "http-threads", OPT_INT, F(http_threads), "0", 0, 256, SCOPE_SERVE, "HTTP event-loop threads (0 = one per core)" },
    { "web-dir", OPT_STR, F(web_dir), NULL, 0, 0, SCOPE_SERVE, "serve the screen from this directory instead of the binary" },
    { "public-url", OPT_STR, F(public_url), NULL, 0, 0, SCOPE_SERVE | SCOPE_LINK, "public base URL (e.g. https://recd.example.com), used to verify Twilio webhook signatures" },
    { "auth", OPT_STR, F(auth), NULL, 0, 0, SCOPE_SERVE, "basic:FILE (users with salted password hashes)" },
    { "api-token-file", OPT_STR, F(api_token_file), NULL, 0, 0, SCOPE_SERVE, "file of bearer tokens (one per line, # comments) for /api, /metrics and the rest" },
    { "link-secret", OPT_SECRET, F(link_secret), NULL, 0, 0, SCOPE_SERVE | SCOPE_LINK, "secret: RECD_LINK_SECRET or --link-secret-file; signs /stream links (16+ bytes)" },
    { "workers", OPT_INT, F(workers), "2", 0, 256, SW, "download workers (0 = HTTP only)" },
    { "max-attempts", OPT_INT, F(max_attempts), "5", 1, 100, SW | SCOPE_DB, "attempts per run before it fails" },
    { "lease-seconds", OPT_INT, F(lease_s), "30", 1, 3600, SW, "worker lease on a run, renewed while downloading" },
    { "backoff-base-ms", OPT_I64, F(backoff_base_ms), "1000", 1, 3600000, SW, "first retry delay" },
    { "backoff-max-ms", OPT_I64, F(backoff_max_ms), "60000", 1, 3600000, SW, "longest retry delay" },
    { "negative-ttl", OPT_INT, F(negative_ttl_s), "300", 0, 86400 * 30, SW | SCOPE_DB, "seconds a provider 404 is remembered" },
    { "failure-cooldown", OPT_INT, F(failure_cooldown_s), "60", 0, 86400, SW | SCOPE_DB, "seconds a failed fetch answers 502 before a new run" },
    { "pending-timeout", OPT_INT, F(pending_timeout_s), "900", 0, 86400, SW, "seconds a run waits while the provider is still processing the recording (checked at 2, 4, 8… up to every 30 s; its callback ends the wait at once)" },
    { "provider", OPT_STR, F(provider), "twilio", 0, 0, SW, "twilio | url" },
    { "twilio-account-sid", OPT_STR, F(twilio_account_sid), NULL, 0, 0, SW, "Twilio account SID (AC...)" },
    { "twilio-api-base", OPT_STR, F(twilio_api_base), "https://api.twilio.com", 0, 0, SW, "Twilio REST base URL" },
    { "twilio-auth-token", OPT_SECRET, F(twilio_auth_token), NULL, 0, 0, SW, "secret: RECD_TWILIO_AUTH_TOKEN or --twilio-auth-token-file" },
    { "media-format", OPT_STR, F(media_format), "wav", 0, 0, SW, "wav | mp3" },
    { "url-template", OPT_STR, F(url_template), NULL, 0, 0, SW, "provider url: e.g. https://media.example.com/{call_sid}.wav" },
    { "url-bearer-token", OPT_SECRET, F(url_bearer_token), NULL, 0, 0, SW, "secret: RECD_URL_BEARER_TOKEN or --url-bearer-token-file" },
    { "max-recording-bytes", OPT_I64, F(max_recording_bytes), "536870912", 1024, I64MAX, SW, "refuse recordings larger than this" },
    { "log-format", OPT_STR, F(log_format), "logfmt", 0, 0, ALL, "logfmt | json" },
    { "log-level", OPT_STR, F(log_level), "info", 0, 0, ALL, "debug | info | warn | error" },
    { "wait", OPT_BOOL, F(wait), "0", 0, 0, SCOPE_FETCH, "recd fetch: wait until the recording is ready" },
    { "status", OPT_STR, F(status), NULL, 0, 0, SCOPE_RUNS, "recd runs: only runs with this status" },
    { "call-sid", OPT_STR, F(call_sid), NULL, 0, 0, SCOPE_RUNS, "recd runs: only runs of this call" },
    { "ttl", OPT_INT, F(link_ttl_s), "3600", 1, 86400 * 366, SCOPE_LINK, "recd link: seconds the link stays valid" },
    { "help", OPT_SWITCH, F(help), "0", 0, 0, ~0u, "show this help" },
};

static void env_name(const char *name, const char *suffix, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "RECD_%s%s", name, suffix);
    for (size_t i = 5; i < n && i < len; i++)
        out[i] = out[i] == '-' ? '_' : (char)toupper((unsigned char)out[i]);
}

static char *read_secret_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return xstrdup(buf);
}

static recd_err set_value(struct config *cfg, const struct option_def *o, const char *value,
                          const char *origin, char *err, size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    int64_t v = 0;
    switch (o->type) {
    case OPT_STR:
    case OPT_SECRET:
        free(*(char **)field);
        *(char **)field = xstrdup(value);
        return RECD_OK;
    case OPT_BOOL:
    case OPT_SWITCH:
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
            *(bool *)field = true;
        else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
            *(bool *)field = false;
        else
            goto bad;
        return RECD_OK;
    case OPT_INT:
    case OPT_I64:
        if (!num_parse_i64(value, o->min, o->max, &v))
            goto bad;
        if (o->type == OPT_INT)
            *(int *)field = (int)v;
        else
            *(int64_t *)field = v;
        return RECD_OK;
    }
bad:
    if (o->type == OPT_BOOL || o->type == OPT_SWITCH)
        snprintf(err, errlen, "%s --%s: expected true or false, got \"%s\"", origin, o->name, value);
    else
        snprintf(err, errlen, "%s --%s: expected an integer in [%lld, %lld], got \"%s\"", origin,
                 o->name, (long long)o->min, (long long)o->max, value);
    return RECD_EINVAL;
}

static recd_err apply_defaults_and_env(struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        char env[96];
        recd_err rc = RECD_OK;
        if (o->def)
            rc = set_value(cfg, o, o->def, "default", err, errlen);
        env_name(o->name, "", env, sizeof(env));
        const char *ev = o->type == OPT_SWITCH ? NULL : getenv(env);
        if (rc == RECD_OK && ev)
            rc = set_value(cfg, o, ev, env, err, errlen);
        env_name(o->name, "_FILE", env, sizeof(env));
        ev = getenv(env);
        if (rc == RECD_OK && o->type == OPT_SECRET && ev) {
            char *secret = read_secret_file(ev, err, errlen);
            if (!secret)
                return RECD_EINVAL;
            free(*(char **)((char *)cfg + o->offset));
            *(char **)((char *)cfg + o->offset) = secret;
        }
        if (rc != RECD_OK)
            return rc;
    }
    return RECD_OK;
}

static const struct option_def *find_option(const char *name, size_t len, bool *pfile)
{
    *pfile = false;
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        size_t n = strlen(o->name);
        if (n == len && strncmp(o->name, name, len) == 0)
            return o;
        if (o->type == OPT_SECRET && len == n + 5 && strncmp(o->name, name, n) == 0 &&
            strncmp(name + n, "-file", 5) == 0) {
            *pfile = true;
            return o;
        }
    }
    return NULL;
}

static recd_err apply_flag(struct config *cfg, unsigned scope, int argc, char **argv, int *pi,
                           char *err, size_t errlen)
{
    const char *arg = argv[*pi] + 2;
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    bool is_file;
    const struct option_def *o = find_option(arg, len, &is_file);
    if (!o) {
        snprintf(err, errlen, "unknown flag --%.*s (see recd --help)", (int)len, arg);
        return RECD_EINVAL;
    }
    if (!(o->scope & scope)) {
        snprintf(err, errlen, "--%.*s does not apply to this command (see its --help)", (int)len, arg);
        return RECD_EINVAL;
    }
    if (o->type == OPT_SECRET && !is_file) {
        char env[96];
        env_name(o->name, "", env, sizeof(env));
        snprintf(err, errlen, "--%s: secrets are not accepted on the command line; use --%s-file or %s",
                 o->name, o->name, env);
        return RECD_EINVAL;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value && (o->type == OPT_BOOL || o->type == OPT_SWITCH))
        value = "true";
    if (!value) {
        if (*pi + 1 >= argc) {
            snprintf(err, errlen, "flag --%s needs a value", o->name);
            return RECD_EINVAL;
        }
        value = argv[++*pi];
    }
    if (is_file) {
        char *secret = read_secret_file(value, err, errlen);
        if (!secret)
            return RECD_EINVAL;
        free(*(char **)((char *)cfg + o->offset));
        *(char **)((char *)cfg + o->offset) = secret;
        return RECD_OK;
    }
    return set_value(cfg, o, value, "flag", err, errlen);
}

recd_err config_load(struct config *cfg, unsigned scope, int argc, char **argv,
                     struct config_args *args, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    memset(args, 0, sizeof(*args));
    recd_err rc = apply_defaults_and_env(cfg, err, errlen);
    for (int i = 0; rc == RECD_OK && i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0') {
            rc = apply_flag(cfg, scope, argc, argv, &i, err, errlen);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            if (strcmp(argv[i], "-h") == 0) {
                cfg->help = true;
                continue;
            }
            snprintf(err, errlen, "unknown flag %s (see recd --help)", argv[i]);
            rc = RECD_EINVAL;
        } else if (args->npositional < (int)RECD_ARRAY_LEN(args->positional)) {
            args->positional[args->npositional++] = argv[i];
        } else {
            snprintf(err, errlen, "too many arguments at \"%s\"", argv[i]);
            rc = RECD_EINVAL;
        }
    }
    return rc;
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        if (o->type == OPT_STR || o->type == OPT_SECRET) {
            char **field = (char **)((char *)cfg + o->offset);
            free(*field);
            *field = NULL;
        }
    }
}

void config_print_help(unsigned scope)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        if (!(o->scope & scope))
            continue;
        char flag[64], env[96];
        snprintf(flag, sizeof(flag), "--%s%s", o->name, o->type == OPT_SECRET ? "-file" : "");
        env_name(o->name, "", env, sizeof(env));
        printf("  %-28s %s", flag, o->help);
        if (o->def && o->type != OPT_BOOL && o->type != OPT_SWITCH)
            printf(" [default %s]", o->def);
        printf(" (env %s)\n", env);
    }
}
