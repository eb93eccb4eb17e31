/* SPDX-License-Identifier: MIT */
/*
 * test_linksig.c — proto/linksig.c: signed /stream links against a vector
 * computed independently (Python hmac.new(secret, msg, sha256).hexdigest()),
 * and every way a link can be wrong.
 */
#include "proto/linksig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define SECRET "0123456789abcdef0123"
#define SID "CA0123456789abcdef0123456789abcdef"
#define EXP "1700000000"
#define SIG "5bc674b45a8ff404a4e9456428c952f18a50d8fd68bb310632d2ad0d5d86dc77"
#define NOW 1699990000

static void test_linksig_vector(void **state)
{
    (void)state;
    char q[LINKSIG_QUERY_MAX];
    assert_int_equal(linksig_query(SECRET, SID, 1700000000, q, sizeof(q)), RECD_OK);
    assert_string_equal(q, "call_sid=" SID "&exp=" EXP "&sig=" SIG);
    assert_int_equal(linksig_check(SECRET, SID, EXP, SIG, NOW), LINKSIG_OK);
    assert_int_equal(linksig_check(SECRET, "CAx", "0", "70a91c5daedad8b4f3d141cd560b544209e08b915cf33b3f77e2afd1b7e55bfa", 0),
                     LINKSIG_OK);
}

static void test_linksig_expiry(void **state)
{
    (void)state;
    assert_int_equal(linksig_check(SECRET, SID, EXP, SIG, 1700000000), LINKSIG_OK); /* exp == now */
    assert_int_equal(linksig_check(SECRET, SID, EXP, SIG, 1700000001), LINKSIG_EXPIRED);
    /* Expired and forged: the forgery is what is reported. */
    assert_int_equal(linksig_check("another-secret-16b", SID, EXP, SIG, 1700000001), LINKSIG_BAD_SIG);
}

static void test_linksig_tampered(void **state)
{
    (void)state;
    char sig[80];
    /* another call, another expiry, another secret */
    assert_int_equal(linksig_check(SECRET, "CA0123456789abcdef0123456789abcdee", EXP, SIG, NOW), LINKSIG_BAD_SIG);
    assert_int_equal(linksig_check(SECRET, SID, "1700000001", SIG, NOW), LINKSIG_BAD_SIG);
    assert_int_equal(linksig_check(SECRET, SID, "1800000000", SIG, NOW), LINKSIG_BAD_SIG);
    assert_int_equal(linksig_check(SECRET "x", SID, EXP, SIG, NOW), LINKSIG_BAD_SIG);
    /* one flipped hex digit */
    snprintf(sig, sizeof(sig), "%s", SIG);
    sig[10] = sig[10] == '0' ? '1' : '0';
    assert_int_equal(linksig_check(SECRET, SID, EXP, sig, NOW), LINKSIG_BAD_SIG);
    /* upper-case hex is the same bytes */
    snprintf(sig, sizeof(sig), "%s", SIG);
    for (char *p = sig; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(linksig_check(SECRET, SID, EXP, sig, NOW), LINKSIG_OK);
    /* no secret: nothing is valid */
    assert_int_equal(linksig_check(NULL, SID, EXP, SIG, NOW), LINKSIG_BAD_SIG);
    assert_int_equal(linksig_check("", SID, EXP, SIG, NOW), LINKSIG_BAD_SIG);
}

static void test_linksig_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *sid, *exp, *sig;
    } cases[] = {
        { SID, EXP, SIG "0" },                    /* 65 hex digits */
        { SID, EXP, "5bc674b45a8ff404a4e9456428c952f18a50d8fd68bb310632d2ad0d5d86dc7" }, /* 63 */
        { SID, EXP, "" },
        { SID, EXP, NULL },
        { SID, EXP, "5bc674b45a8ff404a4e9456428c952f18a50d8fd68bb310632d2ad0d5d86dc7g" },
        { SID, "", SIG },
        { SID, NULL, SIG },
        { SID, "-1", SIG },
        { SID, "17e8", SIG },
        { SID, " 1700000000", SIG },
        { SID, "99999999999999999999", SIG },
        { NULL, EXP, SIG },
        { "", EXP, SIG },
        { "CA/../x", EXP, SIG },
        { "CA0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", EXP, SIG }, /* 66 */
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        if (linksig_check(SECRET, cases[i].sid, cases[i].exp, cases[i].sig, NOW) != LINKSIG_MALFORMED)
            fail_msg("case %zu not malformed", i);
    }
}

static void test_linksig_query_refusals(void **state)
{
    (void)state;
    char q[LINKSIG_QUERY_MAX];
    assert_int_equal(linksig_query(NULL, SID, 1, q, sizeof(q)), RECD_EINVAL);
    assert_int_equal(linksig_query("", SID, 1, q, sizeof(q)), RECD_EINVAL);
    assert_int_equal(linksig_query(SECRET, "bad sid", 1, q, sizeof(q)), RECD_EINVAL);
    assert_int_equal(linksig_query(SECRET, SID, -1, q, sizeof(q)), RECD_EINVAL);
    assert_int_equal(linksig_query(SECRET, SID, 1, q, 20), RECD_ETOOBIG);
    /* The longest query fits LINKSIG_QUERY_MAX exactly. */
    char sid[RECD_SID_MAX + 1];
    memset(sid, 'x', RECD_SID_MAX);
    sid[RECD_SID_MAX] = '\0';
    assert_int_equal(linksig_query(SECRET, sid, INT64_MAX, q, sizeof(q)), RECD_OK);
    assert_int_equal(strlen(q), LINKSIG_QUERY_MAX - 1 - 1); /* INT64_MAX has 19 digits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linksig_vector),
        cmocka_unit_test(test_linksig_expiry),
        cmocka_unit_test(test_linksig_tampered),
        cmocka_unit_test(test_linksig_malformed),
        cmocka_unit_test(test_linksig_query_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
