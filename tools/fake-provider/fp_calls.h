/* SPDX-License-Identifier: MIT */
/*
 * fp_calls — what the fake remembers about each call for its Twilio
 * behaviours: when the call was first seen (its recordings stay
 * "processing" for processing_s seconds after that), its generation (a
 * re-recorded call lists a new newest recording, with another sid and other
 * audio), and counters for the storage host and the callbacks sent.
 * Invariant: everything here changes under one mutex; a call never seen
 * is generation 0 and not processing. Threading: any thread.
 */
#ifndef FP_CALLS_H
#define FP_CALLS_H

#include <stdbool.h>
#include <stddef.h>

#include "fp_audio.h"
#include "fp_buf.h"
#include "fp_knobs.h"

void fp_calls_init(void);
void fp_calls_cleanup(void);

/** Note that call_sid was asked about (listing, media, /_expected); the
 *  first time starts its processing clock and returns true. */
bool fp_calls_seen(const char *call_sid);
/** True while call_sid's recordings are still "processing": less than
 *  processing_s seconds since it was first seen. Milliseconds left in *pleft. */
bool fp_calls_processing(const char *call_sid, long long processing_s, long long *pleft);
/** The sid of recording index of call_sid in its current generation (also
 *  registered with fp_state, so the media endpoints know it). */
void fp_calls_recording_sid(const char *call_sid, int index, char psid[FP_RECORDING_SID_LEN + 1]);
/** Re-record call_sid: its generation goes up by one; returns the new one. */
int fp_calls_rerecord(const char *call_sid);

/* Counters for GET /_twilio (zeroed by /_reset). */
void fp_calls_count_storage(bool with_credentials);
void fp_calls_count_callback(int http_status);
/** Append {"storage_requests","storage_auth_requests","callbacks_sent",
 *  "callbacks_failed","last_callback_status"} to b. */
void fp_calls_json(struct fp_buf *b);
void fp_calls_reset_counters(void);

#endif
