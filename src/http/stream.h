/* SPDX-License-Identifier: MIT */
/*
 * stream.h — HEAD/GET /stream?call_sid=X: the cached file (200/206/304/416),
 * or 202 while a run is active (held first when the client asked to wait),
 * 404 recording_not_found, 502 upstream_failed, 400 invalid_call_sid.
 */
#ifndef RECD_HTTP_STREAM_H
#define RECD_HTTP_STREAM_H

#include "http/request.h"

/** Handle one call of the access handler for /stream; may suspend conn. */
enum MHD_Result stream_handle(const struct http_ctx *h, struct MHD_Connection *conn,
                              struct request *req);

/** The 202 (or 200/404/502) answer for a run_view, shared with the fetch API. */
enum MHD_Result stream_reply_run(const struct http_ctx *h, struct MHD_Connection *conn,
                                 struct request *req, const struct run_view *v);

#endif
