/* SPDX-License-Identifier: MIT */
/*
 * postgres_list.c — the PostgreSQL backend's read-only listings:
 * recordings by keyset page, ready recordings, runs, the duplicate check
 * and run counts; the same queries and orderings as sqlite_list.c.
 *
 * Invariant: each listing is one SELECT outside any transaction, so it
 * reads one consistent snapshot; rows go into caller arrays and no visitor
 * runs here.
 * Threads: through pg_store_op (a pooled connection), reads only.
 */
#include "store/postgres_int.h"

#include <stdlib.h>
#include <string.h>

/* Newest first on the (created_at, call_sid) index. The filters are
 * optional: a NULL parameter disables one. ILIKE because SQLite's LIKE is
 * case-insensitive for ASCII, and the search box promises the same; '!'
 * escapes, as a backslash would depend on standard_conforming_strings. */
#define REC_FILTER                                                                        \
    "($1::text IS NULL OR state = $1::text) AND "                                         \
    "($2::text IS NULL OR call_sid ILIKE $2::text ESCAPE '!')"
#define REC_ORDER " ORDER BY created_at DESC, call_sid DESC LIMIT $3::bigint"
static const char SQL_LIST_FIRST[] =
    "SELECT " PG_REC_COLS " FROM recordings WHERE " REC_FILTER REC_ORDER;
static const char SQL_LIST_AFTER[] =
    "SELECT " PG_REC_COLS " FROM recordings WHERE " REC_FILTER
    " AND (created_at, call_sid) < ($4::bigint, $5::text)" REC_ORDER;
static const char SQL_LIST_READY[] = "SELECT " PG_REC_COLS " FROM recordings "
                                     "WHERE state = 'ready' AND call_sid > $1::text "
                                     "ORDER BY call_sid LIMIT $2::bigint";
/* $1 status or NULL, $2 limit, $3 call_sid. */
#define RUN_STATUS "($1::text IS NULL OR status = $1::text)"
#define RUN_ORDER " ORDER BY id DESC LIMIT $2::bigint"
static const char SQL_RUNS_ALL[] =
    "SELECT " PG_RUN_COLS " FROM recording_runs WHERE " RUN_STATUS RUN_ORDER;
static const char SQL_RUNS_BY_CALL[] = "SELECT " PG_RUN_COLS " FROM recording_runs "
                                       "WHERE call_sid = $3::text AND " RUN_STATUS RUN_ORDER;
/* SPEC §7, verbatim. */
static const char SQL_DUPLICATES[] =
    "SELECT call_sid, COUNT(*) FROM recording_runs "
    "WHERE status IN ('queued','running') GROUP BY call_sid HAVING COUNT(*) > 1";
static const char SQL_COUNT_RUNS[] =
    "SELECT status, COUNT(*) FROM recording_runs GROUP BY status";

struct list_args {
    const char *sql;
    struct pg_params params;
    void *rows;       /* struct store_recording[] or struct store_run[] */
    bool runs;
    size_t max;
    size_t n;
    struct store_dup *dups;
    int64_t *counts;
};

/* Run a->sql and decode at most a->max rows into a->rows. */
static recd_err do_fill(struct pg_op *op, void *ctx)
{
    struct list_args *a = ctx;
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, a->sql, &a->params, &res);
    size_t got;

    a->n = 0;
    if (err != RECD_OK)
        goto out;
    got = (size_t)PQntuples(res);
    for (; a->n < a->max && a->n < got; a->n++) {
        if (a->runs)
            pg_store_read_run(res, (int)a->n, (struct store_run *)a->rows + a->n);
        else
            pg_store_read_rec(res, (int)a->n, (struct store_recording *)a->rows + a->n);
    }
out:
    PQclear(res);
    return err;
}

static recd_err fill(struct store *st, struct list_args *a, size_t *pn)
{
    recd_err err = pg_store_op(pg_store_of(st), false, do_fill, a);
    *pn = err == RECD_OK ? a->n : 0;
    return err;
}

/* "%<q>%" with ILIKE's wildcards and the escape character '!' taken
 * literally. */
static char *like_pattern(const char *q)
{
    char *pat = xmalloc(2 * strlen(q) + 3);
    char *w = pat;

    *w++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '!')
            *w++ = '!';
        *w++ = *q;
    }
    *w++ = '%';
    *w = '\0';
    return pat;
}

