/* SPDX-License-Identifier: MIT */
/*
 * test_store_postgres.c — the store interface on the PostgreSQL backend,
 * against a real server whose URL is in RECD_TEST_PG_URL (see
 * scripts/pg-test-server); without it every test is skipped. The same
 * behaviours as test_store_sqlite.c — migrations, the dedup path, the
 * lease life cycle, reaping, listing with cursors, the race the partial
 * unique index must decide — plus what only a server has: several handles
 * and pooled threads claiming at once, and reconnecting after the server
 * dropped our connections. Each test gets its own schema (search_path set
 * through the URL), so tests never see each other's rows. A plain libpq
 * connection of our own checks the schema itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/store.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T0 INT64_C(1700000000000)
#define LEASE 30000
#define TTL 300000
#define COOLDOWN 60000

static const char *base_url; /* RECD_TEST_PG_URL, or NULL: skip everything */
static int schema_seq;

struct fixture {
    char schema[64];  /* this test's schema, also its application_name */
    char url[1024];   /* base_url + search_path and application_name */
    struct store *st;
};

static struct ensure_policy policy_at(int64_t now)
{
    return (struct ensure_policy){ .now = now, .negative_ttl_ms = TTL,
                                   .failure_cooldown_ms = COOLDOWN, .max_attempts = 3 };
}

/* ---- plain libpq on the side -------------------------------------------- */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "drop cascades to …": expected */
}

static PGconn *raw_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("raw connect: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/* Run sql; returns its SQLSTATE ("" on success) in state. */
static void raw_exec_state(const char *url, const char *sql, char *state, size_t cap)
{
    PGconn *c = raw_connect(url);
    PGresult *res = PQexec(c, sql);
    ExecStatusType rs = PQresultStatus(res);
    const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    state[0] = '\0';
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
        snprintf(state, cap, "%s", code ? code : "?????");
    PQclear(res);
    PQfinish(c);
}

static void raw_exec(const char *url, const char *sql)
{
    char state[8];
    raw_exec_state(url, sql, state, sizeof(state));
    if (state[0])
        fail_msg("raw exec %s: SQLSTATE %s", sql, state);
}

/* One integer from a query on our own connection (-1 if no row). */
static int64_t raw_int(const struct fixture *f, const char *sql)
{
    PGconn *c = raw_connect(f->url);
    PGresult *res = PQexec(c, sql);
    int64_t v = -1;

    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("raw query %s: %s", sql, PQresultErrorMessage(res));
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(c);
    return v;
}

/* ---- fixtures ----------------------------------------------------------- */

static struct store *open_store(const char *url)
{
    char err[256] = "";
    struct store *st = store_open(url, err, sizeof(err));
    if (!st)
        fail_msg("store_open: %s", err);
    return st;
}

/* A fresh, empty schema; the store is not opened. */
static int setup_fresh(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char sql[256];

    snprintf(f->schema, sizeof(f->schema), "recd_t_%d_%d", (int)getpid(), ++schema_seq);
    snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s&application_name=%s",
             base_url, strchr(base_url, '?') ? '&' : '?', f->schema, f->schema);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", f->schema,
             f->schema);
    raw_exec(base_url, sql);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    struct fixture *f;

    setup_fresh(state);
    f = *state;
    f->st = open_store(f->url);
    assert_int_equal(store_migrate(f->st), RECD_OK);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char sql[128];

    if (!f)
        return 0;
    store_close(f->st);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
    raw_exec(base_url, sql);
    free(f);
    return 0;
}

/* ---- store helpers ------------------------------------------------------ */

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

static bool count_dup(const char *call_sid, int active_runs, void *ctx)
{
    (*(int *)ctx)++;
    return true;
}

/* ---- open, migrate ------------------------------------------------------ */

/* One connection parameter of the test server's URL, or dflt. */
static void server_param(const char *key, const char *dflt, char *out, size_t cap)
{
    PQconninfoOption *opts = PQconninfoParse(base_url, NULL);

    assert_non_null(opts);
    snprintf(out, cap, "%s", dflt);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, key) == 0 && o->val)
            snprintf(out, cap, "%s", o->val);
    }
    PQconninfoFree(opts);
}

