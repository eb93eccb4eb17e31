/* SPDX-License-Identifier: MIT */
/*
 * test_filecache.c — the open file cache behind /stream: one open per
 * recording while fresh, a new open when the index describes another file
 * or the entry's time is up, a deleted or truncated file noticed on the
 * next acquire, the
 * max_open bound, and the prepared response's headers. Real files in a
 * fresh temporary cache directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cache/cache.h"
#include "http/filecache.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct fixture {
    char root[64];
    struct cache *c;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256] = "";
    snprintf(f->root, sizeof(f->root), "/tmp/recd-test-filecache-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    f->c = cache_new(f->root, 0, err, sizeof(err));
    assert_non_null(f->c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    cache_free(f->c);
    nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Commit a file with content under sid and return its index entry. */
static struct cache_entry commit(struct fixture *f, const char *sid, const char *content, int64_t mtime)
{
    struct cache_entry e;
    memset(&e, 0, sizeof(e));
    char tmp[1024];
    int fd = -1;
    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    size_t n = strlen(content);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    assert_int_equal(cache_commit(f->c, fd, tmp, sid, "wav", e.rel_path, sizeof(e.rel_path)), RECD_OK);
    snprintf(e.call_sid, sizeof(e.call_sid), "%s", sid);
    snprintf(e.format, sizeof(e.format), "wav");
    snprintf(e.sha256, sizeof(e.sha256), "%064x", (unsigned)n);
    e.size = (int64_t)n;
    e.mtime_ms = mtime;
    cache_index_put(f->c, &e);
    return e;
}

static void unlink_entry(struct fixture *f, const struct cache_entry *e)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", f->root, e->rel_path);
    assert_int_equal(unlink(path), 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void test_fresh_entry_is_shared(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 60000);
    struct cache_entry e = commit(f, "CAshared", "0123456789", 1000);
    struct open_recording *a = NULL, *b = NULL;
    assert_int_equal(filecache_acquire(fc, f->c, &e, &a), RECD_OK);
    assert_int_equal(filecache_acquire(fc, f->c, &e, &b), RECD_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(a->size, 10);
    assert_string_equal(a->content_type, "audio/wav");
    assert_string_equal(a->etag, "\"00000000000000000000000000000000-a\"");
    assert_string_equal(MHD_get_response_header(a->full, MHD_HTTP_HEADER_ETAG), a->etag);
    assert_string_equal(MHD_get_response_header(a->full, MHD_HTTP_HEADER_ACCEPT_RANGES), "bytes");
    assert_string_equal(MHD_get_response_header(a->full, MHD_HTTP_HEADER_LAST_MODIFIED), a->last_modified);
    assert_string_equal(MHD_get_response_header(a->full, MHD_HTTP_HEADER_CONTENT_DISPOSITION),
                        "inline; filename=\"CAshared.wav\"");
    char buf[16] = "";
    assert_int_equal(pread(a->fd, buf, 4, 3), 4);
    assert_string_equal(buf, "3456");
    filecache_release(fc, a);
    filecache_release(fc, b);
    filecache_free(fc);
}

static void test_other_file_is_opened_again(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 60000);
    struct cache_entry e1 = commit(f, "CAreplaced", "first", 1000);
    struct open_recording *a = NULL, *b = NULL;
    assert_int_equal(filecache_acquire(fc, f->c, &e1, &a), RECD_OK);
    /* fetched again: same call_sid, another file */
    struct cache_entry e2 = commit(f, "CAreplaced", "second!", 2000);
    assert_int_equal(filecache_acquire(fc, f->c, &e2, &b), RECD_OK);
    assert_ptr_not_equal(a, b);
    assert_int_equal(a->size, 5); /* a still usable by whoever holds it */
    assert_int_equal(b->size, 7);
    char buf[16] = "";
    assert_int_equal(pread(b->fd, buf, 7, 0), 7);
    assert_string_equal(buf, "second!");
    filecache_release(fc, a);
    filecache_release(fc, b);
    filecache_free(fc);
}

/* A provider callback replaced the recording: the entry is dropped at once
 * (a holder keeps its bytes) and cache_retire took the file and index entry. */
