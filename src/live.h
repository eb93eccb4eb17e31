/* SPDX-License-Identifier: MIT */
/*
 * live.h — the settings SIGHUP may change, kept apart from the read-only
 * struct config: users and tokens (a whole struct auth), the link secret
 * inside it, provider credentials (a whole struct provider), and limits.
 * Each generation is an immutable snapshot. A reload builds the next one
 * completely, then publishes it by swapping one pointer; readers hold a
 * reference for as long as they use it (an HTTP request from its first
 * byte to its completion, a worker for one download), and the last
 * reference frees it: RCU with reference counts, so nothing is freed
 * under a reader and no reader ever sees half a reload.
 * Threads: live_acquire/live_release from any thread; live_publish from
 * one thread at a time (the main thread's signal loop).
 */
#ifndef RECD_LIVE_H
#define RECD_LIVE_H

#include "common.h"

struct auth;
struct provider;

/* One generation. Read-only once published. */
struct live_settings {
    struct auth *auth;         /* owned; NULL only where no HTTP runs */
    struct provider *provider; /* owned; NULL where nothing is downloaded */
    char *twilio_auth_token;   /* owned copy: webhook signatures; may be NULL */
    int max_wait_s;            /* cap on Prefer: wait */
    int connection_timeout_s;  /* idle / slow client, applied to new connections */
    int64_t max_body_bytes;    /* POST bodies */
    uint64_t generation;       /* 1 for the start-up settings, +1 per reload */
};

struct live;

/** An empty cell; publish the first settings before any reader starts.
 *  Caller frees with live_free() once every reader is gone. */
struct live *live_new(void);
void live_free(struct live *l);

/** Make next the current generation: takes ownership of its members
 *  (next is zeroed). The previous one is freed when its last reader lets go. */
void live_publish(struct live *l, struct live_settings *next);

/** The current generation, borrowed until live_release(); never NULL
 *  after the first live_publish(). */
const struct live_settings *live_acquire(struct live *l);
/** Let go of s (NULL is ignored). */
void live_release(struct live *l, const struct live_settings *s);

#endif
