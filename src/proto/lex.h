/* SPDX-License-Identifier: MIT */
/*
 * lex.h — the character classes every HTTP field parser in proto/ shares
 * (RFC 9110 §5.6.3 OWS, hex digits), so each rule is written once.
 * Pure, inline, no state: any thread.
 */
#ifndef RECD_PROTO_LEX_H
#define RECD_PROTO_LEX_H

#include "common.h"

/** Optional whitespace: SP or HTAB. */
static inline bool lex_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/** p advanced past any OWS; borrowed from p. */
static inline const char *lex_skip_ows(const char *p)
{
    while (lex_is_ows(*p))
        p++;
    return p;
}

/** The value of a hex digit (either case), or -1. */
static inline int lex_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
