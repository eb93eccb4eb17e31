/* SPDX-License-Identifier: MIT */
/*
 * postgres.c — the PostgreSQL store backend's vtable and its write paths:
 * the run life cycle (ensure, claim, renew, complete, retry, fail, reap)
 * and recording upserts, with the same semantics as the SQLite backend
 * (sqlite.c). The pool and op runner live in postgres_conn.c, listings in
 * postgres_list.c, the schema in postgres_schema.c.
 *
 * Invariant: at most one queued/running run per call_sid, across every
 * process and machine sharing the database — the partial unique index
 * recording_runs_one_active decides; store_ensure_run only reads who won.
 * Every write op is one READ COMMITTED transaction, so a run transition
 * and the recording state it causes commit together; rows are locked run
 * first, recording second everywhere, so writers do not deadlock.
 * Threads: any thread; each op borrows a pooled connection.
 */
#include "store/postgres_int.h"
#include "util/log.h"

#include <string.h>

/* ---- shared reads and writes -------------------------------------------- */

static const char SQL_REC_GET[] =
    "SELECT " PG_REC_COLS " FROM recordings WHERE call_sid = $1::text";
static const char SQL_RUN_ACTIVE[] = "SELECT " PG_RUN_COLS " FROM recording_runs "
                                     "WHERE call_sid = $1::text "
                                     "AND status IN ('queued','running')";
static const char SQL_REC_SET_STATE[] =
    "UPDATE recordings SET state = $2::text, updated_at = $3::bigint WHERE call_sid = $1::text "
    "RETURNING " PG_REC_COLS;

/* Run sql with p; its single row goes to read(), none is RECD_ENOTFOUND. */
static recd_err one_row(struct pg_op *op, const char *sql, const struct pg_params *p,
                        struct store_recording *rec, struct store_run *run)
{
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, sql, p, &res);

    if (err != RECD_OK)
        goto out;
    if (PQntuples(res) == 0) {
        err = RECD_ENOTFOUND;
        goto out;
    }
    if (rec)
        pg_store_read_rec(res, 0, rec);
    if (run)
        pg_store_read_run(res, 0, run);
out:
    PQclear(res);
    return err;
}

static recd_err get_rec(struct pg_op *op, const char *call_sid, struct store_recording *out)
{
    struct pg_params p = { 0 };
    pg_param_text(&p, call_sid);
    return one_row(op, SQL_REC_GET, &p, out, NULL);
}

/* The recording row after its state changed; out may be NULL. */
static recd_err set_state(struct pg_op *op, const char *call_sid, enum rec_state state,
                          int64_t now, struct store_recording *out)
{
    struct store_recording tmp;
    struct pg_params p = { 0 };

    pg_param_text(&p, call_sid);
    pg_param_text(&p, rec_state_name(state));
    pg_param_i64(&p, now);
    return one_row(op, SQL_REC_SET_STATE, &p, out ? out : &tmp, NULL);
}

/* Inside a write op, a row that must exist and does not is corruption of
 * our own invariants, reported as a store error. */
static recd_err must_exist(recd_err err)
{
    return err == RECD_ENOTFOUND ? RECD_ESTORE : err;
}

/* ---- store_ensure_run --------------------------------------------------- */

#define ENSURE_ROUNDS 3 /* an active run can end between our INSERT and SELECT */

static const char SQL_REC_TOUCH[] =
    "INSERT INTO recordings(call_sid, state, created_at, updated_at) "
    "VALUES($1::text, 'remote', $2::bigint, $2::bigint) ON CONFLICT (call_sid) DO NOTHING";
/* The conflict target names the partial index, WHERE included: losing to
 * a concurrent twin (PostgreSQL waits for it to commit) is "no row
 * returned", never an error. */
static const char SQL_RUN_INSERT[] =
    "INSERT INTO recording_runs(call_sid, status, attempt, next_attempt_at, created_at) "
    "VALUES($1::text, 'queued', 0, $2::bigint, $2::bigint) "
    "ON CONFLICT (call_sid) WHERE status IN ('queued','running') DO NOTHING "
    "RETURNING " PG_RUN_COLS;

