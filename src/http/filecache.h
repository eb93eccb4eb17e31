/* SPDX-License-Identifier: MIT */
/*
 * filecache.h — open recordings for /stream, kept open for a moment
 * (what nginx's open_file_cache does). An entry holds the file's fd, its
 * validators (ETag, Last-Modified) and a ready-made 200 response that
 * libmicrohttpd can queue on any number of connections at once (responses
 * are reference counted). A HEAD for a hot recording then costs no
 * open/fstat/close and no header building; a GET costs one dup() of the
 * fd (sendfile at explicit offsets, so sharing the open file is safe).
 *
 * Freshness: every hit fstat()s the open fd, so a file deleted, renamed
 * over or truncated behind recd's back is noticed on the next request, as
 * is a new file in the cache index (size, mtime, sha256 differ). Entries
 * are re-opened after valid_ms regardless, and those past their time are
 * closed whenever a new one is added; at most max_open files are open.
 * Threads: any thread; one mutex guards the table and the reference counts.
 */
#ifndef RECD_HTTP_FILECACHE_H
#define RECD_HTTP_FILECACHE_H

#include "cache/cache.h"
#include "common.h"

#include <microhttpd.h>

struct open_recording {
    int fd;                     /* owned by full; dup() it for other responses */
    int64_t size;
    int64_t mtime_ms;
    const char *content_type;   /* static string */
    char etag[80];
    char last_modified[40];
    char disposition[96];       /* inline; filename="<call_sid>.<ext>" (SPEC §2) */
    struct MHD_Response *full;  /* 200 with every file header; queue, never destroy */
    /* private */
    struct cache_entry _entry;
    int64_t _opened_mono_ms;
    int _refs;
};

struct filecache;

/** Caller frees with filecache_free(). */
struct filecache *filecache_new(size_t max_open, int64_t valid_ms);
/** Closes every entry not in use; accepts NULL. */
void filecache_free(struct filecache *fc);

/** A referenced open_recording for e (from the cache index), opened now if
 *  needed; the caller ends it with filecache_release(). RECD_ENOTFOUND when
 *  the file is gone or its size differs (see cache_open), RECD_EINVAL for
 *  an unsafe path, RECD_EIO otherwise. */
RECD_MUSTCHECK recd_err filecache_acquire(struct filecache *fc, struct cache *cache,
                                          const struct cache_entry *e,
                                          struct open_recording **pout);
void filecache_release(struct filecache *fc, struct open_recording *r);
/** Forget call_sid's open file now (its recording was replaced); requests
 *  already sending it finish with the bytes they started with. */
void filecache_drop(struct filecache *fc, const char *call_sid);
/** Add r's file headers (Content-Type, Accept-Ranges, ETag, Last-Modified,
 *  Cache-Control, Content-Disposition) to another response for the same file. */
void filecache_add_headers(const struct open_recording *r, struct MHD_Response *resp);

#endif
