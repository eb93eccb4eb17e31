/* SPDX-License-Identifier: MIT */
/*
 * auth.c — loads users and tokens, and decides each request (SPEC §5).
 * Invariant: no secret is kept in clear except the link key. Users are
 * PBKDF2 hashes, tokens are SHA-256 digests, and verified passwords are
 * remembered only as keyed MACs. Threading: struct auth is read-only after
 * auth_new() except struct pw_cache, whose set is guarded by its mutex and
 * whose counters are atomics.
 */
#include "http/auth.h"
#include "proto/authz.h"
#include "proto/pwhash.h"
#include "util/log.h"
#include "util/ttlset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define DIGEST_LEN 32
_Static_assert(DIGEST_LEN == TTLSET_KEY_LEN, "cache keys are SHA-256 MACs");
#define TOKEN_MIN 16          /* shorter tokens are guessable: refused at load */
#define TOKEN_MAX 512
#define FILE_LINE_MAX 1024

/*
 * Why a cache of verified passwords: one PBKDF2 check at 210k iterations
 * is ~50 ms of CPU, and a browser sends Basic credentials with every
 * request (the page, each asset, each API call, each Range request of the
 * audio). Without the cache one screen load would cost seconds of CPU.
 * Only successes are remembered, for CACHE_TTL_S, in a bounded table
 * (CACHE_CAPACITY, oldest evicted); failures always pay the full price, so
 * the cache does not make guessing cheaper. As each user has one right
 * password, the table holds at most one live entry per user. Entries are
 * HMAC-SHA256 under a random per-process key rather than a plain SHA-256
 * of "user:password": a memory dump then reveals nothing that could be
 * tested offline faster than the PBKDF2 hashes themselves. The users file
 * is read once, so a remembered success stays true until restart.
 */
#define CACHE_TTL_S 300
#define CACHE_CAPACITY 1024

struct pw_cache {
    unsigned char mac_key[DIGEST_LEN]; /* random, set once in auth_new() */
    pthread_mutex_t mu;                /* guards verified */
    struct ttlset *verified;           /* MACs of verified user:password */
    _Atomic uint64_t pbkdf2_runs;
    _Atomic uint64_t hits;
};

struct auth {
    struct pwhash *users;          /* from the basic file; read-only */
    size_t nusers;
    struct pwhash dummy;           /* checked for unknown users: same cost */
    unsigned char (*tokens)[DIGEST_LEN]; /* SHA-256 of each bearer token */
    size_t ntokens;
    char *link_secret;             /* NULL: no signed links */
    struct pw_cache *cache;        /* the only mutable part */
};

typedef const char *(*line_cb)(void *ctx, const char *line);

/* ---- files ---------------------------------------------------------- */

/* Tokens are kept in clear in their file, unlike the salted user hashes. */
static void warn_if_shared(const char *path, FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IRWXO) != 0)
        log_event(LOG_WARN, "AUTH_FILE_MODE", LF_S("path", path),
                  LF_S("message", "readable by other users; chmod 600 it"));
}

/* Strip surrounding blanks in place; the result borrows from line. */
static char *trim(char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
        line[--n] = '\0';
    return line;
}

/* Call on_line for each line that is neither blank nor a '#' comment. On
 * a failure err names the file and, for a bad line, its number. */
static bool read_lines(const char *path, bool secret, line_cb on_line, void *ctx, char *err,
                       size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    if (secret)
        warn_if_shared(path, f);
    char *buf = NULL;
    size_t cap = 0;
    const char *reason = NULL;
    long lineno = 0;
    ssize_t n;
    while (!reason && (n = getline(&buf, &cap, f)) >= 0) {
        lineno++;
        char *line = trim(buf);
        if ((size_t)n > FILE_LINE_MAX)
            reason = "line too long";
        else if (line[0] != '\0' && line[0] != '#')
            reason = on_line(ctx, line);
    }
    if (reason)
        snprintf(err, errlen, "%s: line %ld: %s", path, lineno, reason);
    else if (ferror(f))
        snprintf(err, errlen, "%s: read error", path);
    bool ok = !reason && !ferror(f);
    if (buf)
        OPENSSL_cleanse(buf, cap);
    free(buf);
    fclose(f);
    return ok;
}

