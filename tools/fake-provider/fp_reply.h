/* SPDX-License-Identifier: MIT */
/*
 * fp_reply — what every handler of the fake provider shares: the
 * per-request context, response helpers (Twilio-style JSON errors), and
 * sleeps that end early when the server stops.
 * Threading: a struct fp_req belongs to its connection's thread; the stop
 * flag is atomic and may be read from any thread.
 */
#ifndef FP_REPLY_H
#define FP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "fp_knobs.h"

/* Lives on libmicrohttpd's per-request pointer, freed on completion. */
struct fp_req {
	unsigned status;              /* status queued, for --verbose */
	bool audio;                   /* a complete GET body earns media_ok */
	bool has_call;                /* credit call_sid, not only the totals */
	char call_sid[FP_SID_MAX + 1];
};

/** Queue resp with status, remember the status in r, and drop our reference. */
enum MHD_Result fp_reply_response(struct MHD_Connection *c, struct fp_req *r,
				  unsigned status, struct MHD_Response *resp);
/** Queue a JSON body; takes ownership of body (malloc'd, freed by MHD). */
enum MHD_Result fp_reply_json(struct MHD_Connection *c, struct fp_req *r,
			      unsigned status, char *body, size_t len);
/** A Twilio-style JSON error body {"code","message","more_info","status"}
 *  as a response the caller may add headers to; NULL if MHD cannot allocate. */
struct MHD_Response *fp_error_response(unsigned status, const char *message);
/** Queue fp_error_response(status, message). */
enum MHD_Result fp_reply_error(struct MHD_Connection *c, struct fp_req *r,
			       unsigned status, const char *message);

/** Monotonic clock in milliseconds. */
long long fp_mono_ms(void);
/** Sleep ms milliseconds; false if cut short because the server is stopping. */
bool fp_sleep_ms(long long ms);
/** Make every current and future fp_sleep_ms return at once. */
void fp_request_stop(void);
/** True once fp_request_stop() was called. */
bool fp_stopping(void);

#endif
