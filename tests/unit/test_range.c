/* SPDX-License-Identifier: MIT */
/*
 * test_range.c — proto/range.c against the case table in
 * $RECD_TEST_DATA/range_cases.txt (format described at the top of that
 * file), plus a few properties that a table cannot express.
 */
#include "proto/range.h"
#include "proto/num.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define LINE_MAX_LEN 512
#define FIELDS 5

static const char *const result_names[] = {"NONE", "OK", "UNSATISFIABLE", "IGNORE"};

static bool parse_result(const char *s, enum range_result *pr)
{
    for (size_t i = 0; i < RECD_ARRAY_LEN(result_names); i++) {
        if (strcmp(s, result_names[i]) == 0) {
            *pr = (enum range_result)i;
            return true;
        }
    }
    return false;
}

/* Split line in place on '|' into exactly FIELDS fields. */
static bool split(char *line, char *f[FIELDS])
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++) {
        if (*p != '|')
            continue;
        if (n == FIELDS)
            return false;
        *p = '\0';
        f[n++] = p + 1;
    }
    return n == FIELDS;
}

/* Replace each two-byte "\t" with a tab, in place. */
static void unescape_tabs(char *s)
{
    char *o = s;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] == 't') {
            *o++ = '\t';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

/* Run one case; returns false (after printing why) on a mismatch. */
static bool run_case(int lineno, char *f[FIELDS])
{
    int64_t size, start = -1, end = -1;
    enum range_result want;
    bool ok = num_parse_i64(f[1], 0, INT64_MAX, &size) && parse_result(f[2], &want);
    if (ok && want == RANGE_OK)
        ok = num_parse_i64(f[3], 0, INT64_MAX, &start) && num_parse_i64(f[4], 0, INT64_MAX, &end);
    else if (ok)
        ok = f[3][0] == '\0' && f[4][0] == '\0';
    if (!ok) {
        fprintf(stderr, "range_cases.txt:%d: malformed case\n", lineno);
        return false;
    }
    const char *header = strcmp(f[0], "<null>") == 0 ? NULL : f[0];
    if (header)
        unescape_tabs(f[0]);
    struct byte_range r = {-7, -7};
    enum range_result got = range_parse(header, size, &r);
    bool pass = got == want;
    if (pass && want == RANGE_OK)
        pass = r.start == start && r.end == end;
    else if (pass)
        pass = r.start == -7 && r.end == -7; /* untouched unless OK */
    if (!pass)
        fprintf(stderr,
                "range_cases.txt:%d: [%s] size %lld: want %s %lld-%lld, got %s %lld-%lld\n",
                lineno, f[0], (long long)size, result_names[want], (long long)start,
                (long long)end, result_names[got], (long long)r.start, (long long)r.end);
    return pass;
}

static void test_range_cases_file(void **state)
{
    (void)state;
    const char *dir = getenv("RECD_TEST_DATA");
    assert_non_null(dir);
    char path[1024];
    assert_true(snprintf(path, sizeof(path), "%s/range_cases.txt", dir) < (int)sizeof(path));
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);

    char line[LINE_MAX_LEN];
    int lineno = 0, cases = 0, failures = 0;
    while (fgets(line, sizeof(line), fp)) {
        lineno++;
        size_t n = strlen(line);
        assert_true(n > 0 && line[n - 1] == '\n'); /* no over-long lines */
        line[n - 1] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[FIELDS];
        if (!split(line, f)) {
            fprintf(stderr, "range_cases.txt:%d: want %d fields\n", lineno, FIELDS);
            failures++;
            continue;
        }
        cases++;
        if (!run_case(lineno, f))
            failures++;
    }
    fclose(fp);
    assert_int_equal(failures, 0);
    assert_true(cases >= 25);
}

/* Every OK answer lies inside the body, for many sizes and headers. */
static void test_range_ok_is_within_body(void **state)
{
    (void)state;
    static const char *const headers[] = {"bytes=0-", "bytes=3-", "bytes=-3", "bytes=2-4",
                                          "bytes=0-0", "bytes=-1", "bytes=1-1000"};
    for (int64_t size = 0; size < 10; size++) {
        for (size_t i = 0; i < RECD_ARRAY_LEN(headers); i++) {
            struct byte_range r;
            if (range_parse(headers[i], size, &r) != RANGE_OK)
                continue;
            assert_true(r.start >= 0);
            assert_true(r.start <= r.end);
            assert_true(r.end < size);
        }
    }
}

/* Thousands of digits overflow safely instead of wrapping. */
static void test_range_long_header(void **state)
{
    (void)state;
    char big[4096];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "bytes=", 6);
    struct byte_range r;
    assert_int_equal(range_parse(big, 100, &r), RANGE_IGNORE); /* "111…1" overflows */
    memcpy(big, "bytes=1-", 8);
    assert_int_equal(range_parse(big, 100, &r), RANGE_IGNORE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_cases_file),
        cmocka_unit_test(test_range_ok_is_within_body),
        cmocka_unit_test(test_range_long_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