static const char SQL_RUN_DELETE[] = "DELETE FROM recording_runs WHERE id = $1::bigint";

struct ensure_args {
    const char *call_sid;
    const struct ensure_policy *pol;
    struct ensure_result *out;
};

/* Our INSERT may have waited for the active run it collided with, and
 * that run's commit may have made the recording ready (or missing, or
 * failed) after we read it. Read it again — no other run can change it
 * while ours is uncommitted — and take our run back if it is not needed,
 * as SQLite's single writer would never have inserted it. */
static recd_err created(struct pg_op *op, struct ensure_args *a)
{
    struct ensure_result *out = a->out;
    struct pg_params p = { 0 };
    recd_err err = must_exist(get_rec(op, a->call_sid, &out->rec));

    if (err != RECD_OK)
        return err;
    if (store_settled(&out->rec, a->pol, &out->outcome)) {
        pg_param_i64(&p, out->run.id);
        memset(&out->run, 0, sizeof(out->run));
        return pg_store_exec(op, SQL_RUN_DELETE, &p, NULL);
    }
    out->outcome = ENSURE_CREATED;
    return must_exist(set_state(op, a->call_sid, REC_QUEUED, a->pol->now, &out->rec));
}

/* One round: RECD_OK with the outcome decided, or RECD_EAGAIN when the
 * active run we lost to ended before we could read it. */
static recd_err ensure_round(struct pg_op *op, struct ensure_args *a)
{
    struct ensure_result *out = a->out;
    struct pg_params p = { 0 };
    recd_err err = must_exist(get_rec(op, a->call_sid, &out->rec));

    if (err != RECD_OK || store_settled(&out->rec, a->pol, &out->outcome))
        return err;
    pg_param_text(&p, a->call_sid);
    pg_param_i64(&p, a->pol->now);
    err = one_row(op, SQL_RUN_INSERT, &p, NULL, &out->run);
    if (err == RECD_OK)
        return created(op, a);
    if (err != RECD_ENOTFOUND)
        return err;
    /* A twin holds the active slot. READ COMMITTED: this statement sees
     * it committed — unless it has already finished. */
    memset(&p, 0, sizeof(p));
    pg_param_text(&p, a->call_sid);
    err = one_row(op, SQL_RUN_ACTIVE, &p, NULL, &out->run);
    if (err == RECD_ENOTFOUND)
        return RECD_EAGAIN;
    out->outcome = ENSURE_ACTIVE;
    /* The recording row we read may predate the twin's commit. */
    if (err == RECD_OK && out->rec.state != REC_QUEUED && out->rec.state != REC_RUNNING)
        err = must_exist(get_rec(op, a->call_sid, &out->rec));
    return err;
}

static recd_err do_ensure(struct pg_op *op, void *ctx)
{
    struct ensure_args *a = ctx;
    struct pg_params p = { 0 };
    recd_err err;

    pg_param_text(&p, a->call_sid);
    pg_param_i64(&p, a->pol->now);
    err = pg_store_exec(op, SQL_REC_TOUCH, &p, NULL);
    for (int round = 0; err == RECD_OK && round < ENSURE_ROUNDS; round++) {
        memset(a->out, 0, sizeof(*a->out));
        err = ensure_round(op, a);
        if (err != RECD_EAGAIN)
            return err;
        err = RECD_OK;
    }
    if (err == RECD_OK) {
        log_event(LOG_ERROR, "STORE_ERROR", LF_S("backend", "postgres"),
                  LF_S("what", "ensure_run: active run kept changing"),
                  LF_S("call_sid", a->call_sid));
        err = RECD_ESTORE;
    }
    return err;
}

static recd_err pg_ensure_run(struct store *st, const char *call_sid,
                              const struct ensure_policy *pol, struct ensure_result *out)
{
    struct ensure_args a = { call_sid, pol, out };
    return pg_store_op(pg_store_of(st), true, do_ensure, &a);
}

