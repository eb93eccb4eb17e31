/* SPDX-License-Identifier: MIT */
/*
 * test_passwd.c — cli/passwd.c in-process: stdin and stdout are pointed at
 * temporary files. What it prints must load as a users-file line and
 * verify the password it was given; bad usage exits 2.
 */
#include "cli/passwd.h"
#include "common.h"
#include "proto/pwhash.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct run {
    int code;
    char out[1024];
};

/* Run `recd passwd ARGS...` (NULL-terminated) with input on stdin. */
static struct run run_passwd(const char *input, ...)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    char *argv[8];
    int argc = 0;
    va_list ap;
    va_start(ap, input);
    for (const char *a = va_arg(ap, const char *); a && argc < 8; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);

    char in_path[] = "/tmp/recd-test-passwd-in-XXXXXX", out_path[] = "/tmp/recd-test-passwd-out-XXXXXX";
    int in_fd = mkstemp(in_path), out_fd = mkstemp(out_path);
    assert_true(in_fd >= 0 && out_fd >= 0);
    assert_int_equal(write(in_fd, input, strlen(input)), (ssize_t)strlen(input));
    close(in_fd);
    assert_non_null(freopen(in_path, "r", stdin));
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    r.code = cli_passwd(argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    ssize_t n = pread(out_fd, r.out, sizeof(r.out) - 1, 0);
    r.out[n > 0 ? n : 0] = '\0';
    close(out_fd);
    unlink(in_path);
    unlink(out_path);
    return r;
}

/* The printed line (one line, newline-terminated), parsed. */
static struct pwhash parse_output(const struct run *r)
{
    size_t n = strlen(r->out);
    assert_true(n > 0 && r->out[n - 1] == '\n');
    assert_null(memchr(r->out, '\n', n - 1));
    char line[1024];
    snprintf(line, sizeof(line), "%.*s", (int)(n - 1), r->out);
    struct pwhash e;
    const char *reason = NULL;
    if (pwhash_parse_line(line, &e, &reason) != RECD_OK)
        fail_msg("output \"%s\" does not parse: %s", line, reason);
    return e;
}

static void test_passwd_makes_a_line(void **state)
{
    (void)state;
    struct run r = run_passwd("correct horse\n", "--iterations", "10000", "alice", NULL);
    assert_int_equal(r.code, 0);
    struct pwhash e = parse_output(&r);
    assert_string_equal(e.user, "alice");
    assert_int_equal(e.iterations, 10000);
    assert_int_equal(e.salt_len, PWHASH_SALT_LEN);
    assert_true(pwhash_verify(&e, "correct horse"));
    assert_false(pwhash_verify(&e, "correct horse\n"));
    /* A second run salts differently. */
    struct run r2 = run_passwd("correct horse\n", "alice", "--iterations=10000", NULL);
    assert_int_equal(r2.code, 0);
    struct pwhash e2 = parse_output(&r2);
    assert_memory_not_equal(e.salt, e2.salt, PWHASH_SALT_LEN);
    assert_true(pwhash_verify(&e2, "correct horse"));
}

static void test_passwd_input_forms(void **state)
{
    (void)state;
    /* CRLF, no final newline, only the first line, spaces and colons kept */
    static const struct {
        const char *input, *password;
    } cases[] = {
        { "s3cret\r\n", "s3cret" },
        { "s3cret", "s3cret" },
        { "first\nsecond\n", "first" },
        { " a:b c \n", " a:b c " },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        struct run r = run_passwd(cases[i].input, "--iterations", "10000", "bob.smith-2", NULL);
        assert_int_equal(r.code, 0);
        struct pwhash e = parse_output(&r);
        if (!pwhash_verify(&e, cases[i].password))
            fail_msg("case %zu: password not what was typed", i);
    }
}

static void test_passwd_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *input;
        const char *args[4];
    } cases[] = {
        { "pw\n", { "al ice", NULL } },
        { "pw\n", { "alice:x", NULL } },
        { "pw\n", { "j\xc3\xb6rg", NULL } },
        { "pw\n", { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL } },
        { "pw\n", { NULL } },
        { "pw\n", { "alice", "bob", NULL } },
        { "pw\n", { "--iterations", "9999", "alice", NULL } },
        { "pw\n", { "--iterations", "10k", "alice", NULL } },
        { "pw\n", { "alice", "--iterations", NULL } },
        { "pw\n", { "--iterations=", "alice", NULL } },
        { "pw\n", { "--rounds", "10000", "alice", NULL } },
        { "", { "--iterations", "10000", "alice", NULL } },      /* no password */
        { "\n", { "--iterations", "10000", "alice", NULL } },    /* empty password */
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const char *const *a = cases[i].args;
        struct run r = run_passwd(cases[i].input, a[0], a[0] ? a[1] : NULL,
                                  a[0] && a[1] ? a[2] : NULL, NULL);
        if (r.code != 2)
            fail_msg("case %zu: exit %d, want 2", i, r.code);
        assert_string_equal(r.out, "");
    }
    /* Over 1024 bytes on the first line */
    char *big = xmalloc(1100);
    memset(big, 'p', 1099);
    big[1099] = '\0';
    struct run r = run_passwd(big, "--iterations", "10000", "alice", NULL);
    assert_int_equal(r.code, 2);
    free(big);
}

static void test_passwd_help(void **state)
{
    (void)state;
    struct run r = run_passwd("", "--help", NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "usage: recd passwd"));
    assert_non_null(strstr(r.out, "210000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passwd_makes_a_line),
        cmocka_unit_test(test_passwd_input_forms),
        cmocka_unit_test(test_passwd_usage_errors),
        cmocka_unit_test(test_passwd_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
