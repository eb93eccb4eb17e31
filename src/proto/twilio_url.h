/* SPDX-License-Identifier: MIT */
/*
 * twilio_url.h — the URLs Twilio may have signed for one webhook request.
 * Twilio signs the callback URL as it was configured: scheme, host, port,
 * path and query string. recd knows its public base (--public-url, or
 * http://Host) and receives the request target (path?query) as Twilio sent
 * it, so the URL is base + target. Twilio has signed both with and without
 * the port, so the official helpers (twilio-node webhooks.ts
 * validateRequest) accept the URL without its port, with it (the explicit
 * one or the scheme's default), and each again with the query string
 * re-encoded the legacy way (Node's querystring.parse + stringify). This
 * module lists those spellings, as given and WHATWG-normalised like the
 * helper's new URL().toString(). Pure, no state: any thread.
 */
#ifndef RECD_PROTO_TWILIO_URL_H
#define RECD_PROTO_TWILIO_URL_H

#include "common.h"

#define TWILIO_URLS_MAX 8

/* Distinct spellings, each a heap string owned by the struct. */
struct twilio_urls {
    size_t n;
    char *url[TWILIO_URLS_MAX];
};

/**
 * Fill out with every spelling of base + target the helpers accept
 * (duplicates dropped). base: "http(s)://[user@]host[:port][/prefix]",
 * a trailing '/' ignored, no query or fragment. target: the request target
 * as received, starting with '/'. RECD_EINVAL (out empty) otherwise.
 * Caller frees with twilio_urls_free(), also after a failure.
 */
RECD_MUSTCHECK recd_err twilio_urls_build(const char *base, const char *target,
                                          struct twilio_urls *out);
void twilio_urls_free(struct twilio_urls *u);

/**
 * query (len bytes, without the '?') as Node's querystring.stringify(
 * querystring.parse(query)) writes it: '+' and %XX decoded, ill-formed
 * UTF-8 replaced by U+FFFD, values of a repeated key grouped after its
 * first appearance (integer-like keys first, as JavaScript objects order
 * them), re-encoded with encodeURIComponent's safe set. Returns a new string
 * the caller frees with free(). Exposed for tests.
 */
char *twilio_legacy_query_dup(const char *query, size_t len);

#endif
