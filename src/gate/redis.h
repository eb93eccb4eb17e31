/* SPDX-License-Identifier: MIT */
/*
 * redis.h — dedup layer 5 (optional): a Redis lock per call_sid
 * (SET recd:run:<sid> <owner> NX PX 120000) taken before the store is asked
 * to create a run, so a herd spread over many servers reaches the store
 * about once instead of once per server. It sheds load only: the store's
 * unique index still decides; when Redis is unreachable the gate reports
 * GATE_ERROR and callers go straight to the store.
 * Threads: safe from any thread (one connection behind a mutex).
 */
#ifndef RECD_GATE_REDIS_H
#define RECD_GATE_REDIS_H

#include "common.h"

enum gate_result {
    GATE_ACQUIRED = 0, /* we hold the lock: go ahead and ask the store */
    GATE_HELD,         /* another request (any server) holds it: a run is being made */
    GATE_ERROR,        /* Redis failed: ignore the gate */
};

#define GATE_TTL_MS 120000

struct gate;

/** Parse "redis://HOST:PORT[/DB]" and connect lazily. NULL + reason on a bad
 *  URL. Caller frees with gate_free(). */
struct gate *gate_new(const char *url, const char *owner, char *err, size_t errlen);
void gate_free(struct gate *g); /* accepts NULL */

enum gate_result gate_acquire(struct gate *g, const char *call_sid);
/** The run ended (or was never needed): drop the lock. */
void gate_release(struct gate *g, const char *call_sid);

#endif
