/* SPDX-License-Identifier: MIT */
/*
 * postgres_int.h — private to the PostgreSQL backend (postgres.c,
 * postgres_conn.c, postgres_list.c, postgres_schema.c): the handle with
 * its connection pool, the operation runner every vtable entry goes
 * through, parameter building and row decoding.
 *
 * Threads: a struct pg_store is shared by every thread; its pool mutex
 * guards only which connection is lent to whom. A lent connection belongs
 * to one thread for one whole operation (retries included), so statements
 * run without any lock held.
 */
#ifndef RECD_STORE_POSTGRES_INT_H
#define RECD_STORE_POSTGRES_INT_H

#include "store/backend.h"

#include <libpq-fe.h>
#include <pthread.h>

#define PG_POOL_SIZE 4    /* connections per struct store, opened on demand */
#define PG_PARAMS_MAX 12  /* the most $n any statement of the backend binds */

struct pg_store {
    struct store base;    /* first: store.c dispatches on base.be */
    char *conninfo;       /* "postgresql://…": may hold a password, never logged */
    char *password;       /* from conninfo, to scrub libpq messages; NULL if none */
    /* mu guards conns[], lent[] and opening; cond is signalled whenever a
     * connection is handed back or a slot frees up. The PGconn objects
     * themselves are used only by the thread they are lent to. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    PGconn *conns[PG_POOL_SIZE]; /* NULL: slot not connected yet */
    bool lent[PG_POOL_SIZE];     /* slot checked out (or being connected) */
};

/* One operation's use of one lent connection. */
struct pg_op {
    struct pg_store *s;
    PGconn *conn;
    bool broken;   /* the connection failed during this attempt */
    bool transient; /* deadlock or serialization failure: safe to run again */
};

/* Parameters for one statement, $1 first. Texts are borrowed and must
 * outlive the statement; numbers are formatted into buf. */
struct pg_params {
    int n;
    const char *values[PG_PARAMS_MAX];
    char buf[PG_PARAMS_MAX][32];
};

/* Column lists shared by the queries that fill struct store_recording and
 * struct store_run; pg_store_read_rec/_run decode them in this order. */
#define PG_REC_COLS                                                                       \
    "call_sid, recording_sid, provider, media_url, format, duration_s, size_bytes, "      \
    "sha256, cache_path, state, error_code, error_message, error_at, created_at, "        \
    "ready_at, last_played_at"
#define PG_RUN_COLS                                                                       \
    "id, call_sid, status, attempt, lease_owner, lease_expires_at, next_attempt_at, "     \
    "bytes_done, bytes_total, error_code, error_message, created_at, started_at, "        \
    "finished_at, recording_sid, pending_since"

static inline struct pg_store *pg_store_of(struct store *st)
{
    return (struct pg_store *)st;
}

/* postgres_conn.c */
/** Open the pool and its first connection (so a wrong URL, password or
 *  host fails here); NULL with a reason in err that never contains the
 *  URL or its password. target is the URL without "postgres://". */
struct store *pg_store_open(const char *target, char *err, size_t errlen);
/** Close every connection and free the handle. */
void pg_store_close(struct store *st);
RECD_MUSTCHECK recd_err pg_store_ping(struct store *st);

/* The body of one operation, run on a lent connection; inside BEGIN …
 * COMMIT when the op is a write. */
typedef recd_err (*pg_store_op_cb)(struct pg_op *op, void *ctx);

/** Run fn on a pooled connection; a write runs in its own transaction,
 *  rolled back unless fn returns RECD_OK. A broken connection is reset
 *  and fn run once more unless a COMMIT was already sent; a deadlock or
 *  serialization failure runs it again a bounded number of times. */
RECD_MUSTCHECK recd_err pg_store_op(struct pg_store *s, bool write, pg_store_op_cb fn,
                                    void *ctx);

/** Run one statement with p's parameters (NULL for none). On success
 *  *pres (if not NULL) holds the result, freed by the caller with
 *  PQclear(); on failure RECD_ESTORE, the error logged and op flagged. */
RECD_MUSTCHECK recd_err pg_store_exec(struct pg_op *op, const char *sql,
                                      const struct pg_params *p, PGresult **pres);
/** A fixed multi-statement script (migrations only: never user data). */
RECD_MUSTCHECK recd_err pg_store_exec_script(struct pg_op *op, const char *sql);

/* The server stores UTF-8 only and refuses anything else, where SQLite
 * would keep the bytes. */
/** True if s (NULL counts as "") is valid UTF-8. */
bool pg_text_ok(const char *s);
/** Copy src into dst (cap bytes, always terminated), each byte that is not
 *  part of a valid UTF-8 sequence replaced by '?'. */
void pg_text_fix(char *dst, size_t cap, const char *src);

/* Parameter building; the _or_null forms send "" / 0 as NULL, where the
 * schema means "unset". Exceeding PG_PARAMS_MAX is a bug (asserted). */
void pg_param_text(struct pg_params *p, const char *v);
void pg_param_text_or_null(struct pg_params *p, const char *v);
void pg_param_i64(struct pg_params *p, int64_t v);
void pg_param_i64_or_null(struct pg_params *p, int64_t v);
/** A double, or NULL when v < 0 (the structs' "unknown"). */
void pg_param_double_or_null(struct pg_params *p, double v);

/** Column value decoding: NULL reads as "" / 0. */
void pg_store_col_text(const PGresult *res, int row, int col, char *dst, size_t cap);
int64_t pg_store_col_i64(const PGresult *res, int row, int col);
/** Decode PG_REC_COLS / PG_RUN_COLS of one row starting at column 0. */
void pg_store_read_rec(const PGresult *res, int row, struct store_recording *out);
void pg_store_read_run(const PGresult *res, int row, struct store_run *out);

/* postgres_events.c: waiting for the provider and its callbacks. */
RECD_MUSTCHECK recd_err pg_store_pend(struct store *st, int64_t run_id, const char *owner,
                                      int64_t now, int64_t next_check_at, const char *message);
RECD_MUSTCHECK recd_err pg_store_note_choice(struct store *st, int64_t run_id, const char *owner,
                                             const char *recording_sid);
RECD_MUSTCHECK recd_err pg_store_apply_event(struct store *st, const struct store_event *ev,
                                             int64_t now, struct store_event_result *out);

/* postgres_schema.c */
/** Apply every pending migration in one transaction under an advisory
 *  lock, so concurrent recd processes migrate one after the other. */
RECD_MUSTCHECK recd_err pg_store_migrate(struct store *st);

/* postgres_list.c: the read-only listing entry points of the vtable. */
RECD_MUSTCHECK recd_err pg_store_list_recordings(struct store *st,
                                                 const struct store_rec_query *q,
                                                 struct store_recording *rows, size_t max,
                                                 size_t *pn);
RECD_MUSTCHECK recd_err pg_store_list_ready(struct store *st, const char *after_call_sid,
                                            struct store_recording *rows, size_t max,
                                            size_t *pn);
RECD_MUSTCHECK recd_err pg_store_list_runs(struct store *st, const struct run_filter *f,
                                           struct store_run *rows, size_t max, size_t *pn);
RECD_MUSTCHECK recd_err pg_store_find_duplicates(struct store *st, struct store_dup **prows,
                                                 size_t *pn);
RECD_MUSTCHECK recd_err pg_store_count_runs(struct store *st, int64_t counts[4]);

extern const struct store_backend store_backend_postgres;

#endif /* RECD_STORE_POSTGRES_INT_H */
