/* SPDX-License-Identifier: MIT */
/*
 * peaks.c — peak reduction, resampling and the sidecar encoding (see
 * peaks.h). The sidecar is little-endian binary:
 *
 *   "RECDPEAK" u32 version u32 channels u32 rate u32 frames_per_bucket
 *   u32 buckets u32 0  u64 frames u64 total_frames  char sha256[64]
 *   u16 values[channels][buckets]
 *
 * Threads: none of its own; a struct peaks is used by one thread.
 */
#include "peaks/peaks.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC "RECDPEAK"
#define VERSION 1u
#define HEADER_LEN (8 + 6 * 4 + 2 * 8 + PEAKS_SHA_LEN)

struct peaks {
    unsigned channels;
    unsigned rate;
    uint64_t frames;       /* frames reduced */
    uint64_t total_frames; /* declared length, 0 = unknown */
    uint32_t fpb;          /* frames per bucket */
    uint32_t nbuckets;     /* buckets in use, the last one open */
    uint32_t in_bucket;    /* frames in the open bucket */
    uint16_t *v;           /* [channel][PEAKS_MAX_BUCKETS] */
};

struct peaks *peaks_new(unsigned channels, unsigned rate, uint64_t total_frames)
{
    if (channels < 1 || channels > PEAKS_MAX_CHANNELS || rate < 1 || rate > 384000)
        return NULL;
    struct peaks *p = xcalloc(1, sizeof(*p));
    p->channels = channels;
    p->rate = rate;
    p->total_frames = total_frames;
    if (total_frames > 0) {
        uint64_t fpb = (total_frames + PEAKS_MAX_BUCKETS - 1) / PEAKS_MAX_BUCKETS;
        p->fpb = fpb > UINT32_MAX ? UINT32_MAX : (uint32_t)fpb;
    } else {
        p->fpb = rate / 100 > 0 ? rate / 100 : 1; /* 10 ms, merged as it grows */
    }
    p->v = xcalloc((size_t)channels * PEAKS_MAX_BUCKETS, sizeof(uint16_t));
    return p;
}

void peaks_free(struct peaks *p)
{
    if (!p)
        return;
    free(p->v);
    free(p);
}

/* Halve the buckets (max of each pair) and double their width. */
static void merge_pairs(struct peaks *p)
{
    for (unsigned c = 0; c < p->channels; c++) {
        uint16_t *v = p->v + (size_t)c * PEAKS_MAX_BUCKETS;
        for (uint32_t i = 0; i < p->nbuckets / 2; i++)
            v[i] = v[2 * i] > v[2 * i + 1] ? v[2 * i] : v[2 * i + 1];
        memset(v + p->nbuckets / 2, 0, (PEAKS_MAX_BUCKETS - p->nbuckets / 2) * sizeof(uint16_t));
    }
    p->nbuckets /= 2;
    p->fpb = p->fpb > UINT32_MAX / 2 ? UINT32_MAX : p->fpb * 2;
}

/* The bucket the next frame goes into, opening a new one when needed. */
static uint32_t open_bucket(struct peaks *p)
{
    if (p->nbuckets == 0 || p->in_bucket >= p->fpb) {
        if (p->nbuckets == PEAKS_MAX_BUCKETS)
            merge_pairs(p);
        p->nbuckets++;
        p->in_bucket = 0;
    }
    p->in_bucket++;
    p->frames++;
    return p->nbuckets - 1;
}

static uint16_t magnitude(int s)
{
    unsigned m = s < 0 ? (unsigned)(-(long)s) : (unsigned)s;
    return (uint16_t)(m > PEAKS_SCALE_MAX ? PEAKS_SCALE_MAX : m);
}

void peaks_add_frame(struct peaks *p, const int *samples)
{
    /* Past the declared length is padding (an MP3 encoder's last frame). */
    if (p->total_frames > 0 && p->frames >= p->total_frames)
        return;
    uint32_t b = open_bucket(p);
    for (unsigned c = 0; c < p->channels; c++) {
        uint16_t m = magnitude(samples[c]);
        uint16_t *slot = &p->v[(size_t)c * PEAKS_MAX_BUCKETS + b];
        if (m > *slot)
            *slot = m;
    }
}

void peaks_add_s16(struct peaks *p, const int16_t *interleaved, size_t frames)
{
    int frame[PEAKS_MAX_CHANNELS];
    for (size_t f = 0; f < frames; f++) {
        for (unsigned c = 0; c < p->channels; c++)
            frame[c] = interleaved[f * p->channels + c];
        peaks_add_frame(p, frame);
    }
}

