/* SPDX-License-Identifier: MIT */
/*
 * sqlite_conn.c — the SQLite backend's connection: open/close with WAL,
 * synchronous=NORMAL, foreign keys and a busy timeout; the operation
 * runner (mutex, BEGIN IMMEDIATE, bounded BUSY/LOCKED retries); the
 * prepared-statement cache; binding and row decoding.
 *
 * Invariant: a statement handed out by sqlite_store_stmt() is reset before
 * the op that used it returns, so no op leaves a read snapshot open (that
 * would keep WAL checkpoints from completing).
 * Threads: s->mu is held for a whole op, retries included; nothing here
 * touches the connection without it (open/close own the handle alone).
 */
#include "store/sqlite_int.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define BUSY_TIMEOUT_MS 10000 /* SQLite's own wait for a lock, per statement */
#define BUSY_RETRIES 3        /* whole-op attempts after BUSY outlived that */

/* ---- statements and values ---------------------------------------------- */

void sqlite_store_log_error(struct sqlite_store *s, const char *what, int rc)
{
    log_event(LOG_ERROR, "STORE_ERROR", LF_S("backend", "sqlite"), LF_S("what", what),
              LF_I("rc", rc), LF_S("msg", sqlite3_errmsg(s->db)));
}

static bool is_busy(int rc)
{
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static void note_busy(struct sqlite_store *s, int rc)
{
    if (is_busy(rc))
        s->busy = true;
}

sqlite3_stmt *sqlite_store_stmt(struct sqlite_store *s, const char *sql)
{
    size_t i;
    sqlite3_stmt *q = NULL;
    int rc;

    for (i = 0; i < SQLITE_STMT_MAX && s->stmts[i].sql; i++) {
        if (s->stmts[i].sql == sql)
            return s->stmts[i].stmt;
    }
    RECD_ASSERT(i < SQLITE_STMT_MAX);
    rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL);
    if (rc != SQLITE_OK) {
        note_busy(s, rc);
        sqlite_store_log_error(s, sql, rc);
        sqlite3_finalize(q);
        return NULL;
    }
    s->stmts[i].sql = sql;
    s->stmts[i].stmt = q;
    return q;
}

void sqlite_store_release(sqlite3_stmt *q)
{
    if (q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
    }
}

int sqlite_store_step(struct sqlite_store *s, sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        note_busy(s, rc);
        sqlite_store_log_error(s, sqlite3_sql(q), rc);
    }
    return rc;
}

recd_err sqlite_store_exec(struct sqlite_store *s, sqlite3_stmt *q)
{
    recd_err err = RECD_ESTORE;
    if (q && sqlite_store_step(s, q) == SQLITE_DONE)
        err = RECD_OK;
    sqlite_store_release(q);
    return err;
}

recd_err sqlite_store_exec_script(struct sqlite_store *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return RECD_OK;
    note_busy(s, rc);
    sqlite_store_log_error(s, "script", rc);
    return RECD_ESTORE;
}

/* A failed bind means a wrong index (a bug) or SQLite out of memory; both
 * abort, like xmalloc. */
void sqlite_store_bind_text(sqlite3_stmt *q, int idx, const char *v)
{
    RECD_ASSERT(sqlite3_bind_text(q, idx, v, -1, SQLITE_TRANSIENT) == SQLITE_OK);
}

void sqlite_store_bind_text_or_null(sqlite3_stmt *q, int idx, const char *v)
{
    if (v && v[0])
        sqlite_store_bind_text(q, idx, v);
    else
        RECD_ASSERT(sqlite3_bind_null(q, idx) == SQLITE_OK);
}

void sqlite_store_bind_i64(sqlite3_stmt *q, int idx, int64_t v)
{
    RECD_ASSERT(sqlite3_bind_int64(q, idx, v) == SQLITE_OK);
}

void sqlite_store_bind_i64_or_null(sqlite3_stmt *q, int idx, int64_t v)
{
    if (v != 0)
        sqlite_store_bind_i64(q, idx, v);
    else
        RECD_ASSERT(sqlite3_bind_null(q, idx) == SQLITE_OK);
}

void sqlite_store_col_text(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    recd_strlcpy(dst, t ? (const char *)t : "", cap);
}

