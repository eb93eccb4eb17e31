/* SPDX-License-Identifier: MIT */
/*
 * test_base64.c — proto/base64.c: the RFC 4648 §10 vectors both ways, and
 * the strictness the Authorization and users-file parsers rely on.
 */
#include "proto/base64.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const struct {
    const char *plain, *encoded;
} vectors[] = {
    { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
    { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
    { "\xff\xfe\xfd", "//79" }, { "\xfb\xef", "++8=" },
};

static void test_base64_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(vectors); i++) {
        const char *p = vectors[i].plain, *e = vectors[i].encoded;
        char enc[32];
        unsigned char dec[32];
        size_t n = 99;
        assert_true(base64_encode((const unsigned char *)p, strlen(p), enc, sizeof(enc)));
        if (strcmp(enc, e) != 0)
            fail_msg("encode \"%s\": got %s, want %s", p, enc, e);
        if (!base64_decode(e, strlen(e), dec, sizeof(dec), &n))
            fail_msg("decode %s failed", e);
        assert_int_equal(n, strlen(p));
        assert_memory_equal(dec, p, n);
    }
}

static void test_base64_rejects(void **state)
{
    (void)state;
    static const char *bad[] = {
        "Zg=",        /* length not a multiple of 4 */
        "Zg",         /* padding missing */
        "Z===",       /* three pad characters */
        "Zh==",       /* non-zero bits past the last byte */
        "Zm9=",       /* same, one pad */
        "Zm=v",       /* '=' before data */
        "====",
        "Zg==Zm9v",   /* padding in the middle */
        "Zm9v\n",
        "Zm 9v",
        "Zm9v-_==",   /* URL-safe alphabet is not accepted */
        "Zm\x80v",
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad); i++) {
        unsigned char dec[32];
        size_t n = 0;
        if (base64_decode(bad[i], strlen(bad[i]), dec, sizeof(dec), &n))
            fail_msg("accepted \"%s\"", bad[i]);
    }
    unsigned char dec[32];
    size_t n = 0;
    assert_false(base64_decode(NULL, 0, dec, sizeof(dec), &n));
}

static void test_base64_capacity(void **state)
{
    (void)state;
    unsigned char dec[6];
    size_t n = 0;
    assert_true(base64_decode("Zm9vYmFy", 8, dec, 6, &n));
    assert_int_equal(n, 6);
    assert_false(base64_decode("Zm9vYmFy", 8, dec, 5, &n));
    assert_false(base64_decode("Zm9vYg==", 8, dec, 3, &n));
    char enc[9];
    assert_true(base64_encode((const unsigned char *)"foobar", 6, enc, sizeof(enc)));
    assert_false(base64_encode((const unsigned char *)"foobar", 6, enc, sizeof(enc) - 1));
    assert_int_equal(BASE64_ENCODED_SIZE(32), 45);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_vectors),
        cmocka_unit_test(test_base64_rejects),
        cmocka_unit_test(test_base64_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
