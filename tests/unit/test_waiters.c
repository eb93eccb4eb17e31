/* SPDX-License-Identifier: MIT */
/*
 * test_waiters.c — held requests on real suspended connections: a
 * libmicrohttpd daemon on 127.0.0.1 (random port, suspend/resume allowed,
 * the server's threading flags) whose access handler calls waiters_hold,
 * and libcurl clients in threads. Checks: a wake resumes exactly the
 * requests of that call_sid and the handler is called again and answers;
 * a deadline resumes via the timer thread; the periodic thorough re-check
 * releases requests whose run ended elsewhere; pending()=false holds
 * nothing; shutdown resumes everything and refuses new holds;
 * waiters_count follows all of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "run/waiters.h"
#include "util/clock.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(int64_t ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---- the server side ----------------------------------------------------- */

struct fixture {
    struct MHD_Daemon *daemon;
    uint16_t port;
    struct waiters *ws;
    atomic_bool pending;         /* what pending() answers for every call_sid */
    atomic_int quick_checks;     /* pending() calls with thorough=false */
    atomic_int thorough_checks;  /* pending() calls with thorough=true */
    atomic_int handler_calls;    /* access handler calls after the headers */
};

/* Per-request context, freed when the request completes. */
struct req {
    struct waiter w;
    bool held;                   /* waiters_hold returned true once */
};

static bool on_pending(const char *call_sid, bool thorough, void *ctx)
{
    struct fixture *f = ctx;
    atomic_fetch_add(thorough ? &f->thorough_checks : &f->quick_checks, 1);
    return atomic_load(&f->pending);
}

static enum MHD_Result answer(struct MHD_Connection *conn, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* GET /hold?sid=CA1&ms=N: hold for call_sid until woken or N ms pass.
 * Answers "not-held" when waiters_hold refused, "resumed" after a hold. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct fixture *f = cls;
    struct req *r = *con_cls;
    if (!r) {
        *con_cls = calloc(1, sizeof(struct req));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    atomic_fetch_add(&f->handler_calls, 1);
    if (r->held) {
        /* Called again after a resume: the waiter must be out of the table. */
        char body[64];
        snprintf(body, sizeof(body), "resumed %s", r->w._held ? "still-held" : "released");
        return answer(conn, body);
    }
    const char *sid = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "sid");
    const char *ms = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ms");
    if (!sid || !ms)
        return answer(conn, "bad-request");
    int64_t deadline = clock_mono_ms() + strtol(ms, NULL, 10);
    r->held = true; /* set first: a resume may come as soon as the lock drops */
    if (waiters_hold(f->ws, &r->w, conn, sid, deadline))
        return MHD_YES; /* suspended; no response queued */
    r->held = false;
    return answer(conn, "not-held");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    free(*con_cls);
    *con_cls = NULL;
}

static int setup_daemon(void **state, int64_t recheck_ms, unsigned conn_timeout_s)
{
    struct fixture *f = calloc(1, sizeof(*f));
    atomic_store(&f->pending, true);
    f->ws = waiters_new(on_pending, f, recheck_ms);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
                                 NULL, on_request, f, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_TIMEOUT,
                                 conn_timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
                                 MHD_OPTION_END);
    assert_non_null(f->daemon);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    f->port = info->port;
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_daemon(state, 60000, 30); /* re-check out of the way */
}

static int setup_fast_recheck(void **state)
{
    return setup_daemon(state, 200, 30);
}

static int setup_short_timeout(void **state)
{
    return setup_daemon(state, 60000, 1);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    waiters_shutdown(f->ws); /* nothing may stay suspended past here */
    MHD_stop_daemon(f->daemon);
    waiters_free(f->ws);
    free(f);
    return 0;
}

/* ---- the client side ------------------------------------------------------ */

struct client {
    struct fixture *f;
    char sid[32];
    int64_t hold_ms;
    pthread_t thread;
    /* results */
    long code;
    CURLcode rc;
    char body[128];
    size_t body_len;
    int64_t elapsed_ms;
};

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct client *c = ctx;
    size_t len = size * n;
    size_t room = sizeof(c->body) - 1 - c->body_len;
    size_t take = len < room ? len : room;
    memcpy(c->body + c->body_len, data, take);
    c->body_len += take;
    c->body[c->body_len] = '\0';
    return len;
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    char url[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/hold?sid=%s&ms=%lld", (unsigned)c->f->port,
             c->sid, (long long)c->hold_ms);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    int64_t t0 = clock_mono_ms();
    c->rc = curl_easy_perform(h);
    c->elapsed_ms = clock_mono_ms() - t0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->code);
    curl_easy_cleanup(h);
    return NULL;
}

static void client_start(struct client *c, struct fixture *f, const char *sid, int64_t hold_ms)
{
    memset(c, 0, sizeof(*c));
    c->f = f;
    snprintf(c->sid, sizeof(c->sid), "%s", sid);
    c->hold_ms = hold_ms;
    assert_int_equal(pthread_create(&c->thread, NULL, client_main, c), 0);
}

static void client_join(struct client *c)
{
    pthread_join(c->thread, NULL);
}

static void assert_answered(const struct client *c, const char *body)
{
    if (c->rc != CURLE_OK || c->code != 200 || strcmp(c->body, body) != 0)
        fail_msg("%s: curl %d, HTTP %ld, body \"%s\", want \"%s\"", c->sid, c->rc, c->code, c->body,
                 body);
}

/* Waits (bounded) until waiters_count reaches n. */
static void wait_count(struct fixture *f, int64_t n)
{
    int64_t until = clock_mono_ms() + 10000;
    while (waiters_count(f->ws) != n) {
        if (clock_mono_ms() > until)
            fail_msg("waiters_count stayed %lld, want %lld", (long long)waiters_count(f->ws),
                     (long long)n);
        sleep_ms(5);
    }
}

