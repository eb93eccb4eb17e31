/* SPDX-License-Identifier: MIT */
/*
 * fp_twilio — /_twilio, /_callback and /_rerecord (see fp_twilio.h).
 * /_callback answers with what recd answered and the recording sid it
 * announced: {"status":N,"recording_sid":"RE…","body":"…"}.
 */
#include "fp_twilio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp_buf.h"
#include "fp_callback.h"
#include "fp_calls.h"
#include "fp_listing.h"
#include "fp_state.h"

static const char *arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static bool flag(struct MHD_Connection *c, const char *name)
{
	const char *v = arg(c, name);
	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

static bool status_known(const char *s)
{
	static const char *const known[] = { "completed", "absent", "failed", "in-progress" };
	for (size_t i = 0; s != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return true;
	return false;
}

static enum MHD_Result counters(struct MHD_Connection *c, struct fp_req *r)
{
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	fp_calls_json(&b);
	char *body = fp_buf_steal(&b, &len);
	return fp_reply_json(c, r, 200, body, len);
}

static enum MHD_Result send_callback(struct MHD_Connection *c, struct fp_req *r)
{
	struct fp_knobs k;
	const char *call_sid = arg(c, "call_sid");
	const char *status = arg(c, "status") != NULL ? arg(c, "status") : "completed";
	const char *url = arg(c, "url");
	bool conference = flag(c, "conference");

	fp_state_knobs(&k);
	if (url == NULL || url[0] == '\0')
		url = k.callback_url;
	if (url[0] == '\0')
		return fp_reply_error(c, r, 400, "no callback URL: set callback_url or pass url=");
	if (!conference && (call_sid == NULL || !fp_sid_valid(call_sid)))
		return fp_reply_error(c, r, 400, "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
	if (!status_known(status))
		return fp_reply_error(c, r, 400, "status must be completed, absent, failed or in-progress");
	struct fp_callback cb = { .url = url, .call_sid = conference ? NULL : call_sid,
				  .status = status, .tamper = flag(c, "tamper") };
	char *reply = NULL, sid[FP_RECORDING_SID_LEN + 1];
	int got = fp_callback_send(&cb, &reply);
	fp_calls_recording_sid(conference ? "CFconference" : call_sid, FP_INDEX_NEWEST, sid);
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	fp_buf_printf(&b, "{\"status\":%d,\"recording_sid\":\"%s\",\"body\":", got, sid);
	fp_buf_json_str(&b, reply != NULL ? reply : "");
	fp_buf_printf(&b, "}");
	free(reply);
	char *body = fp_buf_steal(&b, &len);
	return fp_reply_json(c, r, 200, body, len);
}

static enum MHD_Result rerecord(struct MHD_Connection *c, struct fp_req *r)
{
	const char *call_sid = arg(c, "call_sid");
	char sid[FP_RECORDING_SID_LEN + 1];
	if (call_sid == NULL || !fp_sid_valid(call_sid))
		return fp_reply_error(c, r, 400, "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
	int generation = fp_calls_rerecord(call_sid);
	fp_calls_recording_sid(call_sid, FP_INDEX_NEWEST, sid);
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	fp_buf_printf(&b, "{\"call_sid\":\"%s\",\"generation\":%d,\"recording_sid\":\"%s\"}",
		      call_sid, generation, sid);
	char *body = fp_buf_steal(&b, &len);
	return fp_reply_json(c, r, 200, body, len);
}

enum MHD_Result fp_twilio_control(struct MHD_Connection *c, struct fp_req *r, const char *url,
				  bool post)
{
	if (strcmp(url, "/_twilio") == 0)
		return counters(c, r);
	if (!post)
		return fp_reply_error(c, r, 405, "use POST");
	if (strcmp(url, "/_callback") == 0)
		return send_callback(c, r);
	if (strcmp(url, "/_rerecord") == 0)
		return rerecord(c, r);
	return fp_reply_error(c, r, 404, "no such endpoint");
}
