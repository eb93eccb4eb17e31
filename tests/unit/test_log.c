/* SPDX-License-Identifier: MIT */
/*
 * test_log.c — the event logger, as it appears on fd 2: logfmt quoting and
 * escaping (parsed back by a small logfmt reader here), integers bare,
 * ts/level/event first, JSON mode giving one valid object per line (read
 * back with jansson), level filtering, and whole lines under concurrent
 * writers. Each test points fd 2 at a temporary file while it logs and
 * restores it before asserting, so cmocka's own messages stay visible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/clock.h"
#include "util/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- capturing fd 2 ------------------------------------------------------- */

struct capture {
    int saved_fd;
    int file_fd;
    char path[64];
};

static void capture_start(struct capture *c)
{
    fflush(stderr);
    snprintf(c->path, sizeof(c->path), "/tmp/recd-test-log-XXXXXX");
    c->file_fd = mkstemp(c->path);
    assert_true(c->file_fd >= 0);
    /* O_APPEND: concurrent writers never overwrite each other's bytes. */
    assert_int_equal(fcntl(c->file_fd, F_SETFL, O_APPEND), 0);
    c->saved_fd = dup(STDERR_FILENO);
    assert_true(c->saved_fd >= 0);
    assert_int_equal(dup2(c->file_fd, STDERR_FILENO), STDERR_FILENO);
}

/* Restores fd 2 and returns what was written (caller frees). */
static char *capture_end(struct capture *c)
{
    dup2(c->saved_fd, STDERR_FILENO);
    close(c->saved_fd);
    off_t size = lseek(c->file_fd, 0, SEEK_END);
    assert_true(size >= 0);
    char *buf = malloc((size_t)size + 1);
    assert_int_equal(pread(c->file_fd, buf, (size_t)size, 0), size);
    buf[size] = '\0';
    close(c->file_fd);
    unlink(c->path);
    return buf;
}

static int teardown(void **state)
{
    log_init(LOG_LOGFMT, LOG_INFO); /* the process default */
    return 0;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* ---- a small logfmt reader -------------------------------------------------- */

#define MAX_PAIRS 16

struct pair {
    char key[64];
    char value[4096];
    bool quoted;
};

struct logfmt_line {
    struct pair pairs[MAX_PAIRS];
    size_t n;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses one line (without its '\n'); false on any syntax error. */
static bool logfmt_parse(const char *s, struct logfmt_line *out)
{
    memset(out, 0, sizeof(*out));
    while (*s) {
        if (out->n == MAX_PAIRS)
            return false;
        struct pair *p = &out->pairs[out->n++];
        size_t k = 0;
        while (*s && *s != '=' && *s != ' ') {
            if (k + 1 >= sizeof(p->key))
                return false;
            p->key[k++] = *s++;
        }
        if (k == 0 || *s != '=')
            return false;
        s++;
        size_t v = 0;
        if (*s == '"') {
            p->quoted = true;
            s++;
            for (;;) {
                if (*s == '\0' || v + 1 >= sizeof(p->value))
                    return false; /* unterminated */
                if (*s == '"') {
                    s++;
                    break;
                }
                if (*s == '\\') {
                    s++;
                    if (*s == '"' || *s == '\\') {
                        p->value[v++] = *s++;
                    } else if (*s == 'u') {
                        int code = 0;
                        for (int i = 1; i <= 4; i++) {
                            int h = hexval(s[i]);
                            if (h < 0)
                                return false;
                            code = code * 16 + h;
                        }
                        if (code > 0x7f)
                            return false; /* the logger only escapes controls */
                        p->value[v++] = (char)code;
                        s += 5;
                    } else {
                        return false;
                    }
                } else {
                    if ((unsigned char)*s < 0x20)
                        return false; /* raw control byte */
                    p->value[v++] = *s++;
                }
            }
        } else {
            while (*s && *s != ' ') {
                if (v + 1 >= sizeof(p->value) || *s == '"' || *s == '=')
                    return false;
                p->value[v++] = *s++;
            }
        }
        if (*s == ' ')
            s++;
        else if (*s)
            return false;
    }
    return true;
}

static const struct pair *find_pair(const struct logfmt_line *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->pairs[i].key, key) == 0)
            return &l->pairs[i];
    return NULL;
}

