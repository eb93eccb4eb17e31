/* SPDX-License-Identifier: MIT */
/*
 * base64.h — strict standard base64 (RFC 4648 §4, '+' '/', '=' padding
 * required), as used by HTTP Basic credentials and the password file.
 * Pure, no state: any thread.
 */
#ifndef RECD_PROTO_BASE64_H
#define RECD_PROTO_BASE64_H

#include "common.h"

/** Bytes base64_encode() writes for n input bytes, including the NUL. */
#define BASE64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/**
 * Decode the n characters at s into out (capacity outcap), length in
 * *poutlen. False on any non-alphabet byte, bad padding, a length that is
 * not a multiple of 4, or an output larger than outcap; out is then junk.
 */
bool base64_decode(const char *s, size_t n, unsigned char *out, size_t outcap, size_t *poutlen);

/** Encode n bytes into out, NUL-terminated; false if outcap is too small. */
bool base64_encode(const unsigned char *in, size_t n, char *out, size_t outcap);

#endif
