/* SPDX-License-Identifier: MIT */
/*
 * store.h — the one place that knows there is more than one database.
 * A struct store is a backend (SQLite now, PostgreSQL later) behind a
 * table of functions chosen at open time from the URL scheme.
 *
 * Invariant kept by every backend: at most one run per call_sid has
 * status queued or running — enforced by the partial unique index
 * recording_runs_one_active, not by checks in code.
 *
 * Threads: a struct store is safe to call from any thread; backends
 * serialise or pool connections internally. Timestamps are Unix epoch
 * milliseconds (int64) in and out; 0 means "unset" (NULL in SQL).
 */
#ifndef RECD_STORE_STORE_H
#define RECD_STORE_STORE_H

#include "common.h"

enum run_status {
    RUN_QUEUED = 0,
    RUN_RUNNING,
    RUN_COMPLETED,
    RUN_FAILED,
};

/* Recording state as shown by the API; kept in the recordings row and
 * changed in the same transaction as the run transition that causes it. */
enum rec_state {
    REC_REMOTE = 0, /* known, never fetched or evicted from the cache */
    REC_QUEUED,
    REC_RUNNING,
    REC_READY,   /* on disk, cache_path/size/sha256 valid */
    REC_FAILED,  /* last run failed after all attempts (upstream_failed) */
    REC_MISSING, /* provider said there is no such recording */
};

const char *run_status_name(enum run_status s);          /* "queued"… */
bool run_status_parse(const char *s, enum run_status *ps);
const char *rec_state_name(enum rec_state s);             /* "remote"… */
bool rec_state_parse(const char *s, enum rec_state *ps);

struct store_run {
    int64_t id;
    char call_sid[RECD_SID_MAX + 1];
    enum run_status status;
    int attempt;              /* attempts started so far (1 on first claim) */
    char lease_owner[64];
    int64_t lease_expires_at;
    int64_t next_attempt_at;  /* queued runs are not claimed before this */
    int64_t bytes_done;
    int64_t bytes_total;      /* 0 while unknown */
    char error_code[32];
    char error_message[256];
    int64_t created_at, started_at, finished_at;
    char recording_sid[65];   /* the provider recording this run chose, "" until it listed */
    int64_t pending_since;    /* first time the provider said "not ready yet", 0 = never */
};

/* recordings.error_code while the active run waits for the provider to
 * finish processing (the recording's state stays queued/running). */
#define STORE_PENDING_CODE "pending"

struct store_recording {
    char call_sid[RECD_SID_MAX + 1];
    char recording_sid[65];
    char provider[16];        /* "twilio" | "url" | "" */
    char media_url[2048];     /* known media URL, or "" */
    char format[8];           /* "wav" | "mp3" | "" */
    double duration_s;        /* < 0 when unknown */
    int64_t size_bytes;       /* 0 when unknown */
    char sha256[65];          /* hex, "" until ready */
    char cache_path[512];     /* relative to the cache dir, "" unless ready */
    enum rec_state state;
    char error_code[32];
    char error_message[256];
    int64_t error_at;         /* when the last failure was recorded */
    int64_t created_at, ready_at, last_played_at;
};

/* What store_ensure_run found or did for one call_sid. */
enum ensure_outcome {
    ENSURE_READY = 0, /* recording is ready: serve the file (rec filled) */
    ENSURE_ACTIVE,    /* an active run already existed (run filled) */
    ENSURE_CREATED,   /* this call inserted the queued run (run filled) */
    ENSURE_MISSING,   /* provider said 404 within the negative TTL */
    ENSURE_FAILED,    /* last run failed within the failure cool-down */
};

struct ensure_policy {
    int64_t now;
    int64_t negative_ttl_ms;   /* how long REC_MISSING is believed */
    int64_t failure_cooldown_ms; /* how long REC_FAILED answers 502 */
    int max_attempts;          /* stored nowhere; for the caller's info */
};

struct ensure_result {
    enum ensure_outcome outcome;
    struct store_run run;        /* valid for ACTIVE / CREATED */
    struct store_recording rec;  /* always valid on RECD_OK */
};

/* A claimed run plus what the worker needs to fetch it. */
struct store_job {
    struct store_run run;
    struct store_recording rec;
};

/* What a finished download writes into the recordings row. */
struct store_ready {
    char recording_sid[65];
    char format[8];
    char media_url[2048];
    double duration_s;
    int64_t size_bytes;
    char sha256[65];
    char cache_path[512];
};

