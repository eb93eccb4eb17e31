/* SPDX-License-Identifier: MIT */
/*
 * test_strmap.c — the string-keyed hash map: put/get/replace/remove,
 * counts, growth past many thousand keys, keys copied on insert and
 * foreach's early stop. Single-threaded, like the map itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Distinct addresses to store as values; the map never dereferences them. */
static int vals[8];

static void test_empty(void **state)
{
    struct strmap *m = strmap_new();
    assert_int_equal(strmap_count(m), 0);
    assert_null(strmap_get(m, "x"));
    assert_null(strmap_get(m, ""));
    assert_null(strmap_remove(m, "x"));
    assert_int_equal(strmap_count(m), 0);
    strmap_free(m);
    strmap_free(NULL);
}

static void test_put_get_replace_remove(void **state)
{
    struct strmap *m = strmap_new();
    assert_null(strmap_put(m, "CA1", &vals[0]));
    assert_null(strmap_put(m, "CA2", &vals[1]));
    assert_int_equal(strmap_count(m), 2);
    assert_ptr_equal(strmap_get(m, "CA1"), &vals[0]);
    assert_ptr_equal(strmap_get(m, "CA2"), &vals[1]);
    assert_null(strmap_get(m, "CA"));
    assert_null(strmap_get(m, "CA12"));

    /* Replace returns the old value and keeps the count. */
    assert_ptr_equal(strmap_put(m, "CA1", &vals[2]), &vals[0]);
    assert_int_equal(strmap_count(m), 2);
    assert_ptr_equal(strmap_get(m, "CA1"), &vals[2]);

    /* A NULL value is stored like any other (get cannot tell it apart). */
    assert_ptr_equal(strmap_put(m, "CA1", NULL), &vals[2]);
    assert_int_equal(strmap_count(m), 2);
    assert_null(strmap_put(m, "CA1", &vals[3]));

    assert_ptr_equal(strmap_remove(m, "CA1"), &vals[3]);
    assert_int_equal(strmap_count(m), 1);
    assert_null(strmap_get(m, "CA1"));
    assert_null(strmap_remove(m, "CA1"));
    assert_int_equal(strmap_count(m), 1);
    assert_ptr_equal(strmap_get(m, "CA2"), &vals[1]);

    /* The empty string is a key like any other. */
    assert_null(strmap_put(m, "", &vals[4]));
    assert_ptr_equal(strmap_get(m, ""), &vals[4]);
    assert_int_equal(strmap_count(m), 2);
    assert_ptr_equal(strmap_remove(m, ""), &vals[4]);

    assert_ptr_equal(strmap_remove(m, "CA2"), &vals[1]);
    assert_int_equal(strmap_count(m), 0);
    /* Re-insert after emptying. */
    assert_null(strmap_put(m, "CA2", &vals[5]));
    assert_ptr_equal(strmap_get(m, "CA2"), &vals[5]);
    strmap_free(m);
}

