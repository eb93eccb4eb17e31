/* SPDX-License-Identifier: MIT */
/*
 * test_provider.c — provider_fetch against two in-process HTTP servers on
 * 127.0.0.1 (libmicrohttpd): "api", a Twilio stand-in whose behaviour is
 * chosen by the recording sid in the path, and "other", a second origin
 * used as a redirect target that records whether credentials reached it.
 * Also the pure helpers: RFC 2822 dates, listing choice, URL helpers and
 * configuration checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "provider/download.h"
#include "provider/provider.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ACCOUNT "ACtest"
#define TOKEN "s3cret"
#define BEARER "tok-123"
#define PREFIX "/2010-04-01/Accounts/" ACCOUNT

/* ---- media bodies: deterministic bytes, so tests know their sha256 ---- */

struct body {
    int seed;
    size_t size;
};

static const struct body B_NEWEST = { 1, 300 * 1024 };
static const struct body B_OLD = { 2, 1000 };
static const struct body B_MID = { 3, 2000 };
static const struct body B_OTHER = { 4, 70000 };
static const struct body B_URL = { 5, 50000 };
static const struct body B_CHUNKED = { 6, 300 * 1024 };

/* Starts like a WAV file: Twilio media must (download_looks_like_audio). */
static unsigned char body_byte(const struct body *b, size_t i)
{
    static const unsigned char riff[12] = "RIFF\x24\x00\x00\x00WAVE";
    if (i < sizeof(riff))
        return riff[i];
    return (unsigned char)((i * 31u + (size_t)b->seed * 7u + (i >> 8)) & 0xff);
}

static void body_fill(const struct body *b, size_t pos, char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)body_byte(b, pos + i);
}

static void body_sha256(const struct body *b, char out[65])
{
    char *buf = malloc(b->size);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    body_fill(b, 0, buf, b->size);
    assert_int_equal(EVP_Digest(buf, b->size, md, &n, EVP_sha256(), NULL), 1);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    free(buf);
}

/* ---- the servers --------------------------------------------------------- */

struct server {
    struct MHD_Daemon *d;
    int port;
    atomic_int listings;  /* listing requests seen */
    atomic_int requests;  /* all requests seen */
    atomic_int auth_seen; /* -1 untouched, 0 no Authorization, 1 with one */
};

static struct server api, other;
static atomic_bool stopping;
static char basic_header[128]; /* "Basic base64(ACtest:s3cret)" */

/* Streams a body of a declared size, optionally failing part-way. */
struct stream {
    const struct body *b;
    size_t send;  /* bytes to send before ending */
    bool stall;   /* after `send` bytes, stall instead of ending */
};

static const struct stream S_TRUNC = { &B_NEWEST, 40000, false };
static const struct stream S_CHUNKED = { &B_CHUNKED, 300 * 1024, false };
/* Stalls before the first byte: libcurl averages speed over ~5 s, so a
 * stall after some bytes would take that long to notice. */
static const struct stream S_STALL = { &B_NEWEST, 0, true };

static ssize_t on_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    const struct stream *s = cls;
    if (pos >= s->send && s->stall) {
        for (int i = 0; i < 100 && !atomic_load(&stopping); i++)
            usleep(100 * 1000);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (pos >= s->send)
        return s->send < s->b->size ? MHD_CONTENT_READER_END_WITH_ERROR
                                    : MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = s->send - (size_t)pos < max ? s->send - (size_t)pos : max;
    body_fill(s->b, (size_t)pos, buf, n);
    return (ssize_t)n;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *body,
                             size_t len, const char *hname, const char *hvalue)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (hname)
        MHD_add_response_header(r, hname, hvalue);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status, const char *s)
{
    return reply(c, status, s, strlen(s), NULL, NULL);
}

