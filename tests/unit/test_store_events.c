/* SPDX-License-Identifier: MIT */
/*
 * test_store_events.c — waiting for the provider and its callbacks
 * (store_pend, store_note_choice, store_apply_event, the recording-sid
 * guard of store_complete), run against both backends: SQLite in a temp
 * directory always, PostgreSQL when RECD_TEST_PG_URL names a server (see
 * scripts/pg-test-server; each test then gets its own schema).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/store.h"

#include <ftw.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 INT64_C(1700000000000)
#define LEASE 30000
#define TTL 300000
#define COOLDOWN 60000
#define URL_A "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/REa"
#define URL_B "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/REb"

struct fixture {
    bool pg;
    char root[64];   /* sqlite: temp dir */
    char schema[64]; /* postgres: this test's schema */
    char url[1024];
    struct store *st;
};

static const char *pg_base; /* RECD_TEST_PG_URL or NULL */
static int seq;

static void pg_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_base);
    PGresult *res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(res);
    PQfinish(c);
}

static int setup_backend(void **state, bool pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256] = "", sql[256];

    f->pg = pg;
    if (pg) {
        snprintf(f->schema, sizeof(f->schema), "recd_ev_%d_%d", (int)getpid(), ++seq);
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", f->schema,
                 f->schema);
        pg_exec(sql);
        snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s", pg_base,
                 strchr(pg_base, '?') ? '&' : '?', f->schema);
    } else {
        snprintf(f->root, sizeof(f->root), "/tmp/recd-test-events-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(f->url, sizeof(f->url), "sqlite:%s/recd.db", f->root);
    }
    f->st = store_open(f->url, err, sizeof(err));
    if (!f->st)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->st), RECD_OK);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, false);
}

