/* SPDX-License-Identifier: MIT */
/*
 * test_store_sqlite.c — the store interface on the SQLite backend, on real
 * database files in a fresh temporary directory per test: migrations, the
 * dedup path, the lease life cycle, reaping, listing with cursors, and the
 * race between two connections that the partial unique index must decide.
 * A third, plain sqlite3 connection checks the schema itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/store.h"

#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define T0 INT64_C(1700000000000)
#define LEASE 30000
#define TTL 300000
#define COOLDOWN 60000

struct fixture {
    char root[64];
    char path[256];   /* the database file, two directories below root */
    char url[300];
    struct store *st;
};

static struct ensure_policy policy_at(int64_t now)
{
    return (struct ensure_policy){ .now = now, .negative_ttl_ms = TTL,
                                   .failure_cooldown_ms = COOLDOWN, .max_attempts = 3 };
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static struct store *open_store(const char *url)
{
    char err[256] = "";
    struct store *st = store_open(url, err, sizeof(err));
    if (!st)
        fail_msg("store_open(%s): %s", url, err);
    return st;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->root, sizeof(f->root), "/tmp/recd-test-store-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->path, sizeof(f->path), "%s/a/b/recd.db", f->root);
    snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
    f->st = open_store(f->url);
    assert_int_equal(store_migrate(f->st), RECD_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->st);
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* One integer from a query on a plain sqlite3 connection of our own. */
static int64_t raw_int(const struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static struct store_run ensure_created(struct store *st, const char *sid, int64_t now)
{
    struct ensure_policy pol = policy_at(now);
    struct ensure_result r;
    assert_int_equal(store_ensure_run(st, sid, &pol, &r), RECD_OK);
    assert_int_equal(r.outcome, ENSURE_CREATED);
    return r.run;
}

static enum ensure_outcome ensure(struct store *st, const char *sid, int64_t now,
                                  struct ensure_result *r)
{
    struct ensure_policy pol = policy_at(now);
    assert_int_equal(store_ensure_run(st, sid, &pol, r), RECD_OK);
    return r->outcome;
}

static struct store_job claim_ok(struct store *st, const char *owner, int64_t now)
{
    struct store_job job;
    assert_int_equal(store_claim(st, owner, now, LEASE, &job), RECD_OK);
    return job;
}

static bool grab_run(const struct store_run *run, void *ctx)
{
    *(struct store_run *)ctx = *run;
    return false;
}

/* The newest run of call_sid. */
static struct store_run last_run(struct store *st, const char *sid)
{
    struct store_run run = { 0 };
    struct run_filter rf = { .call_sid = sid, .limit = 1 };
    assert_int_equal(store_list_runs(st, &rf, grab_run, &run), RECD_OK);
    assert_true(run.id > 0);
    return run;
}

static struct store_recording get_rec(struct store *st, const char *sid)
{
    struct store_recording rec;
    assert_int_equal(store_get_recording(st, sid, &rec), RECD_OK);
    return rec;
}

static struct store_ready ready_for(const char *sid)
{
    struct store_ready r = { .duration_s = 12.5, .size_bytes = 4096 };
    recd_strlcpy(r.recording_sid, "RE0123", sizeof(r.recording_sid));
    recd_strlcpy(r.format, "mp3", sizeof(r.format));
    recd_strlcpy(r.media_url, "http://127.0.0.1:1/RE0123.mp3", sizeof(r.media_url));
    recd_strlcpy(r.sha256, "ab12", sizeof(r.sha256));
    snprintf(r.cache_path, sizeof(r.cache_path), "ab/%s.mp3", sid);
    return r;
}

/* ---- names, open, migrate ----------------------------------------------- */

static void test_names(void **state)
{
    static const struct { const char *name; int v; } runs[] = {
        { "queued", RUN_QUEUED }, { "running", RUN_RUNNING },
        { "completed", RUN_COMPLETED }, { "failed", RUN_FAILED },
    };
    static const struct { const char *name; int v; } recs[] = {
        { "remote", REC_REMOTE }, { "queued", REC_QUEUED }, { "running", REC_RUNNING },
        { "ready", REC_READY },   { "failed", REC_FAILED }, { "missing", REC_MISSING },
    };
    static const char *const bad[] = { "", "Queued", "ready ", "done", "unknown" };
    enum run_status rs;
    enum rec_state st;

    for (size_t i = 0; i < RECD_ARRAY_LEN(runs); i++) {
        assert_string_equal(run_status_name((enum run_status)runs[i].v), runs[i].name);
        assert_true(run_status_parse(runs[i].name, &rs));
        assert_int_equal(rs, runs[i].v);
    }
    for (size_t i = 0; i < RECD_ARRAY_LEN(recs); i++) {
        assert_string_equal(rec_state_name((enum rec_state)recs[i].v), recs[i].name);
        assert_true(rec_state_parse(recs[i].name, &st));
        assert_int_equal(st, recs[i].v);
    }
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad); i++) {
        assert_false(run_status_parse(bad[i], &rs));
        assert_false(rec_state_parse(bad[i], &st));
    }
    assert_false(run_status_parse(NULL, &rs));
}

static void test_open_errors(void **state)
{
    static const char no_pg[] = "postgres: cannot connect";
    static const struct { const char *url; const char *err; } cases[] = {
        { "postgres://recd:s3cret@127.0.0.1:1/recd", no_pg },
        { "postgresql://recd:s3cret@127.0.0.1:1/recd", no_pg },
        { "mysql://recd:s3cret@127.0.0.1/recd", "unknown store URL scheme" },
        { "/tmp/plain/path.db", "unknown store URL scheme" },
        { "sqlite:", "no path" },
    };
    char err[256];

    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        err[0] = '\0';
        assert_null(store_open(cases[i].url, err, sizeof(err)));
        assert_non_null(strstr(err, cases[i].err));
        assert_null(strstr(err, "s3cret")); /* never echo credentials */
    }
    assert_null(store_open(NULL, err, sizeof(err)));
    assert_null(store_open("sqlite:/proc/no/such/dir/x.db", err, sizeof(err)));
    assert_true(err[0] != '\0');
    store_close(NULL);
}

