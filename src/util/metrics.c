/* SPDX-License-Identifier: MIT */
/*
 * metrics.c — counters behind metrics.h. Status codes are kept in a
 * dense array per route (100..599) so counting is one atomic add.
 */
#include "util/metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE_MIN 100
#define CODE_SLOTS 500 /* 100..599 */

static const double fetch_buckets[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120 };
#define NBUCKETS RECD_ARRAY_LEN(fetch_buckets)

struct metrics {
    atomic_llong http[ROUTE_COUNT_][CODE_SLOTS];
    atomic_llong runs_created;
    atomic_llong dedup[DEDUP_COUNT_];
    atomic_llong upstream[CODE_SLOTS + 1]; /* last slot: no response */
    atomic_llong fetch_bucket[NBUCKETS + 1];
    atomic_llong fetch_count;
    atomic_llong fetch_millis_sum;
    atomic_llong fetch_bytes;
};

static const char *route_names[ROUTE_COUNT_] = {
    "stream", "api_recordings", "api_recording", "api_fetch", "api_runs", "api_peaks", "webhook",
    "healthz", "readyz", "metrics", "static", "other",
};

const char *metrics_route_name(enum metrics_route r)
{
    return r < ROUTE_COUNT_ ? route_names[r] : "other";
}

const char *dedup_layer_name(enum dedup_layer l)
{
    static const char *names[DEDUP_COUNT_] = { "none", "memory", "db", "redis" };
    return l < DEDUP_COUNT_ ? names[l] : "none";
}

struct metrics *metrics_new(void)
{
    return xcalloc(1, sizeof(struct metrics));
}

void metrics_free(struct metrics *m)
{
    free(m);
}

static unsigned code_slot(unsigned code)
{
    return (code >= CODE_MIN && code < CODE_MIN + CODE_SLOTS) ? code - CODE_MIN : CODE_SLOTS;
}

void metrics_http(struct metrics *m, enum metrics_route route, unsigned code)
{
    unsigned slot = code_slot(code);
    if (route < ROUTE_COUNT_ && slot < CODE_SLOTS)
        atomic_fetch_add_explicit(&m->http[route][slot], 1, memory_order_relaxed);
}

void metrics_run_created(struct metrics *m)
{
    atomic_fetch_add_explicit(&m->runs_created, 1, memory_order_relaxed);
}

void metrics_dedup(struct metrics *m, enum dedup_layer layer)
{
    if (layer < DEDUP_COUNT_)
        atomic_fetch_add_explicit(&m->dedup[layer], 1, memory_order_relaxed);
}

void metrics_upstream(struct metrics *m, unsigned code)
{
    atomic_fetch_add_explicit(&m->upstream[code_slot(code)], 1, memory_order_relaxed);
}

void metrics_fetch_done(struct metrics *m, double seconds, int64_t bytes)
{
    size_t b = 0;
    while (b < NBUCKETS && seconds > fetch_buckets[b])
        b++;
    atomic_fetch_add_explicit(&m->fetch_bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->fetch_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->fetch_millis_sum, (long long)(seconds * 1000), memory_order_relaxed);
    atomic_fetch_add_explicit(&m->fetch_bytes, bytes, memory_order_relaxed);
}

struct text {
    char *buf;
    size_t len, cap;
};

static void appendf(struct text *t, const char *fmt, ...) RECD_PRINTF(2, 3);


static void appendf(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap *= 2;
        t->buf = xrealloc(t->buf, t->cap);
    }
}

static long long get(atomic_llong *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static void render_http(struct metrics *m, struct text *t)
{
    appendf(t, "# HELP recd_http_requests_total HTTP responses by route and status code.\n"
               "# TYPE recd_http_requests_total counter\n");
    for (int r = 0; r < ROUTE_COUNT_; r++)
        for (unsigned c = 0; c < CODE_SLOTS; c++)
            if (get(&m->http[r][c]))
                appendf(t, "recd_http_requests_total{route=\"%s\",code=\"%u\"} %lld\n",
                        route_names[r], c + CODE_MIN, get(&m->http[r][c]));
}

static void render_runs(struct metrics *m, const struct metrics_gauges *g, struct text *t)
{
    static const char *status[4] = { "queued", "running", "completed", "failed" };
    appendf(t, "# HELP recd_runs_created_total Runs inserted by this process.\n"
               "# TYPE recd_runs_created_total counter\nrecd_runs_created_total %lld\n",
            get(&m->runs_created));
    appendf(t, "# HELP recd_dedup_total Requests that found an existing run, by the layer that saw it.\n"
               "# TYPE recd_dedup_total counter\n");
    for (int l = DEDUP_MEMORY; l < DEDUP_COUNT_; l++)
        appendf(t, "recd_dedup_total{layer=\"%s\"} %lld\n", dedup_layer_name((enum dedup_layer)l),
                get(&m->dedup[l]));
    appendf(t, "# HELP recd_runs Runs in the store by status.\n# TYPE recd_runs gauge\n");
    for (int s = 0; s < 4; s++)
        appendf(t, "recd_runs{status=\"%s\"} %lld\n", status[s], (long long)g->runs[s]);
}

static void render_fetch(struct metrics *m, struct text *t)
{
    appendf(t, "# HELP recd_upstream_requests_total Provider responses by status (0 = none).\n"
               "# TYPE recd_upstream_requests_total counter\n");
    for (unsigned c = 0; c <= CODE_SLOTS; c++)
        if (get(&m->upstream[c]))
            appendf(t, "recd_upstream_requests_total{code=\"%u\"} %lld\n",
                    c == CODE_SLOTS ? 0 : c + CODE_MIN, get(&m->upstream[c]));
    appendf(t, "# HELP recd_fetch_seconds Time to download one recording.\n"
               "# TYPE recd_fetch_seconds histogram\n");
    long long cumulative = 0;
    for (size_t b = 0; b < NBUCKETS; b++) {
        cumulative += get(&m->fetch_bucket[b]);
        appendf(t, "recd_fetch_seconds_bucket{le=\"%g\"} %lld\n", fetch_buckets[b], cumulative);
    }
    cumulative += get(&m->fetch_bucket[NBUCKETS]);
    appendf(t, "recd_fetch_seconds_bucket{le=\"+Inf\"} %lld\n", cumulative);
    appendf(t, "recd_fetch_seconds_sum %.3f\nrecd_fetch_seconds_count %lld\n",
            (double)get(&m->fetch_millis_sum) / 1000.0, get(&m->fetch_count));
    appendf(t, "# HELP recd_fetch_bytes_total Bytes downloaded from the provider.\n"
               "# TYPE recd_fetch_bytes_total counter\nrecd_fetch_bytes_total %lld\n",
            get(&m->fetch_bytes));
}

char *metrics_render_dup(struct metrics *m, const struct metrics_gauges *g)
{
    struct text t = { .buf = xmalloc(8192), .len = 0, .cap = 8192 };
    t.buf[0] = '\0';
    render_http(m, &t);
    render_runs(m, g, &t);
    render_fetch(m, &t);
    appendf(&t, "# HELP recd_cache_bytes Bytes of recordings in the disk cache.\n"
                "# TYPE recd_cache_bytes gauge\nrecd_cache_bytes %lld\n",
            (long long)g->cache_bytes);
    appendf(&t, "# HELP recd_held_requests Requests held open waiting for a recording.\n"
                "# TYPE recd_held_requests gauge\nrecd_held_requests %lld\n",
            (long long)g->held_requests);
    return t.buf;
}
