/* SPDX-License-Identifier: MIT */
/*
 * test_cache.c — the disk cache: atomic commit, temp sweep, index, played
 * set, eviction order and cache_open's vanished/size checks, on real files
 * in a fresh temporary directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cache/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char root[64];
    char dir[256];
    struct cache *c;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256] = "";
    snprintf(f->root, sizeof(f->root), "/tmp/recd-test-cache-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->dir, sizeof(f->dir), "%s/a/b/cache", f->root);
    f->c = cache_new(f->dir, 250, err, sizeof(err));
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

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void write_all(int fd, const char *s)
{
    size_t n = strlen(s);
    assert_int_equal(write(fd, s, n), (ssize_t)n);
}

static void read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, len - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    close(fd);
}

static void expected_shard(const char *sid, char out[3])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(sid, strlen(sid), md, &n, EVP_sha256(), NULL), 1);
    snprintf(out, 3, "%02x", md[0]);
}

/* Put sid's content into the cache through tmp_open + commit. */
static void store_file(struct fixture *f, const char *sid, const char *content, char *rel,
                       size_t len)
{
    char tmp[PATH_MAX];
    int fd = -1;
    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    write_all(fd, content);
    assert_int_equal(cache_commit(f->c, fd, tmp, sid, "wav", rel, len), RECD_OK);
}

static void test_new_bad_dir(void **state)
{
    struct fixture *f = *state;
    char path[512], err[256] = "";
    snprintf(path, sizeof(path), "%s/plain-file", f->root);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    snprintf(path, sizeof(path), "%s/plain-file/cache", f->root);
    assert_null(cache_new(path, 0, err, sizeof(err)));
    assert_non_null(strstr(err, "cache"));
    err[0] = '\0';
    assert_null(cache_new("", 0, err, sizeof(err)));
    assert_true(err[0] != '\0');
}

static void test_new_creates_tree(void **state)
{
    struct fixture *f = *state;
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/tmp", f->dir);
    assert_true(exists(tmp));
    assert_string_equal(cache_dir(f->c), f->dir);
}

static void test_commit_is_atomic(void **state)
{
    struct fixture *f = *state;
    const char *sid = "CA0123456789abcdef0123456789abcdef";
    char tmp[PATH_MAX], rel[512], final[1024], shard[3], want[600], buf[64];
    int fd = -1;

    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    assert_true(fd >= 0);
    assert_non_null(strstr(tmp, "/tmp/"));
    assert_string_equal(tmp + strlen(tmp) - 5, ".part");
    expected_shard(sid, shard);
    snprintf(final, sizeof(final), "%s/%s/%s.mp3", f->dir, shard, sid);

    write_all(fd, "hello ");
    assert_false(exists(final)); /* half-written bytes are never at the final path */
    write_all(fd, "world");
    assert_false(exists(final));
    assert_int_equal(cache_commit(f->c, fd, tmp, sid, "mp3", rel, sizeof(rel)), RECD_OK);
    snprintf(want, sizeof(want), "%s/%s.mp3", shard, sid);
    assert_string_equal(rel, want);
    assert_false(exists(tmp));
    read_file(final, buf, sizeof(buf));
    assert_string_equal(buf, "hello world");
    assert_int_equal(fcntl(fd, F_GETFD), -1); /* commit closed it */

    /* A second download of the same call replaces the file in one step. */
    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    write_all(fd, "v2");
    read_file(final, buf, sizeof(buf));
    assert_string_equal(buf, "hello world");
    assert_int_equal(cache_commit(f->c, fd, tmp, sid, "mp3", rel, sizeof(rel)), RECD_OK);
    read_file(final, buf, sizeof(buf));
    assert_string_equal(buf, "v2");
}

static void test_commit_failures_leave_nothing(void **state)
{
    struct fixture *f = *state;
    const char *sid = "CAfail";
    char tmp[PATH_MAX], rel[512] = "x", final[1024], shard[3];
    int fd = -1;
    expected_shard(sid, shard);

    /* A bad format: EINVAL, temp file removed, fd closed. */
    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    write_all(fd, "x");
    assert_int_equal(cache_commit(f->c, fd, tmp, sid, "../x", rel, sizeof(rel)), RECD_EINVAL);
    assert_false(exists(tmp));
    assert_int_equal(fcntl(fd, F_GETFD), -1);
    assert_string_equal(rel, "");

    /* The temp file vanished before the rename: EIO, nothing at the final path. */
    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    assert_int_equal(unlink(tmp), 0);
    assert_int_equal(cache_commit(f->c, fd, tmp, sid, "wav", rel, sizeof(rel)), RECD_EIO);
    snprintf(final, sizeof(final), "%s/%s/%s.wav", f->dir, shard, sid);
    assert_false(exists(final));
    assert_int_equal(fcntl(fd, F_GETFD), -1);

    /* Discard: close and unlink. */
    assert_int_equal(cache_tmp_open(f->c, sid, &fd, tmp, sizeof(tmp)), RECD_OK);
    cache_discard(fd, tmp);
    assert_false(exists(tmp));
    assert_int_equal(fcntl(fd, F_GETFD), -1);
}

