/* SPDX-License-Identifier: MIT */
/*
 * backoff.h — retry delays for failed fetch attempts: capped exponential
 * backoff with equal jitter. Pure: the caller supplies the randomness, so
 * any thread may call it and tests are deterministic.
 */
#ifndef RECD_WORKER_BACKOFF_H
#define RECD_WORKER_BACKOFF_H

#include "common.h"

/* Ceiling for a server-requested delay (Retry-After), in milliseconds. */
#define BACKOFF_RETRY_AFTER_MAX_MS (3600 * 1000)

/**
 * Delay before retry number `attempt` (1 = first retry): with
 * d = min(cap_ms, base_ms * 2^(attempt-1)), returns d/2 + rnd % (d/2 + 1),
 * always in [d/2, d]. attempt < 1 counts as 1; negative base/cap as 0.
 */
int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t rnd);

/**
 * max(retry_after_ms, backoff_delay_ms(...)): a server's Retry-After wins
 * even above cap_ms, but is itself clamped to [0, BACKOFF_RETRY_AFTER_MAX_MS].
 */
int64_t backoff_next_ms(int attempt, int64_t base_ms, int64_t cap_ms, int64_t retry_after_ms,
                        uint64_t rnd);

/**
 * When to look again at a recording the provider is still processing,
 * waited_ms after it first said so: the wait so far, clamped to
 * [min_ms, max_ms] — checks at 0, 2, 4, 8, 16, 32, 62, … s for 2 s / 30 s,
 * doubling without a counter to keep.
 */
int64_t backoff_pending_ms(int64_t waited_ms, int64_t min_ms, int64_t max_ms);

#endif