static void test_open_and_migrate(void **state)
{
    struct fixture *f = *state;
    struct store *again;

    /* setup created a/b/ and migrated; a second migrate, and a second
     * connection's migrate, change nothing. */
    assert_int_equal(store_migrate(f->st), RECD_OK);
    again = open_store(f->url);
    assert_int_equal(store_migrate(again), RECD_OK);
    assert_int_equal(store_ping(again), RECD_OK);
    store_close(again);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations"), 2);
    assert_int_equal(raw_int(f, "SELECT MAX(version) FROM schema_migrations"), 2);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                                "name = 'recording_runs_one_active'"), 1);
    assert_int_equal(raw_int(f, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    assert_int_equal(store_ping(f->st), RECD_OK);

    /* "sqlite://PATH" names the same file as "sqlite:PATH". */
    {
        char url[300];
        struct ensure_result r;
        snprintf(url, sizeof(url), "sqlite://%s", f->path);
        again = open_store(url);
        (void)ensure_created(f->st, "CAurl", T0);
        assert_int_equal(ensure(again, "CAurl", T0, &r), ENSURE_ACTIVE);
        store_close(again);
    }
}

static void test_schema_too_new(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES(999, 0)", NULL, NULL,
                                  NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_migrate(f->st), RECD_ESTORE);
}

struct migrator {
    const char *url;
    pthread_barrier_t *barrier;
    recd_err err;
    char open_err[256];
};

static void *migrate_thread(void *arg)
{
    struct migrator *m = arg;
    struct store *st;

    /* Open as well as migrate at once: a fresh file turns into WAL here. */
    pthread_barrier_wait(m->barrier);
    st = store_open(m->url, m->open_err, sizeof(m->open_err));
    m->err = st ? store_migrate(st) : RECD_ESTORE;
    store_close(st);
    return NULL;
}

