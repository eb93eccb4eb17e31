/* SPDX-License-Identifier: MIT */
/*
 * flight.h — dedup layer "memory": this process's knowledge of active
 * runs, so a burst of requests for one call_sid asks the store about once.
 * An entry is trusted for ttl_ms (another process may finish the run);
 * while one thread resolves a call_sid with the store, the others wait
 * for its answer instead of asking too. Thread-safe (one mutex).
 */
#ifndef RECD_RUN_FLIGHT_H
#define RECD_RUN_FLIGHT_H

#include "common.h"
#include "store/store.h"

struct flight_info {
    int64_t run_id;
    enum run_status status;   /* RUN_QUEUED | RUN_RUNNING */
    int attempt;
    int64_t bytes_done, bytes_total;
    bool pending;             /* the provider is still processing the recording */
};

struct flight;

/** Caller frees with flight_free(). */
struct flight *flight_new(int64_t ttl_ms);
void flight_free(struct flight *f);

/** true: a fresh active entry was copied into out (a memory-layer hit).
 *  While another thread resolves call_sid, waits (up to 2 s) for its answer.
 *  false: the caller must resolve with the store and then call
 *  flight_resolved() exactly once for this call_sid. */
bool flight_begin(struct flight *f, const char *call_sid, struct flight_info *out);

/** Publish the store's answer: info = the active run, or NULL if none. */
void flight_resolved(struct flight *f, const char *call_sid, const struct flight_info *info);

/** A local worker's progress on a run (inserts or refreshes the entry). */
void flight_update(struct flight *f, const char *call_sid, const struct flight_info *info);

/** The run ended (completed or failed): drop the entry. */
void flight_forget(struct flight *f, const char *call_sid);

/** true if an active entry exists; copies it when out != NULL and sets
 *  *pfresh (when non-NULL) to whether it is still within its TTL. */
bool flight_peek(struct flight *f, const char *call_sid, struct flight_info *out, bool *pfresh);

/** Extend an existing active entry's TTL (the store confirmed it). */
void flight_touch(struct flight *f, const char *call_sid);

#endif
