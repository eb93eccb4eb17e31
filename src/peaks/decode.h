/* SPDX-License-Identifier: MIT */
/*
 * decode.h — audio bytes in memory → struct peaks. Pure: the caller maps
 * or reads the file (peaks/peaks_file.h). WAV is parsed here (PCM 8/16/24/
 * 32-bit, µ-law and A-law as Twilio and telephony use, any channel count up
 * to PEAKS_MAX_CHANNELS); MP3 is decoded with libmpg123.
 *
 * Input may be a prefix of a file still downloading: both decoders reduce
 * what is there and stop cleanly at the end of the bytes (a WAV keeps the
 * length its header declares, so partial peaks are on the final scale).
 *
 * Threads: any thread; no shared state beyond libmpg123's one-time init.
 */
#ifndef RECD_PEAKS_DECODE_H
#define RECD_PEAKS_DECODE_H

#include "common.h"
#include "peaks/peaks.h"

enum peaks_format { PEAKS_FORMAT_UNKNOWN = 0, PEAKS_FORMAT_WAV, PEAKS_FORMAT_MP3 };

/** What the bytes are, from their first bytes (not from a file name:
 *  a provider may send WAV for a .mp3 URL). */
enum peaks_format peaks_sniff(const uint8_t *buf, size_t len);

/** Reduce a WAV file (or prefix). RECD_EINVAL with a reason in err for a
 *  malformed or unsupported file. *pp freed with peaks_free(). */
RECD_MUSTCHECK recd_err peaks_from_wav(const uint8_t *buf, size_t len, struct peaks **pp, char *err,
                                       size_t errlen);

/** Reduce an MP3 file (or prefix) with libmpg123. RECD_EINVAL with a
 *  reason in err when no audio could be decoded. */
RECD_MUSTCHECK recd_err peaks_from_mp3(const uint8_t *buf, size_t len, struct peaks **pp, char *err,
                                       size_t errlen);

/** Sniff, then the matching decoder. */
RECD_MUSTCHECK recd_err peaks_from_audio(const uint8_t *buf, size_t len, struct peaks **pp,
                                         char *err, size_t errlen);

#endif /* RECD_PEAKS_DECODE_H */
