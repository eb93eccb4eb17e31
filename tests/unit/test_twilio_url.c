/* SPDX-License-Identifier: MIT */
/*
 * test_twilio_url.c — proto/twilio_url.c: the URL spellings twilio-node's
 * validateRequest accepts, and Node's querystring round trip. Expected
 * values were printed by Node 20 itself (querystring.stringify(
 * querystring.parse(q)), and new URL() with the port removed or added as
 * webhooks.ts removePort/addPort do); tests/twilio/ checks the whole
 * webhook against the official twilio package.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "proto/twilio_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_legacy_query(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        { "a=1&&b=2", "a=1&b=2" },
        { "a", "a=" },
        { "=x", "=x" },
        { "a=1&b=2&a=3", "a=1&a=3&b=2" },
        { "x=%C3%A9+y%20z", "x=%C3%A9%20y%20z" },
        { "bad=%zz&p=%", "bad=%25zz&p=%25" },
        { "b=1&2=x&1=y&01=z", "1=y&2=x&b=1&01=z" },
        { "%E0%A0=x&v=%ED%A0%80&w=%F0%9F%98%80&z=%C3",
          "%EF%BF%BD=x&v=%EF%BF%BD%EF%BF%BD%EF%BF%BD&w=%F0%9F%98%80&z=%EF%BF%BD" },
        { "k=~!*()%27-._", "k=~!*()'-._" },
        { "tenant=acme&tenant=b%26c", "tenant=acme&tenant=b%26c" },
        { "&&", "" },
        { "=", "=" },
        { "", "" },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        char *got = twilio_legacy_query_dup(cases[i].in, strlen(cases[i].in));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].in, got, cases[i].want);
        free(got);
    }
}

static bool has(const struct twilio_urls *u, const char *url)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->url[i], url) == 0)
            return true;
    return false;
}

#define MAX_WANT 8

static void test_spellings(void **state)
{
    static const struct {
        const char *base, *target;
        size_t n;
        const char *want[MAX_WANT];
    } cases[] = {
        /* Default port: the helpers also try it spelled out. */
        { "https://recd.example.com",
          "/webhooks/twilio/recording-status?tenant=acme",
          2,
          { "https://recd.example.com/webhooks/twilio/recording-status?tenant=acme",
            "https://recd.example.com:443/webhooks/twilio/recording-status?tenant=acme" } },
        /* An explicit port: also tried without it. */
        { "http://127.0.0.1:8080/",
          "/webhooks/twilio/recording-status",
          2,
          { "http://127.0.0.1:8080/webhooks/twilio/recording-status",
            "http://127.0.0.1/webhooks/twilio/recording-status" } },
        /* As configured, and as new URL() writes it (host lower-cased). */
        { "https://Recd.Example.com:443",
          "/x",
          4,
          { "https://Recd.Example.com/x", "https://Recd.Example.com:443/x",
            "https://recd.example.com/x", "https://recd.example.com:443/x" } },
        /* A path prefix behind a proxy; a raw quote is normalised; the
         * legacy querystring re-encodes the quote back and the space. */
        { "https://h.example/recd",
          "/cb?a='b&c=d+e",
          6,
          { "https://h.example/recd/cb?a='b&c=d+e", "https://h.example:443/recd/cb?a='b&c=d+e",
            "https://h.example/recd/cb?a=%27b&c=d+e", "https://h.example:443/recd/cb?a=%27b&c=d+e",
            "https://h.example/recd/cb?a='b&c=d%20e",
            "https://h.example:443/recd/cb?a='b&c=d%20e" } },
        /* An empty query keeps its '?', and is not re-encoded. */
        { "https://recd.example.com:8443",
          "/x?",
          2,
          { "https://recd.example.com:8443/x?", "https://recd.example.com/x?" } },
        { "http://[::1]:8080", "/x", 2, { "http://[::1]:8080/x", "http://[::1]/x" } },
        { "http://user:pw@h:81", "/x", 2, { "http://user:pw@h:81/x", "http://user:pw@h/x" } },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        struct twilio_urls u;
        assert_int_equal(twilio_urls_build(cases[i].base, cases[i].target, &u), RECD_OK);
        for (size_t k = 0; k < cases[i].n; k++)
            if (!has(&u, cases[i].want[k]))
                fail_msg("case %zu: %s missing", i, cases[i].want[k]);
        if (u.n != cases[i].n)
            fail_msg("case %zu: %zu spellings, want %zu (first extra: %s)", i, u.n, cases[i].n,
                     u.url[u.n - 1]);
        twilio_urls_free(&u);
    }
}

static void test_bad_input(void **state)
{
    static const char *const bases[] = {
        "ftp://h",       "h.example",   "https://",     "https://h:80x",
        "https://h?x=1", "https://h#f", "https://[::1", "https://h:123456",
    };
    struct twilio_urls u;
    for (size_t i = 0; i < RECD_ARRAY_LEN(bases); i++) {
        if (twilio_urls_build(bases[i], "/x", &u) != RECD_EINVAL)
            fail_msg("base %s accepted", bases[i]);
        assert_int_equal(u.n, 0);
        twilio_urls_free(&u);
    }
    assert_int_equal(twilio_urls_build("https://h", "x", &u), RECD_EINVAL);
    assert_int_equal(twilio_urls_build("https://h", "/x#y", &u), RECD_EINVAL);
    assert_int_equal(twilio_urls_build(NULL, "/x", &u), RECD_EINVAL);
    twilio_urls_free(NULL);
}

/* Many parameters: the re-encoded spelling is skipped (bounded work before
 * the caller is known); the others remain. */
static void test_many_query_pairs(void **state)
{
    char target[2048] = "/x?";
    size_t len = strlen(target);
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(target + len, sizeof(target) - len, "a=1&");
    struct twilio_urls u;
    assert_int_equal(twilio_urls_build("https://h", target, &u), RECD_OK);
    assert_int_equal(u.n, 2);
    twilio_urls_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_query),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_many_query_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
