/* SPDX-License-Identifier: MIT */
/*
 * fp_state — everything the fake provider remembers: the live knobs, the
 * request counters (global and per call_sid), and the registry mapping each
 * recording sid it has handed out to its call_sid, index and attempt count.
 * Invariant: all of it changes only under one mutex, so /_stats is a
 * consistent snapshot. Threading: every function is callable from any thread
 * between fp_state_init() and fp_state_cleanup().
 */
#ifndef FP_STATE_H
#define FP_STATE_H

#include <stdbool.h>

#include "fp_audio.h"
#include "fp_knobs.h"

/** Start with these knobs and zero counters; call once before any thread. */
void fp_state_init(const struct fp_knobs *initial);
/** Free every table; no other fp_state call may run concurrently or later. */
void fp_state_cleanup(void);

/** Copy the live knobs into *pk (a consistent snapshot). */
void fp_state_knobs(struct fp_knobs *pk);
/** Replace the live knobs with *k (already validated by fp_knobs_set). */
void fp_state_set_knobs(const struct fp_knobs *k);

/** Count one listing request, globally and for call_sid (NULL: global only). */
void fp_state_count_listing(const char *call_sid);
/** Count one media request, globally and for call_sid (NULL: global only). */
void fp_state_count_media(const char *call_sid);
/** Count one complete media download for call_sid (NULL: global only). */
void fp_state_count_ok(const char *call_sid);

/** Remember that recording_sid is recording index of call_sid (idempotent). */
void fp_state_register(const char *recording_sid, const char *call_sid, int index);
/** Look a recording sid up; true and the owner in pcall_sid/pindex if known. */
bool fp_state_lookup(const char *recording_sid, char pcall_sid[FP_SID_MAX + 1],
		     int *pindex);
/** Return how many authorised media requests recording_sid had before this
 *  one (0 for the first) and count this one; drives fail_first/rate_limit_first. */
long long fp_state_next_attempt(const char *recording_sid);

/** /_stats body: all counters, or only call_sid's object if not NULL.
 *  Caller frees the returned string with free(). */
char *fp_state_stats_json(const char *call_sid, size_t *plen);
/** Zero every counter and attempt count; the sid registry is kept. */
void fp_state_reset(void);

#endif
