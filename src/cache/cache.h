/* SPDX-License-Identifier: MIT */
/*
 * cache.h — the on-disk recording cache and its in-memory index.
 *
 * Layout: <dir>/<xx>/<call_sid>.<format>, xx = the first two hex chars of
 * sha256(call_sid) (256 shards); downloads in progress live in <dir>/tmp/
 * as *.part files, each flock()ed by the process writing it.
 * Files derived from a recording sit beside it as <final path>.<suffix>
 * (its waveform: <call_sid>.<format>.peaks, see peaks/peaks_file.h) and
 * are removed with it.
 * Invariant: a file at a final path is always complete — it only ever
 * appears there by rename() of an fsynced temp file.
 *
 * Threads: every function may be called from any thread. One mutex guards
 * the index, the played set and the byte total; file system work runs
 * outside it.
 */
#ifndef RECD_CACHE_CACHE_H
#define RECD_CACHE_CACHE_H

#include "common.h"

struct cache;

struct cache_entry {
    char call_sid[RECD_SID_MAX + 1];
    char rel_path[512];  /* relative to cache_dir(), "xx/<call_sid>.<format>" */
    char format[8];      /* "wav" | "mp3" */
    char sha256[65];     /* lower-case hex */
    int64_t size;        /* bytes */
    int64_t mtime_ms;    /* epoch ms when the file was committed */
    int64_t last_played_ms; /* epoch ms, 0 = never played */
};

/** Create dir and dir/tmp (mkdir -p). max_bytes 0 = unlimited. On failure
 *  returns NULL with a reason in err. Caller frees with cache_free(). */
struct cache *cache_new(const char *dir, int64_t max_bytes, char *err, size_t errlen);
void cache_free(struct cache *c); /* accepts NULL; deletes no files */

/** The cache directory; borrowed, valid until cache_free(). */
const char *cache_dir(const struct cache *c);

/** Create a new empty temp file <dir>/tmp/<call_sid>.<random>.part (O_EXCL,
 *  0644) and lock it against cache_sweep_tmp(). The caller owns *pfd and
 *  ends it with cache_commit() or cache_discard(). RECD_EINVAL if tmp_path
 *  is too small, RECD_EIO on a file system failure. */
RECD_MUSTCHECK recd_err cache_tmp_open(struct cache *c, const char *call_sid, int *pfd,
                                       char *tmp_path, size_t len);

/** fsync + close fd, rename tmp_path to its final path, fsync the shard
 *  directory; writes the path relative to cache_dir() into rel_path.
 *  fd is always closed; on failure nothing is left at either path.
 *  RECD_EINVAL for a bad format or small buffer, RECD_EIO otherwise. */
RECD_MUSTCHECK recd_err cache_commit(struct cache *c, int fd, const char *tmp_path,
                                     const char *call_sid, const char *format,
                                     char *rel_path, size_t len);

/** Close fd (if >= 0) and unlink tmp_path (if non-NULL): a failed download. */
void cache_discard(int fd, const char *tmp_path);

/** Remove every *.part in <dir>/tmp that no live process holds locked
 *  (left by a crash). *premoved = the count. RECD_EIO if tmp is unreadable. */
RECD_MUSTCHECK recd_err cache_sweep_tmp(struct cache *c, int *premoved);

/** Insert or replace an entry (copied). */
void cache_index_put(struct cache *c, const struct cache_entry *e);
/** Copy the entry for call_sid into *out; false if it is not indexed. */
bool cache_index_get(struct cache *c, const char *call_sid, struct cache_entry *out);
/** Drop call_sid from the index (the file is left alone). */
void cache_index_remove(struct cache *c, const char *call_sid);
/** A file that no longer holds the call's recording (the provider replaced
 *  it): drop call_sid's index entry (if call_sid is not NULL) and delete
 *  the file at rel_path (if not "" and inside the cache directory) and
 *  the files derived from it (the waveform peaks). */
void cache_retire(struct cache *c, const char *call_sid, const char *rel_path);
/** Record a play: updates last_played_ms and remembers it for
 *  cache_drain_played(), even if call_sid is not indexed. */
void cache_index_touch(struct cache *c, const char *call_sid, int64_t now_ms);

typedef void (*cache_played_cb)(const char *call_sid, int64_t played_ms, void *ctx);
/** Hand every play recorded since the last drain (latest time per
 *  call_sid) to cb, outside the lock, then forget them. Returns the count. */
size_t cache_drain_played(struct cache *c, cache_played_cb cb, void *ctx);

/** Sum of the sizes of the indexed entries. */
int64_t cache_total_bytes(struct cache *c);

typedef void (*cache_evicted_cb)(const char *call_sid, void *ctx);
/** While the total exceeds max_bytes, drop the least recently played entry
 *  (by last_played_ms, then mtime_ms) other than keep_call_sid (may be
 *  NULL): remove it from the index, unlink its file and sidecars, then call cb (may be
 *  NULL) outside the lock. Returns the number evicted. */
size_t cache_evict(struct cache *c, const char *keep_call_sid, cache_evicted_cb cb, void *ctx);

/** Open e's file O_RDONLY and fstat it. RECD_ENOTFOUND when the file is gone
 *  or its size differs from e->size (the entry is then dropped from the
 *  index); RECD_EINVAL for an unsafe rel_path; RECD_EIO otherwise.
 *  The caller closes *pfd. */
RECD_MUSTCHECK recd_err cache_open(struct cache *c, const struct cache_entry *e, int *pfd,
                                   int64_t *psize, int64_t *pmtime_ms);

#endif /* RECD_CACHE_CACHE_H */
