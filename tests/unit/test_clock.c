/* SPDX-License-Identifier: MIT */
/*
 * test_clock.c — util/clock.c: monotonic deadlines for timed waits
 * (normalised, in the future, honoured by a condition from
 * clock_cond_init) and the HTTP date round trip.
 */
#include "util/clock.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static int64_t ts_ms(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

static void test_deadline_is_normalised_and_ahead(void **state)
{
    (void)state;
    static const int64_t delays[] = { 0, 1, 999, 1000, 1001, 2500, 86400000 };
    for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
        int64_t before = clock_mono_ms();
        struct timespec ts = clock_deadline(delays[i]);
        int64_t after = clock_mono_ms();
        assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
        assert_true(ts_ms(&ts) >= before + delays[i]);
        assert_true(ts_ms(&ts) <= after + delays[i] + 1);
    }
}

/* The wait ends by the monotonic clock: not before the deadline. */
static void test_cond_times_out_on_the_monotonic_clock(void **state)
{
    (void)state;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    clock_cond_init(&cond);
    int64_t start = clock_mono_ms();
    struct timespec deadline = clock_deadline(50);
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (rc == 0)
        rc = pthread_cond_timedwait(&cond, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    assert_int_equal(rc, ETIMEDOUT);
    assert_true(clock_mono_ms() - start >= 50);
    pthread_cond_destroy(&cond);
}

static void test_http_date_round_trip(void **state)
{
    (void)state;
    char buf[40];
    clock_format_http(784111777000LL, buf, sizeof(buf));
    assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(clock_parse_http(buf), 784111777000LL);
    assert_int_equal(clock_parse_http("not a date"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline_is_normalised_and_ahead),
        cmocka_unit_test(test_cond_times_out_on_the_monotonic_clock),
        cmocka_unit_test(test_http_date_round_trip),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