static const char *on_user_line(void *ctx, const char *line)
{
    struct auth *a = ctx;
    struct pwhash e;
    const char *reason = NULL;
    if (pwhash_parse_line(line, &e, &reason) != RECD_OK)
        return reason;
    for (size_t i = 0; i < a->nusers; i++) {
        if (strcmp(a->users[i].user, e.user) == 0)
            return "user listed twice";
    }
    a->users = xrealloc(a->users, (a->nusers + 1) * sizeof(*a->users));
    a->users[a->nusers++] = e;
    return NULL;
}

static bool token68(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("-._~+/=", c)))
            return false;
    }
    return true;
}

static bool sha256(const char *s, size_t n, unsigned char out[DIGEST_LEN])
{
    return EVP_Digest(s, n, out, NULL, EVP_sha256(), NULL) == 1;
}

static const char *on_token_line(void *ctx, const char *line)
{
    struct auth *a = ctx;
    size_t n = strlen(line);
    if (n < TOKEN_MIN || n > TOKEN_MAX)
        return "a token must be 16 to 512 characters";
    if (!token68(line))
        return "a token may only contain A-Z a-z 0-9 - . _ ~ + / =";
    a->tokens = xrealloc(a->tokens, (a->ntokens + 1) * sizeof(*a->tokens));
    if (!sha256(line, n, a->tokens[a->ntokens]))
        return "cannot hash the token (crypto library failure)";
    a->ntokens++;
    return NULL;
}

/* The stand-in for unknown users: as slow as the slowest real user, so
 * response time does not tell which user names exist. */
static bool make_dummy(struct auth *a)
{
    a->dummy.iterations = PWHASH_MIN_ITERATIONS;
    for (size_t i = 0; i < a->nusers; i++) {
        if (a->users[i].iterations > a->dummy.iterations)
            a->dummy.iterations = a->users[i].iterations;
    }
    a->dummy.salt_len = PWHASH_SALT_LEN;
    return RAND_bytes(a->dummy.salt, PWHASH_SALT_LEN) == 1 &&
           RAND_bytes(a->dummy.hash, PWHASH_HASH_LEN) == 1;
}

static bool load_users(struct auth *a, const char *path, char *err, size_t errlen)
{
    if (!read_lines(path, false, on_user_line, a, err, errlen))
        return false;
    if (a->nusers == 0) {
        snprintf(err, errlen, "%s: no users (add lines made by `recd passwd USER`)", path);
        return false;
    }
    if (!make_dummy(a)) {
        snprintf(err, errlen, "no random bytes from the crypto library");
        return false;
    }
    return true;
}

static bool load_tokens(struct auth *a, const char *path, char *err, size_t errlen)
{
    if (!read_lines(path, true, on_token_line, a, err, errlen))
        return false;
    if (a->ntokens == 0) {
        snprintf(err, errlen, "%s: no tokens", path);
        return false;
    }
    return true;
}

/* ---- the verified-password cache ----------------------------------- */

static struct pw_cache *cache_new(void)
{
    struct pw_cache *c = xcalloc(1, sizeof(*c));
    if (RAND_bytes(c->mac_key, sizeof(c->mac_key)) != 1) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    c->verified = ttlset_new(CACHE_CAPACITY, CACHE_TTL_S);
    return c;
}

static void cache_free(struct pw_cache *c)
{
    if (!c)
        return;
    ttlset_free(c->verified);
    pthread_mutex_destroy(&c->mu);
    OPENSSL_cleanse(c->mac_key, sizeof(c->mac_key));
    free(c);
}

/* MAC of "user:password" under the process key; user has no ':'. */
static bool cache_key(const struct pw_cache *c, const char *user, const char *password,
                      unsigned char out[DIGEST_LEN])
{
    char buf[PWHASH_USER_MAX + 1 + AUTHZ_HEADER_MAX];
    int n = snprintf(buf, sizeof(buf), "%s:%s", user, password);
    size_t outlen = 0;
    bool ok = n > 0 && (size_t)n < sizeof(buf) &&
              EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, c->mac_key, sizeof(c->mac_key),
                        (const unsigned char *)buf, (size_t)n, out, DIGEST_LEN, &outlen) != NULL &&
              outlen == DIGEST_LEN;
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok;
}

static bool cache_lookup(struct pw_cache *c, const unsigned char key[DIGEST_LEN], int64_t now_s)
{
    pthread_mutex_lock(&c->mu);
    bool hit = ttlset_contains(c->verified, key, now_s);
    pthread_mutex_unlock(&c->mu);
    if (hit)
        atomic_fetch_add(&c->hits, 1);
    return hit;
}