static void test_concurrent_migrate(void **state)
{
    struct fixture *f = *state;
    pthread_barrier_t barrier;
    pthread_t th[2];
    struct migrator m[2];
    char url[300];

    /* A fresh file, so both migrators find nothing applied. */
    snprintf(url, sizeof(url), "sqlite:%s/fresh/recd.db", f->root);
    pthread_barrier_init(&barrier, NULL, 2);
    for (int i = 0; i < 2; i++) {
        m[i] = (struct migrator){ url, &barrier, RECD_ESTORE, "" };
        assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, &m[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        if (m[i].err != RECD_OK)
            fail_msg("migrator %d: %s (%s)", i, recd_strerror(m[i].err), m[i].open_err);
    }
    pthread_barrier_destroy(&barrier);
    snprintf(f->path, sizeof(f->path), "%s/fresh/recd.db", f->root);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations"), 2);
}

/* ---- the dedup path and the life cycle ---------------------------------- */

static void test_ensure_created_then_active(void **state)
{
    struct fixture *f = *state;
    struct ensure_result r;
    struct store_run run = ensure_created(f->st, "CA1", T0);

    assert_true(run.id > 0);
    assert_string_equal(run.call_sid, "CA1");
    assert_int_equal(run.status, RUN_QUEUED);
    assert_int_equal(run.attempt, 0);
    assert_int_equal(run.created_at, T0);
    assert_int_equal(ensure(f->st, "CA1", T0 + 1, &r), ENSURE_ACTIVE);
    assert_int_equal(r.run.id, run.id);
    assert_int_equal(r.rec.state, REC_QUEUED);
    assert_int_equal(r.rec.created_at, T0);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recording_runs"), 1);
}

static void test_lifecycle(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CA2", T0);
    struct store_ready ready = ready_for("CA2");
    struct ensure_result r;
    struct store_job job;
    struct store_recording rec;
    int64_t counts[4];

    job = claim_ok(f->st, "w1", T0 + 10);
    assert_int_equal(job.run.id, run.id);
    assert_int_equal(job.run.status, RUN_RUNNING);
    assert_int_equal(job.run.attempt, 1);
    assert_string_equal(job.run.lease_owner, "w1");
    assert_int_equal(job.run.lease_expires_at, T0 + 10 + LEASE);
    assert_int_equal(job.run.started_at, T0 + 10);
    assert_string_equal(job.rec.call_sid, "CA2");
    assert_int_equal(job.rec.state, REC_RUNNING);
    assert_int_equal(store_claim(f->st, "w2", T0 + 10, LEASE, &job), RECD_EAGAIN);
    assert_int_equal(ensure(f->st, "CA2", T0 + 11, &r), ENSURE_ACTIVE);
    assert_int_equal(r.run.status, RUN_RUNNING);

    assert_int_equal(store_renew(f->st, run.id, "w1", T0 + 20, LEASE, 100, 4096), RECD_OK);
    run = last_run(f->st, "CA2");
    assert_int_equal(run.lease_expires_at, T0 + 20 + LEASE);
    assert_int_equal(run.bytes_done, 100);
    assert_int_equal(run.bytes_total, 4096);
    /* bytes_total 0 means "still unknown": the known total is kept. */
    assert_int_equal(store_renew(f->st, run.id, "w1", T0 + 21, LEASE, 200, 0), RECD_OK);
    assert_int_equal(last_run(f->st, "CA2").bytes_total, 4096);

    assert_int_equal(store_complete(f->st, run.id, "w1", T0 + 30, &ready), RECD_OK);
    run = last_run(f->st, "CA2");
    assert_int_equal(run.status, RUN_COMPLETED);
    assert_int_equal(run.finished_at, T0 + 30);
    assert_int_equal(run.bytes_done, 4096);
    assert_int_equal(run.bytes_total, 4096);

    assert_int_equal(ensure(f->st, "CA2", T0 + 40, &r), ENSURE_READY);
    rec = r.rec;
    assert_int_equal(rec.state, REC_READY);
    assert_string_equal(rec.recording_sid, "RE0123");
    assert_string_equal(rec.format, "mp3");
    assert_string_equal(rec.media_url, ready.media_url);
    assert_string_equal(rec.sha256, "ab12");
    assert_string_equal(rec.cache_path, "ab/CA2.mp3");
    assert_int_equal(rec.size_bytes, 4096);
    assert_true(rec.duration_s > 12.4 && rec.duration_s < 12.6);
    assert_int_equal(rec.ready_at, T0 + 30);
    assert_string_equal(rec.error_code, "");
    assert_int_equal(store_count_runs(f->st, counts), RECD_OK);
    assert_int_equal(counts[RUN_COMPLETED], 1);
    assert_int_equal(counts[RUN_QUEUED] + counts[RUN_RUNNING] + counts[RUN_FAILED], 0);
    /* A finished run's lease is gone for everybody, its owner included. */
    assert_int_equal(store_renew(f->st, run.id, "w1", T0 + 50, LEASE, 1, 1), RECD_ELEASE);
}

/* Shutdown hands a claimed run back: queued, claimable at once, and the
 * attempt it had started is not spent. Only the lease holder may. */
static void test_release_keeps_attempts(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CArel", T0);
    struct store_job job = claim_ok(f->st, "w1", T0);

    assert_int_equal(job.run.attempt, 1);
    assert_int_equal(store_release(f->st, run.id, "w2", T0 + 10), RECD_ELEASE);
    assert_int_equal(store_release(f->st, run.id, "w1", T0 + 10), RECD_OK);
    run = last_run(f->st, "CArel");
    assert_int_equal(run.status, RUN_QUEUED);
    assert_int_equal(run.attempt, 0);
    assert_int_equal(run.next_attempt_at, T0 + 10);
    assert_string_equal(run.lease_owner, "");
    assert_int_equal(run.lease_expires_at, 0);
    assert_int_equal(get_rec(f->st, "CArel").state, REC_QUEUED);
    assert_int_equal(store_release(f->st, run.id, "w1", T0 + 11), RECD_ELEASE);
    job = claim_ok(f->st, "w2", T0 + 10);
    assert_int_equal(job.run.id, run.id);
    assert_int_equal(job.run.attempt, 1);
}

static void test_retry_not_claimable_before_time(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CA3", T0);
    struct store_job job = claim_ok(f->st, "w1", T0);
    struct ensure_result r;

    assert_int_equal(store_retry(f->st, run.id, "w1", T0 + 100, T0 + 5000, "upstream_5xx",
                                 "HTTP 503"), RECD_OK);
    run = last_run(f->st, "CA3");
    assert_int_equal(run.status, RUN_QUEUED);
    assert_int_equal(run.attempt, 1);
    assert_int_equal(run.next_attempt_at, T0 + 5000);
    assert_string_equal(run.lease_owner, "");
    assert_int_equal(run.lease_expires_at, 0);
    assert_string_equal(run.error_code, "upstream_5xx");
    assert_string_equal(run.error_message, "HTTP 503");
    assert_int_equal(get_rec(f->st, "CA3").state, REC_QUEUED);
    assert_int_equal(ensure(f->st, "CA3", T0 + 200, &r), ENSURE_ACTIVE);

    assert_int_equal(store_claim(f->st, "w2", T0 + 4999, LEASE, &job), RECD_EAGAIN);
    job = claim_ok(f->st, "w2", T0 + 5000);
    assert_int_equal(job.run.id, run.id);
    assert_int_equal(job.run.attempt, 2);
    assert_int_equal(job.run.started_at, T0); /* first start is kept */
    assert_int_equal(job.rec.state, REC_RUNNING);
}

static void test_claim_order(void **state)
{
    struct fixture *f = *state;
    struct store_run a = ensure_created(f->st, "CAa", T0 + 2);
    struct store_run b = ensure_created(f->st, "CAb", T0 + 1);
    struct store_run c = ensure_created(f->st, "CAc", T0 + 1);

    assert_int_equal(claim_ok(f->st, "w", T0 + 9).run.id, b.id);
    assert_int_equal(claim_ok(f->st, "w", T0 + 9).run.id, c.id);
    assert_int_equal(claim_ok(f->st, "w", T0 + 9).run.id, a.id);
}

static void test_fail_not_found_ttl(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CA4", T0);
    struct ensure_result r;
    struct store_recording rec;

    (void)claim_ok(f->st, "w1", T0);
    assert_int_equal(store_fail(f->st, run.id, "w1", T0 + 10, "recording_not_found",
                                "provider has no recording"), RECD_OK);
    run = last_run(f->st, "CA4");
    assert_int_equal(run.status, RUN_FAILED);
    assert_int_equal(run.finished_at, T0 + 10);
    assert_string_equal(run.error_code, "recording_not_found");
    rec = get_rec(f->st, "CA4");
    assert_int_equal(rec.state, REC_MISSING);
    assert_int_equal(rec.error_at, T0 + 10);
    assert_string_equal(rec.error_message, "provider has no recording");

    assert_int_equal(ensure(f->st, "CA4", T0 + 10 + TTL - 1, &r), ENSURE_MISSING);
    assert_int_equal(r.rec.state, REC_MISSING);
    assert_int_equal(r.run.id, 0);
    assert_int_equal(ensure(f->st, "CA4", T0 + 10 + TTL, &r), ENSURE_CREATED);
    assert_true(r.run.id > run.id);
    assert_int_equal(r.rec.state, REC_QUEUED);
}

static void test_fail_cooldown(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CA5", T0);
    struct ensure_result r;

    (void)claim_ok(f->st, "w1", T0);
    assert_int_equal(store_fail(f->st, run.id, "w1", T0 + 10, "upstream_failed", "HTTP 500"),
                     RECD_OK);
    assert_int_equal(get_rec(f->st, "CA5").state, REC_FAILED);
    assert_int_equal(ensure(f->st, "CA5", T0 + 10 + COOLDOWN - 1, &r), ENSURE_FAILED);
    assert_string_equal(r.rec.error_code, "upstream_failed");
    assert_int_equal(ensure(f->st, "CA5", T0 + 10 + COOLDOWN, &r), ENSURE_CREATED);
}

static void test_wrong_owner_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CA6", T0);
    struct store_ready ready = ready_for("CA6");
    struct store_run before, after;
    struct store_recording rbefore, rafter;

    (void)claim_ok(f->st, "w1", T0);
    before = last_run(f->st, "CA6");
    rbefore = get_rec(f->st, "CA6");
    assert_int_equal(store_renew(f->st, run.id, "w2", T0 + 1, LEASE, 5, 5), RECD_ELEASE);
    assert_int_equal(store_complete(f->st, run.id, "w2", T0 + 1, &ready), RECD_ELEASE);
    assert_int_equal(store_retry(f->st, run.id, "w2", T0 + 1, T0 + 2, "x", "y"), RECD_ELEASE);
    assert_int_equal(store_fail(f->st, run.id, "w2", T0 + 1, "recording_not_found", "y"),
                     RECD_ELEASE);
    assert_int_equal(store_renew(f->st, run.id + 1000, "w1", T0 + 1, LEASE, 5, 5), RECD_ELEASE);
    after = last_run(f->st, "CA6");
    rafter = get_rec(f->st, "CA6");
    assert_memory_equal(&before, &after, sizeof(before));
    assert_memory_equal(&rbefore, &rafter, sizeof(rbefore));
}

