/* SPDX-License-Identifier: MIT */
/*
 * authz.c — Authorization header parsing. The scheme name is matched
 * case-insensitively (RFC 9110 §11.1); credentials are a single token68
 * followed only by optional whitespace. Basic credentials are split at the
 * first ':' (RFC 7617: user-ids cannot contain one, passwords can).
 * Pure: any thread.
 */
#include "proto/authz.h"
#include "proto/base64.h"

#include <string.h>

#include <openssl/crypto.h>

static bool token68_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool token68_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && token68_char((unsigned char)s[i]))
        i++;
    if (i == 0)
        return false;
    while (i < n && s[i] == '=')
        i++;
    return i == n;
}

/* ASCII case-insensitive equality of the n bytes at s with lower-case word. */
static bool scheme_is(const char *s, size_t n, const char *word)
{
    if (strlen(word) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)word[i])
            return false;
    }
    return true;
}

static bool parse_basic(const char *cred, size_t n, struct authz *out)
{
    size_t len = 0;
    if (!base64_decode(cred, n, (unsigned char *)out->_buf, sizeof(out->_buf) - 1, &len))
        return false;
    out->_buf[len] = '\0';
    if (memchr(out->_buf, '\0', len))
        return false;
    char *colon = memchr(out->_buf, ':', len);
    if (!colon)
        return false;
    *colon = '\0';
    out->user = out->_buf;
    out->password = colon + 1;
    return true;
}

void authz_parse(const char *value, struct authz *out)
{
    memset(out, 0, sizeof(*out));
    if (!value)
        return;
    size_t len = strnlen(value, AUTHZ_HEADER_MAX + 1);
    if (len > AUTHZ_HEADER_MAX)
        return;
    const char *sp = memchr(value, ' ', len);
    if (!sp)
        return;
    size_t scheme_len = (size_t)(sp - value);
    const char *cred = sp;
    while (*cred == ' ')
        cred++;
    size_t n = len - (size_t)(cred - value);
    while (n > 0 && (cred[n - 1] == ' ' || cred[n - 1] == '\t'))
        n--;
    if (!token68_valid(cred, n))
        return;
    if (scheme_is(value, scheme_len, "basic") && parse_basic(cred, n, out)) {
        out->scheme = AUTHZ_BASIC;
    } else if (scheme_is(value, scheme_len, "bearer")) {
        out->scheme = AUTHZ_BEARER;
        out->token = cred;
        out->token_len = n;
    } else {
        authz_clear(out);
    }
}

void authz_clear(struct authz *a)
{
    OPENSSL_cleanse(a, sizeof(*a));
}