static void cache_insert(struct pw_cache *c, const unsigned char key[DIGEST_LEN], int64_t now_s)
{
    pthread_mutex_lock(&c->mu);
    ttlset_add(c->verified, key, now_s);
    pthread_mutex_unlock(&c->mu);
}

/* ---- credentials ---------------------------------------------------- */

static const struct pwhash *find_user(const struct auth *a, const char *user)
{
    for (size_t i = 0; i < a->nusers; i++) {
        if (strcmp(a->users[i].user, user) == 0)
            return &a->users[i];
    }
    return NULL;
}

static bool basic_valid(const struct auth *a, const char *user, const char *password, int64_t now_s)
{
    unsigned char key[DIGEST_LEN];
    if (a->nusers == 0 || !pwhash_user_valid(user) || !cache_key(a->cache, user, password, key))
        return false;
    bool ok = cache_lookup(a->cache, key, now_s);
    if (!ok) {
        const struct pwhash *e = find_user(a, user);
        atomic_fetch_add(&a->cache->pbkdf2_runs, 1);
        ok = pwhash_verify(e ? e : &a->dummy, password) && e != NULL;
        if (ok)
            cache_insert(a->cache, key, now_s);
    }
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

/* Every stored digest is compared, so the time does not depend on which
 * token (if any) matched. */
static bool bearer_valid(const struct auth *a, const char *token, size_t len)
{
    unsigned char d[DIGEST_LEN];
    if (a->ntokens == 0 || !sha256(token, len, d))
        return false;
    int found = 0;
    for (size_t i = 0; i < a->ntokens; i++)
        found |= CRYPTO_memcmp(d, a->tokens[i], DIGEST_LEN) == 0;
    return found != 0;
}

enum cred { CRED_NONE, CRED_BAD, CRED_BASIC, CRED_BEARER };

static enum cred check_credentials(const struct auth *a, const char *authorization, int64_t now_s)
{
    struct authz cred;
    authz_parse(authorization, &cred);
    enum cred r = CRED_NONE;
    if (cred.scheme == AUTHZ_BASIC)
        r = basic_valid(a, cred.user, cred.password, now_s) ? CRED_BASIC : CRED_BAD;
    else if (cred.scheme == AUTHZ_BEARER)
        r = bearer_valid(a, cred.token, cred.token_len) ? CRED_BEARER : CRED_BAD;
    authz_clear(&cred);
    return r;
}

/* ---- decisions ------------------------------------------------------ */

static bool public_route(enum metrics_route route)
{
    /* Probes must work without credentials; the webhook carries Twilio's
     * own signature, checked by its handler. */
    return route == ROUTE_HEALTHZ || route == ROUTE_READYZ || route == ROUTE_WEBHOOK;
}

static bool can_challenge(const struct auth *a)
{
    return a->nusers > 0 || a->ntokens > 0;
}

enum auth_verdict auth_decide(const struct auth *a, enum metrics_route route,
                              const char *authorization, const char *call_sid, const char *exp,
                              const char *sig, int64_t now_s, const char **pcode)
{
    enum auth_verdict v = AUTH_ALLOW;
    const char *code = "open";
    enum linksig_result link = LINKSIG_MALFORMED;
    bool link_given = route == ROUTE_STREAM && sig != NULL;
    enum cred cred = CRED_NONE;
    if (!auth_enabled(a))
        goto out;
    code = "public";
    if (public_route(route))
        goto out;
    /* The link first: it is cheap, and a valid one spares a PBKDF2. */
    if (link_given) {
        link = linksig_check(a->link_secret, call_sid, exp, sig, now_s);
        code = "link";
        if (link == LINKSIG_OK)
            goto out;
    }
    cred = check_credentials(a, authorization, now_s);
    if (cred == CRED_BASIC || cred == CRED_BEARER) {
        code = cred == CRED_BASIC ? "basic" : "bearer";
        goto out;
    }
    /* A bad link is final: prompting someone who followed an embedded
     * link for a password would only confuse them. */
    if (link_given) {
        v = AUTH_DENY;
        code = link == LINKSIG_EXPIRED ? "link_expired" : "link_invalid";
    } else if (can_challenge(a)) {
        v = AUTH_CHALLENGE;
        code = cred == CRED_BAD ? "bad_credentials" : "auth_required";
    } else {
        v = AUTH_DENY; /* only signed links are configured: nothing to ask for */
        code = "forbidden";
    }
out:
    if (pcode)
        *pcode = code;
    return v;
}

static void client_addr(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr, out,
                  (socklen_t)outlen);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
                  out, (socklen_t)outlen);
}

