/* SPDX-License-Identifier: MIT */
/*
 * test_static.c — http/static.c: path safety, URL mapping, the embedded
 * asset table (table-driven), then static_serve itself behind a real
 * libmicrohttpd daemon on 127.0.0.1:0 queried with libcurl: headers, 304s,
 * HEAD, 404 JSON, --web-dir refusing symlinks and dot files, and every
 * answer counted in the metrics (it leaves through reply.c).
 */
#include "http/static.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

/* ---- static_path_safe -------------------------------------------------- */

struct path_case {
    const char *rel;
    bool safe;
};

static const struct path_case path_cases[] = {
    { "index.html", true },
    { "app.js", true },
    { "i18n/he.js", true },
    { "a/b/c-d_e.f.js", true },
    { "file.with.dots", true },
    { "x", true },
    { "", false },
    { "/etc/passwd", false },
    { "..", false },
    { "../x", false },
    { "a/../b", false },
    { "a/..", false },
    { "a..b", false }, /* any ".." at all, as the contract says */
    { ".hidden", false },
    { ".", false },
    { "a/.git/config", false },
    { "a/./b", false },
    { "a//b", false },
    { "a/", false },
    { "a\\b", false },
    { "..\\x", false },
    { "a\nb", false },
    { "a\tb", false },
    { "a\x7f", false },
    { "\x01", false },
};

static void test_path_safe_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECD_ARRAY_LEN(path_cases); i++) {
        bool got = static_path_safe(path_cases[i].rel);
        if (got != path_cases[i].safe)
            fail_msg("static_path_safe(\"%s\") = %d, want %d", path_cases[i].rel, got, path_cases[i].safe);
    }
    assert_false(static_path_safe(NULL));
}

static void test_path_safe_length(void **state)
{
    (void)state;
    char buf[STATIC_PATH_MAX + 2];
    memset(buf, 'a', sizeof(buf));
    buf[STATIC_PATH_MAX] = '\0';
    assert_true(static_path_safe(buf));
    buf[STATIC_PATH_MAX] = 'a';
    buf[STATIC_PATH_MAX + 1] = '\0';
    assert_false(static_path_safe(buf));
}

/* ---- static_rel_path ------------------------------------------------------- */

static void test_rel_path(void **state)
{
    (void)state;
    static const struct {
        const char *url, *rel;
    } cases[] = {
        { "/", "index.html" },
        { "/static/app.js", "app.js" },
        { "/static/i18n/en.js", "i18n/en.js" },
        { "/static/", "" },
        { "/static", NULL },
        { "/index.html", NULL },
        { "/api/recordings", NULL },
        { "", NULL },
        { "//", NULL },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(cases); i++) {
        const char *got = static_rel_path(cases[i].url);
        if (!cases[i].rel)
            assert_null(got);
        else
            assert_string_equal(got, cases[i].rel);
    }
    assert_null(static_rel_path(NULL));
}

/* ---- the embedded table ------------------------------------------------ */

static void test_asset_find(void **state)
{
    (void)state;
    static const struct {
        const char *rel, *type;
    } present[] = {
        { "index.html", "text/html; charset=utf-8" },
        { "app.js", "text/javascript; charset=utf-8" },
        { "player.js", "text/javascript; charset=utf-8" },
        { "i18n/en.js", "text/javascript; charset=utf-8" },
        { "i18n/he.js", "text/javascript; charset=utf-8" },
        { "style.css", "text/css; charset=utf-8" },
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(present); i++) {
        const struct web_asset *a = static_asset_find(present[i].rel);
        if (!a)
            fail_msg("asset %s missing from the embedded table", present[i].rel);
        assert_string_equal(static_content_type(present[i].rel), present[i].type);
        assert_true(a->size > 0);
        assert_int_equal(a->data[a->size], 0);
    }
    const struct web_asset *index = static_asset_find("index.html");
    assert_non_null(strstr((const char *)index->data, "<html"));
    assert_null(static_asset_find("nope.js"));
    assert_null(static_asset_find("/index.html")); /* rel paths have no leading slash */
    assert_null(static_asset_find(""));
    assert_null(static_asset_find(NULL));
    size_t n = 0;
    for (const struct web_asset *a = recd_web_assets; a->path; a++, n++)
        assert_null(strstr(a->path, ".test.js"));
    assert_int_equal(n, recd_web_assets_count);
}

static void test_asset_etag(void **state)
{
    (void)state;
    const struct web_asset *a = static_asset_find("app.js");
    const struct web_asset *b = static_asset_find("style.css");
    const char *ea = static_asset_etag(a);
    assert_ptr_equal(ea, static_asset_etag(a)); /* computed once, kept */
    assert_int_equal(strlen(ea), 18);
    assert_int_equal(ea[0], '"');
    assert_int_equal(ea[17], '"');
    assert_string_not_equal(ea, static_asset_etag(b));
}

