/* SPDX-License-Identifier: MIT */
/*
 * server.c — daemon set-up and the routing table. Limits that protect
 * the server from clients live here: connection count, per-connection
 * memory (header and URL size), idle timeout, POST body size.
 */
#include "http/server.h"
#include "http/api.h"
#include "http/filecache.h"
#include "http/reply.h"
#include "http/static.h"
#include "http/stream.h"
#include "proto/num.h"
#include "util/clock.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Open recordings kept for hot /stream answers (see http/filecache.h),
 * like nginx's open_file_cache max=1000; each is re-opened after a second
 * so the table never pins a file for long. */
#define OPEN_FILES_MAX 1000
#define OPEN_FILE_VALID_MS 1000

/* Per-connection memory: bounds the request line plus headers (up to about
 * 8 KiB fit, like nginx's 8 KiB lines; tests/integration/test_hostile.py).
 * libmicrohttpd zeroes the whole pool between keep-alive requests, so
 * bigger costs every request. */
#define CONNECTION_MEMORY ((size_t)16 * 1024)

struct http_server {
    struct http_ctx ctx;
    struct MHD_Daemon *daemon;
    uint16_t port;
    unsigned start_timeout_s;   /* the daemon's connection timeout */
    _Atomic int64_t inflight;   /* requests between first byte and completion */
};

static bool is(const char *method, const char *want)
{
    return strcmp(method, want) == 0;
}

static enum metrics_route route_of(const char *url)
{
    if (strcmp(url, "/stream") == 0)
        return ROUTE_STREAM;
    if (strcmp(url, "/healthz") == 0)
        return ROUTE_HEALTHZ;
    if (strcmp(url, "/readyz") == 0)
        return ROUTE_READYZ;
    if (strcmp(url, "/metrics") == 0)
        return ROUTE_METRICS;
    if (strcmp(url, "/api/recordings") == 0)
        return ROUTE_API_RECORDINGS;
    if (strncmp(url, "/api/recordings/", 16) == 0) {
        const char *slash = strchr(url + 16, '/');
        if (slash && strcmp(slash, "/peaks") == 0)
            return ROUTE_API_PEAKS;
        return slash && strcmp(slash, "/fetch") == 0 ? ROUTE_API_FETCH : ROUTE_API_RECORDING;
    }
    if (strcmp(url, "/api/runs") == 0)
        return ROUTE_API_RUNS;
    if (strcmp(url, "/webhooks/twilio/recording-status") == 0)
        return ROUTE_WEBHOOK;
    if (strcmp(url, "/") == 0 || strncmp(url, "/static/", 8) == 0)
        return ROUTE_STATIC;
    return ROUTE_OTHER;
}

static enum MHD_Result route_get(struct http_server *s, struct MHD_Connection *conn,
                                 struct request *req, const char *url, const char *method)
{
    if (!is(method, "GET") && !is(method, "HEAD"))
        return reply_method_not_allowed(&s->ctx, conn, req, "GET, HEAD");
    switch (req->route) {
    case ROUTE_STREAM:
        return stream_handle(&s->ctx, conn, req);
    case ROUTE_HEALTHZ:
        return reply_json(&s->ctx, conn, req, 200, json_pack("{s:s}", "status", "ok"));
    case ROUTE_READYZ:
        if (store_ping(s->ctx.store) != RECD_OK)
            return reply_error(&s->ctx, conn, req, 503, "store_unavailable", "the store is not reachable");
        return reply_json(&s->ctx, conn, req, 200, json_pack("{s:s}", "status", "ready"));
    case ROUTE_METRICS:
        return api_metrics(&s->ctx, conn, req);
    case ROUTE_STATIC:
        return static_serve(&s->ctx, conn, req, url);
    default:
        return reply_error(&s->ctx, conn, req, 404, "not_found", "no such endpoint");
    }
}

/* 401 (with the challenge, so a browser shows its login prompt) or 403.
 * Answered on the first call: the connection then closes and a POST body
 * from an unauthenticated client is never read. */
static enum MHD_Result reply_auth(struct http_server *s, struct MHD_Connection *conn,
                                  struct request *req, enum auth_verdict v, const char *code)
{
    bool challenge = v == AUTH_CHALLENGE;
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", auth_message(code));
    struct MHD_Response *resp = reply_json_response(body);
    if (challenge)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, auth_challenge(req->live->auth));
    return reply_queue(&s->ctx, conn, req, challenge ? 401 : 403, resp);
}

/* Refuse an announced oversized body before reading any of it. */
static bool announced_too_big(const struct request *req, struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int64_t n = 0;
    return cl && num_parse_i64(cl, 0, INT64_MAX, &n) && n > req->live->max_body_bytes;
}

/* Accumulate a POST body. Past the limit the rest is read and dropped
 * (libmicrohttpd cannot answer in the middle of an upload); the final
 * call then answers 413. */
