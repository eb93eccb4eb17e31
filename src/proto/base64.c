/* SPDX-License-Identifier: MIT */
/*
 * base64.c — a small strict codec. Strict on purpose: every input has one
 * accepted spelling (padding required, no whitespace, no line breaks), so
 * the parsers built on it have no ambiguous cases. Pure: any thread.
 */
#include "proto/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of c, or -1 outside the alphabet (locale-independent). */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode one 4-character group; trailing '=' (at most two) are allowed
 * only in the last group. Returns the bytes produced, or -1 when the
 * group is malformed. */
static int decode_group(const char *g, bool last, unsigned char out[3])
{
    int pad = 0;
    if (last && g[3] == '=')
        pad = g[2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int x = i >= 4 - pad ? 0 : sextet((unsigned char)g[i]);
        if (x < 0)
            return -1;
        v = v << 6 | (uint32_t)x;
    }
    /* Bits past the last byte must be zero: one spelling per input. */
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
        return -1;
    out[0] = (unsigned char)(v >> 16);
    out[1] = (unsigned char)(v >> 8);
    out[2] = (unsigned char)v;
    return 3 - pad;
}

bool base64_decode(const char *s, size_t n, unsigned char *out, size_t outcap, size_t *poutlen)
{
    if (!s || n % 4 != 0)
        return false;
    size_t len = 0;
    for (size_t i = 0; i < n; i += 4) {
        unsigned char tmp[3];
        int got = decode_group(s + i, i + 4 == n, tmp);
        if (got < 0 || len + (size_t)got > outcap)
            return false;
        for (int k = 0; k < got; k++)
            out[len++] = tmp[k];
    }
    *poutlen = len;
    return true;
}

bool base64_encode(const unsigned char *in, size_t n, char *out, size_t outcap)
{
    if (outcap < BASE64_ENCODED_SIZE(n))
        return false;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        uint32_t v = (uint32_t)in[i] << 16;
        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = left > 1 ? alphabet[v >> 6 & 63] : '=';
        out[o++] = left > 2 ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return true;
}