static enum MHD_Result reply_body(struct MHD_Connection *c, const struct body *b)
{
    char *buf = malloc(b->size);
    body_fill(b, 0, buf, b->size);
    struct MHD_Response *r = MHD_create_response_from_buffer(b->size, buf, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_stream(struct MHD_Connection *c, const struct stream *s,
                                    bool chunked)
{
    struct MHD_Response *r = MHD_create_response_from_callback(
        chunked ? MHD_SIZE_UNKNOWN : s->b->size, 16 * 1024, on_read, (void *)s, NULL);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static const char HAPPY_LISTING[] =
    "{\"recordings\":["
    "{\"sid\":\"REold\",\"status\":\"completed\","
    "\"date_created\":\"Tue, 24 Nov 2026 09:00:00 +0000\",\"duration\":\"5\"},"
    "{\"sid\":\"REinprog\",\"status\":\"in-progress\","
    "\"date_created\":\"Tue, 24 Nov 2026 11:00:00 +0000\",\"duration\":null},"
    "{\"sid\":\"REnewest\",\"status\":\"completed\","
    "\"date_created\":\"Tue, 24 Nov 2026 12:30:00 +0200\",\"duration\":\"12\"},"
    "{\"sid\":\"REmid\",\"status\":\"completed\","
    "\"date_created\":\"Tue, 24 Nov 2026 10:15:00 +0000\",\"duration\":\"7\"}"
    "],\"next_page_uri\":null}";

/* CApaged: three pages of one recording each, by ?Page=; the newest
 * completed one is on page 2 (index 1), a processing one on page 3. */
static enum MHD_Result on_paged_listing(struct MHD_Connection *c)
{
    static const char *const pages[] = {
        "{\"recordings\":[{\"sid\":\"REold\",\"status\":\"completed\","
        "\"date_created\":\"Tue, 24 Nov 2026 09:00:00 +0000\"}],"
        "\"next_page_uri\":\"" PREFIX "/Calls/CApaged/Recordings.json?PageSize=1&Page=1\"}",
        "{\"recordings\":[{\"sid\":\"REnewest\",\"status\":\"completed\","
        "\"date_created\":\"Tue, 24 Nov 2026 12:00:00 +0000\",\"duration\":\"12\"}],"
        "\"next_page_uri\":\"" PREFIX "/Calls/CApaged/Recordings.json?PageSize=1&Page=2\"}",
        "{\"recordings\":[{\"sid\":\"REp\",\"status\":\"processing\","
        "\"date_created\":\"Tue, 24 Nov 2026 13:00:00 +0000\"}],\"next_page_uri\":null}",
    };
    const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "Page");
    int i = page ? (int)strtol(page, NULL, 10) : 0;
    if (i < 0 || i > 2)
        return reply_text(c, 404, "no such page");
    return reply_text(c, 200, pages[i]);
}

/* Calls/{call}/Recordings.json: CAhappy has several; CAempty none;
 * CAproc one still processing; CAgone is a 404; CAhuge is over 1 MiB;
 * any other CA<x> has exactly one completed recording RE<x>. */
static enum MHD_Result on_listing(struct MHD_Connection *c, const char *call)
{
    char buf[512];
    atomic_fetch_add(&api.listings, 1);
    if (strcmp(call, "CAhappy") == 0)
        return reply_text(c, 200, HAPPY_LISTING);
    if (strcmp(call, "CAempty") == 0)
        return reply_text(c, 200, "{\"recordings\":[]}");
    if (strcmp(call, "CAproc") == 0)
        return reply_text(c, 200, "{\"recordings\":[{\"sid\":\"REp\",\"status\":\"processing\"}]}");
    if (strcmp(call, "CAgone") == 0)
        return reply_text(c, 404, "{\"code\":20404,\"message\":\"not found\"}");
    if (strcmp(call, "CApaged") == 0)
        return on_paged_listing(c);
    if (strcmp(call, "CAenc") == 0)
        return reply_text(c, 200, "{\"recordings\":[{\"sid\":\"REnewest\",\"status\":"
                                  "\"completed\",\"encryption_details\":{\"type\":\"rsa-aes\"}}]}");
    if (strcmp(call, "CAbadnext") == 0)
        return reply_text(c, 200, "{\"recordings\":[],\"next_page_uri\":\"http://evil/x\"}");
    if (strcmp(call, "CAhuge") == 0) {
        size_t n = 1100 * 1024;
        char *big = malloc(n);
        memset(big, ' ', n);
        memcpy(big, "{\"recordings\":[]", 16);
        big[n - 1] = '}';
        enum MHD_Result ret = reply(c, 200, big, n, NULL, NULL);
        free(big);
        return ret;
    }
    snprintf(buf, sizeof(buf),
             "{\"recordings\":[{\"sid\":\"RE%s\",\"status\":\"completed\","
             "\"date_created\":\"Mon, 23 Nov 2026 10:00:00 +0000\",\"duration\":\"3\"}]}",
             call + 2);
    return reply_text(c, 200, buf);
}

/* Recordings/{sid}.{ext}: the media, with a behaviour per sid. */
static enum MHD_Result on_media(struct MHD_Connection *c, const char *name)
{
    char loc[256];
    if (strcmp(name, "REnewest.wav") == 0 || strcmp(name, "REnewest.mp3") == 0)
        return reply_body(c, &B_NEWEST);
    if (strcmp(name, "REold.wav") == 0)
        return reply_body(c, &B_OLD);
    if (strcmp(name, "REmid.wav") == 0)
        return reply_body(c, &B_MID);
    if (strcmp(name, "REredir.wav") == 0) {
        /* Another host name and port: a different origin for libcurl. */
        snprintf(loc, sizeof(loc), "http://localhost:%d/storage/redir.wav", other.port);
        return reply(c, 302, "", 0, "Location", loc);
    }
    if (strcmp(name, "REloop.wav") == 0)
        return reply(c, 302, "", 0, "Location", PREFIX "/Recordings/REloop.wav");
    if (strcmp(name, "REftp.wav") == 0)
        return reply(c, 302, "", 0, "Location", "ftp://127.0.0.1/x.wav");
    if (strcmp(name, "RE500.wav") == 0)
        return reply_text(c, 500, "boom");
    if (strcmp(name, "RE429.wav") == 0)
        return reply(c, 429, "slow down", 9, "Retry-After", "7");
    if (strcmp(name, "RE403.wav") == 0)
        return reply_text(c, 403, "forbidden");
    if (strcmp(name, "RE418.wav") == 0)
        return reply_text(c, 418, "teapot");
    if (strcmp(name, "REnotaudio.wav") == 0) /* ciphertext, or an HTML page with 200 */
        return reply_text(c, 200, "\x8f\x1c\xd2 encrypted bytes, not a RIFF header at all");
    if (strcmp(name, "REshort.wav") == 0)
        return reply_text(c, 200, "RIFF");
    if (strcmp(name, "REempty200.wav") == 0)
        return reply(c, 200, "", 0, NULL, NULL);
    if (strcmp(name, "REtrunc.wav") == 0)
        return reply_stream(c, &S_TRUNC, false);
    if (strcmp(name, "REchunked.wav") == 0)
        return reply_stream(c, &S_CHUNKED, true);
    if (strcmp(name, "REstall.wav") == 0)
        return reply_stream(c, &S_STALL, false);
    return reply_text(c, 404, "no such recording");
}

static bool header_is(struct MHD_Connection *c, const char *name, const char *want)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
    return v && strcmp(v, want) == 0;
}

static enum MHD_Result on_api(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_ctx)
{
    atomic_fetch_add(&api.requests, 1);
    if (strncmp(url, "/media/", 7) == 0) { /* the url provider's host */
        if (!header_is(c, "Authorization", "Bearer " BEARER))
            return reply_text(c, 401, "bearer needed");
        return reply_body(c, &B_URL);
    }
    if (strncmp(url, "/public/", 8) == 0) { /* same origin, not the account's recordings */
        bool auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") != NULL;
        atomic_store(&api.auth_seen, auth ? 1 : 0);
        return reply_body(c, &B_OTHER);
    }
    if (strncmp(url, PREFIX "/", strlen(PREFIX "/")) != 0)
        return reply_text(c, 404, "unknown path");
    if (!header_is(c, "Authorization", basic_header))
        return reply_text(c, 401, "{\"code\":20003,\"message\":\"Authenticate\"}");
    const char *rest = url + strlen(PREFIX "/");
    char call[80];
    if (sscanf(rest, "Calls/%79[^/]/Recordings.json", call) == 1)
        return on_listing(c, call);
    if (strncmp(rest, "Recordings/", 11) == 0)
        return on_media(c, rest + 11);
    return reply_text(c, 404, "unknown path");
}

/* The second origin: serves anything, remembers if it saw credentials. */
static enum MHD_Result on_other(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **req_ctx)
{
    atomic_fetch_add(&other.requests, 1);
    bool auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") != NULL;
    atomic_store(&other.auth_seen, auth ? 1 : 0);
    return reply_body(c, &B_OTHER);
}

static void server_start(struct server *s, MHD_AccessHandlerCallback handler)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_END);
    assert_non_null(s->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    s->port = info->port;
    assert_true(s->port > 0);
    atomic_store(&s->auth_seen, -1);
}

