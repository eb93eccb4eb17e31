/* SPDX-License-Identifier: MIT */
/*
 * fp_provider — Twilio's two endpoints plus the media hosts recd can be
 * pointed at. Every knob is read once per request from a snapshot, so a
 * /_control change never tears a response. Faults are applied in a fixed
 * order on the first hop of a media request: count it, sleep latency_ms,
 * check auth and path, then per recording the first fail_first requests
 * answer 500 and the next rate_limit_first answer 429, then redirect (if
 * on) or the body (drip at `rate`, cut at half if `truncate`).
 * Bodies are computed chunk by chunk (fp_audio_fill), never held whole.
 */
#include "fp_provider.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_audio.h"
#include "fp_buf.h"
#include "fp_callback.h"
#include "fp_calls.h"
#include "fp_listing.h"
#include "fp_state.h"

#define BLOCK_SIZE (32 * 1024) /* MHD's read buffer for bodies */

/* One body being sent: everything on_read needs, fixed at queue time. */
struct body {
	unsigned freq;
	unsigned duration_s;
	uint64_t size;     /* advertised Content-Length */
	uint64_t limit;    /* bytes really sent: size, or size / 2 if truncating */
	long long rate;    /* bytes per second, 0 = unlimited */
	long long start_ms; /* monotonic time of the first byte, 0 = not yet */
	unsigned channels;
	unsigned char *file; /* owned: the --mp3-file bytes, or NULL (generated WAV) */
	bool scramble;     /* encrypted: ciphertext-like bytes, no RIFF header */
};

#define MP3_FILE_MAX (16u << 20)

/* Read the whole --mp3-file (a small fixture); NULL if unreadable. Caller frees. */
static unsigned char *load_file(const char *path, uint64_t *psize)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	unsigned char *b = fp_xcalloc(1, MP3_FILE_MAX);
	size_t n = fread(b, 1, MP3_FILE_MAX, f);
	fclose(f);
	if (n == 0 || n == MP3_FILE_MAX) {
		free(b);
		return NULL;
	}
	*psize = n;
	return b;
}

/* A file name "NAME" or "NAME.wav" / "NAME.mp3" with NAME a valid sid. */
struct file {
	char name[FP_SID_MAX + 1];
	const char *ext; /* "wav" or "mp3" (static) */
};

static bool parse_file(const char *s, struct file *pf)
{
	const char *dot = strrchr(s, '.');
	size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
	pf->ext = "wav"; /* Twilio serves WAV when no extension is given */
	if (dot != NULL && strcmp(dot, ".mp3") == 0)
		pf->ext = "mp3";
	else if (dot != NULL && strcmp(dot, ".wav") != 0)
		return false;
	if (n > FP_SID_MAX)
		return false;
	memcpy(pf->name, s, n);
	pf->name[n] = '\0';
	return fp_sid_valid(pf->name);
}

/* Copy the path segment at *pp (up to '/') into out and step past it. */
static bool segment(const char **pp, char out[FP_SID_MAX + 1])
{
	size_t n = strcspn(*pp, "/");
	if (n == 0 || n > FP_SID_MAX)
		return false;
	memcpy(out, *pp, n);
	out[n] = '\0';
	*pp += n;
	return fp_sid_valid(out);
}

static bool literal(const char **pp, const char *lit)
{
	size_t n = strlen(lit);
	if (strncmp(*pp, lit, n) != 0)
		return false;
	*pp += n;
	return true;
}

static bool basic_auth_ok(struct MHD_Connection *c, const struct fp_knobs *k)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	bool ok = user != NULL && pass != NULL && strcmp(user, k->account_sid) == 0 &&
		  strcmp(pass, k->auth_token) == 0;
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *c, struct fp_req *r,
					  const char *challenge)
{
	struct MHD_Response *resp = fp_error_response(401, "Authenticate");
	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, challenge);
	return fp_reply_response(c, r, 401, resp);
}

static enum MHD_Result reply_not_found(struct MHD_Connection *c, struct fp_req *r,
				       const char *what)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "The requested resource %s was not found", what);
	return fp_reply_error(c, r, 404, msg);
}

