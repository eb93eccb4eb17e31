/* SPDX-License-Identifier: MIT */
/*
 * test_auth.c — http/auth.c: loading the users and token files (good and
 * malformed), the verified-password cache, bearer tokens, signed links,
 * and the decision for every route (auth_decide, table-driven), then
 * auth_check end to end through a real libmicrohttpd daemon and libcurl.
 * Password vectors: hashlib.pbkdf2_hmac('sha256', pw, salt, 10000, 32).
 */
#include "http/auth.h"
#include "proto/linksig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <microhttpd.h>

/* alice / "correct horse" and bob.smith-2 / "päss:word" */
#define ALICE_LINE "alice:pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw==$5RUHDgNTp9sBOWGYS4e6u57cz/Sq3/TQgaDP/8MW6L8="
#define BOB_LINE "bob.smith-2:pbkdf2-sha256$12000$c2FsdHNhbHRzYWx0c2FsdA==$i4iKmRS12O8Pa6JsJ4q87pKYSSFl0QD9Z3AHO7UQC+o="
#define H_ALICE "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ=="          /* alice:correct horse */
#define H_ALICE_WRONG "Basic YWxpY2U6Y29ycmVjdCBob3JzZTI="    /* alice:correct horse2 */
#define H_NOBODY "Basic bm9ib2R5OmNvcnJlY3QgaG9yc2U="        /* nobody:correct horse */
#define H_BOB "Basic Ym9iLnNtaXRoLTI6cMOkc3M6d29yZA=="       /* bob.smith-2:päss:word */
#define H_GARBLED "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ"           /* padding missing */
#define TOKEN1 "tok_AAAAAAAAAAAAAAAA1"
#define H_TOKEN1 "Bearer " TOKEN1
#define H_TOKEN2 "Bearer tok-BBBBBBBBBBBBBBBB2"
#define H_TOKEN_BAD "Bearer tok_AAAAAAAAAAAAAAAA2"
#define SECRET "0123456789abcdef0123"
#define SID "CA0123456789abcdef0123456789abcdef"
#define EXP "1700000000"
#define SIG "5bc674b45a8ff404a4e9456428c952f18a50d8fd68bb310632d2ad0d5d86dc77"
#define NOW 1699990000

static char dir[64];

static char *write_file(const char *name, const char *content)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    chmod(path, 0600);
    return xstrdup(path);
}

static struct auth *make_auth(const char *users, const char *tokens, const char *secret)
{
    char *bpath = users ? write_file("users", users) : NULL;
    char *tpath = tokens ? write_file("tokens", tokens) : NULL;
    struct auth_config cfg = { .basic_file = bpath, .api_token_file = tpath, .link_secret = secret };
    char err[256] = "";
    struct auth *a = auth_new(&cfg, err, sizeof(err));
    if (!a)
        fail_msg("auth_new: %s", err);
    free(bpath);
    free(tpath);
    return a;
}

#define USERS "# users of recd\n\n" ALICE_LINE "\r\n   " BOB_LINE "  \n"
#define TOKENS "# CI\n" TOKEN1 "\n\n  tok-BBBBBBBBBBBBBBBB2  \n"

