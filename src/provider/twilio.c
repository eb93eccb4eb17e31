/* SPDX-License-Identifier: MIT */
/*
 * twilio.c — the Twilio backend: find a call's recording and download it.
 *
 * Resolution order: a known media_url (webhook RecordingUrl, extension
 * added), else a known recording_sid (registered, or chosen by an earlier
 * attempt of the run), else the call's recording list, read through every
 * page (next_page_uri), where the newest "completed" recording by
 * date_created wins (the list order is not trusted). No completed one but
 * one still in progress or processing is RECD_EPENDING (not a failure:
 * the run waits); an encrypted one (encryption_details) is refused. Only
 * URLs under the account's recordings on the api_base origin get the
 * account's Basic credentials.
 *
 * Threads: works on one fetch_job, on the caller's thread.
 */
#include "provider/download.h"

#include "proto/sid.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LISTING_MAX_BYTES (1024 * 1024) /* per page */
#define LISTING_MAX_PAGES 100           /* 5,000 recordings at Twilio's default page size */

/* ---- RFC 2822 dates ------------------------------------------------- */

/* Parse 1..maxd digits into *v; advances *pp. */
static bool digits(const char **pp, int mind, int maxd, int *v)
{
    const char *p = *pp;
    int n = 0, val = 0;
    while (n < maxd && isdigit((unsigned char)p[n])) {
        val = val * 10 + (p[n] - '0');
        n++;
    }
    if (n < mind)
        return false;
    *v = val;
    *pp = p + n;
    return true;
}

static bool spaces(const char **pp)
{
    const char *p = *pp;
    while (*p == ' ')
        p++;
    bool any = p != *pp;
    *pp = p;
    return any;
}

static int month_of(const char *p)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, names[i], 3) == 0)
            return i + 1;
    return 0;
}

/* "+0200", "-0530", "GMT", "UT", "UTC", "Z" → offset east of UTC in seconds. */
static bool zone(const char *p, int *poffset)
{
    if (strcmp(p, "GMT") == 0 || strcmp(p, "UT") == 0 || strcmp(p, "UTC") == 0 ||
        strcmp(p, "Z") == 0) {
        *poffset = 0;
        return true;
    }
    if ((p[0] != '+' && p[0] != '-') || strlen(p) != 5)
        return false;
    const char *q = p + 1;
    int hhmm;
    if (!digits(&q, 4, 4, &hhmm) || hhmm % 100 > 59)
        return false;
    *poffset = (p[0] == '-' ? -1 : 1) * ((hhmm / 100) * 3600 + (hhmm % 100) * 60);
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int64_t twilio_parse_date(const char *s)
{
    const char *p = s;
    int day, year, hh, mm, ss = 0, month, offset;
    char tz[8];
    if (!s)
        return -1;
    spaces(&p);
    if (isalpha((unsigned char)*p)) { /* optional "Tue," */
        while (isalpha((unsigned char)*p))
            p++;
        if (*p++ != ',')
            return -1;
        spaces(&p);
    }
    if (!digits(&p, 1, 2, &day) || !spaces(&p))
        return -1;
    month = month_of(p);
    if (month == 0 || isalpha((unsigned char)p[3]))
        return -1;
    p += 3;
    if (!spaces(&p) || !digits(&p, 4, 4, &year) || !spaces(&p))
        return -1;
    if (!digits(&p, 2, 2, &hh) || *p++ != ':' || !digits(&p, 2, 2, &mm))
        return -1;
    if (*p == ':') {
        p++;
        if (!digits(&p, 2, 2, &ss))
            return -1;
    }
    if (!spaces(&p))
        return -1;
    size_t n = strcspn(p, " ");
    if (n == 0 || n >= sizeof(tz))
        return -1;
    memcpy(tz, p, n);
    tz[n] = '\0';
    p += n;
    spaces(&p);
    if (*p || !zone(tz, &offset) || day < 1 || day > days_in_month(year, month) || hh > 23 ||
        mm > 59 || ss > 60)
        return -1;
    int64_t secs = days_from_civil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss;
    return (secs - offset) * 1000;
}

/* ---- the listing ---------------------------------------------------- */

static double duration_of(const json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    return (end == s || *end || errno != 0 || d < 0) ? -1 : d;
}

/* Twilio statuses of a recording that will become "completed" later. */
static bool still_coming(const char *status)
{
    static const char *const states[] = {"in-progress", "paused", "stopped", "processing"};
    for (size_t i = 0; i < RECD_ARRAY_LEN(states); i++)
        if (strcmp(status, states[i]) == 0)
            return true;
    return false;
}

void twilio_pick_init(struct twilio_pick *pk)
{
    memset(pk, 0, sizeof(*pk));
    pk->best_at = -2;
    pk->duration_s = -1;
}

/* The page's "next_page_uri" (relative to api_base) into next, "" at the end. */
static recd_err next_page(const json_t *root, char *next, size_t nextlen,
                          struct provider_result *out)
{
    const json_t *v = json_object_get(root, "next_page_uri");
    next[0] = '\0';
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return RECD_OK;
    if (!json_is_string(v) || json_string_value(v)[0] != '/' ||
        !recd_strlcpy(next, json_string_value(v), nextlen))
        return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                             "recording list: next_page_uri is not a path on the API");
    return RECD_OK;
}

