/* SPDX-License-Identifier: MIT */
/*
 * api.c — JSON endpoints over the store. Read endpoints go straight to the
 * store; the fetch endpoint takes the same dedup path as /stream; the
 * waveform (/peaks) lives in peaks.c.
 */
#include "http/api.h"
#include "http/reply.h"
#include "http/stream.h"
#include "model/recording_json.h"
#include "proto/num.h"
#include "proto/sid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGISTER_ITEMS 1000

static const char *arg(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

/* 0..1 from the memory layer's progress for active runs; -1 = null. */
static double progress_of(const struct http_ctx *h, const struct store_recording *rec)
{
    if (rec->state == REC_READY)
        return 1.0;
    if (rec->state != REC_QUEUED && rec->state != REC_RUNNING)
        return -1;
    struct flight_info fi;
    if (flight_peek(runs_flight(h->runs), rec->call_sid, &fi, NULL) && fi.bytes_total > 0)
        return (double)fi.bytes_done / (double)fi.bytes_total;
    return 0.0;
}

struct list_ctx {
    const struct http_ctx *h;
    json_t *items;
};

static bool add_item(const struct store_recording *rec, void *arg_)
{
    struct list_ctx *lc = arg_;
    json_array_append_new(lc->items, recording_json_item_new(rec, progress_of(lc->h, rec)));
    return true;
}

static enum MHD_Result list_recordings(const struct http_ctx *h, struct MHD_Connection *conn,
                                       struct request *req)
{
    struct recording_filter f = { .limit = 50 };
    const char *status = arg(conn, "status"), *limit = arg(conn, "limit"), *q = arg(conn, "q");
    if (status && status[0]) {
        f.has_state = rec_state_parse(strcmp(status, "fetching") == 0 ? "running" : status, &f.state);
        if (!f.has_state)
            return reply_error(h, conn, req, 400, "invalid_status",
                               "status must be one of remote, queued, running, ready, failed, missing");
    }
    if (limit && !num_parse_int(limit, 1, 500, &f.limit))
        return reply_error(h, conn, req, 400, "invalid_limit", "limit must be an integer from 1 to 500");
    if (q && q[0]) {
        if (!sid_valid(q))
            return reply_error(h, conn, req, 400, "invalid_query", "q must be part of a call_sid");
        f.q = q;
    }
    const char *cursor = arg(conn, "cursor");
    f.cursor = cursor && cursor[0] ? cursor : NULL;
    struct list_ctx lc = { .h = h, .items = json_array() };
    char next[160] = "";
    recd_err rc = store_list_recordings(h->store, &f, add_item, &lc, next, sizeof(next));
    if (rc != RECD_OK) {
        json_decref(lc.items);
        if (rc == RECD_EINVAL)
            return reply_error(h, conn, req, 400, "invalid_cursor", "cursor is not one this server gave");
        return reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
    }
    return reply_json(h, conn, req, 200,
                      json_pack("{s:o,s:o}", "items", lc.items, "next_cursor",
                                next[0] ? json_string(next) : json_null()));
}

static bool add_run(const struct store_run *run, void *arg_)
{
    struct list_ctx *lc = arg_;
    struct store_run copy = *run;
    struct flight_info fi;
    /* The row is written every lease/3; memory has the live byte count. */
    if ((run->status == RUN_RUNNING || run->status == RUN_QUEUED) &&
        flight_peek(runs_flight(lc->h->runs), run->call_sid, &fi, NULL) && fi.run_id == run->id) {
        copy.bytes_done = fi.bytes_done;
        copy.bytes_total = fi.bytes_total;
    }
    json_array_append_new(lc->items, recording_json_run_new(&copy));
    return true;
}

/* "/api/recordings/{sid}[/fetch]" → sid, validated. */
static bool sid_from_url(const char *url, char *sid, size_t len)
{
    const char *start = url + strlen("/api/recordings/");
    const char *slash = strchr(start, '/');
    size_t n = slash ? (size_t)(slash - start) : strlen(start);
    if (n >= len || !sid_valid_n(start, n))
        return false;
    memcpy(sid, start, n);
    sid[n] = '\0';
    return true;
}

static enum MHD_Result get_recording(const struct http_ctx *h, struct MHD_Connection *conn,
                                     struct request *req, const char *sid)
{
    struct store_recording *rec = xmalloc(sizeof(*rec));
    recd_err rc = store_get_recording(h->store, sid, rec);
    enum MHD_Result r;
    if (rc == RECD_ENOTFOUND) {
        r = reply_error(h, conn, req, 404, "not_found", "no recording with this call_sid is registered");
    } else if (rc != RECD_OK) {
        r = reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
    } else {
        json_t *item = recording_json_item_new(rec, progress_of(h, rec));
        struct list_ctx lc = { .h = h, .items = json_array() };
        struct run_filter f = { .call_sid = sid, .limit = 50 };
        if (store_list_runs(h->store, &f, add_run, &lc) != RECD_OK) {
            json_decref(lc.items);
            json_decref(item);
            r = reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
        } else {
            json_object_set_new(item, "runs", lc.items);
            r = reply_json(h, conn, req, 200, item);
        }
    }
    free(rec);
    return r;
}

static enum MHD_Result register_recordings(const struct http_ctx *h, struct MHD_Connection *conn,
                                           struct request *req)
{
    json_error_t jerr;
    json_t *doc = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!doc)
        return reply_error(h, conn, req, 400, "invalid_json", "the body must be a JSON object or array");
    json_t *list = json_is_array(doc) ? json_incref(doc) : json_pack("[O]", doc);
    json_decref(doc);
    size_t n = json_array_size(list);
    enum MHD_Result r;
    struct store_recording *recs = n ? xcalloc(n, sizeof(*recs)) : NULL;
    char err[200], msg[256];
    for (size_t i = 0; i < n; i++) {
        if (recording_json_parse(json_array_get(list, i), &recs[i], err, sizeof(err)) != RECD_OK) {
            snprintf(msg, sizeof(msg), "item %zu: %s", i, err);
            r = reply_error(h, conn, req, 400, "invalid_recording", msg);
            goto out;
        }
    }
    if (n == 0 || n > MAX_REGISTER_ITEMS) {
        r = reply_error(h, conn, req, 400, "invalid_recording", "send between 1 and 1000 recordings");
        goto out;
    }
    json_t *sids = json_array();
    for (size_t i = 0; i < n; i++) {
        recd_err rc = store_upsert_recording(h->store, &recs[i]);
        if (rc != RECD_OK) {
            json_decref(sids);
            snprintf(msg, sizeof(msg), "item %zu: the store refused its text (not valid UTF-8?)", i);
            r = rc == RECD_EINVAL ? reply_error(h, conn, req, 400, "invalid_recording", msg)
                                  : reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
            goto out;
        }
        json_array_append_new(sids, json_string(recs[i].call_sid));
    }
    r = reply_json(h, conn, req, 200, json_pack("{s:I,s:o}", "registered", (json_int_t)n, "call_sids", sids));
out:
    free(recs);
    json_decref(list);
    return r;
}

