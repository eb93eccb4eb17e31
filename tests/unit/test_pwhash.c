/* SPDX-License-Identifier: MIT */
/*
 * test_pwhash.c — proto/pwhash.c: users-file lines (good and malformed,
 * table-driven) and PBKDF2-SHA256 against vectors computed independently:
 *   hashlib.pbkdf2_hmac('sha256', password, salt, iterations, 32)
 */
#include "proto/pwhash.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* password "correct horse", salt bytes 0..15, 10000 iterations */
#define ALICE "alice:pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw==$5RUHDgNTp9sBOWGYS4e6u57cz/Sq3/TQgaDP/8MW6L8="
/* password "päss:word" (UTF-8), salt "saltsaltsaltsalt", 12000 iterations */
#define BOB "bob.smith-2:pbkdf2-sha256$12000$c2FsdHNhbHRzYWx0c2FsdA==$i4iKmRS12O8Pa6JsJ4q87pKYSSFl0QD9Z3AHO7UQC+o="
#define SALT16 "AAECAwQFBgcICQoLDA0ODw=="
#define HASH32 "5RUHDgNTp9sBOWGYS4e6u57cz/Sq3/TQgaDP/8MW6L8="

static void test_pwhash_parse_good(void **state)
{
    (void)state;
    struct pwhash e;
    const char *reason = NULL;
    assert_int_equal(pwhash_parse_line(ALICE, &e, &reason), RECD_OK);
    assert_string_equal(e.user, "alice");
    assert_int_equal(e.iterations, 10000);
    assert_int_equal(e.salt_len, 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(e.salt[i], i);
    assert_int_equal(pwhash_parse_line(BOB, &e, &reason), RECD_OK);
    assert_string_equal(e.user, "bob.smith-2");
    assert_int_equal(e.iterations, 12000);
    assert_memory_equal(e.salt, "saltsaltsaltsalt", 16);
}

static const struct {
    const char *line;
    const char *reason_has; /* a word the reason must contain */
} bad_lines[] = {
    { "alice", "expected NAME" },
    { "", "expected NAME" },
    { ":pbkdf2-sha256$10000$" SALT16 "$" HASH32, "user name" },
    { "al ice:pbkdf2-sha256$10000$" SALT16 "$" HASH32, "user name" },
    { "al:ice:pbkdf2-sha256$10000$" SALT16 "$" HASH32, "scheme" }, /* user is "al" */
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:pbkdf2-sha256$10000$" SALT16 "$" HASH32, "user name" },
    { "alice:pbkdf2-sha1$10000$" SALT16 "$" HASH32, "scheme" },
    { "alice:PBKDF2-SHA256$10000$" SALT16 "$" HASH32, "scheme" },
    { "alice:pbkdf2-sha256$9999$" SALT16 "$" HASH32, "iterations" },
    { "alice:pbkdf2-sha256$10000001$" SALT16 "$" HASH32, "iterations" },
    { "alice:pbkdf2-sha256$-10000$" SALT16 "$" HASH32, "iterations" },
    { "alice:pbkdf2-sha256$10k$" SALT16 "$" HASH32, "iterations" },
    { "alice:pbkdf2-sha256$$" SALT16 "$" HASH32, "iterations" },
    { "alice:pbkdf2-sha256$99999999999999999999$" SALT16 "$" HASH32, "iterations" },
    { "alice:pbkdf2-sha256$10000$AAECAwQ=$" HASH32, "salt" },        /* 5 bytes */
    { "alice:pbkdf2-sha256$10000$AAECAwQFBgcICQoLDA0ODw$" HASH32, "salt" }, /* no padding */
    { "alice:pbkdf2-sha256$10000$$" HASH32, "salt" },
    { "alice:pbkdf2-sha256$10000$" SALT16 "$AAECAwQFBgcICQoLDA0ODw==", "hash" }, /* 16 bytes */
    { "alice:pbkdf2-sha256$10000$" SALT16 "$" HASH32 "AAAA", "hash" },
    { "alice:pbkdf2-sha256$10000$" SALT16 "$", "hash" },
    { "alice:pbkdf2-sha256$10000$" SALT16, "expected pbkdf2" },
    { "alice:pbkdf2-sha256$10000", "expected pbkdf2" },
    { "alice:", "scheme" },
    { "alice:$2y$10$abcdefghijklmnopqrstuv", "scheme" },
    { "alice:pbkdf2-sha256$10000$" SALT16 "$" HASH32 "$", "too many" },
};

static void test_pwhash_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad_lines); i++) {
        struct pwhash e;
        const char *reason = NULL;
        if (pwhash_parse_line(bad_lines[i].line, &e, &reason) != RECD_EINVAL)
            fail_msg("accepted \"%s\"", bad_lines[i].line);
        assert_non_null(reason);
        if (!strstr(reason, bad_lines[i].reason_has))
            fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", bad_lines[i].line, reason,
                     bad_lines[i].reason_has);
    }
    char long_line[PWHASH_LINE_MAX + 8];
    memset(long_line, 'a', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = '\0';
    struct pwhash e;
    const char *reason = NULL;
    assert_int_equal(pwhash_parse_line(long_line, &e, &reason), RECD_EINVAL);
    assert_string_equal(reason, "line too long");
}