static void test_reap(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CA7", T0);
    struct store_recording rec;
    struct ensure_result r;
    int n = -1;

    (void)claim_ok(f->st, "w1", T0); /* lease until T0 + LEASE */
    assert_int_equal(store_reap(f->st, T0 + LEASE, 2, &n), RECD_OK);
    assert_int_equal(n, 0); /* not expired yet: the lease covers its last ms */
    assert_int_equal(store_reap(f->st, T0 + LEASE + 1, 2, &n), RECD_OK);
    assert_int_equal(n, 1);
    run = last_run(f->st, "CA7");
    assert_int_equal(run.status, RUN_QUEUED);
    assert_string_equal(run.lease_owner, "");
    assert_int_equal(run.lease_expires_at, 0);
    assert_int_equal(run.next_attempt_at, T0 + LEASE + 1);
    assert_int_equal(get_rec(f->st, "CA7").state, REC_QUEUED);
    /* The reaped worker has lost its lease. */
    assert_int_equal(store_renew(f->st, run.id, "w1", T0 + LEASE + 2, LEASE, 1, 1), RECD_ELEASE);

    assert_int_equal(claim_ok(f->st, "w2", T0 + LEASE + 2).run.attempt, 2);
    assert_int_equal(store_reap(f->st, T0 + 3 * LEASE, 2, &n), RECD_OK);
    assert_int_equal(n, 1);
    run = last_run(f->st, "CA7");
    assert_int_equal(run.status, RUN_FAILED);
    assert_int_equal(run.finished_at, T0 + 3 * LEASE);
    assert_string_equal(run.error_code, "upstream_failed");
    assert_string_equal(run.error_message, "lease expired after 2 attempts");
    rec = get_rec(f->st, "CA7");
    assert_int_equal(rec.state, REC_FAILED);
    assert_string_equal(rec.error_code, "upstream_failed");
    assert_int_equal(rec.error_at, T0 + 3 * LEASE);
    assert_int_equal(ensure(f->st, "CA7", T0 + 3 * LEASE + 1, &r), ENSURE_FAILED);
    assert_int_equal(store_reap(f->st, T0 + 9 * LEASE, 2, &n), RECD_OK);
    assert_int_equal(n, 0);
}