static void test_keys_are_copied(void **state)
{
    struct strmap *m = strmap_new();
    char key[32];
    snprintf(key, sizeof(key), "CAabc");
    assert_null(strmap_put(m, key, &vals[0]));
    /* The caller's buffer changes; the map's key must not. */
    memset(key, 'z', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    assert_ptr_equal(strmap_get(m, "CAabc"), &vals[0]);
    assert_null(strmap_get(m, key));

    char *heap = strdup("CAheap");
    assert_null(strmap_put(m, heap, &vals[1]));
    free(heap);
    assert_ptr_equal(strmap_get(m, "CAheap"), &vals[1]);
    assert_int_equal(strmap_count(m), 2);
    strmap_free(m);
}

/* Values are the index + 1 cast to a pointer, so nothing needs freeing. */
static void *ival(size_t i)
{
    return (void *)(uintptr_t)(i + 1);
}

#define MANY 50000

static void test_growth_many_keys(void **state)
{
    struct strmap *m = strmap_new();
    char key[32];
    for (size_t i = 0; i < MANY; i++) {
        snprintf(key, sizeof(key), "CA%08zu", i);
        assert_null(strmap_put(m, key, ival(i)));
    }
    assert_int_equal(strmap_count(m), MANY);
    for (size_t i = 0; i < MANY; i++) {
        snprintf(key, sizeof(key), "CA%08zu", i);
        assert_ptr_equal(strmap_get(m, key), ival(i));
    }
    snprintf(key, sizeof(key), "CA%08d", MANY);
    assert_null(strmap_get(m, key));

    /* Remove the even ones; the odd ones stay reachable. */
    for (size_t i = 0; i < MANY; i += 2) {
        snprintf(key, sizeof(key), "CA%08zu", i);
        assert_ptr_equal(strmap_remove(m, key), ival(i));
    }
    assert_int_equal(strmap_count(m), MANY / 2);
    for (size_t i = 0; i < MANY; i++) {
        snprintf(key, sizeof(key), "CA%08zu", i);
        if (i % 2)
            assert_ptr_equal(strmap_get(m, key), ival(i));
        else
            assert_null(strmap_get(m, key));
    }
    strmap_free(m);
}

struct visit {
    size_t seen;
    size_t stop_after;   /* 0 = never stop */
    unsigned char *hits; /* per index, how often visited */
    size_t nhits;
};

static bool on_visit(const char *key, void *value, void *ctx)
{
    struct visit *v = ctx;
    size_t i = (size_t)(uintptr_t)value - 1;
    char expect[32];
    snprintf(expect, sizeof(expect), "k%zu", i);
    assert_string_equal(key, expect);
    assert_true(i < v->nhits);
    v->hits[i]++;
    v->seen++;
    return v->stop_after == 0 || v->seen < v->stop_after;
}

static void test_foreach_all_and_early_stop(void **state)
{
    enum { N = 1000 };
    struct strmap *m = strmap_new();
    char key[32];
    for (size_t i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "k%zu", i);
        assert_null(strmap_put(m, key, ival(i)));
    }
    unsigned char hits[N];
    memset(hits, 0, sizeof(hits));
    struct visit v = { .hits = hits, .nhits = N };
    strmap_foreach(m, on_visit, &v);
    assert_int_equal(v.seen, N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(hits[i], 1);

    /* Returning false stops right there: exactly stop_after visits. */
    static const size_t stops[] = { 1, 2, 17, N - 1, N };
    for (size_t s = 0; s < RECD_ARRAY_LEN(stops); s++) {
        memset(hits, 0, sizeof(hits));
        v = (struct visit){ .stop_after = stops[s], .hits = hits, .nhits = N };
        strmap_foreach(m, on_visit, &v);
        assert_int_equal(v.seen, stops[s]);
    }

    /* Empty map: the callback is never called. */
    struct strmap *e = strmap_new();
    v = (struct visit){ .hits = hits, .nhits = N };
    strmap_foreach(e, on_visit, &v);
    assert_int_equal(v.seen, 0);
    strmap_free(e);
    strmap_free(m);
}

static void test_similar_keys(void **state)
{
    /* Keys that share prefixes or differ in one byte stay distinct. */
    static const char *keys[] = { "a", "aa", "aaa", "ab", "ba", "A", "a-", "a_", "CA1", "CA10" };
    struct strmap *m = strmap_new();
    for (size_t i = 0; i < RECD_ARRAY_LEN(keys); i++)
        assert_null(strmap_put(m, keys[i], ival(i)));
    assert_int_equal(strmap_count(m), RECD_ARRAY_LEN(keys));
    for (size_t i = 0; i < RECD_ARRAY_LEN(keys); i++)
        assert_ptr_equal(strmap_get(m, keys[i]), ival(i));
    strmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_put_get_replace_remove),
        cmocka_unit_test(test_keys_are_copied),
        cmocka_unit_test(test_growth_many_keys),
        cmocka_unit_test(test_foreach_all_and_early_stop),
        cmocka_unit_test(test_similar_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