static int group_setup(void **state)
{
    unsigned char b64[64];
    const char creds[] = ACCOUNT ":" TOKEN;
    EVP_EncodeBlock(b64, (const unsigned char *)creds, (int)strlen(creds));
    snprintf(basic_header, sizeof(basic_header), "Basic %s", b64);
    /* A proxy from the environment must not see these local requests. */
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    server_start(&api, on_api);
    server_start(&other, on_other);
    return 0;
}

static int group_teardown(void **state)
{
    atomic_store(&stopping, true);
    MHD_stop_daemon(api.d);
    MHD_stop_daemon(other.d);
    return 0;
}

/* ---- fetch helpers ------------------------------------------------------- */

struct fetch {
    struct provider *p;
    struct store_recording rec;
    struct provider_result res;
    char path[64];
    int fd;
};

static void config_twilio(struct provider_config *cfg, char *base, size_t len)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(base, len, "http://127.0.0.1:%d/", api.port);
    cfg->kind = PROVIDER_TWILIO;
    cfg->twilio_account_sid = ACCOUNT;
    cfg->twilio_auth_token = TOKEN;
    cfg->twilio_api_base = base;
    cfg->media_format = "wav";
    cfg->connect_timeout_ms = 2000;
    cfg->low_speed_timeout_ms = 5000;
}

static void fetch_begin(struct fetch *f, const struct provider_config *cfg, const char *call_sid)
{
    char err[256] = "";
    memset(f, 0, sizeof(*f));
    f->p = provider_new(cfg, err, sizeof(err));
    if (!f->p)
        fail_msg("provider_new: %s", err);
    snprintf(f->rec.call_sid, sizeof(f->rec.call_sid), "%s", call_sid);
    f->rec.duration_s = -1;
    snprintf(f->path, sizeof(f->path), "/tmp/recd-test-provider-XXXXXX");
    f->fd = mkstemp(f->path);
    assert_true(f->fd >= 0);
}

static recd_err fetch_run(struct fetch *f, provider_progress_cb cb, void *ctx)
{
    return provider_fetch(f->p, &f->rec, f->fd, cb, ctx, &f->res);
}

static int64_t fetch_file_size(const struct fetch *f)
{
    struct stat st;
    assert_int_equal(fstat(f->fd, &st), 0);
    return (int64_t)st.st_size;
}

static void fetch_end(struct fetch *f)
{
    close(f->fd);
    unlink(f->path);
    provider_free(f->p);
}

/* One twilio fetch of call_sid with default config; returns the code. */
static recd_err twilio_fetch_sid(struct fetch *f, const char *call_sid)
{
    struct provider_config cfg;
    char base[64];
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(f, &cfg, call_sid);
    return fetch_run(f, NULL, NULL);
}

static void assert_body(struct fetch *f, const struct body *b)
{
    char want[65];
    body_sha256(b, want);
    assert_string_equal(f->res.sha256, want);
    assert_int_equal(f->res.bytes, (int64_t)b->size);
    assert_int_equal(fetch_file_size(f), (int64_t)b->size);
    assert_string_equal(f->res.error_code, "");
}

static void assert_failed(struct fetch *f, const char *code)
{
    assert_string_equal(f->res.error_code, code);
    assert_true(f->res.error_message[0] != '\0');
    assert_string_equal(f->res.sha256, "");
}

/* ---- twilio -------------------------------------------------------------- */

static void test_twilio_happy_picks_newest_completed(void **state)
{
    struct fetch f;
    char want_url[256];
    int before = atomic_load(&api.listings);
    assert_int_equal(twilio_fetch_sid(&f, "CAhappy"), RECD_OK);
    assert_body(&f, &B_NEWEST);
    assert_string_equal(f.res.recording_sid, "REnewest");
    assert_string_equal(f.res.format, "wav");
    assert_true(f.res.duration_s > 11.99 && f.res.duration_s < 12.01);
    assert_int_equal(f.res.http_status, 200);
    snprintf(want_url, sizeof(want_url),
             "http://127.0.0.1:%d" PREFIX "/Recordings/REnewest.wav", api.port);
    assert_string_equal(f.res.media_url, want_url);
    assert_int_equal(atomic_load(&api.listings), before + 1);
    fetch_end(&f);
}

static void test_twilio_known_media_url_skips_listing(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    int before = atomic_load(&api.listings);
    config_twilio(&cfg, base, sizeof(base));
    cfg.media_format = "mp3";
    fetch_begin(&f, &cfg, "CAknown");
    /* Like a webhook's RecordingUrl: no extension, so the format is added. */
    snprintf(f.rec.media_url, sizeof(f.rec.media_url),
             "http://127.0.0.1:%d" PREFIX "/Recordings/REnewest", api.port);
    snprintf(f.rec.recording_sid, sizeof(f.rec.recording_sid), "REnewest");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_body(&f, &B_NEWEST);
    assert_string_equal(f.res.format, "mp3");
    assert_string_equal(f.res.media_url + strlen(f.res.media_url) - 13, "/REnewest.mp3");
    assert_int_equal(atomic_load(&api.listings), before);
    fetch_end(&f);
}

