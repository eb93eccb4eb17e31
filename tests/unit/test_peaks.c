/* SPDX-License-Identifier: MIT */
/*
 * test_peaks.c — peaks/: the reduction and its resampling, the sidecar
 * encoding, WAV decoding (PCM 8/16-bit, µ-law, A-law, mono and dual
 * channel, files cut short), MP3 decoding with libmpg123 (committed
 * fixtures, tests/unit/data/make-mp3-fixtures.sh), and the sidecar file
 * written beside a recording in a temporary cache directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "peaks/decode.h"
#include "peaks/peaks.h"
#include "peaks/peaks_file.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* ---- a WAV writer for the tests --------------------------------------------- */

struct wav_spec {
    unsigned codec, channels, rate, bits;
    unsigned frames;
};

static void le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xFFFF);
    le16(p + 2, v >> 16);
}

/* µ-law encoder (G.711) so that the decoder is checked against its inverse. */
static uint8_t to_mulaw(int s)
{
    int sign = s < 0 ? 0x80 : 0;
    if (s < 0)
        s = -s;
    if (s > 32635)
        s = 32635;
    s += 0x84;
    int exp = 7;
    for (int mask = 0x4000; !(s & mask) && exp > 0; mask >>= 1)
        exp--;
    int mant = (s >> (exp + 3)) & 0x0F;
    return (uint8_t) ~(sign | exp << 4 | mant);
}

/* Channel c's sample n: channel 0 loud in the first half, channel 1 in the second. */
static int test_sample(const struct wav_spec *w, unsigned c, unsigned n)
{
    bool first = n < w->frames / 2;
    double amp = (c == 0 ? first : !first) ? 0.8 : 0.05;
    return (int)(32767 * amp * sin(2 * M_PI * 440.0 * n / w->rate));
}

static uint8_t *make_wav(const struct wav_spec *w, size_t *plen)
{
    unsigned bps = w->bits / 8;
    uint32_t data = w->frames * w->channels * bps;
    /* a LIST chunk before data, as many writers add, with an odd size */
    static const char list[] = "LIST\x03\0\0\0"
                               "abc\0";
    size_t len = 12 + 24 + sizeof(list) - 1 + 8 + data;
    uint8_t *b = calloc(1, len), *p = b;
    memcpy(p, "RIFF", 4);
    le32(p + 4, (uint32_t)len - 8);
    memcpy(p + 8, "WAVEfmt ", 8);
    le32(p + 16, 16);
    le16(p + 20, w->codec);
    le16(p + 22, w->channels);
    le32(p + 24, w->rate);
    le32(p + 28, w->rate * w->channels * bps);
    le16(p + 32, w->channels * bps);
    le16(p + 34, w->bits);
    p += 36;
    memcpy(p, list, sizeof(list) - 1);
    p += sizeof(list) - 1;
    memcpy(p, "data", 4);
    le32(p + 4, data);
    p += 8;
    for (unsigned n = 0; n < w->frames; n++)
        for (unsigned c = 0; c < w->channels; c++, p += bps) {
            int s = test_sample(w, c, n);
            if (w->codec == 7)
                p[0] = to_mulaw(s);
            else if (w->bits == 8)
                p[0] = (uint8_t)((s >> 8) + 128);
            else
                le16(p, (unsigned)(uint16_t)(int16_t)s);
        }
    *plen = len;
    return b;
}

/* The loudest value of points [lo, hi) of channel c in a resampled array. */
static unsigned span_max(const uint16_t *v, unsigned k, unsigned c, unsigned lo, unsigned hi)
{
    unsigned m = 0;
    for (unsigned j = lo; j < hi; j++)
        if (v[c * k + j] > m)
            m = v[c * k + j];
    return m;
}

/* Loud half near 0.8 of full scale, quiet half near 0.05 (codec error allowed). */
static void assert_dialogue(const struct peaks *p, unsigned channels)
{
    uint16_t v[2 * 100];
    unsigned k = peaks_resample(p, 100, v);
    assert_int_equal(k, 100);
    for (unsigned c = 0; c < channels; c++) {
        unsigned first = span_max(v, k, c, 5, 45), second = span_max(v, k, c, 55, 95);
        unsigned loud = c == 0 ? first : second, quiet = c == 0 ? second : first;
        assert_in_range(loud, 24000, 29500);
        assert_in_range(quiet, 0, 3500);
    }
}

