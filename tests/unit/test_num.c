/* SPDX-License-Identifier: MIT */
/* test_num.c — proto/num.c: strict decimal parsing with range checks. */
#include "proto/num.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

struct i64_case {
    const char *s;
    int64_t min, max;
    bool ok;
    int64_t want;
};

static const struct i64_case cases[] = {
    {"0", 0, 100, true, 0},
    {"7", 0, 100, true, 7},
    {"100", 0, 100, true, 100},
    {"007", 0, 100, true, 7},
    {"101", 0, 100, false, 0},
    {"5", 6, 100, false, 0},
    {"-1", -10, 10, true, -1},
    {"-10", -10, 10, true, -10},
    {"-11", -10, 10, false, 0},
    {"-0", -10, 10, true, 0},
    {"-1", 0, 10, false, 0},  /* '-' only when min < 0 */
    {"-0", 0, 10, false, 0},
    {"9223372036854775807", INT64_MIN, INT64_MAX, true, INT64_MAX},
    {"-9223372036854775808", INT64_MIN, INT64_MAX, true, INT64_MIN},
    {"9223372036854775808", INT64_MIN, INT64_MAX, false, 0},
    {"-9223372036854775809", INT64_MIN, INT64_MAX, false, 0},
    {"99999999999999999999", INT64_MIN, INT64_MAX, false, 0},
    {"-99999999999999999999", INT64_MIN, INT64_MAX, false, 0},
    {"00000000000000000000000001", 0, 10, true, 1},
    {"", 0, 10, false, 0},
    {"-", -10, 10, false, 0},
    {"+1", 0, 10, false, 0},
    {" 1", 0, 10, false, 0},
    {"1 ", 0, 10, false, 0},
    {"\t1", 0, 10, false, 0},
    {"1\n", 0, 10, false, 0},
    {"1a", 0, 10, false, 0},
    {"a1", 0, 10, false, 0},
    {"0x1", 0, 10, false, 0},
    {"1.0", 0, 10, false, 0},
    {"1e1", 0, 100, false, 0},
    {"--1", -10, 10, false, 0},
    {"1-", -10, 10, false, 0},
    {"1,000", 0, 10000, false, 0},
    {"5", 10, 0, false, 0}, /* empty range */
};

static void test_num_i64_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const struct i64_case *c = &cases[i];
        int64_t v = 12345;
        bool ok = num_parse_i64(c->s, c->min, c->max, &v);
        if (ok != c->ok)
            fail_msg("num_parse_i64(\"%s\") returned %d, want %d", c->s, ok, c->ok);
        if (ok && v != c->want)
            fail_msg("num_parse_i64(\"%s\") = %lld, want %lld", c->s, (long long)v,
                     (long long)c->want);
        if (!ok && v != 12345)
            fail_msg("num_parse_i64(\"%s\") wrote *out on failure", c->s);
    }
}

static void test_num_int(void **state)
{
    (void)state;
    int v = 99;
    assert_true(num_parse_int("2147483647", INT32_MIN, INT32_MAX, &v));
    assert_int_equal(v, INT32_MAX);
    assert_true(num_parse_int("-2147483648", INT32_MIN, INT32_MAX, &v));
    assert_int_equal(v, INT32_MIN);
    v = 99;
    assert_false(num_parse_int("2147483648", INT32_MIN, INT32_MAX, &v));
    assert_false(num_parse_int("-2147483649", INT32_MIN, INT32_MAX, &v));
    assert_false(num_parse_int("30", 1, 20, &v));
    assert_false(num_parse_int("x", 1, 20, &v));
    assert_int_equal(v, 99);
    assert_true(num_parse_int("20", 1, 20, &v));
    assert_int_equal(v, 20);
}

static void test_num_null(void **state)
{
    (void)state;
    int64_t v;
    int iv;
    assert_false(num_parse_i64(NULL, 0, 10, &v));
    assert_false(num_parse_i64("1", 0, 10, NULL));
    assert_false(num_parse_int(NULL, 0, 10, &iv));
    assert_false(num_parse_int("1", 0, 10, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num_i64_table),
        cmocka_unit_test(test_num_int),
        cmocka_unit_test(test_num_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
