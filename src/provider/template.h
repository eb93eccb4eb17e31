/* SPDX-License-Identifier: MIT */
/*
 * template.h — expansion of the url provider's media URL template
 * (--url-template, e.g. "https://media.example.com/{call_sid}.mp3").
 * Pure, no state: any thread.
 */
#ifndef RECD_PROVIDER_TEMPLATE_H
#define RECD_PROVIDER_TEMPLATE_H

#include "common.h"

/**
 * Expand {call_sid}, {recording_sid} and {format} in tmpl into out, each
 * value percent-encoded except RFC 3986 unreserved characters. RECD_EINVAL:
 * unknown placeholder, unbalanced brace, or a used value that is NULL or
 * empty; RECD_ETOOBIG: result does not fit outlen. On failure out is "".
 */
RECD_MUSTCHECK recd_err template_expand(const char *tmpl, const char *call_sid,
                                        const char *recording_sid, const char *format, char *out,
                                        size_t outlen);

#endif