/* "2023-11-14T22:13:20.123Z" and within a minute of now. */
static void assert_recent_iso(const char *ts)
{
    assert_int_equal(strlen(ts), 24);
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
    assert_non_null(rest);
    assert_true(rest[0] == '.' && rest[1] >= '0' && rest[1] <= '9' && rest[2] >= '0' &&
                rest[2] <= '9' && rest[3] >= '0' && rest[3] <= '9' && rest[4] == 'Z');
    int64_t t = (int64_t)timegm(&tm) * 1000;
    int64_t now = clock_now_ms();
    assert_true(t > now - 60000 && t < now + 60000);
}

/* Captured text must be exactly one line; parses it into out. */
static void one_logfmt_line(char *text, struct logfmt_line *out)
{
    assert_int_equal(count_lines(text), 1);
    size_t n = strlen(text);
    assert_true(n > 0 && text[n - 1] == '\n');
    text[n - 1] = '\0';
    if (!logfmt_parse(text, out))
        fail_msg("not logfmt: %s", text);
    text[n - 1] = '\n';
}

/* ---- logfmt ----------------------------------------------------------------- */

static const struct {
    const char *value;
    bool quoted; /* expected to be quoted on the line */
} string_cases[] = {
    { "CA123", false },
    { "plain-value_1.2:3/4", false },
    { "hello world", true },
    { "say \"hi\"", true },
    { "two\nlines", true },
    { "cr\rlf", true },
    { "tab\there", true },
    { "a=b", true },
    { "C:\\path", true },
    { "", true },
    { "h\xc3\xa9llo", true },
    { " lead", true },
    { "trail ", true },
    { "\x01\x1f", true },
};

static void test_logfmt_quoting(void **state)
{
    log_init(LOG_LOGFMT, LOG_INFO);
    for (size_t i = 0; i < RECD_ARRAY_LEN(string_cases); i++) {
        struct capture c;
        capture_start(&c);
        log_event(LOG_INFO, "TEST_EVENT", LF_S("v", string_cases[i].value), LF_I("n", 42));
        char *text = capture_end(&c);
        struct logfmt_line l;
        one_logfmt_line(text, &l);
        const struct pair *p = find_pair(&l, "v");
        assert_non_null(p);
        if (strcmp(p->value, string_cases[i].value) != 0 || p->quoted != string_cases[i].quoted)
            fail_msg("case %zu: line %s", i, text);
        const struct pair *n = find_pair(&l, "n");
        assert_non_null(n);
        assert_string_equal(n->value, "42");
        assert_false(n->quoted);
        free(text);
    }
}

static void test_logfmt_head_and_integers(void **state)
{
    log_init(LOG_LOGFMT, LOG_INFO);
    struct capture c;
    capture_start(&c);
    log_event(LOG_WARN, "RUN_RETRY", LF_S("call_sid", "CA1"), LF_I("attempt", 2),
              LF_I("neg", -7), LF_I("big", INT64_MAX), LF_I("small", INT64_MIN),
              LF_S("missing", NULL));
    char *text = capture_end(&c);
    struct logfmt_line l;
    one_logfmt_line(text, &l);
    assert_int_equal(l.n, 9);
    static const char *order[] = { "ts", "level", "event", "call_sid", "attempt", "neg", "big",
                                   "small", "missing" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(order); i++)
        assert_string_equal(l.pairs[i].key, order[i]);
    assert_recent_iso(l.pairs[0].value);
    assert_string_equal(l.pairs[1].value, "warn");
    assert_string_equal(l.pairs[2].value, "RUN_RETRY");
    assert_false(l.pairs[2].quoted);
    assert_string_equal(l.pairs[3].value, "CA1");
    assert_string_equal(l.pairs[4].value, "2");
    assert_false(l.pairs[4].quoted);
    assert_string_equal(l.pairs[5].value, "-7");
    assert_string_equal(l.pairs[6].value, "9223372036854775807");
    assert_string_equal(l.pairs[7].value, "-9223372036854775808");
    assert_string_equal(l.pairs[8].value, ""); /* NULL string logs as "" */
    assert_true(l.pairs[8].quoted);
    /* The raw line starts with the fixed head. */
    assert_true(strncmp(text, "ts=", 3) == 0);
    assert_non_null(strstr(text, " level=warn event=RUN_RETRY call_sid=CA1 attempt=2 "));
    free(text);

    capture_start(&c);
    log_event0(LOG_ERROR, "ALONE");
    text = capture_end(&c);
    one_logfmt_line(text, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.pairs[1].value, "error");
    assert_string_equal(l.pairs[2].value, "ALONE");
    free(text);
}

/* ---- JSON ------------------------------------------------------------------- */