static void test_open_errors(void **state)
{
    char host[128], port[16], user[64], url[512], err[256];

    server_param("host", "127.0.0.1", host, sizeof(host));
    server_param("port", "5432", port, sizeof(port));
    server_param("user", "postgres", user, sizeof(user));
    /* Port 1: privileged, so never a PostgreSQL of anybody's. */
    assert_null(store_open("postgres://recd:s3cret@127.0.0.1:1/recd", err, sizeof(err)));
    assert_non_null(strstr(err, "postgres: cannot connect"));
    assert_null(strstr(err, "s3cret"));

    /* libpq does not parse it: our message, not libpq's (which may quote it). */
    assert_null(store_open("postgres://recd:s3cret@127.0.0.1:notaport/x%zz", err, sizeof(err)));
    assert_non_null(strstr(err, "invalid connection URL"));
    assert_null(strstr(err, "s3cret"));

    /* The server quotes the role name; when it equals the password it is
     * scrubbed too, wherever libpq's message would show it. */
    snprintf(url, sizeof(url), "postgresql://s3cret:s3cret@%s:%s/recd_test", host, port);
    assert_null(store_open(url, err, sizeof(err)));
    assert_non_null(strstr(err, "postgres: cannot connect"));
    assert_non_null(strstr(err, "***"));
    assert_null(strstr(err, "s3cret"));

    snprintf(url, sizeof(url), "postgres://%s@%s:%s/no_such_db_recd", user, host, port);
    assert_null(store_open(url, err, sizeof(err)));
    assert_non_null(strstr(err, "no_such_db_recd"));
    assert_null(strchr(err, '\n')); /* one line, fit for a log field */
}

static void test_open_and_migrate(void **state)
{
    struct fixture *f = *state;
    struct store *again;
    char url[1100];
    struct ensure_result r;

    assert_int_equal(store_migrate(f->st), RECD_OK);
    again = open_store(f->url);
    assert_int_equal(store_migrate(again), RECD_OK);
    assert_int_equal(store_ping(again), RECD_OK);
    store_close(again);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM schema_migrations"), 2);
    assert_int_equal(raw_int(f, "SELECT MAX(version) FROM schema_migrations"), 2);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = "
                                "current_schema() AND indexname = 'recording_runs_one_active'"),
                     1);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM information_schema.tables WHERE "
                                "table_schema = current_schema() AND table_name IN "
                                "('recordings','recording_runs','schema_migrations')"), 3);
    assert_int_equal(store_ping(f->st), RECD_OK);

    /* "postgresql://" names the same database as "postgres://". */
    if (strncmp(f->url, "postgres://", 11) == 0) {
        snprintf(url, sizeof(url), "postgresql://%s", f->url + 11);
        again = open_store(url);
        (void)ensure_created(f->st, "CAurl", T0);
        assert_int_equal(ensure(again, "CAurl", T0, &r), ENSURE_ACTIVE);
        store_close(again);
    }
}

