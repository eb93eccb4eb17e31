/* SPDX-License-Identifier: MIT */
/*
 * fp_state — the fake provider's shared memory: knobs, counters and the
 * recording registry, all behind `lock`. Two small chained hash tables keyed
 * by sid: `calls` (per call_sid counters) and `recordings` (recording sid →
 * owner and attempt count). Entries are never removed except by reset
 * (calls) and cleanup (both), so nothing outlives the lock in a caller.
 */
#include "fp_state.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_buf.h"

struct counters {
	long long media_requests; /* media endpoint hits, failures included */
	long long media_ok;       /* bodies sent completely */
	long long listing_requests;
};

struct entry {
	struct entry *next;             /* bucket chain */
	char key[FP_SID_MAX + 1];       /* call_sid or recording sid */
	struct counters c;              /* `calls` table only */
	char call_sid[FP_SID_MAX + 1];  /* `recordings` table only: owner */
	int index;                      /* `recordings`: position in the listing */
	long long attempts;             /* `recordings`: authorised media requests */
};

struct table {
	struct entry **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
};

/* `lock` guards every static below: knobs, totals, calls, recordings. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fp_knobs knobs;
static struct counters totals;
static struct table calls;
static struct table recordings;

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static void table_init(struct table *t)
{
	t->nbuckets = 1024;
	t->buckets = fp_xcalloc(t->nbuckets, sizeof(*t->buckets));
	t->count = 0;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct entry *e = t->buckets[i];
		while (e != NULL) {
			struct entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
}

static struct entry *table_find(const struct table *t, const char *key)
{
	struct entry *e = t->buckets[hash(key) & (t->nbuckets - 1)];
	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->next;
	return e;
}

static void table_grow(struct table *t)
{
	size_t n = t->nbuckets * 2;
	struct entry **b = fp_xcalloc(n, sizeof(*b));
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct entry *e = t->buckets[i];
		while (e != NULL) {
			struct entry *next = e->next;
			size_t j = hash(e->key) & (n - 1);
			e->next = b[j];
			b[j] = e;
			e = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

/* Find key, inserting a zeroed entry if absent. Keys are <= FP_SID_MAX. */
static struct entry *table_get(struct table *t, const char *key)
{
	struct entry *e = table_find(t, key);
	if (e != NULL)
		return e;
	if (t->count >= t->nbuckets * 2)
		table_grow(t);
	e = fp_xcalloc(1, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	size_t j = hash(key) & (t->nbuckets - 1);
	e->next = t->buckets[j];
	t->buckets[j] = e;
	t->count++;
	return e;
}

void fp_state_init(const struct fp_knobs *initial)
{
	knobs = *initial;
	memset(&totals, 0, sizeof(totals));
	table_init(&calls);
	table_init(&recordings);
}

void fp_state_cleanup(void)
{
	table_free(&calls);
	table_free(&recordings);
}

void fp_state_knobs(struct fp_knobs *pk)
{
	pthread_mutex_lock(&lock);
	*pk = knobs;
	pthread_mutex_unlock(&lock);
}

void fp_state_set_knobs(const struct fp_knobs *k)
{
	pthread_mutex_lock(&lock);
	knobs = *k;
	pthread_mutex_unlock(&lock);
}

enum which { COUNT_LISTING, COUNT_MEDIA, COUNT_OK };

static void bump(struct counters *c, enum which w)
{
	if (w == COUNT_LISTING)
		c->listing_requests++;
	else if (w == COUNT_MEDIA)
		c->media_requests++;
	else
		c->media_ok++;
}

static void count(const char *call_sid, enum which w)
{
	pthread_mutex_lock(&lock);
	bump(&totals, w);
	if (call_sid != NULL)
		bump(&table_get(&calls, call_sid)->c, w);
	pthread_mutex_unlock(&lock);
}

void fp_state_count_listing(const char *call_sid)
{
	count(call_sid, COUNT_LISTING);
}

void fp_state_count_media(const char *call_sid)
{
	count(call_sid, COUNT_MEDIA);
}

void fp_state_count_ok(const char *call_sid)
{
	count(call_sid, COUNT_OK);
}

void fp_state_register(const char *recording_sid, const char *call_sid, int index)
{
	pthread_mutex_lock(&lock);
	struct entry *e = table_get(&recordings, recording_sid);
	snprintf(e->call_sid, sizeof(e->call_sid), "%s", call_sid);
	e->index = index;
	pthread_mutex_unlock(&lock);
}

bool fp_state_lookup(const char *recording_sid, char pcall_sid[FP_SID_MAX + 1],
		     int *pindex)
{
	pthread_mutex_lock(&lock);
	const struct entry *e = table_find(&recordings, recording_sid);
	if (e != NULL) {
		snprintf(pcall_sid, FP_SID_MAX + 1, "%s", e->call_sid);
		*pindex = e->index;
	}
	pthread_mutex_unlock(&lock);
	return e != NULL;
}

long long fp_state_next_attempt(const char *recording_sid)
{
	pthread_mutex_lock(&lock);
	struct entry *e = table_get(&recordings, recording_sid);
	long long before = e->attempts++;
	pthread_mutex_unlock(&lock);
	return before;
}

static void counters_json(struct fp_buf *b, const struct counters *c)
{
	fp_buf_printf(b, "{\"media_requests\":%lld,\"media_ok\":%lld,\"listing_requests\":%lld",
		      c->media_requests, c->media_ok, c->listing_requests);
}

char *fp_state_stats_json(const char *call_sid, size_t *plen)
{
	struct fp_buf b;
	fp_buf_init(&b);
	pthread_mutex_lock(&lock);
	if (call_sid != NULL) {
		const struct entry *e = table_find(&calls, call_sid);
		struct counters zero = { 0, 0, 0 };
		counters_json(&b, e != NULL ? &e->c : &zero);
		fp_buf_printf(&b, ",\"call_sid\":");
		fp_buf_json_str(&b, call_sid);
		fp_buf_printf(&b, "}");
		goto out;
	}
	counters_json(&b, &totals);
	fp_buf_printf(&b, ",\"per_call\":{");
	const char *sep = "";
	for (size_t i = 0; i < calls.nbuckets; i++) {
		for (const struct entry *e = calls.buckets[i]; e != NULL; e = e->next) {
			fp_buf_printf(&b, "%s", sep);
			fp_buf_json_str(&b, e->key);
			fp_buf_printf(&b, ":");
			counters_json(&b, &e->c);
			fp_buf_printf(&b, "}");
			sep = ",";
		}
	}
	fp_buf_printf(&b, "}}");
out:
	pthread_mutex_unlock(&lock);
	return fp_buf_steal(&b, plen);
}

void fp_state_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(&totals, 0, sizeof(totals));
	table_free(&calls);
	table_init(&calls);
	for (size_t i = 0; i < recordings.nbuckets; i++)
		for (struct entry *e = recordings.buckets[i]; e != NULL; e = e->next)
			e->attempts = 0;
	pthread_mutex_unlock(&lock);
}
