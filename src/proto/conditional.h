/* SPDX-License-Identifier: MIT */
/*
 * conditional.h — If-None-Match and If-Range evaluation (RFC 9110 §13).
 * Pure, no state: any thread.
 */
#ifndef RECD_PROTO_CONDITIONAL_H
#define RECD_PROTO_CONDITIONAL_H

#include "common.h"

/**
 * True iff If-None-Match `header` matches our strong `etag` (quotes
 * included, e.g. "\"ab12\"") by weak comparison, or is "*": answer 304.
 * NULL or malformed header, or NULL etag: false (serve normally).
 */
bool cond_if_none_match(const char *header, const char *etag);

/**
 * True iff the Range may be honoured: header NULL, an entity tag equal to
 * etag by strong comparison (a W/ tag never is), or an HTTP date equal to
 * last_modified_ms truncated to seconds. Anything else: false (send 200).
 */
bool cond_if_range(const char *header, const char *etag, int64_t last_modified_ms);

#endif
