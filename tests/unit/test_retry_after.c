/* SPDX-License-Identifier: MIT */
/* test_retry_after.c — proto/retry_after.c: delta-seconds and HTTP dates. */
#include "proto/retry_after.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* "now" is Sun, 06 Nov 1994 08:49:37.500 GMT. */
#define NOW_MS (784111777LL * 1000 + 500)
#define MAX RETRY_AFTER_MAX_MS

struct ra_case {
    const char *value;
    bool ok;
    int64_t want_ms;
};

static const struct ra_case cases[] = {
    {"0", true, 0},
    {"1", true, 1000},
    {"120", true, 120000},
    {"007", true, 7000},
    {"3600", true, MAX},
    {"3601", true, MAX},
    {"86400", true, MAX},
    {"99999999999999999999999999", true, MAX}, /* huge: clamped, not refused */
    {" 5", true, 5000},
    {"5 ", true, 5000},
    {"\t5\t", true, 5000},
    {"Sun, 06 Nov 1994 08:50:38 GMT", true, 60500},
    {"Sun, 06 Nov 1994 08:49:38 GMT", true, 500},
    {" Sun, 06 Nov 1994 08:49:38 GMT ", true, 500},
    {"Sun, 06 Nov 1994 08:49:37 GMT", true, 0}, /* 500 ms ago */
    {"Sun, 06 Nov 1994 07:00:00 GMT", true, 0}, /* past */
    {"Thu, 01 Jan 1970 00:00:00 GMT", true, 0},
    {"Sun, 06 Nov 1994 09:49:37 GMT", true, MAX - 500},
    {"Sun, 06 Nov 1994 09:49:38 GMT", true, MAX},
    {"Sun, 06 Nov 1994 10:49:37 GMT", true, MAX}, /* two hours: clamped */
    {"Fri, 31 Dec 9999 23:59:59 GMT", true, MAX},
    {"", false, 0},
    {" ", false, 0},
    {"-1", false, 0},
    {"+1", false, 0},
    {"1.5", false, 0},
    {"5s", false, 0},
    {"5 6", false, 0},
    {"0x10", false, 0},
    {"soon", false, 0},
    {"Sun, 06 Nov 1994 08:49:37", false, 0},       /* no zone */
    {"Sun, 06 Nov 1994 08:49:37 UTC", false, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT x", false, 0},
    {"Sun, 06 Nov 1994 25:49:37 GMT", false, 0},
    {"Sun, 32 Nov 1994 08:49:37 GMT", false, 0},
    {"Sun, 06 Foo 1994 08:49:37 GMT", false, 0},
    {"1994-11-06T08:49:37Z", false, 0},
};

static void test_retry_after_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const struct ra_case *c = &cases[i];
        int64_t d = -42;
        bool ok = retry_after_parse(c->value, NOW_MS, &d);
        if (ok != c->ok)
            fail_msg("[%s]: returned %d, want %d", c->value, ok, c->ok);
        if (ok && d != c->want_ms)
            fail_msg("[%s]: %lld ms, want %lld", c->value, (long long)d, (long long)c->want_ms);
        if (!ok && d != -42)
            fail_msg("[%s]: wrote the output on failure", c->value);
    }
}

static void test_retry_after_null_and_long(void **state)
{
    (void)state;
    int64_t d = -42;
    assert_false(retry_after_parse(NULL, NOW_MS, &d));
    assert_false(retry_after_parse("5", NOW_MS, NULL));
    char big[300];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big + 100, "Sun, 06 Nov 1994 08:50:38 GMT", 29);
    memcpy(big + 200, "x", 1);
    assert_false(retry_after_parse(big, NOW_MS, &d));
    assert_int_equal(d, -42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after_table),
        cmocka_unit_test(test_retry_after_null_and_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
