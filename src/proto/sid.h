/* SPDX-License-Identifier: MIT */
/*
 * sid.h — validation of call and recording identifiers (SPEC §1: the key of
 * a recording is ^[A-Za-z0-9_-]{1,64}$). Pure, no state: any thread.
 */
#ifndef RECD_PROTO_SID_H
#define RECD_PROTO_SID_H

#include "common.h"

/** True iff s is a NUL-terminated valid sid; NULL is never valid. */
bool sid_valid(const char *s);
/** Same check on the n bytes at s (no NUL needed); NULL or n == 0 is invalid. */
bool sid_valid_n(const char *s, size_t n);

#endif
