/* SPDX-License-Identifier: MIT */
/*
 * sqlite.c — the SQLite store backend's vtable and its write paths: the
 * run life cycle (ensure, claim, renew, complete, retry, fail, reap) and
 * recording upserts. The connection and op runner live in sqlite_conn.c,
 * listings in sqlite_list.c, the schema in sqlite_schema.c.
 *
 * Invariant: at most one queued/running run per call_sid — the partial
 * unique index recording_runs_one_active decides; store_ensure_run only
 * reads who won. Every write op is one BEGIN IMMEDIATE transaction, so a
 * run transition and the recording state it causes commit together.
 * Threads: one struct sqlite_store = one connection, guarded by its mutex
 * for the whole op; several processes may share the file (WAL,
 * busy_timeout). Values are always bound, never formatted into SQL.
 */
#include "store/sqlite_int.h"
#include "util/log.h"

#include <string.h>

/* ---- shared reads and writes -------------------------------------------- */

static const char SQL_REC_GET[] = "SELECT " SQLITE_REC_COLS " FROM recordings WHERE call_sid = ?1";
static const char SQL_RUN_GET[] = "SELECT " SQLITE_RUN_COLS " FROM recording_runs WHERE id = ?1";
static const char SQL_RUN_ACTIVE[] = "SELECT " SQLITE_RUN_COLS " FROM recording_runs "
                                     "WHERE call_sid = ?1 AND status IN ('queued','running')";
static const char SQL_REC_SET_STATE[] =
    "UPDATE recordings SET state = ?2, updated_at = ?3 WHERE call_sid = ?1";

static recd_err get_rec(struct sqlite_store *s, const char *call_sid, struct store_recording *out)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_REC_GET);
    recd_err err = RECD_ESTORE;
    int rc;

    if (!q)
        goto out;
    sqlite_store_bind_text(q, 1, call_sid);
    rc = sqlite_store_step(s, q);
    if (rc == SQLITE_ROW)
        sqlite_store_read_rec(q, out);
    err = rc == SQLITE_ROW ? RECD_OK : rc == SQLITE_DONE ? RECD_ENOTFOUND : RECD_ESTORE;
out:
    sqlite_store_release(q);
    return err;
}

/* The run by id (id > 0) or the active run of call_sid. */
static recd_err get_run(struct sqlite_store *s, int64_t id, const char *call_sid,
                        struct store_run *out)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, id > 0 ? SQL_RUN_GET : SQL_RUN_ACTIVE);
    recd_err err = RECD_ESTORE;
    int rc;

    if (!q)
        goto out;
    if (id > 0)
        sqlite_store_bind_i64(q, 1, id);
    else
        sqlite_store_bind_text(q, 1, call_sid);
    rc = sqlite_store_step(s, q);
    if (rc == SQLITE_ROW)
        sqlite_store_read_run(q, out);
    err = rc == SQLITE_ROW ? RECD_OK : rc == SQLITE_DONE ? RECD_ENOTFOUND : RECD_ESTORE;
out:
    sqlite_store_release(q);
    return err;
}

static recd_err set_state(struct sqlite_store *s, const char *call_sid, enum rec_state state,
                          int64_t now)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_REC_SET_STATE);
    if (q) {
        sqlite_store_bind_text(q, 1, call_sid);
        sqlite_store_bind_text(q, 2, rec_state_name(state));
        sqlite_store_bind_i64(q, 3, now);
    }
    return sqlite_store_exec(s, q);
}

/* Inside a write op, a row that must exist and does not is corruption of
 * our own invariants, reported as a store error. */
static recd_err must_exist(recd_err err)
{
    return err == RECD_ENOTFOUND ? RECD_ESTORE : err;
}

/* ---- store_ensure_run --------------------------------------------------- */

static const char SQL_REC_TOUCH[] =
    "INSERT INTO recordings(call_sid, state, created_at, updated_at) "
    "VALUES(?1, 'remote', ?2, ?2) ON CONFLICT(call_sid) DO NOTHING";
