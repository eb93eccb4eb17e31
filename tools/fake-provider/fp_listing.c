/* SPDX-License-Identifier: MIT */
/*
 * fp_listing — Twilio's "list recordings of a call" page, field for field
 * close to the real one (2010-04-01 API), with fixed dates so that tests are
 * reproducible. Threading: pure, any thread.
 */
#include "fp_listing.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fp_audio.h"
#include "fp_calls.h"

/* Tue, 24 Nov 2026 10:00:00 +0000: date_created of FP_INDEX_OLDER. */
#define BASE_EPOCH 1795514400LL
#define API "/2010-04-01/Accounts/"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum fp_call_kind fp_listing_kind(const char *call_sid)
{
	if (starts_with(call_sid, "CAmissing") || starts_with(call_sid, "missing"))
		return FP_CALL_EMPTY;
	if (starts_with(call_sid, "CAnotfound") || starts_with(call_sid, "notfound"))
		return FP_CALL_NOTFOUND;
	return FP_CALL_NORMAL;
}

/* RFC 2822, as Twilio writes dates: "Tue, 24 Nov 2026 10:00:00 +0000". */
static void rfc2822(long long epoch, char out[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
		 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

static void recording_json(struct fp_buf *b, const struct fp_knobs *k,
			   const char *call_sid, int index, bool processing)
{
	char sid[FP_RECORDING_SID_LEN + 1];
	char created[40], updated[40];
	bool done = index != FP_INDEX_PROCESSING && !processing;
	long long at = BASE_EPOCH + 3600LL * index;

	fp_calls_recording_sid(call_sid, index, sid);
	rfc2822(at, created);
	rfc2822(at + (done ? k->duration_s : 0), updated);
	fp_buf_printf(b, "{\"account_sid\":");
	fp_buf_json_str(b, k->account_sid);
	fp_buf_printf(b, ",\"api_version\":\"2010-04-01\",\"call_sid\":");
	fp_buf_json_str(b, call_sid);
	fp_buf_printf(b, ",\"conference_sid\":null,\"channels\":%lld"
			 ",\"date_created\":\"%s\",\"date_updated\":\"%s\",\"start_time\":\"%s\"",
		      k->channels, created, updated, created);
	/* Twilio reports -1 while a recording is still being processed. */
	fp_buf_printf(b, ",\"duration\":\"%lld\"", done ? k->duration_s : -1LL);
	fp_buf_printf(b, ",\"sid\":\"%s\",\"status\":\"%s\"", sid, done ? "completed" : "processing");
	fp_buf_printf(b, ",\"price\":null,\"price_unit\":\"USD\",\"source\":\"OutboundAPI\""
			 ",\"error_code\":null");
	/* Voice Recording Encryption: the media is ciphertext under this key. */
	if (k->encrypted && done)
		fp_buf_printf(b, ",\"encryption_details\":{\"type\":\"rsa-aes\","
				 "\"public_key_sid\":\"CR00000000000000000000000000000000\","
				 "\"encrypted_cek\":\"ZmFrZQ==\",\"iv\":\"ZmFrZQ==\"}");
	else
		fp_buf_printf(b, ",\"encryption_details\":null");
	fp_buf_printf(b, ",\"uri\":\"" API "%s/Recordings/%s.json\"", k->account_sid, sid);
	fp_buf_printf(b, ",\"subresource_uris\":{"
			 "\"add_on_results\":\"" API "%s/Recordings/%s/AddOnResults.json\","
			 "\"transcriptions\":\"" API "%s/Recordings/%s/Transcriptions.json\"}}",
		      k->account_sid, sid, k->account_sid, sid);
}

void fp_listing_json(struct fp_buf *b, const struct fp_knobs *k,
		     const char *call_sid, enum fp_call_kind kind, long long page,
		     bool processing)
{
	long long total = kind == FP_CALL_NORMAL ? FP_NRECORDINGS : 0;
	long long size = k->page_size > 0 ? k->page_size : 50;
	long long first = page * size;
	long long end = first + size < total ? first + size : total;
	/* account_sid and call_sid passed fp_sid_valid: safe inside strings. */
	fp_buf_printf(b, "{\"recordings\":[");
	for (long long i = first; i < end; i++) {
		if (i > first)
			fp_buf_printf(b, ",");
		recording_json(b, k, call_sid, (int)i, processing);
	}
	fp_buf_printf(b, "],\"start\":%lld,\"end\":%lld", first, end > first ? end - 1 : first);
	fp_buf_printf(b, ",\"first_page_uri\":\"" API "%s/Calls/%s/Recordings.json?PageSize=%lld&Page=0\"",
		      k->account_sid, call_sid, size);
	if (end < total)
		fp_buf_printf(b, ",\"next_page_uri\":\"" API "%s/Calls/%s/Recordings.json"
				 "?PageSize=%lld&Page=%lld&PageToken=PA%lld\"",
			      k->account_sid, call_sid, size, page + 1, end);
	else
		fp_buf_printf(b, ",\"next_page_uri\":null");
	if (page > 0)
		fp_buf_printf(b, ",\"previous_page_uri\":\"" API "%s/Calls/%s/Recordings.json"
				 "?PageSize=%lld&Page=%lld\"", k->account_sid, call_sid, size, page - 1);
	else
		fp_buf_printf(b, ",\"previous_page_uri\":null");
	fp_buf_printf(b, ",\"page\":%lld,\"page_size\":%lld", page, size);
	fp_buf_printf(b, ",\"uri\":\"" API "%s/Calls/%s/Recordings.json?PageSize=%lld&Page=%lld\"}",
		      k->account_sid, call_sid, size, page);
}