static void collect_body(struct request *req, const char *data, size_t *size)
{
    if (!req->body_too_big && req->body_len + *size > (size_t)req->live->max_body_bytes) {
        req->body_too_big = true;
        free(req->body);
        req->body = NULL;
        req->body_len = 0;
    }
    if (!req->body_too_big) {
        req->body = xrealloc(req->body, req->body_len + *size + 1);
        memcpy(req->body + req->body_len, data, *size);
        req->body_len += *size;
        req->body[req->body_len] = '\0';
    }
    *size = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct request *req = *con_cls;
    if (!req->started) {
        req->started = true;
        req->live = live_acquire(s->ctx.live);
        req->route = route_of(url);
        req->head = is(method, "HEAD");
        req->wait_applied_s = -1;
        atomic_fetch_add(&s->inflight, 1);
        if ((unsigned)req->live->connection_timeout_s != s->start_timeout_s)
            MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                      (unsigned)req->live->connection_timeout_s);
        const char *code = NULL;
        enum auth_verdict v = auth_check(req->live->auth, conn, req->route, url, clock_now_ms() / 1000, &code);
        if (v != AUTH_ALLOW)
            return reply_auth(s, conn, req, v, code);
        if (announced_too_big(req, conn))
            return reply_error(&s->ctx, conn, req, 413, "body_too_large", "the request body is too large");
        /* Answer from the second call: libmicrohttpd closes the connection
         * after a response queued in the first one (no keep-alive). */
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        collect_body(req, upload_data, upload_data_size);
        return MHD_YES;
    }
    if (req->body_too_big)
        return reply_error(&s->ctx, conn, req, 413, "body_too_large", "the request body is too large");
    switch (req->route) {
    case ROUTE_API_RECORDINGS:
    case ROUTE_API_RECORDING:
    case ROUTE_API_FETCH:
    case ROUTE_API_RUNS:
    case ROUTE_API_PEAKS:
    case ROUTE_WEBHOOK:
        return api_handle(&s->ctx, conn, req, url, method);
    default:
        return route_get(s, conn, req, url, method);
    }
}

/* Before libmicrohttpd splits off and decodes the query: the request
 * context is born here so it can keep the target as received, which the
 * Twilio webhook's signature covers (freed in on_completed). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct request *req = xcalloc(1, sizeof(*req));
    if (uri && strncmp(uri, "/webhooks/", 10) == 0)
        req->target = xstrdup(uri);
    return req;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    (void)conn;
    (void)toe;
    struct request *req = *con_cls;
    if (!req)
        return;
    RECD_ASSERT(!req->waiter._held);
    free(req->target);
    if (req->live) { /* the access handler saw it */
        live_release(s->ctx.live, req->live);
        atomic_fetch_sub(&s->inflight, 1);
    }
    free(req->body);
    free(req);
    *con_cls = NULL;
}

static bool parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
        snprintf(err, errlen, "--listen %s: expected HOST:PORT", listen);
        return false;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(err, errlen, "--listen %s: expected an IPv4 HOST:PORT", listen);
        return false;
    }
    return true;
}

/* Raise the soft fd limit to the hard one; returns the limit in effect. */
static size_t raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    return (size_t)rl.rlim_cur;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_event(LOG_DEBUG, "HTTP_DAEMON", LF_S("message", msg));
}

struct http_server *http_start(const struct http_ctx *h, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    if (!parse_listen(h->cfg->listen, &sa, err, errlen))
        return NULL;
    size_t fd_limit = raise_fd_limit();
    struct http_server *s = xcalloc(1, sizeof(*s));
    s->ctx = *h;
    /* open recordings may take a quarter of the fds, connections the rest */
    size_t open_max = fd_limit / 4 < OPEN_FILES_MAX ? fd_limit / 4 : OPEN_FILES_MAX;
    s->ctx.files = filecache_new(open_max, OPEN_FILE_VALID_MS);
    unsigned threads = h->cfg->http_threads > 0 ? (unsigned)h->cfg->http_threads
                                                : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
            MHD_USE_TURBO | MHD_USE_ITC, /* ITC: http_quiesce() with a thread pool */
        0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->cfg->connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s (address in use or not available)", h->cfg->listen);
        filecache_free(s->ctx.files);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    s->start_timeout_s = (unsigned)h->cfg->connection_timeout_s;
    return s;
}

void http_quiesce(struct http_server *s)
{
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    /* Closed now, not at http_stop(): new clients are refused at once and a
     * load balancer moves on, instead of queueing in a backlog never read. */
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int64_t http_inflight(struct http_server *s)
{
    return s ? atomic_load(&s->inflight) : 0;
}

uint16_t http_port(const struct http_server *s)
{
    return s->port;
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    filecache_free(s->ctx.files);
    free(s);
}
