/* SPDX-License-Identifier: MIT */
/*
 * fp_audio — the deterministic recordings the fake serves: recording sids
 * derived from (call_sid, index) and a PCM WAV sine tone derived from the
 * recording sid. Invariant: the same inputs always give the same bytes, so
 * any byte range can be computed on demand without keeping the file.
 * Threading: pure functions, callable from any thread.
 */
#ifndef FP_AUDIO_H
#define FP_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FP_AUDIO_RATE 8000     /* samples per second */
#define FP_AUDIO_HEADER 44     /* bytes of the RIFF/WAVE header */
#define FP_RECORDING_SID_LEN 34 /* "RE" + 32 hex digits */

/** Total bytes of a WAV of duration_s seconds (header included). */
uint64_t fp_audio_size(unsigned duration_s);
/** Tone frequency for a recording sid, in 300..900 Hz. */
unsigned fp_audio_freq(const char *recording_sid);
/** Fill buf with bytes [pos, pos + n) of the WAV; the range must lie inside it. */
void fp_audio_fill(unsigned freq, unsigned duration_s, uint64_t pos,
		   unsigned char *buf, size_t n);
/** SHA-256 of the whole WAV as 64 lower-case hex digits; 0 on success, -1 if OpenSSL fails. */
__attribute__((warn_unused_result)) int
fp_audio_sha256(unsigned freq, unsigned duration_s, char phex[65]);
/* Dual-channel variants (channels 1 gives exactly the mono bytes above):
 * a dialogue — channel 0 (the parent leg) speaks the first half at freq,
 * channel 1 (the child leg) the second half at 3/2 freq, in syllable-like
 * swells (up to full tone amplitude); the other channel
 * stays at 1/20 of the amplitude meanwhile. */
uint64_t fp_audio_size_ch(unsigned duration_s, unsigned channels);
void fp_audio_fill_ch(unsigned freq, unsigned duration_s, unsigned channels, uint64_t pos,
		      unsigned char *buf, size_t n);
__attribute__((warn_unused_result)) int
fp_audio_sha256_ch(unsigned freq, unsigned duration_s, unsigned channels, char phex[65]);

/** Write "RE" + 32 hex digits derived from call_sid and index into psid. */
void fp_audio_recording_sid(const char *call_sid, int index,
			    char psid[FP_RECORDING_SID_LEN + 1]);

#endif
