/* SPDX-License-Identifier: MIT */
/*
 * test_run.c — run/run.c, the dedup path, in process against a real
 * SQLite store and cache in a temp dir: each way run_ensure() can answer
 * (created, memory, db, ready, missing, failed, store error), that every
 * exit resolves the memory layer (a later call never waits for a resolver
 * that is gone), and run_pending / run_ended.
 */
#include "run/run.h"
#include "util/clock.h"

#include <ftw.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define OWNER "test:1:w0"

struct fixture {
    char root[64];
    char db_path[128];
    struct store *store;
    struct cache *cache;
    struct metrics *metrics;
    struct runs *runs;
    int created_calls;
};

static void on_created(void *ctx)
{
    struct fixture *f = ctx;
    f->created_calls++;
}

static const struct run_policy POLICY = {
    .negative_ttl_ms = 60000, .failure_cooldown_ms = 60000, .max_attempts = 3,
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256] = "", url[160], dir[128];
    snprintf(f->root, sizeof(f->root), "/tmp/recd-test-run-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->db_path, sizeof(f->db_path), "%s/recd.db", f->root);
    snprintf(url, sizeof(url), "sqlite:%s", f->db_path);
    snprintf(dir, sizeof(dir), "%s/cache", f->root);
    f->store = store_open(url, err, sizeof(err));
    assert_non_null(f->store);
    assert_int_equal(store_migrate(f->store), RECD_OK);
    f->cache = cache_new(dir, 0, err, sizeof(err));
    assert_non_null(f->cache);
    f->metrics = metrics_new();
    f->runs = runs_new(f->store, f->cache, f->metrics, NULL, &POLICY, on_created, f);
    *state = f;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    runs_free(f->runs);
    metrics_free(f->metrics);
    cache_free(f->cache);
    store_close(f->store);
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Runs of call_sid with status st, counted with SQL of our own. */
static int count_runs(struct fixture *f, const char *call_sid, const char *status)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM recording_runs WHERE call_sid = ?1 "
                                            "AND (?2 IS NULL OR status = ?2)", -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, call_sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

static void exec_sql(struct fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Claim the queued run as a worker would; returns the run id. */
static int64_t claim(struct fixture *f, const char *call_sid)
{
    struct store_job *job = calloc(1, sizeof(*job));
    assert_int_equal(store_claim(f->store, OWNER, clock_now_ms(), 30000, job), RECD_OK);
    assert_string_equal(job->run.call_sid, call_sid);
    int64_t id = job->run.id;
    free(job);
    return id;
}

static void test_first_request_creates_the_run(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    assert_int_equal(run_ensure(f->runs, "CAcreate", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_ACTIVE);
    assert_int_equal(v.layer, DEDUP_NONE);
    assert_int_equal(v.run.status, RUN_QUEUED);
    assert_true(v.run.run_id > 0);
    assert_int_equal(f->created_calls, 1);
    assert_int_equal(count_runs(f, "CAcreate", "queued"), 1);
    assert_true(run_pending(f->runs, "CAcreate", false));
}

static void test_repeats_are_answered_by_memory_then_db(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    assert_int_equal(run_ensure(f->runs, "CArepeat", &v), RECD_OK);
    int64_t id = v.run.run_id;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(run_ensure(f->runs, "CArepeat", &v), RECD_OK);
        assert_int_equal(v.answer, ANSWER_ACTIVE);
        assert_int_equal(v.layer, DEDUP_MEMORY);
        assert_int_equal(v.run.run_id, id);
    }
    /* Another process (its own memory layer) is answered by the store. */
    struct runs *other = runs_new(f->store, f->cache, f->metrics, NULL, &POLICY, NULL, NULL);
    assert_int_equal(run_ensure(other, "CArepeat", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_ACTIVE);
    assert_int_equal(v.layer, DEDUP_DB);
    assert_int_equal(v.run.run_id, id);
    runs_free(other);
    assert_int_equal(f->created_calls, 1);
    assert_int_equal(count_runs(f, "CArepeat", NULL), 1);
}

static void test_ready_recording_is_served_and_indexed(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    assert_int_equal(run_ensure(f->runs, "CAready", &v), RECD_OK);
    int64_t id = claim(f, "CAready");
    struct store_ready r = { .format = "wav", .duration_s = 4, .size_bytes = 1234,
                             .sha256 = "ab", .cache_path = "00/CAready.wav" };
    assert_int_equal(store_complete(f->store, id, OWNER, clock_now_ms(), &r), RECD_OK);
    run_ended(f->runs, "CAready");
    assert_false(run_pending(f->runs, "CAready", true));

    assert_int_equal(run_ensure(f->runs, "CAready", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_READY);
    assert_string_equal(v.entry.rel_path, "00/CAready.wav");
    assert_int_equal(v.entry.size, 1234);
    struct cache_entry e;
    assert_true(cache_index_get(f->cache, "CAready", &e));
    assert_string_equal(e.format, "wav");
    assert_int_equal(count_runs(f, "CAready", NULL), 1);
}

static void test_missing_is_remembered(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    assert_int_equal(run_ensure(f->runs, "CAgone", &v), RECD_OK);
    int64_t id = claim(f, "CAgone");
    assert_int_equal(store_fail(f->store, id, OWNER, clock_now_ms(), "recording_not_found",
                                "HTTP 404 fetching the listing"), RECD_OK);
    run_ended(f->runs, "CAgone");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run_ensure(f->runs, "CAgone", &v), RECD_OK);
        assert_int_equal(v.answer, ANSWER_MISSING);
        assert_string_equal(v.error_message, "HTTP 404 fetching the listing");
    }
    assert_false(run_pending(f->runs, "CAgone", true));
    assert_int_equal(count_runs(f, "CAgone", NULL), 1);
}

static void test_failure_cools_down_then_retries(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    assert_int_equal(run_ensure(f->runs, "CAfail", &v), RECD_OK);
    int64_t id = claim(f, "CAfail");
    assert_int_equal(store_fail(f->store, id, OWNER, clock_now_ms(), "upstream_failed", "HTTP 500"),
                     RECD_OK);
    run_ended(f->runs, "CAfail");
    assert_int_equal(run_ensure(f->runs, "CAfail", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_FAILED);
    assert_true(v.retry_after_ms >= 1000 && v.retry_after_ms <= POLICY.failure_cooldown_ms);
    assert_int_equal(count_runs(f, "CAfail", NULL), 1);

    /* Once the cool-down has passed, the next request starts a new run. */
    struct run_policy quick = POLICY;
    quick.failure_cooldown_ms = 0;
    struct runs *later = runs_new(f->store, f->cache, f->metrics, NULL, &quick, NULL, NULL);
    assert_int_equal(run_ensure(later, "CAfail", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_ACTIVE);
    assert_int_equal(v.layer, DEDUP_NONE);
    runs_free(later);
    assert_int_equal(count_runs(f, "CAfail", "queued"), 1);
    assert_int_equal(count_runs(f, "CAfail", NULL), 2);
}

/* A store failure is reported, and the memory layer is resolved: the next
 * call asks the store again at once instead of waiting for a resolver. */
static void test_store_error_resolves_the_flight(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    exec_sql(f, "ALTER TABLE recording_runs RENAME TO recording_runs_away");
    for (int i = 0; i < 2; i++) {
        int64_t start = clock_mono_ms();
        assert_int_equal(run_ensure(f->runs, "CAbroken", &v), RECD_ESTORE);
        assert_true(clock_mono_ms() - start < 1500); /* flight_begin waits up to 2 s */
    }
    exec_sql(f, "ALTER TABLE recording_runs_away RENAME TO recording_runs");
    assert_int_equal(run_ensure(f->runs, "CAbroken", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_ACTIVE);
    assert_int_equal(v.layer, DEDUP_NONE);
}

/* run_ended drops the memory entry: the next call is answered by the store. */
static void test_run_ended_forgets_the_memory_entry(void **state)
{
    struct fixture *f = *state;
    struct run_view v;
    assert_int_equal(run_ensure(f->runs, "CAended", &v), RECD_OK);
    run_ended(f->runs, "CAended");
    assert_int_equal(run_ensure(f->runs, "CAended", &v), RECD_OK);
    assert_int_equal(v.answer, ANSWER_ACTIVE);
    assert_int_equal(v.layer, DEDUP_DB); /* still queued in the store */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_request_creates_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeats_are_answered_by_memory_then_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ready_recording_is_served_and_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_is_remembered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_cools_down_then_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_error_resolves_the_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_ended_forgets_the_memory_entry, setup, teardown),
    };
    return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
