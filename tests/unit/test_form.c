/* SPDX-License-Identifier: MIT */
/* test_form.c — proto/form.c: urlencoded bodies and percent-decoding. */
#include "proto/form.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_KV 8

struct form_case {
    const char *body;
    recd_err err;
    size_t n;
    const char *kv[MAX_KV]; /* key0, value0, key1, value1, ... */
};

static const struct form_case cases[] = {
    {"", RECD_OK, 0, {NULL}},
    {"&", RECD_OK, 0, {NULL}},
    {"&&&", RECD_OK, 0, {NULL}},
    {"a=1", RECD_OK, 1, {"a", "1"}},
    {"a=1&b=2", RECD_OK, 2, {"a", "1", "b", "2"}},
    {"a=1&&b=2&", RECD_OK, 2, {"a", "1", "b", "2"}},
    {"&a=1", RECD_OK, 1, {"a", "1"}},
    {"a", RECD_OK, 1, {"a", ""}},
    {"a=", RECD_OK, 1, {"a", ""}},
    {"=b", RECD_OK, 1, {"", "b"}},
    {"=", RECD_OK, 1, {"", ""}},
    {"a=b=c", RECD_OK, 1, {"a", "b=c"}},
    {"a=1&a=2", RECD_OK, 2, {"a", "1", "a", "2"}},
    {"a+b=c+d", RECD_OK, 1, {"a b", "c d"}},
    {"%41=%61", RECD_OK, 1, {"A", "a"}},
    {"k=%2B1555%20x", RECD_OK, 1, {"k", "+1555 x"}},
    {"k=%C3%A9&l=%c3%a9", RECD_OK, 2, {"k", "\xc3\xa9", "l", "\xc3\xa9"}},
    {"k=%26%3D%25", RECD_OK, 1, {"k", "&=%"}},
    {"k=;x", RECD_OK, 1, {"k", ";x"}},
    {"k=%7e%7E", RECD_OK, 1, {"k", "~~"}},
    {"%G1=1", RECD_EINVAL, 0, {NULL}},
    {"a=%G1", RECD_EINVAL, 0, {NULL}},
    {"a=%1G", RECD_EINVAL, 0, {NULL}},
    {"a=%4", RECD_EINVAL, 0, {NULL}},
    {"a=%", RECD_EINVAL, 0, {NULL}},
    {"a=1&b=%", RECD_EINVAL, 0, {NULL}},
    {"a=1&b=2&c=%zz&d=4", RECD_EINVAL, 0, {NULL}},
    {"a=%00", RECD_EINVAL, 0, {NULL}},
    {"%00=a", RECD_EINVAL, 0, {NULL}},
    {"a=%%41", RECD_EINVAL, 0, {NULL}},
    {"a=% 1", RECD_EINVAL, 0, {NULL}},
    {"a=%-1", RECD_EINVAL, 0, {NULL}},
};

static void check_case(const struct form_case *c)
{
    struct form_pair *pairs = (struct form_pair *)&pairs; /* must be overwritten */
    size_t n = 999;
    recd_err err = form_parse(c->body, strlen(c->body), &pairs, &n);
    if (err != c->err)
        fail_msg("[%s]: err %d, want %d", c->body, err, c->err);
    if (n != c->n)
        fail_msg("[%s]: %zu pairs, want %zu", c->body, n, c->n);
    if (n == 0 && pairs != NULL)
        fail_msg("[%s]: pairs not NULL with 0 pairs", c->body);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(pairs[i].key, c->kv[2 * i]) != 0 || strcmp(pairs[i].value, c->kv[2 * i + 1]))
            fail_msg("[%s]: pair %zu is [%s]=[%s], want [%s]=[%s]", c->body, i, pairs[i].key,
                     pairs[i].value, c->kv[2 * i], c->kv[2 * i + 1]);
    }
    form_free(pairs, n);
}

static void test_form_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++)
        check_case(&cases[i]);
}

