/* SPDX-License-Identifier: MIT */
/* reply.c — response helpers; stateless apart from the metrics counters. */
#include "http/reply.h"

#include <stdlib.h>
#include <string.h>

enum MHD_Result reply_queue_shared(const struct http_ctx *h, struct MHD_Connection *conn,
                                   struct request *req, unsigned status, struct MHD_Response *resp)
{
    metrics_http(h->metrics, req->route, status);
    return MHD_queue_response(conn, status, resp);
}

enum MHD_Result reply_queue(const struct http_ctx *h, struct MHD_Connection *conn,
                            struct request *req, unsigned status, struct MHD_Response *resp)
{
    enum MHD_Result r = reply_queue_shared(h, conn, req, status, resp);
    MHD_destroy_response(resp);
    return r;
}

struct MHD_Response *reply_json_response(json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        text = xstrdup("{}");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    return resp;
}

enum MHD_Result reply_json(const struct http_ctx *h, struct MHD_Connection *conn,
                           struct request *req, unsigned status, json_t *body)
{
    return reply_queue(h, conn, req, status, reply_json_response(body));
}

enum MHD_Result reply_error(const struct http_ctx *h, struct MHD_Connection *conn,
                            struct request *req, unsigned status, const char *code,
                            const char *message)
{
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
    return reply_json(h, conn, req, status, body);
}

enum MHD_Result reply_method_not_allowed(const struct http_ctx *h, struct MHD_Connection *conn,
                                         struct request *req, const char *allow)
{
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", "method_not_allowed", "message",
                             "this method is not allowed here");
    struct MHD_Response *resp = reply_json_response(body);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    return reply_queue(h, conn, req, 405, resp);
}
