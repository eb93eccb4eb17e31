/* SPDX-License-Identifier: MIT */
/*
 * stream.c — the /stream endpoint. The hot path for a cached recording is
 * cache index → open file cache (http/filecache.h) → a shared, ready-made
 * response sent with sendfile: no store query, no open, no copy.
 * Everything else goes through run_ensure. A held request is suspended here and answered when the
 * access handler is called again after its waiter was resumed.
 */
#include "http/stream.h"
#include "http/filecache.h"
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
        req->wait_applied_s = wait < req->live->max_wait_s ? wait : req->live->max_wait_s;
        if (req->wait_applied_s > 0)
            req->hold_deadline = clock_mono_ms() + (int64_t)req->wait_applied_s * 1000;
    }
    req->stream_started = true;
    return true;
}

/* A response of its own (a range, or a header only this request gets)
 * sharing the open file through a dup'ed fd. */
static struct MHD_Response *file_response(const struct open_recording *r, int64_t offset,
                                          int64_t len, const struct request *req)
{
    int fd = dup(r->fd);
    if (fd < 0)
        return NULL;
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64((uint64_t)len, fd, (uint64_t)offset);
    if (!resp) {
        close(fd);
        return NULL;
    }
    filecache_add_headers(r, resp);
    add_wait_header(resp, req);
    return resp;
}

static enum MHD_Result reply_unsatisfiable(const struct http_ctx *h, struct MHD_Connection *conn,
                                           struct request *req, int64_t size)
{
    char cr[64];
    snprintf(cr, sizeof(cr), "bytes */%" PRId64, size);
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", "range_not_satisfiable",
                             "message", "the range starts beyond the end of the recording");
    struct MHD_Response *resp = reply_json_response(body);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    return reply_queue(h, conn, req, 416, resp);
}

/* Plays are remembered for LRU eviction; once a second per recording is
 * plenty and keeps the index lock off the hot path. */
static void note_play(const struct http_ctx *h, const struct cache_entry *e)
{
    int64_t now = clock_now_ms();
    if (now - e->last_played_ms >= 1000)
        cache_index_touch(h->cache, e->call_sid, now);
}

static enum MHD_Result serve_file(const struct http_ctx *h, struct MHD_Connection *conn,
                                  struct request *req, const struct open_recording *r)
{
    const char *inm = header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct byte_range br = { 0, r->size - 1 };
    enum range_result rr = range_parse(header(conn, MHD_HTTP_HEADER_RANGE), r->size, &br);
    if ((rr == RANGE_OK || rr == RANGE_UNSATISFIABLE) &&
        !cond_if_range(header(conn, MHD_HTTP_HEADER_IF_RANGE), r->etag, r->mtime_ms))
        rr = RANGE_NONE;

    if (inm && cond_if_none_match(inm, r->etag)) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        filecache_add_headers(r, resp);
        add_wait_header(resp, req);
        return reply_queue(h, conn, req, 304, resp);
    }
    if (rr == RANGE_UNSATISFIABLE)
        return reply_unsatisfiable(h, conn, req, r->size);
    bool partial = rr == RANGE_OK;
    int64_t len = partial ? br.end - br.start + 1 : r->size;
    log_event(LOG_DEBUG, "STREAM_SERVE", LF_S("call_sid", req->call_sid), LF_I("status", partial ? 206 : 200),
              LF_I("bytes", len));
    /* Only HEAD shares the ready-made response: libmicrohttpd sends a
     * file body under the response's mutex, so a body shared by many
     * connections would be sent by one of them at a time. */
    if (!partial && req->head && req->wait_applied_s < 0)
        return reply_queue_shared(h, conn, req, 200, r->full);
    struct MHD_Response *resp = file_response(r, partial ? br.start : 0, len, req);
    if (!resp)
        return reply_error(h, conn, req, 503, "busy", "cannot create a response; try again");
    if (partial) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %" PRId64 "-%" PRId64 "/%" PRId64, br.start, br.end, r->size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    return reply_queue(h, conn, req, partial ? 206 : 200, resp);
}

/* Serve e if its file is there; false if it vanished (index entry dropped). */
static bool try_serve(const struct http_ctx *h, struct MHD_Connection *conn, struct request *req,
                      const struct cache_entry *e, enum MHD_Result *presult)
{
    struct open_recording *r = NULL;
    if (filecache_acquire(h->files, h->cache, e, &r) != RECD_OK) {
        recd_err rc = store_mark_evicted(h->store, e->call_sid);
        log_event(LOG_WARN, "CACHE_VANISHED", LF_S("call_sid", e->call_sid),
                  LF_S("store", recd_strerror(rc)));
        return false;
    }
    note_play(h, e);
    *presult = serve_file(h, conn, req, r);
    filecache_release(h->files, r);
    return true;
}

/* A failure the provider explained keeps its own code (an encrypted
 * recording, media that is not audio, one still processing at
 * --pending-timeout); others are the generic upstream_failed. */
static const char *failed_code(const struct run_view *v)
{
    static const char *const own[] = { "recording_encrypted", "recording_not_audio",
                                       "recording_pending_timeout" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(own); i++)
        if (strcmp(v->error_code, own[i]) == 0)
            return own[i];
    return "upstream_failed";
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
        json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", failed_code(v), "message",
                                 v->error_message[0] ? v->error_message : "fetching the recording failed");
        struct MHD_Response *resp = reply_json_response(body);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        add_wait_header(resp, req);
        return reply_queue(h, conn, req, 502, resp);
    }
    /* Pending: the provider is still processing the recording (SPEC §3). */
    const char *status = v->run.pending ? "pending" : run_status_name(v->run.status);
    int64_t retry_ms = v->run.pending ? 5000 : v->run.status == RUN_RUNNING ? 1000 : 2000;
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
