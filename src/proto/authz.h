/* SPDX-License-Identifier: MIT */
/*
 * authz.h — the HTTP Authorization request header (RFC 9110 §11.6.2):
 * "Basic base64(user:password)" (RFC 7617) and "Bearer token68"
 * (RFC 6750). Anything malformed or over the size ceiling parses as "no
 * credentials", never as an error. Pure, no state: any thread.
 */
#ifndef RECD_PROTO_AUTHZ_H
#define RECD_PROTO_AUTHZ_H

#include "common.h"

/* Longer Authorization values are ignored (treated as absent). */
#define AUTHZ_HEADER_MAX 4096

enum authz_scheme { AUTHZ_NONE = 0, AUTHZ_BASIC, AUTHZ_BEARER };

/* Stack-allocated by the caller; fields prefixed with _ are private. */
struct authz {
    enum authz_scheme scheme;
    const char *user;      /* BASIC: NUL-terminated, in _buf; may be "" */
    const char *password;  /* BASIC: NUL-terminated, in _buf; may be "" */
    const char *token;     /* BEARER: borrowed slice of the header value */
    size_t token_len;      /* BEARER: bytes at token (no NUL there) */
    char _buf[AUTHZ_HEADER_MAX]; /* decoded Basic credentials */
};

/**
 * Parse an Authorization header value (NULL = absent) into *out. Sets
 * out->scheme to AUTHZ_NONE for an absent, oversized or malformed value,
 * an unknown scheme, bad base64, a missing ':' or a NUL in the credentials.
 * Pointers in *out borrow from value and from out itself. Wipe *out with
 * authz_clear() when done: it holds a password.
 */
void authz_parse(const char *value, struct authz *out);

/** Overwrite the decoded credentials (so no password lingers on the stack). */
void authz_clear(struct authz *a);

#endif
