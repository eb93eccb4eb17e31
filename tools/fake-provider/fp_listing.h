/* SPDX-License-Identifier: MIT */
/*
 * fp_listing — the fake's recordings for a call_sid and their Twilio JSON.
 * Every ordinary call_sid has three recordings, listed deliberately out of
 * order: index 0 (older, completed), index 1 (newest completed — the one a
 * client must pick), index 2 (newest of all, still "processing"). call_sids
 * starting "CAmissing"/"missing" have none; "CAnotfound"/"notfound" are
 * unknown calls (404). Threading: pure functions, any thread.
 */
#ifndef FP_LISTING_H
#define FP_LISTING_H

#include "fp_buf.h"
#include "fp_knobs.h"

#define FP_INDEX_OLDER 0      /* completed, an hour older than NEWEST */
#define FP_INDEX_NEWEST 1     /* newest completed: what clients must fetch */
#define FP_INDEX_PROCESSING 2 /* newer still, not downloadable */
#define FP_NRECORDINGS 3

enum fp_call_kind {
	FP_CALL_NORMAL,   /* three recordings */
	FP_CALL_EMPTY,    /* 200 with an empty listing */
	FP_CALL_NOTFOUND, /* 404 */
};

/** Which kind of call this call_sid stands for (by prefix). */
enum fp_call_kind fp_listing_kind(const char *call_sid);
/** Append page `page` (0-based, k->page_size recordings each, with
 *  next_page_uri to the next) of the listing for call_sid (empty if kind is
 *  FP_CALL_EMPTY). processing: every recording is still "processing". */
void fp_listing_json(struct fp_buf *b, const struct fp_knobs *k,
		     const char *call_sid, enum fp_call_kind kind, long long page,
		     bool processing);

#endif
