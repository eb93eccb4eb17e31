/* SPDX-License-Identifier: MIT */
/*
 * twilio_sig.h — X-Twilio-Signature computation and check (SPEC §2,
 * webhook), parameters ordered as Twilio's official helper libraries
 * order them. Which URLs to try is twilio_url.h's business. Pure, no
 * state: any thread.
 */
#ifndef RECD_PROTO_TWILIO_SIG_H
#define RECD_PROTO_TWILIO_SIG_H

#include "common.h"
#include "proto/form.h"
#include "proto/twilio_url.h"

/* base64 of a 20-byte HMAC-SHA1 is 28 characters, plus the NUL. */
#define TWILIO_SIG_LEN 29

/**
 * Write base64(HMAC-SHA1(auth_token, url + key1 + value1 + ...)) into out,
 * pairs sorted by key then value in UTF-16 code unit order, an identical
 * key=value pair used once (as the helpers do). outlen >= TWILIO_SIG_LEN.
 * pairs (non-NULL keys and values) is borrowed and not reordered. If the
 * crypto library fails, out is "".
 */
void twilio_signature(const char *auth_token, const char *url, const struct form_pair *pairs,
                      size_t n, char *out, size_t outlen);

/**
 * True iff header_sig equals the signature of the request, compared in
 * constant time. NULL or empty token, url or header_sig: false.
 */
bool twilio_signature_valid(const char *auth_token, const char *url,
                            const struct form_pair *pairs, size_t n, const char *header_sig);

/**
 * True iff header_sig is the signature of the parameters over any of the
 * URL spellings in urls (twilio_urls_build()), compared in constant time.
 */
bool twilio_request_valid(const char *auth_token, const struct twilio_urls *urls,
                          const struct form_pair *pairs, size_t n, const char *header_sig);

/** <0, 0, >0 as UTF-8 strings a and b compare in UTF-16 code unit order
 *  (JavaScript's default sort). Exposed for tests. */
int twilio_utf16_cmp(const char *a, const char *b);

#endif
