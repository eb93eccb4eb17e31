/* SPDX-License-Identifier: MIT */
/*
 * worker.h — the download workers and the lease reaper. A worker claims a
 * queued run with a lease, renews it while downloading, and ends the run
 * as completed, queued-for-retry (backoff), pending (the provider is still
 * processing the recording: queued again without spending the attempt,
 * re-checked on a schedule of its own) or failed. The reaper returns
 * runs whose lease expired (worker killed) to the queue.
 * Threads: the pool owns its threads; worker_pool_notify may be called
 * from any thread. Workers never touch HTTP state: they report a run's
 * end through on_ended, and the server decides what to wake.
 */
#ifndef RECD_WORKER_WORKER_H
#define RECD_WORKER_WORKER_H

#include "common.h"
#include "cache/cache.h"
#include "provider/provider.h"
#include "run/flight.h"
#include "store/store.h"
#include "util/metrics.h"

typedef void (*worker_ended_cb)(const char *call_sid, void *ctx);
typedef void (*worker_progress_cb)(const char *call_sid, const struct flight_info *info, void *ctx);

struct worker_settings {
    int workers;             /* threads; 0 = reaper only */
    int64_t lease_ms;
    int max_attempts;
    int64_t backoff_base_ms, backoff_max_ms;
    int64_t pending_timeout_ms;  /* stop waiting for the provider's processing after this */
    int64_t pending_min_ms, pending_max_ms; /* its re-check schedule; 0: 2 s and 30 s */
};

struct live;

struct worker_deps {
    struct store *store;       /* borrowed, all below too */
    struct cache *cache;
    struct provider *provider; /* used when live is NULL */
    struct live *live;         /* if set, each download uses the provider of the
                                  settings generation current when it starts */
    struct metrics *metrics;
    worker_progress_cb on_progress;
    worker_ended_cb on_ended;
    void *ctx;
};

struct worker_pool;

/** Start the workers and the reaper. Caller stops and frees with worker_pool_stop(). */
struct worker_pool *worker_pool_start(const struct worker_settings *s, const struct worker_deps *d);
/** New work may be queued: wake an idle worker now rather than at its next poll. */
void worker_pool_notify(struct worker_pool *p);
/** Stop: downloads in progress are cut and their runs handed back to the
 *  queue without spending an attempt (store_release); threads joined. */
void worker_pool_stop(struct worker_pool *p);

#endif
