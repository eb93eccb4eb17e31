/* SPDX-License-Identifier: MIT */
/* utf8.c — RFC 3629 well-formedness (no overlongs, no surrogates, ≤ U+10FFFF). */
#include "util/utf8.h"

#include <string.h>

size_t utf8_char_len(const unsigned char *s, size_t avail)
{
    if (avail == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* bounds of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

void utf8_sanitize(const char *in, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    const unsigned char *s = (const unsigned char *)in;
    size_t avail = strlen(in), o = 0;
    while (avail > 0) {
        size_t n = utf8_char_len(s, avail);
        size_t take = n ? n : 1;
        if (o + (n ? n : 1) >= outlen)
            break;
        if (n)
            memcpy(out + o, s, n);
        else
            out[o] = '?';
        o += n ? n : 1;
        s += take;
        avail -= take;
    }
    out[o] = '\0';
}
