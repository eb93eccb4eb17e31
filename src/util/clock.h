/* SPDX-License-Identifier: MIT */
/* clock.h — wall and monotonic time in milliseconds. Thread-safe. */
#ifndef RECD_UTIL_CLOCK_H
#define RECD_UTIL_CLOCK_H

#include <stdint.h>
#include <stddef.h>

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

#endif
