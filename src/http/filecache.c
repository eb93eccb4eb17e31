/* SPDX-License-Identifier: MIT */
/*
 * filecache.c — open recordings kept for valid_ms. The table holds one
 * reference to each entry, every caller between acquire and release
 * another; the last reference destroys the response, which closes the fd.
 */
#include "http/filecache.h"
#include "util/clock.h"
#include "util/strmap.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct filecache {
    pthread_mutex_t lock;     /* guards open and every _refs */
    struct strmap *open;      /* call_sid -> struct open_recording* */
    size_t max_open;
    int64_t valid_ms;
};

struct filecache *filecache_new(size_t max_open, int64_t valid_ms)
{
    struct filecache *fc = xcalloc(1, sizeof(*fc));
    pthread_mutex_init(&fc->lock, NULL);
    fc->open = strmap_new();
    fc->max_open = max_open;
    fc->valid_ms = valid_ms;
    return fc;
}

static void destroy(struct open_recording *r)
{
    MHD_destroy_response(r->full); /* closes r->fd once no connection uses it */
    free(r);
}

static bool destroy_entry(const char *key, void *value, void *ctx)
{
    (void)key;
    (void)ctx;
    destroy(value);
    return true;
}

void filecache_free(struct filecache *fc)
{
    if (!fc)
        return;
    strmap_foreach(fc->open, destroy_entry, NULL);
    strmap_free(fc->open);
    pthread_mutex_destroy(&fc->lock);
    free(fc);
}

static void unref(struct filecache *fc, struct open_recording *r)
{
    pthread_mutex_lock(&fc->lock);
    bool last = --r->_refs == 0;
    pthread_mutex_unlock(&fc->lock);
    if (last)
        destroy(r);
}

void filecache_release(struct filecache *fc, struct open_recording *r)
{
    if (r)
        unref(fc, r);
}

void filecache_drop(struct filecache *fc, const char *call_sid)
{
    pthread_mutex_lock(&fc->lock);
    struct open_recording *r = strmap_remove(fc->open, call_sid);
    pthread_mutex_unlock(&fc->lock);
    if (r)
        unref(fc, r);
}

static bool same_file(const struct cache_entry *a, const struct cache_entry *b)
{
    return a->size == b->size && a->mtime_ms == b->mtime_ms && strcmp(a->sha256, b->sha256) == 0 &&
           strcmp(a->rel_path, b->rel_path) == 0;
}

void filecache_add_headers(const struct open_recording *r, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, r->last_modified);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
}

/* Open e's file and build its 200 response; one reference, the caller's. */
static recd_err open_recording_new(struct cache *cache, const struct cache_entry *e,
                                   struct open_recording **pout)
{
    int fd = -1;
    int64_t size = 0, mtime_ms = 0;
    recd_err rc = cache_open(cache, e, &fd, &size, &mtime_ms);
    if (rc != RECD_OK)
        return rc;
    struct MHD_Response *full = MHD_create_response_from_fd_at_offset64((uint64_t)size, fd, 0);
    if (!full) {
        close(fd);
        return RECD_EIO;
    }
    struct open_recording *r = xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->size = size;
    r->mtime_ms = mtime_ms;
    bool mp3 = strcmp(e->format, "mp3") == 0;
    r->content_type = mp3 ? "audio/mpeg" : "audio/wav";
    /* call_sid is [A-Za-z0-9_-]: safe inside the quotes as it is. A save or
     * a download link names the file after the call. */
    snprintf(r->disposition, sizeof(r->disposition), "inline; filename=\"%s.%s\"", e->call_sid, mp3 ? "mp3" : "wav");
    snprintf(r->etag, sizeof(r->etag), "\"%.32s-%" PRIx64 "\"", e->sha256, (uint64_t)size);
    clock_format_http(mtime_ms, r->last_modified, sizeof(r->last_modified));
    r->full = full;
    filecache_add_headers(r, full);
    r->_entry = *e;
    r->_opened_mono_ms = clock_mono_ms();
    r->_refs = 1;
    *pout = r;
    return RECD_OK;
}

struct expired {
    struct open_recording **list;
    size_t n;
    int64_t before;
};

static bool collect_expired(const char *key, void *value, void *ctx)
{
    (void)key;
    struct expired *x = ctx;
    struct open_recording *r = value;
    if (r->_opened_mono_ms < x->before)
        x->list[x->n++] = r;
    return true;
}

/* Keep fresh in the table unless the table is full of fresh entries or a
 * twin got there first; close what has expired. */
static void insert(struct filecache *fc, struct open_recording *fresh)
{
    pthread_mutex_lock(&fc->lock);
    struct expired x = { xmalloc((strmap_count(fc->open) + 1) * sizeof(*x.list)), 0,
                         clock_mono_ms() - fc->valid_ms };
    strmap_foreach(fc->open, collect_expired, &x);
    for (size_t i = 0; i < x.n; i++)
        strmap_remove(fc->open, x.list[i]->_entry.call_sid);
    if (strmap_count(fc->open) < fc->max_open && !strmap_get(fc->open, fresh->_entry.call_sid)) {
        strmap_put(fc->open, fresh->_entry.call_sid, fresh);
        fresh->_refs++;
    }
    pthread_mutex_unlock(&fc->lock);
    for (size_t i = 0; i < x.n; i++)
        unref(fc, x.list[i]);
    free(x.list);
}

/* Deleted, replaced (renamed over) or truncated since it was opened? One
 * fstat of the open fd: no path walk on the hot path. */
static bool still_there(const struct open_recording *r)
{
    struct stat st;
    return fstat(r->fd, &st) == 0 && st.st_nlink > 0 && (int64_t)st.st_size == r->size;
}

/* The table's entry for e if it is fresh, with a reference for the caller;
 * a stale entry is taken out of the table. */
static struct open_recording *lookup(struct filecache *fc, const struct cache_entry *e)
{
    struct open_recording *stale = NULL, *r;
    pthread_mutex_lock(&fc->lock);
    r = strmap_get(fc->open, e->call_sid);
    if (r && same_file(&r->_entry, e) && clock_mono_ms() - r->_opened_mono_ms < fc->valid_ms) {
        r->_refs++;
    } else {
        if (r)
            stale = strmap_remove(fc->open, e->call_sid);
        r = NULL;
    }
    pthread_mutex_unlock(&fc->lock);
    if (stale)
        unref(fc, stale);
    return r;
}

static void forget(struct filecache *fc, struct open_recording *r)
{
    pthread_mutex_lock(&fc->lock);
    bool in_table = strmap_get(fc->open, r->_entry.call_sid) == r;
    if (in_table)
        strmap_remove(fc->open, r->_entry.call_sid);
    pthread_mutex_unlock(&fc->lock);
    if (in_table)
        unref(fc, r);
}

recd_err filecache_acquire(struct filecache *fc, struct cache *cache, const struct cache_entry *e,
                           struct open_recording **pout)
{
    *pout = NULL;
    struct open_recording *r = lookup(fc, e);
    if (r && still_there(r)) {
        *pout = r;
        return RECD_OK;
    }
    if (r) {
        forget(fc, r);
        unref(fc, r);
    }
    recd_err rc = open_recording_new(cache, e, &r);
    if (rc != RECD_OK)
        return rc;
    insert(fc, r);
    *pout = r;
    return RECD_OK;
}
