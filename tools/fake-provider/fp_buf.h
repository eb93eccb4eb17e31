/* SPDX-License-Identifier: MIT */
/*
 * fp_buf — growable text buffer and abort-on-OOM allocators for the fake
 * provider. Invariant: data is always NUL-terminated once anything was
 * appended. A buffer belongs to one thread at a time.
 */
#ifndef FP_BUF_H
#define FP_BUF_H

#include <stddef.h>

struct fp_buf {
	char *data; /* NUL-terminated, NULL until the first append */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
};

/** Allocate or abort; never returns NULL. Free with free(). */
void *fp_xmalloc(size_t n);
/** Zeroed allocation or abort; never returns NULL. Free with free(). */
void *fp_xcalloc(size_t count, size_t n);

/** Start an empty buffer; cannot fail. Release with fp_buf_cleanup(). */
void fp_buf_init(struct fp_buf *b);
/** Append formatted text; aborts on OOM. */
void fp_buf_printf(struct fp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Append s as a quoted JSON string with escapes. */
void fp_buf_json_str(struct fp_buf *b, const char *s);
/** Hand the text over (never NULL, "" if empty); the caller frees it with free(). */
char *fp_buf_steal(struct fp_buf *b, size_t *plen);
/** Free the text if still owned; accepts a stolen or empty buffer. */
void fp_buf_cleanup(struct fp_buf *b);

#endif
