/* SPDX-License-Identifier: MIT */
/*
 * decode_mp3.c — MP3 → peaks with libmpg123 in feed mode: the bytes are
 * handed over in slices, decoded to signed 16-bit at the stream's own
 * rate and channel count, and reduced as they come (memory stays one
 * output buffer whatever the length). A prefix of a file decodes up to
 * its last whole frame.
 *
 * Threads: any thread; each call has its own mpg123 handle. The library's
 * one-time init runs under pthread_once.
 */
#include "peaks/decode.h"

#include <mpg123.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define FEED_SLICE 16384

static pthread_once_t mpg123_once = PTHREAD_ONCE_INIT;
static int mpg123_init_rc = MPG123_ERR;

static void init_mpg123(void)
{
    mpg123_init_rc = mpg123_init();
}

/* Only signed 16-bit output, at any rate and channel count the stream has. */
static bool accept_s16(mpg123_handle *mh)
{
    const long *rates = NULL;
    size_t n = 0;
    if (mpg123_format_none(mh) != MPG123_OK)
        return false;
    mpg123_rates(&rates, &n);
    for (size_t i = 0; i < n; i++)
        if (mpg123_format(mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_SIGNED_16) !=
            MPG123_OK)
            return false;
    return true;
}

/* Start the reduction at the first format message. */
static bool on_new_format(mpg123_handle *mh, struct peaks **pp)
{
    long rate = 0;
    int channels = 0, enc = 0;
    if (*pp || mpg123_getformat(mh, &rate, &channels, &enc) != MPG123_OK ||
        enc != MPG123_ENC_SIGNED_16)
        return *pp != NULL;          /* a mid-stream change keeps the first format's scale */
    off_t total = mpg123_length(mh); /* known when a Xing/LAME frame says so */
    *pp = peaks_new((unsigned)channels, (unsigned)rate, total > 0 ? (uint64_t)total : 0);
    return *pp != NULL;
}

recd_err peaks_from_mp3(const uint8_t *buf, size_t len, struct peaks **pp, char *err, size_t errlen)
{
    *pp = NULL;
    pthread_once(&mpg123_once, init_mpg123);
    int merr = MPG123_OK;
    mpg123_handle *mh = mpg123_init_rc == MPG123_OK ? mpg123_new(NULL, &merr) : NULL;
    if (!mh || mpg123_param(mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0) != MPG123_OK ||
        !accept_s16(mh) || mpg123_open_feed(mh) != MPG123_OK) {
        snprintf(err, errlen, "libmpg123 could not start: %s",
                 mh ? mpg123_strerror(mh) : mpg123_plain_strerror(merr));
        mpg123_delete(mh);
        return RECD_EINVAL;
    }
    _Static_assert(FEED_SLICE % 4 == 0, "whole 16-bit stereo frames");
    int16_t *out = xmalloc(FEED_SLICE);
    bool broken = false;
    for (size_t off = 0; off < len && !broken;) {
        size_t n = len - off < FEED_SLICE ? len - off : FEED_SLICE;
        size_t done = 0;
        int rc = mpg123_decode(mh, buf + off, n, out, FEED_SLICE, &done);
        off += n;
        for (;;) {
            if (rc == MPG123_NEW_FORMAT && !on_new_format(mh, pp))
                broken = true;
            if (done > 0 && *pp)
                peaks_add_s16(*pp, out, done / (2 * peaks_channels(*pp)));
            if (rc == MPG123_NEED_MORE || rc == MPG123_DONE || rc == MPG123_ERR || broken)
                break;
            rc = mpg123_decode(mh, NULL, 0, out, FEED_SLICE, &done);
        }
        if (rc == MPG123_ERR || rc == MPG123_DONE)
            break; /* keep what decoded before a broken frame */
    }
    free(out);
    mpg123_delete(mh);
    if (!*pp || peaks_frames(*pp) == 0) {
        peaks_free(*pp);
        *pp = NULL;
        snprintf(err, errlen, "no MP3 audio could be decoded");
        return RECD_EINVAL;
    }
    return RECD_OK;
}