static ssize_t on_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct body *b = cls;
	if (fp_stopping())
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (pos >= b->limit) /* only reached when truncating: close early */
		return MHD_CONTENT_READER_END_WITH_ERROR;
	uint64_t left = b->limit - pos;
	size_t n = left < max ? (size_t)left : max;
	if (b->rate > 0) {
		long long chunk = b->rate / 20 > 0 ? b->rate / 20 : 1; /* ~20 writes/s */
		if ((long long)n > chunk)
			n = (size_t)chunk;
		if (b->start_ms == 0)
			b->start_ms = fp_mono_ms();
		/* Pace against the start so the average rate holds however
		 * late a write returns: byte pos+n is due at (pos+n)/rate. */
		long long due = b->start_ms + (long long)((pos + n) * 1000 / (uint64_t)b->rate);
		if (!fp_sleep_ms(due - fp_mono_ms()))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (b->file != NULL)
		memcpy(buf, b->file + pos, n);
	else
		fp_audio_fill_ch(b->freq, b->duration_s, b->channels, pos, (unsigned char *)buf, n);
	for (size_t i = 0; b->scramble && i < n; i++)
		buf[i] ^= (char)0xA5; /* Voice Recording Encryption: Twilio serves ciphertext */
	return (ssize_t)n;
}

static void on_body_free(void *cls)
{
	struct body *b = cls;
	free(b->file);
	free(b);
}

static enum MHD_Result send_audio(struct MHD_Connection *c, struct fp_req *r,
				  const struct fp_knobs *k, const char *rec_sid,
				  const char *ext, bool get)
{
	struct body *b = fp_xcalloc(1, sizeof(*b));
	b->freq = fp_audio_freq(rec_sid);
	b->duration_s = (unsigned)k->duration_s;
	b->channels = (unsigned)k->channels;
	b->size = fp_audio_size_ch(b->duration_s, b->channels);
	if (strcmp(ext, "mp3") == 0 && k->mp3_file[0] != '\0') {
		b->file = load_file(k->mp3_file, &b->size);
		if (b->file == NULL) {
			free(b);
			return fp_reply_error(c, r, 500, "fake-provider: cannot read --mp3-file");
		}
	}
	b->limit = k->truncate ? b->size / 2 : b->size;
	b->rate = k->rate;
	b->scramble = k->encrypted;
	struct MHD_Response *resp =
		MHD_create_response_from_callback(b->size, BLOCK_SIZE, on_read, b, on_body_free);
	if (resp == NULL) {
		on_body_free(b);
		return MHD_NO;
	}
	/* The fake does not encode MP3: .mp3 gets the WAV bytes unless --mp3-file. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				strcmp(ext, "mp3") == 0 ? "audio/mpeg" : "audio/wav");
	r->audio = get;
	return fp_reply_response(c, r, 200, resp);
}

static enum MHD_Result redirect(struct MHD_Connection *c, struct fp_req *r,
				const struct fp_knobs *k, const char *rec_sid, const char *ext)
{
	char location[512];
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	if (k->storage_host[0] != '\0') /* another host, as Twilio's storage is */
		host = k->storage_host;
	if (host != NULL && strlen(host) < 256)
		snprintf(location, sizeof(location), "http://%s/media/%s.%s", host, rec_sid, ext);
	else
		snprintf(location, sizeof(location), "/media/%s.%s", rec_sid, ext);
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	return fp_reply_response(c, r, 302, resp);
}

/* The part of a media answer after auth and lookup: per-recording faults,
 * then redirect or body. Latency was already slept by the caller. */
static enum MHD_Result answer_media(struct MHD_Connection *c, struct fp_req *r,
				    const struct fp_knobs *k, const char *rec_sid,
				    const char *ext, bool get)
{
	long long attempt = fp_state_next_attempt(rec_sid);
	if (attempt < k->fail_first)
		return fp_reply_error(c, r, 500, "Internal Server Error (fake-provider fail_first)");
	if (attempt < k->fail_first + k->rate_limit_first) {
		struct MHD_Response *resp = fp_error_response(429, "Too Many Requests");
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		return fp_reply_response(c, r, 429, resp);
	}
	if (k->redirect)
		return redirect(c, r, k, rec_sid, ext);
	return send_audio(c, r, k, rec_sid, ext, get);
}

