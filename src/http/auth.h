/* SPDX-License-Identifier: MIT */
/*
 * auth.h — who may call what (SPEC §5). Three methods, any combination:
 * HTTP Basic users from a file of salted PBKDF2 hashes (the browser's own
 * prompt), bearer tokens from a file, and HMAC-signed /stream links. With
 * none configured every request is allowed (the server then listens on
 * loopback only). The user and token tables are read-only after
 * auth_new(); a mutex-guarded cache of verified passwords is the only
 * mutable state, so every function may be called from any thread.
 */
#ifndef RECD_HTTP_AUTH_H
#define RECD_HTTP_AUTH_H

#include "common.h"
#include "proto/linksig.h"
#include "util/metrics.h"

struct MHD_Connection;

/* The WWW-Authenticate realm, also the name browsers show in the prompt. */
#define AUTH_REALM "recd"

struct auth_config {
    const char *basic_file;     /* from --auth basic:FILE, or NULL */
    const char *api_token_file; /* --api-token-file, or NULL: one token per line, '#' comments */
    const char *link_secret;    /* key for signed /stream links (the secret itself), or NULL */
};

enum auth_verdict {
    AUTH_ALLOW = 0,
    AUTH_CHALLENGE, /* 401 + WWW-Authenticate: auth_challenge() */
    AUTH_DENY,      /* 403 */
};

struct auth_stats {
    uint64_t pbkdf2_runs; /* full password derivations (cache misses and failures) */
    uint64_t cache_hits;  /* Basic checks answered by the verified-password cache */
};

struct auth;

/**
 * Load the configured files and keep the secret. Returns NULL and a
 * one-line reason in err ("FILE: line N: …") on an unreadable or malformed
 * file, an empty one, or a link secret shorter than 16 bytes. cfg is
 * borrowed for the call only. Caller frees with auth_free().
 */
struct auth *auth_new(const struct auth_config *cfg, char *err, size_t errlen);
/** Free a (possibly NULL) auth; wipes the secrets it held. */
void auth_free(struct auth *a);

/** True iff any method is configured (NULL a: false). */
bool auth_enabled(const struct auth *a);

/**
 * "basic:FILE" (the --auth flag) → *pfile, borrowed from flag. RECD_EINVAL
 * for any other spelling or an empty FILE.
 */
RECD_MUSTCHECK recd_err auth_parse_flag(const char *flag, const char **pfile);

/**
 * Decide for one request from its raw inputs (all borrowed, any may be
 * NULL): the Authorization header value and, for /stream, the call_sid,
 * exp and sig query parameters. If pcode is non-NULL it receives a static
 * snake_case word: the method that allowed the request ("open", "public",
 * "basic", "bearer", "link") or the error code for the reply body
 * ("auth_required", "bad_credentials", "link_expired", "link_invalid",
 * "forbidden"). May run PBKDF2 (~50 ms) on a cache miss.
 */
enum auth_verdict auth_decide(const struct auth *a, enum metrics_route route,
                              const char *authorization, const char *call_sid, const char *exp,
                              const char *sig, int64_t now_s, const char **pcode);

/**
 * auth_decide() for a libmicrohttpd request: reads Authorization and the
 * /stream query parameters from conn; url (the path) is only logged.
 * Logs AUTH_FAIL for wrong credentials and bad links (not for absent ones).
 */
enum auth_verdict auth_check(const struct auth *a, struct MHD_Connection *conn,
                             enum metrics_route route, const char *url, int64_t now_s,
                             const char **pcode);

/** Human text for an error code from auth_decide() (for the JSON body);
 *  static, never NULL. */
const char *auth_message(const char *code);

/** The WWW-Authenticate value for an AUTH_CHALLENGE reply; static, never NULL. */
const char *auth_challenge(const struct auth *a);


/** Counters since auth_new() (for tests and metrics). */
void auth_get_stats(const struct auth *a, struct auth_stats *out);

#endif
