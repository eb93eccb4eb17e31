/* SPDX-License-Identifier: MIT */
/*
 * sqlite_list.c — the SQLite backend's read-only listings: recordings by
 * keyset page, ready recordings, runs, the duplicate check and run counts.
 *
 * Invariant: each listing is one SELECT, so it reads one consistent
 * snapshot; rows go into caller arrays and no visitor runs here.
 * Threads: through sqlite_store_op (the handle's mutex), reads only.
 */
#include "store/sqlite_int.h"

#include <stdlib.h>
#include <string.h>

/* Newest first on the (created_at, call_sid) index. The filters are
 * optional: a NULL parameter disables one. */
#define REC_FILTER "(?1 IS NULL OR state = ?1) AND (?2 IS NULL OR call_sid LIKE ?2 ESCAPE '\\')"
#define REC_ORDER " ORDER BY created_at DESC, call_sid DESC LIMIT ?3"
static const char SQL_LIST_FIRST[] =
    "SELECT " SQLITE_REC_COLS " FROM recordings WHERE " REC_FILTER REC_ORDER;
static const char SQL_LIST_AFTER[] = "SELECT " SQLITE_REC_COLS " FROM recordings WHERE " REC_FILTER
                                     " AND (created_at, call_sid) < (?4, ?5)" REC_ORDER;
static const char SQL_LIST_READY[] = "SELECT " SQLITE_REC_COLS " FROM recordings "
                                     "WHERE state = 'ready' AND call_sid > ?1 "
                                     "ORDER BY call_sid LIMIT ?2";
#define RUN_ORDER " ORDER BY id DESC LIMIT ?3"
static const char SQL_RUNS_ALL[] = "SELECT " SQLITE_RUN_COLS " FROM recording_runs "
                                   "WHERE (?1 IS NULL OR status = ?1)" RUN_ORDER;
static const char SQL_RUNS_BY_CALL[] = "SELECT " SQLITE_RUN_COLS " FROM recording_runs "
                                       "WHERE call_sid = ?2 AND (?1 IS NULL OR status = ?1)"
                                       RUN_ORDER;
/* SPEC §7, verbatim. */
static const char SQL_DUPLICATES[] =
    "SELECT call_sid, COUNT(*) FROM recording_runs "
    "WHERE status IN ('queued','running') GROUP BY call_sid HAVING COUNT(*) > 1";
static const char SQL_COUNT_RUNS[] =
    "SELECT status, COUNT(*) FROM recording_runs GROUP BY status";

struct list_args {
    const struct store_rec_query *rq;
    const struct run_filter *rf;
    const char *after;
    void *rows;       /* struct store_recording[] or struct store_run[] */
    size_t max;
    size_t n;
    struct store_dup *dups;
    int64_t *counts;
};

/* Step q into a->rows; q is released. */
static recd_err fill(struct sqlite_store *s, sqlite3_stmt *q, struct list_args *a, bool runs)
{
    recd_err err = RECD_ESTORE;
    int rc = SQLITE_DONE;

    a->n = 0;
    if (!q)
        goto out;
    while (a->n < a->max && (rc = sqlite_store_step(s, q)) == SQLITE_ROW) {
        if (runs)
            sqlite_store_read_run(q, (struct store_run *)a->rows + a->n);
        else
            sqlite_store_read_rec(q, (struct store_recording *)a->rows + a->n);
        a->n++;
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        err = RECD_OK;
out:
    sqlite_store_release(q);
    return err;
}

/* "%<q>%" with LIKE's wildcards and the escape character taken literally. */
static char *like_pattern(const char *q)
{
    char *pat = xmalloc(2 * strlen(q) + 3);
    char *w = pat;

    *w++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            *w++ = '\\';
        *w++ = *q;
    }
    *w++ = '%';
    *w = '\0';
    return pat;
}

static recd_err do_list_recordings(struct sqlite_store *s, void *ctx)
{
    struct list_args *a = ctx;
    const struct store_rec_query *rq = a->rq;
    sqlite3_stmt *q = sqlite_store_stmt(s, rq->has_after ? SQL_LIST_AFTER : SQL_LIST_FIRST);
    char *pat = NULL;
    recd_err err;

    if (q) {
        if (rq->has_state)
            sqlite_store_bind_text(q, 1, rec_state_name(rq->state));
        if (rq->q && rq->q[0]) {
            pat = like_pattern(rq->q);
            sqlite_store_bind_text(q, 2, pat);
        }
        sqlite_store_bind_i64(q, 3, (int64_t)a->max);
        if (rq->has_after) {
            sqlite_store_bind_i64(q, 4, rq->after_created_at);
            sqlite_store_bind_text(q, 5, rq->after_call_sid);
        }
    }
    err = fill(s, q, a, false);
    free(pat);
    return err;
}

