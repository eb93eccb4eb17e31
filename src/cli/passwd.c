/* SPDX-License-Identifier: MIT */
/*
 * passwd.c — `recd passwd [--iterations N] USER`. The password comes from
 * stdin, never argv (argv is visible to every user in ps). The output line
 * is appended to the users file by the operator: recd never writes it.
 * Single-threaded.
 */
#include "common.h"
#include "cli/passwd.h"
#include "proto/num.h"
#include "proto/pwhash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define PASSWORD_MAX 1024

static const char usage[] =
    "usage: recd passwd [--iterations N] USER < password\n\n"
    "Reads a password (the first line of stdin) and prints the line to append to\n"
    "the users file of --auth basic:FILE:\n"
    "  USER:pbkdf2-sha256$ITERATIONS$SALT$HASH\n\n"
    "options:\n"
    "  --iterations N   PBKDF2-SHA256 rounds, 10000..10000000 [default 210000]\n"
    "  --help           show this help\n\n"
    "USER must match [A-Za-z0-9._-]{1,64}.\n";

struct passwd_args {
    const char *user;
    int iterations;
};

/* 0: parsed; otherwise the exit code (0 after --help, 2 on bad usage). */
static int parse_args(int argc, char **argv, struct passwd_args *out, bool *pdone)
{
    *pdone = false;
    out->user = NULL;
    out->iterations = PWHASH_DEFAULT_ITERATIONS;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            *pdone = true;
            return 0;
        }
        const char *value = NULL;
        if (strncmp(arg, "--iterations=", 13) == 0)
            value = arg + 13;
        else if (strcmp(arg, "--iterations") == 0 && i + 1 < argc)
            value = argv[++i];
        if (value || strcmp(arg, "--iterations") == 0) {
            if (!value || !num_parse_int(value, PWHASH_MIN_ITERATIONS, PWHASH_MAX_ITERATIONS,
                                         &out->iterations)) {
                fprintf(stderr, "recd passwd: --iterations: expected an integer in [%d, %d]\n",
                        PWHASH_MIN_ITERATIONS, PWHASH_MAX_ITERATIONS);
                return 2;
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "recd passwd: unknown flag %s (see recd passwd --help)\n", arg);
            return 2;
        } else if (out->user) {
            fprintf(stderr, "recd passwd: too many arguments at \"%s\"\n", arg);
            return 2;
        } else {
            out->user = arg;
        }
    }
    if (!out->user) {
        fprintf(stderr, "recd passwd: missing USER (see recd passwd --help)\n");
        return 2;
    }
    if (!pwhash_user_valid(out->user)) {
        fprintf(stderr, "recd passwd: user name \"%s\" must match [A-Za-z0-9._-]{1,64}\n", out->user);
        return 2;
    }
    return 0;
}

/* The first line of stdin, without its line ending. 0 ok, else exit code. */
static int read_password(char *buf, size_t buflen)
{
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "password (echoed): ");
    if (!fgets(buf, (int)buflen, stdin)) {
        fprintf(stderr, "recd passwd: no password on stdin\n");
        return 2;
    }
    size_t n = strlen(buf);
    bool whole_line = n > 0 && buf[n - 1] == '\n';
    if (!whole_line && !feof(stdin)) {
        fprintf(stderr, "recd passwd: the password is longer than %d bytes\n", PASSWORD_MAX);
        return 2;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0) {
        fprintf(stderr, "recd passwd: empty password\n");
        return 2;
    }
    return 0;
}

int cli_passwd(int argc, char **argv)
{
    struct passwd_args args;
    bool done;
    char password[PASSWORD_MAX + 2]; /* + newline + NUL */
    char line[PWHASH_LINE_MAX + 1];
    unsigned char salt[PWHASH_SALT_LEN];
    int code = parse_args(argc, argv, &args, &done);
    if (code != 0 || done)
        return code;
    code = read_password(password, sizeof(password));
    if (code != 0)
        goto out;
    code = 1;
    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        fprintf(stderr, "recd passwd: no random bytes from the crypto library\n");
        goto out;
    }
    if (pwhash_format(args.user, password, args.iterations, salt, sizeof(salt), line,
                      sizeof(line)) != RECD_OK) {
        fprintf(stderr, "recd passwd: cannot hash the password (crypto library failure)\n");
        goto out;
    }
    printf("%s\n", line);
    code = fflush(stdout) == 0 ? 0 : 1;
out:
    OPENSSL_cleanse(password, sizeof(password));
    return code;
}
