/* SPDX-License-Identifier: MIT */
/*
 * fp_knobs — the fake provider's settings as one table: every setting is a
 * command-line flag (--latency-ms) and a /_control query parameter
 * (latency_ms) with the same meaning, bounds and validation.
 * Invariant: a struct fp_knobs only ever holds values that passed the table.
 * Threading: plain values; fp_state owns the live copy under its mutex.
 */
#ifndef FP_KNOBS_H
#define FP_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fp_buf.h"

#define FP_SID_MAX 64     /* longest call/account sid accepted */
#define FP_SECRET_MAX 255 /* longest auth token or bearer token */

struct fp_knobs {
	char account_sid[FP_SID_MAX + 1];    /* expected in paths and Basic auth */
	char auth_token[FP_SECRET_MAX + 1];  /* Basic auth password */
	char bearer[FP_SECRET_MAX + 1];      /* "" = /url-media/ needs no auth */
	long long latency_ms;                /* before a media endpoint answers */
	long long listing_latency_ms;        /* before a listing answers */
	long long rate;                      /* media body bytes/s, 0 = unlimited */
	long long fail_first;                /* 500s per recording */
	long long rate_limit_first;          /* then 429s per recording */
	long long duration_s;                /* audio length */
	bool truncate;                       /* close after half the body */
	bool redirect;                       /* 302 to /media/{sid}.{ext} */
	long long channels;                  /* 1 = mono tone, 2 = dual-channel dialogue */
	char mp3_file[FP_SECRET_MAX + 1];    /* "" = .mp3 gets the WAV bytes */
	/* Twilio as it really behaves (recd issue 10) */
	long long processing_s;              /* a call's recordings stay "processing" this long */
	long long page_size;                 /* recordings per listing page */
	bool encrypted;                      /* completed recordings carry encryption_details */
	char storage_host[FP_SECRET_MAX + 1]; /* redirect to this host:port; it refuses credentials */
	char callback_url[FP_SECRET_MAX + 1]; /* recd's status callback URL ("" = none) */
};

/** Fill k with the documented defaults. */
void fp_knobs_defaults(struct fp_knobs *k);
/** Set the knob called name ("latency-ms" or "latency_ms") from text.
 *  Returns 0, or -1 with a one-line reason in perr (unknown name, bad value). */
__attribute__((warn_unused_result)) int
fp_knobs_set(struct fp_knobs *k, const char *name, const char *value,
	     char *perr, size_t errlen);
/** True if name is a known boolean knob (a bare --flag means 1). */
bool fp_knobs_is_bool(const char *name);
/** Append k as one JSON object to out (secrets included: this is a fake). */
void fp_knobs_json(const struct fp_knobs *k, struct fp_buf *out);
/** Print one line per knob, for --help. */
void fp_knobs_usage(FILE *out);
/** True if s matches ^[A-Za-z0-9_-]{1,64}$, the only sids used in paths. */
bool fp_sid_valid(const char *s);

#endif
