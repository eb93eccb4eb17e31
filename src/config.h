/* SPDX-License-Identifier: MIT */
/*
 * config.h — every option of every subcommand, in one table (config.c),
 * filled from, in rising precedence: the defaults, a config file of
 * `key = value` lines (--config, RECD_CONFIG, or the compile-time
 * RECD_DEFAULT_CONFIG when that file exists), RECD_<NAME> environment
 * variables (secrets also from RECD_<NAME>_FILE or a systemd credential
 * named like the option in $CREDENTIALS_DIRECTORY), and flags. After
 * start-up the struct is read-only and shared freely across threads;
 * what SIGHUP may change lives in a separate snapshot (live.h).
 */
#ifndef RECD_CONFIG_H
#define RECD_CONFIG_H

#include "common.h"

#include <stdio.h>

/* Which subcommands an option applies to (for --help and validation). */
enum {
    SCOPE_DB = 1 << 0,     /* any command that opens the store */
    SCOPE_SERVE = 1 << 1,  /* HTTP server options */
    SCOPE_WORKER = 1 << 2, /* worker + provider options */
    SCOPE_FETCH = 1 << 3,  /* recd fetch */
    SCOPE_RUNS = 1 << 4,   /* recd runs */
    SCOPE_LINK = 1 << 5,   /* recd link */
};

/* Where an option's value came from (recd config --print). */
enum config_origin { ORIGIN_DEFAULT = 0, ORIGIN_FILE, ORIGIN_ENV, ORIGIN_CREDENTIAL, ORIGIN_FLAG };

#define CONFIG_OPTIONS_MAX 96

struct config {
    /* store and cache */
    char *db;                  /* "sqlite:PATH" | "postgres://…" */
    char *cache_dir;
    int64_t cache_max_bytes;   /* 0 = unlimited */
    char *redis;               /* optional "redis://host:port" */
    /* HTTP */
    char *listen;              /* "127.0.0.1:8080" */
    int max_wait_s;            /* cap on Prefer: wait */
    int max_connections;
    int connection_timeout_s;  /* idle / slow-client timeout */
    int64_t max_body_bytes;    /* POST bodies */
    int http_threads;
    char *web_dir;             /* serve web/ from disk instead of the binary */
    char *public_url;          /* how clients reach us; signs webhooks */
    char *auth;                /* "basic:FILE" */
    char *api_token_file;
    char *link_secret;         /* secret: key of signed /stream links */
    /* workers */
    int workers;
    int max_attempts;
    int lease_s;
    int64_t backoff_base_ms;
    int64_t backoff_max_ms;
    int negative_ttl_s;
    int failure_cooldown_s;
    int pending_timeout_s;     /* wait this long for the provider's processing */
    /* provider */
    char *provider;            /* "twilio" | "url" */
    char *twilio_account_sid;
    char *twilio_api_base;
    char *twilio_auth_token;   /* secret: env or file only */
    char *media_format;        /* "wav" | "mp3" */
    char *url_template;
    char *url_bearer_token;    /* secret */
    int64_t max_recording_bytes;
    /* logs */
    char *log_format;
    char *log_level;
    /* flags for a few subcommands */
    bool wait;                 /* recd fetch --wait */
    char *status;              /* recd runs --status */
    char *call_sid;            /* recd runs --call-sid */
    int link_ttl_s;            /* recd link --ttl */
    bool help;
    int drain_timeout_s;       /* SIGTERM: in-flight requests get this long */
    char *config_file;         /* the file actually read, or NULL */
    /* private: where each option's value came from, by table index */
    unsigned char _origin[CONFIG_OPTIONS_MAX];
    int _line[CONFIG_OPTIONS_MAX];  /* line in config_file for ORIGIN_FILE */
};

struct config_args {
    int npositional;
    char *positional[8];       /* borrowed from argv */
};

/** Fill cfg with defaults, then env, then flags (argv after the subcommand).
 *  On a bad flag or value writes a one-line reason into err and returns
 *  RECD_EINVAL. Caller frees with config_free(). */
RECD_MUSTCHECK recd_err config_load(struct config *cfg, unsigned scope, int argc, char **argv,
                                    struct config_args *args, char *err, size_t errlen);
void config_free(struct config *cfg);

/** Print the options of a scope, generated from the same table. */
void config_print_help(unsigned scope);

/** One option as config_foreach() shows it; every pointer is borrowed for
 *  the callback only. value is NULL when unset; secrets are never shown
 *  (value is "<redacted>" when set). */
struct config_item {
    const char *name;
    const char *value;
    bool secret;
    bool live;                  /* SIGHUP may change it */
    enum config_origin origin;
    const char *origin_detail;  /* "FILE:LINE", "RECD_X", "--x", "" */
};
typedef void (*config_item_cb)(const struct config_item *item, void *ctx);

/** Call cb for every option a config file may hold, in table order. */
void config_foreach(const struct config *cfg, config_item_cb cb, void *ctx);

/** Call cb(name, live) for every file option whose value differs between
 *  a and b (secrets compared, never passed on). */
typedef void (*config_diff_cb)(const char *name, bool live, void *ctx);
void config_diff(const struct config *a, const struct config *b, config_diff_cb cb, void *ctx);

/** What the table says about one option a config file may hold (for the
 *  generated recd.conf and recd(8)); pointers are static. */
struct config_option_info {
    const char *name;
    const char *def;           /* NULL: unset by default */
    const char *help;
    bool secret, live, is_bool, is_int;
    int64_t min, max;          /* for is_int */
    unsigned scope;            /* SCOPE_* bits */
};
typedef void (*config_info_cb)(const struct config_option_info *info, void *ctx);
void config_describe(config_info_cb cb, void *ctx);

/** "RECD_" + upper(name) + suffix, '-' as '_'. */
void config_env_name(const char *name, const char *suffix, char *out, size_t len);

#endif
