/* SPDX-License-Identifier: MIT */
/*
 * pwhash.h — one line of the Basic users file and the password check:
 *   name:pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>
 * PBKDF2-HMAC-SHA256 (RFC 8018), 32-byte hash. Pure, no state: any thread.
 */
#ifndef RECD_PROTO_PWHASH_H
#define RECD_PROTO_PWHASH_H

#include "common.h"

#define PWHASH_USER_MAX 64                /* name: [A-Za-z0-9._-]{1,64} */
#define PWHASH_DEFAULT_ITERATIONS 210000  /* OWASP 2023 for PBKDF2-SHA256 */
#define PWHASH_MIN_ITERATIONS 10000
#define PWHASH_MAX_ITERATIONS 10000000    /* ~2.5 s per check: surely a typo beyond */
#define PWHASH_SALT_LEN 16                /* what pwhash_format() callers generate */
#define PWHASH_SALT_MIN 8
#define PWHASH_SALT_MAX 64
#define PWHASH_HASH_LEN 32
#define PWHASH_LINE_MAX 512               /* longest accepted line, without newline */

struct pwhash {
    char user[PWHASH_USER_MAX + 1];
    int iterations;
    unsigned char salt[PWHASH_SALT_MAX];
    size_t salt_len;
    unsigned char hash[PWHASH_HASH_LEN];
};

/** True iff user matches [A-Za-z0-9._-]{1,64} (NULL: false). */
bool pwhash_user_valid(const char *user);

/**
 * Parse one line (no trailing newline) into *out. On failure returns
 * RECD_EINVAL and points *preason at a static text naming what is wrong.
 */
RECD_MUSTCHECK recd_err pwhash_parse_line(const char *line, struct pwhash *out, const char **preason);

/** True iff password derives to e's hash (PBKDF2, constant-time compare).
 *  Costs e->iterations HMAC rounds: ~50 ms at the default. */
bool pwhash_verify(const struct pwhash *e, const char *password);

/**
 * Write the users-file line for user/password with the given salt and
 * iterations into out (NUL-terminated, no newline). RECD_EINVAL for a bad
 * user, iterations or salt length; RECD_ETOOBIG if outlen is too small;
 * RECD_EIO if the crypto library fails.
 */
RECD_MUSTCHECK recd_err pwhash_format(const char *user, const char *password, int iterations,
                                      const unsigned char *salt, size_t salt_len, char *out,
                                      size_t outlen);

#endif