void sqlite_store_read_rec(sqlite3_stmt *q, struct store_recording *r)
{
    char state[16];

    memset(r, 0, sizeof(*r));
    sqlite_store_col_text(q, 0, r->call_sid, sizeof(r->call_sid));
    sqlite_store_col_text(q, 1, r->recording_sid, sizeof(r->recording_sid));
    sqlite_store_col_text(q, 2, r->provider, sizeof(r->provider));
    sqlite_store_col_text(q, 3, r->media_url, sizeof(r->media_url));
    sqlite_store_col_text(q, 4, r->format, sizeof(r->format));
    r->duration_s = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1.0 : sqlite3_column_double(q, 5);
    r->size_bytes = sqlite3_column_int64(q, 6);
    sqlite_store_col_text(q, 7, r->sha256, sizeof(r->sha256));
    sqlite_store_col_text(q, 8, r->cache_path, sizeof(r->cache_path));
    sqlite_store_col_text(q, 9, state, sizeof(state));
    if (!rec_state_parse(state, &r->state))
        r->state = REC_REMOTE; /* unreachable: the CHECK constraint */
    sqlite_store_col_text(q, 10, r->error_code, sizeof(r->error_code));
    sqlite_store_col_text(q, 11, r->error_message, sizeof(r->error_message));
    r->error_at = sqlite3_column_int64(q, 12);
    r->created_at = sqlite3_column_int64(q, 13);
    r->ready_at = sqlite3_column_int64(q, 14);
    r->last_played_at = sqlite3_column_int64(q, 15);
}

void sqlite_store_read_run(sqlite3_stmt *q, struct store_run *r)
{
    char status[16];

    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(q, 0);
    sqlite_store_col_text(q, 1, r->call_sid, sizeof(r->call_sid));
    sqlite_store_col_text(q, 2, status, sizeof(status));
    if (!run_status_parse(status, &r->status))
        r->status = RUN_FAILED; /* unreachable: the CHECK constraint */
    r->attempt = sqlite3_column_int(q, 3);
    sqlite_store_col_text(q, 4, r->lease_owner, sizeof(r->lease_owner));
    r->lease_expires_at = sqlite3_column_int64(q, 5);
    r->next_attempt_at = sqlite3_column_int64(q, 6);
    r->bytes_done = sqlite3_column_int64(q, 7);
    r->bytes_total = sqlite3_column_int64(q, 8);
    sqlite_store_col_text(q, 9, r->error_code, sizeof(r->error_code));
    sqlite_store_col_text(q, 10, r->error_message, sizeof(r->error_message));
    r->created_at = sqlite3_column_int64(q, 11);
    r->started_at = sqlite3_column_int64(q, 12);
    r->finished_at = sqlite3_column_int64(q, 13);
    sqlite_store_col_text(q, 14, r->recording_sid, sizeof(r->recording_sid));
    r->pending_since = sqlite3_column_int64(q, 15);
}

/* ---- the operation runner ----------------------------------------------- */

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";

static void rollback(struct sqlite_store *s)
{
    int rc;
    if (sqlite3_get_autocommit(s->db))
        return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
    rc = sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        sqlite_store_log_error(s, "ROLLBACK", rc);
}

static recd_err in_transaction(struct sqlite_store *s, sqlite_store_op_cb fn, void *ctx)
{
    recd_err err = sqlite_store_exec(s, sqlite_store_stmt(s, SQL_BEGIN));
    if (err != RECD_OK)
        goto out;
    err = fn(s, ctx);
    if (err == RECD_OK)
        err = sqlite_store_exec(s, sqlite_store_stmt(s, SQL_COMMIT));
    if (err != RECD_OK)
        rollback(s);
out:
    return err;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

recd_err sqlite_store_op(struct sqlite_store *s, bool write, sqlite_store_op_cb fn, void *ctx)
{
    recd_err err = RECD_ESTORE;

    pthread_mutex_lock(&s->mu);
    for (int attempt = 0; attempt < BUSY_RETRIES; attempt++) {
        if (attempt > 0)
            sleep_ms(25L * attempt); /* holding mu: our other threads would hit BUSY too */
        s->busy = false;
        err = write ? in_transaction(s, fn, ctx) : fn(s, ctx);
        if (err != RECD_ESTORE || !s->busy)
            break;
    }
    pthread_mutex_unlock(&s->mu);
    return err;
}

/* ---- open / close ------------------------------------------------------- */

/* mkdir -p of path's parent directory. */
static bool make_parent(const char *path, char *err, size_t errlen)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    bool ok = true;

    if (slash)
        *slash = '\0';
    for (char *p = dir + 1; slash && ok && p <= slash; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
            ok = false;
        }
        *p = saved;
    }
    free(dir);
    return ok;
}

