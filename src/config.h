/* SPDX-License-Identifier: MIT */
/*
 * config.h — every option of every subcommand, in one table (config.c),
 * filled from flags and RECD_<NAME> environment variables (a flag wins;
 * secrets also from RECD_<NAME>_FILE). After start-up the struct is
 * read-only and shared freely across threads.
 */
#ifndef RECD_CONFIG_H
#define RECD_CONFIG_H

#include "common.h"

/* Which subcommands an option applies to (for --help and validation). */
enum {
    SCOPE_DB = 1 << 0,     /* any command that opens the store */
    SCOPE_SERVE = 1 << 1,  /* HTTP server options */
    SCOPE_WORKER = 1 << 2, /* worker + provider options */
    SCOPE_FETCH = 1 << 3,  /* recd fetch */
    SCOPE_RUNS = 1 << 4,   /* recd runs */
    SCOPE_LINK = 1 << 5,   /* recd link */
};

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

#endif