struct recording_filter {
    bool has_state;
    enum rec_state state;
    const char *q;           /* substring of call_sid, or NULL */
    int limit;               /* 1..500 */
    const char *cursor;      /* opaque, from the previous page, or NULL */
};

struct run_filter {
    bool has_status;
    enum run_status status;
    const char *call_sid;    /* or NULL */
    int limit;               /* 1..1000 */
};

/* Visitors; return false to stop the iteration early. */
typedef bool (*store_recording_cb)(const struct store_recording *rec, void *ctx);
typedef bool (*store_run_cb)(const struct store_run *run, void *ctx);
typedef bool (*store_dup_cb)(const char *call_sid, int active_runs, void *ctx);

struct store;

/** Open a store from a URL ("sqlite:PATH", "postgres://…"). Creates the
 *  SQLite file's parent directory. On failure returns NULL and writes a
 *  reason into err. Caller frees with store_close(). */
struct store *store_open(const char *url, char *err, size_t errlen);
void store_close(struct store *st);  /* accepts NULL */

/** The URL with any password replaced by "***", for logs and messages. */
void store_url_redact(const char *url, char *out, size_t outlen);

/** Apply pending migrations (idempotent, safe against concurrent callers). */
RECD_MUSTCHECK recd_err store_migrate(struct store *st);
/** Cheap round trip, for /readyz. */
RECD_MUSTCHECK recd_err store_ping(struct store *st);

/** The dedup path. In one transaction: make sure a recordings row exists;
 *  if ready → READY; if missing/failed within policy → MISSING/FAILED;
 *  if an active run exists → ACTIVE; else INSERT a queued run → CREATED.
 *  A concurrent insert that loses on the unique index reads the winner
 *  and reports ACTIVE, never an error. */
RECD_MUSTCHECK recd_err store_ensure_run(struct store *st, const char *call_sid,
                                         const struct ensure_policy *pol,
                                         struct ensure_result *out);

/** Claim the oldest queued run whose next_attempt_at <= now: status
 *  running, attempt+1, lease to owner until now+lease_ms. RECD_EAGAIN
 *  if there is none. The recording row is copied into job->rec. */
RECD_MUSTCHECK recd_err store_claim(struct store *st, const char *owner, int64_t now,
                                    int64_t lease_ms, struct store_job *job);

/** Extend the lease and record progress. RECD_ELEASE if the run is no
 *  longer running under this owner (reaped, or finished elsewhere). */
RECD_MUSTCHECK recd_err store_renew(struct store *st, int64_t run_id, const char *owner,
                                    int64_t now, int64_t lease_ms, int64_t bytes_done,
                                    int64_t bytes_total);

/** In one transaction: run → completed, recording → ready with r.
 *  RECD_ELEASE if the lease was lost, RECD_ESTALE if the recording's
 *  recording_sid changed to another one meanwhile (a provider callback
 *  announced a newer recording); nothing changes then. */
RECD_MUSTCHECK recd_err store_complete(struct store *st, int64_t run_id, const char *owner,
                                       int64_t now, const struct store_ready *r);

/** Transient failure: run back to queued (attempt kept) with
 *  next_attempt_at, error recorded; recording state → queued. */
RECD_MUSTCHECK recd_err store_retry(struct store *st, int64_t run_id, const char *owner,
                                    int64_t now, int64_t next_attempt_at,
                                    const char *error_code, const char *error_message);

/** Shutdown: give a claimed run back to the queue without spending an
 *  attempt (attempt - 1, claimable at once, lease cleared); recording
 *  state → queued. RECD_ELEASE if this owner no longer holds it. */
RECD_MUSTCHECK recd_err store_release(struct store *st, int64_t run_id, const char *owner,
                                      int64_t now);

/** Permanent failure: run → failed; recording → missing when
 *  error_code is "recording_not_found", else failed; error_at = now. */
RECD_MUSTCHECK recd_err store_fail(struct store *st, int64_t run_id, const char *owner,
                                   int64_t now, const char *error_code,
                                   const char *error_message);

/** Runs whose lease expired: back to queued, or failed (upstream_failed,
 *  "lease expired") once attempt >= max_attempts. *preaped = count. */
RECD_MUSTCHECK recd_err store_reap(struct store *st, int64_t now, int max_attempts,
                                   int *preaped);

/** Register or update metadata (idempotent by call_sid; never downgrades
 *  a ready recording, never touches runs). Empty fields are left as they are. */
