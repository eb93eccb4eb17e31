/* SPDX-License-Identifier: MIT */
/*
 * peaks.c — GET /api/recordings/{call_sid}/peaks?points=N: the waveform of
 * a recording as JSON, one array of N peak values (0..1000 of full scale)
 * per channel, for the screen's now-playing bar.
 *
 *   cached    → the sidecar the worker wrote when the recording landed;
 *               missing or stale (a recording cached before peaks existed,
 *               a failed write) → computed now from the file and stored.
 *   fetching  → "partial": true, computed from the bytes landed so far in
 *               the download's part file (nothing stored); the screen polls
 *               until partial is false, so the waveform fills in as it lands.
 *   otherwise → 404 peaks_not_ready (nothing landed yet; not cached).
 *
 * Channel order follows Twilio's dual-channel recordings: channel 0 is the
 * call's parent leg, channel 1 the child leg ("leg" in the JSON; the screen
 * names them agent/customer from the call's direction). Same auth as /api.
 */
#include "http/api.h"
#include "http/reply.h"
#include "peaks/peaks_file.h"
#include "proto/num.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define POINTS_DEFAULT 1000
#define POINTS_MAX 4096 /* = PEAKS_MAX_BUCKETS: more would only repeat values */
#define JSON_SCALE 1000

static const char *leg_name(unsigned channels, unsigned c)
{
    if (channels == 1)
        return "mono";
    return c == 0 ? "parent" : c == 1 ? "child" : "other";
}

static json_t *peaks_json(const char *sid, const struct peaks *p, unsigned points, bool partial)
{
    unsigned ch = peaks_channels(p);
    uint16_t *v = xcalloc((size_t)ch * points, sizeof(uint16_t));
    unsigned k = peaks_resample(p, points, v);
    json_t *channels = json_array();
    for (unsigned c = 0; c < ch; c++) {
        json_t *arr = json_array();
        for (unsigned j = 0; j < k; j++)
            json_array_append_new(arr, json_integer(((json_int_t)v[(size_t)c * k + j] * JSON_SCALE +
                                                     PEAKS_SCALE_MAX / 2) /
                                                    PEAKS_SCALE_MAX));
        json_array_append_new(channels, json_pack("{s:i,s:s,s:o}", "index", (int)c, "leg",
                                                  leg_name(ch, c), "peaks", arr));
    }
    free(v);
    uint64_t total = peaks_total_frames(p);
    /* Millisecond precision is all a screen needs and keeps the JSON short. */
    double covered = round(peaks_duration_s(p) * 1000) / 1000;
    json_t *total_s =
        total ? json_real(round((double)total * 1000 / peaks_rate(p)) / 1000) : json_null();
    return json_pack("{s:s,s:i,s:f,s:o,s:b,s:i,s:i,s:o}", "call_sid", sid, "points", (int)k,
                     "duration_s", covered, "total_duration_s", total_s, "partial", partial,
                     "sample_rate", (int)peaks_rate(p), "scale", JSON_SCALE, "channels", channels);
}

/* The newest <cache>/tmp/<sid>.<random>.part of a download (not a sidecar's). */
static bool find_part_file(const char *cache_dir, const char *sid, char *out, size_t len)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/tmp", cache_dir);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    size_t sidlen = strlen(sid);
    struct timespec best = { 0, 0 };
    bool found = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        size_t n = strlen(name);
        if (strncmp(name, sid, sidlen) != 0 || name[sidlen] != '.' || n < 5 ||
            strcmp(name + n - 5, ".part") != 0)
            continue;
        struct stat st;
        char path[PATH_MAX];
        int w = snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (w < 0 || (size_t)w >= sizeof(path) || stat(path, &st) != 0)
            continue;
        if (!found || st.st_mtim.tv_sec > best.tv_sec ||
            (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec > best.tv_nsec)) {
            best = st.st_mtim;
            found = recd_strlcpy(out, path, len);
        }
    }
    closedir(d);
    return found;
}

static enum MHD_Result reply_peaks(const struct http_ctx *h, struct MHD_Connection *conn,
                                   struct request *req, const char *sid, struct peaks *p,
                                   unsigned points, bool partial)
{
    json_t *body = peaks_json(sid, p, points, partial);
    peaks_free(p);
    struct MHD_Response *resp = reply_json_response(body);
    /* Complete peaks never change for this audio; partial ones do at once. */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            partial ? "no-store" : "private, max-age=60");
    return reply_queue(h, conn, req, 200, resp);
}

/* Peaks of the cached file: the sidecar, else computed and stored now.
 * False if the recording is not (or no longer) in the cache. */
static bool cached_peaks(const struct http_ctx *h, const char *sid, struct peaks **pp,
                         recd_err *pbuild_rc, char *err, size_t errlen)
{
    struct cache_entry e;
    *pbuild_rc = RECD_OK;
    if (!cache_index_get(h->cache, sid, &e))
        return false;
    if (peaks_file_load(cache_dir(h->cache), e.rel_path, e.sha256, pp) == RECD_OK)
        return true;
    *pbuild_rc = peaks_file_build(cache_dir(h->cache), e.rel_path, e.sha256, pp, err, errlen);
    return *pbuild_rc != RECD_ENOTFOUND;
}

enum MHD_Result api_peaks(const struct http_ctx *h, struct MHD_Connection *conn,
                          struct request *req, const char *sid)
{
    const char *arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "points");
    int points = POINTS_DEFAULT;
    if (arg && !num_parse_int(arg, 1, POINTS_MAX, &points))
        return reply_error(h, conn, req, 400, "invalid_points",
                           "points must be an integer from 1 to 4096");
    recd_strlcpy(req->call_sid, sid, sizeof(req->call_sid));

    struct peaks *p = NULL;
    recd_err rc = RECD_OK;
    char err[256] = "", part[PATH_MAX];
    if (cached_peaks(h, sid, &p, &rc, err, sizeof(err))) {
        if (rc == RECD_OK)
            return reply_peaks(h, conn, req, sid, p, (unsigned)points, false);
        if (rc == RECD_EINVAL)
            return reply_error(h, conn, req, 422, "peaks_unavailable", err);
        return reply_error(h, conn, req, 503, "peaks_unavailable",
                           "the waveform could not be stored; try again");
    }
    struct store_recording *rec = xmalloc(sizeof(*rec));
    rc = store_get_recording(h->store, sid, rec);
    bool active = rc == RECD_OK && (rec->state == REC_QUEUED || rec->state == REC_RUNNING);
    free(rec);
    if (rc == RECD_ENOTFOUND)
        return reply_error(h, conn, req, 404, "not_found",
                           "no recording with this call_sid is registered");
    if (rc != RECD_OK)
        return reply_error(h, conn, req, 503, "store_unavailable", "the store is not reachable");
    if (active && find_part_file(cache_dir(h->cache), sid, part, sizeof(part)) &&
        peaks_file_scan(part, &p, err, sizeof(err)) == RECD_OK)
        return reply_peaks(h, conn, req, sid, p, (unsigned)points, true);
    /* It may have landed between the cache lookup and the store read. */
    if (!active && cached_peaks(h, sid, &p, &rc, err, sizeof(err)) && rc == RECD_OK)
        return reply_peaks(h, conn, req, sid, p, (unsigned)points, false);
    peaks_free(p);
    return reply_error(h, conn, req, 404, "peaks_not_ready",
                       "no audio of this recording has landed yet; play it first");
}
