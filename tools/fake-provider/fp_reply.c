/* SPDX-License-Identifier: MIT */
/*
 * fp_reply — response helpers and the stop flag. Sleeps are sliced so that
 * SIGTERM never waits for a long --latency-ms or a slow --rate drip: the
 * stop flag is checked every SLICE_MS. Threading: any thread.
 */
#include "fp_reply.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fp_buf.h"

#define SLICE_MS 20

static atomic_bool stopping; /* set once, on SIGTERM/SIGINT */

enum MHD_Result fp_reply_response(struct MHD_Connection *c, struct fp_req *r,
				  unsigned status, struct MHD_Response *resp)
{
	if (resp == NULL)
		return MHD_NO; /* MHD could not allocate: drop the connection */
	r->status = status;
	enum MHD_Result rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

enum MHD_Result fp_reply_json(struct MHD_Connection *c, struct fp_req *r,
			      unsigned status, char *body, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return fp_reply_response(c, r, status, resp);
}

static int twilio_code(unsigned status)
{
	/* Twilio's REST errors: 20003 Authenticate, 20404 Not Found, 20429 Too
	 * Many Requests, 20500 Internal Server Error. */
	return status == 401 ? 20003 : 20000 + (int)status;
}

struct MHD_Response *fp_error_response(unsigned status, const char *message)
{
	struct fp_buf b;
	size_t len = 0;
	int code = twilio_code(status);
	fp_buf_init(&b);
	fp_buf_printf(&b, "{\"code\":%d,\"message\":", code);
	fp_buf_json_str(&b, message);
	fp_buf_printf(&b, ",\"more_info\":\"https://www.twilio.com/docs/errors/%d\",\"status\":%u}",
		      code, status);
	char *body = fp_buf_steal(&b, &len);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return resp;
}

enum MHD_Result fp_reply_error(struct MHD_Connection *c, struct fp_req *r,
			       unsigned status, const char *message)
{
	return fp_reply_response(c, r, status, fp_error_response(status, message));
}

long long fp_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool fp_sleep_ms(long long ms)
{
	long long deadline = fp_mono_ms() + ms;
	for (;;) {
		if (atomic_load(&stopping))
			return false;
		long long left = deadline - fp_mono_ms();
		if (left <= 0)
			return true;
		long long step = left < SLICE_MS ? left : SLICE_MS;
		struct timespec ts = { .tv_sec = 0, .tv_nsec = step * 1000000L };
		nanosleep(&ts, NULL);
	}
}

void fp_request_stop(void)
{
	atomic_store(&stopping, true);
}

bool fp_stopping(void)
{
	return atomic_load(&stopping);
}
