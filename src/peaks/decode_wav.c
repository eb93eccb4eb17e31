/* SPDX-License-Identifier: MIT */
/*
 * decode_wav.c — RIFF/WAVE parsing and sample decoding for peaks (see
 * decode.h). Chunks are walked by their declared sizes, each checked
 * against the bytes present; the data chunk may be shorter than declared
 * (a file still landing, or Twilio's streaming 0xFFFFFFFF size).
 */
#include "peaks/decode.h"

#include <stdio.h>
#include <string.h>

enum wav_codec { CODEC_PCM = 1, CODEC_ALAW = 6, CODEC_MULAW = 7, CODEC_EXTENSIBLE = 0xFFFE };

struct wav_fmt {
    unsigned codec, channels, rate, bits;
};

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static unsigned le16(const uint8_t *b)
{
    return (unsigned)b[0] | (unsigned)b[1] << 8;
}

/* G.711 µ-law → 16-bit linear (ITU-T G.711, as in Sun's g711.c). */
static int mulaw(uint8_t u)
{
    u = (uint8_t)~u;
    int t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
    return (u & 0x80) ? 0x84 - t : t - 0x84;
}

/* G.711 A-law → 16-bit linear. */
static int alaw(uint8_t a)
{
    a ^= 0x55;
    int t = (a & 0x0F) << 4;
    int seg = (a & 0x70) >> 4;
    if (seg == 0)
        t += 8;
    else
        t = (t + 0x108) << (seg - 1);
    return (a & 0x80) ? t : -t;
}

static int sample_at(const struct wav_fmt *f, const uint8_t *p)
{
    switch (f->codec) {
    case CODEC_MULAW:
        return mulaw(p[0]);
    case CODEC_ALAW:
        return alaw(p[0]);
    default:
        break;
    }
    switch (f->bits) {
    case 8:
        return ((int)p[0] - 128) * 256; /* 8-bit PCM is unsigned */
    case 16:
        return (int16_t)le16(p);
    case 24:
        return (int16_t)le16(p + 1);
    default: /* 32 */
        return (int16_t)le16(p + 2);
    }
}

static bool parse_fmt(const uint8_t *b, uint32_t size, struct wav_fmt *f, char *err, size_t errlen)
{
    if (size < 16) {
        snprintf(err, errlen, "WAV fmt chunk too short");
        return false;
    }
    f->codec = le16(b);
    f->channels = le16(b + 2);
    f->rate = le32(b + 4);
    f->bits = le16(b + 14);
    if (f->codec == CODEC_EXTENSIBLE && size >= 26)
        f->codec = le16(b + 24); /* the sub-format GUID starts with the codec */
    bool pcm =
        f->codec == CODEC_PCM && (f->bits == 8 || f->bits == 16 || f->bits == 24 || f->bits == 32);
    bool g711 = (f->codec == CODEC_MULAW || f->codec == CODEC_ALAW) && f->bits == 8;
    if (!pcm && !g711) {
        snprintf(err, errlen, "WAV codec %u with %u-bit samples is not supported", f->codec,
                 f->bits);
        return false;
    }
    if (f->channels < 1 || f->channels > PEAKS_MAX_CHANNELS || f->rate < 1 || f->rate > 384000) {
        snprintf(err, errlen, "WAV with %u channels at %u Hz is not supported", f->channels,
                 f->rate);
        return false;
    }
    return true;
}

recd_err peaks_from_wav(const uint8_t *buf, size_t len, struct peaks **pp, char *err, size_t errlen)
{
    *pp = NULL;
    if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
        snprintf(err, errlen, "not a RIFF/WAVE file");
        return RECD_EINVAL;
    }
    struct wav_fmt f = { 0 };
    bool have_fmt = false;
    size_t pos = 12;
    while (pos + 8 <= len) {
        const uint8_t *ck = buf + pos;
        uint32_t size = le32(ck + 4);
        size_t body = pos + 8, avail = len - body;
        if (memcmp(ck, "fmt ", 4) == 0) {
            if (size > avail || !parse_fmt(ck + 8, size, &f, err, errlen)) {
                if (size > avail)
                    snprintf(err, errlen, "WAV fmt chunk cut short");
                return RECD_EINVAL;
            }
            have_fmt = true;
        } else if (memcmp(ck, "data", 4) == 0) {
            if (!have_fmt) {
                snprintf(err, errlen, "WAV data chunk before its fmt chunk");
                return RECD_EINVAL;
            }
            size_t frame = (size_t)f.channels * (f.bits / 8);
            uint64_t declared = size == 0xFFFFFFFFu ? 0 : size / frame;
            size_t have = (size < avail ? size : avail) / frame;
            struct peaks *p = peaks_new(f.channels, f.rate, declared);
            int s[PEAKS_MAX_CHANNELS];
            for (size_t i = 0; i < have; i++) {
                const uint8_t *q = buf + body + i * frame;
                for (unsigned c = 0; c < f.channels; c++)
                    s[c] = sample_at(&f, q + c * (f.bits / 8));
                peaks_add_frame(p, s);
            }
            *pp = p;
            return RECD_OK;
        }
        if (size > avail)
            break;
        pos = body + size + (size & 1); /* chunks are padded to even sizes */
    }
    snprintf(err, errlen, have_fmt ? "WAV without a data chunk" : "WAV without a fmt chunk");
    return RECD_EINVAL;
}

enum peaks_format peaks_sniff(const uint8_t *buf, size_t len)
{
    if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 && memcmp(buf + 8, "WAVE", 4) == 0)
        return PEAKS_FORMAT_WAV;
    if (len >= 3 && memcmp(buf, "ID3", 3) == 0)
        return PEAKS_FORMAT_MP3;
    if (len >= 2 && buf[0] == 0xFF && (buf[1] & 0xE0) == 0xE0)
        return PEAKS_FORMAT_MP3; /* an MPEG audio frame sync */
    return PEAKS_FORMAT_UNKNOWN;
}

recd_err peaks_from_audio(const uint8_t *buf, size_t len, struct peaks **pp, char *err,
                          size_t errlen)
{
    switch (peaks_sniff(buf, len)) {
    case PEAKS_FORMAT_WAV:
        return peaks_from_wav(buf, len, pp, err, errlen);
    case PEAKS_FORMAT_MP3:
        return peaks_from_mp3(buf, len, pp, err, errlen);
    default:
        *pp = NULL;
        snprintf(err, errlen, "neither WAV nor MP3");
        return RECD_EINVAL;
    }
}