static int setup_pg(void **state)
{
    if (!pg_base) {
        *state = NULL;
        return 0;
    }
    return setup_backend(state, true);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char sql[128];

    if (!f)
        return 0;
    store_close(f->st);
    if (f->pg) {
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
        pg_exec(sql);
    } else {
        nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(f);
    return 0;
}

/* The fixture, or skip (PostgreSQL tests without a server). */
static struct store *store_of(void **state)
{
    struct fixture *f = *state;
    if (!f)
        skip();
    return f->st;
}

/* ---- helpers ------------------------------------------------------------ */

static enum ensure_outcome ensure(struct store *st, const char *sid, int64_t now,
                                  struct ensure_result *r)
{
    struct ensure_policy pol = {
        .now = now, .negative_ttl_ms = TTL, .failure_cooldown_ms = COOLDOWN, .max_attempts = 3
    };
    assert_int_equal(store_ensure_run(st, sid, &pol, r), RECD_OK);
    return r->outcome;
}

static struct store_run created(struct store *st, const char *sid, int64_t now)
{
    struct ensure_result r;
    assert_int_equal(ensure(st, sid, now, &r), ENSURE_CREATED);
    return r.run;
}

static struct store_job claim(struct store *st, int64_t now)
{
    struct store_job job;
    assert_int_equal(store_claim(st, "w1", now, LEASE, &job), RECD_OK);
    return job;
}

static bool grab_run(const struct store_run *run, void *ctx)
{
    *(struct store_run *)ctx = *run;
    return false;
}

static struct store_run last_run(struct store *st, const char *sid)
{
    struct store_run run = { 0 };
    struct run_filter rf = { .call_sid = sid, .limit = 1 };
    assert_int_equal(store_list_runs(st, &rf, grab_run, &run), RECD_OK);
    return run;
}

static struct store_recording rec_of(struct store *st, const char *sid)
{
    struct store_recording rec;
    assert_int_equal(store_get_recording(st, sid, &rec), RECD_OK);
    return rec;
}

static struct store_ready ready_with(const char *call_sid, const char *recording_sid)
{
    struct store_ready r = { .duration_s = 4, .size_bytes = 64044 };
    recd_strlcpy(r.recording_sid, recording_sid, sizeof(r.recording_sid));
    recd_strlcpy(r.format, "wav", sizeof(r.format));
    recd_strlcpy(r.sha256, "abcd", sizeof(r.sha256));
    snprintf(r.cache_path, sizeof(r.cache_path), "ab/%s.wav", call_sid);
    return r;
}

static struct store_event completed(const char *call_sid, const char *rsid, const char *url)
{
    return (struct store_event){ .kind = STORE_EVENT_COMPLETED,
                                 .call_sid = call_sid,
                                 .recording_sid = rsid,
                                 .media_url = url,
                                 .provider = "twilio",
                                 .duration_s = 4 };
}

static struct store_event absent(const char *call_sid)
{
    return (struct store_event){ .kind = STORE_EVENT_ABSENT,
                                 .call_sid = call_sid,
                                 .recording_sid = "",
                                 .media_url = "",
                                 .provider = "twilio",
                                 .duration_s = -1,
                                 .reason = "the provider says: absent" };
}

static struct store_event_result apply(struct store *st, struct store_event ev, int64_t now)
{
    struct store_event_result out;
    assert_int_equal(store_apply_event(st, &ev, now, &out), RECD_OK);
    return out;
}

/* A ready recording of call_sid holding recording rsid. */
static void make_ready(struct store *st, const char *call_sid, const char *rsid, int64_t now)
{
    struct store_run run = created(st, call_sid, now);
    struct store_ready r = ready_with(call_sid, rsid);
    (void)claim(st, now);
    assert_int_equal(store_complete(st, run.id, "w1", now + 1, &r), RECD_OK);
}

/* ---- pending ------------------------------------------------------------ */

static void test_pend_refunds_the_attempt(void **state)
{
    struct store *st = store_of(state);
    struct store_run run = created(st, "CA1", T0);
    struct store_job job = claim(st, T0);
    struct ensure_result r;

    assert_int_equal(job.run.attempt, 1);
    assert_int_equal(store_pend(st, run.id, "w1", T0 + 10, T0 + 2000, "still processing"), RECD_OK);
    struct store_run after = last_run(st, "CA1");
    assert_int_equal(after.status, RUN_QUEUED);
    assert_int_equal(after.attempt, 0);
    assert_int_equal(after.pending_since, T0 + 10);
    assert_int_equal(after.next_attempt_at, T0 + 2000);
    assert_string_equal(after.error_code, STORE_PENDING_CODE);
    struct store_recording rec = rec_of(st, "CA1");
    assert_int_equal(rec.state, REC_QUEUED);
    assert_string_equal(rec.error_code, STORE_PENDING_CODE);
    assert_string_equal(rec.error_message, "still processing");

    /* Not claimable before its check; then again, and pending_since stays. */
    struct store_job none;
    assert_int_equal(store_claim(st, "w1", T0 + 1999, LEASE, &none), RECD_EAGAIN);
    job = claim(st, T0 + 2000);
    assert_int_equal(job.run.attempt, 1);
    assert_int_equal(job.run.pending_since, T0 + 10);
    assert_int_equal(store_pend(st, run.id, "w1", T0 + 2100, T0 + 6000, "still"), RECD_OK);
    after = last_run(st, "CA1");
    assert_int_equal(after.attempt, 0);
    assert_int_equal(after.pending_since, T0 + 10);
    /* Still the one active run: the dedup path sees it. */
    assert_int_equal(ensure(st, "CA1", T0 + 2200, &r), ENSURE_ACTIVE);
    assert_int_equal(r.run.id, run.id);
    assert_int_equal(r.run.pending_since, T0 + 10);

    /* Lease lost: nothing changes. */
    assert_int_equal(store_pend(st, run.id, "w2", T0 + 1, T0 + 2, "x"), RECD_ELEASE);
    assert_int_equal(store_pend(st, run.id, "w1", T0 + 5, T0 + 4, "x"), RECD_EINVAL);
}

/* A callback that lands while the worker is listing makes the run due at
 * once when it parks it. */
static void test_pend_after_callback_is_due_now(void **state)
{
    struct store *st = store_of(state);
    struct store_run run = created(st, "CA2", T0);
    (void)claim(st, T0);
    struct store_event_result out = apply(st, completed("CA2", "REa", URL_A), T0 + 5);
    assert_true(out.registered);
    assert_false(out.woke_run); /* running: nothing to wake */
    assert_int_equal(store_pend(st, run.id, "w1", T0 + 10, T0 + 30000, "processing"), RECD_OK);
    assert_int_equal(last_run(st, "CA2").next_attempt_at, T0 + 10);
}

static void test_note_choice(void **state)
{
    struct store *st = store_of(state);
    struct store_run run = created(st, "CA3", T0);
    (void)claim(st, T0);
    assert_int_equal(store_note_choice(st, run.id, "w1", "REchosen"), RECD_OK);
    assert_int_equal(store_retry(st, run.id, "w1", T0 + 1, T0 + 1, "upstream_error", "500"),
                     RECD_OK);
    struct store_job job = claim(st, T0 + 2);
    assert_string_equal(job.run.recording_sid, "REchosen");
    assert_int_equal(store_note_choice(st, run.id, "nobody", "REx"), RECD_ELEASE);
    assert_int_equal(store_note_choice(st, run.id, "w1", "bad sid!"), RECD_EINVAL);
}

/* ---- callbacks ---------------------------------------------------------- */

static void test_completed_registers_a_new_call(void **state)
{
    struct store *st = store_of(state);
    struct store_event_result out = apply(st, completed("CA4", "REa", URL_A), T0);
    assert_true(out.registered);
    assert_false(out.cleared || out.woke_run || out.ended_run || out.retired);
    struct store_recording rec = rec_of(st, "CA4");
    assert_int_equal(rec.state, REC_REMOTE);
    assert_string_equal(rec.recording_sid, "REa");
    assert_string_equal(rec.media_url, URL_A);
    assert_string_equal(rec.provider, "twilio");
}

static void test_completed_clears_missing_and_failed(void **state)
{
    struct store *st = store_of(state);
    struct ensure_result r;
    const char *sids[] = { "CA5", "CA6" };
    const char *codes[] = { "recording_not_found", "upstream_failed" };

    for (int i = 0; i < 2; i++) {
        struct store_run run = created(st, sids[i], T0);
        (void)claim(st, T0);
        assert_int_equal(store_fail(st, run.id, "w1", T0 + 1, codes[i], "no"), RECD_OK);
        enum ensure_outcome settled = i == 0 ? ENSURE_MISSING : ENSURE_FAILED;
        assert_int_equal(ensure(st, sids[i], T0 + 2, &r), settled);
        struct store_event_result out = apply(st, completed(sids[i], "REa", URL_A), T0 + 3);
        assert_true(out.cleared);
        /* Within the TTL / cool-down, the next request starts a run at once. */
        assert_int_equal(ensure(st, sids[i], T0 + 4, &r), ENSURE_CREATED);
        assert_string_equal(r.rec.media_url, URL_A);
    }
}

static void test_completed_wakes_a_pending_run(void **state)
{
    struct store *st = store_of(state);
    struct store_run run = created(st, "CA7", T0);
    (void)claim(st, T0);
    assert_int_equal(store_note_choice(st, run.id, "w1", "REold"), RECD_OK);
    assert_int_equal(store_pend(st, run.id, "w1", T0 + 1, T0 + 30000, "processing"), RECD_OK);
    struct store_event_result out = apply(st, completed("CA7", "REnew", URL_B), T0 + 100);
    assert_true(out.woke_run);
    struct store_run after = last_run(st, "CA7");
    assert_int_equal(after.next_attempt_at, T0 + 100);
    assert_string_equal(after.recording_sid, ""); /* another sid: the choice is forgotten */
    struct store_job job = claim(st, T0 + 100);
    assert_string_equal(job.rec.media_url, URL_B);
    assert_int_equal(job.run.attempt, 1);
}

static void test_new_sid_retires_the_ready_file(void **state)
{
    struct store *st = store_of(state);
    struct ensure_result r;
    make_ready(st, "CA8", "REa", T0);
    /* Twilio repeats callbacks: the same sid changes nothing. */
    struct store_event_result out = apply(st, completed("CA8", "REa", URL_A), T0 + 10);
    assert_false(out.retired);
    assert_int_equal(rec_of(st, "CA8").state, REC_READY);

    out = apply(st, completed("CA8", "REb", URL_B), T0 + 20);
    assert_true(out.retired);
    assert_string_equal(out.retired_path, "ab/CA8.wav");
    struct store_recording rec = rec_of(st, "CA8");
    assert_int_equal(rec.state, REC_REMOTE);
    assert_string_equal(rec.recording_sid, "REb");
    assert_string_equal(rec.media_url, URL_B);
    assert_string_equal(rec.cache_path, "");
    assert_string_equal(rec.sha256, "");
    assert_int_equal(ensure(st, "CA8", T0 + 30, &r), ENSURE_CREATED);
}

/* A new sid without a URL must not leave the old recording's URL. */
static void test_new_sid_without_url_drops_the_old_url(void **state)
{
    struct store *st = store_of(state);
    (void)apply(st, completed("CA9", "REa", URL_A), T0);
    (void)apply(st, completed("CA9", "REb", ""), T0 + 1);
    struct store_recording rec = rec_of(st, "CA9");
    assert_string_equal(rec.recording_sid, "REb");
    assert_string_equal(rec.media_url, "");
    (void)apply(st, completed("CA9", "REb", URL_B), T0 + 2);
    (void)apply(st, completed("CA9", "", ""), T0 + 3);
    assert_string_equal(rec_of(st, "CA9").media_url, URL_B);
}

static void test_complete_refused_when_the_sid_changed(void **state)
{
    struct store *st = store_of(state);
    struct store_run run = created(st, "CA10", T0);
    (void)claim(st, T0);
    (void)apply(st, completed("CA10", "REnew", URL_B), T0 + 1);
    struct store_ready old = ready_with("CA10", "REold");
    assert_int_equal(store_complete(st, run.id, "w1", T0 + 2, &old), RECD_ESTALE);
    struct store_run after = last_run(st, "CA10");
    assert_int_equal(after.status, RUN_RUNNING); /* rolled back: still ours */
    struct store_ready fresh = ready_with("CA10", "REnew");
    assert_int_equal(store_complete(st, run.id, "w1", T0 + 3, &fresh), RECD_OK);
    assert_int_equal(rec_of(st, "CA10").state, REC_READY);
}

static void test_absent_ends_the_run(void **state)
{
    struct store *st = store_of(state);
    struct ensure_result r;
    struct store_run run = created(st, "CA11", T0);
    (void)claim(st, T0);
    struct store_event_result out = apply(st, absent("CA11"), T0 + 5);
    assert_true(out.ended_run);
    struct store_run after = last_run(st, "CA11");
    assert_int_equal(after.status, RUN_FAILED);
    assert_string_equal(after.error_code, "recording_not_found");
    assert_int_equal(rec_of(st, "CA11").state, REC_MISSING);
    /* The worker's lease is gone with it. */
    struct store_ready rd = ready_with("CA11", "REa");
    assert_int_equal(store_complete(st, run.id, "w1", T0 + 6, &rd), RECD_ELEASE);
    assert_int_equal(ensure(st, "CA11", T0 + 7, &r), ENSURE_MISSING);

    /* A ready recording keeps serving; an unknown call is not created. */
    make_ready(st, "CA12", "REa", T0);
    out = apply(st, absent("CA12"), T0 + 10);
    assert_false(out.ended_run);
    assert_int_equal(rec_of(st, "CA12").state, REC_READY);
    out = apply(st, absent("CA13"), T0 + 10);
    struct store_recording none;
    assert_int_equal(store_get_recording(st, "CA13", &none), RECD_ENOTFOUND);
}

static void test_event_arguments(void **state)
{
    struct store *st = store_of(state);
    struct store_event_result out;
    struct store_event ev = completed("bad sid", "REa", URL_A);
    assert_int_equal(store_apply_event(st, &ev, T0, &out), RECD_EINVAL);
    ev = completed("CA14", "RE a", URL_A);
    assert_int_equal(store_apply_event(st, &ev, T0, &out), RECD_EINVAL);
    assert_int_equal(store_apply_event(st, NULL, T0, &out), RECD_EINVAL);
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_setup_teardown(fn, setup_sqlite, teardown),                                   \
        cmocka_unit_test_setup_teardown(fn, setup_pg, teardown)

int main(void)
{
    pg_base = getenv("RECD_TEST_PG_URL");
    if (pg_base && !pg_base[0])
        pg_base = NULL;
    const struct CMUnitTest tests[] = {
        BOTH(test_pend_refunds_the_attempt),
        BOTH(test_pend_after_callback_is_due_now),
        BOTH(test_note_choice),
        BOTH(test_completed_registers_a_new_call),
        BOTH(test_completed_clears_missing_and_failed),
        BOTH(test_completed_wakes_a_pending_run),
        BOTH(test_new_sid_retires_the_ready_file),
        BOTH(test_new_sid_without_url_drops_the_old_url),
        BOTH(test_complete_refused_when_the_sid_changed),
        BOTH(test_absent_ends_the_run),
        BOTH(test_event_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
