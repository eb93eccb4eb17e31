/* SPDX-License-Identifier: MIT */
/* test_backoff.c — worker/backoff.c: capped doubling with equal jitter. */
#include "worker/backoff.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

struct delay_case {
    int attempt;
    int64_t base, cap;
    uint64_t rnd;
    int64_t want;
};

static const struct delay_case cases[] = {
    /* base 1 s, cap 60 s: d = 1, 2, 4, ... 32, 60, 60 ... seconds */
    {1, 1000, 60000, 0, 500},
    {1, 1000, 60000, 500, 1000},
    {1, 1000, 60000, 501, 500}, /* rnd wraps modulo d/2 + 1 */
    {1, 1000, 60000, 250, 750},
    {2, 1000, 60000, 0, 1000},
    {2, 1000, 60000, 1000, 2000},
    {3, 1000, 60000, UINT64_MAX, 2603},
    {6, 1000, 60000, 0, 16000},
    {6, 1000, 60000, 16000, 32000},
    {7, 1000, 60000, 0, 30000}, /* 64 s capped to 60 s */
    {7, 1000, 60000, 30000, 60000},
    {8, 1000, 60000, UINT64_MAX, 47078},
    {64, 1000, 60000, 0, 30000},
    {1000, 1000, 60000, 0, 30000},
    {INT_MAX, 1000, 60000, 30000, 60000},
    /* attempt < 1 counts as the first attempt */
    {0, 1000, 60000, 0, 500},
    {-5, 1000, 60000, 500, 1000},
    {INT_MIN, 1000, 60000, 0, 500},
    /* cap below base: the cap wins from the start */
    {1, 5000, 1000, 0, 500},
    {3, 5000, 1000, 500, 1000},
    /* odd sizes: d = min(5, 3 * 2) = 5, range [2, 4] */
    {2, 3, 5, 0, 2},
    {2, 3, 5, 2, 4},
    {2, 3, 5, 3, 2},
    {1, 1, 1, 12345, 0},
    /* degenerate inputs */
    {5, 0, 60000, 99, 0},
    {5, -1000, 60000, 99, 0},
    {5, 1000, 0, 99, 0},
    {5, 1000, -1, 99, 0},
    /* no overflow near INT64_MAX */
    {2, INT64_MAX / 3, INT64_MAX, 0, (INT64_MAX / 3) * 2 / 2},
    {10, INT64_MAX / 3, INT64_MAX, 0, INT64_MAX / 2},
    /* d = INT64_MAX, half + 1 = 2^62: the largest result, 2^63 - 2 */
    {INT_MAX, INT64_MAX, INT64_MAX, UINT64_MAX, INT64_MAX - 1},
    {100, 1, INT64_MAX, 0, INT64_MAX / 2},
};

static void test_backoff_delay_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const struct delay_case *c = &cases[i];
        int64_t got = backoff_delay_ms(c->attempt, c->base, c->cap, c->rnd);
        if (got != c->want)
            fail_msg("case %zu (attempt %d base %lld cap %lld rnd %llu): %lld, want %lld", i,
                     c->attempt, (long long)c->base, (long long)c->cap,
                     (unsigned long long)c->rnd, (long long)got, (long long)c->want);
    }
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* For any rnd the delay lies in [d/2, d], and d doubles up to the cap. */
static void test_backoff_delay_bounds(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    const int64_t base = 250, cap = 30000;
    for (int attempt = 1; attempt <= 40; attempt++) {
        int64_t d = attempt < 20 ? base << (attempt - 1) : cap;
        if (d > cap)
            d = cap;
        for (int k = 0; k < 200; k++) {
            int64_t v = backoff_delay_ms(attempt, base, cap, xorshift(&seed));
            assert_in_range(v, d / 2, d);
        }
        assert_int_equal(backoff_delay_ms(attempt, base, cap, 0), d / 2);
        assert_int_equal(backoff_delay_ms(attempt, base, cap, (uint64_t)(d / 2)), d / 2 + d / 2);
    }
}

static void test_backoff_next(void **state)
{
    (void)state;
    const int64_t max = BACKOFF_RETRY_AFTER_MAX_MS;
    /* No Retry-After: plain backoff. */
    assert_int_equal(backoff_next_ms(1, 1000, 60000, 0, 0), 500);
    assert_int_equal(backoff_next_ms(7, 1000, 60000, 0, 30000), 60000);
    /* A shorter Retry-After does not shorten the backoff. */
    assert_int_equal(backoff_next_ms(3, 1000, 60000, 100, 0), 2000);
    /* A longer one wins, even above the cap. */
    assert_int_equal(backoff_next_ms(1, 1000, 60000, 5000, 0), 5000);
    assert_int_equal(backoff_next_ms(1, 1000, 60000, 120000, 0), 120000);
    assert_int_equal(backoff_next_ms(1, 1000, 60000, max, 0), max);
    /* ... but never above an hour, and a negative one is ignored. */
    assert_int_equal(backoff_next_ms(1, 1000, 60000, max + 1, 0), max);
    assert_int_equal(backoff_next_ms(1, 1000, 60000, INT64_MAX, 0), max);
    assert_int_equal(backoff_next_ms(1, 1000, 60000, -5000, 0), 500);
    assert_int_equal(backoff_next_ms(1, 1000, 60000, INT64_MIN, 0), 500);
    /* A configured cap above an hour is still honoured by the backoff. */
    assert_int_equal(backoff_next_ms(1, 2 * max, 4 * max, max, 0), max);
    assert_int_equal(backoff_next_ms(1, 4 * max, 4 * max, 0, 0), 2 * max);
}

/* The pending re-check schedule doubles from 2 s and stays at 30 s. */
static void test_backoff_pending(void **state)
{
    (void)state;
    int64_t waited = 0, checks[9];
    for (int i = 0; i < 9; i++) {
        checks[i] = waited;
        waited += backoff_pending_ms(waited, 2000, 30000);
    }
    const int64_t want[9] = { 0, 2000, 4000, 8000, 16000, 32000, 62000, 92000, 122000 };
    assert_memory_equal(checks, want, sizeof(want));
    assert_int_equal(backoff_pending_ms(-5, 2000, 30000), 2000);
    assert_int_equal(backoff_pending_ms(INT64_MAX, 2000, 30000), 30000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_delay_table),
        cmocka_unit_test(test_backoff_delay_bounds),
        cmocka_unit_test(test_backoff_next),
        cmocka_unit_test(test_backoff_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
