/* SPDX-License-Identifier: MIT */
/*
 * fp_knobs — the settings table shared by the command line and /_control.
 * Names match with '-' and '_' treated alike, so one table entry serves
 * both spellings. Threading: the table is const; functions are pure.
 */
#include "fp_knobs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum kind { KIND_INT, KIND_BOOL, KIND_SID, KIND_SECRET, KIND_TEXT };

struct knob {
	const char *name; /* query spelling; the flag uses '-' */
	enum kind kind;
	size_t offset;    /* into struct fp_knobs */
	long long min, max;
	const char *arg;  /* value placeholder for --help, "" for booleans */
	const char *help;
};

#define F(field) offsetof(struct fp_knobs, field)
#define HOUR_MS 3600000LL

static const struct knob knobs[] = {
	{ "account_sid", KIND_SID, F(account_sid), 0, 0, "SID", "account sid in paths and Basic auth" },
	{ "auth_token", KIND_SECRET, F(auth_token), 0, 0, "TOKEN", "Basic auth password" },
	{ "bearer", KIND_SECRET, F(bearer), 0, 0, "TOKEN", "/url-media/ requires 'Authorization: Bearer TOKEN' (empty = off)" },
	{ "latency_ms", KIND_INT, F(latency_ms), 0, HOUR_MS, "N", "delay before a media endpoint answers" },
	{ "listing_latency_ms", KIND_INT, F(listing_latency_ms), 0, HOUR_MS, "N", "delay before a listing answers" },
	{ "rate", KIND_INT, F(rate), 0, 10000000000LL, "BYTES_PER_S", "drip the media body (0 = unlimited)" },
	{ "fail_first", KIND_INT, F(fail_first), 0, 1000000000LL, "N", "first N media requests per recording answer 500" },
	{ "rate_limit_first", KIND_INT, F(rate_limit_first), 0, 1000000000LL, "N", "next N media requests per recording answer 429" },
	{ "truncate", KIND_BOOL, F(truncate), 0, 1, "", "close media responses after half the body" },
	{ "duration_s", KIND_INT, F(duration_s), 0, 3600, "N", "audio duration in seconds" },
	{ "redirect", KIND_BOOL, F(redirect), 0, 1, "", "media requests answer 302 to /media/{sid}.{ext}" },
	{ "channels", KIND_INT, F(channels), 1, 2, "N", "1 = mono tone, 2 = dual-channel WAV (a dialogue, one voice per channel)" },
	{ "mp3_file", KIND_SECRET, F(mp3_file), 0, 0, "PATH", ".mp3 media serves this file (a real MP3) instead of the WAV bytes" },
	{ "processing_s", KIND_INT, F(processing_s), 0, 3600, "N", "a call's recordings stay 'processing' for N s after it is first seen" },
	{ "page_size", KIND_INT, F(page_size), 1, 1000, "N", "recordings per listing page (next_page_uri links the rest)" },
	{ "encrypted", KIND_BOOL, F(encrypted), 0, 1, "", "completed recordings carry encryption_details" },
	{ "storage_host", KIND_TEXT, F(storage_host), 0, 0, "HOST:PORT", "redirect media there (another host: it refuses credentials, 400)" },
	{ "callback_url", KIND_TEXT, F(callback_url), 0, 0, "URL", "send signed recording status callbacks here (see /_callback)" },
};

#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

void fp_knobs_defaults(struct fp_knobs *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->account_sid, sizeof(k->account_sid), "%s", "ACfake00000000000000000000000000000");
	snprintf(k->auth_token, sizeof(k->auth_token), "%s", "fake-token");
	k->duration_s = 4;
	k->channels = 1;
	k->page_size = 50;
}

bool fp_sid_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > FP_SID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

static bool name_eq(const char *table_name, const char *name)
{
	for (; *table_name != '\0' && *name != '\0'; table_name++, name++) {
		char c = *name == '-' ? '_' : *name;
		if (c != *table_name)
			return false;
	}
	return *table_name == '\0' && *name == '\0';
}

static const struct knob *find(const char *name)
{
	for (size_t i = 0; i < NKNOBS; i++)
		if (name_eq(knobs[i].name, name))
			return &knobs[i];
	return NULL;
}

bool fp_knobs_is_bool(const char *name)
{
	const struct knob *d = find(name);
	return d != NULL && d->kind == KIND_BOOL;
}

/* A host or URL: printable ASCII without spaces or quotes, <= 255 bytes. */
static bool text_ok(const char *s)
{
	if (strlen(s) > FP_SECRET_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '\\')
			return false;
	return true;
}

static int parse_int(const struct knob *d, const char *value, long long *pv)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < d->min || v > d->max)
		return -1;
	*pv = v;
	return 0;
}

static int parse_bool(const char *value, bool *pv)
{
	if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0) {
		*pv = true;
		return 0;
	}
	if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0) {
		*pv = false;
		return 0;
	}
	return -1;
}

int fp_knobs_set(struct fp_knobs *k, const char *name, const char *value,
		 char *perr, size_t errlen)
{
	const struct knob *d = find(name);
	if (d == NULL) {
		snprintf(perr, errlen, "unknown setting '%s'", name);
		return -1;
	}
	char *field = (char *)k + d->offset;
	int rc = -1;
	switch (d->kind) {
	case KIND_INT:
		rc = parse_int(d, value, (long long *)(void *)field);
		break;
	case KIND_BOOL:
		rc = parse_bool(value, (bool *)(void *)field);
		break;
	case KIND_SID:
		rc = fp_sid_valid(value) ? 0 : -1;
		if (rc == 0)
			snprintf(field, FP_SID_MAX + 1, "%s", value);
		break;
	case KIND_SECRET:
		rc = strlen(value) <= FP_SECRET_MAX ? 0 : -1;
		if (rc == 0)
			snprintf(field, FP_SECRET_MAX + 1, "%s", value);
		break;
	case KIND_TEXT:
		rc = text_ok(value) ? 0 : -1;
		if (rc == 0)
			snprintf(field, FP_SECRET_MAX + 1, "%s", value);
		break;
	}
	if (rc != 0) {
		if (d->kind == KIND_INT)
			snprintf(perr, errlen, "bad value for %s: want an integer in %lld..%lld",
				 d->name, d->min, d->max);
		else if (d->kind == KIND_BOOL)
			snprintf(perr, errlen, "bad value for %s: want 0 or 1", d->name);
		else
			snprintf(perr, errlen, "bad value for %s", d->name);
	}
	return rc;
}

void fp_knobs_json(const struct fp_knobs *k, struct fp_buf *out)
{
	fp_buf_printf(out, "{");
	for (size_t i = 0; i < NKNOBS; i++) {
		const struct knob *d = &knobs[i];
		const char *field = (const char *)k + d->offset;
		fp_buf_printf(out, "%s\"%s\":", i == 0 ? "" : ",", d->name);
		if (d->kind == KIND_INT)
			fp_buf_printf(out, "%lld", *(const long long *)(const void *)field);
		else if (d->kind == KIND_BOOL)
			fp_buf_printf(out, "%s", *(const bool *)(const void *)field ? "true" : "false");
		else
			fp_buf_json_str(out, field);
	}
	fp_buf_printf(out, "}");
}

void fp_knobs_usage(FILE *out)
{
	for (size_t i = 0; i < NKNOBS; i++) {
		char flag[64];
		snprintf(flag, sizeof(flag), "%s %s", knobs[i].name, knobs[i].arg);
		for (char *p = flag; *p != ' '; p++)
			if (*p == '_')
				*p = '-';
		fprintf(out, "  --%-30s %s\n", flag, knobs[i].help);
	}
}
