/* SPDX-License-Identifier: MIT */
/* recording_json.c — JSON ⇄ store structs; stateless. */
#include "model/recording_json.h"
#include "proto/sid.h"
#include "util/clock.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char buf[40];
    clock_format_iso(ms, buf, sizeof(buf));
    return json_string(buf);
}

/* Stored text may end in a character cut by a fixed-size buffer, or quote
 * a provider's bytes: make it valid UTF-8 so jansson accepts it. */
static json_t *text_new(const char *s)
{
    char clean[2048];
    utf8_sanitize(s, clean, sizeof(clean));
    return json_string(clean);
}

static json_t *string_or_null(const char *s)
{
    return s && s[0] ? text_new(s) : json_null();
}

json_t *recording_json_item_new(const struct store_recording *rec, double progress)
{
    json_t *o = json_object();
    json_object_set_new(o, "call_sid", json_string(rec->call_sid));
    json_object_set_new(o, "recording_sid", string_or_null(rec->recording_sid));
    json_object_set_new(o, "provider", string_or_null(rec->provider));
    json_object_set_new(o, "format", string_or_null(rec->format));
    json_object_set_new(o, "duration_s", rec->duration_s >= 0 ? json_real(rec->duration_s) : json_null());
    json_object_set_new(o, "size_bytes", rec->size_bytes > 0 ? json_integer(rec->size_bytes) : json_null());
    json_object_set_new(o, "state", json_string(rec_state_name(rec->state)));
    json_object_set_new(o, "progress", progress >= 0 ? json_real(progress) : json_null());
    json_object_set_new(o, "created_at", time_or_null(rec->created_at));
    json_object_set_new(o, "last_played_at", time_or_null(rec->last_played_at));
    bool failed = rec->state == REC_FAILED || rec->state == REC_MISSING;
    json_t *error = json_null();
    if (failed && rec->error_code[0])
        error = json_pack("{s:o,s:o}", "code", text_new(rec->error_code), "message",
                          text_new(rec->error_message));
    json_object_set_new(o, "error", error);
    /* Waiting for the provider to finish processing (SPEC §3): the state
     * stays queued/running, this says why nothing is arriving yet. */
    bool active = rec->state == REC_QUEUED || rec->state == REC_RUNNING;
    json_object_set_new(o, "pending", json_boolean(active && strcmp(rec->error_code, STORE_PENDING_CODE) == 0));
    return o;
}

json_t *recording_json_run_new(const struct store_run *run)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(run->id));
    json_object_set_new(o, "call_sid", json_string(run->call_sid));
    json_object_set_new(o, "status", json_string(run_status_name(run->status)));
    json_object_set_new(o, "attempt", json_integer(run->attempt));
    json_object_set_new(o, "bytes_done", json_integer(run->bytes_done));
    json_object_set_new(o, "bytes_total", run->bytes_total > 0 ? json_integer(run->bytes_total) : json_null());
    json_object_set_new(o, "lease_owner", string_or_null(run->lease_owner));
    json_object_set_new(o, "error_code", string_or_null(run->error_code));
    json_object_set_new(o, "error_message", string_or_null(run->error_message));
    json_object_set_new(o, "created_at", time_or_null(run->created_at));
    json_object_set_new(o, "started_at", time_or_null(run->started_at));
    json_object_set_new(o, "finished_at", time_or_null(run->finished_at));
    json_object_set_new(o, "next_attempt_at", time_or_null(run->next_attempt_at));
    json_object_set_new(o, "recording_sid", string_or_null(run->recording_sid));
    bool active = run->status == RUN_QUEUED || run->status == RUN_RUNNING;
    json_object_set_new(o, "pending", json_boolean(active && run->pending_since && !run->bytes_done));
    json_object_set_new(o, "pending_since", time_or_null(run->pending_since));
    return o;
}

static bool copy_optional(const json_t *obj, const char *key, char *dst, size_t len, char *err,
                          size_t errlen)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v) || json_string_length(v) >= len) {
        snprintf(err, errlen, "%s must be a string of at most %zu bytes", key, len - 1);
        return false;
    }
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return true;
}

static bool valid_choice(const char *v, const char *a, const char *b)
{
    return v[0] == '\0' || strcmp(v, a) == 0 || strcmp(v, b) == 0;
}

recd_err recording_json_parse(const json_t *obj, struct store_recording *rec, char *err, size_t errlen)
{
    memset(rec, 0, sizeof(*rec));
    rec->duration_s = -1;
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "each recording must be a JSON object");
        return RECD_EINVAL;
    }
    const json_t *sid = json_object_get(obj, "call_sid");
    if (!json_is_string(sid) || !sid_valid(json_string_value(sid))) {
        snprintf(err, errlen, "call_sid is required and must match ^[A-Za-z0-9_-]{1,64}$");
        return RECD_EINVAL;
    }
    recd_strlcpy(rec->call_sid, json_string_value(sid), sizeof(rec->call_sid));
    if (!copy_optional(obj, "media_url", rec->media_url, sizeof(rec->media_url), err, errlen) ||
        !copy_optional(obj, "recording_sid", rec->recording_sid, sizeof(rec->recording_sid), err, errlen) ||
        !copy_optional(obj, "provider", rec->provider, sizeof(rec->provider), err, errlen) ||
        !copy_optional(obj, "format", rec->format, sizeof(rec->format), err, errlen))
        return RECD_EINVAL;
    if (rec->media_url[0] && strncmp(rec->media_url, "https://", 8) != 0 &&
        strncmp(rec->media_url, "http://", 7) != 0) {
        snprintf(err, errlen, "media_url must be an http(s) URL");
        return RECD_EINVAL;
    }
    if (rec->recording_sid[0] && !sid_valid(rec->recording_sid)) {
        snprintf(err, errlen, "recording_sid must match ^[A-Za-z0-9_-]{1,64}$");
        return RECD_EINVAL;
    }
    if (!valid_choice(rec->provider, "twilio", "url") || !valid_choice(rec->format, "wav", "mp3")) {
        snprintf(err, errlen, "provider must be twilio or url; format wav or mp3");
        return RECD_EINVAL;
    }
    const json_t *dur = json_object_get(obj, "duration_s");
    if (dur && !json_is_null(dur)) {
        if (!json_is_number(dur) || json_number_value(dur) < 0 || json_number_value(dur) > 86400 * 7) {
            snprintf(err, errlen, "duration_s must be a number of seconds");
            return RECD_EINVAL;
        }
        rec->duration_s = json_number_value(dur);
    }
    return RECD_OK;
}
