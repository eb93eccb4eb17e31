/* SPDX-License-Identifier: MIT */
/*
 * twilio_sig.c — Twilio request validation: HMAC-SHA1 keyed with the auth
 * token over the URL followed by every POST parameter as key+value, the way
 * the official helper libraries build it (twilio-node webhooks.ts
 * getExpectedTwilioSignature): keys sorted, the values of a repeated key
 * sorted after it, an identical key=value pair counted once. Sorting is by
 * UTF-16 code units, as JavaScript's and Java's string sorts are. The MAC is
 * streamed, so no concatenation buffer is built. Pure: any thread (OpenSSL 3
 * is thread-safe after init).
 */
#include "proto/twilio_sig.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SHA1_LEN 20

/* UTF-8 bytes compare in code point order; UTF-16 code units differ from
 * that only between U+E000..U+FFFF (lead byte EE/EF) and supplementary
 * characters (F0..F4), which UTF-16 sorts first (surrogates are D800..DFFF).
 * The first differing byte decides: equal prefixes leave both strings at
 * the same place in the same kind of sequence. */
int twilio_utf16_cmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) {
        x++;
        y++;
    }
    if (*x >= 0xF0 && (*y == 0xEE || *y == 0xEF))
        return -1;
    if (*y >= 0xF0 && (*x == 0xEE || *x == 0xEF))
        return 1;
    return (int)*x - (int)*y;
}

static int pair_cmp(const void *a, const void *b)
{
    const struct form_pair *x = *(const struct form_pair *const *)a;
    const struct form_pair *y = *(const struct form_pair *const *)b;
    int c = twilio_utf16_cmp(x->key, y->key);
    return c != 0 ? c : twilio_utf16_cmp(x->value, y->value);
}

static bool same_pair(const struct form_pair *x, const struct form_pair *y)
{
    return strcmp(x->key, y->key) == 0 && strcmp(x->value, y->value) == 0;
}

static bool mac_str(EVP_MAC_CTX *ctx, const char *s)
{
    return EVP_MAC_update(ctx, (const unsigned char *)s, strlen(s)) == 1;
}

/* HMAC-SHA1 over url and the sorted pairs; false if OpenSSL fails. */
static bool hmac_sha1(const char *key, const char *url, const struct form_pair **sorted, size_t n,
                      unsigned char md[SHA1_LEN])
{
    bool ok = false;
    char digest[] = "SHA1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    size_t mdlen = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    if (!ctx || EVP_MAC_init(ctx, (const unsigned char *)key, strlen(key), params) != 1)
        goto out;
    if (!mac_str(ctx, url))
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && same_pair(sorted[i - 1], sorted[i]))
            continue; /* the helpers build a Set of each key's values */
        if (!mac_str(ctx, sorted[i]->key) || !mac_str(ctx, sorted[i]->value))
            goto out;
    }
    ok = EVP_MAC_final(ctx, md, &mdlen, SHA1_LEN) == 1 && mdlen == SHA1_LEN;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

void twilio_signature(const char *auth_token, const char *url, const struct form_pair *pairs,
                      size_t n, char *out, size_t outlen)
{
    RECD_ASSERT(auth_token && url && out && outlen >= TWILIO_SIG_LEN && (pairs || n == 0));
    out[0] = '\0';
    /* Sort pointers, not the caller's array: pairs stays borrowed. */
    const struct form_pair **sorted = xcalloc(n, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = &pairs[i];
    if (n > 1)
        qsort(sorted, n, sizeof(*sorted), pair_cmp);
    unsigned char md[SHA1_LEN];
    if (hmac_sha1(auth_token, url, sorted, n, md))
        EVP_EncodeBlock((unsigned char *)out, md, SHA1_LEN);
    free(sorted);
}

bool twilio_signature_valid(const char *auth_token, const char *url,
                            const struct form_pair *pairs, size_t n, const char *header_sig)
{
    /* An empty token would make every signature forgeable. */
    if (!auth_token || !*auth_token || !url || !*url || !header_sig || !*header_sig)
        return false;
    char want[TWILIO_SIG_LEN];
    twilio_signature(auth_token, url, pairs, n, want, sizeof(want));
    size_t len = strlen(want);
    /* The length is public (always 28); only the bytes need constant time. */
    return len > 0 && strnlen(header_sig, TWILIO_SIG_LEN) == len &&
           CRYPTO_memcmp(want, header_sig, len) == 0;
}

bool twilio_request_valid(const char *auth_token, const struct twilio_urls *urls,
                          const struct form_pair *pairs, size_t n, const char *header_sig)
{
    bool ok = false;
    /* Every spelling is tried, so the time taken does not say which matched. */
    for (size_t i = 0; urls && i < urls->n; i++)
        ok |= twilio_signature_valid(auth_token, urls->url[i], pairs, n, header_sig);
    return ok;
}
