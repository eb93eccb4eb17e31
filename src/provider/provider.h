/* SPDX-License-Identifier: MIT */
/*
 * provider.h — fetching one recording from upstream into a file descriptor:
 * Twilio's REST API (list the call's recordings, download the newest
 * completed one) or a plain URL template. libcurl does the HTTP.
 *
 * Invariant: credentials go only to the configured origin — never to a
 * redirect target on another host, nor to a stored media_url elsewhere.
 *
 * Threads: a struct provider is immutable after provider_new(); any number
 * of threads may call provider_fetch() on it at once (each call uses its
 * own curl handle). curl_global_init() must have run before the first
 * provider_new(). The provider never logs: it returns a code and fills
 * provider_result's error fields, and the caller logs once.
 */
#ifndef RECD_PROVIDER_PROVIDER_H
#define RECD_PROVIDER_PROVIDER_H

#include "common.h"
#include "store/store.h"

enum provider_kind { PROVIDER_TWILIO, PROVIDER_URL };

struct provider_config {
    enum provider_kind kind;
    const char *twilio_account_sid;
    const char *twilio_auth_token;
    const char *twilio_api_base;    /* "https://api.twilio.com" or a local fake */
    const char *media_format;       /* "wav" | "mp3"; NULL or "" = "wav" */
    const char *url_template;       /* PROVIDER_URL: "https://host/{call_sid}.{format}" */
    const char *url_bearer_token;   /* optional (PROVIDER_URL) */
    const char *url_basic_user;     /* optional (PROVIDER_URL), not with a bearer */
    const char *url_basic_password; /* optional, with url_basic_user */
    int64_t connect_timeout_ms;     /* <= 0: 10 s */
    int64_t low_speed_timeout_ms;   /* abort below 1 byte/s for this long; <= 0: 30 s.
                                     * libcurl averages speed over ~5 s, so a stall
                                     * after data is noticed up to 5 s later. */
    int64_t max_bytes;              /* refuse bigger recordings (RECD_ETOOBIG); <= 0: no limit */
};

/* Called during a download, about every 64 KiB or 250 ms, whichever comes
 * first (and with 0, 0 while the Twilio listing loads). bytes_total is 0
 * while unknown. Return false to abort the fetch (the lease was lost);
 * callers throttle any expensive work (store writes) themselves. */
typedef bool (*provider_progress_cb)(int64_t bytes_done, int64_t bytes_total, void *ctx);

struct provider_result {
    int64_t bytes;            /* bytes written to fd */
    char sha256[65];          /* lower-case hex of those bytes, "" on failure */
    char format[8];           /* "wav" | "mp3" */
    char recording_sid[65];   /* provider id, "" when unknown */
    char media_url[2048];     /* the URL fetched (before redirects) */
    double duration_s;        /* -1 when unknown */
    int http_status;          /* last HTTP status seen, 0 if none */
    int64_t retry_after_ms;   /* from a 429/503 Retry-After, else 0 */
    char error_code[32];      /* "" on success */
    char error_message[256];  /* human text, always set on failure */
};

/** Validate cfg and copy the strings it keeps. On bad config returns NULL
 *  with a reason in err. Caller frees with provider_free(). */
struct provider *provider_new(const struct provider_config *cfg, char *err, size_t errlen);
void provider_free(struct provider *p); /* accepts NULL */

/**
 * Resolve rec's media URL and download it into fd (an open, empty file the
 * caller owns and closes), hashing as bytes arrive. *out is always filled.
 * Fails with RECD_ENOTFOUND (recording_not_found), RECD_EUPSTREAM or
 * RECD_ETRUNCATED (transient), RECD_EUPSTREAM_PERM, RECD_EAUTH, RECD_ETOOBIG,
 * RECD_EIO (writing fd), RECD_ELEASE (cb said stop), RECD_EINVAL (bad sid).
 */
RECD_MUSTCHECK recd_err provider_fetch(struct provider *p, const struct store_recording *rec,
                                       int fd, provider_progress_cb cb, void *ctx,
                                       struct provider_result *out);

/** "twilio" | "url": the name stored in recordings.provider. */
const char *provider_kind_name(enum provider_kind k);

#endif /* RECD_PROVIDER_PROVIDER_H */