static void test_twilio_known_recording_sid_skips_listing(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    int before = atomic_load(&api.listings);
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAknownsid");
    snprintf(f.rec.recording_sid, sizeof(f.rec.recording_sid), "REmid");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_body(&f, &B_MID);
    assert_int_equal(atomic_load(&api.listings), before);
    fetch_end(&f);
}

static void test_twilio_redirect_drops_credentials(void **state)
{
    struct fetch f;
    atomic_store(&other.auth_seen, -1);
    assert_int_equal(twilio_fetch_sid(&f, "CAredir"), RECD_OK);
    assert_body(&f, &B_OTHER);
    assert_string_equal(f.res.recording_sid, "REredir");
    assert_int_equal(atomic_load(&other.auth_seen), 0); /* reached, without our secret */
    fetch_end(&f);
}

static void test_twilio_stored_url_elsewhere_gets_no_credentials(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAelsewhere");
    snprintf(f.rec.media_url, sizeof(f.rec.media_url), "http://127.0.0.1:%d/x/y.wav", other.port);
    atomic_store(&other.auth_seen, -1);
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_body(&f, &B_OTHER);
    assert_int_equal(atomic_load(&other.auth_seen), 0);
    fetch_end(&f);
}

/* The account's secret goes only under .../Accounts/{sid}/Recordings/ on
 * the API's origin (SPEC §3), not to another path of the same host. */
static void test_twilio_same_host_outside_recordings_gets_no_credentials(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAsamehost");
    snprintf(f.rec.media_url, sizeof(f.rec.media_url), "http://127.0.0.1:%d/public/y.wav", api.port);
    atomic_store(&api.auth_seen, -1);
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_body(&f, &B_OTHER);
    assert_int_equal(atomic_load(&api.auth_seen), 0);
    fetch_end(&f);
    /* Dot segments do not smuggle it under the prefix either. */
    fetch_begin(&f, &cfg, "CAsamehost2");
    snprintf(f.rec.media_url, sizeof(f.rec.media_url),
             "http://127.0.0.1:%d" PREFIX "/Recordings/../../../../public/z.wav", api.port);
    atomic_store(&api.auth_seen, -1);
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_int_equal(atomic_load(&api.auth_seen), 0);
    fetch_end(&f);
}

/* Every page is read (next_page_uri); the newest completed one wins. */
static void test_twilio_paged_listing(void **state)
{
    struct fetch f;
    int before = atomic_load(&api.listings);
    assert_int_equal(twilio_fetch_sid(&f, "CApaged"), RECD_OK);
    assert_body(&f, &B_NEWEST);
    assert_string_equal(f.res.recording_sid, "REnewest");
    assert_int_equal(atomic_load(&api.listings), before + 3);
    fetch_end(&f);
}

/* Every failure the upstream can produce, by call sid (see on_listing). */
static void test_twilio_failures(void **state)
{
    static const struct {
        const char *call_sid;
        recd_err err;
        const char *code;
        int status;
    } cases[] = {
        { "CAempty", RECD_ENOTFOUND, "recording_not_found", 200 },
        { "CAgone", RECD_ENOTFOUND, "recording_not_found", 404 },
        { "CAproc", RECD_EPENDING, "recording_pending", 200 },
        { "CAenc", RECD_EUPSTREAM_PERM, "recording_encrypted", 200 },
        { "CAbadnext", RECD_EUPSTREAM_PERM, "upstream_error", 200 },
        { "CAhuge", RECD_EUPSTREAM_PERM, "upstream_error", 200 },
        { "CAmissing", RECD_ENOTFOUND, "recording_not_found", 404 }, /* media 404 */
        { "CA500", RECD_EUPSTREAM, "upstream_error", 500 },
        { "CA403", RECD_EAUTH, "upstream_auth", 403 },
        { "CA418", RECD_EUPSTREAM_PERM, "upstream_error", 418 },
        { "CAempty200", RECD_EUPSTREAM, "upstream_error", 200 },
        { "CAnotaudio", RECD_EUPSTREAM_PERM, "recording_not_audio", 200 },
        { "CAshort", RECD_EUPSTREAM_PERM, "recording_not_audio", 200 },
        { "CAtrunc", RECD_ETRUNCATED, "truncated", 200 },
        { "CAloop", RECD_EUPSTREAM_PERM, "upstream_error", 302 },
        { "CAftp", RECD_EUPSTREAM_PERM, "upstream_error", 302 },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        struct fetch f;
        recd_err err = twilio_fetch_sid(&f, cases[i].call_sid);
        if (err != cases[i].err || f.res.http_status != cases[i].status)
            fail_msg("%s: got %s (HTTP %d, %s), want %s (HTTP %d)", cases[i].call_sid,
                     recd_strerror(err), f.res.http_status, f.res.error_message,
                     recd_strerror(cases[i].err), cases[i].status);
        assert_failed(&f, cases[i].code);
        assert_int_equal(f.res.retry_after_ms, 0);
        fetch_end(&f);
    }
}

static void test_twilio_truncated_keeps_what_arrived(void **state)
{
    struct fetch f;
    assert_int_equal(twilio_fetch_sid(&f, "CAtrunc"), RECD_ETRUNCATED);
    assert_int_equal(f.res.bytes, 40000);
    assert_non_null(strstr(f.res.error_message, "truncated"));
    fetch_end(&f);
}

static void test_twilio_429_retry_after(void **state)
{
    struct fetch f;
    assert_int_equal(twilio_fetch_sid(&f, "CA429"), RECD_EUPSTREAM);
    assert_int_equal(f.res.http_status, 429);
    assert_int_equal(f.res.retry_after_ms, 7000);
    assert_failed(&f, "upstream_error");
    assert_non_null(strstr(f.res.error_message, "429"));
    assert_int_equal(fetch_file_size(&f), 0); /* the error page never lands in the file */
    fetch_end(&f);
}