/* ---- THE RACE ----------------------------------------------------------- */

#define RACE_SIDS 200

struct racer {
    const char *url;
    pthread_barrier_t *barrier;
    enum ensure_outcome outcome[RACE_SIDS];
    int64_t run_id[RACE_SIDS];
    int errors;
};

static void *race_thread(void *arg)
{
    struct racer *rc = arg;
    struct store *st = open_store(rc->url); /* its own connection */

    for (int i = 0; i < RACE_SIDS; i++) {
        struct ensure_policy pol = policy_at(T0 + i);
        struct ensure_result r;
        char sid[16];
        snprintf(sid, sizeof(sid), "CArace%03d", i);
        pthread_barrier_wait(rc->barrier); /* both ask for sid at once */
        if (store_ensure_run(st, sid, &pol, &r) != RECD_OK) {
            rc->errors++;
            continue;
        }
        rc->outcome[i] = r.outcome;
        rc->run_id[i] = r.run.id;
    }
    store_close(st);
    return NULL;
}

static bool count_dup(const char *call_sid, int active_runs, void *ctx)
{
    (*(int *)ctx)++;
    return true;
}

static void test_race_two_connections(void **state)
{
    struct fixture *f = *state;
    struct racer *rc = calloc(2, sizeof(*rc));
    pthread_barrier_t barrier;
    pthread_t th[2];
    sqlite3 *db = NULL;
    int dups = 0, rcode;

    pthread_barrier_init(&barrier, NULL, 2);
    for (int t = 0; t < 2; t++) {
        rc[t].url = f->url;
        rc[t].barrier = &barrier;
        assert_int_equal(pthread_create(&th[t], NULL, race_thread, &rc[t]), 0);
    }
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&barrier);

    assert_int_equal(rc[0].errors + rc[1].errors, 0);
    for (int i = 0; i < RACE_SIDS; i++) {
        int created = (rc[0].outcome[i] == ENSURE_CREATED) + (rc[1].outcome[i] == ENSURE_CREATED);
        int active = (rc[0].outcome[i] == ENSURE_ACTIVE) + (rc[1].outcome[i] == ENSURE_ACTIVE);
        assert_int_equal(created, 1);
        assert_int_equal(active, 1);
        assert_int_equal(rc[0].run_id[i], rc[1].run_id[i]);
    }
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recording_runs"), RACE_SIDS);
    assert_int_equal(store_find_duplicates(f->st, count_dup, &dups), RECD_OK);
    assert_int_equal(dups, 0);

    /* The index, not our code, refuses a second active run. */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    rcode = sqlite3_exec(db, "INSERT INTO recording_runs(call_sid, status, created_at) "
                             "VALUES('CArace007', 'running', 1)", NULL, NULL, NULL);
    assert_int_equal(rcode, SQLITE_CONSTRAINT);
    assert_int_equal(sqlite3_extended_errcode(db), SQLITE_CONSTRAINT_UNIQUE);
    /* … while inactive runs may repeat freely. */
    assert_int_equal(sqlite3_exec(db, "INSERT INTO recording_runs(call_sid, status, created_at) "
                                      "VALUES('CArace007', 'failed', 1)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    dups = 0;
    assert_int_equal(store_find_duplicates(f->st, count_dup, &dups), RECD_OK);
    assert_int_equal(dups, 0);
    free(rc);
}

static void test_find_duplicates_reports(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = NULL;
    int dups = 0;

    /* Drop the index behind the store's back to prove the check sees it. */
    (void)ensure_created(f->st, "CAdup", T0);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP INDEX recording_runs_one_active;"
                                      "INSERT INTO recording_runs(call_sid, status, created_at) "
                                      "VALUES('CAdup', 'queued', 1)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_find_duplicates(f->st, count_dup, &dups), RECD_OK);
    assert_int_equal(dups, 1);
}

/* ---- recordings and listing --------------------------------------------- */

struct page {
    char sids[600][RECD_SID_MAX + 1];
    int64_t created[600];
    int n;
    int stop_after; /* 0: never stop */
};

static bool collect(const struct store_recording *rec, void *ctx)
{
    struct page *p = ctx;
    recd_strlcpy(p->sids[p->n], rec->call_sid, sizeof(p->sids[0]));
    p->created[p->n] = rec->created_at;
    p->n++;
    return p->stop_after == 0 || p->n < p->stop_after;
}

static void register_rec(struct store *st, const char *sid, int64_t created_at)
{
    struct store_recording rec = { .duration_s = -1, .created_at = created_at };
    recd_strlcpy(rec.call_sid, sid, sizeof(rec.call_sid));
    assert_int_equal(store_upsert_recording(st, &rec), RECD_OK);
}

/* Page through with filter f; returns the page sizes in sizes[]. */
static int page_all(struct store *st, struct recording_filter f, struct page *all, int *sizes)
{
    char cursor[128] = "";
    int pages = 0;

    do {
        int before = all->n;
        f.cursor = cursor;
        assert_int_equal(store_list_recordings(st, &f, collect, all, cursor, sizeof(cursor)),
                         RECD_OK);
        sizes[pages++] = all->n - before;
        assert_true(pages < 50);
    } while (cursor[0]);
    return pages;
}

static void test_list_pagination(void **state)
{
    struct fixture *f = *state;
    struct page *all = calloc(1, sizeof(*all));
    int sizes[64];
    int pages;

    /* Three rows share each created_at, so call_sid breaks the ties. */
    for (int i = 0; i < 25; i++) {
        char sid[16];
        snprintf(sid, sizeof(sid), "CA%02d", i);
        register_rec(f->st, sid, T0 + i / 3);
    }
    pages = page_all(f->st, (struct recording_filter){ .limit = 10 }, all, sizes);
    assert_int_equal(pages, 3);
    assert_int_equal(sizes[0], 10);
    assert_int_equal(sizes[1], 10);
    assert_int_equal(sizes[2], 5);
    assert_int_equal(all->n, 25);
    for (int i = 0; i < 25; i++) {
        char want[16];
        snprintf(want, sizeof(want), "CA%02d", 24 - i); /* newest first, no repeats */
        assert_string_equal(all->sids[i], want);
        assert_int_equal(all->created[i], T0 + (24 - i) / 3);
    }

    /* An exact multiple of the limit ends without an empty extra page. */
    memset(all, 0, sizeof(*all));
    pages = page_all(f->st, (struct recording_filter){ .limit = 5 }, all, sizes);
    assert_int_equal(pages, 5);
    assert_int_equal(all->n, 25);

    /* A visitor that stops early gets a cursor that resumes after it. */
    memset(all, 0, sizeof(*all));
    all->stop_after = 3;
    {
        char cursor[128];
        struct recording_filter lf = { .limit = 10 };
        assert_int_equal(store_list_recordings(f->st, &lf, collect, all, cursor,
                                               sizeof(cursor)), RECD_OK);
        assert_int_equal(all->n, 3);
        all->stop_after = 0;
        lf.cursor = cursor;
        assert_int_equal(store_list_recordings(f->st, &lf, collect, all, cursor,
                                               sizeof(cursor)), RECD_OK);
        assert_string_equal(all->sids[3], "CA21");
    }
    free(all);
}

static void test_list_filters(void **state)
{
    struct fixture *f = *state;
    struct page *all = calloc(1, sizeof(*all));
    int sizes[64];

    for (int i = 0; i < 25; i++) {
        char sid[16];
        snprintf(sid, sizeof(sid), "CA%02d", i);
        register_rec(f->st, sid, T0 + i);
        if (i % 4 == 0)
            (void)ensure_created(f->st, sid, T0 + 100); /* CA00 CA04 … CA24: queued */
    }
    register_rec(f->st, "AB_1", T0);
    register_rec(f->st, "AB-2", T0);

    page_all(f->st, (struct recording_filter){ .has_state = true, .state = REC_QUEUED,
                                               .limit = 2 }, all, sizes);
    assert_int_equal(all->n, 7);
    assert_string_equal(all->sids[0], "CA24");
    assert_string_equal(all->sids[6], "CA00");

    static const struct { const char *q; int n; } qs[] = {
        { "CA1", 10 }, /* CA10..CA19 */
        { "ca0", 10 }, /* case-insensitive, CA00..CA09 */
        { "_", 1 },    /* a literal underscore, not LIKE's wildcard */
        { "%", 0 },
        { "\\", 0 },
        { "", 27 },
        { "B-2", 1 },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(qs); i++) {
        memset(all, 0, sizeof(*all));
        page_all(f->st, (struct recording_filter){ .q = qs[i].q, .limit = 3 }, all, sizes);
        assert_int_equal(all->n, qs[i].n);
    }
    memset(all, 0, sizeof(*all));
    page_all(f->st, (struct recording_filter){ .q = "CA2", .has_state = true,
                                               .state = REC_QUEUED, .limit = 10 },
             all, sizes);
    assert_int_equal(all->n, 2); /* CA24, CA20 */
    free(all);
}

static void test_list_bad_input(void **state)
{
    struct fixture *f = *state;
    static const char *const bad[] = {
        "abc", "123", "123.", ".CA1", "-1.CA1", "+1.CA1", " 1.CA1", "1 .CA1", "12a.CA1",
        "1.CA 1", "1.CA%", "1.CA1.", "1.CA.1", "99999999999999999999.CA1",
        "1.CA1'; DROP TABLE recordings; --",
        "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 65 */
    };
    struct page *all = calloc(1, sizeof(*all));
    char cursor[128];

    register_rec(f->st, "CA1", T0);
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad); i++) {
        struct recording_filter lf = { .limit = 10, .cursor = bad[i] };
        assert_int_equal(store_list_recordings(f->st, &lf, collect, all, cursor, sizeof(cursor)),
                         RECD_EINVAL);
        assert_string_equal(cursor, "");
    }
    assert_int_equal(all->n, 0);
    {
        struct recording_filter lf = { .limit = 0 };
        assert_int_equal(store_list_recordings(f->st, &lf, collect, all, cursor,
                                               sizeof(cursor)), RECD_EINVAL);
        lf.limit = 501;
        assert_int_equal(store_list_recordings(f->st, &lf, collect, all, cursor,
                                               sizeof(cursor)), RECD_EINVAL);
        lf.limit = 10;
        lf.cursor = "9223372036854775807.CA1"; /* valid, just past everything */
        assert_int_equal(store_list_recordings(f->st, &lf, collect, all, cursor,
                                               sizeof(cursor)), RECD_OK);
        assert_int_equal(all->n, 1);
    }
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recordings"), 1);
    free(all);
}

