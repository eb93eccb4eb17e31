/* SPDX-License-Identifier: MIT */
/*
 * config.c — the option table (redis static_configs[] style): name, type,
 * target field, default, bounds, scope and flags (LIVE: reloadable on
 * SIGHUP, like pgbouncer's CF_NO_RELOAD inverted) and help in one row.
 * Defaults, then the config file, then RECD_* env, then flags. Secrets are
 * never accepted as flags: they come from the environment, a systemd
 * credential, the config file, or a file named by a *-file flag or *_FILE
 * env. --help, the example recd.conf and recd(8) are generated from the
 * same table.
 */
#include "config.h"
#include "proto/num.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* OPT_SWITCH: a boolean taken from the command line only (no RECD_*
 * variable), so an exported RECD_HELP=1 cannot turn every command into help. */
enum opt_type { OPT_STR, OPT_INT, OPT_I64, OPT_BOOL, OPT_SWITCH, OPT_SECRET };

struct option_def {
    const char *name;        /* flag without "--"; env is RECD_ + upper(name) */
    enum opt_type type;
    size_t offset;           /* field in struct config */
    const char *def;         /* default as text, or NULL */
    int64_t min, max;        /* for integers */
    unsigned scope;          /* commands that accept the flag (others exit 2), plus LIVE and NOT_IN_FILE */
    const char *help;
};

#define F(field) offsetof(struct config, field)
#define ALL (SCOPE_DB | SCOPE_SERVE | SCOPE_WORKER)
#define SW (SCOPE_SERVE | SCOPE_WORKER)
#define I64MAX INT64_MAX
#define LIVE (1u << 8)        /* SIGHUP applies a new value without a restart */
#define NOT_IN_FILE (1u << 9) /* command-line only; ~0u (--config, --help) includes it */