static void test_schema_too_new(void **state)
{
    struct fixture *f = *state;

    raw_exec(f->url, "INSERT INTO schema_migrations VALUES(999, 0)");
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
    pthread_t th[4];
    struct migrator m[4];

    /* A fresh schema, so every migrator finds nothing applied. */
    pthread_barrier_init(&barrier, NULL, 4);
    for (int i = 0; i < 4; i++) {
        m[i] = (struct migrator){ f->url, &barrier, RECD_ESTORE, "" };
        assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, &m[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        if (m[i].err != RECD_OK)
            fail_msg("migrator %d: %s (%s)", i, recd_strerror(m[i].err), m[i].open_err);
    }
    pthread_barrier_destroy(&barrier);
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
    assert_int_equal(r.rec.state, REC_RUNNING);

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
    assert_string_equal(run.error_code, "lease_expired");
    assert_string_equal(run.error_message, "lease expired during attempt 1");
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
    assert_string_equal(rec.error_message, "lease expired after 2 attempts");
    assert_int_equal(rec.error_at, T0 + 3 * LEASE);
    assert_int_equal(ensure(f->st, "CA7", T0 + 3 * LEASE + 1, &r), ENSURE_FAILED);
    assert_int_equal(store_reap(f->st, T0 + 9 * LEASE, 2, &n), RECD_OK);
    assert_int_equal(n, 0);
}

/* ---- THE RACE ----------------------------------------------------------- */

#define RACE_SIDS 200

struct racer {
    const char *url;
    struct store *shared;        /* NULL: open a handle of its own */
    pthread_barrier_t *barrier;
    enum ensure_outcome outcome[RACE_SIDS];
    int64_t run_id[RACE_SIDS];
    int errors;
};

static void *race_thread(void *arg)
{
    struct racer *rc = arg;
    struct store *st = rc->shared ? rc->shared : open_store(rc->url);

    for (int i = 0; i < RACE_SIDS; i++) {
        struct ensure_policy pol = policy_at(T0 + i);
        struct ensure_result r;
        char sid[16];
        snprintf(sid, sizeof(sid), "CArace%03d", i);
        pthread_barrier_wait(rc->barrier); /* everybody asks for sid at once */
        if (store_ensure_run(st, sid, &pol, &r) != RECD_OK) {
            rc->errors++;
            continue;
        }
        rc->outcome[i] = r.outcome;
        rc->run_id[i] = r.run.id;
    }
    if (!rc->shared)
        store_close(st);
    return NULL;
}

/* nthreads racers, on their own handles or all on shared; then exactly
 * one CREATED per call_sid, the rest ACTIVE with the same run. */
static void race(struct fixture *f, int nthreads, struct store *shared)
{
    struct racer *rc = calloc((size_t)nthreads, sizeof(*rc));
    pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
    pthread_barrier_t barrier;
    int dups = 0;

    pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
    for (int t = 0; t < nthreads; t++) {
        rc[t].url = f->url;
        rc[t].shared = shared;
        rc[t].barrier = &barrier;
        assert_int_equal(pthread_create(&th[t], NULL, race_thread, &rc[t]), 0);
    }
    for (int t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&barrier);

    for (int t = 0; t < nthreads; t++)
        assert_int_equal(rc[t].errors, 0);
    for (int i = 0; i < RACE_SIDS; i++) {
        int created = 0, active = 0;
        for (int t = 0; t < nthreads; t++) {
            created += rc[t].outcome[i] == ENSURE_CREATED;
            active += rc[t].outcome[i] == ENSURE_ACTIVE;
            assert_int_equal(rc[t].run_id[i], rc[0].run_id[i]);
        }
        assert_int_equal(created, 1);
        assert_int_equal(active, nthreads - 1);
    }
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recording_runs"), RACE_SIDS);
    assert_int_equal(store_find_duplicates(f->st, count_dup, &dups), RECD_OK);
    assert_int_equal(dups, 0);
    free(th);
    free(rc);
}

static void test_race_two_connections(void **state)
{
    struct fixture *f = *state;
    char code[8];
    int dups = 0;

    race(f, 2, NULL);
    /* The index, not our code, refuses a second active run. */
    raw_exec_state(f->url, "INSERT INTO recording_runs(call_sid, status, created_at) "
                           "VALUES('CArace007', 'running', 1)", code, sizeof(code));
    assert_string_equal(code, "23505");
    /* … while inactive runs may repeat freely. */
    raw_exec(f->url, "INSERT INTO recording_runs(call_sid, status, created_at) "
                     "VALUES('CArace007', 'failed', 1)");
    assert_int_equal(store_find_duplicates(f->st, count_dup, &dups), RECD_OK);
    assert_int_equal(dups, 0);
}

/* Eight threads on one handle: four pooled connections, taken in turn. */
static void test_race_one_pooled_handle(void **state)
{
    struct fixture *f = *state;
    race(f, 8, f->st);
}

static void test_find_duplicates_reports(void **state)
{
    struct fixture *f = *state;
    int dups = 0;

    /* Drop the index behind the store's back to prove the check sees it. */
    (void)ensure_created(f->st, "CAdup", T0);
    raw_exec(f->url, "DROP INDEX recording_runs_one_active;"
                     "INSERT INTO recording_runs(call_sid, status, created_at) "
                     "VALUES('CAdup', 'queued', 1)");
    assert_int_equal(store_find_duplicates(f->st, count_dup, &dups), RECD_OK);
    assert_int_equal(dups, 1);
}

/* ---- ensure meets a run that is finishing right now ---------------------- */

struct ensurer {
    struct store *st;
    const char *sid;
    recd_err err;
    struct ensure_result r;
};

static void *ensure_thread(void *arg)
{
    struct ensurer *e = arg;
    struct ensure_policy pol = policy_at(T0 + 100);
    e->err = store_ensure_run(e->st, e->sid, &pol, &e->r);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Until one of this test's connections waits for a lock. */
static void wait_for_lock_wait(struct fixture *f)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM pg_stat_activity WHERE "
             "application_name = '%s' AND wait_event_type = 'Lock'", f->schema);
    for (int i = 0; i < 1000 && raw_int(f, sql) == 0; i++)
        sleep_ms(10);
    assert_int_equal(raw_int(f, sql), 1);
}