/* ---- store_claim -------------------------------------------------------- */

/* SKIP LOCKED: a run another worker (any process) is claiming right now
 * is passed over instead of waited for, and never claimed twice. */
static const char SQL_CLAIM[] =
    "UPDATE recording_runs SET status = 'running', attempt = attempt + 1, "
    "lease_owner = $2::text, lease_expires_at = $3::bigint, "
    "started_at = COALESCE(started_at, $1::bigint) "
    "WHERE status = 'queued' AND id = (SELECT id FROM recording_runs "
    "WHERE status = 'queued' AND next_attempt_at <= $1::bigint "
    "ORDER BY next_attempt_at, id FOR UPDATE SKIP LOCKED LIMIT 1) "
    "RETURNING " PG_RUN_COLS;

struct claim_args {
    const char *owner;
    int64_t now, lease_ms;
    struct store_job *job;
};

static recd_err do_claim(struct pg_op *op, void *ctx)
{
    struct claim_args *a = ctx;
    struct store_job *job = a->job;
    struct pg_params p = { 0 };
    recd_err err;

    memset(job, 0, sizeof(*job));
    pg_param_i64(&p, a->now);
    pg_param_text(&p, a->owner);
    pg_param_i64(&p, a->now + a->lease_ms);
    err = one_row(op, SQL_CLAIM, &p, NULL, &job->run);
    if (err == RECD_ENOTFOUND)
        return RECD_EAGAIN;
    if (err == RECD_OK)
        err = must_exist(set_state(op, job->run.call_sid, REC_RUNNING, a->now, &job->rec));
    return err;
}

static recd_err pg_claim(struct store *st, const char *owner, int64_t now, int64_t lease_ms,
                         struct store_job *job)
{
    struct claim_args a = { owner, now, lease_ms, job };
    return pg_store_op(pg_store_of(st), true, do_claim, &a);
}

/* ---- lease-guarded transitions ------------------------------------------ */

/* Each UPDATE matches only a run still running under this owner ($1 id,
 * $2 owner); RETURNING tells whose run it is, or that the lease was lost
 * (no row). */
#define LEASE_WHERE                                                                       \
    " WHERE id = $1::bigint AND status = 'running' AND lease_owner = $2::text "           \
    "RETURNING call_sid"

static const char SQL_RENEW[] =
    "UPDATE recording_runs SET lease_expires_at = $3::bigint, bytes_done = $4::bigint, "
    "bytes_total = COALESCE($5::bigint, bytes_total)" LEASE_WHERE;
static const char SQL_COMPLETE[] =
    "UPDATE recording_runs SET status = 'completed', finished_at = $3::bigint, "
    "bytes_done = $4::bigint, bytes_total = $4::bigint, lease_expires_at = NULL, "
    "error_code = NULL, error_message = NULL" LEASE_WHERE;
static const char SQL_RELEASE[] =
    "UPDATE recording_runs SET status = 'queued', attempt = GREATEST(attempt - 1, 0), "
    "next_attempt_at = $3::bigint, bytes_done = 0, lease_owner = NULL, "
    "lease_expires_at = NULL" LEASE_WHERE;
static const char SQL_RETRY[] =
    "UPDATE recording_runs SET status = 'queued', next_attempt_at = $3::bigint, "
    "error_code = $4::text, error_message = $5::text, lease_owner = NULL, "
    "lease_expires_at = NULL" LEASE_WHERE;
static const char SQL_FAIL[] =
    "UPDATE recording_runs SET status = 'failed', finished_at = $3::bigint, "
    "error_code = $4::text, error_message = $5::text, lease_expires_at = NULL" LEASE_WHERE;