static void consider(struct twilio_pick *pk, const json_t *r)
{
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *sid = json_string_value(json_object_get(r, "sid"));
    if (!status || !sid_valid(sid))
        return;
    if (strcmp(status, "completed") != 0) {
        if (still_coming(status) && !pk->coming) {
            pk->coming = true;
            recd_strlcpy(pk->coming_status, status, sizeof(pk->coming_status));
        }
        return;
    }
    int64_t at = twilio_parse_date(json_string_value(json_object_get(r, "date_created")));
    if (at <= pk->best_at) /* ties keep the first seen; unparsable dates lose */
        return;
    pk->best_at = at;
    recd_strlcpy(pk->sid, sid, sizeof(pk->sid));
    pk->duration_s = duration_of(json_object_get(r, "duration"));
    /* Voice Recording Encryption: the media is ciphertext, not audio. */
    const json_t *enc = json_object_get(r, "encryption_details");
    pk->encrypted = enc && !json_is_null(enc);
}

recd_err twilio_pick_page(struct twilio_pick *pk, const char *json, size_t len, char *next,
                          size_t nextlen, struct provider_result *out)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    json_t *list = json_object_get(root, "recordings");
    recd_err err = RECD_OK;

    next[0] = '\0';
    if (!json_is_array(list)) {
        err = download_fail(out, RECD_EUPSTREAM, "upstream_error",
                            "recording list is not the expected JSON: %s",
                            root ? "no \"recordings\" array" : jerr.text);
        goto out;
    }
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r)
        consider(pk, r);
    err = next_page(root, next, nextlen, out);
out:
    json_decref(root);
    return err;
}

recd_err twilio_pick_finish(const struct twilio_pick *pk, struct provider_result *out)
{
    if (!pk->sid[0] && pk->coming)
        return download_fail(out, RECD_EPENDING, "recording_pending",
                             "Twilio lists the call's recording as %s: not ready yet",
                             pk->coming_status);
    if (!pk->sid[0])
        return download_fail(out, RECD_ENOTFOUND, "recording_not_found",
                             "the call has no completed recording");
    recd_strlcpy(out->recording_sid, pk->sid, sizeof(out->recording_sid));
    out->duration_s = pk->duration_s;
    if (pk->encrypted)
        return download_fail(out, RECD_EUPSTREAM_PERM, "recording_encrypted",
                             "recording %s is encrypted (Twilio Voice Recording Encryption): "
                             "recd cannot serve it as audio", pk->sid);
    return RECD_OK;
}

recd_err twilio_pick(const char *json, size_t len, struct provider_result *out)
{
    struct twilio_pick pk;
    char next[2048];
    twilio_pick_init(&pk);
    recd_err err = twilio_pick_page(&pk, json, len, next, sizeof(next), out);
    if (err == RECD_EUPSTREAM)
        return err; /* malformed */
    out->error_code[0] = out->error_message[0] = '\0'; /* one page: its next is ignored */
    return twilio_pick_finish(&pk, out);
}

static struct download_auth account_auth(const struct provider_config *cfg)
{
    struct download_auth a = {
        .basic_user = cfg->twilio_account_sid,
        .basic_password = cfg->twilio_auth_token,
    };
    return a;
}

/* One page of the listing into memory and into pk; next = its next page. */
static recd_err list_page(struct fetch_job *j, const char *url, struct twilio_pick *pk, char *next,
                          size_t nextlen)
{
    char *body = NULL;
    size_t len = 0;
    struct download_req req;

    download_req_init(&req, j, url, "recording list");
    req.auth = account_auth(j->cfg);
    req.max_bytes = 0; /* the media limit is not the listing's: it has its own */
    recd_err err = download_to_mem(j->h, &req, LISTING_MAX_BYTES, &body, &len, j->out);
    if (err == RECD_OK)
        err = twilio_pick_page(pk, body, len, next, nextlen, j->out);
    free(body);
    return err;
}