/* The conflict target names the partial index, WHERE included: losing to
 * a concurrent twin is "no row inserted", never an error. */
static const char SQL_RUN_INSERT[] =
    "INSERT INTO recording_runs(call_sid, status, attempt, next_attempt_at, created_at) "
    "VALUES(?1, 'queued', 0, ?2, ?2) "
    "ON CONFLICT(call_sid) WHERE status IN ('queued','running') DO NOTHING";

struct ensure_args {
    const char *call_sid;
    const struct ensure_policy *pol;
    struct ensure_result *out;
};

static recd_err insert_run(struct sqlite_store *s, const char *call_sid, int64_t now,
                           int64_t *pid)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_RUN_INSERT);
    recd_err err;

    *pid = 0;
    if (q) {
        sqlite_store_bind_text(q, 1, call_sid);
        sqlite_store_bind_i64(q, 2, now);
    }
    err = sqlite_store_exec(s, q);
    if (err == RECD_OK && sqlite3_changes(s->db) == 1)
        *pid = sqlite3_last_insert_rowid(s->db);
    return err;
}

static recd_err do_ensure(struct sqlite_store *s, void *ctx)
{
    struct ensure_args *a = ctx;
    struct ensure_result *out = a->out;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_REC_TOUCH);
    int64_t run_id = 0;
    recd_err err;

    memset(out, 0, sizeof(*out));
    if (q) {
        sqlite_store_bind_text(q, 1, a->call_sid);
        sqlite_store_bind_i64(q, 2, a->pol->now);
    }
    err = sqlite_store_exec(s, q);
    if (err == RECD_OK)
        err = must_exist(get_rec(s, a->call_sid, &out->rec));
    if (err != RECD_OK || store_settled(&out->rec, a->pol, &out->outcome))
        goto out;
    err = insert_run(s, a->call_sid, a->pol->now, &run_id);
    if (err != RECD_OK)
        goto out;
    if (run_id == 0) {
        /* A twin holds the active slot; inside this transaction it is
         * committed and cannot change under us. */
        out->outcome = ENSURE_ACTIVE;
        err = must_exist(get_run(s, 0, a->call_sid, &out->run));
        goto out;
    }
    out->outcome = ENSURE_CREATED;
    err = set_state(s, a->call_sid, REC_QUEUED, a->pol->now);
    if (err == RECD_OK)
        err = must_exist(get_run(s, run_id, NULL, &out->run));
    if (err == RECD_OK)
        err = must_exist(get_rec(s, a->call_sid, &out->rec));
out:
    return err;
}

static recd_err sq_ensure_run(struct store *st, const char *call_sid,
                              const struct ensure_policy *pol, struct ensure_result *out)
{
    struct ensure_args a = { call_sid, pol, out };
    return sqlite_store_op(sqlite_store_of(st), true, do_ensure, &a);
}

/* ---- store_claim -------------------------------------------------------- */

static const char SQL_CLAIM_PICK[] =
    "SELECT id FROM recording_runs WHERE status = 'queued' AND next_attempt_at <= ?1 "
    "ORDER BY next_attempt_at, id LIMIT 1";
static const char SQL_CLAIM_TAKE[] =
    "UPDATE recording_runs SET status = 'running', attempt = attempt + 1, lease_owner = ?2, "
    "lease_expires_at = ?3, started_at = COALESCE(started_at, ?4) "
    "WHERE id = ?1 AND status = 'queued'";

struct claim_args {
    const char *owner;
    int64_t now, lease_ms;
    struct store_job *job;
};

static recd_err pick(struct sqlite_store *s, int64_t now, int64_t *pid)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_CLAIM_PICK);
    recd_err err = RECD_ESTORE;
    int rc;

    if (!q)
        goto out;
    sqlite_store_bind_i64(q, 1, now);
    rc = sqlite_store_step(s, q);
    if (rc == SQLITE_ROW)
        *pid = sqlite3_column_int64(q, 0);
    err = rc == SQLITE_ROW ? RECD_OK : rc == SQLITE_DONE ? RECD_EAGAIN : RECD_ESTORE;
