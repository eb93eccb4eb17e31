/* SPDX-License-Identifier: MIT */
/*
 * waiters.c — the held-request table and its timer thread.
 * Lock order: waiters lock, then libmicrohttpd's internal locks (taken
 * by MHD_suspend_connection / MHD_resume_connection). Holding our lock
 * across suspend and resume is what makes "check pending, then hold"
 * atomic with respect to a worker's wake: no wake-up can fall between.
 */
#include "run/waiters.h"
#include "util/clock.h"
#include "util/strmap.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_MS 100

struct waiters {
    pthread_mutex_t lock;   /* guards by_sid, the lists in it, count, stopping */
    pthread_cond_t tick;
    struct strmap *by_sid;  /* call_sid -> struct waiter* (list head) */
    int64_t count;
    bool stopping;
    pthread_t timer;
    waiters_pending_cb pending;
    void *pending_ctx;
    int64_t recheck_ms;
};

static void unlink_waiter(struct waiters *ws, struct waiter *w)
{
    if (w->_prev)
        w->_prev->_next = w->_next;
    else if (w->_next)
        strmap_put(ws->by_sid, w->_call_sid, w->_next);
    else
        strmap_remove(ws->by_sid, w->_call_sid);
    if (w->_next)
        w->_next->_prev = w->_prev;
    w->_prev = w->_next = NULL;
    w->_held = false;
    ws->count--;
}

/* Called with the lock held. */
static void resume_waiter(struct waiters *ws, struct waiter *w)
{
    struct MHD_Connection *conn = w->_conn;
    unlink_waiter(ws, w);
    MHD_resume_connection(conn);
}

static void resume_list(struct waiters *ws, const char *call_sid)
{
    struct waiter *w;
    while ((w = strmap_get(ws->by_sid, call_sid)) != NULL)
        resume_waiter(ws, w);
}

struct sid_list {
    char (*sids)[RECD_SID_MAX + 1];
    size_t n, cap;
};

static bool collect_sid(const char *key, void *value, void *ctx)
{
    (void)value;
    struct sid_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->sids = xrealloc(l->sids, l->cap * sizeof(*l->sids));
    }
    recd_strlcpy(l->sids[l->n++], key, RECD_SID_MAX + 1);
    return true;
}

static void expire_deadlines(struct waiters *ws, const struct sid_list *l, int64_t now)
{
    for (size_t i = 0; i < l->n; i++) {
        struct waiter *w = strmap_get(ws->by_sid, l->sids[i]);
        while (w) {
            struct waiter *next = w->_next;
            if (w->_deadline <= now)
                resume_waiter(ws, w);
            w = next;
        }
    }
}

static void recheck_pending(struct waiters *ws, const struct sid_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (ws->pending(l->sids[i], true, ws->pending_ctx))
            continue;
        pthread_mutex_lock(&ws->lock);
        resume_list(ws, l->sids[i]);
        pthread_mutex_unlock(&ws->lock);
    }
}

static void *timer_main(void *arg)
{
    struct waiters *ws = arg;
    int64_t next_recheck = clock_mono_ms() + ws->recheck_ms;
    struct sid_list l = { 0 };
    pthread_mutex_lock(&ws->lock);
    while (!ws->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&ws->tick, &ws->lock, &ts);
        if (ws->stopping || ws->count == 0)
            continue;
        l.n = 0;
        strmap_foreach(ws->by_sid, collect_sid, &l);
        int64_t now = clock_mono_ms();
        expire_deadlines(ws, &l, now);
        if (now >= next_recheck) {
            next_recheck = now + ws->recheck_ms;
            pthread_mutex_unlock(&ws->lock);
            recheck_pending(ws, &l);
            pthread_mutex_lock(&ws->lock);
        }
    }
    pthread_mutex_unlock(&ws->lock);
    free(l.sids);
    return NULL;
}

struct waiters *waiters_new(waiters_pending_cb pending, void *ctx, int64_t recheck_ms)
{
    struct waiters *ws = xcalloc(1, sizeof(*ws));
    pthread_mutex_init(&ws->lock, NULL);
    pthread_cond_init(&ws->tick, NULL);
    ws->by_sid = strmap_new();
    ws->pending = pending;
    ws->pending_ctx = ctx;
    ws->recheck_ms = recheck_ms;
    if (pthread_create(&ws->timer, NULL, timer_main, ws) != 0)
        RECD_ASSERT(!"cannot start the waiters timer thread");
    return ws;
}

void waiters_free(struct waiters *ws)
{
    if (!ws)
        return;
    pthread_mutex_lock(&ws->lock);
    ws->stopping = true;
    pthread_cond_signal(&ws->tick);
    pthread_mutex_unlock(&ws->lock);
    pthread_join(ws->timer, NULL);
    RECD_ASSERT(ws->count == 0);
    strmap_free(ws->by_sid);
    pthread_cond_destroy(&ws->tick);
    pthread_mutex_destroy(&ws->lock);
    free(ws);
}

bool waiters_hold(struct waiters *ws, struct waiter *w, struct MHD_Connection *conn,
                  const char *call_sid, int64_t deadline_mono)
{
    pthread_mutex_lock(&ws->lock);
    bool held = !ws->stopping && ws->pending(call_sid, false, ws->pending_ctx);
    if (held) {
        w->_conn = conn;
        recd_strlcpy(w->_call_sid, call_sid, sizeof(w->_call_sid));
        w->_deadline = deadline_mono;
        w->_prev = NULL;
        w->_next = strmap_get(ws->by_sid, call_sid);
        if (w->_next)
            w->_next->_prev = w;
        strmap_put(ws->by_sid, call_sid, w);
        w->_held = true;
        ws->count++;
        MHD_suspend_connection(conn);
    }
    pthread_mutex_unlock(&ws->lock);
    return held;
}

void waiters_wake(struct waiters *ws, const char *call_sid)
{
    pthread_mutex_lock(&ws->lock);
    resume_list(ws, call_sid);
    pthread_mutex_unlock(&ws->lock);
}

void waiters_shutdown(struct waiters *ws)
{
    struct sid_list l = { 0 };
    pthread_mutex_lock(&ws->lock);
    ws->stopping = true;
    pthread_cond_signal(&ws->tick);
    strmap_foreach(ws->by_sid, collect_sid, &l);
    for (size_t i = 0; i < l.n; i++)
        resume_list(ws, l.sids[i]);
    pthread_mutex_unlock(&ws->lock);
    free(l.sids);
}

int64_t waiters_count(struct waiters *ws)
{
    pthread_mutex_lock(&ws->lock);
    int64_t n = ws->count;
    pthread_mutex_unlock(&ws->lock);
    return n;
}
