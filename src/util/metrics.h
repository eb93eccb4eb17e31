/* SPDX-License-Identifier: MIT */
/*
 * metrics.h — the process's counters, as lock-free atomics, rendered in
 * Prometheus text format. Gauges that belong to other modules (runs by
 * status, cache bytes, held requests) are passed in at render time.
 * Thread-safe: every counter is an atomic; any thread may add.
 */
#ifndef RECD_UTIL_METRICS_H
#define RECD_UTIL_METRICS_H

#include "common.h"

enum metrics_route {
    ROUTE_STREAM = 0,
    ROUTE_API_RECORDINGS,
    ROUTE_API_RECORDING,
    ROUTE_API_FETCH,
    ROUTE_API_RUNS,
    ROUTE_API_PEAKS,
    ROUTE_WEBHOOK,
    ROUTE_HEALTHZ,
    ROUTE_READYZ,
    ROUTE_METRICS,
    ROUTE_STATIC,
    ROUTE_OTHER,
    ROUTE_COUNT_
};

enum dedup_layer { DEDUP_NONE = 0, DEDUP_MEMORY, DEDUP_DB, DEDUP_REDIS, DEDUP_COUNT_ };

const char *metrics_route_name(enum metrics_route r);
const char *dedup_layer_name(enum dedup_layer l); /* "memory" | "db" | "redis" */

struct metrics;

/** Caller frees with metrics_free(). */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

void metrics_http(struct metrics *m, enum metrics_route route, unsigned code);
void metrics_run_created(struct metrics *m);
void metrics_dedup(struct metrics *m, enum dedup_layer layer);
/** code: the provider's HTTP status, or 0 when no response was received. */
void metrics_upstream(struct metrics *m, unsigned code);
void metrics_fetch_done(struct metrics *m, double seconds, int64_t bytes);

struct metrics_gauges {
    int64_t runs[4];        /* by enum run_status */
    int64_t cache_bytes;
    int64_t held_requests;
};

/** Render everything; returns a malloc'd NUL-terminated text the caller frees. */
char *metrics_render_dup(struct metrics *m, const struct metrics_gauges *g);

#endif