out:
    sqlite_store_release(q);
    return err;
}

static recd_err do_claim(struct sqlite_store *s, void *ctx)
{
    struct claim_args *a = ctx;
    struct store_job *job = a->job;
    sqlite3_stmt *q = NULL;
    int64_t id = 0;
    recd_err err;

    memset(job, 0, sizeof(*job));
    err = pick(s, a->now, &id);
    if (err != RECD_OK)
        goto out;
    q = sqlite_store_stmt(s, SQL_CLAIM_TAKE);
    if (q) {
        sqlite_store_bind_i64(q, 1, id);
        sqlite_store_bind_text(q, 2, a->owner);
        sqlite_store_bind_i64(q, 3, a->now + a->lease_ms);
        sqlite_store_bind_i64(q, 4, a->now);
    }
    err = sqlite_store_exec(s, q);
    if (err == RECD_OK && sqlite3_changes(s->db) != 1)
        err = RECD_ESTORE; /* we hold the write lock: nobody can take it */
    if (err == RECD_OK)
        err = must_exist(get_run(s, id, NULL, &job->run));
    if (err == RECD_OK)
        err = set_state(s, job->run.call_sid, REC_RUNNING, a->now);
    if (err == RECD_OK)
        err = must_exist(get_rec(s, job->run.call_sid, &job->rec));
out:
    return err;
}

static recd_err sq_claim(struct store *st, const char *owner, int64_t now, int64_t lease_ms,
                         struct store_job *job)
{
    struct claim_args a = { owner, now, lease_ms, job };
    return sqlite_store_op(sqlite_store_of(st), true, do_claim, &a);
}

/* ---- lease-guarded transitions ------------------------------------------ */

/* Each UPDATE matches only a run still running under this owner (?1 id,
 * ?2 owner); RETURNING tells who the run belongs to, or that the lease was
 * lost (no row). */
#define LEASE_WHERE " WHERE id = ?1 AND status = 'running' AND lease_owner = ?2 RETURNING call_sid"

static const char SQL_RENEW[] =
    "UPDATE recording_runs SET lease_expires_at = ?3, bytes_done = ?4, "
    "bytes_total = COALESCE(?5, bytes_total)" LEASE_WHERE;
static const char SQL_COMPLETE[] =
    "UPDATE recording_runs SET status = 'completed', finished_at = ?3, bytes_done = ?4, "
    "bytes_total = ?4, lease_expires_at = NULL, error_code = NULL, error_message = NULL"
    LEASE_WHERE;
static const char SQL_RETRY[] =
    "UPDATE recording_runs SET status = 'queued', next_attempt_at = ?3, error_code = ?4, "
    "error_message = ?5, lease_owner = NULL, lease_expires_at = NULL" LEASE_WHERE;
static const char SQL_RELEASE[] =
    "UPDATE recording_runs SET status = 'queued', attempt = MAX(attempt - 1, 0), "
    "next_attempt_at = ?3, bytes_done = 0, lease_owner = NULL, lease_expires_at = NULL"
    LEASE_WHERE;
static const char SQL_FAIL[] =
    "UPDATE recording_runs SET status = 'failed', finished_at = ?3, error_code = ?4, "
    "error_message = ?5, lease_expires_at = NULL" LEASE_WHERE;
static const char SQL_REC_READY[] =
    "UPDATE recordings SET state = 'ready', recording_sid = COALESCE(?2, recording_sid), "
    "format = COALESCE(?3, format), media_url = COALESCE(?4, media_url), "
    "duration_s = COALESCE(?5, duration_s), size_bytes = ?6, sha256 = ?7, cache_path = ?8, "
    "ready_at = ?9, updated_at = ?9, error_code = NULL, error_message = NULL, error_at = NULL "
    "WHERE call_sid = ?1 AND (?2 IS NULL OR recording_sid IS NULL OR recording_sid = ?2)";
