/* SPDX-License-Identifier: MIT */
/*
 * fp_callback — signed recording status callbacks (see fp_callback.h).
 * The timer keeps a short list of {due, call_sid}; the thread sleeps on a
 * condition variable until the earliest is due or the fake stops.
 */
#include "fp_callback.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fp_audio.h"
#include "fp_buf.h"
#include "fp_calls.h"
#include "fp_listing.h"
#include "fp_reply.h"
#include "fp_state.h"

#define MAX_PARAMS 16

struct param {
	const char *key;
	char value[512];
};

struct scheduled {
	struct scheduled *next;
	long long due_ms; /* monotonic */
	char call_sid[FP_SID_MAX + 1];
};

/* lock guards queue and stopping; wake is signalled on both. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static struct scheduled *queue;
static bool stopping;
static pthread_t timer;
static char self[128]; /* set before the thread starts, then read-only */

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->key, ((const struct param *)b)->key);
}

static void add(struct param *p, size_t *n, const char *key, const char *value)
{
	p[*n].key = key;
	snprintf(p[*n].value, sizeof(p[*n].value), "%s", value);
	(*n)++;
}

/* Twilio's recording status callback parameters, sorted by key. */
static size_t params_of(const struct fp_callback *cb, const struct fp_knobs *k, struct param *p)
{
	char rec_sid[FP_RECORDING_SID_LEN + 1], text[512];
	size_t n = 0;
	bool completed = strcmp(cb->status, "completed") == 0;
	fp_calls_recording_sid(cb->call_sid ? cb->call_sid : "CFconference", FP_INDEX_NEWEST, rec_sid);
	add(p, &n, "AccountSid", k->account_sid);
	if (cb->call_sid != NULL)
		add(p, &n, "CallSid", cb->call_sid);
	else
		add(p, &n, "ConferenceSid", "CF0123456789abcdef0123456789abcdef");
	add(p, &n, "RecordingSid", rec_sid);
	snprintf(text, sizeof(text), "%s/2010-04-01/Accounts/%s/Recordings/%s", self,
		 k->account_sid, rec_sid);
	add(p, &n, "RecordingUrl", text);
	add(p, &n, "RecordingStatus", cb->status);
	snprintf(text, sizeof(text), "%lld", completed ? k->duration_s : 0LL);
	add(p, &n, "RecordingDuration", text);
	add(p, &n, "RecordingChannels", "1");
	add(p, &n, "RecordingSource", "OutboundAPI");
	add(p, &n, "RecordingStartTime", "Tue, 24 Nov 2026 11:00:00 +0000");
	add(p, &n, "ErrorCode", completed ? "0" : "13617");
	qsort(p, n, sizeof(*p), param_cmp);
	return n;
}

/* base64(HMAC-SHA1(token, url + k1 + v1 + …)) into out (>= 29 bytes). */
static void sign(const char *token, const char *url, const struct param *p, size_t n, char *out)
{
	struct fp_buf b;
	size_t len = 0;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	fp_buf_init(&b);
	fp_buf_printf(&b, "%s", url);
	for (size_t i = 0; i < n; i++)
		fp_buf_printf(&b, "%s%s", p[i].key, p[i].value);
	char *data = fp_buf_steal(&b, &len);
	if (HMAC(EVP_sha1(), token, (int)strlen(token), (unsigned char *)data, len, md, &mdlen) == NULL)
		mdlen = 0;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	free(data);
}

static char *form_of(CURL *h, const struct param *p, size_t n)
{
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	for (size_t i = 0; i < n; i++) {
		char *v = curl_easy_escape(h, p[i].value, 0);
		fp_buf_printf(&b, "%s%s=%s", i ? "&" : "", p[i].key, v ? v : "");
		curl_free(v);
	}
	return fp_buf_steal(&b, &len);
}

/* A stopping fake does not wait for a slow recd. */
static int on_progress(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	(void)ud, (void)dlt, (void)dln, (void)ult, (void)uln;
	return fp_stopping() ? 1 : 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct fp_buf *b = ud;
	fp_buf_printf(b, "%.*s", (int)(size * nmemb), data);
	return size * nmemb;
}

int fp_callback_send(const struct fp_callback *cb, char **pbody)
{
	struct fp_knobs k;
	struct param p[MAX_PARAMS];
	char sig[64], header[128];
	struct fp_buf reply;
	size_t len = 0;
	long status = 0;

	fp_state_knobs(&k);
	size_t n = params_of(cb, &k, p);
	sign(k.auth_token, cb->url, p, n, sig);
	if (cb->tamper) /* signed as above, sent with another duration */
		for (size_t i = 0; i < n; i++)
			if (strcmp(p[i].key, "RecordingDuration") == 0)
				snprintf(p[i].value, sizeof(p[i].value), "%s", "999");
	CURL *h = curl_easy_init();
	struct curl_slist *headers = NULL;
	fp_buf_init(&reply);
	if (h != NULL) {
		char *form = form_of(h, p, n);
		snprintf(header, sizeof(header), "X-Twilio-Signature: %s", sig);
		headers = curl_slist_append(headers, header);
		headers = curl_slist_append(headers, "User-Agent: TwilioProxy/1.1");
		curl_easy_setopt(h, CURLOPT_URL, cb->url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		curl_slist_free_all(headers);
		curl_easy_cleanup(h);
		free(form);
	}
	fp_calls_count_callback((int)status);
	char *body = fp_buf_steal(&reply, &len);
	if (pbody != NULL)
		*pbody = body;
	else
		free(body);
	return (int)status;
}

/* ---- the timer ----------------------------------------------------------- */

static void send_completed(const char *call_sid)
{
	struct fp_knobs k;
	fp_state_knobs(&k);
	if (k.callback_url[0] == '\0')
		return;
	struct fp_callback cb = { .url = k.callback_url, .call_sid = call_sid, .status = "completed" };
	(void)fp_callback_send(&cb, NULL);
}

static void deadline_in(long long ms, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct scheduled *s = queue;
		long long now = fp_mono_ms();
		if (s != NULL && s->due_ms <= now) {
			queue = s->next;
			pthread_mutex_unlock(&lock);
			send_completed(s->call_sid);
			free(s);
			pthread_mutex_lock(&lock);
			continue;
		}
		struct timespec ts;
		deadline_in(s != NULL ? s->due_ms - now : 60000, &ts);
		pthread_cond_timedwait(&wake, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

void fp_callback_schedule(const char *call_sid, long long delay_ms)
{
	struct scheduled *s = fp_xcalloc(1, sizeof(*s));
	s->due_ms = fp_mono_ms() + delay_ms;
	snprintf(s->call_sid, sizeof(s->call_sid), "%s", call_sid);
	pthread_mutex_lock(&lock);
	struct scheduled **at = &queue;
	while (*at != NULL && (*at)->due_ms <= s->due_ms)
		at = &(*at)->next;
	s->next = *at;
	*at = s;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void fp_callback_start(const char *self_base)
{
	pthread_condattr_t attr;
	snprintf(self, sizeof(self), "%s", self_base);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&wake, &attr);
	pthread_condattr_destroy(&attr);
	stopping = false;
	if (pthread_create(&timer, NULL, timer_main, NULL) != 0) {
		fputs("fake-provider: cannot start the callback timer\n", stderr);
		abort();
	}
}

void fp_callback_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(timer, NULL);
	while (queue != NULL) {
		struct scheduled *s = queue;
		queue = s->next;
		free(s);
	}
	pthread_cond_destroy(&wake);
}