static int group_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/recd-test-auth-XXXXXX");
    assert_non_null(mkdtemp(dir));
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char path[128];
    static const char *names[] = { "users", "tokens" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(names); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* ---- loading -------------------------------------------------------- */

static const struct load_case {
    const char *users, *tokens, *secret;
    const char *want; /* substring of err */
} load_errors[] = {
    { "# a\n" ALICE_LINE "\nalice\n", NULL, NULL, "users: line 3: expected NAME" },
    { "alice:pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw==$5RUHDgNTp9sBOWGYS4e6u57cz/Sq3/TQgaDP/8MW6L8=\n",
      NULL, NULL, "line 1: iterations" },
    { "alice:pbkdf2-sha256$ten$AAECAwQFBgcICQoLDA0ODw==$5RUHDgNTp9sBOWGYS4e6u57cz/Sq3/TQgaDP/8MW6L8=\n",
      NULL, NULL, "line 1: iterations" },
    { ALICE_LINE "\n" BOB_LINE "\n" ALICE_LINE "\n", NULL, NULL, "line 3: user listed twice" },
    { "j\xc3\xb6rg:pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw==$5RUHDgNTp9sBOWGYS4e6u57cz/Sq3/TQgaDP/8MW6L8=\n",
      NULL, NULL, "line 1: user name" },
    { "alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", NULL, NULL, "line 1: unknown hash scheme" },
    { "", NULL, NULL, "no users" },
    { "# only a comment\n\n", NULL, NULL, "no users" },
    { NULL, "short\n", NULL, "tokens: line 1: a token must be 16 to 512" },
    { NULL, "# x\n" TOKEN1 "\nthis token has spaces\n", NULL, "line 3: a token may only contain" },
    { NULL, "", NULL, "no tokens" },
    { NULL, NULL, "too-short", "at least 16 bytes" },
    { USERS, TOKENS, "", "at least 16 bytes" },
};

static void test_auth_load_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(load_errors); i++) {
        const struct load_case *c = &load_errors[i];
        char *bpath = c->users ? write_file("users", c->users) : NULL;
        char *tpath = c->tokens ? write_file("tokens", c->tokens) : NULL;
        struct auth_config cfg = { .basic_file = bpath, .api_token_file = tpath, .link_secret = c->secret };
        char err[256] = "";
        struct auth *a = auth_new(&cfg, err, sizeof(err));
        if (a)
            fail_msg("case %zu loaded", i);
        if (!strstr(err, c->want))
            fail_msg("case %zu: err \"%s\" lacks \"%s\"", i, err, c->want);
        free(bpath);
        free(tpath);
    }
}