static const char SQL_REC_ERROR[] =
    "UPDATE recordings SET state = ?2, error_code = ?3, error_message = ?4, error_at = ?5, "
    "updated_at = ?5 WHERE call_sid = ?1";

struct lease_args {
    int64_t run_id;
    const char *owner;
    int64_t now;
    int64_t lease_ms, bytes_done, bytes_total;      /* renew */
    const struct store_ready *ready;                /* complete */
    int64_t next_attempt_at;                        /* retry */
    const char *error_code, *error_message;         /* retry, fail */
    char call_sid[RECD_SID_MAX + 1];                /* out: the run's call_sid */
};

/* Prepare a lease-guarded statement with ?1 id and ?2 owner bound. */
static sqlite3_stmt *lease_stmt(struct sqlite_store *s, const char *sql,
                                const struct lease_args *a)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, sql);
    if (q) {
        sqlite_store_bind_i64(q, 1, a->run_id);
        sqlite_store_bind_text(q, 2, a->owner);
    }
    return q;
}

/* RECD_ELEASE when the guarded UPDATE matched nothing. */
static recd_err lease_step(struct sqlite_store *s, sqlite3_stmt *q, struct lease_args *a)
{
    recd_err err = RECD_ESTORE;
    int rc;

    if (!q)
        goto out;
    rc = sqlite_store_step(s, q);
    if (rc == SQLITE_ROW)
        sqlite_store_col_text(q, 0, a->call_sid, sizeof(a->call_sid));
    err = rc == SQLITE_ROW ? RECD_OK : rc == SQLITE_DONE ? RECD_ELEASE : RECD_ESTORE;
out:
    sqlite_store_release(q);
    return err;
}

static recd_err do_renew(struct sqlite_store *s, void *ctx)
{
    struct lease_args *a = ctx;
    sqlite3_stmt *q = lease_stmt(s, SQL_RENEW, a);

    if (q) {
        sqlite_store_bind_i64(q, 3, a->now + a->lease_ms);
        sqlite_store_bind_i64(q, 4, a->bytes_done);
        sqlite_store_bind_i64_or_null(q, 5, a->bytes_total);
    }
    return lease_step(s, q, a);
}

static recd_err do_complete(struct sqlite_store *s, void *ctx)
{
    struct lease_args *a = ctx;
    const struct store_ready *r = a->ready;
    sqlite3_stmt *q = lease_stmt(s, SQL_COMPLETE, a);
    recd_err err;

    if (q) {
        sqlite_store_bind_i64(q, 3, a->now);
        sqlite_store_bind_i64(q, 4, r->size_bytes);
    }
    err = lease_step(s, q, a);
    if (err != RECD_OK)
        goto out;
    q = sqlite_store_stmt(s, SQL_REC_READY);
    if (q) {
        sqlite_store_bind_text(q, 1, a->call_sid);
        sqlite_store_bind_text_or_null(q, 2, r->recording_sid);
        sqlite_store_bind_text_or_null(q, 3, r->format);
        sqlite_store_bind_text_or_null(q, 4, r->media_url);
        if (r->duration_s >= 0)
            RECD_ASSERT(sqlite3_bind_double(q, 5, r->duration_s) == SQLITE_OK);
        sqlite_store_bind_i64(q, 6, r->size_bytes);
        sqlite_store_bind_text(q, 7, r->sha256);
        sqlite_store_bind_text(q, 8, r->cache_path);
        sqlite_store_bind_i64(q, 9, a->now);
    }
    err = sqlite_store_exec(s, q);
    /* A callback announced another recording while we downloaded this one. */
    if (err == RECD_OK && sqlite3_changes(s->db) != 1)
        err = RECD_ESTALE;
out:
    return err;
}

