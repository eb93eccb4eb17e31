/* SPDX-License-Identifier: MIT */
/*
 * run.c — the dedup path: cache index → memory (flight) → store.
 *
 * Invariant: at most one active run per call_sid. This file never decides
 * that on its own: store_ensure_run inserts under the partial unique
 * index, and a loser of that race reads the winner. The memory layer
 * only answers from what the store said within the last ttl; the Redis
 * gate only turns away requests while another one is creating the run.
 */
#include "run/run.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

struct runs {
    struct store *store;      /* borrowed */
    struct cache *cache;      /* borrowed */
    struct metrics *metrics;  /* borrowed */
    struct gate *gate;        /* borrowed, NULL without --redis */
    struct run_policy policy;
    struct flight *flight;    /* owned */
    run_created_cb on_created;
    void *ctx;
};

#define FLIGHT_TTL_MS 1000

struct runs *runs_new(struct store *st, struct cache *c, struct metrics *m, struct gate *gate,
                      const struct run_policy *policy, run_created_cb on_created, void *ctx)
{
    struct runs *r = xcalloc(1, sizeof(*r));
    r->store = st;
    r->cache = c;
    r->metrics = m;
    r->gate = gate;
    r->policy = *policy;
    r->flight = flight_new(FLIGHT_TTL_MS);
    r->on_created = on_created;
    r->ctx = ctx;
    return r;
}

void runs_free(struct runs *r)
{
    if (!r)
        return;
    flight_free(r->flight);
    free(r);
}

struct flight *runs_flight(struct runs *r)
{
    return r->flight;
}

static void flight_from_run(const struct store_run *run, struct flight_info *fi)
{
    fi->run_id = run->id;
    fi->status = run->status;
    fi->attempt = run->attempt;
    fi->bytes_done = run->bytes_done;
    fi->bytes_total = run->bytes_total;
    fi->pending = run->pending_since != 0 && run->bytes_done == 0;
}

void run_entry_from_recording(const struct store_recording *rec, struct cache_entry *e)
{
    memset(e, 0, sizeof(*e));
    recd_strlcpy(e->call_sid, rec->call_sid, sizeof(e->call_sid));
    recd_strlcpy(e->rel_path, rec->cache_path, sizeof(e->rel_path));
    recd_strlcpy(e->format, rec->format, sizeof(e->format));
    recd_strlcpy(e->sha256, rec->sha256, sizeof(e->sha256));
    e->size = rec->size_bytes;
    e->mtime_ms = rec->ready_at;
    e->last_played_ms = rec->last_played_at;
}

static void answer_active(struct runs *r, const char *call_sid, const struct ensure_result *er,
                          struct run_view *out)
{
    flight_from_run(&er->run, &out->run);
    flight_resolved(r->flight, call_sid, &out->run);
    out->answer = ANSWER_ACTIVE;
    if (er->outcome == ENSURE_CREATED) {
        out->layer = DEDUP_NONE;
        metrics_run_created(r->metrics);
        log_event(LOG_INFO, "RUN_ENQUEUE", LF_S("call_sid", call_sid), LF_I("run_id", er->run.id));
        if (r->on_created)
            r->on_created(r->ctx);
    } else {
        out->layer = DEDUP_DB;
        metrics_dedup(r->metrics, DEDUP_DB);
        log_event(LOG_INFO, "RUN_DEDUP", LF_S("call_sid", call_sid), LF_S("layer", "db"),
                  LF_I("run_id", er->run.id));
    }
}

static void answer_final(struct runs *r, const char *call_sid, const struct ensure_result *er,
                         int64_t now, struct run_view *out)
{
    flight_resolved(r->flight, call_sid, NULL);
    recd_strlcpy(out->error_code, er->rec.error_code, sizeof(out->error_code));
    recd_strlcpy(out->error_message, er->rec.error_message, sizeof(out->error_message));
    switch (er->outcome) {
    case ENSURE_READY:
        out->answer = ANSWER_READY;
        run_entry_from_recording(&er->rec, &out->entry);
        cache_index_put(r->cache, &out->entry);
        break;
    case ENSURE_MISSING:
        out->answer = ANSWER_MISSING;
        break;
    default:
        out->answer = ANSWER_FAILED;
        out->retry_after_ms = er->rec.error_at + r->policy.failure_cooldown_ms - now;
        if (out->retry_after_ms < 1000)
            out->retry_after_ms = 1000;
        break;
    }
}

/* Layer 5: another request (on any server) holds the call's lock, so a
 * run is being created or is active; answer 202 without the store. The
 * memory entry keeps this process from asking Redis again for a second. */
