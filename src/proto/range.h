/* SPDX-License-Identifier: MIT */
/*
 * range.h — the Range request header (RFC 9110 §14) for one byte range.
 * Pure, no state: any thread.
 */
#ifndef RECD_PROTO_RANGE_H
#define RECD_PROTO_RANGE_H

#include "common.h"

/* One satisfiable byte range, both ends inclusive: 0 <= start <= end < size. */
struct byte_range {
    int64_t start; /* first byte offset */
    int64_t end;   /* last byte offset, inclusive */
};

enum range_result {
    RANGE_NONE,          /* no Range header: serve 200 */
    RANGE_OK,            /* one satisfiable range: serve 206 */
    RANGE_UNSATISFIABLE, /* valid but outside the body: serve 416 */
    RANGE_IGNORE,        /* invalid, other unit or several ranges: serve 200 */
};

/**
 * Classify the Range header value against a body of size bytes (>= 0).
 * header may be NULL (RANGE_NONE). *out is written only on RANGE_OK, with
 * the end clipped to size - 1 and a too-long suffix widened to the whole body.
 */
enum range_result range_parse(const char *header, int64_t size, struct byte_range *out);

#endif