static const char SQL_REC_READY[] =
    "UPDATE recordings SET state = 'ready', recording_sid = COALESCE($2::text, recording_sid), "
    "format = COALESCE($3::text, format), media_url = COALESCE($4::text, media_url), "
    "duration_s = COALESCE($5::float8, duration_s), size_bytes = $6::bigint, "
    "sha256 = $7::text, cache_path = $8::text, ready_at = $9::bigint, updated_at = $9::bigint, "
    "error_code = NULL, error_message = NULL, error_at = NULL WHERE call_sid = $1::text "
    "AND ($2::text IS NULL OR recording_sid IS NULL OR recording_sid = $2::text) "
    "RETURNING call_sid";
static const char SQL_REC_ERROR[] =
    "UPDATE recordings SET state = $2::text, error_code = $3::text, error_message = $4::text, "
    "error_at = $5::bigint, updated_at = $5::bigint WHERE call_sid = $1::text";

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

/* Parameters of a lease-guarded statement: $1 id and $2 owner. */
static void lease_params(struct pg_params *p, const struct lease_args *a)
{
    pg_param_i64(p, a->run_id);
    pg_param_text(p, a->owner);
}

/* RECD_ELEASE when the guarded UPDATE matched nothing. */
static recd_err lease_exec(struct pg_op *op, const char *sql, const struct pg_params *p,
                           struct lease_args *a)
{
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, sql, p, &res);

    if (err == RECD_OK && PQntuples(res) == 0)
        err = RECD_ELEASE;
    if (err == RECD_OK)
        pg_store_col_text(res, 0, 0, a->call_sid, sizeof(a->call_sid));
    PQclear(res);
    return err;
}

static recd_err do_renew(struct pg_op *op, void *ctx)
{
    struct lease_args *a = ctx;
    struct pg_params p = { 0 };

    lease_params(&p, a);
    pg_param_i64(&p, a->now + a->lease_ms);
    pg_param_i64(&p, a->bytes_done);
    pg_param_i64_or_null(&p, a->bytes_total);
    return lease_exec(op, SQL_RENEW, &p, a);
}

static recd_err do_complete(struct pg_op *op, void *ctx)
{
    struct lease_args *a = ctx;
    const struct store_ready *r = a->ready;
    struct pg_params p = { 0 };
    recd_err err;

    lease_params(&p, a);
    pg_param_i64(&p, a->now);
    pg_param_i64(&p, r->size_bytes);
    err = lease_exec(op, SQL_COMPLETE, &p, a);
    if (err != RECD_OK)
        return err;
    memset(&p, 0, sizeof(p));
    pg_param_text(&p, a->call_sid);
    pg_param_text_or_null(&p, r->recording_sid);
    pg_param_text_or_null(&p, r->format);
    pg_param_text_or_null(&p, r->media_url);
    pg_param_double_or_null(&p, r->duration_s);
    pg_param_i64(&p, r->size_bytes);
    pg_param_text(&p, r->sha256);
    pg_param_text(&p, r->cache_path);
    pg_param_i64(&p, a->now);
    PGresult *res = NULL;
    err = pg_store_exec(op, SQL_REC_READY, &p, &res);
    /* A callback announced another recording while we downloaded this one. */
    if (err == RECD_OK && PQntuples(res) != 1)
        err = RECD_ESTALE;
    PQclear(res);
    return err;
}

static recd_err do_retry(struct pg_op *op, void *ctx)
{
    struct lease_args *a = ctx;
    struct pg_params p = { 0 };
    recd_err err;

    lease_params(&p, a);
    pg_param_i64(&p, a->next_attempt_at);
    pg_param_text_or_null(&p, a->error_code);
    pg_param_text_or_null(&p, a->error_message);
    err = lease_exec(op, SQL_RETRY, &p, a);
    if (err == RECD_OK)
        err = must_exist(set_state(op, a->call_sid, REC_QUEUED, a->now, NULL));
    return err;
}

static recd_err do_release(struct pg_op *op, void *ctx)
{
    struct lease_args *a = ctx;
    struct pg_params p = { 0 };
    recd_err err;

    lease_params(&p, a);
    pg_param_i64(&p, a->now);
    err = lease_exec(op, SQL_RELEASE, &p, a);
    if (err == RECD_OK)
        err = must_exist(set_state(op, a->call_sid, REC_QUEUED, a->now, NULL));
    return err;
}