static void test_auth_load_missing_and_long(void **state)
{
    (void)state;
    char err[256] = "";
    struct auth_config cfg = { .basic_file = "/nonexistent/recd-users" };
    assert_null(auth_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/recd-users: No such file"));
    char *line = xmalloc(2000);
    memset(line, 'a', 1999);
    line[1999] = '\0';
    char *path = write_file("tokens", line);
    struct auth_config tcfg = { .api_token_file = path };
    assert_null(auth_new(&tcfg, err, sizeof(err)));
    assert_non_null(strstr(err, "line 1: line too long"));
    free(path);
    free(line);
}

static void test_auth_load_good(void **state)
{
    (void)state;
    struct auth *a = make_auth(USERS, TOKENS, SECRET);
    assert_true(auth_enabled(a));
    assert_string_equal(auth_challenge(a), "Basic realm=\"recd\", charset=\"UTF-8\"");
    auth_free(a);
    a = make_auth(NULL, TOKENS, NULL);
    assert_true(auth_enabled(a));
    assert_string_equal(auth_challenge(a), "Bearer realm=\"recd\"");
    auth_free(a);
    a = make_auth(NULL, NULL, SECRET);
    assert_true(auth_enabled(a));
    auth_free(a);
}

/* ---- decisions ------------------------------------------------------ */

static void test_auth_disabled(void **state)
{
    (void)state;
    struct auth *a = make_auth(NULL, NULL, NULL);
    assert_false(auth_enabled(a));
    assert_false(auth_enabled(NULL));
    for (int r = 0; r < ROUTE_COUNT_; r++) {
        const char *code = NULL;
        assert_int_equal(auth_decide(a, (enum metrics_route)r, NULL, NULL, NULL, NULL, NOW, &code),
                         AUTH_ALLOW);
        assert_string_equal(code, "open");
        assert_int_equal(auth_decide(NULL, (enum metrics_route)r, H_NOBODY, SID, EXP, "bad", NOW, &code),
                         AUTH_ALLOW);
    }
    struct auth_stats st;
    auth_get_stats(a, &st);
    assert_int_equal(st.pbkdf2_runs, 0);
    auth_free(a);
    auth_free(NULL);
}

struct route_case {
    enum metrics_route route;
    const char *authorization, *sid, *exp, *sig;
    int64_t now;
    enum auth_verdict want;
    const char *code;
};

#define NOLINK NULL, NULL, NULL
#define LINK SID, EXP, SIG
static const struct route_case full_cases[] = {
    /* always open */
    { ROUTE_HEALTHZ, NULL, NOLINK, NOW, AUTH_ALLOW, "public" },
    { ROUTE_READYZ, NULL, NOLINK, NOW, AUTH_ALLOW, "public" },
    { ROUTE_WEBHOOK, NULL, NOLINK, NOW, AUTH_ALLOW, "public" },
    { ROUTE_HEALTHZ, H_ALICE_WRONG, NOLINK, NOW, AUTH_ALLOW, "public" },
    /* the screen, assets, metrics, unknown paths: Basic or bearer */
    { ROUTE_STATIC, NULL, NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_STATIC, H_ALICE, NOLINK, NOW, AUTH_ALLOW, "basic" },
    { ROUTE_STATIC, H_TOKEN1, NOLINK, NOW, AUTH_ALLOW, "bearer" },
    { ROUTE_METRICS, NULL, NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_METRICS, H_TOKEN2, NOLINK, NOW, AUTH_ALLOW, "bearer" },
    { ROUTE_METRICS, H_ALICE, NOLINK, NOW, AUTH_ALLOW, "basic" },
    { ROUTE_OTHER, NULL, NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_OTHER, H_ALICE, NOLINK, NOW, AUTH_ALLOW, "basic" },
    /* the API */
    { ROUTE_API_RECORDINGS, NULL, NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_API_RECORDINGS, H_ALICE, NOLINK, NOW, AUTH_ALLOW, "basic" },
    { ROUTE_API_RUNS, H_TOKEN1, NOLINK, NOW, AUTH_ALLOW, "bearer" },
    { ROUTE_API_FETCH, H_TOKEN_BAD, NOLINK, NOW, AUTH_CHALLENGE, "bad_credentials" },
    { ROUTE_API_RECORDING, H_ALICE_WRONG, NOLINK, NOW, AUTH_CHALLENGE, "bad_credentials" },
    { ROUTE_API_RECORDING, H_NOBODY, NOLINK, NOW, AUTH_CHALLENGE, "bad_credentials" },
    { ROUTE_API_RECORDING, H_BOB, NOLINK, NOW, AUTH_ALLOW, "basic" },
    { ROUTE_API_RECORDING, H_GARBLED, NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_API_RECORDING, "Digest x=1", NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_API_RECORDING, NULL, LINK, NOW, AUTH_CHALLENGE, "auth_required" }, /* links are for /stream */
    /* /stream */
    { ROUTE_STREAM, NULL, SID, NULL, NULL, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_STREAM, H_ALICE, SID, NULL, NULL, NOW, AUTH_ALLOW, "basic" },
    { ROUTE_STREAM, H_TOKEN1, SID, NULL, NULL, NOW, AUTH_ALLOW, "bearer" },
    { ROUTE_STREAM, H_ALICE_WRONG, SID, NULL, NULL, NOW, AUTH_CHALLENGE, "bad_credentials" },
    { ROUTE_STREAM, NULL, LINK, NOW, AUTH_ALLOW, "link" },
    { ROUTE_STREAM, NULL, LINK, 1700000000, AUTH_ALLOW, "link" },              /* exp == now */
    { ROUTE_STREAM, H_ALICE_WRONG, LINK, NOW, AUTH_ALLOW, "link" },
    { ROUTE_STREAM, NULL, LINK, 1700000001, AUTH_DENY, "link_expired" },
    { ROUTE_STREAM, NULL, "CA0123456789abcdef0123456789abcdeF", EXP, SIG, NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, NULL, SID, "1700000001", SIG, NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, NULL, SID, EXP, "5bc674b45a8ff404", NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, NULL, SID, EXP, SIG "00", NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, NULL, SID, NULL, SIG, NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, NULL, SID, EXP, "", NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, NULL, NULL, EXP, SIG, NOW, AUTH_DENY, "link_invalid" },
    { ROUTE_STREAM, H_ALICE_WRONG, SID, EXP, "00", NOW, AUTH_DENY, "link_invalid" },
    /* a bad link does not lock out someone who is logged in */
    { ROUTE_STREAM, H_ALICE, LINK, 1700000001, AUTH_ALLOW, "basic" },
    { ROUTE_STREAM, H_TOKEN1, SID, EXP, "00", NOW, AUTH_ALLOW, "bearer" },
};

static void run_cases(const struct auth *a, const struct route_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct route_case *c = &cases[i];
        const char *code = NULL;
        enum auth_verdict v = auth_decide(a, c->route, c->authorization, c->sid, c->exp, c->sig,
                                          c->now, &code);
        if (v != c->want || !code || strcmp(code, c->code) != 0)
            fail_msg("case %zu (route %s): got %d/%s, want %d/%s", i, metrics_route_name(c->route),
                     v, code ? code : "(null)", c->want, c->code);
        if (v != AUTH_ALLOW && strcmp(auth_message(code), "allowed") == 0)
            fail_msg("case %zu: no message for %s", i, code);
        /* pcode is optional */
        assert_int_equal(auth_decide(a, c->route, c->authorization, c->sid, c->exp, c->sig, c->now, NULL),
                         c->want);
    }
}

