/* SPDX-License-Identifier: MIT */
/*
 * strmap.c — chained hash map (FNV-1a), doubling at load factor 1.
 * Used for the in-memory single-flight table, the waiter table and the
 * cache index; each of those modules owns the lock around its map.
 */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

struct entry {
    struct entry *next;
    uint64_t hash;
    void *value;
    char key[]; /* copied, NUL-terminated */
};

struct strmap {
    struct entry **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
};

static uint64_t hash_key(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

struct strmap *strmap_new(void)
{
    struct strmap *m = xcalloc(1, sizeof(*m));
    m->nbuckets = 64;
    m->buckets = xcalloc(m->nbuckets, sizeof(*m->buckets));
    return m;
}

void strmap_free(struct strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct entry *e = m->buckets[i];
        while (e) {
            struct entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    free(m);
}

static struct entry **find_slot(const struct strmap *m, const char *key, uint64_t h)
{
    struct entry **pe = &m->buckets[h & (m->nbuckets - 1)];
    while (*pe && ((*pe)->hash != h || strcmp((*pe)->key, key) != 0))
        pe = &(*pe)->next;
    return pe;
}

static void grow(struct strmap *m)
{
    size_t n = m->nbuckets * 2;
    struct entry **b = xcalloc(n, sizeof(*b));
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct entry *e = m->buckets[i];
        while (e) {
            struct entry *next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
}

void *strmap_get(const struct strmap *m, const char *key)
{
    struct entry *e = *find_slot(m, key, hash_key(key));
    return e ? e->value : NULL;
}

void *strmap_put(struct strmap *m, const char *key, void *value)
{
    uint64_t h = hash_key(key);
    struct entry **pe = find_slot(m, key, h);
    if (*pe) {
        void *old = (*pe)->value;
        (*pe)->value = value;
        return old;
    }
    size_t klen = strlen(key);
    struct entry *e = xmalloc(sizeof(*e) + klen + 1);
    memcpy(e->key, key, klen + 1);
    e->hash = h;
    e->value = value;
    e->next = NULL;
    *pe = e;
    if (++m->count > m->nbuckets)
        grow(m);
    return NULL;
}

void *strmap_remove(struct strmap *m, const char *key)
{
    struct entry **pe = find_slot(m, key, hash_key(key));
    struct entry *e = *pe;
    if (!e)
        return NULL;
    void *value = e->value;
    *pe = e->next;
    free(e);
    m->count--;
    return value;
}

size_t strmap_count(const struct strmap *m)
{
    return m->count;
}

void strmap_foreach(const struct strmap *m, strmap_visit_cb cb, void *ctx)
{
    for (size_t i = 0; i < m->nbuckets; i++)
        for (struct entry *e = m->buckets[i]; e; e = e->next)
            if (!cb(e->key, e->value, ctx))
                return;
}
