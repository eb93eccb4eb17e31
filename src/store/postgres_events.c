/* SPDX-License-Identifier: MIT */
/*
 * postgres_events.c — the PostgreSQL side of waiting for the provider (a
 * run parked as "pending" without spending its attempt, the recording it
 * chose) and of the provider's callbacks (store_apply_event), with the
 * same semantics as sqlite_events.c. A callback locks the active run and
 * then the recording (FOR UPDATE, the run-then-recording order of every
 * writer), lets store_event_plan() in store.c decide, and writes.
 * Threads: any thread; each op borrows a pooled connection.
 */
#include "store/postgres_int.h"

#include <string.h>

/* ---- store_pend, store_note_choice --------------------------------------- */

/* $1 id, $2 owner, $3 now, $4 next check, $5 message. A recording that
 * gained a media URL or sid while we listed (a callback) is due at once. */
static const char SQL_PEND[] =
    "UPDATE recording_runs SET status = 'queued', attempt = GREATEST(attempt - 1, 0), "
    "pending_since = COALESCE(pending_since, $3::bigint), "
    "next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM recordings AS r "
    "WHERE r.call_sid = recording_runs.call_sid "
    "AND (r.media_url IS NOT NULL OR r.recording_sid IS NOT NULL)) THEN $3::bigint "
    "ELSE $4::bigint END, "
    "error_code = '" STORE_PENDING_CODE "', error_message = $5::text, lease_owner = NULL, "
    "lease_expires_at = NULL "
    "WHERE id = $1::bigint AND status = 'running' AND lease_owner = $2::text "
    "RETURNING call_sid";
static const char SQL_PEND_REC[] =
    "UPDATE recordings SET state = 'queued', error_code = '" STORE_PENDING_CODE "', "
    "error_message = $2::text, updated_at = $3::bigint WHERE call_sid = $1::text";
static const char SQL_CHOICE[] =
    "UPDATE recording_runs SET recording_sid = $3::text "
    "WHERE id = $1::bigint AND status = 'running' AND lease_owner = $2::text "
    "RETURNING call_sid";

struct pend_args {
    int64_t run_id;
    const char *owner;
    int64_t now, next_check_at;
    const char *text; /* message (pend) or recording sid (note_choice) */
};

/* A lease-guarded UPDATE … RETURNING call_sid: RECD_ELEASE when no row. */
static recd_err lease_guarded(struct pg_op *op, const char *sql, const struct pg_params *p,
                              char *call_sid, size_t cap)
{
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, sql, p, &res);

    if (err == RECD_OK && PQntuples(res) == 0)
        err = RECD_ELEASE;
    if (err == RECD_OK)
        pg_store_col_text(res, 0, 0, call_sid, cap);
    PQclear(res);
    return err;
}

static recd_err do_pend(struct pg_op *op, void *ctx)
{
    struct pend_args *a = ctx;
    char call_sid[RECD_SID_MAX + 1];
    struct pg_params p = { 0 };

    pg_param_i64(&p, a->run_id);
    pg_param_text(&p, a->owner);
    pg_param_i64(&p, a->now);
    pg_param_i64(&p, a->next_check_at);
    pg_param_text(&p, a->text);
    recd_err err = lease_guarded(op, SQL_PEND, &p, call_sid, sizeof(call_sid));
    if (err != RECD_OK)
        return err;
    memset(&p, 0, sizeof(p));
    pg_param_text(&p, call_sid);
    pg_param_text(&p, a->text);
    pg_param_i64(&p, a->now);
    return pg_store_exec(op, SQL_PEND_REC, &p, NULL);
}

static recd_err do_note_choice(struct pg_op *op, void *ctx)
{
    struct pend_args *a = ctx;
    char call_sid[RECD_SID_MAX + 1];
    struct pg_params p = { 0 };

    pg_param_i64(&p, a->run_id);
    pg_param_text(&p, a->owner);
    pg_param_text(&p, a->text);
    return lease_guarded(op, SQL_CHOICE, &p, call_sid, sizeof(call_sid));
}

