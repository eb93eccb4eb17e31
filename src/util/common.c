/* SPDX-License-Identifier: MIT */
/*
 * common.c — the bodies behind common.h: error strings, assertion failure,
 * OOM-aborting allocators. Thread-safe: no state.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *recd_strerror(recd_err err)
{
    switch (err) {
    case RECD_OK: return "ok";
    case RECD_EINVAL: return "invalid argument";
    case RECD_EIO: return "local I/O error";
    case RECD_ESTORE: return "store error";
    case RECD_ENOTFOUND: return "not found";
    case RECD_ELEASE: return "lease lost";
    case RECD_EUPSTREAM: return "transient upstream failure";
    case RECD_EUPSTREAM_PERM: return "permanent upstream failure";
    case RECD_ETRUNCATED: return "truncated download";
    case RECD_ETOOBIG: return "too big";
    case RECD_EAUTH: return "upstream authentication failed";
    case RECD_EAGAIN: return "nothing to do";
    case RECD_ENOTSUP: return "not supported";
    case RECD_EPENDING: return "not ready at the provider yet";
    case RECD_ESTALE: return "replaced meanwhile";
    }
    return "unknown error";
}

void recd_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "level=fatal event=ASSERT expr=\"%s\" file=%s line=%d\n", expr, file, line);
    abort();
}

static void *oom(size_t n)
{
    fprintf(stderr, "level=fatal event=OOM bytes=%zu\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom(n);
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom(n * size);
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom(n);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

bool recd_strlcpy(char *dst, const char *src, size_t dstlen)
{
    size_t n = strlen(src);
    if (dstlen == 0)
        return n == 0;
    size_t c = n < dstlen - 1 ? n : dstlen - 1;
    memcpy(dst, src, c);
    dst[c] = '\0';
    return c == n;
}
