/* SPDX-License-Identifier: MIT */
/*
 * utf8.h — UTF-8 checks for text that crosses into JSON or logs: error
 * messages cut by fixed-size buffers, provider text. Pure, thread-safe.
 */
#ifndef RECD_UTIL_UTF8_H
#define RECD_UTIL_UTF8_H

#include "common.h"

/** Length (1..4) of the well-formed UTF-8 character at s, given avail
 *  bytes; 0 if the bytes there are not one. */
size_t utf8_char_len(const unsigned char *s, size_t avail);

/** Copy in to out (NUL-terminated, never a partial character), replacing
 *  every byte that is not part of a well-formed character with '?'. */
void utf8_sanitize(const char *in, char *out, size_t outlen);

#endif
