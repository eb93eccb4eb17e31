/* SPDX-License-Identifier: MIT */
/*
 * retry_after.h — the Retry-After response header (RFC 9110 §10.2.3) from
 * the provider, turned into a bounded delay. Pure, no state: any thread.
 */
#ifndef RECD_PROTO_RETRY_AFTER_H
#define RECD_PROTO_RETRY_AFTER_H

#include "common.h"

/* Longest delay we accept from an upstream server, in milliseconds. */
#define RETRY_AFTER_MAX_MS (3600 * 1000)

/**
 * Parse delta-seconds or an HTTP date (relative to now_ms) into *pdelay_ms,
 * clamped to [0, RETRY_AFTER_MAX_MS]; a past date gives 0. NULL or
 * malformed value: false, *pdelay_ms untouched.
 */
bool retry_after_parse(const char *value, int64_t now_ms, int64_t *pdelay_ms);

#endif