/* Every page (next_page_uri), then the newest completed recording. */
static recd_err list_recordings(struct fetch_job *j)
{
    const struct provider_config *cfg = j->cfg;
    char url[2048], next[2048];
    struct twilio_pick pk;
    recd_err err = RECD_OK;

    twilio_pick_init(&pk);
    int n = snprintf(url, sizeof(url), "%s/2010-04-01/Accounts/%s/Calls/%s/Recordings.json",
                     cfg->twilio_api_base, cfg->twilio_account_sid, j->rec->call_sid);
    if (n < 0 || (size_t)n >= sizeof(url))
        return download_fail(j->out, RECD_EUPSTREAM_PERM, "upstream_error",
                             "recording list URL too long");
    for (int page = 0; err == RECD_OK; page++) {
        if (page == LISTING_MAX_PAGES)
            return download_fail(j->out, RECD_EUPSTREAM_PERM, "upstream_error",
                                 "recording list longer than %d pages", LISTING_MAX_PAGES);
        err = list_page(j, url, &pk, next, sizeof(next));
        if (err != RECD_OK || !next[0])
            break;
        n = snprintf(url, sizeof(url), "%s%s", cfg->twilio_api_base, next);
        if (n < 0 || (size_t)n >= sizeof(url))
            return download_fail(j->out, RECD_EUPSTREAM_PERM, "upstream_error",
                                 "recording list page URL too long");
    }
    return err == RECD_OK ? twilio_pick_finish(&pk, j->out) : err;
}

/* The download URL of a recording we know by sid. */
static recd_err media_url_of(struct fetch_job *j, const char *recording_sid)
{
    const struct provider_config *cfg = j->cfg;
    int n = snprintf(j->out->media_url, sizeof(j->out->media_url),
                     "%s/2010-04-01/Accounts/%s/Recordings/%s.%s", cfg->twilio_api_base,
                     cfg->twilio_account_sid, recording_sid, j->format);
    if (n < 0 || (size_t)n >= sizeof(j->out->media_url))
        return download_fail(j->out, RECD_EUPSTREAM_PERM, "upstream_error",
                             "media URL too long");
    return RECD_OK;
}

/* The account's credentials go only to its own recordings on the API:
 * {api_base}/2010-04-01/Accounts/{AccountSid}/Recordings/… */
static bool under_account_recordings(const struct provider_config *cfg, const char *url)
{
    char prefix[1024];
    int n = snprintf(prefix, sizeof(prefix), "%s/2010-04-01/Accounts/%s/Recordings/",
                     cfg->twilio_api_base, cfg->twilio_account_sid);
    return n > 0 && (size_t)n < sizeof(prefix) && download_url_under(url, prefix);
}

/* Fill out->media_url, recording_sid and format from what rec knows, or
 * from the listing. */
static recd_err resolve(struct fetch_job *j)
{
    const struct store_recording *rec = j->rec;
    struct provider_result *out = j->out;
    if (rec->media_url[0]) {
        recd_strlcpy(out->recording_sid, rec->recording_sid, sizeof(out->recording_sid));
        out->duration_s = rec->duration_s >= 0 ? rec->duration_s : -1;
        if (!download_url_with_ext(rec->media_url, j->format, out->media_url,
                                   sizeof(out->media_url), out->format))
            return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                                 "media URL too long");
        return RECD_OK;
    }
    if (sid_valid(rec->recording_sid)) {
        recd_strlcpy(out->recording_sid, rec->recording_sid, sizeof(out->recording_sid));
        out->duration_s = rec->duration_s >= 0 ? rec->duration_s : -1;
        return media_url_of(j, rec->recording_sid);
    }
    recd_err err = list_recordings(j);
    if (err != RECD_OK)
        return err;
    return media_url_of(j, out->recording_sid);
}

recd_err twilio_fetch(struct fetch_job *j)
{
    struct download_req req;
    recd_err err = resolve(j);
    if (err != RECD_OK)
        return err;
    download_req_init(&req, j, j->out->media_url, "media");
    /* Known from a callback, the recording was never seen in the listing:
     * ciphertext (encryption_details) is caught by its first bytes. */
    req.expect_audio = true;
    /* A stored URL elsewhere (or a redirect, see download.c) gets no secrets. */
    if (under_account_recordings(j->cfg, j->out->media_url))
        req.auth = account_auth(j->cfg);
    return download_to_fd(j->h, &req, j->fd, j->out);
}
