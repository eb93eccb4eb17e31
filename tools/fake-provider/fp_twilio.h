/* SPDX-License-Identifier: MIT */
/*
 * fp_twilio — the control endpoints of the fake's Twilio behaviours (no
 * auth, like /_control):
 *   GET  /_twilio                     storage and callback counters
 *   POST /_callback?call_sid=X&status=completed|absent|failed|in-progress
 *                  [&conference=1][&tamper=1][&url=U]
 *                                     send one signed status callback now
 *   POST /_rerecord?call_sid=X        the call gets a new newest recording
 * Threading: on the connection's own thread, like every handler.
 */
#ifndef FP_TWILIO_H
#define FP_TWILIO_H

#include <stdbool.h>

#include <microhttpd.h>

#include "fp_reply.h"

/** Route one of the paths above (405/404 otherwise). */
enum MHD_Result fp_twilio_control(struct MHD_Connection *c, struct fp_req *r, const char *url,
				  bool post);

#endif
