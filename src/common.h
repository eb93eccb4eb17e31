/* SPDX-License-Identifier: MIT */
/*
 * common.h — project basics included first by every recd source file:
 * the one error enum, attribute macros, assertions and the OOM-aborting
 * allocators. Nothing here knows about any module.
 */
#ifndef RECD_COMMON_H
#define RECD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define RECD_VERSION "0.1.0"

/* Every fallible function returns one of these; RECD_OK is 0. */
typedef enum recd_err {
    RECD_OK = 0,
    RECD_EINVAL,       /* bad argument or malformed input */
    RECD_EIO,          /* local file system failure */
    RECD_ESTORE,       /* database failure */
    RECD_ENOTFOUND,    /* no such row / recording */
    RECD_ELEASE,       /* the worker no longer holds the run's lease */
    RECD_EUPSTREAM,    /* transient provider failure: retry later */
    RECD_EUPSTREAM_PERM, /* permanent provider failure (not a 404) */
    RECD_ETRUNCATED,   /* download shorter than announced */
    RECD_ETOOBIG,      /* over a configured size limit */
    RECD_EAUTH,        /* provider rejected our credentials */
    RECD_EAGAIN,       /* nothing to do right now */
    RECD_ENOTSUP,      /* feature not compiled or not configured */
    RECD_EPENDING,     /* the provider has it but is not done with it yet */
    RECD_ESTALE,       /* what the caller acted on was replaced meanwhile */
} recd_err;

/** Human text for an error code; a static string, never NULL. */
const char *recd_strerror(recd_err err);

#if defined(__GNUC__)
#define RECD_MUSTCHECK __attribute__((warn_unused_result))
#define RECD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define RECD_NORETURN __attribute__((noreturn))
#define RECD_LIKELY(x) __builtin_expect(!!(x), 1)
#define RECD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define RECD_MUSTCHECK
#define RECD_PRINTF(f, a)
#define RECD_NORETURN
#define RECD_LIKELY(x) (x)
#define RECD_UNLIKELY(x) (x)
#endif

#define RECD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Broken invariants are bugs: report file, line, expression and abort. */
RECD_NORETURN void recd_assert_fail(const char *expr, const char *file, int line);
#define RECD_ASSERT(e) ((e) ? (void)0 : recd_assert_fail(#e, __FILE__, __LINE__))

/* Allocators that abort on out-of-memory; callers free with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Safe bounded copy: always NUL-terminates; returns false if truncated. */
bool recd_strlcpy(char *dst, const char *src, size_t dstlen);

/* Valid call_sid: ^[A-Za-z0-9_-]{1,64}$ (see proto/sid.h for the parser). */
#define RECD_SID_MAX 64

#endif /* RECD_COMMON_H */
