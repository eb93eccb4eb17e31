/* SPDX-License-Identifier: MIT */
/*
 * live.c — publishing and reference counting of settings snapshots.
 * The cell's mutex guards only the pointer to the current snapshot and the
 * moment a reader takes its reference, so a reload never waits for a
 * reader and a reader waits at most for a pointer swap. The count itself is
 * atomic: the last live_release() frees without the lock.
 */
#include "live.h"
#include "http/auth.h"
#include "provider/provider.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct snapshot {
    _Atomic long refs;      /* the cell's own reference + one per reader */
    struct live_settings s; /* what readers see */
};

struct live {
    pthread_mutex_t mu; /* guards cur */
    struct snapshot *cur;
    uint64_t generation; /* publisher only */
};

static struct snapshot *snapshot_of(const struct live_settings *s)
{
    return (struct snapshot *)(void *)((char *)s - offsetof(struct snapshot, s));
}

static void snapshot_unref(struct snapshot *snap)
{
    if (!snap || atomic_fetch_sub(&snap->refs, 1) != 1)
        return;
    auth_free(snap->s.auth);
    provider_free(snap->s.provider);
    if (snap->s.twilio_auth_token)
        memset(snap->s.twilio_auth_token, 0, strlen(snap->s.twilio_auth_token));
    free(snap->s.twilio_auth_token);
    free(snap);
}

struct live *live_new(void)
{
    struct live *l = xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void live_free(struct live *l)
{
    if (!l)
        return;
    snapshot_unref(l->cur);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void live_publish(struct live *l, struct live_settings *next)
{
    struct snapshot *snap = xcalloc(1, sizeof(*snap));
    atomic_init(&snap->refs, 1);
    snap->s = *next;
    snap->s.generation = ++l->generation;
    memset(next, 0, sizeof(*next));
    pthread_mutex_lock(&l->mu);
    struct snapshot *old = l->cur;
    l->cur = snap;
    pthread_mutex_unlock(&l->mu);
    snapshot_unref(old);
}

const struct live_settings *live_acquire(struct live *l)
{
    pthread_mutex_lock(&l->mu);
    struct snapshot *snap = l->cur;
    RECD_ASSERT(snap);
    atomic_fetch_add(&snap->refs, 1);
    pthread_mutex_unlock(&l->mu);
    return &snap->s;
}

void live_release(struct live *l, const struct live_settings *s)
{
    (void)l;
    if (s)
        snapshot_unref(snapshot_of(s));
}