static recd_err do_fail(struct pg_op *op, void *ctx)
{
    struct lease_args *a = ctx;
    bool missing = strcmp(a->error_code, "recording_not_found") == 0;
    struct pg_params p = { 0 };
    recd_err err;

    lease_params(&p, a);
    pg_param_i64(&p, a->now);
    pg_param_text_or_null(&p, a->error_code);
    pg_param_text_or_null(&p, a->error_message);
    err = lease_exec(op, SQL_FAIL, &p, a);
    if (err != RECD_OK)
        return err;
    memset(&p, 0, sizeof(p));
    pg_param_text(&p, a->call_sid);
    pg_param_text(&p, rec_state_name(missing ? REC_MISSING : REC_FAILED));
    pg_param_text_or_null(&p, a->error_code);
    pg_param_text_or_null(&p, a->error_message);
    pg_param_i64(&p, a->now);
    return pg_store_exec(op, SQL_REC_ERROR, &p, NULL);
}

static recd_err pg_renew(struct store *st, int64_t run_id, const char *owner, int64_t now,
                         int64_t lease_ms, int64_t bytes_done, int64_t bytes_total)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now,
                            .lease_ms = lease_ms, .bytes_done = bytes_done,
                            .bytes_total = bytes_total };
    return pg_store_op(pg_store_of(st), true, do_renew, &a);
}

static recd_err pg_complete(struct store *st, int64_t run_id, const char *owner, int64_t now,
                            const struct store_ready *r)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now, .ready = r };

    if (!pg_text_ok(r->recording_sid) || !pg_text_ok(r->format) || !pg_text_ok(r->media_url) ||
        !pg_text_ok(r->sha256) || !pg_text_ok(r->cache_path))
        return RECD_EINVAL;
    return pg_store_op(pg_store_of(st), true, do_complete, &a);
}

/* Error texts are diagnostics: bytes the server would refuse become '?'
 * rather than failing the transition they describe. */
struct error_text {
    char code[sizeof(((struct store_run *)0)->error_code)];
    char message[sizeof(((struct store_run *)0)->error_message)];
};

static void error_text_init(struct error_text *t, const char *code, const char *message)
{
    pg_text_fix(t->code, sizeof(t->code), code);
    pg_text_fix(t->message, sizeof(t->message), message);
}

static recd_err pg_retry(struct store *st, int64_t run_id, const char *owner, int64_t now,
                         int64_t next_attempt_at, const char *error_code,
                         const char *error_message)
{
    struct error_text t;
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now,
                            .next_attempt_at = next_attempt_at, .error_code = t.code,
                            .error_message = t.message };

    error_text_init(&t, error_code, error_message);
    return pg_store_op(pg_store_of(st), true, do_retry, &a);
}

static recd_err pg_release(struct store *st, int64_t run_id, const char *owner, int64_t now)
{
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now };
    return pg_store_op(pg_store_of(st), true, do_release, &a);
}

static recd_err pg_fail(struct store *st, int64_t run_id, const char *owner, int64_t now,
                        const char *error_code, const char *error_message)
{
    struct error_text t;
    struct lease_args a = { .run_id = run_id, .owner = owner, .now = now,
                            .error_code = t.code, .error_message = t.message };

    error_text_init(&t, error_code, error_message);
    return pg_store_op(pg_store_of(st), true, do_fail, &a);
}

/* ---- store_reap --------------------------------------------------------- */

/* $1 now, $2 max_attempts. Runs first, then their recordings in the same
 * statement (the run-then-recording lock order of every writer); the
 * count is of runs. Spent runs fail before the rest are requeued. */
