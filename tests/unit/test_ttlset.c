/* SPDX-License-Identifier: MIT */
/*
 * test_ttlset.c — util/ttlset.c: lifetimes to the second, a clock that
 * steps back, refresh without duplicates, and the memory bound.
 */
#include "util/ttlset.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* A key whose bucket bytes (0..3) are fixed and whose tail is n. */
static void key_of(unsigned n, unsigned char key[TTLSET_KEY_LEN])
{
    memset(key, 0, TTLSET_KEY_LEN);
    key[28] = (unsigned char)(n >> 24);
    key[29] = (unsigned char)(n >> 16);
    key[30] = (unsigned char)(n >> 8);
    key[31] = (unsigned char)n;
}

/* A well-spread key (what MACs look like), from a simple LCG. */
static void random_key(uint64_t *seed, unsigned char key[TTLSET_KEY_LEN])
{
    for (int i = 0; i < TTLSET_KEY_LEN; i++) {
        *seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
        key[i] = (unsigned char)(*seed >> 56);
    }
}

static void test_ttlset_lifetime(void **state)
{
    (void)state;
    struct ttlset *s = ttlset_new(16, 300);
    unsigned char k[TTLSET_KEY_LEN], other[TTLSET_KEY_LEN];
    key_of(1, k);
    key_of(2, other);
    assert_false(ttlset_contains(s, k, 100));
    ttlset_add(s, k, 100);
    assert_true(ttlset_contains(s, k, 100));
    assert_true(ttlset_contains(s, k, 399));
    assert_false(ttlset_contains(s, k, 400));
    assert_false(ttlset_contains(s, other, 100));
    /* Clock stepped back to before the add: forgotten, not kept longer. */
    assert_false(ttlset_contains(s, k, 99));
    assert_false(ttlset_contains(s, k, -1000));
    /* A refresh moves the expiry and never makes a second entry. */
    ttlset_add(s, k, 350);
    assert_true(ttlset_contains(s, k, 649));
    assert_int_equal(ttlset_count(s, 350), 1);
    ttlset_free(s);
    ttlset_free(NULL);
}

/* One bucket: the fifth key evicts the oldest; expired slots go first. */
static void test_ttlset_eviction(void **state)
{
    (void)state;
    struct ttlset *s = ttlset_new(TTLSET_WAYS, 100);
    unsigned char k[TTLSET_KEY_LEN];
    for (unsigned i = 1; i <= TTLSET_WAYS + 1; i++) {
        key_of(i, k);
        ttlset_add(s, k, i);
    }
    assert_int_equal(ttlset_count(s, 10), TTLSET_WAYS);
    key_of(1, k);
    assert_false(ttlset_contains(s, k, 10));
    for (unsigned i = 2; i <= TTLSET_WAYS + 1; i++) {
        key_of(i, k);
        assert_true(ttlset_contains(s, k, 10));
    }
    /* All expired by 200: a new key takes a dead slot, the others stay dead. */
    key_of(99, k);
    ttlset_add(s, k, 200);
    assert_int_equal(ttlset_count(s, 200), 1);
    ttlset_free(s);
}

static void test_ttlset_bound(void **state)
{
    (void)state;
    struct ttlset *s = ttlset_new(1024, 300);
    uint64_t seed = 42;
    unsigned char k[TTLSET_KEY_LEN], last[TTLSET_KEY_LEN];
    for (int i = 0; i < 20000; i++) {
        random_key(&seed, k);
        ttlset_add(s, k, 1000 + i / 100);
    }
    memcpy(last, k, sizeof(k));
    size_t n = ttlset_count(s, 1200);
    assert_true(n <= 1024);
    assert_true(n > 1000); /* 20000 spread keys fill nearly every slot */
    assert_true(ttlset_contains(s, last, 1200)); /* the newest is never the victim */
    ttlset_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ttlset_lifetime),
        cmocka_unit_test(test_ttlset_eviction),
        cmocka_unit_test(test_ttlset_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