/* ---- tests ---------------------------------------------------------------- */

#define LONG_HOLD 15000

static void test_wake_resumes_and_handler_answers(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(waiters_count(f->ws), 0);
    struct client c;
    client_start(&c, f, "CAwake", LONG_HOLD);
    wait_count(f, 1);
    assert_true(atomic_load(&f->quick_checks) >= 1); /* asked under the lock, memory only */

    waiters_wake(f->ws, "CAother"); /* another call_sid: nothing happens */
    sleep_ms(100);
    assert_int_equal(waiters_count(f->ws), 1);

    int64_t t0 = clock_mono_ms();
    waiters_wake(f->ws, "CAwake");
    assert_int_equal(waiters_count(f->ws), 0); /* out of the table at once */
    client_join(&c);
    assert_answered(&c, "resumed released");
    assert_true(clock_mono_ms() - t0 < 5000);  /* well before its deadline */
    assert_true(c.elapsed_ms < LONG_HOLD);
    assert_int_equal(atomic_load(&f->handler_calls), 2); /* hold, then answer */
    assert_int_equal(atomic_load(&f->thorough_checks), 0);
}

static void test_deadline_resumes(void **state)
{
    struct fixture *f = *state;
    struct client c;
    client_start(&c, f, "CAdeadline", 300);
    wait_count(f, 1);
    client_join(&c);
    assert_answered(&c, "resumed released");
    assert_true(c.elapsed_ms >= 300);
    assert_true(c.elapsed_ms < 5000);
    assert_int_equal(waiters_count(f->ws), 0);
}

static void test_not_pending_holds_nothing(void **state)
{
    struct fixture *f = *state;
    atomic_store(&f->pending, false);
    struct client c;
    client_start(&c, f, "CAdone", LONG_HOLD);
    client_join(&c);
    assert_answered(&c, "not-held");
    assert_true(c.elapsed_ms < 5000);
    assert_int_equal(waiters_count(f->ws), 0);
    assert_int_equal(atomic_load(&f->handler_calls), 1); /* answered in the same call */
    assert_int_equal(atomic_load(&f->quick_checks), 1);
}

static void test_many_waiters_and_middle_expiry(void **state)
{
    struct fixture *f = *state;
    /* Three on one call_sid, held in order long, short, long: the short one
     * ends up in the middle of the list and expires alone. */
    struct client a, b, c, d;
    client_start(&a, f, "CAmany", LONG_HOLD);
    wait_count(f, 1);
    client_start(&b, f, "CAmany", 400);
    wait_count(f, 2);
    client_start(&c, f, "CAmany", LONG_HOLD);
    wait_count(f, 3);
    client_start(&d, f, "CAsolo", LONG_HOLD);
    wait_count(f, 4);

    client_join(&b);
    assert_answered(&b, "resumed released");
    wait_count(f, 3);

    waiters_wake(f->ws, "CAmany");
    assert_int_equal(waiters_count(f->ws), 1);
    client_join(&a);
    client_join(&c);
    assert_answered(&a, "resumed released");
    assert_answered(&c, "resumed released");

    waiters_wake(f->ws, "CAmany"); /* again: nothing left for it */
    assert_int_equal(waiters_count(f->ws), 1);
    waiters_wake(f->ws, "CAsolo");
    client_join(&d);
    assert_answered(&d, "resumed released");
    assert_int_equal(waiters_count(f->ws), 0);
}

static void test_shutdown_resumes_all_and_refuses(void **state)
{
    struct fixture *f = *state;
    struct client a, b;
    client_start(&a, f, "CAs1", LONG_HOLD);
    wait_count(f, 1);
    client_start(&b, f, "CAs2", LONG_HOLD);
    wait_count(f, 2);
    waiters_shutdown(f->ws);
    assert_int_equal(waiters_count(f->ws), 0);
    client_join(&a);
    client_join(&b);
    assert_answered(&a, "resumed released");
    assert_answered(&b, "resumed released");

    /* After shutdown nothing is held, even while still pending. */
    struct client c;
    client_start(&c, f, "CAs3", LONG_HOLD);
    client_join(&c);
    assert_answered(&c, "not-held");
    assert_int_equal(waiters_count(f->ws), 0);
}

static void test_recheck_releases_finished_runs(void **state)
{
    /* The run ended in another process: no wake comes, but the timer's
     * thorough re-check sees pending()=false and resumes the request. */
    struct fixture *f = *state;
    struct client c;
    client_start(&c, f, "CArecheck", LONG_HOLD);
    wait_count(f, 1);
    sleep_ms(500);
    assert_int_equal(waiters_count(f->ws), 1); /* still pending: still held */
    assert_true(atomic_load(&f->thorough_checks) >= 1);
    atomic_store(&f->pending, false);
    client_join(&c);
    assert_answered(&c, "resumed released");
    assert_true(c.elapsed_ms < 5000);
    assert_int_equal(waiters_count(f->ws), 0);
}

static void test_hold_outlives_connection_timeout(void **state)
{
    /* --max-wait may exceed --connection-timeout: a suspended connection
     * must not be timed out (and completed) while its waiter is held. */
    struct fixture *f = *state;
    struct client c;
    client_start(&c, f, "CAlong", 2500);
    wait_count(f, 1);
    client_join(&c);
    assert_answered(&c, "resumed released");
    assert_true(c.elapsed_ms >= 2500);
    assert_int_equal(waiters_count(f->ws), 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wake_resumes_and_handler_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_pending_holds_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_waiters_and_middle_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_resumes_all_and_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recheck_releases_finished_runs, setup_fast_recheck,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hold_outlives_connection_timeout, setup_short_timeout,
                                        teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
