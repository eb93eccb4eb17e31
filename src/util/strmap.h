/* SPDX-License-Identifier: MIT */
/*
 * strmap.h — a small chained hash map from NUL-terminated string keys to
 * borrowed void* values. Keys are copied in; values are the caller's.
 * Not thread-safe: the owning module keeps its lock beside the map.
 */
#ifndef RECD_UTIL_STRMAP_H
#define RECD_UTIL_STRMAP_H

#include "common.h"

struct strmap;

/** Caller frees with strmap_free(); values are not freed. */
struct strmap *strmap_new(void);
void strmap_free(struct strmap *m); /* accepts NULL */

/** Value for key, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/** Insert or replace; returns the previous value (or NULL). */
void *strmap_put(struct strmap *m, const char *key, void *value);
/** Remove; returns the removed value (or NULL). */
void *strmap_remove(struct strmap *m, const char *key);
size_t strmap_count(const struct strmap *m);

typedef bool (*strmap_visit_cb)(const char *key, void *value, void *ctx);
/** Visit every entry; the callback must not modify the map. Return false to stop. */
void strmap_foreach(const struct strmap *m, strmap_visit_cb cb, void *ctx);

#endif