static recd_err do_retry(struct sqlite_store *s, void *ctx)
{
    struct lease_args *a = ctx;
    sqlite3_stmt *q = lease_stmt(s, SQL_RETRY, a);
    recd_err err;

    if (q) {
        sqlite_store_bind_i64(q, 3, a->next_attempt_at);
        sqlite_store_bind_text_or_null(q, 4, a->error_code);
        sqlite_store_bind_text_or_null(q, 5, a->error_message);
    }
    err = lease_step(s, q, a);
    if (err == RECD_OK)
        err = set_state(s, a->call_sid, REC_QUEUED, a->now);
    return err;
}

static recd_err do_release(struct sqlite_store *s, void *ctx)
{
    struct lease_args *a = ctx;
    sqlite3_stmt *q = lease_stmt(s, SQL_RELEASE, a);
    recd_err err;

    if (q)
        sqlite_store_bind_i64(q, 3, a->now);
    err = lease_step(s, q, a);
    if (err == RECD_OK)
        err = set_state(s, a->call_sid, REC_QUEUED, a->now);
    return err;
}

static recd_err do_fail(struct sqlite_store *s, void *ctx)
{
    struct lease_args *a = ctx;
    sqlite3_stmt *q = lease_stmt(s, SQL_FAIL, a);
    bool missing = strcmp(a->error_code, "recording_not_found") == 0;
    recd_err err;

    if (q) {
        sqlite_store_bind_i64(q, 3, a->now);
        sqlite_store_bind_text_or_null(q, 4, a->error_code);
        sqlite_store_bind_text_or_null(q, 5, a->error_message);
    }
    err = lease_step(s, q, a);
    if (err != RECD_OK)
        goto out;
    q = sqlite_store_stmt(s, SQL_REC_ERROR);
    if (q) {
        sqlite_store_bind_text(q, 1, a->call_sid);
        sqlite_store_bind_text(q, 2, rec_state_name(missing ? REC_MISSING : REC_FAILED));
        sqlite_store_bind_text_or_null(q, 3, a->error_code);
        sqlite_store_bind_text_or_null(q, 4, a->error_message);
        sqlite_store_bind_i64(q, 5, a->now);
    }
    err = sqlite_store_exec(s, q);
out:
    return err;
}

static recd_err sq_renew(struct store *st, int64_t run_id, const char *owner, int64_t now,
                         int64_t lease_ms, int64_t bytes_done, int64_t bytes_total)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now,
                            .lease_ms = lease_ms, .bytes_done = bytes_done,
                            .bytes_total = bytes_total };
    return sqlite_store_op(sqlite_store_of(st), true, do_renew, &a);
}

static recd_err sq_complete(struct store *st, int64_t run_id, const char *owner, int64_t now,
                            const struct store_ready *r)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now, .ready = r };
    return sqlite_store_op(sqlite_store_of(st), true, do_complete, &a);
}

static recd_err sq_retry(struct store *st, int64_t run_id, const char *owner, int64_t now,
                         int64_t next_attempt_at, const char *error_code,
                         const char *error_message)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now,
                            .next_attempt_at = next_attempt_at, .error_code = error_code,
                            .error_message = error_message };
    return sqlite_store_op(sqlite_store_of(st), true, do_retry, &a);
}

static recd_err sq_release(struct store *st, int64_t run_id, const char *owner, int64_t now)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now };
    return sqlite_store_op(sqlite_store_of(st), true, do_release, &a);
}

static recd_err sq_fail(struct store *st, int64_t run_id, const char *owner, int64_t now,
                        const char *error_code, const char *error_message)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now,
                            .error_code = error_code, .error_message = error_message };
    return sqlite_store_op(sqlite_store_of(st), true, do_fail, &a);
}

/* ---- store_reap --------------------------------------------------------- */

/* ?1 now, ?2 max_attempts. Recordings first: their join needs the runs
 * still 'running'. Exactly one running run per call_sid, so each join
 * matches at most one row. */
#define EXPIRED(r) r "status = 'running' AND " r "lease_expires_at < ?1 AND " r "attempt"
static const char SQL_REAP_REC_FAIL[] =
    "UPDATE recordings SET state = 'failed', error_code = 'upstream_failed', "
    "error_message = 'lease expired after ' || r.attempt || ' attempts', error_at = ?1, "
    "updated_at = ?1 FROM recording_runs AS r "
    "WHERE r.call_sid = recordings.call_sid AND " EXPIRED("r.") " >= ?2";