static void test_auth_routes_all_methods(void **state)
{
    (void)state;
    struct auth *a = make_auth(USERS, TOKENS, SECRET);
    run_cases(a, full_cases, RECD_ARRAY_LEN(full_cases));
    auth_free(a);
}

/* Only bearer tokens: a browser cannot log in, but 401 still says how. */
static const struct route_case token_cases[] = {
    { ROUTE_API_RUNS, NULL, NOLINK, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_API_RUNS, H_TOKEN1, NOLINK, NOW, AUTH_ALLOW, "bearer" },
    { ROUTE_API_RUNS, H_ALICE, NOLINK, NOW, AUTH_CHALLENGE, "bad_credentials" },
    { ROUTE_STATIC, H_TOKEN2, NOLINK, NOW, AUTH_ALLOW, "bearer" },
    { ROUTE_STREAM, NULL, SID, NULL, NULL, NOW, AUTH_CHALLENGE, "auth_required" },
    { ROUTE_STREAM, NULL, LINK, NOW, AUTH_DENY, "link_invalid" }, /* no link secret */
    { ROUTE_READYZ, NULL, NOLINK, NOW, AUTH_ALLOW, "public" },
};

/* Only signed links: nothing can log in, so there is nothing to ask for. */
static const struct route_case link_cases[] = {
    { ROUTE_STREAM, NULL, LINK, NOW, AUTH_ALLOW, "link" },
    { ROUTE_STREAM, NULL, SID, NULL, NULL, NOW, AUTH_DENY, "forbidden" },
    { ROUTE_STREAM, H_ALICE, SID, NULL, NULL, NOW, AUTH_DENY, "forbidden" },
    { ROUTE_STREAM, NULL, LINK, 1800000000, AUTH_DENY, "link_expired" },
    { ROUTE_STATIC, NULL, NOLINK, NOW, AUTH_DENY, "forbidden" },
    { ROUTE_API_RECORDINGS, H_TOKEN1, NOLINK, NOW, AUTH_DENY, "forbidden" },
    { ROUTE_HEALTHZ, NULL, NOLINK, NOW, AUTH_ALLOW, "public" },
    { ROUTE_WEBHOOK, NULL, NOLINK, NOW, AUTH_ALLOW, "public" },
};

static void test_auth_routes_single_method(void **state)
{
    (void)state;
    struct auth *a = make_auth(NULL, TOKENS, NULL);
    run_cases(a, token_cases, RECD_ARRAY_LEN(token_cases));
    auth_free(a);
    a = make_auth(NULL, NULL, SECRET);
    run_cases(a, link_cases, RECD_ARRAY_LEN(link_cases));
    auth_free(a);
}

/* ---- the verified-password cache ----------------------------------- */