static const struct option_def options[] = {
    { "db", OPT_STR, F(db), "sqlite:./recd-data/recd.db", 0, 0, ALL, "store URL: sqlite:PATH or postgres://..." },
    { "cache-dir", OPT_STR, F(cache_dir), "./recd-data/cache", 0, 0, SW | SCOPE_FETCH, "directory of cached recordings" },
    { "cache-max-bytes", OPT_I64, F(cache_max_bytes), "0", 0, I64MAX, SW, "evict least recently played above this (0 = unlimited)" },
    { "redis", OPT_STR, F(redis), NULL, 0, 0, SW, "optional redis://HOST:PORT for the cross-server herd gate" },
    { "listen", OPT_STR, F(listen), "127.0.0.1:8080", 0, 0, SCOPE_SERVE, "HOST:PORT to listen on (port 0 = any free port)" },
    { "max-wait", OPT_INT, F(max_wait_s), "30", 0, 300, SCOPE_SERVE | LIVE, "cap in seconds on Prefer: wait=N" },
    { "max-connections", OPT_INT, F(max_connections), "20000", 16, 1000000, SCOPE_SERVE, "concurrent connection limit" },
    { "connection-timeout", OPT_INT, F(connection_timeout_s), "30", 1, 3600, SCOPE_SERVE | LIVE, "seconds an idle or slow client may hold a connection" },
    { "max-body-bytes", OPT_I64, F(max_body_bytes), "1048576", 1024, 1073741824, SCOPE_SERVE | LIVE, "largest POST body accepted" },
    { "http-threads", OPT_INT, F(http_threads), "0", 0, 256, SCOPE_SERVE, "HTTP event-loop threads (0 = one per core)" },
    { "web-dir", OPT_STR, F(web_dir), NULL, 0, 0, SCOPE_SERVE, "serve the screen from this directory instead of the binary" },
    { "public-url", OPT_STR, F(public_url), NULL, 0, 0, SCOPE_SERVE | SCOPE_LINK, "public base URL (e.g. https://recd.example.com), used to verify Twilio webhook signatures" },
    { "auth", OPT_STR, F(auth), NULL, 0, 0, SCOPE_SERVE | LIVE, "basic:FILE (users with salted password hashes)" },
    { "api-token-file", OPT_STR, F(api_token_file), NULL, 0, 0, SCOPE_SERVE | LIVE, "file of bearer tokens (one per line, # comments) for /api, /metrics and the rest" },
    { "link-secret", OPT_SECRET, F(link_secret), NULL, 0, 0, SCOPE_SERVE | SCOPE_LINK | LIVE, "secret: RECD_LINK_SECRET or --link-secret-file; signs /stream links (16+ bytes)" },
    { "workers", OPT_INT, F(workers), "2", 0, 256, SW, "download workers (0 = HTTP only)" },
    { "max-attempts", OPT_INT, F(max_attempts), "5", 1, 100, SW | SCOPE_DB, "attempts per run before it fails" },
    { "lease-seconds", OPT_INT, F(lease_s), "30", 1, 3600, SW, "worker lease on a run, renewed while downloading" },
    { "backoff-base-ms", OPT_I64, F(backoff_base_ms), "1000", 1, 3600000, SW, "first retry delay" },
    { "backoff-max-ms", OPT_I64, F(backoff_max_ms), "60000", 1, 3600000, SW, "longest retry delay" },
    { "negative-ttl", OPT_INT, F(negative_ttl_s), "300", 0, 86400 * 30, SW | SCOPE_DB, "seconds a provider 404 is remembered" },
    { "failure-cooldown", OPT_INT, F(failure_cooldown_s), "60", 0, 86400, SW | SCOPE_DB, "seconds a failed fetch answers 502 before a new run" },
    { "pending-timeout", OPT_INT, F(pending_timeout_s), "900", 0, 86400, SW, "seconds a run waits while the provider is still processing the recording (checked at 2, 4, 8… up to every 30 s; its callback ends the wait at once)" },
    { "provider", OPT_STR, F(provider), "twilio", 0, 0, SW | LIVE, "twilio | url" },
    { "twilio-account-sid", OPT_STR, F(twilio_account_sid), NULL, 0, 0, SW | LIVE, "Twilio account SID (AC...)" },
    { "twilio-api-base", OPT_STR, F(twilio_api_base), "https://api.twilio.com", 0, 0, SW | LIVE, "Twilio REST base URL" },
    { "twilio-auth-token", OPT_SECRET, F(twilio_auth_token), NULL, 0, 0, SW | LIVE, "secret: RECD_TWILIO_AUTH_TOKEN or --twilio-auth-token-file" },
    { "media-format", OPT_STR, F(media_format), "wav", 0, 0, SW | LIVE, "wav | mp3" },
    { "url-template", OPT_STR, F(url_template), NULL, 0, 0, SW | LIVE, "provider url: e.g. https://media.example.com/{call_sid}.wav" },
    { "url-bearer-token", OPT_SECRET, F(url_bearer_token), NULL, 0, 0, SW | LIVE, "secret: RECD_URL_BEARER_TOKEN or --url-bearer-token-file" },
    { "max-recording-bytes", OPT_I64, F(max_recording_bytes), "536870912", 1024, I64MAX, SW | LIVE, "refuse recordings larger than this" },
    { "log-format", OPT_STR, F(log_format), "logfmt", 0, 0, ALL | LIVE, "logfmt | json" },
    { "log-level", OPT_STR, F(log_level), "info", 0, 0, ALL | LIVE, "debug | info | warn | error" },
    { "drain-timeout", OPT_INT, F(drain_timeout_s), "30", 0, 3600, SCOPE_SERVE | LIVE, "on SIGTERM, seconds in-flight requests may take to finish before they are cut" },
    { "config", OPT_STR, F(config_file), NULL, 0, 0, ~0u, "read options from this file of key = value lines (flag > env > file > default)" },
    { "wait", OPT_BOOL, F(wait), "0", 0, 0, SCOPE_FETCH, "recd fetch: wait until the recording is ready" },
    { "status", OPT_STR, F(status), NULL, 0, 0, SCOPE_RUNS, "recd runs: only runs with this status" },
    { "call-sid", OPT_STR, F(call_sid), NULL, 0, 0, SCOPE_RUNS, "recd runs: only runs of this call" },
    { "ttl", OPT_INT, F(link_ttl_s), "3600", 1, 86400 * 366, SCOPE_LINK, "recd link: seconds the link stays valid" },
    { "help", OPT_SWITCH, F(help), "0", 0, 0, ~0u, "show this help" },
};


_Static_assert(RECD_ARRAY_LEN(options) <= CONFIG_OPTIONS_MAX, "raise CONFIG_OPTIONS_MAX");

/* The file read when neither --config nor RECD_CONFIG names one: empty in
 * a build from the checkout (nothing outside it is read by surprise), the
 * packaged /etc/recd/recd.conf in the .deb (CMake -DRECD_DEFAULT_CONFIG). */