static void test_pwhash_verify(void **state)
{
    (void)state;
    struct pwhash alice, bob;
    const char *reason = NULL;
    assert_int_equal(pwhash_parse_line(ALICE, &alice, &reason), RECD_OK);
    assert_int_equal(pwhash_parse_line(BOB, &bob, &reason), RECD_OK);
    assert_true(pwhash_verify(&alice, "correct horse"));
    assert_false(pwhash_verify(&alice, "correct horsE"));
    assert_false(pwhash_verify(&alice, "correct horse "));
    assert_false(pwhash_verify(&alice, ""));
    assert_true(pwhash_verify(&bob, "p\xc3\xa4ss:word"));
    assert_false(pwhash_verify(&bob, "correct horse"));
}

static void test_pwhash_format(void **state)
{
    (void)state;
    unsigned char salt[16];
    char line[PWHASH_LINE_MAX + 1];
    for (int i = 0; i < 16; i++)
        salt[i] = (unsigned char)i;
    assert_int_equal(pwhash_format("alice", "correct horse", 10000, salt, 16, line, sizeof(line)),
                     RECD_OK);
    assert_string_equal(line, ALICE);
    /* What format writes, parse reads back and verify accepts. */
    struct pwhash e;
    const char *reason = NULL;
    assert_int_equal(pwhash_format("x_y", "s3cret", 10001, salt, 8, line, sizeof(line)), RECD_OK);
    assert_int_equal(pwhash_parse_line(line, &e, &reason), RECD_OK);
    assert_true(pwhash_verify(&e, "s3cret"));
    assert_false(pwhash_verify(&e, "s3cre"));
    /* refusals */
    assert_int_equal(pwhash_format("bad name", "pw", 10000, salt, 16, line, sizeof(line)), RECD_EINVAL);
    assert_int_equal(pwhash_format("alice", "pw", 9999, salt, 16, line, sizeof(line)), RECD_EINVAL);
    assert_int_equal(pwhash_format("alice", "pw", 10000, salt, 7, line, sizeof(line)), RECD_EINVAL);
    assert_int_equal(pwhash_format("alice", "pw", 10000, salt, 16, line, 40), RECD_ETOOBIG);
}

static void test_pwhash_user_valid(void **state)
{
    (void)state;
    assert_true(pwhash_user_valid("a"));
    assert_true(pwhash_user_valid("Ab.c_d-9"));
    assert_true(pwhash_user_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 64 */
    assert_false(pwhash_user_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
    assert_false(pwhash_user_valid(""));
    assert_false(pwhash_user_valid(NULL));
    assert_false(pwhash_user_valid("a:b"));
    assert_false(pwhash_user_valid("a b"));
    assert_false(pwhash_user_valid("j\xc3\xb6rg"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pwhash_parse_good),
        cmocka_unit_test(test_pwhash_parse_bad),
        cmocka_unit_test(test_pwhash_verify),
        cmocka_unit_test(test_pwhash_format),
        cmocka_unit_test(test_pwhash_user_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
