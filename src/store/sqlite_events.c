/* SPDX-License-Identifier: MIT */
/*
 * sqlite_events.c — the SQLite side of waiting for the provider (a run
 * parked as "pending" without spending its attempt, the recording it chose)
 * and of the provider's callbacks (store_apply_event), one small statement
 * per step. What a callback does is decided by store_event_plan() in
 * store.c from the rows read here, inside the same BEGIN IMMEDIATE
 * transaction, so nothing can change between the reading and the writing.
 * Threads: through sqlite_store_op, like every other entry point.
 */
#include "store/sqlite_int.h"

#include <string.h>

/* ---- store_pend, store_note_choice --------------------------------------- */

/* ?1 id, ?2 owner, ?3 now, ?4 next check, ?5 message. A recording that
 * gained a media URL or sid while we listed (a callback) is due at once. */
static const char SQL_PEND[] =
    "UPDATE recording_runs SET status = 'queued', attempt = MAX(attempt - 1, 0), "
    "pending_since = COALESCE(pending_since, ?3), "
    "next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM recordings AS r "
    "WHERE r.call_sid = recording_runs.call_sid "
    "AND (r.media_url IS NOT NULL OR r.recording_sid IS NOT NULL)) THEN ?3 ELSE ?4 END, "
    "error_code = '" STORE_PENDING_CODE "', error_message = ?5, lease_owner = NULL, "
    "lease_expires_at = NULL "
    "WHERE id = ?1 AND status = 'running' AND lease_owner = ?2 RETURNING call_sid";
static const char SQL_PEND_REC[] =
    "UPDATE recordings SET state = 'queued', error_code = '" STORE_PENDING_CODE "', "
    "error_message = ?2, updated_at = ?3 WHERE call_sid = ?1";
static const char SQL_CHOICE[] =
    "UPDATE recording_runs SET recording_sid = ?3 "
    "WHERE id = ?1 AND status = 'running' AND lease_owner = ?2 RETURNING call_sid";

struct pend_args {
    int64_t run_id;
    const char *owner;
    int64_t now, next_check_at;
    const char *text; /* message (pend) or recording sid (note_choice) */
};

/* Step a lease-guarded UPDATE … RETURNING call_sid. */
static recd_err lease_guarded(struct sqlite_store *s, sqlite3_stmt *q, char *call_sid, size_t cap)
{
    int rc = q ? sqlite_store_step(s, q) : SQLITE_ERROR;
    if (rc == SQLITE_ROW)
        sqlite_store_col_text(q, 0, call_sid, cap);
    sqlite_store_release(q);
    return rc == SQLITE_ROW ? RECD_OK : rc == SQLITE_DONE ? RECD_ELEASE : RECD_ESTORE;
}

static recd_err do_pend(struct sqlite_store *s, void *ctx)
{
    struct pend_args *a = ctx;
    char call_sid[RECD_SID_MAX + 1];
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_PEND);

    if (q) {
        sqlite_store_bind_i64(q, 1, a->run_id);
        sqlite_store_bind_text(q, 2, a->owner);
        sqlite_store_bind_i64(q, 3, a->now);
        sqlite_store_bind_i64(q, 4, a->next_check_at);
        sqlite_store_bind_text(q, 5, a->text);
    }
    recd_err err = lease_guarded(s, q, call_sid, sizeof(call_sid));
    if (err != RECD_OK)
        return err;
    q = sqlite_store_stmt(s, SQL_PEND_REC);
    if (q) {
        sqlite_store_bind_text(q, 1, call_sid);
        sqlite_store_bind_text(q, 2, a->text);
        sqlite_store_bind_i64(q, 3, a->now);
    }
    return sqlite_store_exec(s, q);
}

static recd_err do_note_choice(struct sqlite_store *s, void *ctx)
{
    struct pend_args *a = ctx;
    char call_sid[RECD_SID_MAX + 1];
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_CHOICE);

    if (q) {
        sqlite_store_bind_i64(q, 1, a->run_id);
        sqlite_store_bind_text(q, 2, a->owner);
        sqlite_store_bind_text(q, 3, a->text);
    }
    return lease_guarded(s, q, call_sid, sizeof(call_sid));
}

