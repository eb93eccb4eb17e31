/* SPDX-License-Identifier: MIT */
/*
 * test_twilio_sig.c — proto/twilio_sig.c against Twilio's documented
 * example and vectors computed independently with Python:
 *   s = url + "".join(k + v for k, v in sorted(pairs))
 *   base64.b64encode(hmac.new(token, s, hashlib.sha1).digest())
 * and, where the order is JavaScript's (UTF-16 code units) or identical
 * pairs collapse, with the official twilio package 6.2.0:
 *   getExpectedTwilioSignature(token, url, params)
 */
#include "proto/twilio_sig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MAX_PAIRS 8

struct sig_case {
    const char *name;
    const char *token;
    const char *url;
    size_t n;
    struct form_pair pairs[MAX_PAIRS]; /* deliberately not in sorted order */
    const char *want;
};

#define DOC_URL "https://mycompany.com/myapp.php?foo=1&bar=2"
#define HOOK_URL "https://recd.example.com/webhooks/twilio/recording-status"
#define CA "CA0123456789abcdef0123456789abcdef"
#define RE "RE0123456789abcdef0123456789abcdef"
#define AC "AC00000000000000000000000000000000"

static const struct sig_case cases[] = {
    /* Twilio's worked example (twilio.com/docs/usage/security, "Validating
     * requests"); editions of the docs differ only in the phone number. */
    {"twilio docs", "12345", DOC_URL, 5,
     {{"To", "+18005551212"}, {"From", "+12349013030"}, {"Digits", "1234"},
      {"Caller", "+12349013030"}, {"CallSid", "CA1234567890ABCDE"}},
     "0/KCTR6DLpKmkAf8muzZqo1nDgQ="},
    {"twilio docs (current)", "12345", DOC_URL, 5,
     {{"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675310"}, {"Digits", "1234"},
      {"From", "+14158675310"}, {"To", "+18005551212"}},
     "GvWf1cFY/Q7PnoempGyD5oXAezc="},
    {"twilio-php docs", "12345", DOC_URL, 5,
     {{"Digits", "1234"}, {"CallSid", "CA1234567890ABCDE"}, {"To", "+18005551212"},
      {"Caller", "+14158675309"}, {"From", "+14158675309"}},
     "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
    /* The recording status callback recd receives. */
    {"recording status", "secret-token", HOOK_URL, 7,
     {{"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/" AC "/Recordings/" RE},
      {"AccountSid", AC}, {"RecordingStatus", "completed"}, {"CallSid", CA},
      {"RecordingDuration", "42"}, {"RecordingSid", RE}, {"RecordingChannels", "1"}},
     "LpdjGkoDz721BhTchX+6CzReN8c="},
    {"no parameters", "k", "http://127.0.0.1:8080/hook", 0, {{NULL, NULL}},
     "yUdXsWsinAgqzSp0nKHx5ekzwmE="},
    /* Equal keys are ordered by value: a="" < a=y < a=z. */
    {"duplicate keys", "k", "http://h/x", 4, {{"b", "2"}, {"a", "z"}, {"a", "y"}, {"a", ""}},
     "wh13ix7Pv9MTLy1MvuZJe2o0W6A="},
    {"utf-8", "tok\xc3\xa9n", "http://h/x?q=\xc3\xa9", 2,
     {{"Body", "h\xc3\xa9llo w\xc3\xb6rld"}, {"B", "+1 2"}}, "igg24hvKvwY2Q2gws2u2V92A5To="},
    /* The helpers build a Set of each key's values: a repeated pair counts once. */
    {"identical pairs once", "k", "http://h/x", 5,
     {{"b", "2"}, {"a", "z"}, {"a", "y"}, {"a", ""}, {"a", "y"}}, "wh13ix7Pv9MTLy1MvuZJe2o0W6A="},
    /* UTF-16 order: U+1F600 (a surrogate pair) sorts before U+E000, in
     * keys and in a repeated key's values (twilio 6.2.0). */
    {"utf-16 keys", "k", "http://h/x", 2, {{"\xee\x80\x80", "1"}, {"\xf0\x9f\x98\x80", "2"}},
     "nql9WEN/n0sNaYpRZcc1R0S3fOc="},
    {"utf-16 values", "k", "http://h/x", 2, {{"k", "\xef\xbf\xbd"}, {"k", "\xf0\x9f\x98\x80"}},
     "FK2o1g6UBnADtvhVsnGLF+/l6EA="},
    /* Byte order: '_' (0x5f) sorts between upper and lower case. */
    {"byte order", "k", "http://h/", 4, {{"a", "1"}, {"B", "2"}, {"_", "3"}, {"Z", "4"}},
     "q6UEihuRynqzDzb66a3Zh3vYupI="},
};

static void test_twilio_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const struct sig_case *c = &cases[i];
        char out[TWILIO_SIG_LEN];
        twilio_signature(c->token, c->url, c->pairs, c->n, out, sizeof(out));
        if (strcmp(out, c->want) != 0)
            fail_msg("%s: got %s, want %s", c->name, out, c->want);
        if (!twilio_signature_valid(c->token, c->url, c->pairs, c->n, c->want))
            fail_msg("%s: valid() rejects the right signature", c->name);
    }
}

