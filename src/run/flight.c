/* SPDX-License-Identifier: MIT */
/*
 * flight.c — the in-process single-flight table. One mutex guards the map
 * and every entry in it; the condition variable signals "a resolve ended".
 */
#include "run/flight.h"
#include "util/clock.h"
#include "util/strmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct entry {
    struct flight_info info;
    bool active;          /* info describes an active run */
    bool resolving;       /* one thread is asking the store right now */
    int64_t fresh_until;  /* monotonic ms */
};

struct flight {
    pthread_mutex_t lock; /* guards map and all entries */
    pthread_cond_t resolved;
    struct strmap *map;   /* call_sid -> struct entry* */
    int64_t ttl_ms;
};

struct flight *flight_new(int64_t ttl_ms)
{
    struct flight *f = xcalloc(1, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    clock_cond_init(&f->resolved);
    f->map = strmap_new();
    f->ttl_ms = ttl_ms;
    return f;
}

static bool free_entry(const char *key, void *value, void *ctx)
{
    (void)key;
    (void)ctx;
    free(value);
    return true;
}

void flight_free(struct flight *f)
{
    if (!f)
        return;
    strmap_foreach(f->map, free_entry, NULL);
    strmap_free(f->map);
    pthread_cond_destroy(&f->resolved);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

#define RESOLVE_WAIT_MS 2000

bool flight_begin(struct flight *f, const char *call_sid, struct flight_info *out)
{
    /* Bounded: a resolver stuck on a slow store must not hang requests. */
    struct timespec deadline = clock_deadline(RESOLVE_WAIT_MS);
    bool hit = false, waited = false, timed_out = false;
    pthread_mutex_lock(&f->lock);
    struct entry *e = strmap_get(f->map, call_sid);
    /* The condition is shared by all call_sids: re-check ours after each wake. */
    while (e && e->resolving && !timed_out) {
        timed_out = pthread_cond_timedwait(&f->resolved, &f->lock, &deadline) != 0;
        waited = true;
        e = strmap_get(f->map, call_sid);
    }
    if (e && e->active && !e->resolving && clock_mono_ms() < e->fresh_until) {
        *out = e->info;
        hit = true;
    } else if (!waited) {
        if (!e) {
            e = xcalloc(1, sizeof(*e));
            strmap_put(f->map, call_sid, e);
        }
        e->resolving = true;
    }
    /* else: the resolve we waited for found no active run (or is stuck):
     * ask the store ourselves, alongside the others, without re-marking. */
    pthread_mutex_unlock(&f->lock);
    return hit;
}

static void set_active(struct flight *f, struct entry *e, const struct flight_info *info)
{
    e->info = *info;
    e->active = true;
    e->fresh_until = clock_mono_ms() + f->ttl_ms;
}

void flight_resolved(struct flight *f, const char *call_sid, const struct flight_info *info)
{
    pthread_mutex_lock(&f->lock);
    struct entry *e = strmap_get(f->map, call_sid);
    if (e && info) {
        set_active(f, e, info);
        e->resolving = false;
    } else if (e) {
        free(strmap_remove(f->map, call_sid));
    }
    pthread_cond_broadcast(&f->resolved);
    pthread_mutex_unlock(&f->lock);
}

void flight_update(struct flight *f, const char *call_sid, const struct flight_info *info)
{
    pthread_mutex_lock(&f->lock);
    struct entry *e = strmap_get(f->map, call_sid);
    if (!e) {
        e = xcalloc(1, sizeof(*e));
        strmap_put(f->map, call_sid, e);
    }
    set_active(f, e, info);
    pthread_mutex_unlock(&f->lock);
}

void flight_forget(struct flight *f, const char *call_sid)
{
    pthread_mutex_lock(&f->lock);
    struct entry *e = strmap_get(f->map, call_sid);
    /* A resolver in progress keeps its entry; it will publish its answer. */
    if (e && e->resolving)
        e->active = false;
    else
        free(strmap_remove(f->map, call_sid));
    pthread_mutex_unlock(&f->lock);
}

bool flight_peek(struct flight *f, const char *call_sid, struct flight_info *out, bool *pfresh)
{
    pthread_mutex_lock(&f->lock);
    struct entry *e = strmap_get(f->map, call_sid);
    bool active = e && e->active;
    if (active && out)
        *out = e->info;
    if (pfresh)
        *pfresh = active && clock_mono_ms() < e->fresh_until;
    pthread_mutex_unlock(&f->lock);
    return active;
}

void flight_touch(struct flight *f, const char *call_sid)
{
    pthread_mutex_lock(&f->lock);
    struct entry *e = strmap_get(f->map, call_sid);
    if (e && e->active)
        e->fresh_until = clock_mono_ms() + f->ttl_ms;
    pthread_mutex_unlock(&f->lock);
}
