/* SPDX-License-Identifier: MIT */
/*
 * sid.c — the sid alphabet check. The alphabet is deliberately ASCII-only so
 * a valid sid is safe in file names, URLs, SQL literals and log lines
 * without escaping. Pure: any thread.
 */
#include "proto/sid.h"

#include <string.h>

static bool sid_char(unsigned char c)
{
    /* Not isalnum(): that depends on the locale. */
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

bool sid_valid_n(const char *s, size_t n)
{
    if (!s || n == 0 || n > RECD_SID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!sid_char((unsigned char)s[i]))
            return false;
    }
    return true;
}

bool sid_valid(const char *s)
{
    if (!s)
        return false;
    /* strnlen bounds the scan: an overlong input is rejected without
     * walking all of it. */
    size_t n = strnlen(s, RECD_SID_MAX + 1);
    return sid_valid_n(s, n);
}
