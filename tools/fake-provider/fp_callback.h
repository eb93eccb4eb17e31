/* SPDX-License-Identifier: MIT */
/*
 * fp_callback — Twilio's recording status callbacks, signed as Twilio signs
 * them (X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token,
 * of the callback URL followed by every parameter as key+value, sorted by
 * key) and POSTed form-encoded to the configured callback_url. Sent on
 * demand (POST /_callback) or by a timer when a call's "processing" time
 * is up, as Twilio does when post-processing ends.
 * Threading: fp_callback_send may be called from any thread; one timer
 * thread, started and joined by the main thread, sends the scheduled ones.
 */
#ifndef FP_CALLBACK_H
#define FP_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>

/* One callback to send. Borrowed strings. */
struct fp_callback {
	const char *url;           /* recd's webhook URL, query string and all */
	const char *call_sid;      /* NULL: a conference recording (ConferenceSid instead) */
	const char *status;        /* "completed", "absent", "failed", "in-progress" */
	bool tamper;               /* sign, then change a parameter (a forgery) */
};

/** Remember the fake's own base URL ("http://127.0.0.1:PORT") for the
 *  RecordingUrl it sends, and start the timer thread. */
void fp_callback_start(const char *self_base);
/** Stop the timer thread (unsent callbacks are dropped) and join it. */
void fp_callback_stop(void);

/** Sign and POST cb now, with the current knobs (auth token, account,
 *  duration). Returns recd's HTTP status (0 if unreachable); its body, if
 *  pbody is not NULL, in a malloc'd string the caller frees. */
int fp_callback_send(const struct fp_callback *cb, char **pbody);
/** Send a "completed" callback for call_sid in delay_ms, to whatever
 *  callback_url is set then (nothing if none). */
void fp_callback_schedule(const char *call_sid, long long delay_ms);

#endif
