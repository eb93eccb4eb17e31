/* SPDX-License-Identifier: MIT */
/*
 * reply.h — every response leaves through here, so each one is counted
 * (recd_http_requests_total) and error bodies share one JSON shape:
 * {"error":{"code":"snake_case","message":"human text"}}.
 */
#ifndef RECD_HTTP_REPLY_H
#define RECD_HTTP_REPLY_H

#include "http/request.h"

#include <jansson.h>

/** Queue resp with status; takes ownership of resp (destroyed here). */
enum MHD_Result reply_queue(const struct http_ctx *h, struct MHD_Connection *conn,
                            struct request *req, unsigned status, struct MHD_Response *resp);

/** Like reply_queue, but resp stays the caller's (a response shared by
 *  many connections, e.g. the file cache's). */
enum MHD_Result reply_queue_shared(const struct http_ctx *h, struct MHD_Connection *conn,
                                   struct request *req, unsigned status, struct MHD_Response *resp);
/** JSON error reply. */
enum MHD_Result reply_error(const struct http_ctx *h, struct MHD_Connection *conn,
                            struct request *req, unsigned status, const char *code,
                            const char *message);

/** JSON reply; takes ownership of body (json_decref'd here). */
enum MHD_Result reply_json(const struct http_ctx *h, struct MHD_Connection *conn,
                           struct request *req, unsigned status, json_t *body);

/** A response holding a JSON text (for callers that add headers). Takes body. */
struct MHD_Response *reply_json_response(json_t *body);

/** 405 with an Allow header. */
enum MHD_Result reply_method_not_allowed(const struct http_ctx *h, struct MHD_Connection *conn,
                                         struct request *req, const char *allow);

#endif