/* Captured text must be exactly one line holding one JSON object. */
static json_t *one_json_line(const char *text)
{
    assert_int_equal(count_lines(text), 1);
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    assert_true(json_is_object(j));
    return j;
}

static void test_json_values(void **state)
{
    log_init(LOG_JSON, LOG_INFO);
    for (size_t i = 0; i < RECD_ARRAY_LEN(string_cases); i++) {
        struct capture c;
        capture_start(&c);
        log_event(LOG_INFO, "TEST_EVENT", LF_S("v", string_cases[i].value), LF_I("n", -42));
        char *text = capture_end(&c);
        json_t *j = one_json_line(text);
        assert_string_equal(json_string_value(json_object_get(j, "v")), string_cases[i].value);
        assert_true(json_is_integer(json_object_get(j, "n")));
        assert_int_equal(json_integer_value(json_object_get(j, "n")), -42);
        json_decref(j);
        free(text);
    }
}

static void test_json_head_first(void **state)
{
    log_init(LOG_JSON, LOG_DEBUG);
    struct capture c;
    capture_start(&c);
    log_event(LOG_DEBUG, "RUN_DEDUP", LF_S("call_sid", "CA1"), LF_S("layer", "memory"),
              LF_I("run_id", 9000000000LL));
    char *text = capture_end(&c);
    json_t *j = one_json_line(text);
    assert_int_equal(json_object_size(j), 6);
    assert_true(strncmp(text, "{\"ts\":\"", 7) == 0);
    assert_non_null(strstr(text, "\",\"level\":\"debug\",\"event\":\"RUN_DEDUP\",\"call_sid\""));
    assert_recent_iso(json_string_value(json_object_get(j, "ts")));
    assert_string_equal(json_string_value(json_object_get(j, "layer")), "memory");
    assert_int_equal(json_integer_value(json_object_get(j, "run_id")), 9000000000LL);
    json_decref(j);
    free(text);
}

static void test_json_invalid_utf8_value(void **state)
{
    /*
     * BUG (reported to the lead, src/util/log.c): bytes >= 0x80 are copied
     * as they are, so a value that is not valid UTF-8 (an error message
     * cut mid-character by a fixed-size buffer, a provider's text) makes
     * the JSON line invalid and log shippers drop it. Expected: still one
     * valid JSON object, the bad bytes escaped or replaced.
     */
    log_init(LOG_JSON, LOG_INFO);
    struct capture c;
    capture_start(&c);
    log_event(LOG_ERROR, "RUN_FAIL", LF_S("error", "h\xc3\xb4te \xc3"));
    char *text = capture_end(&c);
    json_t *j = json_loads(text, 0, NULL);
    bool ok = json_is_object(j) && count_lines(text) == 1;
    json_decref(j);
    free(text);
    assert_true(ok);
}

static void test_long_values_stay_well_formed(void **state)
{
    /*
     * BUG (reported to the lead, src/util/log.c put()): a line is cut at
     * 2 KiB by dropping whatever does not fit, including the closing '"'
     * and, in JSON mode, the closing '}' (a cut can also split a \u00XX
     * escape). Such lines are neither logfmt nor JSON. Expected: the value
     * is truncated but the line stays well formed and ends in '\n'.
     */
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[10] = ' '; /* force quoting */
    char ctl[1400];  /* escapes (6 bytes each) straddle the cut */
    memset(ctl, '\n', sizeof(ctl) - 1);
    ctl[sizeof(ctl) - 1] = '\0';
    static const enum log_format formats[] = { LOG_LOGFMT, LOG_JSON };
    const char *values[] = { big, ctl };
    bool all_ok = true;
    char first_bad[160] = "";
    for (size_t f = 0; f < RECD_ARRAY_LEN(formats); f++) {
        for (size_t v = 0; v < RECD_ARRAY_LEN(values); v++) {
            log_init(formats[f], LOG_INFO);
            struct capture c;
            capture_start(&c);
            log_event(LOG_INFO, "BIG", LF_S("v", values[v]), LF_I("after", 1));
            char *text = capture_end(&c);
            size_t n = strlen(text);
            /* These hold today: bounded, exactly one line. */
            assert_true(n <= 2048);
            assert_int_equal(count_lines(text), 1);
            assert_int_equal(text[n - 1], '\n');
            bool ok;
            if (formats[f] == LOG_JSON) {
                json_t *j = json_loads(text, 0, NULL);
                ok = json_is_object(j) && json_is_string(json_object_get(j, "v"));
                json_decref(j);
            } else {
                struct logfmt_line *l = malloc(sizeof(*l));
                text[n - 1] = '\0';
                ok = logfmt_parse(text, l) && find_pair(l, "v") != NULL;
                free(l);
            }
            if (!ok && all_ok)
                snprintf(first_bad, sizeof(first_bad), "%s, value %zu: ...%s",
                         formats[f] == LOG_JSON ? "json" : "logfmt", v, text + n - 40);
            all_ok = all_ok && ok;
            free(text);
        }
    }
    if (!all_ok)
        fail_msg("malformed long line (%s)", first_bad);
}