static void test_drop_and_retire(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 60000);
    struct cache_entry e = commit(f, "CAretired", "old audio", 1000);
    struct open_recording *a = NULL, *b = NULL;
    struct cache_entry found;
    assert_int_equal(filecache_acquire(fc, f->c, &e, &a), RECD_OK);
    filecache_drop(fc, "CAretired");
    filecache_drop(fc, "CAnever"); /* nothing there: nothing happens */
    cache_retire(f->c, "CAretired", e.rel_path);
    assert_false(cache_index_get(f->c, "CAretired", &found));
    assert_int_equal(cache_total_bytes(f->c), 0);
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", f->root, e.rel_path);
    assert_int_equal(access(path, F_OK), -1);
    char buf[16] = "";
    assert_int_equal(pread(a->fd, buf, 3, 0), 3); /* still readable by its holder */
    assert_string_equal(buf, "old");
    /* Not served again from the table: the entry is gone with the file. */
    assert_int_equal(filecache_acquire(fc, f->c, &e, &b), RECD_ENOTFOUND);
    filecache_release(fc, a);
    cache_retire(f->c, NULL, "../escape"); /* outside the cache: ignored */
    filecache_free(fc);
}

static void test_vanished_file_noticed_on_next_acquire(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 60000);
    struct cache_entry e = commit(f, "CAvanish", "audio", 1000);
    struct open_recording *a = NULL, *b = (struct open_recording *)1;
    assert_int_equal(filecache_acquire(fc, f->c, &e, &a), RECD_OK);
    unlink_entry(f, &e);
    assert_int_equal(filecache_acquire(fc, f->c, &e, &b), RECD_ENOTFOUND);
    assert_null(b);
    /* whoever still holds the old one keeps reading complete bytes */
    char buf[8] = "";
    assert_int_equal(pread(a->fd, buf, 5, 0), 5);
    assert_string_equal(buf, "audio");
    filecache_release(fc, a);
    filecache_free(fc);
}

static void test_truncated_file_noticed(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 60000);
    struct cache_entry e = commit(f, "CAtrunc", "audio", 1000);
    struct open_recording *a = NULL, *b = (struct open_recording *)1;
    assert_int_equal(filecache_acquire(fc, f->c, &e, &a), RECD_OK);
    filecache_release(fc, a);
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", f->root, e.rel_path);
    assert_int_equal(truncate(path, 2), 0);
    assert_int_equal(filecache_acquire(fc, f->c, &e, &b), RECD_ENOTFOUND);
    assert_null(b);
    filecache_free(fc);
}

static void test_expired_entry_reopened(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 30);
    struct cache_entry e = commit(f, "CAexpire", "audio", 1000);
    struct open_recording *a = NULL, *b = NULL;
    assert_int_equal(filecache_acquire(fc, f->c, &e, &a), RECD_OK);
    sleep_ms(60);
    assert_int_equal(filecache_acquire(fc, f->c, &e, &b), RECD_OK);
    assert_ptr_not_equal(a, b);
    filecache_release(fc, a);
    filecache_release(fc, b);
    filecache_free(fc);
}

static void test_bounded_by_max_open(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(1, 60000);
    struct cache_entry e1 = commit(f, "CAone", "1111", 1000);
    struct cache_entry e2 = commit(f, "CAtwo", "22222", 1000);
    struct open_recording *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(filecache_acquire(fc, f->c, &e1, &a), RECD_OK);
    /* the table is full: CAtwo is served but not kept */
    assert_int_equal(filecache_acquire(fc, f->c, &e2, &b), RECD_OK);
    filecache_release(fc, b);
    assert_int_equal(filecache_acquire(fc, f->c, &e2, &c), RECD_OK);
    assert_int_equal(c->size, 5);
    filecache_release(fc, c);
    struct open_recording *again = NULL;
    assert_int_equal(filecache_acquire(fc, f->c, &e1, &again), RECD_OK);
    assert_ptr_equal(a, again);
    filecache_release(fc, again);
    filecache_release(fc, a);
    filecache_free(fc);
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    struct filecache *fc = filecache_new(16, 60000);
    struct cache_entry e = commit(f, "CAmissing", "audio", 1000);
    unlink_entry(f, &e);
    struct open_recording *r = NULL;
    assert_int_equal(filecache_acquire(fc, f->c, &e, &r), RECD_ENOTFOUND);
    assert_null(r);
    filecache_release(fc, NULL);
    filecache_free(fc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_entry_is_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_file_is_opened_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vanished_file_noticed_on_next_acquire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file_noticed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_entry_reopened, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_by_max_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_and_retire, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