static void expect_stats(const struct auth *a, uint64_t runs, uint64_t hits)
{
    struct auth_stats st;
    auth_get_stats(a, &st);
    if (st.pbkdf2_runs != runs || st.cache_hits != hits)
        fail_msg("pbkdf2_runs %llu cache_hits %llu, want %llu %llu",
                 (unsigned long long)st.pbkdf2_runs, (unsigned long long)st.cache_hits,
                 (unsigned long long)runs, (unsigned long long)hits);
}

static enum auth_verdict api(const struct auth *a, const char *authorization, int64_t now)
{
    return auth_decide(a, ROUTE_API_RUNS, authorization, NULL, NULL, NULL, now, NULL);
}

static void test_auth_cache(void **state)
{
    (void)state;
    struct auth *a = make_auth(USERS, NULL, NULL);
    const int64_t t0 = NOW;
    expect_stats(a, 0, 0);
    assert_int_equal(api(a, H_ALICE, t0), AUTH_ALLOW);
    expect_stats(a, 1, 0);
    assert_int_equal(api(a, H_ALICE, t0 + 1), AUTH_ALLOW);     /* hit */
    assert_int_equal(api(a, H_ALICE, t0 + 299), AUTH_ALLOW);   /* hit */
    expect_stats(a, 1, 2);
    /* Failures are never cached: each one pays a full derivation, also
     * for a user that does not exist (no timing hint about user names). */
    assert_int_equal(api(a, H_ALICE_WRONG, t0 + 2), AUTH_CHALLENGE);
    assert_int_equal(api(a, H_ALICE_WRONG, t0 + 3), AUTH_CHALLENGE);
    assert_int_equal(api(a, H_NOBODY, t0 + 4), AUTH_CHALLENGE);
    expect_stats(a, 4, 2);
    /* Another user has an entry of its own. */
    assert_int_equal(api(a, H_BOB, t0 + 5), AUTH_ALLOW);
    assert_int_equal(api(a, H_BOB, t0 + 6), AUTH_ALLOW);
    expect_stats(a, 5, 3);
    /* After five minutes alice is checked again, then cached again. */
    assert_int_equal(api(a, H_ALICE, t0 + 300), AUTH_ALLOW);
    expect_stats(a, 6, 3);
    assert_int_equal(api(a, H_ALICE, t0 + 301), AUTH_ALLOW);
    expect_stats(a, 6, 4);
    /* A clock stepped back does not stretch the lifetime. */
    assert_int_equal(api(a, H_ALICE, t0 - 3600), AUTH_ALLOW);
    expect_stats(a, 7, 4);
    /* Invalid user names are refused without any derivation. */
    assert_int_equal(api(a, "Basic OnB3", t0), AUTH_CHALLENGE);           /* ":pw" */
    assert_int_equal(api(a, "Basic YSBiOmM=", t0), AUTH_CHALLENGE);       /* "a b:c" */
    expect_stats(a, 7, 4);
    auth_free(a);
}

/* HTTP threads share one struct auth: a burst of the same login from many
 * threads derives at most once per thread that missed, and never wrongly. */
struct burst {
    const struct auth *a;
    int allowed, challenged;
};

static void *burst_thread(void *arg)
{
    struct burst *b = arg;
    for (int i = 0; i < 50; i++) {
        const char *h = i % 25 == 24 ? H_ALICE_WRONG : i % 2 ? H_ALICE : H_TOKEN1;
        enum auth_verdict v = auth_decide(b->a, ROUTE_STATIC, h, NULL, NULL, NULL, NOW, NULL);
        if (v == AUTH_ALLOW)
            b->allowed++;
        else
            b->challenged++;
    }
    return NULL;
}

