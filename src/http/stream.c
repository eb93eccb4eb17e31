/* SPDX-License-Identifier: MIT */
/*
 * stream.c — the /stream endpoint. The hot path for a cached recording is
 * cache index → open → fstat → headers → sendfile (libmicrohttpd's fd
 * response): no store query, no copy. Everything else goes through
 * run_ensure. A held request is suspended here and answered when the
 * access handler is called again after its waiter was resumed.
 */
#include "http/stream.h"
#include "http/reply.h"
#include "proto/conditional.h"
#include "proto/prefer.h"
#include "proto/range.h"
#include "proto/sid.h"
#include "util/clock.h"
#include "util/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static void add_wait_header(struct MHD_Response *resp, const struct request *req)
{
    if (req->wait_applied_s < 0)
        return;
    char v[32];
    snprintf(v, sizeof(v), "wait=%d", req->wait_applied_s);
    MHD_add_response_header(resp, "Preference-Applied", v);
}

/* First call for this request: validate call_sid and the wait preference. */
static bool stream_start(const struct http_ctx *h, struct MHD_Connection *conn, struct request *req,
                         enum MHD_Result *presult)
{
    const char *sid = NULL;
    size_t len = 0;
    if (MHD_lookup_connection_value_n(conn, MHD_GET_ARGUMENT_KIND, "call_sid", 8, &sid, &len) != MHD_YES ||
        !sid || !sid_valid_n(sid, len) || strlen(sid) != len) {
        *presult = reply_error(h, conn, req, 400, "invalid_call_sid",
                               "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
        return false;
    }
    recd_strlcpy(req->call_sid, sid, sizeof(req->call_sid));
    int wait = 0;
    const char *qwait = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "wait");
    bool has_wait = prefer_wait(header(conn, "Prefer"), &wait) || (qwait && prefer_wait_param(qwait, &wait));
    req->wait_applied_s = -1;
    if (has_wait) {
        req->wait_applied_s = wait < h->cfg->max_wait_s ? wait : h->cfg->max_wait_s;
        if (req->wait_applied_s > 0)
            req->hold_deadline = clock_mono_ms() + (int64_t)req->wait_applied_s * 1000;
    }
    req->stream_started = true;
    return true;
}

static void add_file_headers(struct MHD_Response *resp, const struct cache_entry *e, const char *etag,
                             const char *last_modified, const struct request *req)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            strcmp(e->format, "mp3") == 0 ? "audio/mpeg" : "audio/wav");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, last_modified);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private");
    add_wait_header(resp, req);
}

static enum MHD_Result serve_file(const struct http_ctx *h, struct MHD_Connection *conn,
                                  struct request *req, const struct cache_entry *e, int fd,
                                  int64_t size, int64_t mtime_ms)
{
    char etag[80], last_modified[40];
    snprintf(etag, sizeof(etag), "\"%.32s-%" PRIx64 "\"", e->sha256, (uint64_t)size);
    clock_format_http(mtime_ms, last_modified, sizeof(last_modified));
    cache_index_touch(h->cache, e->call_sid, clock_now_ms());

    const char *inm = header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct byte_range br = { 0, size - 1 };
    enum range_result rr = range_parse(header(conn, MHD_HTTP_HEADER_RANGE), size, &br);
    if ((rr == RANGE_OK || rr == RANGE_UNSATISFIABLE) &&
        !cond_if_range(header(conn, MHD_HTTP_HEADER_IF_RANGE), etag, mtime_ms))
        rr = RANGE_NONE;

    struct MHD_Response *resp;
    unsigned status = 200;
    if (inm && cond_if_none_match(inm, etag)) {
        close(fd);
        status = 304;
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else if (rr == RANGE_UNSATISFIABLE) {
        close(fd);
        char cr[64];
        snprintf(cr, sizeof(cr), "bytes */%" PRId64, size);
        enum MHD_Result r;
        json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", "range_not_satisfiable",
                                 "message", "the range starts beyond the end of the recording");
        resp = reply_json_response(body);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
        r = reply_queue(h, conn, req, 416, resp);
        return r;
    } else if (rr == RANGE_OK) {
        status = 206;
        resp = MHD_create_response_from_fd_at_offset64((uint64_t)(br.end - br.start + 1), fd,
                                                       (uint64_t)br.start);
    } else {
        resp = MHD_create_response_from_fd_at_offset64((uint64_t)size, fd, 0);
    }
    if (!resp) {
        close(fd);
        return reply_error(h, conn, req, 503, "busy", "cannot create a response; try again");
    }
    add_file_headers(resp, e, etag, last_modified, req);
    if (status == 206) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %" PRId64 "-%" PRId64 "/%" PRId64, br.start, br.end, size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    log_event(LOG_DEBUG, "STREAM_SERVE", LF_S("call_sid", e->call_sid), LF_I("status", status),
              LF_I("bytes", status == 206 ? br.end - br.start + 1 : (status == 200 ? size : 0)));
    return reply_queue(h, conn, req, status, resp);
}

