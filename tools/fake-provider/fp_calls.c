/* SPDX-License-Identifier: MIT */
/*
 * fp_calls — per-call story and Twilio counters behind one mutex. A small
 * chained hash table keyed by call_sid holds when it was first seen and
 * its generation; it is never cleared before shutdown (like the recording
 * registry), so /_reset does not restart a call's processing clock.
 */
#include "fp_calls.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_reply.h"
#include "fp_state.h"

#define NBUCKETS 4096

struct call {
	struct call *next;
	char sid[FP_SID_MAX + 1];
	long long first_seen_ms; /* monotonic */
	int generation;
};

/* lock guards buckets and every counter below. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct call *buckets[NBUCKETS];
static long long storage_requests, storage_auth_requests;
static long long callbacks_sent, callbacks_failed, last_callback_status;

static unsigned bucket_of(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h % NBUCKETS;
}

/* Caller holds lock. create: insert a fresh entry if there is none. */
static struct call *find(const char *sid, bool create)
{
	struct call **head = &buckets[bucket_of(sid)];
	for (struct call *c = *head; c != NULL; c = c->next)
		if (strcmp(c->sid, sid) == 0)
			return c;
	if (!create)
		return NULL;
	struct call *c = fp_xcalloc(1, sizeof(*c));
	snprintf(c->sid, sizeof(c->sid), "%s", sid);
	c->first_seen_ms = fp_mono_ms();
	c->next = *head;
	*head = c;
	return c;
}

void fp_calls_init(void)
{
	memset(buckets, 0, sizeof(buckets));
	fp_calls_reset_counters();
}

void fp_calls_cleanup(void)
{
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct call *c = buckets[i];
		while (c != NULL) {
			struct call *next = c->next;
			free(c);
			c = next;
		}
		buckets[i] = NULL;
	}
}

bool fp_calls_seen(const char *call_sid)
{
	pthread_mutex_lock(&lock);
	bool first = find(call_sid, false) == NULL;
	(void)find(call_sid, true);
	pthread_mutex_unlock(&lock);
	return first;
}

bool fp_calls_processing(const char *call_sid, long long processing_s, long long *pleft)
{
	long long left = 0;
	pthread_mutex_lock(&lock);
	const struct call *c = find(call_sid, false);
	if (c != NULL && processing_s > 0)
		left = c->first_seen_ms + processing_s * 1000 - fp_mono_ms();
	pthread_mutex_unlock(&lock);
	if (pleft != NULL)
		*pleft = left > 0 ? left : 0;
	return left > 0;
}

void fp_calls_recording_sid(const char *call_sid, int index, char psid[FP_RECORDING_SID_LEN + 1])
{
	char key[FP_SID_MAX + 16];
	pthread_mutex_lock(&lock);
	const struct call *c = find(call_sid, false);
	int generation = c != NULL ? c->generation : 0;
	pthread_mutex_unlock(&lock);
	/* Generation 0 keeps the sids the fake always had. */
	if (generation == 0)
		snprintf(key, sizeof(key), "%s", call_sid);
	else
		snprintf(key, sizeof(key), "%s#g%d", call_sid, generation);
	fp_audio_recording_sid(key, index, psid);
	fp_state_register(psid, call_sid, index);
}

int fp_calls_rerecord(const char *call_sid)
{
	pthread_mutex_lock(&lock);
	int generation = ++find(call_sid, true)->generation;
	pthread_mutex_unlock(&lock);
	return generation;
}

void fp_calls_count_storage(bool with_credentials)
{
	pthread_mutex_lock(&lock);
	storage_requests++;
	storage_auth_requests += with_credentials;
	pthread_mutex_unlock(&lock);
}

void fp_calls_count_callback(int http_status)
{
	pthread_mutex_lock(&lock);
	callbacks_sent++;
	callbacks_failed += http_status < 200 || http_status > 299;
	last_callback_status = http_status;
	pthread_mutex_unlock(&lock);
}

void fp_calls_json(struct fp_buf *b)
{
	pthread_mutex_lock(&lock);
	fp_buf_printf(b, "{\"storage_requests\":%lld,\"storage_auth_requests\":%lld,"
			 "\"callbacks_sent\":%lld,\"callbacks_failed\":%lld,\"last_callback_status\":%lld}",
		      storage_requests, storage_auth_requests, callbacks_sent, callbacks_failed,
		      last_callback_status);
	pthread_mutex_unlock(&lock);
}

void fp_calls_reset_counters(void)
{
	pthread_mutex_lock(&lock);
	storage_requests = storage_auth_requests = 0;
	callbacks_sent = callbacks_failed = last_callback_status = 0;
	pthread_mutex_unlock(&lock);
}
