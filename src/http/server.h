/* SPDX-License-Identifier: MIT */
/*
 * server.h — the libmicrohttpd daemon: limits, routing, per-request
 * context lifetime. epoll with a small thread pool; held requests are
 * suspended connections, so they cost no thread.
 */
#ifndef RECD_HTTP_SERVER_H
#define RECD_HTTP_SERVER_H

#include "http/request.h"

struct http_server;

/** Bind and start serving. h is copied; its pointers are borrowed until
 *  http_stop(). NULL with a reason in err on failure. */
struct http_server *http_start(const struct http_ctx *h, char *err, size_t errlen);
/** The port actually bound (useful with --listen HOST:0). */
uint16_t http_port(const struct http_server *s);
/** Graceful stop, first step: close the listening socket (new connections
 *  are refused); requests in flight and open connections go on. */
void http_quiesce(struct http_server *s);
/** Requests received and not yet completed (held ones included; idle
 *  keep-alive connections are not requests). */
int64_t http_inflight(struct http_server *s);
/** Stop accepting, cut what is left, free. Call waiters_shutdown() before. */
void http_stop(struct http_server *s);

#endif
