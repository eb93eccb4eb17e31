/* SPDX-License-Identifier: MIT */
/*
 * webhook.c — Twilio's recording status callback. The X-Twilio-Signature
 * is checked before anything is read from the form: a bad or missing
 * signature is 403 and changes nothing. A completed recording is
 * registered with its media URL, so fetching it later skips the listing.
 */
#include "http/api.h"
#include "http/reply.h"
#include "proto/form.h"
#include "proto/sid.h"
#include "proto/twilio_sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The URL Twilio signed: --public-url + path, else http://Host + path. */
static bool signed_url(const struct http_ctx *h, struct MHD_Connection *conn, const char *path,
                       char *out, size_t len)
{
    const char *base = h->cfg->public_url;
    if (base && base[0]) {
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
            n--;
        return (size_t)snprintf(out, len, "%.*s%s", (int)n, base, path) < len;
    }
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    return host && (size_t)snprintf(out, len, "http://%s%s", host, path) < len;
}

static void fill_recording(const struct form_pair *pairs, size_t n, struct store_recording *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->duration_s = -1;
    recd_strlcpy(rec->call_sid, form_get(pairs, n, "CallSid"), sizeof(rec->call_sid));
    const char *rsid = form_get(pairs, n, "RecordingSid");
    if (rsid && sid_valid(rsid))
        recd_strlcpy(rec->recording_sid, rsid, sizeof(rec->recording_sid));
    const char *media = form_get(pairs, n, "RecordingUrl");
    if (media && (strncmp(media, "https://", 8) == 0 || strncmp(media, "http://", 7) == 0))
        recd_strlcpy(rec->media_url, media, sizeof(rec->media_url));
    recd_strlcpy(rec->provider, "twilio", sizeof(rec->provider));
    const char *dur = form_get(pairs, n, "RecordingDuration");
    char *end = NULL;
    double d = dur ? strtod(dur, &end) : -1;
    if (dur && end && *end == '\0' && d >= 0)
        rec->duration_s = d;
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
    char full[2048];
    const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Twilio-Signature");
    enum MHD_Result r;
    if (!signed_url(h, conn, url, full, sizeof(full)) || !twilio_signature_valid(token, full, pairs, n, sig)) {
        r = reply_error(h, conn, req, 403, "invalid_signature", "X-Twilio-Signature does not match");
        goto out;
    }
    const char *call_sid = form_get(pairs, n, "CallSid");
    if (!call_sid || !sid_valid(call_sid)) {
        r = reply_error(h, conn, req, 400, "invalid_call_sid", "CallSid must match ^[A-Za-z0-9_-]{1,64}$");
        goto out;
    }
    const char *status = form_get(pairs, n, "RecordingStatus");
    bool completed = status && strcmp(status, "completed") == 0;
    if (completed) {
        struct store_recording *rec = xmalloc(sizeof(*rec));
        fill_recording(pairs, n, rec);
        recd_err rc = store_upsert_recording(h->store, rec);
        free(rec);
        if (rc != RECD_OK) {
            r = rc == RECD_EINVAL ? reply_error(h, conn, req, 400, "invalid_form", "the recording fields are not valid text")
                                  : reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
            goto out;
        }
    }
    r = reply_json(h, conn, req, 200, json_pack("{s:s,s:b}", "call_sid", call_sid, "registered", completed));
out:
    form_free(pairs, n);
    return r;
}
