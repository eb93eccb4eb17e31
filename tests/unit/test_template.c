/* SPDX-License-Identifier: MIT */
/* test_template.c — provider/template.c: URL template expansion. */
#include "provider/template.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define CA "CA0123456789abcdef0123456789abcdef"
#define RE "RE0123456789abcdef0123456789abcdef"

struct tmpl_case {
    const char *tmpl;
    const char *call_sid, *recording_sid, *format;
    recd_err err;
    const char *want;
};

static const struct tmpl_case cases[] = {
    {"https://media.example.com/{call_sid}.mp3", CA, NULL, "mp3", RECD_OK,
     "https://media.example.com/" CA ".mp3"},
    {"https://m.example.com/{call_sid}/{recording_sid}.{format}", CA, RE, "wav", RECD_OK,
     "https://m.example.com/" CA "/" RE ".wav"},
    {"{call_sid}{call_sid}", "a", NULL, NULL, RECD_OK, "aa"},
    {"{format}", NULL, NULL, "mp3", RECD_OK, "mp3"},
    {"https://static.example.com/fixed.mp3", NULL, NULL, NULL, RECD_OK,
     "https://static.example.com/fixed.mp3"},
    {"", CA, RE, "mp3", RECD_OK, ""},
    /* the template itself is trusted and copied verbatim */
    {"http://h/a%20b?x=1&y={call_sid}#f", "c", NULL, NULL, RECD_OK, "http://h/a%20b?x=1&y=c#f"},
    /* values: unreserved kept, everything else %XX (upper-case hex) */
    {"/{call_sid}", "a-b_c.d~e", NULL, NULL, RECD_OK, "/a-b_c.d~e"},
    {"/{call_sid}", "a/b", NULL, NULL, RECD_OK, "/a%2Fb"},
    {"/{call_sid}", "../x", NULL, NULL, RECD_OK, "/..%2Fx"},
    {"/{call_sid}", "a b+c", NULL, NULL, RECD_OK, "/a%20b%2Bc"},
    {"/{call_sid}", "?q=1&r#", NULL, NULL, RECD_OK, "/%3Fq%3D1%26r%23"},
    {"/{call_sid}", "%41", NULL, NULL, RECD_OK, "/%2541"},
    {"/{call_sid}", "{x}", NULL, NULL, RECD_OK, "/%7Bx%7D"},
    {"/{call_sid}", "\xc3\xa9\xff", NULL, NULL, RECD_OK, "/%C3%A9%FF"},
    {"/{format}", NULL, NULL, "m p3", RECD_OK, "/m%20p3"},
    /* missing values */
    {"/{recording_sid}", CA, NULL, "mp3", RECD_EINVAL, ""},
    {"/{recording_sid}", CA, "", "mp3", RECD_EINVAL, ""},
    {"/{call_sid}", NULL, RE, "mp3", RECD_EINVAL, ""},
    {"/{call_sid}", "", RE, "mp3", RECD_EINVAL, ""},
    {"/{format}", CA, RE, NULL, RECD_EINVAL, ""},
    {"/{format}", CA, RE, "", RECD_EINVAL, ""},
    /* bad placeholders and braces */
    {"/{callsid}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{CALL_SID}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{ call_sid }", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{call_sid", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/call_sid}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{{call_sid}}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{call_sid}}", CA, RE, "mp3", RECD_EINVAL, ""},
    {"/{call_sid}/{nope}", CA, RE, "mp3", RECD_EINVAL, ""},
    {NULL, CA, RE, "mp3", RECD_EINVAL, ""},
};

static void test_template_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const struct tmpl_case *c = &cases[i];
        char out[256];
        memset(out, 'Z', sizeof(out));
        recd_err err = template_expand(c->tmpl, c->call_sid, c->recording_sid, c->format, out,
                                       sizeof(out));
        if (err != c->err)
            fail_msg("[%s]: err %d, want %d", c->tmpl ? c->tmpl : "(null)", err, c->err);
        if (strcmp(out, c->want) != 0)
            fail_msg("[%s]: got [%s], want [%s]", c->tmpl ? c->tmpl : "(null)", out, c->want);
    }
}

/* Output that does not fit is refused whole, never truncated. */
static void test_template_size(void **state)
{
    (void)state;
    const char *t = "/{call_sid}.mp3"; /* "/abc.mp3" is 8 bytes + NUL */
    char out[16];
    assert_int_equal(template_expand(t, "abc", NULL, NULL, out, 9), RECD_OK);
    assert_string_equal(out, "/abc.mp3");
    assert_int_equal(template_expand(t, "abc", NULL, NULL, out, 8), RECD_ETOOBIG);
    assert_string_equal(out, "");
    assert_int_equal(template_expand(t, "abc", NULL, NULL, out, 1), RECD_ETOOBIG);
    assert_string_equal(out, "");
    /* an encoded value grows threefold */
    assert_int_equal(template_expand("{call_sid}", "///", NULL, NULL, out, 10), RECD_OK);
    assert_string_equal(out, "%2F%2F%2F");
    assert_int_equal(template_expand("{call_sid}", "///", NULL, NULL, out, 9), RECD_ETOOBIG);
    assert_int_equal(template_expand("", NULL, NULL, NULL, out, 1), RECD_OK);
    assert_string_equal(out, "");
}

/* A syntax error wins over an overflow, so config checks see the real cause. */
static void test_template_error_priority(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(template_expand("https://long.example.com/{bad}", CA, RE, "mp3", out,
                                     sizeof(out)),
                     RECD_EINVAL);
    assert_int_equal(template_expand("https://long.example.com/{call_sid", CA, RE, "mp3", out,
                                     sizeof(out)),
                     RECD_EINVAL);
    assert_int_equal(template_expand("https://long.example.com/{recording_sid}", CA, NULL,
                                     "mp3", out, sizeof(out)),
                     RECD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template_table),
        cmocka_unit_test(test_template_size),
        cmocka_unit_test(test_template_error_priority),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