static void test_twilio_bad_credentials(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    config_twilio(&cfg, base, sizeof(base));
    cfg.twilio_auth_token = "wrong";
    fetch_begin(&f, &cfg, "CAhappy");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EAUTH);
    assert_int_equal(f.res.http_status, 401);
    assert_failed(&f, "upstream_auth");
    fetch_end(&f);
}

static void test_connect_failure(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t salen = sizeof(sa);
    /* Bound but not listening: the port is ours and refuses connections. */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &salen), 0);
    config_twilio(&cfg, base, sizeof(base));
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    fetch_begin(&f, &cfg, "CAhappy");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EUPSTREAM);
    assert_int_equal(f.res.http_status, 0);
    assert_failed(&f, "upstream_error");
    fetch_end(&f);
    close(s);
}

static void test_low_speed_timeout(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    config_twilio(&cfg, base, sizeof(base));
    cfg.low_speed_timeout_ms = 1000;
    fetch_begin(&f, &cfg, "CAstall");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EUPSTREAM);
    assert_failed(&f, "upstream_error");
    assert_int_equal(f.res.bytes, 0);
    fetch_end(&f);
}

static void test_max_bytes(void **state)
{
    static const struct {
        const char *call_sid;
        int64_t max;
    } cases[] = {
        { "CAhappy", 1000 },    /* Content-Length says too big: refused up front */
        { "CAchunked", 100000 }, /* no length: counted as it arrives */
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        struct provider_config cfg;
        struct fetch f;
        char base[64];
        config_twilio(&cfg, base, sizeof(base));
        cfg.max_bytes = cases[i].max;
        fetch_begin(&f, &cfg, cases[i].call_sid);
        assert_int_equal(fetch_run(&f, NULL, NULL), RECD_ETOOBIG);
        assert_failed(&f, "too_big");
        assert_true(f.res.bytes <= cases[i].max);
        assert_true(fetch_file_size(&f) <= cases[i].max);
        fetch_end(&f);
    }
}

static void test_chunked_without_length(void **state)
{
    struct fetch f;
    assert_int_equal(twilio_fetch_sid(&f, "CAchunked"), RECD_OK);
    assert_body(&f, &B_CHUNKED);
    fetch_end(&f);
}

struct progress {
    int calls;
    int stop_after; /* return false on this call (1-based); 0 = never */
    int64_t last_done, last_total;
    bool monotonic;
};

static bool on_progress(int64_t done, int64_t total, void *ctx)
{
    struct progress *p = ctx;
    p->calls++;
    if (done < p->last_done)
        p->monotonic = false;
    p->last_done = done;
    p->last_total = total;
    return p->stop_after == 0 || p->calls < p->stop_after;
}

static void test_progress_reported(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    struct progress pr = { .monotonic = true };
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAhappy");
    assert_int_equal(fetch_run(&f, on_progress, &pr), RECD_OK);
    assert_true(pr.calls >= 3); /* 300 KiB in 64 KiB steps */
    assert_true(pr.monotonic);
    assert_int_equal(pr.last_total, (int64_t)B_NEWEST.size);
    assert_true(pr.last_done > 0 && pr.last_done <= (int64_t)B_NEWEST.size);
    fetch_end(&f);
}

static void test_progress_abort_is_lease_lost(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    struct progress pr = { .stop_after = 1, .monotonic = true };
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAhappy");
    assert_int_equal(fetch_run(&f, on_progress, &pr), RECD_ELEASE);
    assert_int_equal(pr.calls, 1);
    assert_failed(&f, "lease_lost");
    assert_true(f.res.bytes < (int64_t)B_NEWEST.size);
    fetch_end(&f);
}

static void test_write_failure_is_eio(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    config_twilio(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAhappy");
    int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (full < 0) {
        fetch_end(&f);
        skip();
    }
    assert_int_equal(provider_fetch(f.p, &f.rec, full, NULL, NULL, &f.res), RECD_EIO);
    assert_failed(&f, "io_error");
    close(full);
    fetch_end(&f);
}

/* ---- url ----------------------------------------------------------------- */

static void config_url(struct provider_config *cfg, char *tmpl, size_t len, const char *bearer)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(tmpl, len, "http://127.0.0.1:%d/media/{call_sid}.{format}", api.port);
    cfg->kind = PROVIDER_URL;
    cfg->url_template = tmpl;
    cfg->url_bearer_token = bearer;
    cfg->media_format = "mp3";
    cfg->connect_timeout_ms = 2000;
}

static void test_url_with_bearer(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char tmpl[128], want[128];
    config_url(&cfg, tmpl, sizeof(tmpl), BEARER);
    fetch_begin(&f, &cfg, "CAurl-1");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_body(&f, &B_URL);
    assert_string_equal(f.res.format, "mp3");
    snprintf(want, sizeof(want), "http://127.0.0.1:%d/media/CAurl-1.mp3", api.port);
    assert_string_equal(f.res.media_url, want);
    fetch_end(&f);

    config_url(&cfg, tmpl, sizeof(tmpl), "wrong");
    fetch_begin(&f, &cfg, "CAurl-1");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EAUTH);
    assert_failed(&f, "upstream_auth");
    fetch_end(&f);
}

static void test_url_registered_media_url_elsewhere(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char tmpl[128];
    config_url(&cfg, tmpl, sizeof(tmpl), BEARER);
    fetch_begin(&f, &cfg, "CAurl-2");
    snprintf(f.rec.media_url, sizeof(f.rec.media_url), "http://127.0.0.1:%d/a/b.WAV?sig=1",
             other.port);
    atomic_store(&other.auth_seen, -1);
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_body(&f, &B_OTHER);
    assert_string_equal(f.res.format, "wav");
    assert_int_equal(atomic_load(&other.auth_seen), 0);
    fetch_end(&f);
}

static void test_invalid_call_sid(void **state)
{
    struct provider_config cfg;
    struct fetch f;
    char tmpl[128];
    int before = atomic_load(&api.requests);
    config_url(&cfg, tmpl, sizeof(tmpl), BEARER);
    fetch_begin(&f, &cfg, "CA/../x");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EINVAL);
    assert_true(f.res.error_message[0] != '\0');
    assert_int_equal(atomic_load(&api.requests), before);
    fetch_end(&f);
}

