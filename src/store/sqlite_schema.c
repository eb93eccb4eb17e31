/* SPDX-License-Identifier: MIT */
/*
 * sqlite_schema.c — the SQLite schema as numbered migrations compiled into
 * the binary (no file is read at run time), and the migration runner.
 *
 * Invariant: migration N is applied at most once, in one BEGIN IMMEDIATE
 * transaction that also records N in schema_migrations; two processes
 * migrating at once serialise on that lock and the loser sees N recorded.
 * Migrations are append-only: never edit one that has shipped, add N+1.
 * Threads: through sqlite_store_op, like every other entry point.
 */
#include "store/sqlite_int.h"
#include "util/clock.h"
#include "util/log.h"

/* Timestamps are epoch milliseconds; the defaults only serve operators
 * inserting rows by hand (recd always binds them). */
#define NOW_MS "(CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"

static const char MIGRATION_1[] =
    "CREATE TABLE recordings ("
    " call_sid TEXT PRIMARY KEY NOT NULL,"
    " recording_sid TEXT,"
    " provider TEXT,"
    " media_url TEXT,"
    " format TEXT,"
    " duration_s REAL,"
    " size_bytes INTEGER,"
    " sha256 TEXT,"
    " cache_path TEXT,"
    " state TEXT NOT NULL DEFAULT 'remote'"
    "  CHECK (state IN ('remote','queued','running','ready','failed','missing')),"
    " error_code TEXT,"
    " error_message TEXT,"
    " error_at INTEGER,"
    " created_at INTEGER NOT NULL DEFAULT " NOW_MS ","
    " updated_at INTEGER NOT NULL DEFAULT " NOW_MS ","
    " ready_at INTEGER,"
    " last_played_at INTEGER"
    ");"
    "CREATE TABLE recording_runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " call_sid TEXT NOT NULL REFERENCES recordings(call_sid),"
    " status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed')),"
    " attempt INTEGER NOT NULL DEFAULT 0,"
    " lease_owner TEXT,"
    " lease_expires_at INTEGER,"
    " next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    " bytes_done INTEGER NOT NULL DEFAULT 0,"
    " bytes_total INTEGER,"
    " error_code TEXT,"
    " error_message TEXT,"
    " created_at INTEGER NOT NULL,"
    " started_at INTEGER,"
    " finished_at INTEGER"
    ");"
    /* The invariant itself: at most one active run per call_sid. */
    "CREATE UNIQUE INDEX recording_runs_one_active ON recording_runs(call_sid)"
    " WHERE status IN ('queued','running');"
    "CREATE INDEX recording_runs_claim ON recording_runs(status, next_attempt_at, id);"
    "CREATE INDEX recording_runs_by_call ON recording_runs(call_sid, id);"
    "CREATE INDEX recordings_by_created ON recordings(created_at, call_sid);";

/* Issue 10: the recording a run chose from the listing (so a retry does not
 * list again) and since when the provider says "not ready yet". */
static const char MIGRATION_2[] =
    "ALTER TABLE recording_runs ADD COLUMN recording_sid TEXT;"
    "ALTER TABLE recording_runs ADD COLUMN pending_since INTEGER;";

/* migrations[i] is version i + 1. */
static const char *const migrations[] = { MIGRATION_1, MIGRATION_2 };

static const char SQL_BOOTSTRAP[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                    " version INTEGER PRIMARY KEY,"
                                    " applied_at INTEGER NOT NULL)";
static const char SQL_MAX_VERSION[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char SQL_HAS_VERSION[] = "SELECT 1 FROM schema_migrations WHERE version = ?1";
static const char SQL_ADD_VERSION[] =
    "INSERT INTO schema_migrations(version, applied_at) VALUES(?1, ?2)";

struct migrate_args {
    int version;
    int64_t found; /* max version (bootstrap) or 1 if present (apply) */
};

static recd_err query_int(struct sqlite_store *s, sqlite3_stmt *q, int64_t *pv)
{
    recd_err err = RECD_ESTORE;
    int rc;

    if (!q)
        goto out;
    rc = sqlite_store_step(s, q);
    *pv = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        err = RECD_OK;
out:
    sqlite_store_release(q);
    return err;
}

static recd_err do_bootstrap(struct sqlite_store *s, void *ctx)
{
    struct migrate_args *a = ctx;
    recd_err err = sqlite_store_exec(s, sqlite_store_stmt(s, SQL_BOOTSTRAP));
    if (err == RECD_OK)
        err = query_int(s, sqlite_store_stmt(s, SQL_MAX_VERSION), &a->found);
    return err;
}

static recd_err do_apply(struct sqlite_store *s, void *ctx)
{
    struct migrate_args *a = ctx;
    sqlite3_stmt *q = sqlite_store_stmt(s, SQL_HAS_VERSION);
    recd_err err;

    if (q)
        sqlite_store_bind_i64(q, 1, a->version);
    err = query_int(s, q, &a->found);
    if (err != RECD_OK || a->found)
        goto out; /* applied by us earlier or by a concurrent migrator */
    err = sqlite_store_exec_script(s, migrations[a->version - 1]);
    if (err != RECD_OK)
        goto out;
    q = sqlite_store_stmt(s, SQL_ADD_VERSION);
    if (q) {
        sqlite_store_bind_i64(q, 1, a->version);
        sqlite_store_bind_i64(q, 2, clock_now_ms());
    }
    err = sqlite_store_exec(s, q);
out:
    return err;
}

recd_err sqlite_store_migrate(struct store *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    struct migrate_args a = { 0, 0 };
    const int latest = (int)RECD_ARRAY_LEN(migrations);
    recd_err err = sqlite_store_op(s, true, do_bootstrap, &a);

    if (err != RECD_OK)
        goto out;
    /* Refuse to run an old binary against a schema it does not know. */
    if (a.found > latest) {
        log_event(LOG_ERROR, "STORE_SCHEMA_TOO_NEW", LF_S("backend", "sqlite"),
                  LF_I("db_version", a.found), LF_I("known_version", latest));
        err = RECD_ESTORE;
        goto out;
    }
    for (int v = (int)a.found + 1; err == RECD_OK && v <= latest; v++) {
        a.version = v;
        err = sqlite_store_op(s, true, do_apply, &a);
        if (err == RECD_OK && !a.found)
            log_event(LOG_INFO, "STORE_MIGRATE", LF_S("backend", "sqlite"), LF_I("version", v));
    }
out:
    return err;
}
