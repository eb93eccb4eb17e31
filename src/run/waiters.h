/* SPDX-License-Identifier: MIT */
/*
 * waiters.h — held requests (Prefer: wait). A held request is a suspended
 * libmicrohttpd connection plus a deadline; it costs no thread. It is
 * resumed when its run ends (waiters_wake, from a worker), when its
 * deadline passes, or when a periodic re-check says it is no longer
 * pending; the HTTP side then answers it. The waiter struct is owned by
 * the request and never freed here (STYLE §13).
 * Threads: one mutex guards the table; a timer thread owned by struct
 * waiters handles deadlines and re-checks.
 */
#ifndef RECD_RUN_WAITERS_H
#define RECD_RUN_WAITERS_H

#include "common.h"

struct MHD_Connection;

/** Embedded in the request context. Fields prefixed _ are private. */
struct waiter {
    struct MHD_Connection *_conn;
    char _call_sid[RECD_SID_MAX + 1];
    int64_t _deadline;        /* monotonic ms */
    bool _held;               /* in the table and suspended */
    struct waiter *_prev, *_next;
};

/** Still pending? true keeps the request held. With thorough=false it is
 *  called under the waiters lock and must only look at memory; with
 *  thorough=true (the timer's periodic re-check, no lock held) it may ask
 *  the store, so runs finished by other processes release their waiters. */
typedef bool (*waiters_pending_cb)(const char *call_sid, bool thorough, void *ctx);

struct waiters;

/** Starts the timer thread; recheck_ms: how often pending() is re-asked
 *  for every held call_sid. Caller frees with waiters_free(). */
struct waiters *waiters_new(waiters_pending_cb pending, void *ctx, int64_t recheck_ms);
/** Stops the timer thread and frees; call waiters_shutdown() first. */
void waiters_free(struct waiters *ws);

/** Atomically: if pending(call_sid), suspend conn and hold it until
 *  deadline; returns false (nothing held) if it is no longer pending.
 *  Must be called from the connection's access handler. */
bool waiters_hold(struct waiters *ws, struct waiter *w, struct MHD_Connection *conn,
                  const char *call_sid, int64_t deadline_mono);

/** The run of call_sid ended: resume every request held for it. */
void waiters_wake(struct waiters *ws, const char *call_sid);

/** Shutdown: refuse new holds and resume every held request. */
void waiters_shutdown(struct waiters *ws);

int64_t waiters_count(struct waiters *ws);

#endif
