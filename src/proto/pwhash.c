/* SPDX-License-Identifier: MIT */
/*
 * pwhash.c — the users-file line format and PBKDF2-HMAC-SHA256. The
 * format is the one Django and passlib use for PBKDF2 (scheme name, then
 * '$'-separated fields), so hashes can be moved between tools. Bounds on
 * iterations and salt length are checked at parse time, so a loaded entry
 * is always verifiable in bounded time. Pure: any thread.
 */
#include "proto/pwhash.h"
#include "proto/base64.h"
#include "proto/num.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define SCHEME "pbkdf2-sha256"

static bool user_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static bool user_valid_n(const char *s, size_t n)
{
    if (n == 0 || n > PWHASH_USER_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!user_char((unsigned char)s[i]))
            return false;
    }
    return true;
}

bool pwhash_user_valid(const char *user)
{
    return user && user_valid_n(user, strnlen(user, PWHASH_USER_MAX + 1));
}

static bool derive(const char *password, const unsigned char *salt, size_t salt_len,
                   int iterations, unsigned char out[PWHASH_HASH_LEN])
{
    return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations,
                             EVP_sha256(), PWHASH_HASH_LEN, out) == 1;
}

/* The next '$'-separated field of *p (up to end), as a slice; advances *p. */
static bool next_field(const char **p, const char *end, const char **pfield, size_t *plen)
{
    if (*p > end)
        return false;
    const char *dollar = memchr(*p, '$', (size_t)(end - *p));
    const char *stop = dollar ? dollar : end;
    *pfield = *p;
    *plen = (size_t)(stop - *p);
    *p = dollar ? dollar + 1 : end + 1;
    return true;
}

static bool parse_iterations(const char *s, size_t n, int *pout)
{
    char buf[16];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return num_parse_int(buf, PWHASH_MIN_ITERATIONS, PWHASH_MAX_ITERATIONS, pout);
}

/* The four '$' fields after "name:": scheme, iterations, salt, hash. The
 * scheme is checked first so that an htpasswd or crypt(3) line is named
 * as such rather than as a miscount of fields. */
static const char *parse_fields(const char *p, const char *end, struct pwhash *out)
{
    const char *f[4];
    size_t n[4];
    bool got_scheme = next_field(&p, end, &f[0], &n[0]);
    if (!got_scheme || n[0] != strlen(SCHEME) || memcmp(f[0], SCHEME, n[0]) != 0)
        return "unknown hash scheme (only pbkdf2-sha256, as made by recd passwd)";
    for (int i = 1; i < 4; i++) {
        if (!next_field(&p, end, &f[i], &n[i]))
            return "expected pbkdf2-sha256$ITERATIONS$SALT$HASH";
    }
    if (p <= end)
        return "too many '$' fields";
    if (!parse_iterations(f[1], n[1], &out->iterations))
        return "iterations must be an integer in [10000, 10000000]";
    if (!base64_decode(f[2], n[2], out->salt, sizeof(out->salt), &out->salt_len) ||
        out->salt_len < PWHASH_SALT_MIN)
        return "salt must be base64 of 8 to 64 bytes";
    size_t hash_len = 0;
    if (!base64_decode(f[3], n[3], out->hash, sizeof(out->hash), &hash_len) ||
        hash_len != PWHASH_HASH_LEN)
        return "hash must be base64 of 32 bytes";
    return NULL;
}

recd_err pwhash_parse_line(const char *line, struct pwhash *out, const char **preason)
{
    memset(out, 0, sizeof(*out));
    size_t len = strnlen(line, PWHASH_LINE_MAX + 1);
    const char *reason = NULL;
    const char *colon = memchr(line, ':', len);
    if (len > PWHASH_LINE_MAX)
        reason = "line too long";
    else if (!colon)
        reason = "expected NAME:pbkdf2-sha256$...";
    else if (!user_valid_n(line, (size_t)(colon - line)))
        reason = "user name must match [A-Za-z0-9._-]{1,64}";
    else
        reason = parse_fields(colon + 1, line + len, out);
    if (reason) {
        *preason = reason;
        return RECD_EINVAL;
    }
    memcpy(out->user, line, (size_t)(colon - line));
    out->user[colon - line] = '\0';
    return RECD_OK;
}

bool pwhash_verify(const struct pwhash *e, const char *password)
{
    unsigned char got[PWHASH_HASH_LEN];
    bool ok = derive(password, e->salt, e->salt_len, e->iterations, got) &&
              CRYPTO_memcmp(got, e->hash, sizeof(got)) == 0;
    OPENSSL_cleanse(got, sizeof(got));
    return ok;
}

recd_err pwhash_format(const char *user, const char *password, int iterations,
                       const unsigned char *salt, size_t salt_len, char *out, size_t outlen)
{
    if (!pwhash_user_valid(user) || iterations < PWHASH_MIN_ITERATIONS ||
        iterations > PWHASH_MAX_ITERATIONS || salt_len < PWHASH_SALT_MIN ||
        salt_len > PWHASH_SALT_MAX)
        return RECD_EINVAL;
    unsigned char hash[PWHASH_HASH_LEN];
    char salt64[BASE64_ENCODED_SIZE(PWHASH_SALT_MAX)], hash64[BASE64_ENCODED_SIZE(PWHASH_HASH_LEN)];
    if (!derive(password, salt, salt_len, iterations, hash))
        return RECD_EIO;
    /* Both buffers are sized for the largest input: encoding cannot fail. */
    bool encoded = base64_encode(salt, salt_len, salt64, sizeof(salt64)) &&
                   base64_encode(hash, sizeof(hash), hash64, sizeof(hash64));
    RECD_ASSERT(encoded);
    OPENSSL_cleanse(hash, sizeof(hash));
    int n = snprintf(out, outlen, "%s:" SCHEME "$%d$%s$%s", user, iterations, salt64, hash64);
    return n < 0 || (size_t)n >= outlen ? RECD_ETOOBIG : RECD_OK;
}
