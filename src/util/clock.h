/* SPDX-License-Identifier: MIT */
/* clock.h — wall and monotonic time in milliseconds. Thread-safe. */
#ifndef RECD_UTIL_CLOCK_H
#define RECD_UTIL_CLOCK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Unix epoch milliseconds (what the store keeps). */
int64_t clock_now_ms(void);
/** Monotonic milliseconds, for deadlines and durations. */
int64_t clock_mono_ms(void);
/** Format epoch ms as RFC 3339 UTC ("2026-11-25T09:13:37.123Z"); buf >= 32. */
void clock_format_iso(int64_t ms, char *buf, size_t len);
/** Format epoch ms as an HTTP date (RFC 7231 IMF-fixdate); buf >= 32. */
void clock_format_http(int64_t ms, char *buf, size_t len);
/** Parse an HTTP date; returns epoch ms, or -1 when malformed. */
int64_t clock_parse_http(const char *s);

/** Initialise cond so its timed waits run on the monotonic clock: a step of
 *  the wall clock then neither stalls a waiter nor cuts its wait short.
 *  Pair with clock_deadline(); destroy with pthread_cond_destroy(). */
void clock_cond_init(pthread_cond_t *cond);
/** The absolute monotonic time ms from now, for pthread_cond_timedwait()
 *  on a condition made by clock_cond_init(). */
struct timespec clock_deadline(int64_t ms);

#endif