recd_err sqlite_store_list_recordings(struct store *st, const struct store_rec_query *rq,
                                      struct store_recording *rows, size_t max, size_t *pn)
{
    struct list_args a = { .rq = rq, .rows = rows, .max = max };
    recd_err err = sqlite_store_op((struct sqlite_store *)st, false, do_list_recordings, &a);
    *pn = err == RECD_OK ? a.n : 0;
    return err;
}

static recd_err do_list_ready(struct sqlite_store *s, void *ctx)
{
    struct list_args *a = ctx;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_LIST_READY);

    if (q) {
        sqlite_store_bind_text(q, 1, a->after);
        sqlite_store_bind_i64(q, 2, (int64_t)a->max);
    }
    return fill(s, q, a, false);
}

recd_err sqlite_store_list_ready(struct store *st, const char *after_call_sid,
                                 struct store_recording *rows, size_t max, size_t *pn)
{
    struct list_args a = { .after = after_call_sid, .rows = rows, .max = max };
    recd_err err = sqlite_store_op((struct sqlite_store *)st, false, do_list_ready, &a);
    *pn = err == RECD_OK ? a.n : 0;
    return err;
}

static recd_err do_list_runs(struct sqlite_store *s, void *ctx)
{
    struct list_args *a = ctx;
    const struct run_filter *f = a->rf;
    sqlite3_stmt *q = sqlite_store_stmt(s, f->call_sid ? SQL_RUNS_BY_CALL : SQL_RUNS_ALL);

    if (q) {
        if (f->has_status)
            sqlite_store_bind_text(q, 1, run_status_name(f->status));
        if (f->call_sid)
            sqlite_store_bind_text(q, 2, f->call_sid);
        sqlite_store_bind_i64(q, 3, (int64_t)a->max);
    }
    return fill(s, q, a, true);
}

recd_err sqlite_store_list_runs(struct store *st, const struct run_filter *f,
                                struct store_run *rows, size_t max, size_t *pn)
{
    struct list_args a = { .rf = f, .rows = rows, .max = max };
    recd_err err = sqlite_store_op((struct sqlite_store *)st, false, do_list_runs, &a);
    *pn = err == RECD_OK ? a.n : 0;
    return err;
}

static recd_err do_duplicates(struct sqlite_store *s, void *ctx)
{
    struct list_args *a = ctx;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_DUPLICATES);
    recd_err err = RECD_ESTORE;
    int rc = SQLITE_DONE;

    a->n = 0;
    if (!q)
        goto out;
    while ((rc = sqlite_store_step(s, q)) == SQLITE_ROW) {
        const unsigned char *sid = sqlite3_column_text(q, 0);
        if (a->n == a->max) {
            a->max = a->max ? 2 * a->max : 16;
            a->dups = xrealloc(a->dups, a->max * sizeof(*a->dups));
        }
        recd_strlcpy(a->dups[a->n].call_sid, sid ? (const char *)sid : "",
                     sizeof(a->dups[a->n].call_sid));
        a->dups[a->n].active_runs = sqlite3_column_int(q, 1);
        a->n++;
    }
    if (rc == SQLITE_DONE)
        err = RECD_OK;
out:
    sqlite_store_release(q);
    return err;
}

recd_err sqlite_store_find_duplicates(struct store *st, struct store_dup **prows, size_t *pn)
{
    struct list_args a = { 0 };
    recd_err err = sqlite_store_op((struct sqlite_store *)st, false, do_duplicates, &a);

    *prows = a.dups; /* the caller frees it, even after a failure */
    *pn = err == RECD_OK ? a.n : 0;
    return err;
}

static recd_err do_count_runs(struct sqlite_store *s, void *ctx)
{
    struct list_args *a = ctx;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_COUNT_RUNS);
    recd_err err = RECD_ESTORE;
    int rc = SQLITE_DONE;

    memset(a->counts, 0, 4 * sizeof(a->counts[0]));
    if (!q)
        goto out;
    while ((rc = sqlite_store_step(s, q)) == SQLITE_ROW) {
        enum run_status st;
        if (run_status_parse((const char *)sqlite3_column_text(q, 0), &st))
            a->counts[st] = sqlite3_column_int64(q, 1);
    }
    if (rc == SQLITE_DONE)
        err = RECD_OK;
out:
    sqlite_store_release(q);
    return err;
}

recd_err sqlite_store_count_runs(struct store *st, int64_t counts[4])
{
    struct list_args a = { .counts = counts };
    return sqlite_store_op((struct sqlite_store *)st, false, do_count_runs, &a);
}