static void test_content_type(void **state)
{
    (void)state;
    assert_string_equal(static_content_type("a.html"), "text/html; charset=utf-8");
    assert_string_equal(static_content_type("i18n/he.js"), "text/javascript; charset=utf-8");
    assert_string_equal(static_content_type("x.css"), "text/css; charset=utf-8");
    assert_string_equal(static_content_type("x.svg"), "image/svg+xml");
    assert_string_equal(static_content_type("Makefile"), "application/octet-stream");
    assert_string_equal(static_content_type("x.js.bak"), "application/octet-stream");
}

/* ---- static_serve over a real socket -------------------------------------- */

struct server {
    struct MHD_Daemon *d;
    unsigned port;
    char web_dir[256]; /* empty: embedded assets */
    struct config cfg;
    struct http_ctx ctx;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct server *s = cls;
    (void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;
    struct request req = { .route = ROUTE_STATIC };
    return static_serve(&s->ctx, conn, &req, url);
}

static void server_start(struct server *s)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->cfg.web_dir = s->web_dir[0] ? s->web_dir : NULL;
    s->ctx.cfg = &s->cfg;
    s->ctx.metrics = metrics_new();
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    assert_non_null(s->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    s->port = info->port;
}

static void server_stop(struct server *s)
{
    MHD_stop_daemon(s->d);
    metrics_free(s->ctx.metrics);
}

/* The count of answers with route and code in s's metrics. */
static long long counted(struct server *s, const char *route, unsigned code)
{
    struct metrics_gauges g = { 0 };
    char *text = metrics_render_dup(s->ctx.metrics, &g);
    char key[128];
    snprintf(key, sizeof(key), "recd_http_requests_total{route=\"%s\",code=\"%u\"} ", route, code);
    const char *at = strstr(text, key);
    long long n = at ? strtoll(at + strlen(key), NULL, 10) : 0;
    free(text);
    return n;
}

struct reply {
    long status;
    char headers[4096];
    size_t hlen;
    char body[8192];
    size_t blen;
    size_t body_total;
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = size * n;
    if (r->hlen + len < sizeof(r->headers)) {
        memcpy(r->headers + r->hlen, p, len);
        r->hlen += len;
        r->headers[r->hlen] = '\0';
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = size * n;
    r->body_total += len;
    if (r->blen + len < sizeof(r->body)) {
        memcpy(r->body + r->blen, p, len);
        r->blen += len;
        r->body[r->blen] = '\0';
    }
    return len;
}

/* GET (or HEAD) path with optional extra header; fills *r. */
static void request(const struct server *s, const char *path, bool head, const char *hdr, struct reply *r)
{
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->port, path);
    memset(r, 0, sizeof(*r));
    CURL *c = curl_easy_init();
    assert_non_null(c);
    struct curl_slist *list = hdr ? curl_slist_append(NULL, hdr) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* send "/static/../x" as written */
    curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
}

/* The value of header name in r (case-insensitive), copied into out. */
static const char *header(const struct reply *r, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    for (const char *line = r->headers; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            if (len >= outlen)
                len = outlen - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
    }
    return NULL;
}

static int group_setup(void **state)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct server *s = calloc(1, sizeof(*s));
    server_start(s);
    *state = s;
    return 0;
}

static int group_teardown(void **state)
{
    struct server *s = *state;
    server_stop(s);
    free(s);
    curl_global_cleanup();
    return 0;
}

