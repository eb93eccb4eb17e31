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
/** Stop accepting, finish, free. Call waiters_shutdown() before. */
void http_stop(struct http_server *s);

#endif