recd_err sqlite_store_pend(struct store *st, int64_t run_id, const char *owner, int64_t now,
                           int64_t next_check_at, const char *message)
{
    struct pend_args a = { run_id, owner, now, next_check_at, message };
    return sqlite_store_op(sqlite_store_of(st), true, do_pend, &a);
}

recd_err sqlite_store_note_choice(struct store *st, int64_t run_id, const char *owner,
                                  const char *recording_sid)
{
    struct pend_args a = { run_id, owner, 0, 0, recording_sid };
    return sqlite_store_op(sqlite_store_of(st), true, do_note_choice, &a);
}

/* ---- store_apply_event --------------------------------------------------- */

static const char SQL_EV_REC[] = "SELECT " SQLITE_REC_COLS " FROM recordings WHERE call_sid = ?1";
static const char SQL_EV_RUN[] = "SELECT " SQLITE_RUN_COLS " FROM recording_runs "
                                 "WHERE call_sid = ?1 AND status IN ('queued','running')";
/* ?1 call_sid, ?2 now */
static const char SQL_EV_RETIRE[] =
    "UPDATE recordings SET state = 'remote', cache_path = NULL, sha256 = NULL, "
    "size_bytes = NULL, ready_at = NULL, updated_at = ?2 WHERE call_sid = ?1";
/* The callback's ids win; a new recording sid without a URL drops the old
 * recording's URL. ?1 call_sid, ?2 sid, ?3 url, ?4 provider, ?5 duration, ?6 now */
static const char SQL_EV_REGISTER[] =
    "INSERT INTO recordings(call_sid, recording_sid, provider, media_url, duration_s, state, "
    "created_at, updated_at) VALUES(?1, ?2, ?4, ?3, ?5, 'remote', ?6, ?6) "
    "ON CONFLICT(call_sid) DO UPDATE SET "
    "media_url = CASE WHEN excluded.media_url IS NOT NULL THEN excluded.media_url "
    "WHEN excluded.recording_sid IS NOT recording_sid AND excluded.recording_sid IS NOT NULL "
    "THEN NULL ELSE media_url END, "
    "recording_sid = COALESCE(excluded.recording_sid, recording_sid), "
    "provider = excluded.provider, duration_s = COALESCE(excluded.duration_s, duration_s), "
    "updated_at = excluded.updated_at";
static const char SQL_EV_CLEAR[] =
    "UPDATE recordings SET state = 'remote', error_code = NULL, error_message = NULL, "
    "error_at = NULL, updated_at = ?2 WHERE call_sid = ?1 AND state IN ('missing','failed')";
/* ?1 run id, ?2 now, ?3 forget the chosen sid (0/1) */
static const char SQL_EV_WAKE[] = "UPDATE recording_runs SET next_attempt_at = ?2, "
                                  "recording_sid = CASE WHEN ?3 THEN NULL ELSE recording_sid END "
                                  "WHERE id = ?1 AND status = 'queued'";
/* ?1 run id, ?2 now, ?3 message */
static const char SQL_EV_FAIL_RUN[] =
    "UPDATE recording_runs SET status = 'failed', finished_at = ?2, "
    "error_code = 'recording_not_found', error_message = ?3, lease_expires_at = NULL "
    "WHERE id = ?1 AND status IN ('queued','running')";
/* ?1 call_sid, ?2 now, ?3 message */
static const char SQL_EV_MISSING[] =
    "UPDATE recordings SET state = 'missing', error_code = 'recording_not_found', "
    "error_message = ?3, error_at = ?2, updated_at = ?2 WHERE call_sid = ?1";

struct event_args {
    const struct store_event *ev;
    int64_t now;
    struct store_event_result *out;
    struct store_recording rec;
    struct store_run run;
    bool has_rec, has_run;
};

