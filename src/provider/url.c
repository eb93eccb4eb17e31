/* SPDX-License-Identifier: MIT */
/*
 * url.c — the url backend: the media URL is the configured template
 * expanded for the recording (or a media_url registered with it), fetched
 * with the optional bearer or Basic credentials.
 *
 * Invariant: credentials go only to the template's origin; a registered
 * media_url on another host is fetched without them.
 *
 * Threads: works on one fetch_job, on the caller's thread.
 */
#include "provider/download.h"

#include "provider/template.h"

static struct download_auth configured_auth(const struct provider_config *cfg)
{
    struct download_auth a = {
        .basic_user = cfg->url_basic_user,
        .basic_password = cfg->url_basic_password,
        .bearer = cfg->url_bearer_token,
    };
    return a;
}

recd_err url_fetch(struct fetch_job *j)
{
    const struct store_recording *rec = j->rec;
    struct provider_result *out = j->out;
    char expanded[2048];
    struct download_req req;

    recd_err err = template_expand(j->cfg->url_template, rec->call_sid, rec->recording_sid,
                                   j->format, expanded, sizeof(expanded));
    if (err != RECD_OK)
        return download_fail(out, RECD_EUPSTREAM_PERM, "upstream_error",
                             "cannot expand the URL template: %s",
                             err == RECD_ETOOBIG ? "result too long"
                                                 : "a placeholder has no value");
    recd_strlcpy(out->recording_sid, rec->recording_sid, sizeof(out->recording_sid));
    out->duration_s = rec->duration_s >= 0 ? rec->duration_s : -1;
    if (rec->media_url[0]) {
        /* Both buffers are 2048 bytes: the copy always fits. */
        recd_strlcpy(out->media_url, rec->media_url, sizeof(out->media_url));
        download_url_format(out->media_url, out->format);
    } else {
        recd_strlcpy(out->media_url, expanded, sizeof(out->media_url));
    }

    download_req_init(&req, j, out->media_url, "media");
    if (download_same_origin(out->media_url, expanded))
        req.auth = configured_auth(j->cfg);
    return download_to_fd(j->h, &req, j->fd, out);
}
