/* SPDX-License-Identifier: MIT */
/*
 * test_conditional.c — proto/conditional.c: If-None-Match (weak
 * comparison over a tag list) and If-Range (strong tag or exact date).
 */
#include "proto/conditional.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

#define ETAG "\"ab12\""
/* Sun, 06 Nov 1994 08:49:37 GMT, plus 250 ms that HTTP dates cannot carry. */
#define LM_MS (784111777LL * 1000 + 250)

struct cond_case {
    const char *header;
    bool want;
};

static const struct cond_case inm_cases[] = {
    {NULL, false},
    {"\"ab12\"", true},
    {"W/\"ab12\"", true}, /* weak comparison ignores W/ */
    {" \"ab12\" ", true},
    {"\"x\", \"ab12\"", true},
    {"\"x\",\"ab12\",\"y\"", true},
    {"\"x\" ,\t\"ab12\"", true},
    {"W/\"x\", W/\"ab12\"", true},
    {", \"ab12\",", true}, /* empty list elements are ignored */
    {"*", true},
    {" * ", true},
    {"\"ab12", false},
    {"ab12", false},      /* unquoted */
    {"\"AB12\"", false},  /* opaque-tags are case-sensitive */
    {"\"ab1\"", false},
    {"\"ab123\"", false},
    {"\"x\"", false},
    {"w/\"ab12\"", false}, /* weakness prefix is case-sensitive */
    {"W/ \"ab12\"", false},
    {"\"ab12\" \"x\"", false},      /* missing comma: malformed */
    {"\"ab12\", garbage", false},   /* malformed tail spoils the list */
    {"\"ab 12\"", false},           /* SP is not an etagc */
    {"*, \"ab12\"", false},         /* "*" stands alone */
    {"**", false},
    {"", false},
    {",", false},
    {"\"\"", false},
};

static const struct cond_case ir_cases[] = {
    {NULL, true},
    {"\"ab12\"", true},
    {" \"ab12\" ", true},
    {"W/\"ab12\"", false}, /* a weak tag never matches If-Range */
    {"\"ab13\"", false},
    {"\"AB12\"", false},
    {"\"ab12\", \"x\"", false}, /* If-Range holds one validator */
    {"\"ab12", false},
    {"Sun, 06 Nov 1994 08:49:37 GMT", true},
    {" Sun, 06 Nov 1994 08:49:37 GMT ", true},
    {"Sun, 06 Nov 1994 08:49:36 GMT", false},
    {"Sun, 06 Nov 1994 08:49:38 GMT", false},
    {"Sun, 06 Nov 1995 08:49:37 GMT", false},
    {"Sunday, 06-Nov-94 08:49:37 GMT", false}, /* obsolete formats: not ours */
    {"Sun Nov  6 08:49:37 1994", false},
    {"784111777", false},
    {"yesterday", false},
    {"", false},
    {"W/", false},
};

static void test_if_none_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(inm_cases); i++) {
        const struct cond_case *c = &inm_cases[i];
        if (cond_if_none_match(c->header, ETAG) != c->want)
            fail_msg("If-None-Match: [%s] should be %d", c->header ? c->header : "(null)",
                     c->want);
    }
}

static void test_if_none_match_our_tag(void **state)
{
    (void)state;
    /* Nothing matches when we have no valid tag of our own. */
    assert_false(cond_if_none_match("*", NULL));
    assert_false(cond_if_none_match("\"ab12\"", NULL));
    assert_false(cond_if_none_match("\"ab12\"", "ab12"));
    /* A weak tag of ours still matches under weak comparison. */
    assert_true(cond_if_none_match("\"ab12\"", "W/\"ab12\""));
    /* obs-text is a legal etagc. */
    assert_true(cond_if_none_match("\"\xc3\xa9\"", "\"\xc3\xa9\""));
}

static void test_if_range_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(ir_cases); i++) {
        const struct cond_case *c = &ir_cases[i];
        if (cond_if_range(c->header, ETAG, LM_MS) != c->want)
            fail_msg("If-Range: [%s] should be %d", c->header ? c->header : "(null)", c->want);
    }
}

static void test_if_range_edges(void **state)
{
    (void)state;
    const char *date = "Sun, 06 Nov 1994 08:49:37 GMT";
    /* Truncation, not rounding: .999 still belongs to second :37. */
    assert_true(cond_if_range(date, ETAG, 784111777LL * 1000 + 999));
    assert_true(cond_if_range(date, ETAG, 784111777LL * 1000));
    assert_false(cond_if_range(date, ETAG, 784111778LL * 1000));
    assert_false(cond_if_range(date, ETAG, 784111777LL * 1000 - 1));
    /* Our tag unknown or weak: an entity-tag If-Range cannot match. */
    assert_false(cond_if_range("\"ab12\"", NULL, LM_MS));
    assert_false(cond_if_range("\"ab12\"", "W/\"ab12\"", LM_MS));
    /* A long header is refused whole, never cut down into a match. */
    char longdate[200];
    snprintf(longdate, sizeof(longdate), "%s%40sjunk", date, "");
    assert_false(cond_if_range(longdate, ETAG, LM_MS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_if_none_match_table),
        cmocka_unit_test(test_if_none_match_our_tag),
        cmocka_unit_test(test_if_range_table),
        cmocka_unit_test(test_if_range_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