/* One row of sql (?1 = call_sid) into rec or run; *pfound says if any. */
static recd_err read_one(struct sqlite_store *s, const char *sql, const char *call_sid,
                         struct store_recording *rec, struct store_run *run, bool *pfound)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, sql);
    int rc = SQLITE_ERROR;

    if (q) {
        sqlite_store_bind_text(q, 1, call_sid);
        rc = sqlite_store_step(s, q);
    }
    if (rc == SQLITE_ROW && rec)
        sqlite_store_read_rec(q, rec);
    if (rc == SQLITE_ROW && run)
        sqlite_store_read_run(q, run);
    sqlite_store_release(q);
    *pfound = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? RECD_OK : RECD_ESTORE;
}

/* A statement of the recording: ?1 call_sid, ?2 now, ?3 text (if any). */
static recd_err on_recording(struct sqlite_store *s, const char *sql, struct event_args *a,
                             const char *text)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, sql);
    if (q) {
        sqlite_store_bind_text(q, 1, a->ev->call_sid);
        sqlite_store_bind_i64(q, 2, a->now);
        if (text)
            sqlite_store_bind_text(q, 3, text);
    }
    return sqlite_store_exec(s, q);
}

static recd_err register_ids(struct sqlite_store *s, struct event_args *a)
{
    const struct store_event *ev = a->ev;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_EV_REGISTER);
    if (q) {
        sqlite_store_bind_text(q, 1, ev->call_sid);
        sqlite_store_bind_text_or_null(q, 2, ev->recording_sid);
        sqlite_store_bind_text_or_null(q, 3, ev->media_url);
        sqlite_store_bind_text(q, 4, ev->provider);
        if (ev->duration_s >= 0)
            RECD_ASSERT(sqlite3_bind_double(q, 5, ev->duration_s) == SQLITE_OK);
        sqlite_store_bind_i64(q, 6, a->now);
    }
    return sqlite_store_exec(s, q);
}

/* A statement of the active run: ?1 id, ?2 now, ?3 text or flag. */
static recd_err on_run(struct sqlite_store *s, const char *sql, struct event_args *a,
                       const char *text, bool flag)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, sql);
    if (q) {
        sqlite_store_bind_i64(q, 1, a->run.id);
        sqlite_store_bind_i64(q, 2, a->now);
        if (text)
            sqlite_store_bind_text(q, 3, text);
        else
            sqlite_store_bind_i64(q, 3, flag);
    }
    return sqlite_store_exec(s, q);
}

static recd_err do_apply_event(struct sqlite_store *s, void *ctx)
{
    struct event_args *a = ctx;
    struct store_event_result *out = a->out;
    struct store_event_plan plan;
    recd_err err = read_one(s, SQL_EV_REC, a->ev->call_sid, &a->rec, NULL, &a->has_rec);

    if (err == RECD_OK)
        err = read_one(s, SQL_EV_RUN, a->ev->call_sid, NULL, &a->run, &a->has_run);
    if (err != RECD_OK)
        return err;
    store_event_plan(a->ev, a->has_rec ? &a->rec : NULL, a->has_run ? &a->run : NULL, &plan);
    if (plan.retire)
        err = on_recording(s, SQL_EV_RETIRE, a, NULL);
    if (err == RECD_OK && plan.register_ids)
        err = register_ids(s, a);
    if (err == RECD_OK && plan.clear_error)
        err = on_recording(s, SQL_EV_CLEAR, a, NULL);
    if (err == RECD_OK && plan.wake_run)
        err = on_run(s, SQL_EV_WAKE, a, NULL, plan.forget_choice);
    if (err == RECD_OK && plan.fail_run)
        err = on_run(s, SQL_EV_FAIL_RUN, a, a->ev->reason, false);
    if (err == RECD_OK && plan.mark_missing)
        err = on_recording(s, SQL_EV_MISSING, a, a->ev->reason);
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

recd_err sqlite_store_apply_event(struct store *st, const struct store_event *ev, int64_t now,
                                  struct store_event_result *out)
{
    struct event_args a = { .ev = ev, .now = now, .out = out };
    return sqlite_store_op(sqlite_store_of(st), true, do_apply_event, &a);
}