static void answer_gate_held(struct runs *r, const char *call_sid, struct run_view *out)
{
    out->run = (struct flight_info){ .status = RUN_QUEUED };
    flight_resolved(r->flight, call_sid, &out->run);
    out->answer = ANSWER_ACTIVE;
    out->layer = DEDUP_REDIS;
    metrics_dedup(r->metrics, DEDUP_REDIS);
    log_event(LOG_DEBUG, "RUN_DEDUP", LF_S("call_sid", call_sid), LF_S("layer", "redis"));
}

recd_err run_ensure(struct runs *r, const char *call_sid, struct run_view *out)
{
    memset(out, 0, sizeof(*out));
    if (flight_begin(r->flight, call_sid, &out->run)) {
        out->answer = ANSWER_ACTIVE;
        out->layer = DEDUP_MEMORY;
        metrics_dedup(r->metrics, DEDUP_MEMORY);
        log_event(LOG_DEBUG, "RUN_DEDUP", LF_S("call_sid", call_sid), LF_S("layer", "memory"),
                  LF_I("run_id", out->run.run_id));
        return RECD_OK;
    }
    enum gate_result gate = r->gate ? gate_acquire(r->gate, call_sid) : GATE_ERROR;
    if (gate == GATE_HELD) {
        answer_gate_held(r, call_sid, out);
        return RECD_OK;
    }
    bool gated = gate == GATE_ACQUIRED;
    struct ensure_result *er = xmalloc(sizeof(*er)); /* ~5 KiB: keep it off small stacks */
    struct ensure_policy pol = {
        .now = clock_now_ms(),
        .negative_ttl_ms = r->policy.negative_ttl_ms,
        .failure_cooldown_ms = r->policy.failure_cooldown_ms,
        .max_attempts = r->policy.max_attempts,
    };
    recd_err rc = store_ensure_run(r->store, call_sid, &pol, er);
    if (rc != RECD_OK) {
        flight_resolved(r->flight, call_sid, NULL);
        log_event(LOG_ERROR, "STORE_ERROR", LF_S("call_sid", call_sid), LF_S("op", "ensure_run"),
                  LF_S("error", recd_strerror(rc)));
    } else if (er->outcome == ENSURE_ACTIVE || er->outcome == ENSURE_CREATED) {
        answer_active(r, call_sid, er, out);
    } else {
        answer_final(r, call_sid, er, pol.now, out);
    }
    if (gated && (rc != RECD_OK || out->answer != ANSWER_ACTIVE))
        gate_release(r->gate, call_sid); /* no run to guard */
    free(er);
    return rc;
}

bool run_pending(struct runs *r, const char *call_sid, bool thorough)
{
    struct cache_entry e;
    if (cache_index_get(r->cache, call_sid, &e))
        return false;
    bool fresh = false;
    bool active = flight_peek(r->flight, call_sid, NULL, &fresh);
    if (!thorough || fresh)
        return active;
    /* Stale or unknown here: the run may have ended in another process. */
    struct store_recording *rec = xmalloc(sizeof(*rec));
    bool pending = store_get_recording(r->store, call_sid, rec) == RECD_OK &&
                   (rec->state == REC_QUEUED || rec->state == REC_RUNNING);
    free(rec);
    if (pending)
        flight_touch(r->flight, call_sid);
    return pending;
}

void run_progress(struct runs *r, const char *call_sid, const struct flight_info *info)
{
    flight_update(r->flight, call_sid, info);
}

void run_ended(struct runs *r, const char *call_sid)
{
    flight_forget(r->flight, call_sid);
    if (r->gate)
        gate_release(r->gate, call_sid);
}

recd_err run_provider_event(struct runs *r, const struct store_event *ev,
                            struct store_event_result *out)
{
    recd_err rc = store_apply_event(r->store, ev, clock_now_ms(), out);
    if (rc != RECD_OK)
        return rc;
    if (out->retired)
        cache_retire(r->cache, ev->call_sid, out->retired_path);
    /* What memory believed (active, pending) may be stale now: ask the store. */
    flight_forget(r->flight, ev->call_sid);
    if (out->ended_run && r->gate)
        gate_release(r->gate, ev->call_sid);
    if (out->woke_run && r->on_created)
        r->on_created(r->ctx);
    log_event(LOG_INFO, "PROVIDER_EVENT", LF_S("call_sid", ev->call_sid),
              LF_S("status", ev->kind == STORE_EVENT_COMPLETED ? "completed" : "absent"),
              LF_S("recording_sid", ev->recording_sid), LF_I("cleared", out->cleared),
              LF_I("woke_run", out->woke_run), LF_I("ended_run", out->ended_run),
              LF_I("retired", out->retired));
    return RECD_OK;
}
