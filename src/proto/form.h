/* SPDX-License-Identifier: MIT */
/*
 * form.h — application/x-www-form-urlencoded bodies (the Twilio webhook)
 * and the percent-decoding they share with query strings. Pure: any thread.
 */
#ifndef RECD_PROTO_FORM_H
#define RECD_PROTO_FORM_H

#include "common.h"

#define FORM_MAX_BODY (64 * 1024) /* bytes */
#define FORM_MAX_PAIRS 128

/* One decoded name/value; both heap strings owned by the pair array. */
struct form_pair {
    char *key;
    char *value; /* "" for a key without '=' */
};

/**
 * Decode len bytes of body into *ppairs (*pn entries, in body order).
 * RECD_EINVAL on a bad %-escape or a NUL byte, RECD_ETOOBIG over
 * FORM_MAX_BODY bytes or FORM_MAX_PAIRS pairs. Empty body: OK, NULL, 0.
 * Caller frees with form_free(); on failure *ppairs is NULL and *pn 0.
 */
RECD_MUSTCHECK recd_err form_parse(const char *body, size_t len, struct form_pair **ppairs,
                                   size_t *pn);

/** Free pairs from form_parse(); accepts NULL. */
void form_free(struct form_pair *pairs, size_t n);

/** Value of the first pair named key, or NULL; borrowed from pairs. */
const char *form_get(const struct form_pair *pairs, size_t n, const char *key);

/**
 * Percent-decode len bytes of in ('+' to space if plus_is_space) into a
 * new string *pout that the caller frees with free(). RECD_EINVAL on a bad
 * or truncated escape or a NUL (raw or %00); then *pout is NULL.
 */
RECD_MUSTCHECK recd_err url_decode(const char *in, size_t len, bool plus_is_space, char **pout);

#endif
