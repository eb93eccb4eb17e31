/* SPDX-License-Identifier: MIT */
/*
 * test_metrics.c — counters rendered as Prometheus text: names, labels,
 * values, the histogram's cumulative buckets, gauges passed in, and that
 * every line is a comment or "name{labels} value". The rendered text is
 * parsed line by line, so tests do not depend on ordering or spacing
 * beyond the exposition format itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/metrics.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Value of the sample whose "name{labels}" part is exactly series, or NAN
 * when absent. Fails the test if the series appears twice. */
static double sample(const char *text, const char *series)
{
    double found = NAN;
    size_t slen = strlen(series);
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        assert_non_null(end); /* every line, the last included, ends in \n */
        if (line[0] != '#' && (size_t)(end - line) > slen && strncmp(line, series, slen) == 0 &&
            line[slen] == ' ') {
            assert_true(isnan(found));
            char *num_end = NULL;
            found = strtod(line + slen + 1, &num_end);
            assert_ptr_equal(num_end, end);
        }
        line = end + 1;
    }
    return found;
}

static bool has_line(const char *text, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = text; (p = strstr(p, want)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

/* Every sample line: metric name, optional {k="v",...}, a space, a number.
 * Every metric family sampled has a TYPE line before its first sample. */
static void assert_well_formed(const char *text)
{
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        char buf[512];
        size_t len = (size_t)(end - line);
        assert_true(len > 0 && len < sizeof(buf));
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (buf[0] == '#') {
            assert_true(strncmp(buf, "# HELP ", 7) == 0 || strncmp(buf, "# TYPE ", 7) == 0);
        } else {
            size_t i = 0;
            while (isalnum((unsigned char)buf[i]) || buf[i] == '_')
                i++;
            assert_true(i > 0);
            char family[128];
            assert_true(i < sizeof(family));
            memcpy(family, buf, i);
            family[i] = '\0';
            /* histograms: _bucket/_sum/_count belong to the base family */
            static const char *suffixes[] = { "_bucket", "_sum", "_count" };
            char type_line[200];
            snprintf(type_line, sizeof(type_line), "# TYPE %s ", family);
            bool typed = strstr(text, type_line) != NULL && strstr(text, type_line) < line;
            for (size_t s = 0; !typed && s < RECD_ARRAY_LEN(suffixes); s++) {
                size_t fl = strlen(family), sl = strlen(suffixes[s]);
                if (fl > sl && strcmp(family + fl - sl, suffixes[s]) == 0) {
                    snprintf(type_line, sizeof(type_line), "# TYPE %.*s histogram", (int)(fl - sl),
                             family);
                    typed = strstr(text, type_line) != NULL;
                }
            }
            assert_true(typed);
            if (buf[i] == '{') {
                char *close = strchr(buf + i, '}');
                assert_non_null(close);
                i = (size_t)(close - buf) + 1;
            }
            assert_int_equal(buf[i], ' ');
            char *num_end = NULL;
            strtod(buf + i + 1, &num_end);
            assert_true(num_end != buf + i + 1 && *num_end == '\0');
        }
        line = end + 1;
    }
}

static const struct metrics_gauges no_gauges = { { 0, 0, 0, 0 }, 0, 0 };

static void test_fresh_render(void **state)
{
    struct metrics *m = metrics_new();
    char *t = metrics_render_dup(m, &no_gauges);
    assert_well_formed(t);
    assert_true(has_line(t, "# TYPE recd_http_requests_total counter"));
    assert_true(has_line(t, "# TYPE recd_runs_created_total counter"));
    assert_true(has_line(t, "# TYPE recd_dedup_total counter"));
    assert_true(has_line(t, "# TYPE recd_upstream_requests_total counter"));
    assert_true(has_line(t, "# TYPE recd_fetch_seconds histogram"));
    assert_true(has_line(t, "# TYPE recd_fetch_bytes_total counter"));
    assert_true(has_line(t, "# TYPE recd_runs gauge"));
    assert_true(has_line(t, "# TYPE recd_cache_bytes gauge"));
    assert_true(has_line(t, "# TYPE recd_held_requests gauge"));
    assert_true(sample(t, "recd_runs_created_total") == 0);
    assert_true(sample(t, "recd_dedup_total{layer=\"memory\"}") == 0);
    assert_true(sample(t, "recd_dedup_total{layer=\"db\"}") == 0);
    assert_true(sample(t, "recd_dedup_total{layer=\"redis\"}") == 0);
    assert_true(isnan(sample(t, "recd_dedup_total{layer=\"none\"}")));
    assert_true(sample(t, "recd_fetch_seconds_bucket{le=\"+Inf\"}") == 0);
    assert_true(sample(t, "recd_fetch_seconds_count") == 0);
    assert_true(sample(t, "recd_fetch_seconds_sum") == 0);
    assert_true(sample(t, "recd_fetch_bytes_total") == 0);
    /* No request seen: no http or upstream series at all. */
    assert_null(strstr(t, "recd_http_requests_total{"));
    assert_null(strstr(t, "recd_upstream_requests_total{"));
    free(t);
    metrics_free(m);
}

static void test_http_counters(void **state)
{
    struct metrics *m = metrics_new();
    metrics_http(m, ROUTE_STREAM, 200);
    metrics_http(m, ROUTE_STREAM, 200);
    metrics_http(m, ROUTE_STREAM, 206);
    metrics_http(m, ROUTE_STREAM, 202);
    metrics_http(m, ROUTE_API_RECORDINGS, 200);
    metrics_http(m, ROUTE_WEBHOOK, 403);
    metrics_http(m, ROUTE_OTHER, 404);
    metrics_http(m, ROUTE_METRICS, 599);
    metrics_http(m, ROUTE_STATIC, 100);
    char *t = metrics_render_dup(m, &no_gauges);
    assert_well_formed(t);
    static const struct {
        const char *series;
        double value;
    } want[] = {
        { "recd_http_requests_total{route=\"stream\",code=\"200\"}", 2 },
        { "recd_http_requests_total{route=\"stream\",code=\"206\"}", 1 },
        { "recd_http_requests_total{route=\"stream\",code=\"202\"}", 1 },
        { "recd_http_requests_total{route=\"api_recordings\",code=\"200\"}", 1 },
        { "recd_http_requests_total{route=\"webhook\",code=\"403\"}", 1 },
        { "recd_http_requests_total{route=\"other\",code=\"404\"}", 1 },
        { "recd_http_requests_total{route=\"metrics\",code=\"599\"}", 1 },
        { "recd_http_requests_total{route=\"static\",code=\"100\"}", 1 },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(want); i++) {
        double v = sample(t, want[i].series);
        if (v != want[i].value)
            fail_msg("%s = %g, want %g\n%s", want[i].series, v, want[i].value, t);
    }
    assert_true(isnan(sample(t, "recd_http_requests_total{route=\"stream\",code=\"404\"}")));
    assert_true(isnan(sample(t, "recd_http_requests_total{route=\"api_recording\",code=\"200\"}")));
    free(t);
    metrics_free(m);
}

static void test_route_and_layer_names(void **state)
{
    static const char *routes[] = { "stream", "api_recordings", "api_recording", "api_fetch",
                                    "api_runs", "api_peaks", "webhook", "healthz", "readyz", "metrics",
                                    "static", "other" };
    assert_int_equal(RECD_ARRAY_LEN(routes), ROUTE_COUNT_);
    struct metrics *m = metrics_new();
    for (int r = 0; r < ROUTE_COUNT_; r++) {
        assert_string_equal(metrics_route_name((enum metrics_route)r), routes[r]);
        metrics_http(m, (enum metrics_route)r, 200);
    }
    assert_string_equal(metrics_route_name(ROUTE_COUNT_), "other");
    char *t = metrics_render_dup(m, &no_gauges);
    for (int r = 0; r < ROUTE_COUNT_; r++) {
        char series[128];
        snprintf(series, sizeof(series), "recd_http_requests_total{route=\"%s\",code=\"200\"}",
                 routes[r]);
        assert_true(sample(t, series) == 1);
    }
    free(t);
    metrics_free(m);

    assert_string_equal(dedup_layer_name(DEDUP_MEMORY), "memory");
    assert_string_equal(dedup_layer_name(DEDUP_DB), "db");
    assert_string_equal(dedup_layer_name(DEDUP_REDIS), "redis");
    assert_string_equal(dedup_layer_name(DEDUP_NONE), "none");
    assert_string_equal(dedup_layer_name(DEDUP_COUNT_), "none");
}

static void test_out_of_range_inputs_ignored(void **state)
{
    struct metrics *m = metrics_new();
    metrics_http(m, ROUTE_STREAM, 0);
    metrics_http(m, ROUTE_STREAM, 99);
    metrics_http(m, ROUTE_STREAM, 600);
    metrics_http(m, ROUTE_COUNT_, 200);
    metrics_http(m, (enum metrics_route)1000, 200);
    metrics_dedup(m, DEDUP_COUNT_);
    char *t = metrics_render_dup(m, &no_gauges);
    assert_well_formed(t);
    assert_null(strstr(t, "recd_http_requests_total{"));
    assert_true(sample(t, "recd_dedup_total{layer=\"memory\"}") == 0);
    free(t);
    metrics_free(m);
}

static void test_runs_and_dedup(void **state)
{
    struct metrics *m = metrics_new();
    metrics_run_created(m);
    metrics_run_created(m);
    metrics_run_created(m);
    metrics_dedup(m, DEDUP_MEMORY);
    metrics_dedup(m, DEDUP_MEMORY);
    metrics_dedup(m, DEDUP_DB);
    metrics_dedup(m, DEDUP_REDIS);
    metrics_dedup(m, DEDUP_NONE); /* "no dedup" is not a layer: not rendered */
    char *t = metrics_render_dup(m, &no_gauges);
    assert_well_formed(t);
    assert_true(sample(t, "recd_runs_created_total") == 3);
    assert_true(sample(t, "recd_dedup_total{layer=\"memory\"}") == 2);
    assert_true(sample(t, "recd_dedup_total{layer=\"db\"}") == 1);
    assert_true(sample(t, "recd_dedup_total{layer=\"redis\"}") == 1);
    assert_true(isnan(sample(t, "recd_dedup_total{layer=\"none\"}")));
    free(t);
    metrics_free(m);
}

static void test_upstream_codes(void **state)
{
    struct metrics *m = metrics_new();
    metrics_upstream(m, 200);
    metrics_upstream(m, 200);
    metrics_upstream(m, 404);
    metrics_upstream(m, 503);
    metrics_upstream(m, 0);   /* connect failure: no response */
    metrics_upstream(m, 0);
    metrics_upstream(m, 999); /* nonsense status: also "no valid response" */
    char *t = metrics_render_dup(m, &no_gauges);
    assert_well_formed(t);
    assert_true(sample(t, "recd_upstream_requests_total{code=\"200\"}") == 2);
    assert_true(sample(t, "recd_upstream_requests_total{code=\"404\"}") == 1);
    assert_true(sample(t, "recd_upstream_requests_total{code=\"503\"}") == 1);
    assert_true(sample(t, "recd_upstream_requests_total{code=\"0\"}") == 3);
    assert_true(isnan(sample(t, "recd_upstream_requests_total{code=\"999\"}")));
    assert_true(isnan(sample(t, "recd_upstream_requests_total{code=\"500\"}")));
    free(t);
    metrics_free(m);
}

static void test_fetch_histogram(void **state)
{
    static const char *les[] = { "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "60", "120", "+Inf" };
    static const double secs[] = { 0.05, 0.1, 0.3, 0.9, 1.0, 2.0, 7.5, 59.0, 61.0, 119.0, 500.0, 0.0 };
    /* Expected cumulative count per bucket, upper bounds inclusive (le). */
    static const double cum[] = { 3, 3, 4, 6, 7, 7, 8, 8, 9, 11, 12 };
    struct metrics *m = metrics_new();
    int64_t bytes = 0;
    double sum = 0;
    for (size_t i = 0; i < RECD_ARRAY_LEN(secs); i++) {
        metrics_fetch_done(m, secs[i], (int64_t)(i + 1) * 1000);
        bytes += (int64_t)(i + 1) * 1000;
        sum += secs[i];
    }
    char *t = metrics_render_dup(m, &no_gauges);
    assert_well_formed(t);
    double prev = 0;
    for (size_t b = 0; b < RECD_ARRAY_LEN(les); b++) {
        char series[64];
        snprintf(series, sizeof(series), "recd_fetch_seconds_bucket{le=\"%s\"}", les[b]);
        double v = sample(t, series);
        if (v != cum[b])
            fail_msg("%s = %g, want %g\n%s", series, v, cum[b], t);
        assert_true(v >= prev); /* cumulative */
        prev = v;
    }
    assert_true(sample(t, "recd_fetch_seconds_bucket{le=\"+Inf\"}") ==
                sample(t, "recd_fetch_seconds_count"));
    assert_true(sample(t, "recd_fetch_seconds_count") == RECD_ARRAY_LEN(secs));
    assert_true(fabs(sample(t, "recd_fetch_seconds_sum") - sum) < 0.02); /* ms truncation */
    assert_true(sample(t, "recd_fetch_bytes_total") == (double)bytes);
    free(t);
    metrics_free(m);
}

static void test_gauges_passed_in(void **state)
{
    struct metrics *m = metrics_new();
    struct metrics_gauges g = { .runs = { 4, 3, 1234567, 2 }, .cache_bytes = 9876543210LL,
                                .held_requests = 17 };
    char *t = metrics_render_dup(m, &g);
    assert_well_formed(t);
    assert_true(sample(t, "recd_runs{status=\"queued\"}") == 4);
    assert_true(sample(t, "recd_runs{status=\"running\"}") == 3);
    assert_true(sample(t, "recd_runs{status=\"completed\"}") == 1234567);
    assert_true(sample(t, "recd_runs{status=\"failed\"}") == 2);
    assert_true(sample(t, "recd_cache_bytes") == 9876543210.0);
    assert_true(sample(t, "recd_held_requests") == 17);
    /* Exact integer text, not a rounded float. */
    assert_true(has_line(t, "recd_cache_bytes 9876543210"));
    free(t);
    metrics_free(m);
}

static void test_large_render_grows_buffer(void **state)
{
    /* Every route × every code present: far beyond the initial buffer. */
    struct metrics *m = metrics_new();
    for (int r = 0; r < ROUTE_COUNT_; r++)
        for (unsigned c = 100; c < 600; c++)
            metrics_http(m, (enum metrics_route)r, c);
    for (unsigned c = 100; c < 600; c++)
        metrics_upstream(m, c);
    char *t = metrics_render_dup(m, &no_gauges);
    assert_true(strlen(t) > 8192 * 8);
    assert_well_formed(t);
    assert_true(sample(t, "recd_http_requests_total{route=\"other\",code=\"599\"}") == 1);
    assert_true(sample(t, "recd_upstream_requests_total{code=\"100\"}") == 1);
    assert_true(has_line(t, "recd_held_requests 0"));
    free(t);
    metrics_free(m);
}

#define NTHREADS 4
#define PER_THREAD 20000

static void *count_main(void *arg)
{
    struct metrics *m = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_http(m, ROUTE_STREAM, 200);
        metrics_dedup(m, DEDUP_MEMORY);
    }
    return NULL;
}

static void test_concurrent_adds(void **state)
{
    struct metrics *m = metrics_new();
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, count_main, m), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    char *t = metrics_render_dup(m, &no_gauges);
    assert_true(sample(t, "recd_http_requests_total{route=\"stream\",code=\"200\"}") ==
                NTHREADS * PER_THREAD);
    assert_true(sample(t, "recd_dedup_total{layer=\"memory\"}") == NTHREADS * PER_THREAD);
    free(t);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_render),
        cmocka_unit_test(test_http_counters),
        cmocka_unit_test(test_route_and_layer_names),
        cmocka_unit_test(test_out_of_range_inputs_ignored),
        cmocka_unit_test(test_runs_and_dedup),
        cmocka_unit_test(test_upstream_codes),
        cmocka_unit_test(test_fetch_histogram),
        cmocka_unit_test(test_gauges_passed_in),
        cmocka_unit_test(test_large_render_grows_buffer),
        cmocka_unit_test(test_concurrent_adds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