RECD_MUSTCHECK recd_err store_upsert_recording(struct store *st,
                                               const struct store_recording *rec);

/** RECD_ENOTFOUND if there is no row. */
RECD_MUSTCHECK recd_err store_get_recording(struct store *st, const char *call_sid,
                                            struct store_recording *out);

/** Page through recordings, newest first; writes the next page's cursor
 *  into next_cursor ("" at the end). RECD_EINVAL for a bad cursor. */
RECD_MUSTCHECK recd_err store_list_recordings(struct store *st, const struct recording_filter *f,
                                              store_recording_cb cb, void *ctx,
                                              char *next_cursor, size_t cursor_len);

/** Runs newest first. */
RECD_MUSTCHECK recd_err store_list_runs(struct store *st, const struct run_filter *f,
                                        store_run_cb cb, void *ctx);

/** Every call_sid with more than one active run (must never find one). */
RECD_MUSTCHECK recd_err store_find_duplicates(struct store *st, store_dup_cb cb, void *ctx);

/** counts[s] = number of runs with status s. */
RECD_MUSTCHECK recd_err store_count_runs(struct store *st, int64_t counts[4]);

/** Every ready recording (to rebuild the in-memory cache index). */
RECD_MUSTCHECK recd_err store_list_ready(struct store *st, store_recording_cb cb, void *ctx);

/** Record plays (batched by the caller). */
RECD_MUSTCHECK recd_err store_touch_played(struct store *st, const char *call_sid, int64_t at);

/** The file is gone (evicted or vanished): ready → remote, cache fields
 *  cleared. No-op if the recording is not ready. */
RECD_MUSTCHECK recd_err store_mark_evicted(struct store *st, const char *call_sid);

/* ---- waiting for the provider, and its callbacks (SPEC §3) --------------- */

/** Not ready at the provider yet ("processing"): in one transaction the run
 *  goes back to queued without spending its attempt (attempt - 1),
 *  pending_since is set unless it already was, and it is due at
 *  next_check_at — or now, if the recording row gained a media URL or a
 *  recording sid meanwhile (a callback arrived while we listed); the
 *  recording → queued with error_code STORE_PENDING_CODE and message.
 *  RECD_ELEASE if the lease was lost. */
RECD_MUSTCHECK recd_err store_pend(struct store *st, int64_t run_id, const char *owner,
                                   int64_t now, int64_t next_check_at, const char *message);

/** Keep on the running run the recording sid it chose from the listing, so
 *  a retry downloads it without listing again. RECD_ELEASE if the lease
 *  was lost. */
RECD_MUSTCHECK recd_err store_note_choice(struct store *st, int64_t run_id, const char *owner,
                                          const char *recording_sid);

enum store_event_kind {
    STORE_EVENT_COMPLETED, /* the provider has the recording (ids, media URL) */
    STORE_EVENT_ABSENT,    /* "absent" or "failed": there will be no audio */
};

/* A verified provider callback about one call's recording. Borrowed strings. */
struct store_event {
    enum store_event_kind kind;
    const char *call_sid;
    const char *recording_sid; /* "" when not given */
    const char *media_url;     /* "" when not given */
    const char *provider;      /* "twilio" */
    double duration_s;         /* < 0 when unknown */
    const char *reason;        /* ABSENT: the run's error_message */
};

/* What store_apply_event changed. */
struct store_event_result {
    bool registered;          /* COMPLETED: the recording row holds the callback's ids */
    bool cleared;             /* a remembered 404 or failure cool-down was forgotten */
    bool woke_run;            /* the queued (pending or retrying) run is due now */
    bool ended_run;           /* the active run failed as recording_not_found */
    bool retired;             /* the cached file was another recording's: no longer ready */
    char retired_path[512];   /* with retired: its cache_path, for the caller to delete */
};

/** The provider's own word wins (SPEC §3), in one transaction. COMPLETED:
 *  register the ids and media URL; a ready recording with another
 *  recording sid is retired (back to remote, cache fields cleared); a
 *  missing or failed one is cleared (remote), so the next request starts a
 *  run at once; a queued run is made due now (forgetting a different chosen
 *  sid). ABSENT: the active run fails as recording_not_found and the
 *  recording becomes missing (a ready one is left alone). */
RECD_MUSTCHECK recd_err store_apply_event(struct store *st, const struct store_event *ev,
                                          int64_t now, struct store_event_result *out);

#endif /* RECD_STORE_STORE_H */