/* ---- configuration and pure helpers --------------------------------------- */

static void test_config_checks(void **state)
{
    static const struct {
        struct provider_config cfg;
        bool ok;
    } cases[] = {
        { { .kind = PROVIDER_TWILIO, .twilio_account_sid = "AC1", .twilio_auth_token = "t" }, true },
        { { .kind = PROVIDER_TWILIO, .twilio_auth_token = "t" }, false },
        { { .kind = PROVIDER_TWILIO, .twilio_account_sid = "AC/1", .twilio_auth_token = "t" }, false },
        { { .kind = PROVIDER_TWILIO, .twilio_account_sid = "AC1" }, false },
        { { .kind = PROVIDER_TWILIO, .twilio_account_sid = "AC1", .twilio_auth_token = "t",
            .twilio_api_base = "ftp://x" }, false },
        { { .kind = PROVIDER_TWILIO, .twilio_account_sid = "AC1", .twilio_auth_token = "t",
            .media_format = "ogg" }, false },
        { { .kind = PROVIDER_URL, .url_template = "https://m.example/{call_sid}.mp3" }, true },
        { { .kind = PROVIDER_URL }, false },
        { { .kind = PROVIDER_URL, .url_template = "https://m.example/{nope}.mp3" }, false },
        { { .kind = PROVIDER_URL, .url_template = "https://m/{call_sid}", .url_bearer_token = "b",
            .url_basic_user = "u" }, false },
        { { .kind = PROVIDER_URL, .url_template = "https://m/{call_sid}",
            .url_basic_password = "p" }, false },
        { { .kind = (enum provider_kind)7 }, false },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        char err[256] = "";
        struct provider *p = provider_new(&cases[i].cfg, err, sizeof(err));
        if ((p != NULL) != cases[i].ok)
            fail_msg("case %zu: got %s (%s)", i, p ? "ok" : "error", err);
        if (!p)
            assert_true(err[0] != '\0');
        provider_free(p);
    }
    assert_string_equal(provider_kind_name(PROVIDER_TWILIO), "twilio");
    assert_string_equal(provider_kind_name(PROVIDER_URL), "url");
}

static void test_parse_date(void **state)
{
    static const struct {
        const char *in;
        int64_t want_s; /* -1: malformed */
    } cases[] = {
        { "Tue, 24 Nov 2026 10:00:00 +0000", 1795514400 },
        { "Tue, 24 Nov 2026 12:30:00 +0200", 1795516200 },
        { "Mon, 23 Nov 2026 19:00:00 -0500", 1795478400 },
        { "24 Nov 2026 10:00:00 GMT", 1795514400 },
        { "Thu, 1 Jan 1970 00:00:00 +0000", 0 },
        { "Thu, 29 Feb 2024 23:59:59 +0000", 1709251199 },
        { "Wed, 24 Nov 2026 10:00 UT", 1795514400 },
        { "Tue, 30 Feb 2026 10:00:00 +0000", -1 },
        { "Tue, 24 Foo 2026 10:00:00 +0000", -1 },
        { "Tue, 24 Nov 2026 24:00:00 +0000", -1 },
        { "Tue, 24 Nov 2026 10:00:00", -1 },
        { "Tue, 24 Nov 2026 10:00:00 +00", -1 },
        { "Tue 24 Nov 2026 10:00:00 +0000", -1 },
        { "2026-11-24T10:00:00Z", -1 },
        { "Tue, 24 Nov 2026 10:00:00 +0000 junk", -1 },
        { "", -1 },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        int64_t got = twilio_parse_date(cases[i].in);
        int64_t want = cases[i].want_s < 0 ? -1 : cases[i].want_s * 1000;
        if (got != want)
            fail_msg("\"%s\": got %lld, want %lld", cases[i].in, (long long)got, (long long)want);
    }
    assert_int_equal(twilio_parse_date(NULL), -1);
}

static void test_pick(void **state)
{
    static const struct {
        const char *json;
        recd_err err;
        const char *sid;
    } cases[] = {
        { HAPPY_LISTING, RECD_OK, "REnewest" },
        { "{\"recordings\":[]}", RECD_ENOTFOUND, "" },
        { "{\"recordings\":[{\"sid\":\"REa\",\"status\":\"failed\"}]}", RECD_ENOTFOUND, "" },
        { "{\"recordings\":[{\"sid\":\"REa\",\"status\":\"in-progress\"}]}", RECD_EPENDING, "" },
        { "{\"recordings\":[{\"sid\":\"REa\",\"status\":\"paused\"}]}", RECD_EPENDING, "" },
        /* A completed one is served even when a newer one is still coming. */
        { "{\"recordings\":[{\"sid\":\"REa\",\"status\":\"processing\"},"
          "{\"sid\":\"REb\",\"status\":\"completed\","
          "\"date_created\":\"Tue, 24 Nov 2026 10:00:00 +0000\"}]}", RECD_OK, "REb" },
        /* Voice Recording Encryption: refused, never downloaded. */
        { "{\"recordings\":[{\"sid\":\"REe\",\"status\":\"completed\","
          "\"encryption_details\":{\"type\":\"rsa-aes\",\"public_key_sid\":\"CR1\"}}]}",
          RECD_EUPSTREAM_PERM, "REe" },
        { "{\"recordings\":[{\"sid\":\"REe\",\"status\":\"completed\","
          "\"encryption_details\":null}]}", RECD_OK, "REe" },
        /* An unparsable date loses to a parsable one, wherever it is. */
        { "{\"recordings\":[{\"sid\":\"REa\",\"status\":\"completed\",\"date_created\":\"x\"},"
          "{\"sid\":\"REb\",\"status\":\"completed\","
          "\"date_created\":\"Tue, 24 Nov 2026 10:00:00 +0000\"}]}", RECD_OK, "REb" },
        /* A sid that is not safe in a path is skipped. */
        { "{\"recordings\":[{\"sid\":\"../x\",\"status\":\"completed\"}]}", RECD_ENOTFOUND, "" },
        { "{\"recordings\":{}}", RECD_EUPSTREAM, "" },
        { "<html>", RECD_EUPSTREAM, "" },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        struct provider_result r;
        memset(&r, 0, sizeof(r));
        recd_err err = twilio_pick(cases[i].json, strlen(cases[i].json), &r);
        if (err != cases[i].err)
            fail_msg("case %zu: got %s (%s)", i, recd_strerror(err), r.error_message);
        assert_string_equal(r.recording_sid, cases[i].sid);
        if (err != RECD_OK)
            assert_true(r.error_message[0] != '\0');
    }
}

