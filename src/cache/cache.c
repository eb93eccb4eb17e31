/* SPDX-License-Identifier: MIT */
/*
 * cache.c — paths, atomic commit, temp-file sweep, the in-memory index and
 * eviction of the recording cache (see cache.h for the layout).
 *
 * Invariant: a final path only ever receives a complete file, by rename()
 * of an fsynced temp file in the same file system.
 *
 * Threads: c->mu guards c->index, c->played and c->total only. Opening,
 * renaming and unlinking files happen outside it: a reader that opened a
 * file keeps its bytes even if eviction unlinks it a moment later.
 */
#include "cache/cache.h"

#include "proto/sid.h"
#include "util/clock.h"
#include "util/strmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct cache {
    char *dir;          /* immutable after cache_new */
    int64_t max_bytes;  /* immutable; 0 = unlimited */
    pthread_mutex_t mu; /* guards index, played, total */
    struct strmap *index;  /* call_sid -> struct cache_entry* (owned) */
    struct strmap *played; /* call_sid -> int64_t* play time (owned) */
    int64_t total;         /* sum of index[*].size */
};

static bool path_join(char *out, size_t len, const char *a, const char *b)
{
    int n = snprintf(out, len, "%s/%s", a, b);
    return n >= 0 && (size_t)n < len;
}

static bool mkdir_one(const char *path)
{
    struct stat st;
    if (mkdir(path, 0755) == 0)
        return true;
    if (errno != EEXIST)
        return false;
    if (stat(path, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

/* mkdir -p: create each missing component in turn. */
static bool mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (!recd_strlcpy(buf, path, sizeof(buf))) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        bool ok = mkdir_one(buf);
        *p = '/';
        if (!ok)
            return false;
    }
    return mkdir_one(buf);
}

static bool fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

struct cache *cache_new(const char *dir, int64_t max_bytes, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    if (!dir || !*dir || max_bytes < 0) {
        snprintf(err, errlen, "cache: empty directory or negative max_bytes");
        return NULL;
    }
    if (!path_join(tmp, sizeof(tmp), dir, "tmp")) {
        snprintf(err, errlen, "cache: directory name too long");
        return NULL;
    }
    if (!mkdir_p(dir) || !mkdir_one(tmp) || access(tmp, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "cache: cannot create %s: %s", tmp, strerror(errno));
        return NULL;
    }
    struct cache *c = xcalloc(1, sizeof(*c));
    c->dir = xstrdup(dir);
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->mu, NULL);
    c->index = strmap_new();
    c->played = strmap_new();
    return c;
}

static bool free_value(const char *key, void *value, void *ctx)
{
    free(value);
    return true;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    strmap_foreach(c->index, free_value, NULL);
    strmap_free(c->index);
    strmap_foreach(c->played, free_value, NULL);
    strmap_free(c->played);
    pthread_mutex_destroy(&c->mu);
    free(c->dir);
    free(c);
}

const char *cache_dir(const struct cache *c)
{
    return c->dir;
}

/* ---- files ---------------------------------------------------------- */

static void random_hex(char *out, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[16];
    RECD_ASSERT(nbytes <= sizeof(r));
    if (getrandom(r, nbytes, 0) != (ssize_t)nbytes) {
        /* No entropy source: uniqueness still comes from O_EXCL + retry. */
        uint64_t x = (uint64_t)clock_mono_ms() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)out;
        for (size_t i = 0; i < nbytes; i++, x = x * 6364136223846793005ULL + 1)
            r[i] = (unsigned char)(x >> 56);
    }
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

recd_err cache_tmp_open(struct cache *c, const char *call_sid, int *pfd, char *tmp_path,
                        size_t len)
{
    RECD_ASSERT(sid_valid(call_sid));
    *pfd = -1;
    for (int tries = 0; tries < 8; tries++) {
        char rnd[17];
        random_hex(rnd, 8);
        int n = snprintf(tmp_path, len, "%s/tmp/%s.%s.part", c->dir, call_sid, rnd);
        if (n < 0 || (size_t)n >= len)
            return RECD_EINVAL;
        int fd = open(tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return RECD_EIO;
        /* The lock tells cache_sweep_tmp() of any process that this file is
         * live; the kernel drops it when we close or die. */
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            cache_discard(fd, tmp_path);
            return RECD_EIO;
        }
        *pfd = fd;
        return RECD_OK;
    }
    return RECD_EIO;
}

static bool format_valid(const char *format)
{
    size_t n = strlen(format);
    if (n == 0 || n > 7)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((format[i] >= 'a' && format[i] <= 'z') || (format[i] >= '0' && format[i] <= '9')))
            return false;
    return true;
}

/* The shard is derived from a hash, not the sid itself, so that Twilio's
 * common "CA" prefix does not put every recording in one directory. */
static void shard_of(const char *call_sid, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(call_sid, strlen(call_sid), md, &mdlen, EVP_sha256(), NULL);
    RECD_ASSERT(ok == 1);
    out[0] = hex[md[0] >> 4];
    out[1] = hex[md[0] & 15];
    out[2] = '\0';
}

