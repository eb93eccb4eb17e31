/* SPDX-License-Identifier: MIT */
/*
 * api.h — the JSON API: /api/recordings (list, register), /api/recordings/X
 * (detail with runs), /api/recordings/X/fetch, /api/recordings/X/peaks,
 * /api/runs, /metrics, and
 * the Twilio recording-status webhook.
 */
#ifndef RECD_HTTP_API_H
#define RECD_HTTP_API_H

#include "http/request.h"

/** Dispatch an /api or /webhooks request (any method; 405 where not allowed). */
enum MHD_Result api_handle(const struct http_ctx *h, struct MHD_Connection *conn,
                           struct request *req, const char *url, const char *method);

/** GET /metrics (Prometheus text). */
enum MHD_Result api_metrics(const struct http_ctx *h, struct MHD_Connection *conn,
                            struct request *req);

/** GET /api/recordings/{sid}/peaks (peaks.c); sid already validated. */
enum MHD_Result api_peaks(const struct http_ctx *h, struct MHD_Connection *conn,
                          struct request *req, const char *sid);

/** POST /webhooks/twilio/recording-status (webhook.c). */
enum MHD_Result webhook_twilio(const struct http_ctx *h, struct MHD_Connection *conn,
                               struct request *req, const char *url);

#endif
