/* SPDX-License-Identifier: MIT */
/*
 * linksig.h — signed /stream links for embedding (SPEC §5):
 *   /stream?call_sid=<sid>&exp=<unix seconds>&sig=<hex>
 *   sig = lower-case hex of HMAC-SHA256(secret, "call_sid=<sid>&exp=<exp>")
 * The signed text is rebuilt from the parsed values, so it is exactly what
 * linksig_query() signs. Pure, no state: any thread.
 */
#ifndef RECD_PROTO_LINKSIG_H
#define RECD_PROTO_LINKSIG_H

#include "common.h"

#define LINKSIG_HEX_LEN 64       /* hex of a 32-byte MAC */
#define LINKSIG_SECRET_MIN 16    /* shorter secrets are refused at start-up */
/* "call_sid=" sid "&exp=" int64 "&sig=" hex, plus the NUL. */
#define LINKSIG_QUERY_MAX (9 + RECD_SID_MAX + 5 + 20 + 5 + LINKSIG_HEX_LEN + 1)

enum linksig_result {
    LINKSIG_OK = 0,
    LINKSIG_MALFORMED, /* missing or invalid call_sid, exp or sig */
    LINKSIG_BAD_SIG,   /* well-formed, but not signed with this secret */
    LINKSIG_EXPIRED,   /* correctly signed, exp < now */
};

/**
 * Check a link's parameters (borrowed, any may be NULL) against secret at
 * now_s. The signature is checked before the expiry, so LINKSIG_EXPIRED
 * means the link was genuine. Compares in constant time.
 */
enum linksig_result linksig_check(const char *secret, const char *call_sid, const char *exp,
                                  const char *sig, int64_t now_s);

/**
 * Write "call_sid=<sid>&exp=<exp>&sig=<hex>" into out. RECD_EINVAL for an
 * empty secret, invalid sid or negative exp; RECD_ETOOBIG if outlen is too
 * small (LINKSIG_QUERY_MAX always suffices); RECD_EIO if the MAC fails.
 */
RECD_MUSTCHECK recd_err linksig_query(const char *secret, const char *call_sid, int64_t exp,
                                      char *out, size_t outlen);

#endif
