/* SPDX-License-Identifier: MIT */
/*
 * num.h — strict decimal integer parsing for query parameters, flags and
 * header values. Pure, no state: any thread.
 */
#ifndef RECD_PROTO_NUM_H
#define RECD_PROTO_NUM_H

#include "common.h"

/**
 * Parse s as [-]DIGITS (the '-' only when min < 0) into *out, within
 * [min, max]. No spaces, no '+', no trailing bytes. Returns false and leaves
 * *out untouched on any failure, including NULL or empty s and overflow.
 */
bool num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/** num_parse_i64() for an int range. */
bool num_parse_int(const char *s, int min, int max, int *out);

#endif