#define EXPIRED "status = 'running' AND lease_expires_at < $1::bigint AND attempt"
static const char SQL_REAP_FAIL[] =
    "WITH r AS (UPDATE recording_runs SET status = 'failed', finished_at = $1::bigint, "
    "error_code = 'upstream_failed', "
    "error_message = 'lease expired after ' || attempt || ' attempts', "
    "lease_expires_at = NULL WHERE " EXPIRED " >= $2::int RETURNING call_sid, attempt), "
    "c AS (UPDATE recordings SET state = 'failed', error_code = 'upstream_failed', "
    "error_message = 'lease expired after ' || r.attempt || ' attempts', "
    "error_at = $1::bigint, updated_at = $1::bigint FROM r "
    "WHERE recordings.call_sid = r.call_sid) "
    "SELECT COUNT(*) FROM r";
static const char SQL_REAP_REQUEUE[] =
    "WITH r AS (UPDATE recording_runs SET status = 'queued', lease_owner = NULL, "
    "lease_expires_at = NULL, next_attempt_at = $1::bigint, error_code = 'lease_expired', "
    "error_message = 'lease expired during attempt ' || attempt "
    "WHERE " EXPIRED " < $2::int RETURNING call_sid), "
    "c AS (UPDATE recordings SET state = 'queued', updated_at = $1::bigint FROM r "
    "WHERE recordings.call_sid = r.call_sid) "
    "SELECT COUNT(*) FROM r";

struct reap_args {
    int64_t now;
    int max_attempts;
    int reaped;
};

static recd_err do_reap(struct pg_op *op, void *ctx)
{
    static const char *const steps[] = { SQL_REAP_FAIL, SQL_REAP_REQUEUE };
    struct reap_args *a = ctx;
    struct pg_params p = { 0 };
    recd_err err = RECD_OK;

    a->reaped = 0;
    pg_param_i64(&p, a->now);
    pg_param_i64(&p, a->max_attempts);
    for (size_t i = 0; err == RECD_OK && i < RECD_ARRAY_LEN(steps); i++) {
        PGresult *res = NULL;
        err = pg_store_exec(op, steps[i], &p, &res);
        if (err == RECD_OK)
            a->reaped += (int)pg_store_col_i64(res, 0, 0);
        PQclear(res);
    }
    return err;
}

static recd_err pg_reap(struct store *st, int64_t now, int max_attempts, int *preaped)
{
    struct reap_args a = { now, max_attempts, 0 };
    recd_err err = pg_store_op(pg_store_of(st), true, do_reap, &a);
    *preaped = err == RECD_OK ? a.reaped : 0;
    return err;
}

/* ---- recordings --------------------------------------------------------- */

/* Empty fields are sent as NULL and COALESCE keeps what is there. A ready
 * row keeps the format and size of the file it serves. */
static const char SQL_UPSERT[] =
    "INSERT INTO recordings AS t (call_sid, recording_sid, provider, media_url, format, "
    "duration_s, size_bytes, state, created_at, updated_at) "
    "VALUES($1::text, $2::text, $3::text, $4::text, $5::text, $6::float8, $7::bigint, "
    "'remote', $8::bigint, $9::bigint) "
    "ON CONFLICT (call_sid) DO UPDATE SET "
    "recording_sid = COALESCE(excluded.recording_sid, t.recording_sid), "
    "provider = COALESCE(excluded.provider, t.provider), "
    "media_url = COALESCE(excluded.media_url, t.media_url), "
    "format = CASE WHEN t.state = 'ready' THEN t.format "
    "ELSE COALESCE(excluded.format, t.format) END, "
    "duration_s = COALESCE(excluded.duration_s, t.duration_s), "
    "size_bytes = CASE WHEN t.state = 'ready' THEN t.size_bytes "
    "ELSE COALESCE(excluded.size_bytes, t.size_bytes) END, "
    "updated_at = excluded.updated_at";
static const char SQL_TOUCH_PLAYED[] =
    "UPDATE recordings SET last_played_at = GREATEST(COALESCE(last_played_at, 0), $2::bigint) "
    "WHERE call_sid = $1::text";