/* The caller's array is borrowed: its order is unchanged. */
static void test_twilio_pairs_not_reordered(void **state)
{
    (void)state;
    const struct sig_case *c = &cases[0];
    struct form_pair pairs[MAX_PAIRS];
    memcpy(pairs, c->pairs, sizeof(pairs));
    char out[TWILIO_SIG_LEN];
    twilio_signature(c->token, c->url, pairs, c->n, out, sizeof(out));
    assert_memory_equal(pairs, c->pairs, sizeof(pairs));
}

static void test_twilio_rejects(void **state)
{
    (void)state;
    const struct sig_case *c = &cases[3];
    const char *good = c->want;
    char sig[64];
    assert_true(twilio_signature_valid(c->token, c->url, c->pairs, c->n, good));
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n, NULL));
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n, ""));
    snprintf(sig, sizeof(sig), "%s", good);
    sig[5] ^= 1; /* one flipped bit */
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n, sig));
    snprintf(sig, sizeof(sig), "%.27s", good); /* truncated */
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n, sig));
    snprintf(sig, sizeof(sig), "%s=", good); /* extended */
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n, sig));
    snprintf(sig, sizeof(sig), " %s", good);
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n, sig));
    /* Wrong token, URL, or any changed / missing / extra parameter. */
    assert_false(twilio_signature_valid("secret-tokeN", c->url, c->pairs, c->n, good));
    assert_false(twilio_signature_valid("", c->url, c->pairs, c->n, good));
    assert_false(twilio_signature_valid(NULL, c->url, c->pairs, c->n, good));
    assert_false(twilio_signature_valid(c->token, HOOK_URL "?", c->pairs, c->n, good));
    assert_false(twilio_signature_valid(c->token, "http://recd.example.com/webhooks/twilio/"
                                                  "recording-status", c->pairs, c->n, good));
    assert_false(twilio_signature_valid(c->token, NULL, c->pairs, c->n, good));
    assert_false(twilio_signature_valid(c->token, c->url, c->pairs, c->n - 1, good));
    struct form_pair tampered[MAX_PAIRS];
    memcpy(tampered, c->pairs, sizeof(tampered));
    tampered[4].value = "43";
    assert_false(twilio_signature_valid(c->token, c->url, tampered, c->n, good));
    tampered[4].value = c->pairs[4].value;
    tampered[c->n].key = "Extra";
    tampered[c->n].value = "";
    assert_false(twilio_signature_valid(c->token, c->url, tampered, c->n + 1, good));
}

/* End to end with the form parser: decoded values are what is signed. */
static void test_twilio_with_form_body(void **state)
{
    (void)state;
    const char *body = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234"
                       "&From=%2B12349013030&To=%2B18005551212";
    struct form_pair *pairs;
    size_t n;
    assert_int_equal(form_parse(body, strlen(body), &pairs, &n), RECD_OK);
    assert_true(twilio_signature_valid("12345", DOC_URL, pairs, n, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    form_free(pairs, n);
}

static void test_utf16_cmp(void **state)
{
    (void)state;
    assert_true(twilio_utf16_cmp("a", "b") < 0);
    assert_true(twilio_utf16_cmp("ab", "a") > 0);
    assert_int_equal(twilio_utf16_cmp("x\xc3\xa9", "x\xc3\xa9"), 0);
    assert_true(twilio_utf16_cmp("\xc3\xa9", "\xe6\x97\xa5") < 0);            /* U+E9 < U+65E5 */
    assert_true(twilio_utf16_cmp("\xf0\x9f\x98\x80", "\xee\x80\x80") < 0);  /* surrogates first */
    assert_true(twilio_utf16_cmp("\xef\xbf\xbd", "\xf0\x9f\x98\x80") > 0);
    assert_true(twilio_utf16_cmp("\xed\x9f\xbf", "\xf0\x9f\x98\x80") < 0);  /* U+D7FF */
}

/* Any listed spelling of the URL is accepted; none other. */
static void test_request_valid_any_spelling(void **state)
{
    (void)state;
    const struct sig_case *c = &cases[3];
    struct twilio_urls urls;
    assert_int_equal(twilio_urls_build("https://recd.example.com:443",
                                       "/webhooks/twilio/recording-status", &urls), RECD_OK);
    assert_true(twilio_request_valid(c->token, &urls, c->pairs, c->n, c->want));
    char sig[TWILIO_SIG_LEN];
    twilio_signature(c->token, "https://recd.example.com:443/webhooks/twilio/recording-status",
                     c->pairs, c->n, sig, sizeof(sig));
    assert_true(twilio_request_valid(c->token, &urls, c->pairs, c->n, sig));
    assert_false(twilio_request_valid(c->token, &urls, c->pairs, c->n - 1, sig));
    assert_false(twilio_request_valid(c->token, NULL, c->pairs, c->n, sig));
    twilio_urls_free(&urls);
    assert_int_equal(twilio_urls_build("https://recd.example.com",
                                       "/webhooks/twilio/recording-status?x=1", &urls), RECD_OK);
    assert_false(twilio_request_valid(c->token, &urls, c->pairs, c->n, c->want));
    twilio_urls_free(&urls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twilio_vectors),
        cmocka_unit_test(test_twilio_pairs_not_reordered),
        cmocka_unit_test(test_twilio_rejects),
        cmocka_unit_test(test_twilio_with_form_body),
        cmocka_unit_test(test_utf16_cmp),
        cmocka_unit_test(test_request_valid_any_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