#ifndef RECD_DEFAULT_CONFIG
#define RECD_DEFAULT_CONFIG ""
#endif
#define FILE_LINE_MAX 4096

static bool in_file(const struct option_def *o)
{
    return (o->scope & ALL) != 0 && (o->scope & NOT_IN_FILE) == 0;
}

static void env_name(const char *name, const char *suffix, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "RECD_%s%s", name, suffix);
    for (size_t i = 5; i < n && i < len; i++)
        out[i] = out[i] == '-' ? '_' : (char)toupper((unsigned char)out[i]);
}

static void set_origin(struct config *cfg, const struct option_def *o, enum config_origin origin, int line)
{
    size_t i = (size_t)(o - options);
    cfg->_origin[i] = (unsigned char)origin;
    cfg->_line[i] = line;
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

/* Takes ownership of value. */
static void set_string(struct config *cfg, const struct option_def *o, char *value)
{
    char **field = (char **)((char *)cfg + o->offset);
    free(*field);
    *field = value;
}

/* Parse value into o's field; on failure a reason without prefix in why. */
static bool set_value(struct config *cfg, const struct option_def *o, const char *value, char *why,
                      size_t whylen)
{
    char *field = (char *)cfg + o->offset;
    int64_t v = 0;
    switch (o->type) {
    case OPT_STR:
    case OPT_SECRET:
        set_string(cfg, o, xstrdup(value));
        return true;
    case OPT_BOOL:
    case OPT_SWITCH:
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
            *(bool *)field = true;
        else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
            *(bool *)field = false;
        else
            break;
        return true;
    case OPT_INT:
    case OPT_I64:
        if (!num_parse_i64(value, o->min, o->max, &v))
            break;
        if (o->type == OPT_INT)
            *(int *)field = (int)v;
        else
            *(int64_t *)field = v;
        return true;
    }
    if (o->type == OPT_BOOL || o->type == OPT_SWITCH)
        snprintf(why, whylen, "expected true or false, got \"%s\"", value);
    else
        snprintf(why, whylen, "expected an integer in [%lld, %lld], got \"%s\"", (long long)o->min,
                 (long long)o->max, value);
    return false;
}

static void apply_defaults(struct config *cfg)
{
    char why[128];
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        if (options[i].def && !set_value(cfg, &options[i], options[i].def, why, sizeof(why)))
            RECD_ASSERT(!"a default in the option table does not parse");
    }
}

/* A systemd credential named like the option (LoadCredential=NAME:PATH),
 * or recd_NAME: what LoadCredential=recd:DIR calls the files of DIR, so a
 * unit can load a directory holding any subset of the secrets. An empty
 * one counts as unset. */
static recd_err apply_credential(struct config *cfg, const struct option_def *o, char *err, size_t errlen)
{
    static const char *const prefixes[] = { "", "recd_" };
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    char path[4096];
    if (!dir || !dir[0])
        return RECD_OK;
    for (size_t i = 0; i < RECD_ARRAY_LEN(prefixes); i++) {
        if ((size_t)snprintf(path, sizeof(path), "%s/%s%s", dir, prefixes[i], o->name) >= sizeof(path) ||
            access(path, F_OK) != 0)
            continue;
        char *secret = read_secret_file(path, err, errlen);
        if (!secret)
            return RECD_EINVAL;
        if (!secret[0]) {
            free(secret);
            continue;
        }
        set_string(cfg, o, secret);
        set_origin(cfg, o, ORIGIN_CREDENTIAL, 0);
        return RECD_OK;
    }
    return RECD_OK;
}

static recd_err apply_env(struct config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        char env[96], why[160];
        env_name(o->name, "", env, sizeof(env));
        const char *ev = o->type == OPT_SWITCH ? NULL : getenv(env);
        if (ev) {
            if (!set_value(cfg, o, ev, why, sizeof(why))) {
                snprintf(err, errlen, "%s (--%s): %s", env, o->name, why);
                return RECD_EINVAL;
            }
            set_origin(cfg, o, ORIGIN_ENV, 0);
        }
        if (o->type != OPT_SECRET)
            continue;
        env_name(o->name, "_FILE", env, sizeof(env));
        const char *path = getenv(env);
        if (path) {
            char *secret = read_secret_file(path, err, errlen);
            if (!secret)
                return RECD_EINVAL;
            set_string(cfg, o, secret);
            set_origin(cfg, o, ORIGIN_ENV, 0);
        } else if (!ev && apply_credential(cfg, o, err, errlen) != RECD_OK) {
            return RECD_EINVAL;
        }
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

/* ---- the config file ------------------------------------------------- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

struct file_src {
    const char *path;
    long lineno;
    bool shared;              /* readable by other users: no secrets inline */
};