unsigned peaks_channels(const struct peaks *p)
{
    return p->channels;
}
unsigned peaks_rate(const struct peaks *p)
{
    return p->rate;
}
uint64_t peaks_frames(const struct peaks *p)
{
    return p->frames;
}
uint64_t peaks_total_frames(const struct peaks *p)
{
    return p->total_frames;
}
unsigned peaks_buckets(const struct peaks *p)
{
    return p->nbuckets;
}

double peaks_duration_s(const struct peaks *p)
{
    return (double)p->frames / (double)p->rate;
}

unsigned peaks_resample(const struct peaks *p, unsigned points, uint16_t *out)
{
    unsigned n = p->nbuckets;
    unsigned k = points < n ? points : n;
    for (unsigned c = 0; c < p->channels; c++) {
        const uint16_t *v = p->v + (size_t)c * PEAKS_MAX_BUCKETS;
        for (unsigned j = 0; j < k; j++) {
            /* buckets [j*n/k, (j+1)*n/k): every bucket lands in exactly one point */
            unsigned lo = (unsigned)((uint64_t)j * n / k),
                     hi = (unsigned)((uint64_t)(j + 1) * n / k);
            uint16_t m = 0;
            for (unsigned i = lo; i < hi; i++)
                if (v[i] > m)
                    m = v[i];
            out[(size_t)c * k + j] = m;
        }
    }
    return k;
}

/* ---- encoding ------------------------------------------------------------ */

static void put32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get64(const uint8_t *b)
{
    return (uint64_t)get32(b) | (uint64_t)get32(b + 4) << 32;
}

uint8_t *peaks_encode_dup(const struct peaks *p, const char *sha256, size_t *plen)
{
    size_t values = (size_t)p->channels * p->nbuckets;
    size_t len = HEADER_LEN + values * 2;
    uint8_t *b = xcalloc(1, len), *q = b;
    memcpy(q, MAGIC, 8);
    put32(q + 8, VERSION);
    put32(q + 12, p->channels);
    put32(q + 16, p->rate);
    put32(q + 20, p->fpb);
    put32(q + 24, p->nbuckets);
    put32(q + 28, 0);
    put64(q + 32, p->frames);
    put64(q + 40, p->total_frames);
    size_t shalen = strlen(sha256);
    memcpy(q + 48, sha256, shalen < PEAKS_SHA_LEN ? shalen : PEAKS_SHA_LEN);
    q += HEADER_LEN;
    for (unsigned c = 0; c < p->channels; c++)
        for (uint32_t i = 0; i < p->nbuckets; i++, q += 2) {
            uint16_t v = p->v[(size_t)c * PEAKS_MAX_BUCKETS + i];
            q[0] = (uint8_t)v;
            q[1] = (uint8_t)(v >> 8);
        }
    *plen = len;
    return b;
}

recd_err peaks_decode(const uint8_t *buf, size_t len, const char *sha256, struct peaks **pp)
{
    *pp = NULL;
    if (len < HEADER_LEN || memcmp(buf, MAGIC, 8) != 0 || get32(buf + 8) != VERSION)
        return RECD_EINVAL;
    unsigned channels = get32(buf + 12), rate = get32(buf + 16);
    uint32_t fpb = get32(buf + 20), nbuckets = get32(buf + 24);
    if (nbuckets > PEAKS_MAX_BUCKETS || fpb == 0 ||
        len != HEADER_LEN + (size_t)channels * nbuckets * 2)
        return RECD_EINVAL;
    char stamp[PEAKS_SHA_LEN + 1];
    memcpy(stamp, buf + 48, PEAKS_SHA_LEN);
    stamp[PEAKS_SHA_LEN] = '\0';
    if (strcmp(stamp, sha256) != 0)
        return RECD_ENOTFOUND;
    struct peaks *p = peaks_new(channels, rate, get64(buf + 40));
    if (!p)
        return RECD_EINVAL;
    p->fpb = fpb;
    p->nbuckets = nbuckets;
    p->frames = get64(buf + 32);
    p->in_bucket = fpb;
    const uint8_t *q = buf + HEADER_LEN;
    for (unsigned c = 0; c < channels; c++)
        for (uint32_t i = 0; i < nbuckets; i++, q += 2)
            p->v[(size_t)c * PEAKS_MAX_BUCKETS + i] = (uint16_t)(q[0] | q[1] << 8);
    *pp = p;
    return RECD_OK;
}
