/* SPDX-License-Identifier: MIT */
/*
 * backend.h — private to src/store/: the table of functions every store
 * backend fills (redis ConnectionType style). store.c validates arguments,
 * parses cursors and calls visitors; a backend only talks to its database,
 * so it may assume every argument has passed store.c's checks (valid
 * call_sid, owner that fits, limits in range, strings clipped to the
 * struct field sizes).
 *
 * Threads: every function may be called from any thread at the same time;
 * the backend serialises access to its connection(s) itself. Backends never
 * call visitors: list functions fill arrays and store.c calls the visitors
 * after the backend has released its lock, so a visitor may use the store.
 */
#ifndef RECD_STORE_BACKEND_H
#define RECD_STORE_BACKEND_H

#include "store/store.h"

/* Every backend's handle begins with this, so store.c can dispatch on it. */
struct store {
    const struct store_backend *be;
};

/* One page of store_list_recordings, already decoded by store.c. */
struct store_rec_query {
    bool has_state;
    enum rec_state state;
    const char *q;              /* substring of call_sid, NULL or "" for any */
    bool has_after;             /* keyset: rows strictly after this pair */
    int64_t after_created_at;
    const char *after_call_sid;
};

/* One row of the duplicate check. */
struct store_dup {
    char call_sid[RECD_SID_MAX + 1];
    int active_runs;
};

/** The ensure_run decision both backends share: READY, MISSING (within
 *  negative_ttl) or FAILED (within failure_cooldown) from the recordings
 *  row alone; false means "look at the runs". */
bool store_settled(const struct store_recording *rec, const struct ensure_policy *pol,
                   enum ensure_outcome *pout);

/* What store_apply_event does to the rows it read (store_event_plan). */
struct store_event_plan {
    bool retire;          /* ready with another recording sid: back to remote first */
    bool register_ids;    /* COMPLETED: write the callback's ids and media URL */
    bool clear_error;     /* missing/failed: back to remote, error forgotten */
    bool wake_run;        /* the queued run: due now */
    bool forget_choice;   /* with wake_run: the run chose another recording sid */
    bool fail_run;        /* ABSENT: the active run fails as recording_not_found */
    bool mark_missing;    /* ABSENT: the recording becomes missing */
};

/** The decision of store_apply_event, shared by both backends: rec is the
 *  recordings row (NULL if there is none), run the active run (NULL if
 *  none), both read inside the transaction. */
void store_event_plan(const struct store_event *ev, const struct store_recording *rec,
                      const struct store_run *run, struct store_event_plan *plan);

struct store_backend {
    const char *name;
    /** target is the URL without its scheme prefix (for SQLite: a path). */
    struct store *(*open)(const char *target, char *err, size_t errlen);
    void (*close)(struct store *st);
    recd_err (*migrate)(struct store *st);
    recd_err (*ping)(struct store *st);
    recd_err (*ensure_run)(struct store *st, const char *call_sid,
                           const struct ensure_policy *pol, struct ensure_result *out);
    recd_err (*claim)(struct store *st, const char *owner, int64_t now, int64_t lease_ms,
                      struct store_job *job);
    recd_err (*renew)(struct store *st, int64_t run_id, const char *owner, int64_t now,
                      int64_t lease_ms, int64_t bytes_done, int64_t bytes_total);
    recd_err (*complete)(struct store *st, int64_t run_id, const char *owner, int64_t now,
                         const struct store_ready *r);
    recd_err (*retry)(struct store *st, int64_t run_id, const char *owner, int64_t now,
                      int64_t next_attempt_at, const char *error_code,
                      const char *error_message);
    recd_err (*release)(struct store *st, int64_t run_id, const char *owner, int64_t now);
    recd_err (*fail)(struct store *st, int64_t run_id, const char *owner, int64_t now,
                     const char *error_code, const char *error_message);
    recd_err (*reap)(struct store *st, int64_t now, int max_attempts, int *preaped);
    /** now stamps updated_at, and created_at when rec->created_at is 0. */
    recd_err (*upsert_recording)(struct store *st, const struct store_recording *rec,
                                 int64_t now);
    recd_err (*get_recording)(struct store *st, const char *call_sid,
                              struct store_recording *out);
    /** Fills rows[0..*pn) newest first, at most max rows. */
    recd_err (*list_recordings)(struct store *st, const struct store_rec_query *q,
                                struct store_recording *rows, size_t max, size_t *pn);
    /** Ready recordings with call_sid > after_call_sid ("" = from the start),
     *  ascending by call_sid, at most max rows. */
    recd_err (*list_ready)(struct store *st, const char *after_call_sid,
                           struct store_recording *rows, size_t max, size_t *pn);
    /** Fills rows[0..*pn) newest first, at most max rows. */
    recd_err (*list_runs)(struct store *st, const struct run_filter *f, struct store_run *rows,
                          size_t max, size_t *pn);
    /** *prows is malloc'd (caller frees, also when *pn is 0). */
    recd_err (*find_duplicates)(struct store *st, struct store_dup **prows, size_t *pn);
    recd_err (*count_runs)(struct store *st, int64_t counts[4]);
    recd_err (*touch_played)(struct store *st, const char *call_sid, int64_t at);
    recd_err (*mark_evicted)(struct store *st, const char *call_sid, int64_t now);
    recd_err (*pend)(struct store *st, int64_t run_id, const char *owner, int64_t now,
                     int64_t next_check_at, const char *message);
    recd_err (*note_choice)(struct store *st, int64_t run_id, const char *owner,
                            const char *recording_sid);
    /** out is zeroed by store.c; the backend plans with store_event_plan(). */
    recd_err (*apply_event)(struct store *st, const struct store_event *ev, int64_t now,
                            struct store_event_result *out);
};

extern const struct store_backend store_backend_sqlite;

#endif /* RECD_STORE_BACKEND_H */
