/* SPDX-License-Identifier: MIT */
/*
 * fp_provider — the endpoints that stand in for Twilio and a media host:
 * the recordings listing, recording media (with every fault knob), the
 * unauthenticated /media/ redirect target, /url-media/ for recd's "url"
 * provider, and /_expected (what recd should end up serving).
 * Threading: called on the connection's own thread (thread per connection),
 * so sleeping here delays only that request.
 */
#ifndef FP_PROVIDER_H
#define FP_PROVIDER_H

#include <stdbool.h>

#include <microhttpd.h>

#include "fp_reply.h"

/** GET /2010-04-01/Accounts/{rest}: the listing or a recording's media.
 *  url is the whole path (for error messages); get is false for HEAD. */
enum MHD_Result fp_provider_twilio(struct MHD_Connection *c, struct fp_req *r,
				   const char *url, const char *rest, bool get);
/** GET /media/{RecordingSid}.{wav|mp3}: the redirect target, no auth. */
enum MHD_Result fp_provider_storage(struct MHD_Connection *c, struct fp_req *r,
				    const char *rest, bool get);
/** GET /url-media/{call_sid}.{wav|mp3}: newest completed recording's audio. */
enum MHD_Result fp_provider_url_media(struct MHD_Connection *c, struct fp_req *r,
				      const char *rest, bool get);
/** GET /_expected?call_sid=X: recording sid, sha256 and size recd should serve. */
enum MHD_Result fp_provider_expected(struct MHD_Connection *c, struct fp_req *r);

#endif
