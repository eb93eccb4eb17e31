/* SPDX-License-Identifier: MIT */
/*
 * run.h — the dedup path. run_ensure() answers, for one call_sid, "serve
 * the file", "a run is active (and which layer knew)", "not found" or
 * "failed", creating the run when there is none.
 *
 * Invariant: at most one active run per call_sid. The store's partial
 * unique index guarantees it; the memory layer (flight) only saves the
 * store from bursts, and the optional Redis gate (layer 5) only saves it
 * from herds spread over many servers.
 * Threads: every function is safe from any thread.
 */
#ifndef RECD_RUN_RUN_H
#define RECD_RUN_RUN_H

#include "common.h"
#include "cache/cache.h"
#include "gate/redis.h"
#include "run/flight.h"
#include "store/store.h"
#include "util/metrics.h"

enum run_answer {
    ANSWER_READY = 0, /* entry valid: serve it */
    ANSWER_ACTIVE,    /* run valid: 202 */
    ANSWER_MISSING,   /* 404 recording_not_found */
    ANSWER_FAILED,    /* 502 upstream_failed */
};

struct run_view {
    enum run_answer answer;
    enum dedup_layer layer;   /* DEDUP_NONE when this call created the run */
    struct flight_info run;   /* ANSWER_ACTIVE */
    struct cache_entry entry; /* ANSWER_READY */
    int64_t retry_after_ms;   /* ANSWER_FAILED: cool-down left */
    char error_code[32];      /* ANSWER_MISSING / ANSWER_FAILED: the stored reason */
    char error_message[256];  /* ANSWER_MISSING / ANSWER_FAILED */
};

/* Called after a run was created, so local workers look at once. */
typedef void (*run_created_cb)(void *ctx);

struct run_policy {
    int64_t negative_ttl_ms;
    int64_t failure_cooldown_ms;
    int max_attempts;
};

struct runs;

/** Borrows store, cache, metrics and gate (NULL = no Redis) for its
 *  lifetime. Caller frees with runs_free(). */
struct runs *runs_new(struct store *st, struct cache *c, struct metrics *m, struct gate *gate,
                      const struct run_policy *policy, run_created_cb on_created, void *ctx);
void runs_free(struct runs *r);

/** The dedup path (see the file comment). RECD_ESTORE if the store failed. */
RECD_MUSTCHECK recd_err run_ensure(struct runs *r, const char *call_sid, struct run_view *out);

/** Cheap check used while holding requests: true if call_sid is not
 *  ready and a run is still believed active. thorough = may ask the store. */
bool run_pending(struct runs *r, const char *call_sid, bool thorough);

/** A local worker's progress; keeps the memory layer fresh for 202 bodies. */
void run_progress(struct runs *r, const char *call_sid, const struct flight_info *info);

/** A run ended (worker side): forget it in memory and release the gate.
 *  The caller then wakes waiters. */
void run_ended(struct runs *r, const char *call_sid);

/** A verified provider callback (SPEC §3, "The provider's own word wins"):
 *  store_apply_event, then what this process remembered follows: the
 *  memory layer forgets the call, a retired file is deleted (and its index
 *  entry dropped), an ended run's gate is released and local workers are
 *  woken for a run made due. The caller wakes held requests and drops its
 *  own caches of the file. RECD_EINVAL for a bad event, RECD_ESTORE. */
RECD_MUSTCHECK recd_err run_provider_event(struct runs *r, const struct store_event *ev,
                                           struct store_event_result *out);

struct flight *runs_flight(struct runs *r);

/** The cache index entry for a ready recording row. */
void run_entry_from_recording(const struct store_recording *rec, struct cache_entry *e);

#endif
