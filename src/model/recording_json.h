/* SPDX-License-Identifier: MIT */
/*
 * recording_json.h — the JSON shapes of recordings and runs (SPEC §2),
 * shared by the HTTP API and the CLI (import, runs). Pure conversions:
 * no I/O, no store access.
 */
#ifndef RECD_MODEL_RECORDING_JSON_H
#define RECD_MODEL_RECORDING_JSON_H

#include "common.h"
#include "store/store.h"

#include <jansson.h>

/** The API item for a recording. progress: 0..1, or < 0 for null.
 *  Caller owns the returned reference. */
json_t *recording_json_item_new(const struct store_recording *rec, double progress);

/** One run as JSON. Caller owns the returned reference. */
json_t *recording_json_run_new(const struct store_run *run);

/** Parse one registration object ({"call_sid":…, "media_url"?, "recording_sid"?,
 *  "provider"?, "format"?, "duration_s"?}) into rec (zeroed first).
 *  RECD_EINVAL with a reason in err when a field is missing or invalid. */
RECD_MUSTCHECK recd_err recording_json_parse(const json_t *obj, struct store_recording *rec,
                                             char *err, size_t errlen);

#endif