static void credit_call(struct fp_req *r, const char *call_sid)
{
	snprintf(r->call_sid, sizeof(r->call_sid), "%s", call_sid);
	r->has_call = true;
}

/* First sight of a call starts its processing clock; Twilio calls back
 * when processing ends (a moment after, so the listing agrees by then). */
static void see(const struct fp_knobs *k, const char *call_sid)
{
	if (fp_calls_seen(call_sid) && k->processing_s > 0)
		fp_callback_schedule(call_sid, k->processing_s * 1000 + 100);
}

/* ?Page=N of a listing request; 0 when absent or not a number. */
static long long page_of(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Page");
	char *end = NULL;
	long long page = v != NULL ? strtoll(v, &end, 10) : 0;
	return v != NULL && end != v && *end == '\0' && page >= 0 && page < 1000000 ? page : 0;
}

static enum MHD_Result listing(struct MHD_Connection *c, struct fp_req *r,
			       const struct fp_knobs *k, const char *url,
			       const char *account, const char *call_sid)
{
	fp_state_count_listing(call_sid);
	see(k, call_sid);
	if (!fp_sleep_ms(k->listing_latency_ms))
		return MHD_NO;
	if (!basic_auth_ok(c, k))
		return reply_unauthorized(c, r, "Basic realm=\"Twilio API\"");
	if (strcmp(account, k->account_sid) != 0)
		return reply_not_found(c, r, url);
	enum fp_call_kind kind = fp_listing_kind(call_sid);
	if (kind == FP_CALL_NOTFOUND)
		return reply_not_found(c, r, url);
	for (int i = 0; kind == FP_CALL_NORMAL && i < FP_NRECORDINGS; i++) {
		char sid[FP_RECORDING_SID_LEN + 1];
		fp_calls_recording_sid(call_sid, i, sid); /* registers it */
	}
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	fp_listing_json(&b, k, call_sid, kind, page_of(c),
			fp_calls_processing(call_sid, k->processing_s, NULL));
	char *body = fp_buf_steal(&b, &len);
	return fp_reply_json(c, r, 200, body, len);
}

static enum MHD_Result twilio_media(struct MHD_Connection *c, struct fp_req *r,
				    const struct fp_knobs *k, const char *url,
				    const char *account, const struct file *f, bool get)
{
	char call_sid[FP_SID_MAX + 1];
	int index = -1;
	bool known = fp_state_lookup(f->name, call_sid, &index);
	fp_state_count_media(known ? call_sid : NULL);
	if (known)
		see(k, call_sid);
	if (!fp_sleep_ms(k->latency_ms))
		return MHD_NO;
	if (!basic_auth_ok(c, k))
		return reply_unauthorized(c, r, "Basic realm=\"Twilio API\"");
	if (strcmp(account, k->account_sid) != 0 || !known || index == FP_INDEX_PROCESSING ||
	    fp_calls_processing(call_sid, k->processing_s, NULL))
		return reply_not_found(c, r, url);
	credit_call(r, call_sid);
	return answer_media(c, r, k, f->name, f->ext, get);
}

enum MHD_Result fp_provider_twilio(struct MHD_Connection *c, struct fp_req *r,
				   const char *url, const char *rest, bool get)
{
	struct fp_knobs k;
	char account[FP_SID_MAX + 1], sid[FP_SID_MAX + 1];
	struct file f;
	const char *p = rest;

	fp_state_knobs(&k);
	if (!segment(&p, account))
		return reply_not_found(c, r, url);
	if (literal(&p, "/Calls/") && segment(&p, sid) && strcmp(p, "/Recordings.json") == 0)
		return listing(c, r, &k, url, account, sid);
	p = rest + strlen(account);
	if (literal(&p, "/Recordings/") && parse_file(p, &f))
		return twilio_media(c, r, &k, url, account, &f, get);
	return reply_not_found(c, r, url);
}