/* ---- reduction ------------------------------------------------------------- */

static void test_reduce_known_length(void **state)
{
    struct peaks *p = peaks_new(1, 8000, 8192);
    int16_t s[8192];
    for (int i = 0; i < 8192; i++)
        s[i] = (int16_t)(i < 4096 ? 1000 : -30000);
    peaks_add_s16(p, s, 8192);
    assert_int_equal(peaks_buckets(p), 4096); /* 2 frames per bucket */
    assert_int_equal(peaks_frames(p), 8192);
    assert_float_equal(peaks_duration_s(p), 1.024, 1e-9);
    uint16_t v[4];
    assert_int_equal(peaks_resample(p, 4, v), 4);
    assert_int_equal(v[0], 1000);
    assert_int_equal(v[1], 1000);
    assert_int_equal(v[2], 30000);
    assert_int_equal(v[3], 30000);
    peaks_free(p);
}

static void test_reduce_unknown_length_merges(void **state)
{
    /* 10 ms buckets at 8 kHz = 80 frames; 1000 s is 100,000 buckets → merged */
    struct peaks *p = peaks_new(2, 8000, 0);
    int frame[2];
    for (unsigned n = 0; n < 8000u * 1000; n++) {
        frame[0] = n == 123456 ? -32768 : 10;
        frame[1] = 20;
        peaks_add_frame(p, frame);
    }
    assert_true(peaks_buckets(p) <= PEAKS_MAX_BUCKETS);
    assert_true(peaks_buckets(p) > PEAKS_MAX_BUCKETS / 2);
    uint16_t v[2 * 10];
    assert_int_equal(peaks_resample(p, 10, v), 10);
    assert_int_equal(v[0], 32768); /* the one loud sample survives every merge */
    assert_int_equal(v[1], 10);
    assert_int_equal(v[10], 20);
    peaks_free(p);
}

static void test_resample_never_invents_points(void **state)
{
    struct peaks *p = peaks_new(1, 8000, 0);
    int16_t s[160] = { 0 };
    s[100] = 500;
    peaks_add_s16(p, s, 160); /* two 10 ms buckets */
    uint16_t v[1000];
    assert_int_equal(peaks_resample(p, 1000, v), 2);
    assert_int_equal(v[0], 0);
    assert_int_equal(v[1], 500);
    peaks_free(p);
    assert_null(peaks_new(0, 8000, 0));
    assert_null(peaks_new(9, 8000, 0));
    assert_null(peaks_new(1, 0, 0));
}

static void test_encode_decode(void **state)
{
    struct wav_spec w = { 1, 2, 8000, 16, 16000 };
    size_t len;
    uint8_t *wav = make_wav(&w, &len);
    struct peaks *p = NULL, *q = NULL;
    char err[128];
    assert_int_equal(peaks_from_wav(wav, len, &p, err, sizeof(err)), RECD_OK);
    size_t n;
    uint8_t *enc = peaks_encode_dup(p, SHA_A, &n);
    assert_int_equal(peaks_decode(enc, n, SHA_B, &q), RECD_ENOTFOUND); /* stale */
    assert_null(q);
    assert_int_equal(peaks_decode(enc, n - 1, SHA_A, &q), RECD_EINVAL);
    assert_int_equal(peaks_decode(enc, n, SHA_A, &q), RECD_OK);
    assert_int_equal(peaks_channels(q), 2);
    assert_int_equal(peaks_rate(q), 8000);
    assert_int_equal(peaks_frames(q), 16000);
    uint16_t a[2 * 50], b[2 * 50];
    assert_int_equal(peaks_resample(p, 50, a), peaks_resample(q, 50, b));
    assert_memory_equal(a, b, sizeof(a));
    enc[0] = 'X';
    peaks_free(q);
    assert_int_equal(peaks_decode(enc, n, SHA_A, &q), RECD_EINVAL);
    free(enc);
    peaks_free(p);
    free(wav);
}

