/* SPDX-License-Identifier: MIT */
/*
 * test_authz.c — proto/authz.c: Authorization header values, table-driven.
 * Every malformed value must come back as "no credentials".
 */
#include "proto/authz.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct authz_case {
    const char *header;
    enum authz_scheme scheme;
    const char *user;     /* BASIC */
    const char *password; /* BASIC; for BEARER the token */
};

static const struct authz_case cases[] = {
    /* base64("alice:correct horse") */
    { "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==", AUTHZ_BASIC, "alice", "correct horse" },
    { "basic YWxpY2U6Y29ycmVjdCBob3JzZQ==", AUTHZ_BASIC, "alice", "correct horse" },
    { "BASIC   YWxpY2U6Y29ycmVjdCBob3JzZQ==  ", AUTHZ_BASIC, "alice", "correct horse" },
    /* the password keeps later colons and UTF-8: "bob.smith-2:päss:word" */
    { "Basic Ym9iLnNtaXRoLTI6cMOkc3M6d29yZA==", AUTHZ_BASIC, "bob.smith-2", "p\xc3\xa4ss:word" },
    { "Basic Ym9iOg==", AUTHZ_BASIC, "bob", "" },            /* "bob:" */
    { "Basic OnB3", AUTHZ_BASIC, "", "pw" },                 /* ":pw" */
    { "Bearer abc.DEF-123_~+/==", AUTHZ_BEARER, NULL, "abc.DEF-123_~+/==" },
    { "bearer tok\t", AUTHZ_BEARER, NULL, "tok" },
    /* no credentials */
    { NULL, AUTHZ_NONE, NULL, NULL },
    { "", AUTHZ_NONE, NULL, NULL },
    { "Basic", AUTHZ_NONE, NULL, NULL },
    { "Basic ", AUTHZ_NONE, NULL, NULL },
    { "Basic YWxpY2U=", AUTHZ_NONE, NULL, NULL },            /* "alice": no colon */
    { "Basic YWxpY2U6cHc", AUTHZ_NONE, NULL, NULL },         /* padding missing */
    { "Basic YWxp Y2U6cHc=", AUTHZ_NONE, NULL, NULL },        /* two tokens */
    { "Basic YQBiOmM=", AUTHZ_NONE, NULL, NULL },             /* "a\0b:c" */
    { "Basic ####", AUTHZ_NONE, NULL, NULL },
    { "Basic=YWxpY2U6cHc=", AUTHZ_NONE, NULL, NULL },
    { "Digest username=\"alice\"", AUTHZ_NONE, NULL, NULL },
    { "Bearer", AUTHZ_NONE, NULL, NULL },
    { "Bearer a b", AUTHZ_NONE, NULL, NULL },
    { "Bearer =abc", AUTHZ_NONE, NULL, NULL },
    { "Bearer ab=c", AUTHZ_NONE, NULL, NULL },
    { "Bearer t\xc3\xa9", AUTHZ_NONE, NULL, NULL },
    { "Bearerx tok", AUTHZ_NONE, NULL, NULL },
    { " Bearer tok", AUTHZ_NONE, NULL, NULL },
};

static void test_authz_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const struct authz_case *c = &cases[i];
        struct authz a;
        authz_parse(c->header, &a);
        if (a.scheme != c->scheme)
            fail_msg("\"%s\": scheme %d, want %d", c->header ? c->header : "(null)", a.scheme, c->scheme);
        if (c->scheme == AUTHZ_BASIC) {
            assert_string_equal(a.user, c->user);
            assert_string_equal(a.password, c->password);
        } else if (c->scheme == AUTHZ_BEARER) {
            assert_int_equal(a.token_len, strlen(c->password));
            assert_memory_equal(a.token, c->password, a.token_len);
        } else {
            assert_null(a.user);
            assert_null(a.password);
            assert_null(a.token);
        }
        authz_clear(&a);
        assert_int_equal(a.scheme, AUTHZ_NONE);
    }
}

/* The size ceiling: exactly AUTHZ_HEADER_MAX bytes parse, one more don't. */
static void test_authz_size_limit(void **state)
{
    (void)state;
    static char header[AUTHZ_HEADER_MAX + 2];
    struct authz a;
    memset(header, 'a', sizeof(header) - 1);
    header[sizeof(header) - 1] = '\0';
    memcpy(header, "Bearer ", 7);
    authz_parse(header, &a);
    assert_int_equal(a.scheme, AUTHZ_NONE); /* AUTHZ_HEADER_MAX + 1 bytes */
    header[AUTHZ_HEADER_MAX] = '\0';
    authz_parse(header, &a);
    assert_int_equal(a.scheme, AUTHZ_BEARER);
    assert_int_equal(a.token_len, AUTHZ_HEADER_MAX - 7);
    /* The largest Basic value decodes into the private buffer. */
    size_t n = (AUTHZ_HEADER_MAX - 6) / 4 * 4;
    memcpy(header, "Basic ", 6);
    memset(header + 6, 'Y', n);
    memcpy(header + 6, "YTo6", 4);  /* "a::" then 'a'-ish bytes */
    header[6 + n] = '\0';
    authz_parse(header, &a);
    assert_int_equal(a.scheme, AUTHZ_BASIC);
    assert_string_equal(a.user, "a");
    assert_int_equal(strlen(a.password), n / 4 * 3 - 2);
    authz_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authz_cases),
        cmocka_unit_test(test_authz_size_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
