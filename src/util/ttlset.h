/* SPDX-License-Identifier: MIT */
/*
 * ttlset.h — a bounded set of 32-byte keys that expire: "remember this for
 * a while, forget the oldest when full". Keys must be uniformly random
 * (digests or MACs): their first bytes pick the bucket. Not thread-safe:
 * the owning module keeps its lock beside the set.
 */
#ifndef RECD_UTIL_TTLSET_H
#define RECD_UTIL_TTLSET_H

#include "common.h"

#define TTLSET_KEY_LEN 32
#define TTLSET_WAYS 4 /* entries per bucket; the bucket's oldest is evicted */

struct ttlset;

/** A set of about capacity keys (rounded up to a multiple of TTLSET_WAYS),
 *  each live for ttl_s seconds after it is added. Caller frees with
 *  ttlset_free(). */
struct ttlset *ttlset_new(size_t capacity, int64_t ttl_s);
/** Wipes the keys, then frees; accepts NULL. */
void ttlset_free(struct ttlset *s);

/** True iff key was added less than ttl_s seconds before now_s. Compares
 *  in constant time. A clock that went back does not extend a lifetime. */
bool ttlset_contains(const struct ttlset *s, const unsigned char key[TTLSET_KEY_LEN], int64_t now_s);
/** Add (or refresh) key at now_s, evicting its bucket's oldest entry if full. */
void ttlset_add(struct ttlset *s, const unsigned char key[TTLSET_KEY_LEN], int64_t now_s);
/** Live keys at now_s (a full scan: for tests and metrics). */
size_t ttlset_count(const struct ttlset *s, int64_t now_s);

#endif