static void raw_ok(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* The active run is being completed by another transaction when ensure
 * arrives: ensure's INSERT waits for it. Committed, the recording is ready
 * and no second run may stay behind; rolled back, the run is still the
 * active one. (SQLite's single writer never interleaves like this.) */
static void test_ensure_meets_finishing_run(void **state)
{
    static const struct { const char *end; enum ensure_outcome want; } cases[] = {
        { "COMMIT", ENSURE_READY },
        { "ROLLBACK", ENSURE_ACTIVE },
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        char sid[16], sql[512];
        struct ensurer e = { .st = f->st, .sid = sid };
        struct store_run run;
        PGconn *c;
        pthread_t th;

        snprintf(sid, sizeof(sid), "CAfin%zu", i);
        run = ensure_created(f->st, sid, T0);
        (void)claim_ok(f->st, "w1", T0);
        c = raw_connect(f->url);
        /* A worker's complete, run row first: ensure finds the recording
         * not ready yet and its INSERT waits on the run row… */
        raw_ok(c, "BEGIN");
        snprintf(sql, sizeof(sql), "UPDATE recording_runs SET status = 'completed', "
                 "finished_at = 1, lease_expires_at = NULL WHERE id = %lld", (long long)run.id);
        raw_ok(c, sql);
        assert_int_equal(pthread_create(&th, NULL, ensure_thread, &e), 0);
        wait_for_lock_wait(f);
        /* … while the recording becomes ready and the worker commits. */
        snprintf(sql, sizeof(sql), "UPDATE recordings SET state = 'ready', sha256 = 'ab', "
                 "cache_path = 'a/b.wav', ready_at = 1 WHERE call_sid = '%s'", sid);
        raw_ok(c, sql);
        raw_ok(c, cases[i].end);
        pthread_join(th, NULL);
        PQfinish(c);

        assert_int_equal(e.err, RECD_OK);
        assert_int_equal(e.r.outcome, cases[i].want);
        if (cases[i].want == ENSURE_ACTIVE) {
            assert_int_equal(e.r.run.id, run.id);
            assert_int_equal(e.r.rec.state, REC_RUNNING);
        } else {
            assert_int_equal(e.r.run.id, 0);
            assert_int_equal(e.r.rec.state, REC_READY);
            assert_string_equal(e.r.rec.cache_path, "a/b.wav");
        }
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM recording_runs WHERE call_sid = '%s'",
                 sid);
        assert_int_equal(raw_int(f, sql), 1);
    }
}

/* ---- claiming from several processes' worth of handles ------------------ */

#define CLAIM_RUNS 120
#define CLAIMERS 6

struct claimer {
    const char *url;
    int index;
    pthread_barrier_t *barrier;
    int64_t ids[CLAIM_RUNS];
    int n, errors;
};

static void *claim_thread(void *arg)
{
    struct claimer *c = arg;
    struct store *st = open_store(c->url);
    char owner[16];
    struct store_job job;
    recd_err err;

    snprintf(owner, sizeof(owner), "w%d", c->index);
    pthread_barrier_wait(c->barrier);
    while ((err = store_claim(st, owner, T0 + 1000, LEASE, &job)) == RECD_OK) {
        if (strcmp(job.run.lease_owner, owner) != 0 || job.rec.state != REC_RUNNING)
            c->errors++;
        c->ids[c->n++] = job.run.id;
    }
    if (err != RECD_EAGAIN)
        c->errors++;
    store_close(st);
    return NULL;
}

/* SKIP LOCKED: every queued run goes to exactly one claimer. */
static void test_concurrent_claim(void **state)
{
    struct fixture *f = *state;
    struct claimer *c = calloc(CLAIMERS, sizeof(*c));
    pthread_t th[CLAIMERS];
    pthread_barrier_t barrier;
    int total = 0;

    for (int i = 0; i < CLAIM_RUNS; i++) {
        char sid[16];
        snprintf(sid, sizeof(sid), "CAclaim%03d", i);
        (void)ensure_created(f->st, sid, T0 + i % 7);
    }
    pthread_barrier_init(&barrier, NULL, CLAIMERS);
    for (int i = 0; i < CLAIMERS; i++) {
        c[i] = (struct claimer){ .url = f->url, .index = i, .barrier = &barrier };
        assert_int_equal(pthread_create(&th[i], NULL, claim_thread, &c[i]), 0);
    }
    for (int i = 0; i < CLAIMERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(c[i].errors, 0);
        total += c[i].n;
    }
    pthread_barrier_destroy(&barrier);
    assert_int_equal(total, CLAIM_RUNS);
    assert_int_equal(raw_int(f, "SELECT COUNT(DISTINCT id) FROM recording_runs "
                                "WHERE status = 'running' AND attempt = 1"), CLAIM_RUNS);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recordings WHERE state = 'running'"),
                     CLAIM_RUNS);
    free(c);
}