recd_err pg_store_list_recordings(struct store *st, const struct store_rec_query *rq,
                                  struct store_recording *rows, size_t max, size_t *pn)
{
    struct list_args a = { .rows = rows, .max = max };
    char *pat = NULL;
    recd_err err;

    /* Every stored call_sid is ASCII: a search with any other byte matches
     * nothing (as in SQLite) and must not reach the server as bad UTF-8. */
    for (const char *c = rq->q; c && *c; c++) {
        if ((unsigned char)*c >= 0x80) {
            *pn = 0;
            return RECD_OK;
        }
    }
    if (rq->q && rq->q[0])
        pat = like_pattern(rq->q);
    a.sql = rq->has_after ? SQL_LIST_AFTER : SQL_LIST_FIRST;
    pg_param_text_or_null(&a.params, rq->has_state ? rec_state_name(rq->state) : NULL);
    pg_param_text_or_null(&a.params, pat);
    pg_param_i64(&a.params, (int64_t)max);
    if (rq->has_after) {
        pg_param_i64(&a.params, rq->after_created_at);
        pg_param_text(&a.params, rq->after_call_sid);
    }
    err = fill(st, &a, pn);
    free(pat);
    return err;
}

recd_err pg_store_list_ready(struct store *st, const char *after_call_sid,
                             struct store_recording *rows, size_t max, size_t *pn)
{
    struct list_args a = { .sql = SQL_LIST_READY, .rows = rows, .max = max };

    /* "" sorts before every call_sid: the start. */
    pg_param_text(&a.params, after_call_sid);
    pg_param_i64(&a.params, (int64_t)max);
    return fill(st, &a, pn);
}

recd_err pg_store_list_runs(struct store *st, const struct run_filter *f,
                            struct store_run *rows, size_t max, size_t *pn)
{
    struct list_args a = { .rows = rows, .runs = true, .max = max };

    a.sql = f->call_sid ? SQL_RUNS_BY_CALL : SQL_RUNS_ALL;
    pg_param_text_or_null(&a.params, f->has_status ? run_status_name(f->status) : NULL);
    pg_param_i64(&a.params, (int64_t)max);
    if (f->call_sid)
        pg_param_text(&a.params, f->call_sid);
    return fill(st, &a, pn);
}

static recd_err do_duplicates(struct pg_op *op, void *ctx)
{
    struct list_args *a = ctx;
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, SQL_DUPLICATES, NULL, &res);
    size_t got = err == RECD_OK ? (size_t)PQntuples(res) : 0;

    a->n = 0;
    if (got > 0)
        a->dups = xrealloc(a->dups, got * sizeof(*a->dups));
    for (; a->n < got; a->n++) {
        pg_store_col_text(res, (int)a->n, 0, a->dups[a->n].call_sid,
                          sizeof(a->dups[a->n].call_sid));
        a->dups[a->n].active_runs = (int)pg_store_col_i64(res, (int)a->n, 1);
    }
    PQclear(res);
    return err;
}

recd_err pg_store_find_duplicates(struct store *st, struct store_dup **prows, size_t *pn)
{
    struct list_args a = { 0 };
    recd_err err = pg_store_op(pg_store_of(st), false, do_duplicates, &a);

    *prows = a.dups; /* the caller frees it, even after a failure */
    *pn = err == RECD_OK ? a.n : 0;
    return err;
}

static recd_err do_count_runs(struct pg_op *op, void *ctx)
{
    struct list_args *a = ctx;
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, SQL_COUNT_RUNS, NULL, &res);
    int rows = err == RECD_OK ? PQntuples(res) : 0;

    memset(a->counts, 0, 4 * sizeof(a->counts[0]));
    for (int i = 0; i < rows; i++) {
        enum run_status s;
        if (run_status_parse(PQgetvalue(res, i, 0), &s))
            a->counts[s] = pg_store_col_i64(res, i, 1);
    }
    PQclear(res);
    return err;
}

recd_err pg_store_count_runs(struct store *st, int64_t counts[4])
{
    struct list_args a = { .counts = counts };
    return pg_store_op(pg_store_of(st), false, do_count_runs, &a);
}