static const char SQL_REAP_RUN_FAIL[] =
    "UPDATE recording_runs SET status = 'failed', finished_at = ?1, "
    "error_code = 'upstream_failed', "
    "error_message = 'lease expired after ' || attempt || ' attempts', "
    "lease_expires_at = NULL WHERE " EXPIRED("") " >= ?2";
static const char SQL_REAP_REC_REQUEUE[] =
    "UPDATE recordings SET state = 'queued', updated_at = ?1 FROM recording_runs AS r "
    "WHERE r.call_sid = recordings.call_sid AND " EXPIRED("r.") " < ?2";
static const char SQL_REAP_RUN_REQUEUE[] =
    "UPDATE recording_runs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, "
    "next_attempt_at = ?1, error_code = 'lease_expired', "
    "error_message = 'lease expired during attempt ' || attempt WHERE " EXPIRED("") " < ?2";

struct reap_args {
    int64_t now;
    int max_attempts;
    int reaped;
};

static recd_err do_reap(struct sqlite_store *s, void *ctx)
{
    static const char *const steps[] = { SQL_REAP_REC_FAIL, SQL_REAP_RUN_FAIL,
                                          SQL_REAP_REC_REQUEUE, SQL_REAP_RUN_REQUEUE };
    struct reap_args *a = ctx;
    recd_err err = RECD_OK;

    a->reaped = 0;
    for (size_t i = 0; err == RECD_OK && i < RECD_ARRAY_LEN(steps); i++) {
        sqlite3_stmt *q = sqlite_store_stmt(s, steps[i]);
        if (q) {
            sqlite_store_bind_i64(q, 1, a->now);
            sqlite_store_bind_i64(q, 2, a->max_attempts);
        }
        err = sqlite_store_exec(s, q);
        if (err == RECD_OK && steps[i] != SQL_REAP_REC_FAIL && steps[i] != SQL_REAP_REC_REQUEUE)
            a->reaped += sqlite3_changes(s->db);
    }
    return err;
}

static recd_err sq_reap(struct store *st, int64_t now, int max_attempts, int *preaped)
{
    struct reap_args a = { now, max_attempts, 0 };
    recd_err err = sqlite_store_op(sqlite_store_of(st), true, do_reap, &a);
    *preaped = err == RECD_OK ? a.reaped : 0;
    return err;
}

/* ---- recordings --------------------------------------------------------- */

/* Empty fields bind as NULL and COALESCE keeps what is there. A ready
 * row keeps the format and size of the file it serves. */
static const char SQL_UPSERT[] =
    "INSERT INTO recordings(call_sid, recording_sid, provider, media_url, format, duration_s, "
    "size_bytes, state, created_at, updated_at) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 'remote', ?8, ?9) "
    "ON CONFLICT(call_sid) DO UPDATE SET "
    "recording_sid = COALESCE(excluded.recording_sid, recording_sid), "
    "provider = COALESCE(excluded.provider, provider), "
    "media_url = COALESCE(excluded.media_url, media_url), "
    "format = CASE WHEN state = 'ready' THEN format "
    "ELSE COALESCE(excluded.format, format) END, "
    "duration_s = COALESCE(excluded.duration_s, duration_s), "
    "size_bytes = CASE WHEN state = 'ready' THEN size_bytes "
    "ELSE COALESCE(excluded.size_bytes, size_bytes) END, "
    "updated_at = excluded.updated_at";
static const char SQL_TOUCH_PLAYED[] =
    "UPDATE recordings SET last_played_at = MAX(COALESCE(last_played_at, 0), ?2) "
    "WHERE call_sid = ?1";
static const char SQL_EVICT[] =
    "UPDATE recordings SET state = 'remote', cache_path = NULL, sha256 = NULL, updated_at = ?2 "
    "WHERE call_sid = ?1 AND state = 'ready'";

