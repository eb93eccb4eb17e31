/* SPDX-License-Identifier: MIT */
/*
 * backoff.c — "equal jitter" backoff: half the delay is fixed, half random,
 * so retries of many runs spread out yet never come back sooner than half
 * the nominal delay. The doubling stops at the cap instead of shifting, so
 * no attempt number can overflow. Pure: any thread.
 */
#include "worker/backoff.h"

int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint64_t rnd)
{
    if (base_ms < 0)
        base_ms = 0;
    if (cap_ms < 0)
        cap_ms = 0;
    int64_t d = base_ms < cap_ms ? base_ms : cap_ms;
    /* d == 0 or d == cap ends the loop early: at most ~63 rounds. */
    for (int i = 1; i < attempt && d > 0 && d < cap_ms; i++)
        d = d > cap_ms / 2 ? cap_ms : d * 2;
    int64_t half = d / 2;
    return half + (int64_t)(rnd % (uint64_t)(half + 1));
}

int64_t backoff_next_ms(int attempt, int64_t base_ms, int64_t cap_ms, int64_t retry_after_ms,
                        uint64_t rnd)
{
    int64_t ra = retry_after_ms;
    if (ra < 0)
        ra = 0;
    if (ra > BACKOFF_RETRY_AFTER_MAX_MS)
        ra = BACKOFF_RETRY_AFTER_MAX_MS;
    int64_t d = backoff_delay_ms(attempt, base_ms, cap_ms, rnd);
    return ra > d ? ra : d;
}

int64_t backoff_pending_ms(int64_t waited_ms, int64_t min_ms, int64_t max_ms)
{
    if (waited_ms > max_ms)
        waited_ms = max_ms;
    return waited_ms < min_ms ? min_ms : waited_ms;
}