enum MHD_Result fp_provider_storage(struct MHD_Connection *c, struct fp_req *r,
				    const char *rest, bool get)
{
	struct fp_knobs k;
	struct file f;
	char call_sid[FP_SID_MAX + 1];
	int index = -1;

	fp_state_knobs(&k);
	/* Storage on another host takes a signed URL, never the account's
	 * credentials: S3 answers 400 to a second auth mechanism. */
	bool auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
	fp_calls_count_storage(auth);
	if (auth && k.storage_host[0] != '\0')
		return fp_reply_error(c, r, 400, "Only one auth mechanism allowed (credentials sent to storage)");
	if (!parse_file(rest, &f) || !fp_state_lookup(f.name, call_sid, &index) ||
	    index == FP_INDEX_PROCESSING)
		return reply_not_found(c, r, "media");
	credit_call(r, call_sid);
	return send_audio(c, r, &k, f.name, f.ext, get);
}

static bool bearer_ok(struct MHD_Connection *c, const struct fp_knobs *k)
{
	char want[FP_SECRET_MAX + 16];
	if (k->bearer[0] == '\0')
		return true;
	const char *got = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_AUTHORIZATION);
	snprintf(want, sizeof(want), "Bearer %s", k->bearer);
	return got != NULL && strcmp(got, want) == 0;
}

enum MHD_Result fp_provider_url_media(struct MHD_Connection *c, struct fp_req *r,
				      const char *rest, bool get)
{
	struct fp_knobs k;
	struct file f;
	char rec_sid[FP_RECORDING_SID_LEN + 1];

	fp_state_knobs(&k);
	if (!parse_file(rest, &f))
		return reply_not_found(c, r, "media");
	fp_state_count_media(f.name);
	if (!fp_sleep_ms(k.latency_ms))
		return MHD_NO;
	if (!bearer_ok(c, &k))
		return reply_unauthorized(c, r, "Bearer");
	if (fp_listing_kind(f.name) != FP_CALL_NORMAL)
		return reply_not_found(c, r, "media");
	fp_calls_recording_sid(f.name, FP_INDEX_NEWEST, rec_sid);
	credit_call(r, f.name);
	return answer_media(c, r, &k, rec_sid, f.ext, get);
}

enum MHD_Result fp_provider_expected(struct MHD_Connection *c, struct fp_req *r)
{
	struct fp_knobs k;
	char rec_sid[FP_RECORDING_SID_LEN + 1];
	char sha[65];
	const char *call_sid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "call_sid");
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");

	fp_state_knobs(&k);
	if (call_sid == NULL || !fp_sid_valid(call_sid))
		return fp_reply_error(c, r, 400, "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
	if (fp_listing_kind(call_sid) != FP_CALL_NORMAL)
		return reply_not_found(c, r, "recording");
	see(&k, call_sid);
	fp_calls_recording_sid(call_sid, FP_INDEX_NEWEST, rec_sid);
	unsigned duration = (unsigned)k.duration_s;
	bool mp3 = format != NULL && strcmp(format, "mp3") == 0;
	uint64_t size = fp_audio_size_ch(duration, (unsigned)k.channels);
	if (mp3 && k.mp3_file[0] != '\0') {
		unsigned char *file = load_file(k.mp3_file, &size);
		unsigned char md[32];
		unsigned int mdlen = 0;
		int ok = file != NULL && EVP_Digest(file, size, md, &mdlen, EVP_sha256(), NULL) == 1;
		free(file);
		if (!ok)
			return fp_reply_error(c, r, 500, "cannot hash --mp3-file");
		for (unsigned i = 0; i < 32; i++)
			snprintf(sha + 2 * i, 3, "%02x", md[i]);
	} else if (fp_audio_sha256_ch(fp_audio_freq(rec_sid), duration, (unsigned)k.channels, sha) != 0) {
		return fp_reply_error(c, r, 500, "SHA-256 failed");
	}
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	fp_buf_printf(&b, "{\"call_sid\":\"%s\",\"recording_sid\":\"%s\",\"sha256\":\"%s\""
			  ",\"size\":%llu,\"format\":\"%s\",\"duration_s\":%u}",
		      call_sid, rec_sid, sha, (unsigned long long)size, mp3 ? "mp3" : "wav", duration);
	char *body = fp_buf_steal(&b, &len);
	return fp_reply_json(c, r, 200, body, len);
}