struct rec_args {
    const struct store_recording *in;
    struct store_recording *out;
    const char *call_sid;
    int64_t now;
};

static recd_err do_upsert(struct sqlite_store *s, void *ctx)
{
    struct rec_args *a = ctx;
    const struct store_recording *r = a->in;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_UPSERT);

    if (q) {
        sqlite_store_bind_text(q, 1, r->call_sid);
        sqlite_store_bind_text_or_null(q, 2, r->recording_sid);
        sqlite_store_bind_text_or_null(q, 3, r->provider);
        sqlite_store_bind_text_or_null(q, 4, r->media_url);
        sqlite_store_bind_text_or_null(q, 5, r->format);
        if (r->duration_s >= 0)
            RECD_ASSERT(sqlite3_bind_double(q, 6, r->duration_s) == SQLITE_OK);
        if (r->size_bytes > 0)
            sqlite_store_bind_i64(q, 7, r->size_bytes);
        sqlite_store_bind_i64(q, 8, r->created_at > 0 ? r->created_at : a->now);
        sqlite_store_bind_i64(q, 9, a->now);
    }
    return sqlite_store_exec(s, q);
}

static recd_err do_get(struct sqlite_store *s, void *ctx)
{
    struct rec_args *a = ctx;
    return get_rec(s, a->call_sid, a->out);
}

/* touch_played and mark_evicted: ?1 call_sid, ?2 a time. */
static recd_err do_sid_time(struct sqlite_store *s, const char *sql, struct rec_args *a)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, sql);
    if (q) {
        sqlite_store_bind_text(q, 1, a->call_sid);
        sqlite_store_bind_i64(q, 2, a->now);
    }
    return sqlite_store_exec(s, q);
}

static recd_err do_touch(struct sqlite_store *s, void *ctx)
{
    return do_sid_time(s, SQL_TOUCH_PLAYED, ctx);
}

static recd_err do_evict(struct sqlite_store *s, void *ctx)
{
    return do_sid_time(s, SQL_EVICT, ctx);
}

static recd_err sq_upsert(struct store *st, const struct store_recording *rec, int64_t now)
{
    struct rec_args a = { .in = rec, .now = now };
    return sqlite_store_op(sqlite_store_of(st), true, do_upsert, &a);
}

static recd_err sq_get(struct store *st, const char *call_sid, struct store_recording *out)
{
    struct rec_args a = { .call_sid = call_sid, .out = out };
    return sqlite_store_op(sqlite_store_of(st), false, do_get, &a);
}

static recd_err sq_touch(struct store *st, const char *call_sid, int64_t at)
{
    struct rec_args a = { .call_sid = call_sid, .now = at };
    return sqlite_store_op(sqlite_store_of(st), true, do_touch, &a);
}

static recd_err sq_evict(struct store *st, const char *call_sid, int64_t now)
{
    struct rec_args a = { .call_sid = call_sid, .now = now };
    return sqlite_store_op(sqlite_store_of(st), true, do_evict, &a);
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .open = sqlite_store_open,
    .close = sqlite_store_close,
    .migrate = sqlite_store_migrate,
    .ping = sqlite_store_ping,
    .ensure_run = sq_ensure_run,
    .claim = sq_claim,
    .renew = sq_renew,
    .complete = sq_complete,
    .retry = sq_retry,
    .release = sq_release,
    .fail = sq_fail,
    .reap = sq_reap,
    .upsert_recording = sq_upsert,
    .get_recording = sq_get,
    .list_recordings = sqlite_store_list_recordings,
    .list_ready = sqlite_store_list_ready,
    .list_runs = sqlite_store_list_runs,
    .find_duplicates = sqlite_store_find_duplicates,
    .count_runs = sqlite_store_count_runs,
    .touch_played = sq_touch,
    .mark_evicted = sq_evict,
    .pend = sqlite_store_pend,
    .note_choice = sqlite_store_note_choice,
    .apply_event = sqlite_store_apply_event,
};
