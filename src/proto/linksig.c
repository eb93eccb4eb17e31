/* SPDX-License-Identifier: MIT */
/*
 * linksig.c — HMAC-SHA256 link signatures. Only call_sid and exp are
 * signed: other parameters (wait=N) may be added by the player without
 * breaking the link, and none of them widens what the link grants. The
 * received hex is decoded and compared as bytes, in constant time.
 * Pure: any thread.
 */
#include "proto/linksig.h"
#include "proto/lex.h"
#include "proto/num.h"
#include "proto/sid.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define MAC_LEN 32

static bool mac(const char *secret, const char *call_sid, int64_t exp, unsigned char md[MAC_LEN])
{
    char msg[9 + RECD_SID_MAX + 5 + 21];
    int n = snprintf(msg, sizeof(msg), "call_sid=%s&exp=%" PRId64, call_sid, exp);
    size_t mdlen = 0;
    return n > 0 && (size_t)n < sizeof(msg) &&
           EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, strlen(secret),
                     (const unsigned char *)msg, (size_t)n, md, MAC_LEN, &mdlen) != NULL &&
           mdlen == MAC_LEN;
}

static bool hex_decode(const char *s, unsigned char out[MAC_LEN])
{
    if (strnlen(s, LINKSIG_HEX_LEN + 1) != LINKSIG_HEX_LEN)
        return false;
    for (size_t i = 0; i < MAC_LEN; i++) {
        int hi = lex_hex_value((unsigned char)s[2 * i]), lo = lex_hex_value((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

enum linksig_result linksig_check(const char *secret, const char *call_sid, const char *exp,
                                  const char *sig, int64_t now_s)
{
    int64_t exp_s = 0;
    unsigned char got[MAC_LEN], want[MAC_LEN];
    if (!sid_valid(call_sid) || !num_parse_i64(exp, 0, INT64_MAX, &exp_s) || !sig ||
        !hex_decode(sig, got))
        return LINKSIG_MALFORMED;
    /* No secret, no valid link; an empty key would make every MAC public. */
    if (!secret || !*secret || !mac(secret, call_sid, exp_s, want) ||
        CRYPTO_memcmp(got, want, MAC_LEN) != 0)
        return LINKSIG_BAD_SIG;
    return exp_s < now_s ? LINKSIG_EXPIRED : LINKSIG_OK;
}

recd_err linksig_query(const char *secret, const char *call_sid, int64_t exp, char *out,
                       size_t outlen)
{
    unsigned char md[MAC_LEN];
    char hex[LINKSIG_HEX_LEN + 1];
    if (!secret || !*secret || !sid_valid(call_sid) || exp < 0)
        return RECD_EINVAL;
    if (!mac(secret, call_sid, exp, md))
        return RECD_EIO;
    for (size_t i = 0; i < MAC_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    int n = snprintf(out, outlen, "call_sid=%s&exp=%" PRId64 "&sig=%s", call_sid, exp, hex);
    return n < 0 || (size_t)n >= outlen ? RECD_ETOOBIG : RECD_OK;
}
