/* SPDX-License-Identifier: MIT */
/*
 * fp_audio — deterministic WAV generation. Any byte of a recording is a
 * function of (frequency, duration, offset), so responses are produced
 * chunk by chunk straight into libmicrohttpd's buffer and nothing is cached.
 * The sine is computed here (no libm) from an integer phase, which keeps
 * the bytes identical on every run. Threading: pure, any thread.
 */
#include "fp_audio.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMPLITUDE 16000.0 /* about half of full scale */
#define PI 3.14159265358979323846

uint64_t fp_audio_size(unsigned duration_s)
{
	return FP_AUDIO_HEADER + (uint64_t)duration_s * FP_AUDIO_RATE * 2;
}

unsigned fp_audio_freq(const char *recording_sid)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)recording_sid; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return 300 + h % 601;
}

/* sin(x) for x in [-pi/2, pi/2]; Taylor to x^13, error below 1e-9. */
static double sin_small(double x)
{
	double x2 = x * x;
	double term = x, sum = x;
	for (int k = 1; k <= 6; k++) {
		term *= -x2 / (double)((2 * k) * (2 * k + 1));
		sum += term;
	}
	return sum;
}

static int16_t sample_at(unsigned freq, uint64_t n)
{
	/* Reduce the phase exactly in integers, then fold into [-pi/2, pi/2]. */
	uint64_t phase = (n * freq) % FP_AUDIO_RATE;
	double x = 2.0 * PI * (double)phase / FP_AUDIO_RATE; /* [0, 2pi) */
	if (x > PI)
		x -= 2.0 * PI; /* (-pi, pi] */
	if (x > PI / 2)
		x = PI - x;
	else if (x < -PI / 2)
		x = -PI - x;
	double v = AMPLITUDE * sin_small(x);
	return (int16_t)(v < 0 ? v - 0.5 : v + 0.5);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void make_header(unsigned duration_s, unsigned char h[FP_AUDIO_HEADER])
{
	uint32_t data = (uint32_t)(fp_audio_size(duration_s) - FP_AUDIO_HEADER);
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);                /* fmt chunk size */
	put_le16(h + 20, 1);                 /* PCM */
	put_le16(h + 22, 1);                 /* mono */
	put_le32(h + 24, FP_AUDIO_RATE);
	put_le32(h + 28, FP_AUDIO_RATE * 2); /* byte rate */
	put_le16(h + 32, 2);                 /* block align */
	put_le16(h + 34, 16);                /* bits per sample */
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, data);
}

void fp_audio_fill(unsigned freq, unsigned duration_s, uint64_t pos,
		   unsigned char *buf, size_t n)
{
	unsigned char header[FP_AUDIO_HEADER];
	make_header(duration_s, header);
	for (size_t i = 0; i < n; i++, pos++) {
		if (pos < FP_AUDIO_HEADER) {
			buf[i] = header[pos];
			continue;
		}
		uint64_t k = pos - FP_AUDIO_HEADER;
		uint16_t s = (uint16_t)sample_at(freq, k / 2);
		buf[i] = (unsigned char)((k % 2 == 0) ? s & 0xff : s >> 8);
	}
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int fp_audio_sha256(unsigned freq, unsigned duration_s, char phex[65])
{
	int rc = -1;
	unsigned char chunk[16384];
	unsigned char md[32];
	unsigned int mdlen = 0;
	uint64_t size = fp_audio_size(duration_s);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (uint64_t pos = 0; pos < size;) {
		size_t n = size - pos < sizeof(chunk) ? (size_t)(size - pos) : sizeof(chunk);
		fp_audio_fill(freq, duration_s, pos, chunk, n);
		if (EVP_DigestUpdate(ctx, chunk, n) != 1)
			goto out;
		pos += n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != sizeof(md))
		goto out;
	to_hex(md, sizeof(md), phex);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

void fp_audio_recording_sid(const char *call_sid, int index,
			    char psid[FP_RECORDING_SID_LEN + 1])
{
	char input[128];
	unsigned char md[32];
	unsigned int mdlen = 0;
	int n = snprintf(input, sizeof(input), "recording|%s|%d", call_sid, index);
	if (n < 0 || (size_t)n >= sizeof(input))
		n = (int)sizeof(input) - 1; /* callers pass sids of <= 64 chars */
	/* EVP_Digest fails only when OpenSSL cannot allocate: treat as OOM. */
	if (EVP_Digest(input, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1) {
		fputs("fake-provider: SHA-256 failed\n", stderr);
		abort();
	}
	psid[0] = 'R';
	psid[1] = 'E';
	to_hex(md, 16, psid + 2);
}
