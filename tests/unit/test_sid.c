/* SPDX-License-Identifier: MIT */
/* test_sid.c — proto/sid.c: the ^[A-Za-z0-9_-]{1,64}$ alphabet and length. */
#include "proto/sid.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct sid_case {
    const char *s;
    bool valid;
};

static const struct sid_case cases[] = {
    {"CA0123456789abcdef0123456789abcdef", true}, /* Twilio CA + 32 hex */
    {"RE0123456789abcdef0123456789abcdef", true},
    {"a", true},
    {"Z", true},
    {"0", true},
    {"_", true},
    {"-", true},
    {"call-42_x", true},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", true}, /* 64 */
    {"", false},
    {" ", false},
    {" CA1", false},
    {"CA1 ", false},
    {"CA 1", false},
    {"CA1\n", false},
    {"CA1\t", false},
    {"CA.1", false},
    {"../etc", false},
    {"a/b", false},
    {"a\\b", false},
    {"a%2F", false},
    {"a+b", false},
    {"a=b", false},
    {"a&b", false},
    {"a'b", false},
    {"a\"b", false},
    {"a;b", false},
    {"a:b", false},
    {"a~b", false},
    {"caf\xc3\xa9", false}, /* non-ASCII letter */
    {"\xff", false},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-x", false}, /* 65 */
};

static void test_sid_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        if (sid_valid(cases[i].s) != cases[i].valid)
            fail_msg("sid_valid(\"%s\") should be %d", cases[i].s, cases[i].valid);
        size_t n = strlen(cases[i].s);
        if (sid_valid_n(cases[i].s, n) != cases[i].valid)
            fail_msg("sid_valid_n(\"%s\", %zu) should be %d", cases[i].s, n, cases[i].valid);
    }
}

static void test_sid_null(void **state)
{
    (void)state;
    assert_false(sid_valid(NULL));
    assert_false(sid_valid_n(NULL, 0));
    assert_false(sid_valid_n(NULL, 5));
}

/* sid_valid_n looks at exactly n bytes: no NUL needed, nothing after read. */
static void test_sid_valid_n_slices(void **state)
{
    (void)state;
    const char *q = "CA123&wait=5";
    assert_true(sid_valid_n(q, 5));
    assert_false(sid_valid_n(q, 6));
    assert_false(sid_valid_n(q, 0));
    char buf[RECD_SID_MAX + 1];
    memset(buf, 'a', sizeof(buf)); /* deliberately not NUL-terminated */
    assert_true(sid_valid_n(buf, RECD_SID_MAX));
    assert_false(sid_valid_n(buf, RECD_SID_MAX + 1));
    assert_true(sid_valid_n("ab\0cd", 2));
    assert_false(sid_valid_n("ab\0cd", 5)); /* embedded NUL */
}

/* Every byte value: exactly the 64 alphabet bytes are accepted alone. */
static void test_sid_every_byte(void **state)
{
    (void)state;
    int accepted = 0;
    for (int c = 1; c < 256; c++) {
        char s[2] = {(char)c, '\0'};
        if (sid_valid(s))
            accepted++;
    }
    assert_int_equal(accepted, 26 + 26 + 10 + 2);
}

/* A very long string is rejected (the check is bounded, not O(len)). */
static void test_sid_long(void **state)
{
    (void)state;
    static char big[100000];
    memset(big, 'a', sizeof(big) - 1);
    assert_false(sid_valid(big));
    big[RECD_SID_MAX] = '\0';
    assert_true(sid_valid(big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sid_table),
        cmocka_unit_test(test_sid_null),
        cmocka_unit_test(test_sid_valid_n_slices),
        cmocka_unit_test(test_sid_every_byte),
        cmocka_unit_test(test_sid_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