static void test_serve_index(void **state)
{
    struct server *s = *state;
    struct reply r;
    char v[512];
    request(s, "/", false, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "text/html; charset=utf-8");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof(v)), "no-cache");
    assert_string_equal(header(&r, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
    assert_non_null(header(&r, "Content-Security-Policy", v, sizeof(v)));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_non_null(strstr(v, "media-src 'self' blob:"));
    const struct web_asset *a = static_asset_find("index.html");
    assert_int_equal(r.body_total, (size_t)a->size);
    assert_string_equal(header(&r, "ETag", v, sizeof(v)), static_asset_etag(a));

    char inm[128];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", static_asset_etag(a));
    request(s, "/", false, inm, &r);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_total, 0);
    assert_string_equal(header(&r, "ETag", v, sizeof(v)), static_asset_etag(a));

    long long ok_before = counted(s, "static", 200);
    request(s, "/", false, "If-None-Match: \"stale\"", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(counted(s, "static", 200), ok_before + 1);
    assert_true(counted(s, "static", 304) >= 1);
}

static void test_serve_static_and_head(void **state)
{
    struct server *s = *state;
    struct reply r;
    char v[512];
    const struct web_asset *a = static_asset_find("player.js");
    request(s, "/static/player.js", false, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "text/javascript; charset=utf-8");
    assert_string_equal(header(&r, "Cache-Control", v, sizeof(v)), "public, max-age=300");
    assert_null(header(&r, "Content-Security-Policy", v, sizeof(v)));
    assert_int_equal(r.body_total, (size_t)a->size);

    request(s, "/static/player.js", true, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_total, 0);
    assert_int_equal(strtol(header(&r, "Content-Length", v, sizeof(v)), NULL, 10), a->size);
    assert_string_equal(header(&r, "ETag", v, sizeof(v)), static_asset_etag(a));
}

static void test_serve_not_found(void **state)
{
    struct server *s = *state;
    static const char *paths[] = {
        "/static/nope.js", "/static/../CMakeLists.txt", "/static/", "/static/.hidden",
        "/static/i18n//en.js", "/static/a%5Cb", "/elsewhere",
    };
    for (size_t i = 0; i < RECD_ARRAY_LEN(paths); i++) {
        struct reply r;
        char v[128];
        request(s, paths[i], false, NULL, &r);
        if (r.status != 404)
            fail_msg("%s → %ld, want 404", paths[i], r.status);
        assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "application/json");
        assert_non_null(strstr(r.body, "\"code\":\"not_found\""));
    }
    assert_true(counted(s, "static", 404) >= (long long)RECD_ARRAY_LEN(paths));
}

/* ---- --web-dir ---------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_serve_disk(void **state)
{
    (void)state;
    struct server s = { 0 };
    char tmpl[] = "/tmp/recd-static-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    recd_strlcpy(s.web_dir, tmpl, sizeof(s.web_dir));
    char p[512], outside[512];
    snprintf(p, sizeof(p), "%s/index.html", tmpl);
    write_file(p, "<!doctype html><html>disk</html>");
    snprintf(p, sizeof(p), "%s/sub", tmpl);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof(p), "%s/sub/a.js", tmpl);
    write_file(p, "export const a = 1;\n");
    snprintf(p, sizeof(p), "%s/.secret", tmpl);
    write_file(p, "no");
    snprintf(outside, sizeof(outside), "%s-outside.txt", tmpl);
    write_file(outside, "outside the root");
    snprintf(p, sizeof(p), "%s/link.js", tmpl);
    assert_int_equal(symlink(outside, p), 0);
    snprintf(p, sizeof(p), "%s/linkdir", tmpl);
    assert_int_equal(symlink("sub", p), 0);
    server_start(&s);

    struct reply r;
    char v[256], etag[256];
    request(&s, "/", false, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<!doctype html><html>disk</html>");
    assert_non_null(header(&r, "Content-Security-Policy", v, sizeof(v)));
    assert_string_equal(header(&r, "Cache-Control", v, sizeof(v)), "no-cache");

    request(&s, "/static/sub/a.js", false, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "export const a = 1;\n");
    assert_string_equal(header(&r, "Content-Type", v, sizeof(v)), "text/javascript; charset=utf-8");
    assert_non_null(header(&r, "ETag", etag, sizeof(etag)));
    char inm[300];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    request(&s, "/static/sub/a.js", false, inm, &r);
    assert_int_equal(r.status, 304);

    request(&s, "/static/sub/a.js", true, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_total, 0);
    assert_string_equal(header(&r, "Content-Length", v, sizeof(v)), "20");

    static const char *refused[] = { "/static/link.js", "/static/linkdir/a.js", "/static/.secret",
                                     "/static/sub", "/static/missing.js", "/static/../" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(refused); i++) {
        request(&s, refused[i], false, NULL, &r);
        if (r.status != 404)
            fail_msg("%s → %ld, want 404", refused[i], r.status);
        assert_null(strstr(r.body, "outside"));
    }

    server_stop(&s);
    const char *names[] = { "link.js", "linkdir", ".secret", "sub/a.js", "index.html" };
    for (size_t i = 0; i < RECD_ARRAY_LEN(names); i++) {
        snprintf(p, sizeof(p), "%s/%s", tmpl, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/sub", tmpl);
    rmdir(p);
    rmdir(tmpl);
    unlink(outside);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_path_safe_table), cmocka_unit_test(test_path_safe_length),
        cmocka_unit_test(test_rel_path),        cmocka_unit_test(test_asset_find),
        cmocka_unit_test(test_asset_etag),      cmocka_unit_test(test_content_type),
    };
    const struct CMUnitTest served[] = {
        cmocka_unit_test(test_serve_index),
        cmocka_unit_test(test_serve_static_and_head),
        cmocka_unit_test(test_serve_not_found),
        cmocka_unit_test(test_serve_disk),
    };
    int failed = cmocka_run_group_tests_name("static (pure)", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("static (served)", served, group_setup, group_teardown);
    return failed;
}