/* Provider text the server would refuse becomes '?', as for error texts. */
recd_err pg_store_pend(struct store *st, int64_t run_id, const char *owner, int64_t now,
                       int64_t next_check_at, const char *message)
{
    char text[sizeof(((struct store_run *)0)->error_message)];
    struct pend_args a = { run_id, owner, now, next_check_at, text };

    pg_text_fix(text, sizeof(text), message);
    return pg_store_op(pg_store_of(st), true, do_pend, &a);
}

recd_err pg_store_note_choice(struct store *st, int64_t run_id, const char *owner,
                              const char *recording_sid)
{
    struct pend_args a = { run_id, owner, 0, 0, recording_sid };
    return pg_store_op(pg_store_of(st), true, do_note_choice, &a);
}

/* ---- store_apply_event --------------------------------------------------- */

static const char SQL_EV_RUN[] = "SELECT " PG_RUN_COLS " FROM recording_runs "
                                 "WHERE call_sid = $1::text "
                                 "AND status IN ('queued','running') FOR UPDATE";
static const char SQL_EV_REC[] =
    "SELECT " PG_REC_COLS " FROM recordings WHERE call_sid = $1::text FOR UPDATE";
/* $1 call_sid, $2 now */
static const char SQL_EV_RETIRE[] =
    "UPDATE recordings SET state = 'remote', cache_path = NULL, sha256 = NULL, "
    "size_bytes = NULL, ready_at = NULL, updated_at = $2::bigint WHERE call_sid = $1::text";
/* The callback's ids win; a new recording sid without a URL drops the old
 * recording's URL. $1 call_sid, $2 sid, $3 url, $4 provider, $5 duration, $6 now */
static const char SQL_EV_REGISTER[] =
    "INSERT INTO recordings AS t (call_sid, recording_sid, provider, media_url, duration_s, "
    "state, created_at, updated_at) VALUES($1::text, $2::text, $4::text, $3::text, "
    "$5::float8, 'remote', $6::bigint, $6::bigint) "
    "ON CONFLICT (call_sid) DO UPDATE SET "
    "media_url = CASE WHEN excluded.media_url IS NOT NULL THEN excluded.media_url "
    "WHEN excluded.recording_sid IS DISTINCT FROM t.recording_sid "
    "AND excluded.recording_sid IS NOT NULL THEN NULL ELSE t.media_url END, "
    "recording_sid = COALESCE(excluded.recording_sid, t.recording_sid), "
    "provider = excluded.provider, duration_s = COALESCE(excluded.duration_s, t.duration_s), "
    "updated_at = excluded.updated_at";
static const char SQL_EV_CLEAR[] =
    "UPDATE recordings SET state = 'remote', error_code = NULL, error_message = NULL, "
    "error_at = NULL, updated_at = $2::bigint "
    "WHERE call_sid = $1::text AND state IN ('missing','failed')";
/* $1 run id, $2 now, $3 forget the chosen sid */
static const char SQL_EV_WAKE[] =
    "UPDATE recording_runs SET next_attempt_at = $2::bigint, "
    "recording_sid = CASE WHEN $3::boolean THEN NULL ELSE recording_sid END "
    "WHERE id = $1::bigint AND status = 'queued'";
/* $1 run id, $2 now, $3 message */
static const char SQL_EV_FAIL_RUN[] =
    "UPDATE recording_runs SET status = 'failed', finished_at = $2::bigint, "
    "error_code = 'recording_not_found', error_message = $3::text, lease_expires_at = NULL "
    "WHERE id = $1::bigint AND status IN ('queued','running')";
/* $1 call_sid, $2 now, $3 message */
static const char SQL_EV_MISSING[] =
    "UPDATE recordings SET state = 'missing', error_code = 'recording_not_found', "
    "error_message = $3::text, error_at = $2::bigint, updated_at = $2::bigint "
    "WHERE call_sid = $1::text";

struct event_args {
    const struct store_event *ev;
    int64_t now;
    struct store_event_result *out;
    char reason[sizeof(((struct store_run *)0)->error_message)];
    struct store_recording rec;
    struct store_run run;
    bool has_rec, has_run;
};

/* One row of sql ($1 = call_sid) into rec or run; *pfound says if any. */
static recd_err read_one(struct pg_op *op, const char *sql, const char *call_sid,
                         struct store_recording *rec, struct store_run *run, bool *pfound)
{
    struct pg_params p = { 0 };
    PGresult *res = NULL;

