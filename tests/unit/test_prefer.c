/* SPDX-License-Identifier: MIT */
/* test_prefer.c — proto/prefer.c: Prefer: wait=N and the ?wait= value. */
#include "proto/prefer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

struct wait_case {
    const char *s;
    bool ok;
    int want;
};

static const struct wait_case header_cases[] = {
    {"wait=10", true, 10},
    {"wait=0", true, 0},
    {"WAIT=10", true, 10},
    {"Wait=10", true, 10},
    {"wait=\"10\"", true, 10},
    {"wait = 10", true, 10},  /* BWS around '=' */
    {"wait=10 ", true, 10},
    {" wait=10", true, 10},
    {"wait=007", true, 7},
    {"wait=86400", true, 86400},
    {"wait=86401", true, 86400},
    {"wait=99999999999999999999999", true, 86400},
    {"respond-async, wait=5", true, 5},
    {"wait=5, respond-async", true, 5},
    {"respond-async,wait=5", true, 5},
    {"handling=lenient, respond-async, wait=15", true, 15},
    {"wait=5; foo=bar", true, 5},   /* parameters are ignored */
    {"wait=5;foo", true, 5},
    {"wait=5, wait=9", true, 5},    /* first one counts (RFC 7240 §2) */
    {"wait=x, wait=9", false, 0},   /* ... even when it is malformed */
    {"foo=\"a,wait=9\", wait=3", true, 3}, /* comma inside quotes */
    {"foo=\"a\\\"b,wait=9\", wait=4", true, 4}, /* escaped quote */
    {"respond-async; wait=5", false, 0}, /* a parameter, not the preference */
    {"waiting=5", false, 0},
    {"xwait=5", false, 0},
    {"wait", false, 0},
    {"wait=", false, 0},
    {"wait= ", false, 0},
    {"wait=\"\"", false, 0},
    {"wait=-1", false, 0},
    {"wait=+1", false, 0},
    {"wait=1.5", false, 0},
    {"wait=10s", false, 0},
    {"wait=10 20", false, 0},
    {"wait=\"10", false, 0},
    {"wait=\"10\"x", false, 0},
    {"wait=\"1 0\"", false, 0},
    {"wait==10", false, 0},
    {"wait:10", false, 0},
    {"respond-async", false, 0},
    {"", false, 0},
    {",,,", false, 0},
    {"\"wait=5\"", false, 0},
};

static const struct wait_case param_cases[] = {
    {"0", true, 0},
    {"5", true, 5},
    {"30", true, 30},
    {"000030", true, 30},
    {"86400", true, 86400},
    {"86401", true, 86400},
    {"999999", true, 86400},
    {"1000000", false, 0}, /* 7 digits */
    {"", false, 0},
    {"-1", false, 0},
    {"+1", false, 0},
    {" 1", false, 0},
    {"1 ", false, 0},
    {"1s", false, 0},
    {"0x10", false, 0},
    {"1.5", false, 0},
    {"\"5\"", false, 0},
};

static void run_table(const struct wait_case *cases, size_t n, bool (*fn)(const char *, int *),
                      const char *what)
{
    for (size_t i = 0; i < n; i++) {
        int v = -42;
        bool ok = fn(cases[i].s, &v);
        if (ok != cases[i].ok)
            fail_msg("%s [%s]: returned %d, want %d", what, cases[i].s, ok, cases[i].ok);
        if (ok && v != cases[i].want)
            fail_msg("%s [%s]: got %d, want %d", what, cases[i].s, v, cases[i].want);
        if (!ok && v != -42)
            fail_msg("%s [%s]: wrote the output on failure", what, cases[i].s);
    }
}

static void test_prefer_header_table(void **state)
{
    (void)state;
    run_table(header_cases, RECD_ARRAY_LEN(header_cases), prefer_wait, "Prefer");
}

static void test_prefer_param_table(void **state)
{
    (void)state;
    run_table(param_cases, RECD_ARRAY_LEN(param_cases), prefer_wait_param, "?wait=");
}

static void test_prefer_null(void **state)
{
    (void)state;
    int v;
    assert_false(prefer_wait(NULL, &v));
    assert_false(prefer_wait("wait=5", NULL));
    assert_false(prefer_wait_param(NULL, &v));
    assert_false(prefer_wait_param("5", NULL));
}

/* An unterminated quoted string ends the scan instead of running past. */
static void test_prefer_unterminated_quote(void **state)
{
    (void)state;
    int v = -42;
    assert_false(prefer_wait("foo=\"abc, wait=5", &v));
    assert_false(prefer_wait("foo=\"abc\\", &v));
    assert_int_equal(v, -42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefer_header_table),
        cmocka_unit_test(test_prefer_param_table),
        cmocka_unit_test(test_prefer_null),
        cmocka_unit_test(test_prefer_unterminated_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