static void test_auth_threads(void **state)
{
    (void)state;
    struct auth *a = make_auth(USERS, TOKENS, SECRET);
    pthread_t t[4];
    struct burst b[4];
    for (int i = 0; i < 4; i++) {
        b[i] = (struct burst){ .a = a };
        assert_int_equal(pthread_create(&t[i], NULL, burst_thread, &b[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(b[i].allowed, 48);
        assert_int_equal(b[i].challenged, 2);
    }
    struct auth_stats st;
    auth_get_stats(a, &st);
    assert_true(st.pbkdf2_runs >= 1 + 8 && st.pbkdf2_runs <= 4 + 8); /* alice misses + 8 wrong */
    assert_int_equal(st.pbkdf2_runs + st.cache_hits, 4 * 26); /* every Basic check counted once */
    auth_free(a);
}

static void test_auth_bearer_tokens(void **state)
{
    (void)state;
    struct auth *a = make_auth(NULL, TOKENS, NULL);
    assert_int_equal(api(a, H_TOKEN1, NOW), AUTH_ALLOW);
    assert_int_equal(api(a, H_TOKEN2, NOW), AUTH_ALLOW);
    assert_int_equal(api(a, "bearer " TOKEN1, NOW), AUTH_ALLOW);       /* scheme is case-blind */
    assert_int_equal(api(a, H_TOKEN_BAD, NOW), AUTH_CHALLENGE);
    assert_int_equal(api(a, "Bearer tok_AAAAAAAAAAAAAAAA", NOW), AUTH_CHALLENGE); /* prefix */
    assert_int_equal(api(a, H_TOKEN1 "1", NOW), AUTH_CHALLENGE);                  /* extended */
    assert_int_equal(api(a, "Bearer # CI", NOW), AUTH_CHALLENGE);  /* comments are not tokens */
    assert_int_equal(api(a, "Bearer TOK_AAAAAAAAAAAAAAAA1", NOW), AUTH_CHALLENGE);
    assert_int_equal(api(a, "Basic " TOKEN1, NOW), AUTH_CHALLENGE);
    expect_stats(a, 0, 0);
    auth_free(a);
}

/* What `recd link` signs (linksig_query), auth_decide accepts until exp. */
static void test_signed_link_round_trip(void **state)
{
    (void)state;
    struct auth *a = make_auth(USERS, NULL, SECRET);
    char q[LINKSIG_QUERY_MAX];
    assert_int_equal(linksig_query(SECRET, SID, 1700000000, q, sizeof(q)), RECD_OK);
    assert_string_equal(q, "call_sid=" SID "&exp=" EXP "&sig=" SIG);
    assert_int_equal(linksig_query(SECRET, "CAabc", 2000, q, sizeof(q)), RECD_OK);
    char *sig = strstr(q, "&sig=");
    assert_non_null(sig);
    assert_int_equal(auth_decide(a, ROUTE_STREAM, NULL, "CAabc", "2000", sig + 5, 2000, NULL), AUTH_ALLOW);
    assert_int_equal(auth_decide(a, ROUTE_STREAM, NULL, "CAabc", "2000", sig + 5, 2001, NULL), AUTH_DENY);
    assert_int_equal(auth_decide(a, ROUTE_STREAM, NULL, "CAabd", "2000", sig + 5, 1000, NULL), AUTH_DENY);
    auth_free(a);
}

static void test_auth_parse_flag(void **state)
{
    (void)state;
    const char *file = NULL;
    assert_int_equal(auth_parse_flag("basic:/etc/recd/users", &file), RECD_OK);
    assert_string_equal(file, "/etc/recd/users");
    assert_int_equal(auth_parse_flag("basic:users", &file), RECD_OK);
    assert_string_equal(file, "users");
    static const char *bad[] = { "basic:", "basic", "Basic:/x", "digest:/x", "/etc/recd/users", "" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad); i++)
        assert_int_equal(auth_parse_flag(bad[i], &file), RECD_EINVAL);
    assert_int_equal(auth_parse_flag(NULL, &file), RECD_EINVAL);
}

/* ---- auth_check through libmicrohttpd ------------------------------- */

static enum metrics_route route_of(const char *url)
{
    if (strcmp(url, "/stream") == 0)
        return ROUTE_STREAM;
    if (strcmp(url, "/healthz") == 0)
        return ROUTE_HEALTHZ;
    if (strncmp(url, "/api/", 5) == 0)
        return ROUTE_API_RUNS;
    return ROUTE_STATIC;
}

/* Answers 200/401/403 as the server would, with the code as the body. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    const struct auth *a = cls;
    static int first;
    if (!*con_cls) {
        *con_cls = &first;
        return MHD_YES;
    }
    const char *code = NULL;
    enum auth_verdict v = auth_check(a, conn, route_of(url), url, NOW, &code);
    unsigned status = v == AUTH_ALLOW ? 200 : v == AUTH_CHALLENGE ? 401 : 403;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(code), (void *)code,
                                                                MHD_RESPMEM_PERSISTENT);
    if (v == AUTH_CHALLENGE)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, auth_challenge(a));
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

struct reply {
    long status;
    char body[64];
    char www_authenticate[128];
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct reply *r = ctx;
    size_t len = strlen(r->body);
    snprintf(r->body + len, sizeof(r->body) - len, "%.*s", (int)(size * n), data);
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    struct reply *r = ctx;
    const char name[] = "WWW-Authenticate: ";
    size_t len = size * n;
    if (len > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0)
        snprintf(r->www_authenticate, sizeof(r->www_authenticate), "%.*s",
                 (int)(len - (sizeof(name) - 1) - 2), data + sizeof(name) - 1);
    return len;
}

static struct reply get(uint16_t port, const char *path_query, const char *userpwd, const char *header)
{
    struct reply r;
    memset(&r, 0, sizeof(r));
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)port, path_query);
    CURL *c = curl_easy_init();
    struct curl_slist *hs = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (userpwd)
        curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return r;
}

static void test_auth_check_http(void **state)
{
    (void)state;
    struct auth *a = make_auth(USERS, TOKENS, SECRET);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            on_request, a, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    assert_non_null(d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    uint16_t port = info->port;
    curl_global_init(CURL_GLOBAL_DEFAULT);

    struct reply r = get(port, "/", NULL, NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.body, "auth_required");
    assert_string_equal(r.www_authenticate, "Basic realm=\"recd\", charset=\"UTF-8\"");
    r = get(port, "/", "alice:correct horse", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "basic");
    r = get(port, "/api/runs", "alice:wrong", NULL);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.body, "bad_credentials");
    r = get(port, "/api/runs", NULL, "Authorization: " H_TOKEN1);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "bearer");
    r = get(port, "/healthz", NULL, NULL);
    assert_int_equal(r.status, 200);
    /* The link's parameters come from the query, decoded, first value wins. */
    r = get(port, "/stream?call_sid=" SID "&exp=" EXP "&sig=" SIG "&wait=20", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "link");
    r = get(port, "/stream?call_sid=%43A0123456789abcdef0123456789abcdef&exp=" EXP "&sig=" SIG, NULL, NULL);
    assert_int_equal(r.status, 200);
    r = get(port, "/stream?call_sid=" SID "&exp=1700000001&sig=" SIG, NULL, NULL);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.body, "link_invalid");
    r = get(port, "/stream?call_sid=CAother&call_sid=" SID "&exp=" EXP "&sig=" SIG, NULL, NULL);
    assert_int_equal(r.status, 403);
    r = get(port, "/stream?call_sid=" SID, NULL, NULL);
    assert_int_equal(r.status, 401);
    r = get(port, "/stream?call_sid=" SID, "alice:correct horse", NULL);
    assert_int_equal(r.status, 200);

    curl_global_cleanup();
    MHD_stop_daemon(d);
    auth_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_load_errors),
        cmocka_unit_test(test_auth_load_missing_and_long),
        cmocka_unit_test(test_auth_load_good),
        cmocka_unit_test(test_auth_disabled),
        cmocka_unit_test(test_auth_routes_all_methods),
        cmocka_unit_test(test_auth_routes_single_method),
        cmocka_unit_test(test_auth_cache),
        cmocka_unit_test(test_auth_threads),
        cmocka_unit_test(test_auth_bearer_tokens),
        cmocka_unit_test(test_signed_link_round_trip),
        cmocka_unit_test(test_auth_parse_flag),
        cmocka_unit_test(test_auth_check_http),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