    pg_param_text(&p, call_sid);
    recd_err err = pg_store_exec(op, sql, &p, &res);
    *pfound = err == RECD_OK && PQntuples(res) > 0;
    if (*pfound && rec)
        pg_store_read_rec(res, 0, rec);
    if (*pfound && run)
        pg_store_read_run(res, 0, run);
    PQclear(res);
    return err;
}

/* $1 call_sid, $2 now, then text if not NULL. */
static recd_err on_recording(struct pg_op *op, const char *sql, struct event_args *a,
                             const char *text)
{
    struct pg_params p = { 0 };
    pg_param_text(&p, a->ev->call_sid);
    pg_param_i64(&p, a->now);
    if (text)
        pg_param_text(&p, text);
    return pg_store_exec(op, sql, &p, NULL);
}

static recd_err register_ids(struct pg_op *op, struct event_args *a)
{
    const struct store_event *ev = a->ev;
    struct pg_params p = { 0 };
    pg_param_text(&p, ev->call_sid);
    pg_param_text_or_null(&p, ev->recording_sid);
    pg_param_text_or_null(&p, ev->media_url);
    pg_param_text(&p, ev->provider);
    pg_param_double_or_null(&p, ev->duration_s);
    pg_param_i64(&p, a->now);
    return pg_store_exec(op, SQL_EV_REGISTER, &p, NULL);
}

/* $1 run id, $2 now, $3 text (or the flag when text is NULL). */
static recd_err on_run(struct pg_op *op, const char *sql, struct event_args *a, const char *text,
                       bool flag)
{
    struct pg_params p = { 0 };
    pg_param_i64(&p, a->run.id);
    pg_param_i64(&p, a->now);
    pg_param_text(&p, text ? text : flag ? "true" : "false");
    return pg_store_exec(op, sql, &p, NULL);
}

static recd_err do_apply_event(struct pg_op *op, void *ctx)
{
    struct event_args *a = ctx;
    struct store_event_result *out = a->out;
    struct store_event_plan plan;
    recd_err err = read_one(op, SQL_EV_RUN, a->ev->call_sid, NULL, &a->run, &a->has_run);

    if (err == RECD_OK)
        err = read_one(op, SQL_EV_REC, a->ev->call_sid, &a->rec, NULL, &a->has_rec);
    if (err != RECD_OK)
        return err;
    store_event_plan(a->ev, a->has_rec ? &a->rec : NULL, a->has_run ? &a->run : NULL, &plan);
    if (plan.retire)
        err = on_recording(op, SQL_EV_RETIRE, a, NULL);
    if (err == RECD_OK && plan.register_ids)
        err = register_ids(op, a);
    if (err == RECD_OK && plan.clear_error)
        err = on_recording(op, SQL_EV_CLEAR, a, NULL);
    if (err == RECD_OK && plan.wake_run)
        err = on_run(op, SQL_EV_WAKE, a, NULL, plan.forget_choice);
    if (err == RECD_OK && plan.fail_run)
        err = on_run(op, SQL_EV_FAIL_RUN, a, a->reason, false);
    if (err == RECD_OK && plan.mark_missing)
        err = on_recording(op, SQL_EV_MISSING, a, a->reason);
    if (err != RECD_OK)
        return err;
    memset(out, 0, sizeof(*out));
    out->registered = plan.register_ids;
    out->cleared = plan.clear_error;
    out->woke_run = plan.wake_run;
    out->ended_run = plan.fail_run;
    out->retired = plan.retire;
    if (plan.retire)
        recd_strlcpy(out->retired_path, a->rec.cache_path, sizeof(out->retired_path));
    return RECD_OK;
}

/* Texts the server cannot store as UTF-8 are refused as bad input (ids)
 * or repaired (the reason), as for recordings and error texts. */
recd_err pg_store_apply_event(struct store *st, const struct store_event *ev, int64_t now,
                              struct store_event_result *out)
{
    struct event_args a = { .ev = ev, .now = now, .out = out };

    if (!pg_text_ok(ev->media_url) || !pg_text_ok(ev->provider))
        return RECD_EINVAL;
    pg_text_fix(a.reason, sizeof(a.reason), ev->reason);
    return pg_store_op(pg_store_of(st), true, do_apply_event, &a);
}
