/* SPDX-License-Identifier: MIT */
/*
 * fp_http — the fake provider's HTTP server: libmicrohttpd setup, routing,
 * and the control endpoints (/_stats, /_control, /_reset).
 * Threading: one thread per connection (blocking sleeps are the point);
 * start and stop are called from the main thread only.
 */
#ifndef FP_HTTP_H
#define FP_HTTP_H

#include <stdbool.h>
#include <netinet/in.h>

struct MHD_Daemon;

/** Listen on addr (port 0 = any free port) and serve until fp_http_stop().
 *  Returns the daemon and the bound port in *pport, or NULL on failure. */
struct MHD_Daemon *fp_http_start(const struct sockaddr_in *addr, bool verbose,
				 unsigned *pport);
/** Cut every sleep short, close all connections and join their threads. */
void fp_http_stop(struct MHD_Daemon *d);

#endif