static void test_upsert_and_cache_fields(void **state)
{
    struct fixture *f = *state;
    struct store_recording in = { .duration_s = 7.0, .size_bytes = 100 };
    struct store_ready ready = ready_for("CA8");
    struct store_recording rec;
    struct store_run run;

    recd_strlcpy(in.call_sid, "CA8", sizeof(in.call_sid));
    recd_strlcpy(in.provider, "twilio", sizeof(in.provider));
    recd_strlcpy(in.media_url, "http://127.0.0.1:1/a.wav", sizeof(in.media_url));
    recd_strlcpy(in.format, "wav", sizeof(in.format));
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_OK);
    rec = get_rec(f->st, "CA8");
    assert_int_equal(rec.state, REC_REMOTE);
    assert_true(rec.created_at > T0); /* defaulted to the wall clock */
    assert_string_equal(rec.provider, "twilio");
    assert_int_equal(rec.size_bytes, 100);

    /* Empty fields leave what is there; given ones replace it. */
    memset(&in, 0, sizeof(in));
    in.duration_s = -1;
    recd_strlcpy(in.call_sid, "CA8", sizeof(in.call_sid));
    recd_strlcpy(in.recording_sid, "RE0123", sizeof(in.recording_sid));
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_OK);
    rec = get_rec(f->st, "CA8");
    assert_string_equal(rec.recording_sid, "RE0123");
    assert_string_equal(rec.media_url, "http://127.0.0.1:1/a.wav");
    assert_string_equal(rec.format, "wav");
    assert_true(rec.duration_s > 6.9 && rec.duration_s < 7.1);

    run = ensure_created(f->st, "CA8", T0);
    (void)claim_ok(f->st, "w1", T0);
    assert_int_equal(store_complete(f->st, run.id, "w1", T0 + 1, &ready), RECD_OK);
    /* Metadata never downgrades a ready recording or its file's facts. */
    recd_strlcpy(in.format, "wav", sizeof(in.format));
    in.size_bytes = 1;
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_OK);
    rec = get_rec(f->st, "CA8");
    assert_int_equal(rec.state, REC_READY);
    assert_string_equal(rec.format, "mp3");
    assert_int_equal(rec.size_bytes, 4096);
    assert_string_equal(rec.cache_path, "ab/CA8.mp3");

    assert_int_equal(store_touch_played(f->st, "CA8", T0 + 50), RECD_OK);
    assert_int_equal(store_touch_played(f->st, "CA8", T0 + 40), RECD_OK); /* older: ignored */
    assert_int_equal(get_rec(f->st, "CA8").last_played_at, T0 + 50);
    assert_int_equal(store_touch_played(f->st, "CAnone", T0), RECD_OK);

    assert_int_equal(store_mark_evicted(f->st, "CA8"), RECD_OK);
    rec = get_rec(f->st, "CA8");
    assert_int_equal(rec.state, REC_REMOTE);
    assert_string_equal(rec.cache_path, "");
    assert_string_equal(rec.sha256, "");
    assert_int_equal(store_mark_evicted(f->st, "CA8"), RECD_OK); /* no-op now */
    assert_int_equal(ensure_created(f->st, "CA8", T0 + 100).attempt, 0);

    assert_int_equal(store_get_recording(f->st, "CAnone", &rec), RECD_ENOTFOUND);
}