static void test_url_helpers(void **state)
{
    static const struct {
        const char *in, *format, *out, *out_format;
    } ext[] = {
        { "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", "wav",
          "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav", "wav" },
        { "https://h/r/RE1?x=1", "mp3", "https://h/r/RE1.mp3?x=1", "mp3" },
        { "https://h/r/RE1.MP3", "wav", "https://h/r/RE1.MP3", "mp3" },
        { "https://h/r/RE1.json", "wav", "https://h/r/RE1.json", "wav" },
        { "https://h.example.com", "wav", "https://h.example.com", "wav" },
        { "https://h/dir.v2/RE1#frag", "wav", "https://h/dir.v2/RE1.wav#frag", "wav" },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(ext); i++) {
        char out[256], fmt[8];
        assert_true(download_url_with_ext(ext[i].in, ext[i].format, out, sizeof(out), fmt));
        assert_string_equal(out, ext[i].out);
        assert_string_equal(fmt, ext[i].out_format);
    }
    char small[8], fmt[8];
    assert_false(download_url_with_ext("https://h/r/RE1", "wav", small, sizeof(small), fmt));

    static const struct {
        const char *a, *b;
        bool same;
    } origin[] = {
        { "https://api.twilio.com/x", "https://api.twilio.com", true },
        { "https://API.twilio.com:443/x", "https://api.twilio.com/y", true },
        { "http://api.twilio.com/x", "https://api.twilio.com/x", false },
        { "https://api.twilio.com.evil.example/x", "https://api.twilio.com", false },
        { "http://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", false },
        { "https://user@api.twilio.com/x", "https://api.twilio.com", true },
        { "not a url", "https://api.twilio.com", false },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(origin); i++)
        if (download_same_origin(origin[i].a, origin[i].b) != origin[i].same)
            fail_msg("same_origin(%s, %s) != %d", origin[i].a, origin[i].b, origin[i].same);
}

/* ---- against tools/fake-provider, when it is built ------------------------
 * The binary comes from $FAKE_PROVIDER_BIN, else ./fake-provider (ctest runs
 * in the build directory), else <repo>/build/fake-provider; without one these
 * tests are skipped. Each test starts its own instance with its own knobs. */

static pid_t fake_pid = -1;
static int fake_port;

static const char *fake_bin(char *buf, size_t len)
{
    const char *env = getenv("FAKE_PROVIDER_BIN");
    const char *data = getenv("RECD_TEST_DATA"); /* <repo>/tests/unit/data */
    if (env && *env)
        return access(env, X_OK) == 0 ? env : NULL;
    if (access("./fake-provider", X_OK) == 0)
        return "./fake-provider";
    if (data) {
        snprintf(buf, len, "%s/../../../build/fake-provider", data);
        if (access(buf, X_OK) == 0)
            return buf;
    }
    return NULL;
}

