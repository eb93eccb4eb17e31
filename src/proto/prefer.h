/* SPDX-License-Identifier: MIT */
/*
 * prefer.h — the "wait" preference (RFC 7240 §4.3) from the Prefer header
 * or the ?wait= query parameter. Pure, no state: any thread.
 */
#ifndef RECD_PROTO_PREFER_H
#define RECD_PROTO_PREFER_H

#include "common.h"

/* Upper clamp for a wait, in seconds; the server caps it further. */
#define PREFER_WAIT_MAX 86400

/**
 * True with *pwait_s set (clamped to [0, PREFER_WAIT_MAX]) iff the first
 * "wait" preference in the Prefer header is "wait=DIGITS" or
 * wait="DIGITS". NULL header, no wait, or a malformed wait: false.
 */
bool prefer_wait(const char *header, int *pwait_s);

/** ?wait=N value: 1 to 6 digits, nothing else; clamped as above. */
bool prefer_wait_param(const char *value, int *pwait_s);

#endif
