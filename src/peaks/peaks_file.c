/* SPDX-License-Identifier: MIT */
/*
 * peaks_file.c — sidecar I/O for peaks (see peaks_file.h). The audio is
 * mapped read-only and handed to the pure decoders; the sidecar is
 * written to a flock()ed *.part in <cache>/tmp (so cache_sweep_tmp()
 * removes one left by a crash, never a live one) and renamed into place.
 */
#include "peaks/peaks_file.h"
#include "peaks/decode.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIDECAR_MAX ((size_t)1 << 20) /* 8 channels x 4096 buckets x 2 bytes fits */

/* rel_path comes from the store: it must stay inside the cache. */
static bool join(char *out, size_t len, const char *dir, const char *rel, const char *suffix)
{
    if (!rel[0] || rel[0] == '/' || strstr(rel, ".."))
        return false;
    int n = snprintf(out, len, "%s/%s%s", dir, rel, suffix);
    return n >= 0 && (size_t)n < len;
}

/* Map a file read-only; *plen = its size now. RECD_ENOTFOUND if it is
 * missing or empty. Unmap with munmap(*pbuf, *plen). */
static recd_err map_file(const char *path, const uint8_t **pbuf, size_t *plen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? RECD_ENOTFOUND : RECD_EIO;
    struct stat st;
    recd_err rc = RECD_EIO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    rc = RECD_ENOTFOUND;
    if (st.st_size <= 0)
        goto out;
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    rc = RECD_EIO;
    if (m == MAP_FAILED)
        goto out;
    *pbuf = m;
    *plen = (size_t)st.st_size;
    rc = RECD_OK;
out:
    close(fd);
    return rc;
}

static bool write_all(int fd, const uint8_t *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

static bool fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    if (!recd_strlcpy(dir, path, sizeof(dir)))
        return false;
    int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

/* temp → fsync → rename → fsync dir; nothing is left behind on failure. */
static recd_err write_atomic(const char *cache_dir, const char *final, const uint8_t *b, size_t n)
{
    char tmp[PATH_MAX];
    const char *base = strrchr(final, '/');
    /* "peaks-" first: a download's part file is "<call_sid>.….part", and
     * nothing looking for one may take a sidecar's temp file for it. */
    int len = snprintf(tmp, sizeof(tmp), "%s/tmp/peaks-%s.XXXXXX.part", cache_dir,
                       base ? base + 1 : final);
    if (len < 0 || (size_t)len >= sizeof(tmp))
        return RECD_EINVAL;
    int fd = mkostemps(tmp, 5, O_CLOEXEC);
    if (fd < 0)
        return RECD_EIO;
    bool ok = flock(fd, LOCK_EX | LOCK_NB) == 0 && write_all(fd, b, n) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, final) == 0;
    if (!ok) {
        unlink(tmp);
        return RECD_EIO;
    }
    return fsync_parent(final) ? RECD_OK : RECD_EIO;
}

recd_err peaks_file_build(const char *cache_dir, const char *rel_path, const char *sha256,
                          struct peaks **pp, char *err, size_t errlen)
{
    char src[PATH_MAX], dst[PATH_MAX];
    if (pp)
        *pp = NULL;
    if (!join(src, sizeof(src), cache_dir, rel_path, "") ||
        !join(dst, sizeof(dst), cache_dir, rel_path, PEAKS_FILE_SUFFIX)) {
        snprintf(err, errlen, "unsafe or too long cache path");
        return RECD_EINVAL;
    }
    const uint8_t *buf = NULL;
    size_t len = 0;
    recd_err rc = map_file(src, &buf, &len);
    if (rc != RECD_OK) {
        snprintf(err, errlen, "cannot read the recording: %s", recd_strerror(rc));
        return rc;
    }
    struct peaks *p = NULL;
    rc = peaks_from_audio(buf, len, &p, err, errlen);
    munmap((void *)buf, len);
    if (rc != RECD_OK)
        return rc;
    size_t n = 0;
    uint8_t *enc = peaks_encode_dup(p, sha256, &n);
    rc = write_atomic(cache_dir, dst, enc, n);
    free(enc);
    if (rc != RECD_OK)
        snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno));
    if (pp && rc == RECD_OK)
        *pp = p;
    else
        peaks_free(p);
    return rc;
}

recd_err peaks_file_load(const char *cache_dir, const char *rel_path, const char *sha256,
                         struct peaks **pp)
{
    char path[PATH_MAX];
    *pp = NULL;
    if (!join(path, sizeof(path), cache_dir, rel_path, PEAKS_FILE_SUFFIX))
        return RECD_EINVAL;
    const uint8_t *buf = NULL;
    size_t len = 0;
    recd_err rc = map_file(path, &buf, &len);
    if (rc != RECD_OK)
        return rc == RECD_EIO ? RECD_EIO : RECD_ENOTFOUND;
    rc = len <= SIDECAR_MAX ? peaks_decode(buf, len, sha256, pp) : RECD_EINVAL;
    munmap((void *)buf, len);
    return rc;
}

recd_err peaks_file_scan(const char *path, struct peaks **pp, char *err, size_t errlen)
{
    const uint8_t *buf = NULL;
    size_t len = 0;
    *pp = NULL;
    recd_err rc = map_file(path, &buf, &len);
    if (rc != RECD_OK) {
        snprintf(err, errlen, "nothing has landed yet");
        return RECD_ENOTFOUND;
    }
    rc = peaks_from_audio(buf, len, pp, err, errlen);
    munmap((void *)buf, len);
    return rc;
}