/* Read the "listening on HOST:PORT" line; 0 if it does not come in 5 s. */
static int read_port(int fd)
{
    char line[256];
    size_t n = 0;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    while (n < sizeof(line) - 1 && poll(&pfd, 1, 5000) == 1) {
        ssize_t r = read(fd, line + n, 1);
        if (r != 1 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    const char *colon = strrchr(line, ':');
    int port = 0;
    if (!strstr(line, "listening on") || !colon || sscanf(colon + 1, "%d", &port) != 1)
        return 0;
    return port;
}

/* Start the fake with our credentials plus extra flags (NULL-terminated). */
static bool fake_start(const char *const *extra)
{
    char buf[1024];
    const char *bin = fake_bin(buf, sizeof(buf));
    const char *argv[16] = { bin, "--account-sid", ACCOUNT, "--auth-token", TOKEN,
                             "--bearer", BEARER };
    size_t argc = 7;
    int pipefd[2];
    posix_spawn_file_actions_t fa;
    if (!bin)
        return false;
    for (; extra && *extra && argc < RECD_ARRAY_LEN(argv) - 1; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;
    assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    int rc = posix_spawn(&fake_pid, bin, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0)
        fake_pid = -1;
    fake_port = rc == 0 ? read_port(pipefd[0]) : 0;
    close(pipefd[0]);
    return fake_pid > 0 && fake_port > 0;
}

static int fake_teardown(void **state)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
    }
    fake_pid = -1;
    fake_port = 0;
    return 0;
}

/* What the fake says recd should end up with for call_sid. */
static void fake_expected(const char *call_sid, char sha[65], int64_t *psize, char rsid[65])
{
    char url[256], *body = NULL;
    size_t len = 0;
    struct download_req req = { .url = url, .what = "expectation", .connect_timeout_ms = 2000,
                                .low_speed_timeout_ms = 5000 };
    struct provider_result r;
    memset(&r, 0, sizeof(r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_expected?call_sid=%s", fake_port, call_sid);
    CURL *h = curl_easy_init();
    assert_int_equal(download_to_mem(h, &req, 65536, &body, &len, &r), RECD_OK);
    curl_easy_cleanup(h);
    json_t *j = json_loadb(body, len, 0, NULL);
    assert_non_null(j);
    snprintf(sha, 65, "%s", json_string_value(json_object_get(j, "sha256")));
    snprintf(rsid, 65, "%s", json_string_value(json_object_get(j, "recording_sid")));
    *psize = (int64_t)json_integer_value(json_object_get(j, "size"));
    json_decref(j);
    free(body);
}

static void fake_config(struct provider_config *cfg, char *base, size_t len)
{
    config_twilio(cfg, base, len);
    snprintf(base, len, "http://127.0.0.1:%d", fake_port);
}

static void assert_fake_body(struct fetch *f)
{
    char sha[65], rsid[65];
    int64_t size = 0;
    fake_expected(f->rec.call_sid, sha, &size, rsid);
    assert_string_equal(f->res.sha256, sha);
    assert_int_equal(f->res.bytes, size);
    assert_int_equal(fetch_file_size(f), size);
    assert_string_equal(f->res.recording_sid, rsid);
}

static void test_fake_twilio_happy(void **state)
{
    static const char *const knobs[] = { NULL };
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    if (!fake_start(knobs))
        skip();
    fake_config(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAfake-1");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_fake_body(&f);
    assert_true(f.res.duration_s > 0);
    fetch_end(&f);
}

static void test_fake_twilio_redirect(void **state)
{
    static const char *const knobs[] = { "--redirect", NULL };
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    if (!fake_start(knobs))
        skip();
    fake_config(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAfake-2");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_fake_body(&f);
    fetch_end(&f);
}

static void test_fake_twilio_truncate(void **state)
{
    static const char *const knobs[] = { "--truncate", NULL };
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    if (!fake_start(knobs))
        skip();
    fake_config(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAfake-3");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_ETRUNCATED);
    assert_failed(&f, "truncated");
    fetch_end(&f);
}

/* 500, then 429 with Retry-After, then the recording: what retries see. */
static void test_fake_twilio_fail_then_succeed(void **state)
{
    static const char *const knobs[] = { "--fail-first", "1", "--rate-limit-first", "1", NULL };
    struct provider_config cfg;
    struct fetch f;
    char base[64];
    if (!fake_start(knobs))
        skip();
    fake_config(&cfg, base, sizeof(base));
    fetch_begin(&f, &cfg, "CAfake-4");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EUPSTREAM);
    assert_int_equal(f.res.http_status, 500);
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_EUPSTREAM);
    assert_int_equal(f.res.http_status, 429);
    assert_int_equal(f.res.retry_after_ms, 1000);
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    assert_fake_body(&f);
    fetch_end(&f);
}

static void test_fake_url_bearer(void **state)
{
    static const char *const knobs[] = { NULL };
    struct provider_config cfg;
    struct fetch f;
    char tmpl[128];
    if (!fake_start(knobs))
        skip();
    config_url(&cfg, tmpl, sizeof(tmpl), BEARER);
    snprintf(tmpl, sizeof(tmpl), "http://127.0.0.1:%d/url-media/{call_sid}.{format}", fake_port);
    cfg.media_format = "wav";
    fetch_begin(&f, &cfg, "CAfake-5");
    assert_int_equal(fetch_run(&f, NULL, NULL), RECD_OK);
    char sha[65], rsid[65];
    int64_t size = 0;
    fake_expected("CAfake-5", sha, &size, rsid);
    assert_string_equal(f.res.sha256, sha);
    assert_int_equal(f.res.bytes, size);
    fetch_end(&f);
}

static void test_looks_like_audio(void **state)
{
    static const struct {
        const char *head;
        bool audio;
    } cases[] = {
        { "RIFF\x24\x00\x00\x00WAVEfmt ", true }, { "RF64\xff\xff\xff\xffWAVEds64", true },
        { "ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00", true }, { "\xff\xfb\x90\x64\x00\x00\x00\x00\x00\x00\x00\x00", true },
        { "RIFF\x24\x00\x00\x00AVI LIST", false }, { "<html><body>", false },
        { "\x8f\x1c\xd2\x00\x00\x00\x00\x00\x00\x00\x00\x00", false }, { "{\"code\":2040", false },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++)
        if (download_looks_like_audio((const unsigned char *)cases[i].head, 12) != cases[i].audio)
            fail_msg("case %zu", i);
    assert_false(download_looks_like_audio((const unsigned char *)"RIFF", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_checks),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_url_helpers),
        cmocka_unit_test(test_twilio_happy_picks_newest_completed),
        cmocka_unit_test(test_twilio_known_media_url_skips_listing),
        cmocka_unit_test(test_twilio_known_recording_sid_skips_listing),
        cmocka_unit_test(test_twilio_redirect_drops_credentials),
        cmocka_unit_test(test_twilio_same_host_outside_recordings_gets_no_credentials),
        cmocka_unit_test(test_twilio_paged_listing),
        cmocka_unit_test(test_looks_like_audio),
        cmocka_unit_test(test_twilio_stored_url_elsewhere_gets_no_credentials),
        cmocka_unit_test(test_twilio_failures),
        cmocka_unit_test(test_twilio_truncated_keeps_what_arrived),
        cmocka_unit_test(test_twilio_429_retry_after),
        cmocka_unit_test(test_twilio_bad_credentials),
        cmocka_unit_test(test_connect_failure),
        cmocka_unit_test(test_low_speed_timeout),
        cmocka_unit_test(test_max_bytes),
        cmocka_unit_test(test_chunked_without_length),
        cmocka_unit_test(test_progress_reported),
        cmocka_unit_test(test_progress_abort_is_lease_lost),
        cmocka_unit_test(test_write_failure_is_eio),
        cmocka_unit_test(test_url_with_bearer),
        cmocka_unit_test(test_url_registered_media_url_elsewhere),
        cmocka_unit_test(test_invalid_call_sid),
    };
    const struct CMUnitTest fake_tests[] = {
        cmocka_unit_test_teardown(test_fake_twilio_happy, fake_teardown),
        cmocka_unit_test_teardown(test_fake_twilio_redirect, fake_teardown),
        cmocka_unit_test_teardown(test_fake_twilio_truncate, fake_teardown),
        cmocka_unit_test_teardown(test_fake_twilio_fail_then_succeed, fake_teardown),
        cmocka_unit_test_teardown(test_fake_url_bearer, fake_teardown),
    };
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    int failed = cmocka_run_group_tests_name("in_process", tests, group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("fake_provider", fake_tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