/* ---- the server drops us ------------------------------------------------ */

static void *ping_thread(void *arg)
{
    struct store *st = arg;
    for (int i = 0; i < 20; i++)
        assert_int_equal(store_ping(st), RECD_OK);
    return NULL;
}

/* Terminate every backend of this test's store (by application_name)
 * and wait until they are gone. */
static void drop_store_connections(struct fixture *f)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE application_name = '%s' AND pid <> pg_backend_pid()", f->schema);
    assert_true(raw_int(f, sql) >= 1);
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM pg_stat_activity "
             "WHERE application_name = '%s' AND pid <> pg_backend_pid()", f->schema);
    for (int i = 0; i < 200 && raw_int(f, sql) > 0; i++)
        sleep_ms(20);
    assert_int_equal(raw_int(f, sql), 0);
}

static void test_reconnect_after_drop(void **state)
{
    struct fixture *f = *state;
    pthread_t th[6];
    struct ensure_result r;
    struct store_recording rec;

    /* Open several pooled connections, then lose them all. */
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ping_thread, f->st), 0);
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    drop_store_connections(f);
    /* Reads and writes (nothing committed yet) reconnect and go on. */
    assert_int_equal(store_ping(f->st), RECD_OK);
    assert_int_equal(ensure(f->st, "CAreconnect", T0, &r), ENSURE_CREATED);
    drop_store_connections(f);
    assert_int_equal(ensure(f->st, "CAreconnect", T0, &r), ENSURE_ACTIVE);
    for (int i = 0; i < 8; i++)
        assert_int_equal(store_get_recording(f->st, "CAreconnect", &rec), RECD_OK);
    assert_int_equal(rec.state, REC_QUEUED);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recording_runs"), 1);
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

/* Bytewise order, as in SQLite: upper case sorts before lower case, and
 * '-' before digits, whatever the database's locale. */
static void test_list_order_is_bytewise(void **state)
{
    struct fixture *f = *state;
    struct page *all = calloc(1, sizeof(*all));
    static const char *const sids[] = { "a1", "B1", "A2", "-x", "_y", "b0" };
    static const char *const want[] = { "b0", "a1", "_y", "B1", "A2", "-x" };
    int sizes[64];

    for (size_t i = 0; i < RECD_ARRAY_LEN(sids); i++)
        register_rec(f->st, sids[i], T0);
    page_all(f->st, (struct recording_filter){ .limit = 2 }, all, sizes);
    assert_int_equal(all->n, (int)RECD_ARRAY_LEN(want));
    for (size_t i = 0; i < RECD_ARRAY_LEN(want); i++)
        assert_string_equal(all->sids[i], want[i]);
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
        { "!", 0 },    /* our escape character, taken literally too */
        { "'", 0 },
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
    static const char hostile[] = "http://127.0.0.1:1/a'b\".wav?x=1;--";

    recd_strlcpy(in.call_sid, "CA8", sizeof(in.call_sid));
    recd_strlcpy(in.provider, "twilio", sizeof(in.provider));
    recd_strlcpy(in.media_url, hostile, sizeof(in.media_url));
    recd_strlcpy(in.format, "wav", sizeof(in.format));
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_OK);
    rec = get_rec(f->st, "CA8");
    assert_int_equal(rec.state, REC_REMOTE);
    assert_true(rec.created_at > T0); /* defaulted to the wall clock */
    assert_string_equal(rec.provider, "twilio");
    assert_string_equal(rec.media_url, hostile); /* a parameter, never SQL */
    assert_int_equal(rec.size_bytes, 100);
    assert_true(rec.duration_s > 6.9 && rec.duration_s < 7.1);

    /* Empty fields leave what is there; given ones replace it. */
    memset(&in, 0, sizeof(in));
    in.duration_s = -1;
    recd_strlcpy(in.call_sid, "CA8", sizeof(in.call_sid));
    recd_strlcpy(in.recording_sid, "RE0123", sizeof(in.recording_sid));
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_OK);
    rec = get_rec(f->st, "CA8");
    assert_string_equal(rec.recording_sid, "RE0123");
    assert_string_equal(rec.media_url, hostile);
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
    n = 0;
    rf.call_sid = NULL;
    rf.status = RUN_QUEUED;
    assert_int_equal(store_list_runs(f->st, &rf, count_runs_cb, &n), RECD_OK);
    assert_int_equal(n, 2);
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
        "", "CA 1", "CA/../x", "CA%", "CA\n", "CA'1",
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

    /* 2-byte UTF-8 characters: the clip must not split one (PostgreSQL
     * would refuse the invalid UTF-8 outright). */
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
    assert_int_equal(raw_int(f, "SELECT octet_length(error_message) FROM recording_runs"), 254);
}