/* len is authoritative: no NUL needed, bytes past len never read. */
static void test_form_len_slice(void **state)
{
    (void)state;
    struct form_pair *pairs;
    size_t n;
    const char body[] = {'a', '=', '1', '&', 'b', '=', '2', 'X', 'Y'};
    assert_int_equal(form_parse(body, 7, &pairs, &n), RECD_OK);
    assert_int_equal(n, 2);
    assert_string_equal(pairs[1].value, "2");
    form_free(pairs, n);
    assert_int_equal(form_parse("a=1\0b=2", 7, &pairs, &n), RECD_EINVAL); /* raw NUL */
    assert_null(pairs);
    assert_int_equal(n, 0);
    assert_int_equal(form_parse(NULL, 0, &pairs, &n), RECD_OK);
    assert_null(pairs);
    assert_int_equal(n, 0);
}

static void test_form_limits(void **state)
{
    (void)state;
    struct form_pair *pairs;
    size_t n;
    char *body = malloc(FORM_MAX_BODY + 2);
    assert_non_null(body);
    /* Exactly FORM_MAX_PAIRS pairs pass, one more does not. */
    size_t len = 0;
    for (int i = 0; i <= FORM_MAX_PAIRS; i++)
        len += (size_t)snprintf(body + len, 32, "%sk%d=%d", i ? "&" : "", i, i);
    size_t last_amp = (size_t)(strrchr(body, '&') - body);
    assert_int_equal(form_parse(body, last_amp, &pairs, &n), RECD_OK);
    assert_int_equal(n, FORM_MAX_PAIRS);
    assert_string_equal(form_get(pairs, n, "k127"), "127");
    form_free(pairs, n);
    assert_int_equal(form_parse(body, len, &pairs, &n), RECD_ETOOBIG);
    assert_null(pairs);
    /* Exactly FORM_MAX_BODY bytes pass, one more does not. */
    memset(body, 'v', FORM_MAX_BODY + 1);
    memcpy(body, "big=", 4);
    assert_int_equal(form_parse(body, FORM_MAX_BODY, &pairs, &n), RECD_OK);
    assert_int_equal(n, 1);
    assert_int_equal(strlen(pairs[0].value), FORM_MAX_BODY - 4);
    form_free(pairs, n);
    assert_int_equal(form_parse(body, FORM_MAX_BODY + 1, &pairs, &n), RECD_ETOOBIG);
    assert_null(pairs);
    free(body);
}

static void test_form_get(void **state)
{
    (void)state;
    struct form_pair *pairs;
    size_t n;
    const char *body = "AccountSid=AC1&CallSid=CA2&RecordingUrl=https%3A%2F%2Fapi.twilio.com%2F"
                       "x&CallSid=CA3&Empty";
    assert_int_equal(form_parse(body, strlen(body), &pairs, &n), RECD_OK);
    assert_int_equal(n, 5);
    assert_string_equal(form_get(pairs, n, "CallSid"), "CA2"); /* first match */
    assert_string_equal(form_get(pairs, n, "RecordingUrl"), "https://api.twilio.com/x");
    assert_string_equal(form_get(pairs, n, "Empty"), "");
    assert_null(form_get(pairs, n, "callsid")); /* case-sensitive */
    assert_null(form_get(pairs, n, "Missing"));
    assert_null(form_get(pairs, n, NULL));
    assert_null(form_get(NULL, 0, "CallSid"));
    form_free(pairs, n);
    form_free(NULL, 0);
}

static void test_url_decode(void **state)
{
    (void)state;
    char *out = (char *)&out;
    assert_int_equal(url_decode("a+b%20c", 7, true, &out), RECD_OK);
    assert_string_equal(out, "a b c");
    free(out);
    assert_int_equal(url_decode("a+b%2B", 6, false, &out), RECD_OK);
    assert_string_equal(out, "a+b+");
    free(out);
    assert_int_equal(url_decode("", 0, true, &out), RECD_OK);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(url_decode("%41%42XYZ", 7, true, &out), RECD_OK); /* len cuts */
    assert_string_equal(out, "ABX");
    free(out);
    assert_int_equal(url_decode("%4", 2, true, &out), RECD_EINVAL);
    assert_null(out);
    assert_int_equal(url_decode("%41", 2, true, &out), RECD_EINVAL); /* escape cut by len */
    assert_null(out);
    assert_int_equal(url_decode("%G1", 3, true, &out), RECD_EINVAL);
    assert_null(out);
    assert_int_equal(url_decode("x%00", 4, true, &out), RECD_EINVAL);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_table),
        cmocka_unit_test(test_form_len_slice),
        cmocka_unit_test(test_form_limits),
        cmocka_unit_test(test_form_get),
        cmocka_unit_test(test_url_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