static bool count_rec(const struct store_recording *rec, void *ctx)
{
    assert_int_equal(rec->state, REC_READY);
    (*(int *)ctx)++;
    return true;
}

static void test_list_ready_pages(void **state)
{
    struct fixture *f = *state;
    int n = 0;

    /* More than one backend page (128) of ready recordings. */
    for (int i = 0; i < 300; i++) {
        char sid[16];
        struct store_ready ready;
        snprintf(sid, sizeof(sid), "CAr%03d", i);
        ready = ready_for(sid);
        struct store_run run = ensure_created(f->st, sid, T0);
        struct store_job job = claim_ok(f->st, "w", T0);
        assert_int_equal(job.run.id, run.id);
        assert_int_equal(store_complete(f->st, run.id, "w", T0, &ready), RECD_OK);
    }
    (void)ensure_created(f->st, "CAnotready", T0);
    assert_int_equal(store_list_ready(f->st, count_rec, &n), RECD_OK);
    assert_int_equal(n, 300);
}

static bool count_runs_cb(const struct store_run *run, void *ctx)
{
    (*(int *)ctx)++;
    return true;
}

static void test_list_runs(void **state)
{
    struct fixture *f = *state;
    struct run_filter rf = { .limit = 1000 };
    struct store_run run = ensure_created(f->st, "CA9", T0);
    int n = 0;

    (void)claim_ok(f->st, "w1", T0);
    assert_int_equal(store_fail(f->st, run.id, "w1", T0, "upstream_failed", "x"), RECD_OK);
    (void)ensure_created(f->st, "CA9", T0 + COOLDOWN);
    (void)ensure_created(f->st, "CA10", T0);
    assert_int_equal(store_list_runs(f->st, &rf, count_runs_cb, &n), RECD_OK);
    assert_int_equal(n, 3);
    n = 0;
    rf.call_sid = "CA9";
    assert_int_equal(store_list_runs(f->st, &rf, count_runs_cb, &n), RECD_OK);
    assert_int_equal(n, 2);
    assert_int_equal(last_run(f->st, "CA9").status, RUN_QUEUED); /* newest first */
    n = 0;
    rf.has_status = true;
    rf.status = RUN_FAILED;
    assert_int_equal(store_list_runs(f->st, &rf, count_runs_cb, &n), RECD_OK);
    assert_int_equal(n, 1);
    rf.limit = 1001;
    assert_int_equal(store_list_runs(f->st, &rf, count_runs_cb, &n), RECD_EINVAL);
}