/* ---- WAV -------------------------------------------------------------------- */

static void check_wav(unsigned codec, unsigned channels, unsigned bits)
{
    struct wav_spec w = { codec, channels, 8000, bits, 32000 };
    size_t len;
    uint8_t *wav = make_wav(&w, &len);
    struct peaks *p = NULL;
    char err[128] = "";
    assert_int_equal(peaks_sniff(wav, len), PEAKS_FORMAT_WAV);
    assert_int_equal(peaks_from_audio(wav, len, &p, err, sizeof(err)), RECD_OK);
    assert_int_equal(peaks_channels(p), channels);
    assert_int_equal(peaks_total_frames(p), 32000);
    assert_float_equal(peaks_duration_s(p), 4.0, 1e-9);
    assert_dialogue(p, channels);
    peaks_free(p);
    free(wav);
}

static void test_wav_pcm16_mono(void **state)
{
    check_wav(1, 1, 16);
}
static void test_wav_pcm16_dual(void **state)
{
    check_wav(1, 2, 16);
}
static void test_wav_pcm8(void **state)
{
    check_wav(1, 1, 8);
}
static void test_wav_mulaw_dual(void **state)
{
    check_wav(7, 2, 8);
}

static void test_wav_alaw_decodes(void **state)
{
    /* A-law 0xD5 is the smallest positive step; 0x2A is the largest negative */
    struct wav_spec w = { 6, 1, 8000, 8, 2 };
    size_t len;
    uint8_t *wav = make_wav(&w, &len);
    wav[len - 2] = 0xD5;
    wav[len - 1] = 0x2A;
    struct peaks *p = NULL;
    char err[128];
    assert_int_equal(peaks_from_wav(wav, len, &p, err, sizeof(err)), RECD_OK);
    uint16_t v[1];
    assert_int_equal(peaks_resample(p, 1, v), 1);
    assert_int_equal(v[0], 32256);
    peaks_free(p);
    free(wav);
}

static void test_wav_prefix_keeps_final_scale(void **state)
{
    struct wav_spec w = { 1, 1, 8000, 16, 32000 };
    size_t len;
    uint8_t *wav = make_wav(&w, &len);
    struct peaks *p = NULL;
    char err[128];
    /* a quarter landed (header 56 bytes), cut mid-sample */
    assert_int_equal(peaks_from_wav(wav, 56 + 16001, &p, err, sizeof(err)), RECD_OK);
    assert_int_equal(peaks_total_frames(p), 32000);
    assert_int_equal(peaks_frames(p), 8000);
    peaks_free(p);
    free(wav);
}

static void test_wav_rejects(void **state)
{
    struct peaks *p = NULL;
    char err[128];
    struct wav_spec w = { 3, 1, 8000, 32, 10 }; /* IEEE float */
    size_t len;
    uint8_t *wav = make_wav(&w, &len);
    assert_int_equal(peaks_from_wav(wav, len, &p, err, sizeof(err)), RECD_EINVAL);
    assert_non_null(strstr(err, "not supported"));
    le16(wav + 20, 1);
    le16(wav + 22, 0); /* no channels */
    assert_int_equal(peaks_from_wav(wav, len, &p, err, sizeof(err)), RECD_EINVAL);
    assert_int_equal(peaks_from_wav(wav, 30, &p, err, sizeof(err)), RECD_EINVAL); /* fmt cut */
    assert_int_equal(peaks_from_wav((const uint8_t *)"RIFF\0\0\0\0WAVE", 12, &p, err, sizeof(err)),
                     RECD_EINVAL);
    assert_int_equal(peaks_from_audio((const uint8_t *)"hello world!", 12, &p, err, sizeof(err)),
                     RECD_EINVAL);
    assert_null(p);
    free(wav);
}

/* ---- MP3 -------------------------------------------------------------------- */