static void make_file(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    write_all(fd, "stale");
    close(fd);
}

static void test_sweep_removes_only_stale_parts(void **state)
{
    struct fixture *f = *state;
    char tmpdir[512], path[1024], live[PATH_MAX];
    int removed = -1, fd = -1;
    snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", f->dir);
    make_file(tmpdir, "CAa.1111.part");
    make_file(tmpdir, "CAb.2222.part");
    make_file(tmpdir, "notes.txt");
    make_file(tmpdir, "CAc.part.bak");
    snprintf(path, sizeof(path), "%s/sub.part", tmpdir);
    assert_int_equal(mkdir(path, 0755), 0);
    /* A download in progress (this or another process) is not stale. */
    assert_int_equal(cache_tmp_open(f->c, "CAlive", &fd, live, sizeof(live)), RECD_OK);

    assert_int_equal(cache_sweep_tmp(f->c, &removed), RECD_OK);
    assert_int_equal(removed, 2);
    snprintf(path, sizeof(path), "%s/CAa.1111.part", tmpdir);
    assert_false(exists(path));
    snprintf(path, sizeof(path), "%s/CAb.2222.part", tmpdir);
    assert_false(exists(path));
    snprintf(path, sizeof(path), "%s/notes.txt", tmpdir);
    assert_true(exists(path));
    snprintf(path, sizeof(path), "%s/CAc.part.bak", tmpdir);
    assert_true(exists(path));
    snprintf(path, sizeof(path), "%s/sub.part", tmpdir);
    assert_true(exists(path));
    assert_true(exists(live));

    cache_discard(fd, live);
    assert_int_equal(cache_sweep_tmp(f->c, &removed), RECD_OK);
    assert_int_equal(removed, 0);
}

static struct cache_entry entry(const char *sid, const char *rel, int64_t size, int64_t mtime,
                                int64_t played)
{
    struct cache_entry e;
    memset(&e, 0, sizeof(e));
    snprintf(e.call_sid, sizeof(e.call_sid), "%s", sid);
    snprintf(e.rel_path, sizeof(e.rel_path), "%s", rel);
    snprintf(e.format, sizeof(e.format), "wav");
    e.size = size;
    e.mtime_ms = mtime;
    e.last_played_ms = played;
    return e;
}

static void test_index_put_get_remove_total(void **state)
{
    struct fixture *f = *state;
    struct cache_entry e = entry("CAx", "00/CAx.wav", 100, 1, 0), got;
    assert_false(cache_index_get(f->c, "CAx", &got));
    cache_index_put(f->c, &e);
    assert_int_equal(cache_total_bytes(f->c), 100);
    e.size = 40;
    cache_index_put(f->c, &e); /* replace */
    assert_int_equal(cache_total_bytes(f->c), 40);
    assert_true(cache_index_get(f->c, "CAx", &got));
    assert_int_equal(got.size, 40);
    assert_string_equal(got.rel_path, "00/CAx.wav");
    cache_index_remove(f->c, "CAx");
    cache_index_remove(f->c, "CAx");
    assert_false(cache_index_get(f->c, "CAx", &got));
    assert_int_equal(cache_total_bytes(f->c), 0);
}

struct played {
    int n;
    char sid[4][16];
    int64_t ms[4];
};

static void on_played(const char *call_sid, int64_t played_ms, void *ctx)
{
    struct played *p = ctx;
    assert_true(p->n < 4);
    snprintf(p->sid[p->n], sizeof(p->sid[0]), "%s", call_sid);
    p->ms[p->n++] = played_ms;
}

static int64_t played_at(const struct played *p, const char *sid)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->sid[i], sid) == 0)
            return p->ms[i];
    return -1;
}

static void test_touch_and_drain(void **state)
{
    struct fixture *f = *state;
    struct cache_entry e = entry("CAa", "00/CAa.wav", 1, 1, 0), got;
    struct played p = { 0 };
    cache_index_put(f->c, &e);
    cache_index_touch(f->c, "CAa", 5000);
    cache_index_touch(f->c, "CAa", 3000); /* an older play never moves time back */
    cache_index_touch(f->c, "CAb", 7000); /* not indexed: still a play to record */
    assert_true(cache_index_get(f->c, "CAa", &got));
    assert_int_equal(got.last_played_ms, 5000);

    assert_int_equal(cache_drain_played(f->c, on_played, &p), 2);
    assert_int_equal(p.n, 2);
    assert_int_equal(played_at(&p, "CAa"), 5000);
    assert_int_equal(played_at(&p, "CAb"), 7000);
    p.n = 0;
    assert_int_equal(cache_drain_played(f->c, on_played, &p), 0);
    assert_int_equal(p.n, 0);
}

struct evicted {
    int n;
    char sid[8][16];
};

static void on_evicted(const char *call_sid, void *ctx)
{
    struct evicted *ev = ctx;
    assert_true(ev->n < 8);
    snprintf(ev->sid[ev->n++], sizeof(ev->sid[0]), "%s", call_sid);
}