/* PostgreSQL stores UTF-8 only. Metadata that is not is bad input
 * (EINVAL, nothing written); error texts keep their valid parts; a search
 * for non-ASCII text matches nothing, as no call_sid has any. */
static void test_text_that_is_not_utf8(void **state)
{
    struct fixture *f = *state;
    struct store_recording in = { .duration_s = -1 };
    struct store_ready ready = ready_for("CAu8");
    struct page *all = calloc(1, sizeof(*all));
    struct store_run run;
    int sizes[8];

    recd_strlcpy(in.call_sid, "CAu8", sizeof(in.call_sid));
    recd_strlcpy(in.media_url, "http://127.0.0.1:1/\xff.wav", sizeof(in.media_url));
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_EINVAL);
    assert_int_equal(raw_int(f, "SELECT COUNT(*) FROM recordings"), 0);
    /* Overlong '/', a UTF-16 surrogate, past U+10FFFF: all refused too. */
    static const char *const bad[] = { "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                       "\xe2\x82" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad); i++) {
        recd_strlcpy(in.media_url, bad[i], sizeof(in.media_url));
        assert_int_equal(store_upsert_recording(f->st, &in), RECD_EINVAL);
    }
    recd_strlcpy(in.media_url, "http://127.0.0.1:1/caf\xc3\xa9-\xf0\x9f\x8e\xb5.wav",
                 sizeof(in.media_url));
    assert_int_equal(store_upsert_recording(f->st, &in), RECD_OK);
    assert_string_equal(get_rec(f->st, "CAu8").media_url, in.media_url);

    run = ensure_created(f->st, "CAu8", T0);
    (void)claim_ok(f->st, "w1", T0);
    assert_int_equal(store_retry(f->st, run.id, "w1", T0, T0, "x\xff", "bad \xff\xfe bytes \xc3\xa9"),
                     RECD_OK);
    run = last_run(f->st, "CAu8");
    assert_string_equal(run.error_code, "x?");
    assert_string_equal(run.error_message, "bad ?? bytes \xc3\xa9");
    (void)claim_ok(f->st, "w1", T0);
    recd_strlcpy(ready.recording_sid, "RE\x80", sizeof(ready.recording_sid));
    assert_int_equal(store_complete(f->st, run.id, "w1", T0, &ready), RECD_EINVAL);
    assert_int_equal(last_run(f->st, "CAu8").status, RUN_RUNNING);

    page_all(f->st, (struct recording_filter){ .q = "\xff", .limit = 5 }, all, sizes);
    page_all(f->st, (struct recording_filter){ .q = "CAu\xc3\xa9", .limit = 5 }, all, sizes);
    assert_int_equal(all->n, 0);
    page_all(f->st, (struct recording_filter){ .q = "u8", .limit = 5 }, all, sizes);
    assert_int_equal(all->n, 1);
    free(all);
}

/* Stands for every test when there is no server to run them against. */
static void test_needs_server(void **state)
{
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test_setup_teardown(test_open_and_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_too_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_migrate, setup_fresh, teardown),
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
        cmocka_unit_test_setup_teardown(test_race_one_pooled_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_duplicates_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ensure_meets_finishing_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_claim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_after_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_order_is_bytewise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_and_cache_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_ready_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_error_text_is_clipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_that_is_not_utf8, setup, teardown),
    };

    base_url = getenv("RECD_TEST_PG_URL");
    if (base_url && !base_url[0])
        base_url = NULL;
    if (!base_url) {
        const struct CMUnitTest none[] = { cmocka_unit_test(test_needs_server) };
        printf("skipped: RECD_TEST_PG_URL not set\n");
        return cmocka_run_group_tests(none, NULL, NULL);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
