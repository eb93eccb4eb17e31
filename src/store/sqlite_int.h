/* SPDX-License-Identifier: MIT */
/*
 * sqlite_int.h — private to the SQLite backend (sqlite.c, sqlite_conn.c,
 * sqlite_list.c, sqlite_schema.c): the handle, the statement cache and the
 * operation runner that every vtable entry goes through.
 *
 * Threads: one struct sqlite_store owns one sqlite3 connection; its mutex
 * is taken by sqlite_store_op() for the whole operation, retries included.
 */
#ifndef RECD_STORE_SQLITE_INT_H
#define RECD_STORE_SQLITE_INT_H

#include "store/backend.h"

#include <pthread.h>
#include <sqlite3.h>

#define SQLITE_STMT_MAX 80 /* distinct SQL texts the backend uses, with room */

struct sqlite_stmt_slot {
    const char *sql;       /* identity: the address of a static SQL string */
    sqlite3_stmt *stmt;
};

struct sqlite_store {
    struct store base;     /* first: store.c dispatches on base.be */
    /* mu guards db, every prepared statement in stmts[] and busy: a
     * connection and its statements are used by one thread at a time. */
    pthread_mutex_t mu;
    sqlite3 *db;
    struct sqlite_stmt_slot stmts[SQLITE_STMT_MAX];
    bool busy;             /* the current attempt hit SQLITE_BUSY/LOCKED */
};

/* Column lists shared by the queries that fill struct store_recording and
 * struct store_run; sqlite_store_read_rec/_run decode them in this order. */
#define SQLITE_REC_COLS                                                                   \
    "call_sid, recording_sid, provider, media_url, format, duration_s, size_bytes, "      \
    "sha256, cache_path, state, error_code, error_message, error_at, created_at, "        \
    "ready_at, last_played_at"
#define SQLITE_RUN_COLS                                                                   \
    "id, call_sid, status, attempt, lease_owner, lease_expires_at, next_attempt_at, "     \
    "bytes_done, bytes_total, error_code, error_message, created_at, started_at, "        \
    "finished_at, recording_sid, pending_since"

static inline struct sqlite_store *sqlite_store_of(struct store *st)
{
    return (struct sqlite_store *)st;
}

/* sqlite_conn.c */
/** Open (creating the file and its parent directory) and configure one
 *  connection; NULL with a reason in err on failure. */
struct store *sqlite_store_open(const char *path, char *err, size_t errlen);
/** Finalize every cached statement and close the connection. */
void sqlite_store_close(struct store *st);
RECD_MUSTCHECK recd_err sqlite_store_ping(struct store *st);

/* The body of one operation; runs with the mutex held, inside BEGIN
 * IMMEDIATE … COMMIT when the op is a write. */
typedef recd_err (*sqlite_store_op_cb)(struct sqlite_store *s, void *ctx);

/** Run fn under the mutex; a write runs in its own BEGIN IMMEDIATE
 *  transaction, rolled back unless fn returns RECD_OK. The whole attempt
 *  is retried a bounded number of times when SQLite reports BUSY/LOCKED. */
RECD_MUSTCHECK recd_err sqlite_store_op(struct sqlite_store *s, bool write,
                                        sqlite_store_op_cb fn, void *ctx);

/** The cached statement for sql (a static string: cached by address),
 *  prepared on first use; NULL on failure (logged). Borrowed: hand it back
 *  with sqlite_store_release() before the op returns. */
sqlite3_stmt *sqlite_store_stmt(struct sqlite_store *s, const char *sql);
/** Reset and unbind q so it holds no read snapshot; accepts NULL. */
void sqlite_store_release(sqlite3_stmt *q);
/** sqlite3_step that notes BUSY/LOCKED for the retry loop and logs other
 *  errors; returns SQLite's code (SQLITE_ROW, SQLITE_DONE or an error). */
int sqlite_store_step(struct sqlite_store *s, sqlite3_stmt *q);
/** Run a fixed multi-statement script (migrations only: never user data). */
RECD_MUSTCHECK recd_err sqlite_store_exec_script(struct sqlite_store *s, const char *sql);
/** Step a statement that returns no rows, then release it; RECD_ESTORE on
 *  failure or when q is NULL (its preparation failed). */
RECD_MUSTCHECK recd_err sqlite_store_exec(struct sqlite_store *s, sqlite3_stmt *q);
/** Log a failed SQLite call with the connection's message. */
void sqlite_store_log_error(struct sqlite_store *s, const char *what, int rc);

/* Binding (q must not be NULL). A bind fails only on a wrong index or
 * SQLite OOM, so these assert instead of returning a code. The _or_null
 * forms bind "" / 0 as NULL, where the schema means "unset". */
void sqlite_store_bind_text(sqlite3_stmt *q, int idx, const char *v);
void sqlite_store_bind_text_or_null(sqlite3_stmt *q, int idx, const char *v);
void sqlite_store_bind_i64(sqlite3_stmt *q, int idx, int64_t v);
void sqlite_store_bind_i64_or_null(sqlite3_stmt *q, int idx, int64_t v);

/** Copy a text column ("" for NULL), truncated to cap. */
void sqlite_store_col_text(sqlite3_stmt *q, int i, char *dst, size_t cap);
/** Decode SQLITE_REC_COLS / SQLITE_RUN_COLS starting at column 0. */
void sqlite_store_read_rec(sqlite3_stmt *q, struct store_recording *out);
void sqlite_store_read_run(sqlite3_stmt *q, struct store_run *out);

/* sqlite_events.c: waiting for the provider and its callbacks. */
RECD_MUSTCHECK recd_err sqlite_store_pend(struct store *st, int64_t run_id, const char *owner,
                                          int64_t now, int64_t next_check_at,
                                          const char *message);
RECD_MUSTCHECK recd_err sqlite_store_note_choice(struct store *st, int64_t run_id,
                                                 const char *owner, const char *recording_sid);
RECD_MUSTCHECK recd_err sqlite_store_apply_event(struct store *st, const struct store_event *ev,
                                                 int64_t now, struct store_event_result *out);

/* sqlite_schema.c */
/** Apply every pending migration, each in its own BEGIN IMMEDIATE. */
RECD_MUSTCHECK recd_err sqlite_store_migrate(struct store *st);

/* sqlite_list.c: the read-only listing entry points of the vtable. */
RECD_MUSTCHECK recd_err sqlite_store_list_recordings(struct store *st,
                                                     const struct store_rec_query *q,
                                                     struct store_recording *rows, size_t max,
                                                     size_t *pn);
RECD_MUSTCHECK recd_err sqlite_store_list_ready(struct store *st, const char *after_call_sid,
                                                struct store_recording *rows, size_t max,
                                                size_t *pn);
RECD_MUSTCHECK recd_err sqlite_store_list_runs(struct store *st, const struct run_filter *f,
                                               struct store_run *rows, size_t max, size_t *pn);
RECD_MUSTCHECK recd_err sqlite_store_find_duplicates(struct store *st, struct store_dup **prows,
                                                     size_t *pn);
RECD_MUSTCHECK recd_err sqlite_store_count_runs(struct store *st, int64_t counts[4]);

#endif /* RECD_STORE_SQLITE_INT_H */
