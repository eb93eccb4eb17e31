/* SPDX-License-Identifier: MIT */
/*
 * request.h — what the HTTP modules share: the server's borrowed
 * services (struct http_ctx, read-only after start; what SIGHUP may
 * change is reached through live.h) and the per-request
 * context hung on libmicrohttpd's con_cls pointer, freed in the
 * request-completed callback (STYLE §12). Private to src/http/.
 */
#ifndef RECD_HTTP_REQUEST_H
#define RECD_HTTP_REQUEST_H

#include "common.h"
#include "config.h"
#include "cache/cache.h"
#include "http/auth.h"
#include "live.h"
#include "run/run.h"
#include "run/waiters.h"
#include "store/store.h"
#include "util/metrics.h"

#include <microhttpd.h>

struct filecache;

struct http_ctx {
    const struct config *cfg;
    struct store *store;
    struct cache *cache;
    struct runs *runs;
    struct waiters *waiters;
    struct metrics *metrics;
    struct live *live;         /* settings SIGHUP may change: use request->live */
    struct filecache *files;   /* owned by the http server */
};

struct request {
    /* the settings generation this request started with (auth, limits),
     * held until it completes; live->auth is never NULL */
    const struct live_settings *live;
    bool started;              /* the access handler has seen it */
    char *target;              /* /webhooks/… only: the request target as received */
    enum metrics_route route;
    bool head;
    /* POST bodies, bounded by cfg->max_body_bytes */
    char *body;
    size_t body_len;
    bool body_too_big;
    /* /stream state across suspend/resume */
    bool stream_started;
    char call_sid[RECD_SID_MAX + 1];
    int wait_applied_s;        /* -1: no wait preference */
    int64_t hold_deadline;     /* monotonic ms; 0 = don't hold */
    struct waiter waiter;
};

#endif