/* One `key = value` line (already trimmed, not blank, not a comment). */
static recd_err apply_line(struct config *cfg, const struct file_src *src, char *line, char *err,
                           size_t errlen)
{
    char *eq = strchr(line, '=');
    if (!eq) {
        snprintf(err, errlen, "%s:%ld: expected key = value, got \"%.60s\"", src->path, src->lineno, line);
        return RECD_EINVAL;
    }
    *eq = '\0';
    char *key = trim(line), *value = trim(eq + 1);
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    }
    bool is_file;
    const struct option_def *o = find_option(key, strlen(key), &is_file);
    char why[256] = "";
    if (!o)
        snprintf(why, sizeof(why), "unknown option \"%.60s\" (see recd serve --help)", key);
    else if (!in_file(o))
        snprintf(why, sizeof(why), "%s cannot be set in a config file", key);
    else if (cfg->_origin[o - options] == ORIGIN_FILE)
        snprintf(why, sizeof(why), "%s is already set on line %d", o->name, cfg->_line[o - options]);
    else if (!value[0])
        snprintf(why, sizeof(why), "%s needs a value (comment the line out to keep the default)", key);
    else if (o->type == OPT_SECRET && !is_file && src->shared)
        snprintf(why, sizeof(why), "%s: this file is readable by other users; chmod o-r it, or put the "
                 "secret in a private file named by %s-file", o->name, o->name);
    if (!why[0] && o->type == OPT_SECRET) {
        char *secret = is_file ? read_secret_file(value, why, sizeof(why)) : xstrdup(value);
        if (secret)
            set_string(cfg, o, secret);
    } else if (!why[0]) {
        char reason[160];
        if (!set_value(cfg, o, value, reason, sizeof(reason)))
            snprintf(why, sizeof(why), "%s: %s", o->name, reason);
    }
    if (why[0]) {
        snprintf(err, errlen, "%s:%ld: %s", src->path, src->lineno, why);
        return RECD_EINVAL;
    }
    set_origin(cfg, o, ORIGIN_FILE, (int)src->lineno);
    return RECD_OK;
}

/* must_exist is false for the compile-time default: a missing file is
 * then no error, an unreadable one still is. */
static recd_err apply_file(struct config *cfg, const char *path, bool must_exist, bool *pread,
                           char *err, size_t errlen)
{
    *pread = false;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!must_exist && errno == ENOENT)
            return RECD_OK;
        snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
        return RECD_EINVAL;
    }
    struct stat st;
    struct file_src src = { .path = path, .lineno = 0 };
    src.shared = fstat(fileno(f), &st) == 0 && (st.st_mode & S_IROTH) != 0;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    recd_err rc = RECD_OK;
    while (rc == RECD_OK && (n = getline(&buf, &cap, f)) >= 0) {
        src.lineno++;
        char *line = trim(buf);
        if ((size_t)n > FILE_LINE_MAX) {
            snprintf(err, errlen, "%s:%ld: line longer than %d bytes", path, src.lineno, FILE_LINE_MAX);
            rc = RECD_EINVAL;
        } else if (line[0] != '\0' && line[0] != '#') {
            rc = apply_line(cfg, &src, line, err, errlen);
        }
    }
    if (rc == RECD_OK && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = RECD_EINVAL;
    }
    free(buf);
    fclose(f);
    *pread = rc == RECD_OK;
    return rc;
}

/* --config FILE / --config=FILE anywhere in argv, else RECD_CONFIG, else
 * the compile-time default. An empty name means "no file". */
static const char *config_path(int argc, char **argv, bool *pmust)
{
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[++i];
    }
    *pmust = true;
    if (!path)
        path = getenv("RECD_CONFIG");
    if (!path) {
        path = RECD_DEFAULT_CONFIG;
        *pmust = false;
    }
    return path;
}

