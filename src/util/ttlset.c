/* SPDX-License-Identifier: MIT */
/*
 * ttlset.c — a set-associative table: buckets of TTLSET_WAYS slots, no
 * chaining and no allocation after ttlset_new(), so the memory bound is
 * fixed however many keys arrive. Expired slots are reused lazily. Not
 * thread-safe (see ttlset.h).
 */
#include "util/ttlset.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct slot {
    unsigned char key[TTLSET_KEY_LEN];
    int64_t expires_s; /* 0: never used */
};

struct ttlset {
    int64_t ttl_s;
    size_t nbuckets;
    struct slot *slots; /* nbuckets * TTLSET_WAYS */
};

struct ttlset *ttlset_new(size_t capacity, int64_t ttl_s)
{
    RECD_ASSERT(capacity > 0 && ttl_s > 0);
    struct ttlset *s = xcalloc(1, sizeof(*s));
    s->ttl_s = ttl_s;
    s->nbuckets = (capacity + TTLSET_WAYS - 1) / TTLSET_WAYS;
    s->slots = xcalloc(s->nbuckets * TTLSET_WAYS, sizeof(*s->slots));
    return s;
}

void ttlset_free(struct ttlset *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s->slots, s->nbuckets * TTLSET_WAYS * sizeof(*s->slots));
    free(s->slots);
    free(s);
}

static struct slot *bucket(const struct ttlset *s, const unsigned char *key)
{
    uint32_t h = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
    return &s->slots[(h % s->nbuckets) * TTLSET_WAYS];
}

static bool live(const struct ttlset *s, const struct slot *sl, int64_t now_s)
{
    /* The upper bound: after the clock steps back, entries die on time. */
    return sl->expires_s > now_s && sl->expires_s - now_s <= s->ttl_s;
}

bool ttlset_contains(const struct ttlset *s, const unsigned char key[TTLSET_KEY_LEN], int64_t now_s)
{
    const struct slot *b = bucket(s, key);
    bool found = false;
    for (int i = 0; i < TTLSET_WAYS; i++)
        found |= live(s, &b[i], now_s) && CRYPTO_memcmp(b[i].key, key, TTLSET_KEY_LEN) == 0;
    return found;
}

void ttlset_add(struct ttlset *s, const unsigned char key[TTLSET_KEY_LEN], int64_t now_s)
{
    struct slot *b = bucket(s, key);
    struct slot *victim = NULL;
    for (int i = 0; i < TTLSET_WAYS && !victim; i++) {
        if (memcmp(b[i].key, key, TTLSET_KEY_LEN) == 0)
            victim = &b[i]; /* refresh in place: never two slots for one key */
    }
    for (int i = 0; i < TTLSET_WAYS && !victim; i++) {
        if (!live(s, &b[i], now_s))
            victim = &b[i];
    }
    if (!victim) {
        victim = &b[0];
        for (int i = 1; i < TTLSET_WAYS; i++) {
            if (b[i].expires_s < victim->expires_s)
                victim = &b[i];
        }
    }
    memcpy(victim->key, key, TTLSET_KEY_LEN);
    victim->expires_s = now_s + s->ttl_s;
}

size_t ttlset_count(const struct ttlset *s, int64_t now_s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nbuckets * TTLSET_WAYS; i++)
        n += live(s, &s->slots[i], now_s);
    return n;
}
