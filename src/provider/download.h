/* SPDX-License-Identifier: MIT */
/*
 * download.h — private to src/provider/: one HTTP GET with libcurl into a
 * file descriptor (hashed as it arrives) or into a bounded memory buffer,
 * with the status → recd_err mapping every backend shares; and the entry
 * points of the backends (twilio.c, url.c) that provider.c dispatches to.
 *
 * Threads: every function works on the caller's CURL handle and job only;
 * one fetch runs on one thread.
 */
#ifndef RECD_PROVIDER_DOWNLOAD_H
#define RECD_PROVIDER_DOWNLOAD_H

#include "common.h"
#include "provider/provider.h"

#include <curl/curl.h>

/* Credentials for one request; at most one of basic / bearer is set. */
struct download_auth {
    const char *basic_user;     /* NULL = no basic auth */
    const char *basic_password; /* with basic_user; NULL = "" */
    const char *bearer;         /* NULL = no bearer token */
};

struct download_req {
    const char *url;
    const char *what;              /* for messages: "media", "recording list" */
    struct download_auth auth;
    int64_t connect_timeout_ms;
    int64_t low_speed_timeout_ms;
    int64_t max_bytes;             /* <= 0: unlimited */
    bool expect_audio;             /* the body must start like WAV or MP3 (RECD_EUPSTREAM_PERM,
                                    * recording_not_audio, before its first byte is written) */
    provider_progress_cb cb;       /* may be NULL */
    void *ctx;
};

/* One provider_fetch() call: what the backends work from. All borrowed. */
struct fetch_job {
    const struct provider_config *cfg; /* validated, defaults applied */
    CURL *h;                           /* reused for listing + media (keep-alive) */
    const struct store_recording *rec;
    int fd;
    provider_progress_cb cb;
    void *ctx;
    const char *format;                /* "wav" | "mp3": what to ask for */
    struct provider_result *out;
};

/** A request for job j to url, with j's limits and callback; no auth. */
void download_req_init(struct download_req *r, const struct fetch_job *j, const char *url,
                       const char *what);

/** GET req->url into fd, filling out->bytes, sha256, http_status and, on
 *  failure, the error fields and retry_after_ms (see provider_fetch()). */
RECD_MUSTCHECK recd_err download_to_fd(CURL *h, const struct download_req *req, int fd,
                                       struct provider_result *out);

/** GET req->url into memory (at most limit bytes, else RECD_EUPSTREAM_PERM).
 *  On RECD_OK the caller frees *pbody (NUL-terminated, *plen bytes). */
RECD_MUSTCHECK recd_err download_to_mem(CURL *h, const struct download_req *req, size_t limit,
                                        char **pbody, size_t *plen,
                                        struct provider_result *out);

/** Record a failure in out (code + formatted message) and return err. */
RECD_PRINTF(4, 5)
recd_err download_fail(struct provider_result *out, recd_err err, const char *code,
                       const char *fmt, ...);

/** True when both URLs parse and share scheme, host and port: the test for
 *  whether credentials meant for one may be sent to the other. */
bool download_same_origin(const char *a, const char *b);

/** True when url has base's origin (download_same_origin) and its path
 *  starts with base's path (which should end in '/'). Dot segments are
 *  resolved first, so "/a/../b" is not under "/a/". */
bool download_url_under(const char *url, const char *base);

/** True when the first len bytes of a body can start a WAV ("RIFF"/"RF64"
 *  … "WAVE") or an MP3 (an ID3 tag or a frame sync): ciphertext (Twilio
 *  Voice Recording Encryption) or an error page does not. len >= 12. */
bool download_looks_like_audio(const unsigned char *head, size_t len);

/** If url's last path segment ends in .wav or .mp3 (any case), write that
 *  format in lower case to pformat and return true; else leave it. */
bool download_url_format(const char *url, char pformat[8]);

/** Copy url into out, appending "." format to its path when the last path
 *  segment has no extension; *pformat becomes that extension if it is
 *  wav/mp3, else format. False if out is too small. */
bool download_url_with_ext(const char *url, const char *format, char *out, size_t len,
                           char pformat[8]);

/* Backends. Each fills j->out and returns as provider_fetch() does. */
RECD_MUSTCHECK recd_err twilio_fetch(struct fetch_job *j);
RECD_MUSTCHECK recd_err url_fetch(struct fetch_job *j);

/** Parse an RFC 2822 date ("Tue, 24 Nov 2026 10:00:00 +0000") into epoch
 *  ms; -1 when malformed. Exposed for tests. */
int64_t twilio_parse_date(const char *s);

/* The choice so far while reading a listing page by page. */
struct twilio_pick {
    char sid[65];            /* newest completed recording so far, "" if none */
    int64_t best_at;         /* its date_created (epoch ms) */
    double duration_s;
    bool encrypted;          /* it has encryption_details */
    bool coming;             /* some recording is in-progress/paused/processing */
    char coming_status[16];  /* the first such status seen */
};

void twilio_pick_init(struct twilio_pick *pk);
/** Consider one Recordings.json page; next gets its next_page_uri ("" on the
 *  last page). RECD_EUPSTREAM for malformed JSON, RECD_EUPSTREAM_PERM for a
 *  next_page_uri that is not a path. Exposed for tests. */
RECD_MUSTCHECK recd_err twilio_pick_page(struct twilio_pick *pk, const char *json, size_t len,
                                         char *next, size_t nextlen,
                                         struct provider_result *out);
/** The newest completed recording by date_created into out->recording_sid /
 *  duration_s. RECD_ENOTFOUND when there is none, RECD_EPENDING when none
 *  is completed but one is still in progress or processing,
 *  RECD_EUPSTREAM_PERM (code recording_encrypted) when it is encrypted. */
RECD_MUSTCHECK recd_err twilio_pick_finish(const struct twilio_pick *pk,
                                           struct provider_result *out);
/** One page, as a whole listing (exposed for tests). */
RECD_MUSTCHECK recd_err twilio_pick(const char *json, size_t len, struct provider_result *out);

#endif /* RECD_PROVIDER_DOWNLOAD_H */
