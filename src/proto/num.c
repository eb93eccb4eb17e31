/* SPDX-License-Identifier: MIT */
/*
 * num.c — strict decimal parsing. strtoll is not used because it skips
 * leading spaces, accepts '+' and needs errno juggling; here every byte is
 * checked and overflow is detected before it happens. Pure: any thread.
 */
#include "proto/num.h"

bool num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !out || min > max)
        return false;
    bool neg = false;
    if (*s == '-') {
        if (min >= 0)
            return false;
        neg = true;
        s++;
    }
    if (*s == '\0')
        return false;
    /* Accumulate negatively: INT64_MIN has no positive counterpart. */
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        int d = *s - '0';
        if (v < (INT64_MIN + d) / 10)
            return false;
        v = v * 10 - d;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return false;
        v = -v;
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool num_parse_int(const char *s, int min, int max, int *out)
{
    int64_t v;
    if (!out || !num_parse_i64(s, min, max, &v))
        return false;
    *out = (int)v;
    return true;
}