/* ---- levels and formats ---------------------------------------------------- */

static void test_level_filtering(void **state)
{
    static const enum log_level levels[] = { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
    static const char *names[] = { "debug", "info", "warn", "error" };
    for (size_t min = 0; min < RECD_ARRAY_LEN(levels); min++) {
        log_init(LOG_LOGFMT, levels[min]);
        struct capture c;
        capture_start(&c);
        for (size_t i = 0; i < RECD_ARRAY_LEN(levels); i++)
            log_event(levels[i], "LEVEL_TEST", LF_I("i", (int64_t)i));
        char *text = capture_end(&c);
        assert_int_equal(count_lines(text), RECD_ARRAY_LEN(levels) - min);
        /* The lines that pass are those at or above min, in order. */
        char *line = text;
        for (size_t i = min; i < RECD_ARRAY_LEN(levels); i++) {
            char *end = strchr(line, '\n');
            *end = '\0';
            struct logfmt_line l;
            assert_true(logfmt_parse(line, &l));
            assert_string_equal(find_pair(&l, "level")->value, names[i]);
            line = end + 1;
        }
        free(text);
    }
}

static void test_format_parse(void **state)
{
    enum log_format f = LOG_JSON;
    assert_true(log_format_parse("logfmt", &f));
    assert_int_equal(f, LOG_LOGFMT);
    assert_true(log_format_parse("json", &f));
    assert_int_equal(f, LOG_JSON);
    static const char *bad[] = { "", "JSON", "text", "json ", "logfmt2" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(bad); i++) {
        f = LOG_JSON;
        assert_false(log_format_parse(bad[i], &f));
        assert_int_equal(f, LOG_JSON); /* untouched */
    }
}

/* ---- concurrency ------------------------------------------------------------ */

#define NTHREADS 4
#define PER_THREAD 300

static void *log_main(void *arg)
{
    int64_t t = (int64_t)(intptr_t)arg;
    for (int64_t i = 0; i < PER_THREAD; i++)
        log_event(LOG_INFO, "CONCURRENT", LF_S("msg", "a value with spaces and \"quotes\""),
                  LF_I("id", t * PER_THREAD + i));
    return NULL;
}

static void test_concurrent_lines_whole(void **state)
{
    log_init(LOG_JSON, LOG_INFO);
    struct capture c;
    capture_start(&c);
    pthread_t th[NTHREADS];
    for (intptr_t t = 0; t < NTHREADS; t++)
        pthread_create(&th[t], NULL, log_main, (void *)t);
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    char *text = capture_end(&c);
    assert_int_equal(count_lines(text), NTHREADS * PER_THREAD);
    unsigned char *seen = calloc(NTHREADS * PER_THREAD, 1);
    char *line = text;
    for (size_t i = 0; i < NTHREADS * PER_THREAD; i++) {
        char *end = strchr(line, '\n');
        json_t *j = json_loadb(line, (size_t)(end - line), 0, NULL);
        assert_non_null(j);
        json_int_t id = json_integer_value(json_object_get(j, "id"));
        assert_true(id >= 0 && id < NTHREADS * PER_THREAD);
        seen[id]++;
        json_decref(j);
        line = end + 1;
    }
    for (size_t i = 0; i < NTHREADS * PER_THREAD; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_logfmt_quoting, teardown),
        cmocka_unit_test_teardown(test_logfmt_head_and_integers, teardown),
        cmocka_unit_test_teardown(test_json_values, teardown),
        cmocka_unit_test_teardown(test_json_head_first, teardown),
        cmocka_unit_test_teardown(test_json_invalid_utf8_value, teardown),
        cmocka_unit_test_teardown(test_long_values_stay_well_formed, teardown),
        cmocka_unit_test_teardown(test_level_filtering, teardown),
        cmocka_unit_test_teardown(test_format_parse, teardown),
        cmocka_unit_test_teardown(test_concurrent_lines_whole, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