/* ---- flags ------------------------------------------------------------ */

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
    set_origin(cfg, o, ORIGIN_FLAG, 0);
    if (is_file) {
        char *secret = read_secret_file(value, err, errlen);
        if (!secret)
            return RECD_EINVAL;
        set_string(cfg, o, secret);
        return RECD_OK;
    }
    char why[160];
    if (set_value(cfg, o, value, why, sizeof(why)))
        return RECD_OK;
    snprintf(err, errlen, "--%s: %s", o->name, why);
    return RECD_EINVAL;
}

recd_err config_load(struct config *cfg, unsigned scope, int argc, char **argv,
                     struct config_args *args, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    memset(args, 0, sizeof(*args));
    apply_defaults(cfg);
    bool must_exist, file_read = false;
    const char *path = config_path(argc, argv, &must_exist);
    recd_err rc = RECD_OK;
    if (path[0])
        rc = apply_file(cfg, path, must_exist, &file_read, err, errlen);
    if (rc == RECD_OK)
        rc = apply_env(cfg, err, errlen);
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
    free(cfg->config_file);
    cfg->config_file = file_read ? xstrdup(path) : NULL;
    return rc;
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        if (o->type == OPT_STR || o->type == OPT_SECRET) {
            char **field = (char **)((char *)cfg + o->offset);
            if (o->type == OPT_SECRET && *field)
                memset(*field, 0, strlen(*field));
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

/* ---- views of a loaded config ---------------------------------------- */

/* The value as text into buf; NULL when a string option is unset. */
static const char *value_text(const struct config *cfg, const struct option_def *o, char *buf, size_t len)
{
    const char *field = (const char *)cfg + o->offset;
    switch (o->type) {
    case OPT_STR:
    case OPT_SECRET:
        return *(char *const *)field;
    case OPT_BOOL:
    case OPT_SWITCH:
        return *(const bool *)field ? "true" : "false";
    case OPT_INT:
        snprintf(buf, len, "%d", *(const int *)field);
        return buf;
    case OPT_I64:
        snprintf(buf, len, "%lld", (long long)*(const int64_t *)field);
        return buf;
    }
    return NULL;
}

void config_foreach(const struct config *cfg, config_item_cb cb, void *ctx)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        if (!in_file(o))
            continue;
        char num[32], detail[4200] = "";
        struct config_item it = {
            .name = o->name, .value = value_text(cfg, o, num, sizeof(num)),
            .secret = o->type == OPT_SECRET, .live = (o->scope & LIVE) != 0,
            .origin = (enum config_origin)cfg->_origin[i], .origin_detail = detail,
        };
        if (it.secret && it.value)
            it.value = "<redacted>";
        if (it.origin == ORIGIN_FILE)
            snprintf(detail, sizeof(detail), "%s:%d", cfg->config_file ? cfg->config_file : "?", cfg->_line[i]);
        else if (it.origin == ORIGIN_ENV)
            env_name(o->name, "", detail, sizeof(detail));
        else if (it.origin == ORIGIN_CREDENTIAL)
            snprintf(detail, sizeof(detail), "$CREDENTIALS_DIRECTORY/%s", o->name);
        else if (it.origin == ORIGIN_FLAG)
            snprintf(detail, sizeof(detail), "--%s", o->name);
        cb(&it, ctx);
    }
}

void config_diff(const struct config *a, const struct config *b, config_diff_cb cb, void *ctx)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        char ba[32], bb[32];
        if (!in_file(o))
            continue;
        const char *va = value_text(a, o, ba, sizeof(ba)), *vb = value_text(b, o, bb, sizeof(bb));
        bool same = (!va && !vb) || (va && vb && strcmp(va, vb) == 0);
        if (!same)
            cb(o->name, (o->scope & LIVE) != 0, ctx);
    }
}

void config_describe(config_info_cb cb, void *ctx)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(options); i++) {
        const struct option_def *o = &options[i];
        if (!in_file(o))
            continue;
        struct config_option_info info = {
            .name = o->name, .def = o->def, .help = o->help, .secret = o->type == OPT_SECRET,
            .live = (o->scope & LIVE) != 0, .is_bool = o->type == OPT_BOOL,
            .is_int = o->type == OPT_INT || o->type == OPT_I64, .min = o->min, .max = o->max,
            .scope = o->scope & ALL,
        };
        cb(&info, ctx);
    }
}

void config_env_name(const char *name, const char *suffix, char *out, size_t len)
{
    env_name(name, suffix, out, len);
}