/* Create the shard directory; a new one is made durable in its parent. */
static bool ensure_shard(const struct cache *c, const char *shard_path)
{
    if (mkdir(shard_path, 0755) == 0)
        return fsync_dir(c->dir);
    return errno == EEXIST;
}

recd_err cache_commit(struct cache *c, int fd, const char *tmp_path, const char *call_sid,
                      const char *format, char *rel_path, size_t len)
{
    recd_err err = RECD_EIO;
    bool renamed = false;
    char shard[3], shard_path[PATH_MAX], final[PATH_MAX];

    RECD_ASSERT(sid_valid(call_sid));
    shard_of(call_sid, shard);
    int n = snprintf(rel_path, len, "%s/%s.%s", shard, call_sid, format);
    if (!format_valid(format) || n < 0 || (size_t)n >= len ||
        !path_join(shard_path, sizeof(shard_path), c->dir, shard) ||
        !path_join(final, sizeof(final), c->dir, rel_path)) {
        err = RECD_EINVAL;
        goto fail;
    }
    if (fsync(fd) != 0)
        goto fail;
    int cfd = fd;
    fd = -1;
    if (close(cfd) != 0)
        goto fail;
    if (!ensure_shard(c, shard_path))
        goto fail;
    if (rename(tmp_path, final) != 0)
        goto fail;
    renamed = true;
    if (!fsync_dir(shard_path))
        goto fail;
    return RECD_OK;

fail:
    if (fd >= 0)
        close(fd);
    /* Failure means "not committed": leave nothing a reader could trust. */
    unlink(renamed ? final : tmp_path);
    if (len > 0)
        rel_path[0] = '\0';
    return err;
}

void cache_discard(int fd, const char *tmp_path)
{
    if (fd >= 0)
        close(fd);
    if (tmp_path && *tmp_path)
        unlink(tmp_path);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Remove one temp file unless its writer is alive (holds the flock). */
static bool sweep_one(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat st;
    bool removed = false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
        removed = unlinkat(dfd, name, 0) == 0;
    close(fd);
    return removed;
}

recd_err cache_sweep_tmp(struct cache *c, int *premoved)
{
    char tmp[PATH_MAX];
    *premoved = 0;
    if (!path_join(tmp, sizeof(tmp), c->dir, "tmp"))
        return RECD_EINVAL;
    DIR *d = opendir(tmp);
    if (!d)
        return RECD_EIO;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (ends_with(de->d_name, ".part") && sweep_one(dirfd(d), de->d_name))
            (*premoved)++;
    }
    closedir(d);
    return RECD_OK;
}

/* ---- index ---------------------------------------------------------- */

void cache_index_put(struct cache *c, const struct cache_entry *e)
{
    struct cache_entry *copy = xmalloc(sizeof(*copy));
    *copy = *e;
    pthread_mutex_lock(&c->mu);
    struct cache_entry *old = strmap_put(c->index, e->call_sid, copy);
    c->total += copy->size - (old ? old->size : 0);
    pthread_mutex_unlock(&c->mu);
    free(old);
}

bool cache_index_get(struct cache *c, const char *call_sid, struct cache_entry *out)
{
    pthread_mutex_lock(&c->mu);
    const struct cache_entry *e = strmap_get(c->index, call_sid);
    if (e)
        *out = *e;
    pthread_mutex_unlock(&c->mu);
    return e != NULL;
}

/* Caller holds c->mu. Returns the entry, now owned by the caller. */
static struct cache_entry *remove_locked(struct cache *c, const char *call_sid)
{
    struct cache_entry *e = strmap_remove(c->index, call_sid);
    if (e)
        c->total -= e->size;
    return e;
}

void cache_index_remove(struct cache *c, const char *call_sid)
{
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = remove_locked(c, call_sid);
    pthread_mutex_unlock(&c->mu);
    free(e);
}

void cache_index_touch(struct cache *c, const char *call_sid, int64_t now_ms)
{
    int64_t *fresh = xmalloc(sizeof(*fresh));
    *fresh = now_ms;
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = strmap_get(c->index, call_sid);
    if (e && e->last_played_ms < now_ms)
        e->last_played_ms = now_ms;
    int64_t *t = strmap_get(c->played, call_sid);
    if (!t) {
        strmap_put(c->played, call_sid, fresh);
        fresh = NULL;
    } else if (*t < now_ms) {
        *t = now_ms;
    }
    pthread_mutex_unlock(&c->mu);
    free(fresh);
}

struct drain_ctx {
    cache_played_cb cb;
    void *ctx;
};

static bool on_played(const char *call_sid, void *value, void *ctx)
{
    struct drain_ctx *d = ctx;
    d->cb(call_sid, *(int64_t *)value, d->ctx);
    return true;
}