static const char SQL_EVICT[] =
    "UPDATE recordings SET state = 'remote', cache_path = NULL, sha256 = NULL, "
    "updated_at = $2::bigint WHERE call_sid = $1::text AND state = 'ready'";

struct rec_args {
    const struct store_recording *in;
    struct store_recording *out;
    const char *sql;
    const char *call_sid;
    int64_t now;
};

static recd_err do_upsert(struct pg_op *op, void *ctx)
{
    struct rec_args *a = ctx;
    const struct store_recording *r = a->in;
    struct pg_params p = { 0 };

    pg_param_text(&p, r->call_sid);
    pg_param_text_or_null(&p, r->recording_sid);
    pg_param_text_or_null(&p, r->provider);
    pg_param_text_or_null(&p, r->media_url);
    pg_param_text_or_null(&p, r->format);
    pg_param_double_or_null(&p, r->duration_s);
    pg_param_i64_or_null(&p, r->size_bytes > 0 ? r->size_bytes : 0);
    pg_param_i64(&p, r->created_at > 0 ? r->created_at : a->now);
    pg_param_i64(&p, a->now);
    return pg_store_exec(op, SQL_UPSERT, &p, NULL);
}

static recd_err do_get(struct pg_op *op, void *ctx)
{
    struct rec_args *a = ctx;
    return get_rec(op, a->call_sid, a->out);
}

/* touch_played and mark_evicted: $1 call_sid, $2 a time. */
static recd_err do_sid_time(struct pg_op *op, void *ctx)
{
    struct rec_args *a = ctx;
    struct pg_params p = { 0 };

    pg_param_text(&p, a->call_sid);
    pg_param_i64(&p, a->now);
    return pg_store_exec(op, a->sql, &p, NULL);
}

/* Metadata the server cannot store as text is refused as bad input, not
 * reported as a store failure. */
static recd_err pg_upsert(struct store *st, const struct store_recording *rec, int64_t now)
{
    struct rec_args a = { .in = rec, .now = now };

    if (!pg_text_ok(rec->recording_sid) || !pg_text_ok(rec->provider) ||
        !pg_text_ok(rec->media_url) || !pg_text_ok(rec->format))
        return RECD_EINVAL;
    return pg_store_op(pg_store_of(st), true, do_upsert, &a);
}

static recd_err pg_get(struct store *st, const char *call_sid, struct store_recording *out)
{
    struct rec_args a = { .call_sid = call_sid, .out = out };
    return pg_store_op(pg_store_of(st), false, do_get, &a);
}

static recd_err pg_touch(struct store *st, const char *call_sid, int64_t at)
{
    struct rec_args a = { .sql = SQL_TOUCH_PLAYED, .call_sid = call_sid, .now = at };
    return pg_store_op(pg_store_of(st), true, do_sid_time, &a);
}

static recd_err pg_evict(struct store *st, const char *call_sid, int64_t now)
{
    struct rec_args a = { .sql = SQL_EVICT, .call_sid = call_sid, .now = now };
    return pg_store_op(pg_store_of(st), true, do_sid_time, &a);
}

const struct store_backend store_backend_postgres = {
    .name = "postgres",
    .open = pg_store_open,
    .close = pg_store_close,
    .migrate = pg_store_migrate,
    .ping = pg_store_ping,
    .ensure_run = pg_ensure_run,
    .claim = pg_claim,
    .renew = pg_renew,
    .complete = pg_complete,
    .retry = pg_retry,
    .release = pg_release,
    .fail = pg_fail,
    .reap = pg_reap,
    .upsert_recording = pg_upsert,
    .get_recording = pg_get,
    .list_recordings = pg_store_list_recordings,
    .list_ready = pg_store_list_ready,
    .list_runs = pg_store_list_runs,
    .find_duplicates = pg_store_find_duplicates,
    .count_runs = pg_store_count_runs,
    .touch_played = pg_touch,
    .mark_evicted = pg_evict,
    .pend = pg_store_pend,
    .note_choice = pg_store_note_choice,
    .apply_event = pg_store_apply_event,
};
