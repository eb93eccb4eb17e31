/* SPDX-License-Identifier: MIT */
/*
 * fp_buf — growable text buffer used to build JSON bodies, plus the
 * allocators that abort on OOM (a fake server has no better answer).
 * Threading: a buffer is owned by the thread that built it.
 */
#include "fp_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *check(void *p)
{
	if (p == NULL) {
		fputs("fake-provider: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *fp_xmalloc(size_t n)
{
	return check(malloc(n == 0 ? 1 : n));
}

void *fp_xcalloc(size_t count, size_t n)
{
	return check(calloc(count == 0 ? 1 : count, n == 0 ? 1 : n));
}

void fp_buf_init(struct fp_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void reserve(struct fp_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap == 0 ? 256 : b->cap;
	while (cap < need)
		cap *= 2;
	b->data = check(realloc(b->data, cap));
	b->cap = cap;
}

void fp_buf_printf(struct fp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort(); /* only an invalid format string gets here: a bug */
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void fp_buf_json_str(struct fp_buf *b, const char *s)
{
	reserve(b, 2);
	b->data[b->len++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			fp_buf_printf(b, "\\%c", *p);
		} else if (*p < 0x20) {
			fp_buf_printf(b, "\\u%04x", *p);
		} else {
			reserve(b, 1);
			b->data[b->len++] = (char)*p;
		}
	}
	reserve(b, 1);
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
}

char *fp_buf_steal(struct fp_buf *b, size_t *plen)
{
	reserve(b, 0);
	b->data[b->len] = '\0';
	char *out = b->data;
	if (plen != NULL)
		*plen = b->len;
	fp_buf_init(b);
	return out;
}

void fp_buf_cleanup(struct fp_buf *b)
{
	free(b->data);
	fp_buf_init(b);
}