static void test_invalid_arguments(void **state)
{
    struct fixture *f = *state;
    struct ensure_policy pol = policy_at(T0);
    struct ensure_result r;
    struct store_job job;
    struct store_recording rec = { 0 };
    char long_owner[80];
    int n;

    static const char *const bad_sids[] = {
        "", "CA 1", "CA/../x", "CA%", "CA\n",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 65 */
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad_sids); i++)
        assert_int_equal(store_ensure_run(f->st, bad_sids[i], &pol, &r), RECD_EINVAL);
    assert_int_equal(store_ensure_run(f->st, NULL, &pol, &r), RECD_EINVAL);
    memset(long_owner, 'w', sizeof(long_owner) - 1);
    long_owner[sizeof(long_owner) - 1] = '\0';
    assert_int_equal(store_claim(f->st, long_owner, T0, LEASE, &job), RECD_EINVAL);
    assert_int_equal(store_claim(f->st, "", T0, LEASE, &job), RECD_EINVAL);
    assert_int_equal(store_claim(f->st, "w", T0, 0, &job), RECD_EINVAL);
    assert_int_equal(store_reap(f->st, T0, 0, &n), RECD_EINVAL);
    assert_int_equal(store_upsert_recording(f->st, &rec), RECD_EINVAL);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recordings"), 0);
}

static void test_long_error_text_is_clipped(void **state)
{
    struct fixture *f = *state;
    struct store_run run = ensure_created(f->st, "CAlong", T0);
    char msg[600];

    /* 2-byte UTF-8 characters: the clip must not split one. */
    for (size_t i = 0; i + 2 < sizeof(msg); i += 2) {
        msg[i] = (char)0xC3;
        msg[i + 1] = (char)0xA9;
    }
    msg[sizeof(msg) - 2] = '\0';
    (void)claim_ok(f->st, "w1", T0);
    assert_int_equal(store_retry(f->st, run.id, "w1", T0, T0, "a_very_long_error_code_beyond_32",
                                 msg), RECD_OK);
    run = last_run(f->st, "CAlong");
    assert_int_equal(strlen(run.error_message), 254);
    assert_int_equal(strlen(run.error_code), 31);
    assert_int_equal(raw_int(f, "SELECT length(CAST(error_message AS BLOB)) FROM recording_runs"),
                     254);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test_setup_teardown(test_open_and_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_too_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_created_then_active, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_not_claimable_before_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_keeps_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_not_found_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_cooldown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_owner_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_race_two_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_duplicates_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_and_cache_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_ready_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_error_text_is_clipped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
