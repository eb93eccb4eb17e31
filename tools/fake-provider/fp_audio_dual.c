/* SPDX-License-Identifier: MIT */
/*
 * fp_audio_dual — the dual-channel WAV of a two-party call, deterministic
 * like fp_audio's mono tone (see fp_audio.h). Channel 1 is the mono tone
 * unchanged; more channels are built here so the mono bytes never move.
 * Threading: pure, any thread.
 */
#include "fp_audio.h"

#include <openssl/evp.h>
#include <string.h>

#define DUAL_CHANNELS 2
#define QUIET_DIVISOR 20

static void le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

uint64_t fp_audio_size_ch(unsigned duration_s, unsigned channels)
{
	if (channels <= 1)
		return fp_audio_size(duration_s);
	return FP_AUDIO_HEADER + (uint64_t)duration_s * FP_AUDIO_RATE * 2 * DUAL_CHANNELS;
}

static void make_header(unsigned duration_s, unsigned char h[FP_AUDIO_HEADER])
{
	uint32_t data = (uint32_t)(fp_audio_size_ch(duration_s, DUAL_CHANNELS) - FP_AUDIO_HEADER);
	memcpy(h, "RIFF", 4);
	le32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	le32(h + 16, 16);
	le16(h + 20, 1);                                 /* PCM */
	le16(h + 22, DUAL_CHANNELS);
	le32(h + 24, FP_AUDIO_RATE);
	le32(h + 28, FP_AUDIO_RATE * 2 * DUAL_CHANNELS); /* byte rate */
	le16(h + 32, 2 * DUAL_CHANNELS);                 /* block align */
	le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	le32(h + 40, data);
}

/* 0..1..0 over period frames. */
static double triangle(uint64_t n, uint64_t period)
{
	double x = (double)(n % period) / (double)period;
	return x < 0.5 ? 2 * x : 2 - 2 * x;
}

/* A speech-like loudness for the speaking side: syllables of 0.3 s inside
 * phrases of 2.3 s, never quite silent, so a waveform has a shape to show. */
static double envelope(uint64_t n)
{
	double syllable = triangle(n, FP_AUDIO_RATE * 3 / 10);
	double phrase = triangle(n + FP_AUDIO_RATE, FP_AUDIO_RATE * 23 / 10);
	return 0.15 + 0.85 * syllable * (0.4 + 0.6 * phrase);
}

/* One 16-bit sample of channel ch at frame n, taken from the mono tone. */
static int16_t dual_sample(unsigned freq, unsigned duration_s, unsigned ch, uint64_t n)
{
	unsigned char le[2];
	unsigned f = ch == 0 ? freq : freq * 3 / 2;
	fp_audio_fill(f, duration_s, FP_AUDIO_HEADER + 2 * n, le, 2);
	int16_t s = (int16_t)(le[0] | le[1] << 8);
	bool first_half = n < (uint64_t)duration_s * FP_AUDIO_RATE / 2;
	bool speaking = ch == 0 ? first_half : !first_half;
	return speaking ? (int16_t)(s * envelope(n)) : (int16_t)(s / QUIET_DIVISOR);
}

void fp_audio_fill_ch(unsigned freq, unsigned duration_s, unsigned channels, uint64_t pos,
		      unsigned char *buf, size_t n)
{
	if (channels <= 1) {
		fp_audio_fill(freq, duration_s, pos, buf, n);
		return;
	}
	unsigned char header[FP_AUDIO_HEADER];
	make_header(duration_s, header);
	for (size_t i = 0; i < n; i++, pos++) {
		if (pos < FP_AUDIO_HEADER) {
			buf[i] = header[pos];
			continue;
		}
		uint64_t k = pos - FP_AUDIO_HEADER; /* byte in the data chunk */
		uint64_t frame = k / (2 * DUAL_CHANNELS);
		unsigned ch = (unsigned)(k / 2 % DUAL_CHANNELS);
		uint16_t s = (uint16_t)dual_sample(freq, duration_s, ch, frame);
		buf[i] = (unsigned char)(k % 2 == 0 ? s & 0xff : s >> 8);
	}
}

int fp_audio_sha256_ch(unsigned freq, unsigned duration_s, unsigned channels, char phex[65])
{
	if (channels <= 1)
		return fp_audio_sha256(freq, duration_s, phex);
	static const char digits[] = "0123456789abcdef";
	unsigned char chunk[16384], md[32];
	unsigned int mdlen = 0;
	int rc = -1;
	uint64_t size = fp_audio_size_ch(duration_s, channels);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (uint64_t pos = 0; pos < size;) {
		size_t n = size - pos < sizeof(chunk) ? (size_t)(size - pos) : sizeof(chunk);
		fp_audio_fill_ch(freq, duration_s, channels, pos, chunk, n);
		if (EVP_DigestUpdate(ctx, chunk, n) != 1)
			goto out;
		pos += n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != sizeof(md))
		goto out;
	for (size_t i = 0; i < sizeof(md); i++) {
		phex[2 * i] = digits[md[i] >> 4];
		phex[2 * i + 1] = digits[md[i] & 0xf];
	}
	phex[64] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}