/* Serve e if its file is there; false if it vanished (index entry dropped). */
static bool try_serve(const struct http_ctx *h, struct MHD_Connection *conn, struct request *req,
                      const struct cache_entry *e, enum MHD_Result *presult)
{
    int fd = -1;
    int64_t size = 0, mtime = 0;
    if (cache_open(h->cache, e, &fd, &size, &mtime) != RECD_OK) {
        recd_err rc = store_mark_evicted(h->store, e->call_sid);
        log_event(LOG_WARN, "CACHE_VANISHED", LF_S("call_sid", e->call_sid),
                  LF_S("store", recd_strerror(rc)));
        return false;
    }
    *presult = serve_file(h, conn, req, e, fd, size, mtime);
    return true;
}

enum MHD_Result stream_reply_run(const struct http_ctx *h, struct MHD_Connection *conn,
                                 struct request *req, const struct run_view *v)
{
    if (v->answer == ANSWER_MISSING)
        return reply_error(h, conn, req, 404, "recording_not_found",
                           v->error_message[0] ? v->error_message : "the provider has no such recording");
    if (v->answer == ANSWER_FAILED) {
        char ra[24];
        snprintf(ra, sizeof(ra), "%" PRId64, (v->retry_after_ms + 999) / 1000);
        json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", "upstream_failed", "message",
                                 v->error_message[0] ? v->error_message : "fetching the recording failed");
        struct MHD_Response *resp = reply_json_response(body);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        add_wait_header(resp, req);
        return reply_queue(h, conn, req, 502, resp);
    }
    const char *status = run_status_name(v->run.status);
    int64_t retry_ms = v->run.status == RUN_RUNNING ? 1000 : 2000;
    json_t *body = json_pack("{s:s,s:s,s:i,s:I,s:I,s:I}", "call_sid", req->call_sid, "status", status,
                             "attempt", v->run.attempt, "bytes_done", (json_int_t)v->run.bytes_done,
                             "bytes_total", (json_int_t)v->run.bytes_total, "retry_after_ms",
                             (json_int_t)retry_ms);
    struct MHD_Response *resp = reply_json_response(body);
    char ra[24];
    snprintf(ra, sizeof(ra), "%" PRId64, retry_ms / 1000);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    MHD_add_response_header(resp, "Recording-Status", status);
    if (v->layer != DEDUP_NONE)
        MHD_add_response_header(resp, "Recording-Dedup", dedup_layer_name(v->layer));
    add_wait_header(resp, req);
    return reply_queue(h, conn, req, 202, resp);
}

enum MHD_Result stream_handle(const struct http_ctx *h, struct MHD_Connection *conn,
                              struct request *req)
{
    enum MHD_Result result = MHD_NO;
    if (!req->stream_started && !stream_start(h, conn, req, &result))
        return result;
    struct cache_entry e;
    if (cache_index_get(h->cache, req->call_sid, &e) && try_serve(h, conn, req, &e, &result))
        return result;
    /* A few rounds: a file may vanish under us, or a run end between checks. */
    for (int round = 0; round < 3; round++) {
        struct run_view v;
        if (run_ensure(h->runs, req->call_sid, &v) != RECD_OK)
            return reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable; try again");
        if (v.answer == ANSWER_READY) {
            if (try_serve(h, conn, req, &v.entry, &result))
                return result;
            continue;
        }
        bool hold = v.answer == ANSWER_ACTIVE && round < 2 && req->hold_deadline > clock_mono_ms();
        if (!hold)
            return stream_reply_run(h, conn, req, &v);
        if (waiters_hold(h->waiters, &req->waiter, conn, req->call_sid, req->hold_deadline))
            return MHD_YES; /* suspended: called again when resumed */
        if (cache_index_get(h->cache, req->call_sid, &e) && try_serve(h, conn, req, &e, &result))
            return result;
    }
    return reply_error(h, conn, req, 503, "busy", "the recording changed state repeatedly; try again");
}