enum auth_verdict auth_check(const struct auth *a, struct MHD_Connection *conn,
                             enum metrics_route route, const char *url, int64_t now_s,
                             const char **pcode)
{
    const char *code = "open";
    const char *authorization = NULL, *sid = NULL, *exp = NULL, *sig = NULL;
    if (auth_enabled(a)) {
        authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (route == ROUTE_STREAM) {
            /* The first value of each, as the /stream handler reads them. */
            sid = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "call_sid");
            exp = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "exp");
            sig = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "sig");
        }
    }
    enum auth_verdict v = auth_decide(a, route, authorization, sid, exp, sig, now_s, &code);
    /* Absent credentials are the normal first step of a browser login;
     * wrong ones and bad links are worth a line (brute force, stale embeds). */
    if (v != AUTH_ALLOW && strcmp(code, "auth_required") != 0) {
        char client[INET6_ADDRSTRLEN];
        client_addr(conn, client, sizeof(client));
        log_event(LOG_INFO, "AUTH_FAIL", LF_S("path", url), LF_S("reason", code),
                  LF_S("client", client));
    }
    if (pcode)
        *pcode = code;
    return v;
}

const char *auth_message(const char *code)
{
    static const struct {
        const char *code, *message;
    } messages[] = {
        { "auth_required", "authentication required" },
        { "bad_credentials", "wrong user name, password or token" },
        { "link_expired", "this link has expired; ask for a new one" },
        { "link_invalid", "this link is not valid" },
        { "forbidden", "not allowed" },
    };
    for (size_t i = 0; code && i < RECD_ARRAY_LEN(messages); i++) {
        if (strcmp(code, messages[i].code) == 0)
            return messages[i].message;
    }
    return "allowed";
}

const char *auth_challenge(const struct auth *a)
{
    /* Basic first: it is the only scheme a browser can prompt for. */
    if (a && a->nusers > 0)
        return "Basic realm=\"" AUTH_REALM "\", charset=\"UTF-8\"";
    return "Bearer realm=\"" AUTH_REALM "\"";
}

/* ---- life cycle ----------------------------------------------------- */

recd_err auth_parse_flag(const char *flag, const char **pfile)
{
    if (!flag || strncmp(flag, "basic:", 6) != 0 || flag[6] == '\0')
        return RECD_EINVAL;
    *pfile = flag + 6;
    return RECD_OK;
}

struct auth *auth_new(const struct auth_config *cfg, char *err, size_t errlen)
{
    struct auth *a = xcalloc(1, sizeof(*a));
    a->cache = cache_new();
    if (!a->cache) {
        snprintf(err, errlen, "no random bytes from the crypto library");
        goto fail;
    }
    if (cfg->basic_file && !load_users(a, cfg->basic_file, err, errlen))
        goto fail;
    if (cfg->api_token_file && !load_tokens(a, cfg->api_token_file, err, errlen))
        goto fail;
    if (cfg->link_secret) {
        if (strlen(cfg->link_secret) < LINKSIG_SECRET_MIN) {
            snprintf(err, errlen, "the link secret must be at least %d bytes (try: openssl rand -hex 32)",
                     LINKSIG_SECRET_MIN);
            goto fail;
        }
        a->link_secret = xstrdup(cfg->link_secret);
    }
    return a;
fail:
    auth_free(a);
    return NULL;
}

void auth_free(struct auth *a)
{
    if (!a)
        return;
    if (a->link_secret)
        OPENSSL_cleanse(a->link_secret, strlen(a->link_secret));
    free(a->link_secret);
    if (a->tokens)
        OPENSSL_cleanse(a->tokens, a->ntokens * sizeof(*a->tokens));
    free(a->tokens);
    free(a->users);
    cache_free(a->cache);
    free(a);
}

bool auth_enabled(const struct auth *a)
{
    return a && (a->nusers > 0 || a->ntokens > 0 || a->link_secret != NULL);
}

void auth_get_stats(const struct auth *a, struct auth_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!a)
        return;
    out->pbkdf2_runs = atomic_load(&a->cache->pbkdf2_runs);
    out->cache_hits = atomic_load(&a->cache->hits);
}