size_t cache_drain_played(struct cache *c, cache_played_cb cb, void *ctx)
{
    struct strmap *fresh = strmap_new();
    pthread_mutex_lock(&c->mu);
    struct strmap *taken = c->played;
    c->played = fresh;
    pthread_mutex_unlock(&c->mu);

    struct drain_ctx d = { cb, ctx };
    size_t n = strmap_count(taken);
    strmap_foreach(taken, on_played, &d);
    strmap_foreach(taken, free_value, NULL);
    strmap_free(taken);
    return n;
}

int64_t cache_total_bytes(struct cache *c)
{
    pthread_mutex_lock(&c->mu);
    int64_t total = c->total;
    pthread_mutex_unlock(&c->mu);
    return total;
}

/* rel_path comes from the store: never let it name a file outside dir. */
static bool rel_path_safe(const char *rel)
{
    return rel[0] != '\0' && rel[0] != '/' && strstr(rel, "..") == NULL;
}

/* Files derived from a recording live and die with it (peaks/peaks_file.h). */
static const char *const sidecar_suffixes[] = { ".peaks" };

static void unlink_with_sidecars(const char *path)
{
    unlink(path);
    for (size_t i = 0; i < RECD_ARRAY_LEN(sidecar_suffixes); i++) {
        char side[PATH_MAX];
        int n = snprintf(side, sizeof(side), "%s%s", path, sidecar_suffixes[i]);
        if (n > 0 && (size_t)n < sizeof(side))
            unlink(side);
    }
}

void cache_retire(struct cache *c, const char *call_sid, const char *rel_path)
{
    char path[PATH_MAX];
    if (call_sid)
        cache_index_remove(c, call_sid);
    if (rel_path && rel_path_safe(rel_path) && path_join(path, sizeof(path), c->dir, rel_path))
        unlink_with_sidecars(path);
}

struct victim_ctx {
    const char *keep;
    const struct cache_entry *best;
};

static bool older(const struct cache_entry *a, const struct cache_entry *b)
{
    if (a->last_played_ms != b->last_played_ms)
        return a->last_played_ms < b->last_played_ms;
    return a->mtime_ms < b->mtime_ms;
}

static bool on_candidate(const char *call_sid, void *value, void *ctx)
{
    struct victim_ctx *v = ctx;
    const struct cache_entry *e = value;
    if (v->keep && strcmp(call_sid, v->keep) == 0)
        return true;
    if (!v->best || older(e, v->best))
        v->best = e;
    return true;
}

/* Take the next victim out of the index, or NULL when under the limit.
 * A linear scan: evictions are rare and the index is thousands, not millions. */
static struct cache_entry *take_victim(struct cache *c, const char *keep)
{
    struct cache_entry *e = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->max_bytes > 0 && c->total > c->max_bytes) {
        struct victim_ctx v = { keep, NULL };
        strmap_foreach(c->index, on_candidate, &v);
        if (v.best)
            e = remove_locked(c, v.best->call_sid);
    }
    pthread_mutex_unlock(&c->mu);
    return e;
}

size_t cache_evict(struct cache *c, const char *keep_call_sid, cache_evicted_cb cb, void *ctx)
{
    size_t n = 0;
    struct cache_entry *e;
    while ((e = take_victim(c, keep_call_sid)) != NULL) {
        char path[PATH_MAX];
        if (rel_path_safe(e->rel_path) && path_join(path, sizeof(path), c->dir, e->rel_path))
            unlink_with_sidecars(path);
        if (cb)
            cb(e->call_sid, ctx);
        free(e);
        n++;
    }
    return n;
}

/* Drop call_sid only if the index still holds the entry we found broken:
 * a fresh download may have replaced it in the meantime. */
static void drop_if_same(struct cache *c, const struct cache_entry *e)
{
    pthread_mutex_lock(&c->mu);
    struct cache_entry *cur = strmap_get(c->index, e->call_sid);
    struct cache_entry *gone = NULL;
    if (cur && cur->size == e->size && strcmp(cur->rel_path, e->rel_path) == 0)
        gone = remove_locked(c, e->call_sid);
    pthread_mutex_unlock(&c->mu);
    free(gone);
}

recd_err cache_open(struct cache *c, const struct cache_entry *e, int *pfd, int64_t *psize,
                    int64_t *pmtime_ms)
{
    recd_err err = RECD_EIO;
    char path[PATH_MAX];
    struct stat st;
    int fd = -1;

    *pfd = -1;
    if (!rel_path_safe(e->rel_path) || !path_join(path, sizeof(path), c->dir, e->rel_path))
        return RECD_EINVAL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            err = RECD_ENOTFOUND;
        goto fail;
    }
    if (fstat(fd, &st) != 0)
        goto fail;
    if (!S_ISREG(st.st_mode) || (int64_t)st.st_size != e->size) {
        err = RECD_ENOTFOUND;
        goto fail;
    }
    *pfd = fd;
    *psize = (int64_t)st.st_size;
    *pmtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    return RECD_OK;

fail:
    if (fd >= 0)
        close(fd);
    if (err == RECD_ENOTFOUND)
        drop_if_same(c, e);
    return err;
}
