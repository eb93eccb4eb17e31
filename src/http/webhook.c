/* SPDX-License-Identifier: MIT */
/*
 * webhook.c — Twilio's recording status callback (SPEC §2, §3).
 *
 * The X-Twilio-Signature is checked before anything is read from the form,
 * over the URL exactly as Twilio built it: the configured public base
 * (--public-url, else http://Host) plus the request target as received,
 * query string included, in every spelling Twilio's helpers accept (with
 * and without the port; proto/twilio_url.h). A bad or missing signature is
 * 403 and changes nothing.
 *
 * Then the provider's own word wins (run_provider_event): "completed"
 * registers the recording, clears a remembered 404 or failure cool-down,
 * makes a pending run due at once and retires a cached file of another
 * recording sid; "absent"/"failed" end the run as recording_not_found.
 * Conference recordings (no CallSid) are acknowledged and ignored; other
 * statuses ("in-progress") are acknowledged.
 */
#include "http/api.h"
#include "http/filecache.h"
#include "http/reply.h"
#include "proto/form.h"
#include "proto/sid.h"
#include "proto/twilio_sig.h"
#include "proto/twilio_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The public base Twilio was given: --public-url, else http://Host. */
static bool public_base(const struct http_ctx *h, struct MHD_Connection *conn, char *out,
                        size_t len)
{
    const char *base = h->cfg->public_url;
    if (base && base[0])
        return recd_strlcpy(out, base, len);
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    return host && (size_t)snprintf(out, len, "http://%s", host) < len;
}

static bool signature_ok(const struct http_ctx *h, struct MHD_Connection *conn,
                         const struct request *req, const char *path, const struct form_pair *pairs,
                         size_t n)
{
    char base[1024];
    struct twilio_urls urls = { 0 };
    const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Twilio-Signature");
    /* The target as received carries the query string; the path is a fallback. */
    const char *target = req->target ? req->target : path;
    bool ok = sig && public_base(h, conn, base, sizeof(base)) &&
              twilio_urls_build(base, target, &urls) == RECD_OK &&
              twilio_request_valid(req->live->twilio_auth_token, &urls, pairs, n, sig);
    twilio_urls_free(&urls);
    return ok;
}

static double duration_of(const char *s)
{
    char *end = NULL;
    double d = s ? strtod(s, &end) : -1;
    return s && end != s && end && *end == '\0' && d >= 0 ? d : -1;
}

/* The callback as a store event; false for a status that changes nothing. */
static bool event_of(const struct form_pair *pairs, size_t n, const char *call_sid,
                     struct store_event *ev, char *reason, size_t reason_len)
{
    const char *status = form_get(pairs, n, "RecordingStatus");
    const char *rsid = form_get(pairs, n, "RecordingSid");
    const char *media = form_get(pairs, n, "RecordingUrl");
    memset(ev, 0, sizeof(*ev));
    if (!status)
        return false;
    if (strcmp(status, "completed") == 0)
        ev->kind = STORE_EVENT_COMPLETED;
    else if (strcmp(status, "absent") == 0 || strcmp(status, "failed") == 0)
        ev->kind = STORE_EVENT_ABSENT;
    else
        return false;
    ev->call_sid = call_sid;
    ev->recording_sid = rsid && sid_valid(rsid) ? rsid : "";
    ev->media_url =
        media && (strncmp(media, "https://", 8) == 0 || strncmp(media, "http://", 7) == 0) ? media
                                                                                           : "";
    ev->provider = "twilio";
    ev->duration_s = duration_of(form_get(pairs, n, "RecordingDuration"));
    const char *code = form_get(pairs, n, "ErrorCode");
    snprintf(reason, reason_len, "Twilio's recording status callback says \"%s\"%s%.16s", status,
             code && code[0] ? ", error code " : "", code && code[0] ? code : "");
    ev->reason = reason;
    return true;
}

static enum MHD_Result on_event(const struct http_ctx *h, struct MHD_Connection *conn,
                                struct request *req, const struct store_event *ev,
                                const char *status)
{
    struct store_event_result res;
    recd_err rc = run_provider_event(h->runs, ev, &res);
    if (rc == RECD_EINVAL)
        return reply_error(h, conn, req, 400, "invalid_form", "the recording fields are not valid");
    if (rc != RECD_OK)
        return reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
    if (res.retired)
        filecache_drop(h->files, ev->call_sid);
    if (res.retired || res.cleared || res.woke_run || res.ended_run)
        waiters_wake(h->waiters, ev->call_sid);
    return reply_json(h, conn, req, 200,
                      json_pack("{s:s,s:s,s:b,s:b,s:b,s:b,s:b}", "call_sid", ev->call_sid, "status",
                                status, "registered", res.registered, "cleared", res.cleared,
                                "woke_run", res.woke_run, "ended_run", res.ended_run, "retired",
                                res.retired));
}

enum MHD_Result webhook_twilio(const struct http_ctx *h, struct MHD_Connection *conn,
                               struct request *req, const char *url)
{
    const char *token = req->live->twilio_auth_token;
    if (!token || !token[0])
        return reply_error(h, conn, req, 403, "webhook_disabled",
                           "no Twilio auth token is configured, so signatures cannot be verified");
    struct form_pair *pairs = NULL;
    size_t n = 0;
    if (form_parse(req->body ? req->body : "", req->body_len, &pairs, &n) != RECD_OK)
        return reply_error(h, conn, req, 400, "invalid_form", "the body is not valid form data");
    enum MHD_Result r;
    if (!signature_ok(h, conn, req, url, pairs, n)) {
        r = reply_error(h, conn, req, 403, "invalid_signature",
                        "X-Twilio-Signature does not match");
        goto out;
    }
    const char *call_sid = form_get(pairs, n, "CallSid");
    if (!call_sid || !call_sid[0]) {
        /* A conference recording: not a call's, nothing for recd to fetch. */
        r = reply_json(
            h, conn, req, 200,
            json_pack("{s:b,s:s}", "ignored", 1, "reason", "no CallSid (a conference recording)"));
        goto out;
    }
    if (!sid_valid(call_sid)) {
        r = reply_error(h, conn, req, 400, "invalid_call_sid",
                        "CallSid must match ^[A-Za-z0-9_-]{1,64}$");
        goto out;
    }
    struct store_event ev;
    char reason[160];
    if (!event_of(pairs, n, call_sid, &ev, reason, sizeof(reason))) {
        r = reply_json(h, conn, req, 200,
                       json_pack("{s:s,s:b}", "call_sid", call_sid, "registered", 0));
        goto out;
    }
    r = on_event(h, conn, req, &ev, form_get(pairs, n, "RecordingStatus"));
out:
    form_free(pairs, n);
    return r;
}