/* Turning a fresh file into WAL takes an exclusive lock. Two processes
 * opening it at once can each hold a shared lock and want the exclusive
 * one; SQLite then answers BUSY at once instead of waiting (it would be a
 * deadlock), so we retry for as long as the busy timeout. */
static bool enable_wal(struct sqlite_store *s)
{
    sqlite3_stmt *q = NULL;
    const char *mode = NULL;
    bool ok = false;
    int rc = SQLITE_BUSY;
    int64_t deadline = clock_mono_ms() + BUSY_TIMEOUT_MS;

    for (int tries = 0; is_busy(rc) && (tries == 0 || clock_mono_ms() < deadline); tries++) {
        if (tries > 0)
            sleep_ms(10);
        sqlite3_finalize(q);
        q = NULL;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(q);
    }
    if (rc == SQLITE_ROW)
        mode = (const char *)sqlite3_column_text(q, 0);
    /* Readers must never block the writer (recd serve + recd fetch). */
    ok = mode && (strcmp(mode, "wal") == 0 || strcmp(mode, "memory") == 0);
    sqlite3_finalize(q);
    return ok;
}

static bool configure(struct sqlite_store *s, char *err, size_t errlen)
{
    int rc;

    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if (!enable_wal(s)) {
        snprintf(err, errlen, "cannot enable WAL mode: %s", sqlite3_errmsg(s->db));
        return false;
    }
    rc = sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, NULL,
                      NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot configure connection: %s", sqlite3_errmsg(s->db));
        return false;
    }
    return true;
}

void sqlite_store_close(struct store *st)
{
    struct sqlite_store *s = sqlite_store_of(st);

    for (size_t i = 0; i < SQLITE_STMT_MAX && s->stmts[i].sql; i++)
        sqlite3_finalize(s->stmts[i].stmt);
    if (sqlite3_close(s->db) != SQLITE_OK)
        log_event(LOG_ERROR, "STORE_ERROR", LF_S("backend", "sqlite"), LF_S("what", "close"),
                  LF_S("msg", sqlite3_errmsg(s->db)));
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Every INSERT or UPDATE that checks an IN (...) list (the CHECK
 * constraints, the partial unique index) runs through an ephemeral table
 * with a pager of its own, and each such pager's first page-cache
 * allocation is a ~87 KiB bulk block by default: ~260 KiB of malloc/free
 * per store_ensure_run. Without the bulk block a page costs ~4 KiB, as
 * needed. Process-wide, so once, before SQLite initialises itself. */
static pthread_once_t global_config_once = PTHREAD_ONCE_INIT;

static void configure_library(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

struct store *sqlite_store_open(const char *path, char *err, size_t errlen)
{
    struct sqlite_store *s = NULL;
    int rc;

    if (!path[0]) {
        snprintf(err, errlen, "sqlite: URL has no path (want sqlite:PATH)");
        goto fail;
    }
    if (!sqlite3_threadsafe()) {
        snprintf(err, errlen, "libsqlite3 was built without thread support");
        goto fail;
    }
    if (!make_parent(path, err, errlen))
        goto fail;
    pthread_once(&global_config_once, configure_library);
    s = xcalloc(1, sizeof(*s));
    s->base.be = &store_backend_sqlite;
    pthread_mutex_init(&s->mu, NULL);
    /* NOMUTEX: s->mu already serialises every use of this connection. */
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    if (!configure(s, err, errlen))
        goto fail;
    return &s->base;
fail:
    if (s)
        sqlite_store_close(&s->base);
    return NULL;
}

static const char SQL_PING[] = "SELECT 1";

static recd_err do_ping(struct sqlite_store *s, void *ctx)
{
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_PING);
    recd_err err = RECD_ESTORE;

    if (q && sqlite_store_step(s, q) == SQLITE_ROW)
        err = RECD_OK;
    sqlite_store_release(q);
    return err;
}

recd_err sqlite_store_ping(struct store *st)
{
    return sqlite_store_op(sqlite_store_of(st), false, do_ping, NULL);
}