static enum MHD_Result fetch_recording(const struct http_ctx *h, struct MHD_Connection *conn,
                                       struct request *req, const char *sid)
{
    recd_strlcpy(req->call_sid, sid, sizeof(req->call_sid));
    struct run_view v;
    if (run_ensure(h->runs, sid, &v) != RECD_OK)
        return reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
    if (v.answer == ANSWER_READY)
        return reply_json(h, conn, req, 200, json_pack("{s:s,s:s}", "call_sid", sid, "status", "ready"));
    return stream_reply_run(h, conn, req, &v);
}

static enum MHD_Result list_runs(const struct http_ctx *h, struct MHD_Connection *conn,
                                 struct request *req)
{
    struct run_filter f = { .limit = 100 };
    const char *status = arg(conn, "status"), *limit = arg(conn, "limit"), *sid = arg(conn, "call_sid");
    if (status && status[0] && !(f.has_status = run_status_parse(status, &f.status)))
        return reply_error(h, conn, req, 400, "invalid_status",
                           "status must be one of queued, running, completed, failed");
    if (limit && !num_parse_int(limit, 1, 1000, &f.limit))
        return reply_error(h, conn, req, 400, "invalid_limit", "limit must be an integer from 1 to 1000");
    if (sid && sid[0]) {
        if (!sid_valid(sid))
            return reply_error(h, conn, req, 400, "invalid_call_sid", "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
        f.call_sid = sid;
    }
    struct list_ctx lc = { .h = h, .items = json_array() };
    if (store_list_runs(h->store, &f, add_run, &lc) != RECD_OK) {
        json_decref(lc.items);
        return reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
    }
    return reply_json(h, conn, req, 200, json_pack("{s:o}", "items", lc.items));
}

enum MHD_Result api_handle(const struct http_ctx *h, struct MHD_Connection *conn,
                           struct request *req, const char *url, const char *method)
{
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    char sid[RECD_SID_MAX + 1];
    switch (req->route) {
    case ROUTE_API_RECORDINGS:
        if (get)
            return list_recordings(h, conn, req);
        if (post)
            return register_recordings(h, conn, req);
        return reply_method_not_allowed(h, conn, req, "GET, HEAD, POST");
    case ROUTE_API_RECORDING:
    case ROUTE_API_FETCH:
        if (!sid_from_url(url, sid, sizeof(sid)))
            return reply_error(h, conn, req, 400, "invalid_call_sid", "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
        if (req->route == ROUTE_API_FETCH)
            return post ? fetch_recording(h, conn, req, sid) : reply_method_not_allowed(h, conn, req, "POST");
        return get ? get_recording(h, conn, req, sid) : reply_method_not_allowed(h, conn, req, "GET, HEAD");
    case ROUTE_API_PEAKS:
        if (!sid_from_url(url, sid, sizeof(sid)))
            return reply_error(h, conn, req, 400, "invalid_call_sid", "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
        return get ? api_peaks(h, conn, req, sid) : reply_method_not_allowed(h, conn, req, "GET, HEAD");
    case ROUTE_API_RUNS:
        return get ? list_runs(h, conn, req) : reply_method_not_allowed(h, conn, req, "GET, HEAD");
    case ROUTE_WEBHOOK:
        return post ? webhook_twilio(h, conn, req, url) : reply_method_not_allowed(h, conn, req, "POST");
    default:
        return reply_error(h, conn, req, 404, "not_found", "no such endpoint");
    }
}

enum MHD_Result api_metrics(const struct http_ctx *h, struct MHD_Connection *conn, struct request *req)
{
    struct metrics_gauges g = { .cache_bytes = cache_total_bytes(h->cache),
                                .held_requests = waiters_count(h->waiters) };
    if (store_count_runs(h->store, g.runs) != RECD_OK)
        memset(g.runs, 0, sizeof(g.runs));
    char *text = metrics_render_dup(h->metrics, &g);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4");
    return reply_queue(h, conn, req, 200, resp);
}