static void test_evict_least_recently_played(void **state)
{
    struct fixture *f = *state; /* max_bytes = 250 */
    static const char body[] = "0123456789012345678901234567890123456789012345678901234567890123456789"
                               "012345678901234567890123456789"; /* 100 bytes */
    static const struct {
        const char *sid;
        int64_t mtime, played;
    } rows[] = {
        { "CAplayed_late", 1, 300 },
        { "CAplayed_early", 2, 100 },
        { "CAnever_new", 50, 0 },
        { "CAnever_old", 10, 0 }, /* the oldest, but kept */
    };
    char rel[4][512], path[2400];
    struct evicted ev = { 0 };
    struct cache_entry got;

    for (size_t i = 0; i < RECD_ARRAY_LEN(rows); i++) {
        store_file(f, rows[i].sid, body, rel[i], sizeof(rel[i]));
        struct cache_entry e = entry(rows[i].sid, rel[i], 100, rows[i].mtime, rows[i].played);
        cache_index_put(f->c, &e);
        snprintf(path, sizeof(path), "%s/%s.peaks", f->dir, rel[i]); /* its waveform sidecar */
        FILE *side = fopen(path, "w");
        assert_non_null(side);
        fclose(side);
    }
    assert_int_equal(cache_total_bytes(f->c), 400);
    assert_int_equal(cache_evict(f->c, "CAnever_old", on_evicted, &ev), 2);
    assert_int_equal(ev.n, 2);
    assert_string_equal(ev.sid[0], "CAnever_new");
    assert_string_equal(ev.sid[1], "CAplayed_early");
    assert_int_equal(cache_total_bytes(f->c), 200);
    assert_false(cache_index_get(f->c, "CAnever_new", &got));
    assert_false(cache_index_get(f->c, "CAplayed_early", &got));
    assert_true(cache_index_get(f->c, "CAnever_old", &got));
    assert_true(cache_index_get(f->c, "CAplayed_late", &got));
    for (size_t i = 0; i < RECD_ARRAY_LEN(rows); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, rel[i]);
        assert_int_equal(exists(path), i == 0 || i == 3);
        snprintf(path, sizeof(path), "%s/%s.peaks", f->dir, rel[i]);
        assert_int_equal(exists(path), i == 0 || i == 3); /* evicted with the recording */
    }
    /* Under the limit: nothing more to do. */
    assert_int_equal(cache_evict(f->c, NULL, on_evicted, &ev), 0);
}

static void test_evict_keep_alone_over_limit(void **state)
{
    struct fixture *f = *state;
    struct cache_entry e = entry("CAhuge", "00/CAhuge.wav", 1000, 1, 0);
    cache_index_put(f->c, &e);
    assert_int_equal(cache_evict(f->c, "CAhuge", NULL, NULL), 0);
    assert_int_equal(cache_total_bytes(f->c), 1000);
    assert_int_equal(cache_evict(f->c, NULL, NULL, NULL), 1);
    assert_int_equal(cache_total_bytes(f->c), 0);
}

static void test_open_checks_file(void **state)
{
    struct fixture *f = *state;
    char rel[512], path[1024], buf[16];
    int fd = -1;
    int64_t size = 0, mtime = 0;
    struct cache_entry got;

    store_file(f, "CAopen", "abcdef", rel, sizeof(rel));
    struct cache_entry e = entry("CAopen", rel, 6, 1, 0);
    cache_index_put(f->c, &e);
    assert_int_equal(cache_open(f->c, &e, &fd, &size, &mtime), RECD_OK);
    assert_int_equal(size, 6);
    assert_true(mtime > 0);
    assert_int_equal(read(fd, buf, sizeof(buf)), 6);
    close(fd);

    /* Size differs from what the index believes: dropped. */
    struct cache_entry wrong = e;
    wrong.size = 7;
    cache_index_put(f->c, &wrong);
    assert_int_equal(cache_open(f->c, &wrong, &fd, &size, &mtime), RECD_ENOTFOUND);
    assert_int_equal(fd, -1);
    assert_false(cache_index_get(f->c, "CAopen", &got));

    /* The file vanished behind our back: dropped. */
    cache_index_put(f->c, &e);
    snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(cache_open(f->c, &e, &fd, &size, &mtime), RECD_ENOTFOUND);
    assert_false(cache_index_get(f->c, "CAopen", &got));
    assert_int_equal(cache_total_bytes(f->c), 0);

    /* A rel_path from the store that climbs out of the cache is refused. */
    struct cache_entry evil = entry("CAevil", "../../etc/passwd", 1, 1, 0);
    assert_int_equal(cache_open(f->c, &evil, &fd, &size, &mtime), RECD_EINVAL);
    struct cache_entry abs = entry("CAabs", "/etc/passwd", 1, 1, 0);
    assert_int_equal(cache_open(f->c, &abs, &fd, &size, &mtime), RECD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_bad_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_creates_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_failures_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_removes_only_stale_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_put_get_remove_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch_and_drain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_least_recently_played, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_keep_alone_over_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_checks_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
