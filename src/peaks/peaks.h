/* SPDX-License-Identifier: MIT */
/*
 * peaks.h — a recording's waveform as peak amplitudes: the reduction
 * (samples in, one |max| per bucket of frames per channel), resampling
 * to the N points a screen asks for, and the sidecar's binary encoding.
 * Pure: no I/O; decoders feed it (peaks/decode.h), peaks/peaks_file.h
 * stores it beside the cached recording.
 *
 * Invariant: at most PEAKS_MAX_BUCKETS buckets per channel, all of
 * frames_per_bucket frames except the last. When the length is not known
 * up front the buckets start at 10 ms and pairs merge (frames_per_bucket
 * doubles) whenever the cap is reached, so memory stays bounded for any
 * length. Values are 0..PEAKS_SCALE_MAX (|sample| of 16-bit full scale).
 *
 * Threads: a struct peaks belongs to one thread at a time.
 */
#ifndef RECD_PEAKS_PEAKS_H
#define RECD_PEAKS_PEAKS_H

#include "common.h"

#define PEAKS_MAX_BUCKETS 4096u
#define PEAKS_MAX_CHANNELS 8u
#define PEAKS_SCALE_MAX 32768u
#define PEAKS_SHA_LEN 64

struct peaks;

/** Start a reduction of channels (1..PEAKS_MAX_CHANNELS) at rate Hz.
 *  total_frames: the length if the container declares it (WAV), else 0.
 *  NULL for bad arguments. Caller frees with peaks_free(). */
struct peaks *peaks_new(unsigned channels, unsigned rate, uint64_t total_frames);
void peaks_free(struct peaks *p); /* accepts NULL */

/** Add frames of interleaved signed 16-bit samples. */
void peaks_add_s16(struct peaks *p, const int16_t *interleaved, size_t frames);
/** The same for one channel-interleaved frame given as ints (8-bit, µ-law
 *  decoders); samples holds channels values in -32768..32767. */
void peaks_add_frame(struct peaks *p, const int *samples);

unsigned peaks_channels(const struct peaks *p);
unsigned peaks_rate(const struct peaks *p);
/** Frames reduced so far, and the declared total (0 = unknown). */
uint64_t peaks_frames(const struct peaks *p);
uint64_t peaks_total_frames(const struct peaks *p);
/** Buckets filled so far (the last may be partial). */
unsigned peaks_buckets(const struct peaks *p);
/** Seconds covered by the frames reduced so far. */
double peaks_duration_s(const struct peaks *p);

/** Reduce to at most points values per channel (max over each span of
 *  buckets), written channel-major into out (channels * points slots).
 *  Returns the number of points written per channel: min(points, buckets). */
unsigned peaks_resample(const struct peaks *p, unsigned points, uint16_t *out);

/** The sidecar encoding, stamped with the sha256 (hex) of the audio it was
 *  computed from. Caller frees the buffer with free(). */
uint8_t *peaks_encode_dup(const struct peaks *p, const char *sha256, size_t *plen);
/** Decode a sidecar. RECD_EINVAL if it is malformed, RECD_ENOTFOUND if it
 *  was computed from other audio than sha256. *pp freed with peaks_free(). */
RECD_MUSTCHECK recd_err peaks_decode(const uint8_t *buf, size_t len, const char *sha256,
                                     struct peaks **pp);

#endif /* RECD_PEAKS_PEAKS_H */