static uint8_t *read_fixture(const char *name, size_t *plen)
{
    char path[1024];
    const char *dir = getenv("RECD_TEST_DATA");
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/unit/data", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(1 << 20);
    *plen = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static void check_mp3(const char *name, unsigned channels)
{
    size_t len;
    uint8_t *mp3 = read_fixture(name, &len);
    struct peaks *p = NULL;
    char err[128] = "";
    assert_int_equal(peaks_sniff(mp3, len), PEAKS_FORMAT_MP3);
    assert_int_equal(peaks_from_audio(mp3, len, &p, err, sizeof(err)), RECD_OK);
    assert_int_equal(peaks_channels(p), channels);
    assert_int_equal(peaks_rate(p), 8000);
    assert_float_equal(peaks_duration_s(p), 4.0, 0.1);
    assert_dialogue(p, channels);
    peaks_free(p);

    /* a prefix (a download in progress) decodes what is there */
    assert_int_equal(peaks_from_mp3(mp3, len / 2, &p, err, sizeof(err)), RECD_OK);
    assert_in_range((unsigned)(peaks_duration_s(p) * 10), 15, 21);
    peaks_free(p);
    assert_int_equal(peaks_from_mp3(mp3, 10, &p, err, sizeof(err)), RECD_EINVAL);
    assert_null(p);
    free(mp3);
}

static void test_mp3_mono(void **state)
{
    check_mp3("tone-mono.mp3", 1);
}
static void test_mp3_stereo(void **state)
{
    check_mp3("tone-stereo.mp3", 2);
}

/* ---- the sidecar ------------------------------------------------------------------ */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void test_sidecar_build_and_load(void **state)
{
    char root[] = "/tmp/recd-test-peaks-XXXXXX", path[512], tmp[512];
    assert_non_null(mkdtemp(root));
    snprintf(tmp, sizeof(tmp), "%s/tmp", root);
    snprintf(path, sizeof(path), "%s/ab", root);
    assert_int_equal(mkdir(tmp, 0700), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    struct wav_spec w = { 1, 2, 8000, 16, 8000 };
    size_t len;
    uint8_t *wav = make_wav(&w, &len);
    snprintf(path, sizeof(path), "%s/ab/CA1.wav", root);
    FILE *f = fopen(path, "wb");
    fwrite(wav, 1, len, f);
    fclose(f);

    struct peaks *p = NULL;
    char err[256] = "";
    assert_int_equal(peaks_file_load(root, "ab/CA1.wav", SHA_A, &p), RECD_ENOTFOUND);
    assert_int_equal(peaks_file_build(root, "ab/CA1.wav", SHA_A, &p, err, sizeof(err)), RECD_OK);
    assert_int_equal(peaks_channels(p), 2);
    peaks_free(p);
    assert_int_equal(peaks_file_load(root, "ab/CA1.wav", SHA_A, &p), RECD_OK);
    assert_float_equal(peaks_duration_s(p), 1.0, 1e-9);
    peaks_free(p);
    assert_int_equal(peaks_file_load(root, "ab/CA1.wav", SHA_B, &p), RECD_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/ab/CA1.wav.peaks", root);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(rmdir(tmp), 0); /* no temp file left behind */
    assert_int_equal(peaks_file_build(root, "../x.wav", SHA_A, NULL, err, sizeof(err)),
                     RECD_EINVAL);
    assert_int_equal(peaks_file_build(root, "ab/none.wav", SHA_A, NULL, err, sizeof(err)),
                     RECD_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/ab/CA1.wav", root);
    assert_int_equal(peaks_file_scan(path, &p, err, sizeof(err)), RECD_OK);
    peaks_free(p);
    free(wav);
    nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reduce_known_length),
        cmocka_unit_test(test_reduce_unknown_length_merges),
        cmocka_unit_test(test_resample_never_invents_points),
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_wav_pcm16_mono),
        cmocka_unit_test(test_wav_pcm16_dual),
        cmocka_unit_test(test_wav_pcm8),
        cmocka_unit_test(test_wav_mulaw_dual),
        cmocka_unit_test(test_wav_alaw_decodes),
        cmocka_unit_test(test_wav_prefix_keeps_final_scale),
        cmocka_unit_test(test_wav_rejects),
        cmocka_unit_test(test_mp3_mono),
        cmocka_unit_test(test_mp3_stereo),
        cmocka_unit_test(test_sidecar_build_and_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
