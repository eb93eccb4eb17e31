/* SPDX-License-Identifier: MIT */
/*
 * static.c — serves the recordings screen: "/" (index.html) and
 * "/static/<path>", from the table tools/embed compiles into the binary,
 * or from --web-dir on disk so the screen can be edited without a rebuild.
 *
 * Invariant: nothing outside the web root is ever opened — every path
 * passes static_path_safe(), and on disk each component is opened with
 * openat(O_NOFOLLOW) from the root, so no symlink is followed either.
 *
 * Threads: any libmicrohttpd thread. The embedded ETags are computed once,
 * under pthread_once, into a table that is read-only afterwards.
 */
#include "http/static.h"
#include "http/reply.h"
#include "proto/conditional.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

#define ETAG_LEN 48 /* "\"" + 16 hex + "\"" fits; disk tags are longer */

static const char CSP[] = "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
                          "style-src 'self'; script-src 'self'; connect-src 'self'";

/* One ETag per embedded asset, index-aligned with recd_web_assets[]. */
static char (*asset_etags)[ETAG_LEN];
static pthread_once_t asset_etags_once = PTHREAD_ONCE_INIT;

/* FNV-1a, 64 bits: a cache validator, not a security boundary. */
static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void build_asset_etags(void)
{
    size_t n = recd_web_assets_count;
    asset_etags = xcalloc(n ? n : 1, sizeof(*asset_etags));
    for (size_t i = 0; i < n; i++) {
        const struct web_asset *a = &recd_web_assets[i];
        uint64_t h = fnv1a(a->data, (size_t)a->size);
        snprintf(asset_etags[i], ETAG_LEN, "\"%016" PRIx64 "\"", h);
    }
}

const char *static_asset_etag(const struct web_asset *asset)
{
    pthread_once(&asset_etags_once, build_asset_etags);
    size_t i = (size_t)(asset - recd_web_assets);
    RECD_ASSERT(i < recd_web_assets_count);
    return asset_etags[i];
}

bool static_path_safe(const char *rel)
{
    if (!rel || rel[0] == '\0' || rel[0] == '/')
        return false;
    size_t len = strnlen(rel, STATIC_PATH_MAX + 1);
    if (len > STATIC_PATH_MAX || rel[len - 1] == '/' || strstr(rel, ".."))
        return false;
    bool seg_start = true;
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return false;
        if (seg_start && (*p == '.' || *p == '/'))
            return false; /* dot files and empty segments */
        seg_start = (*p == '/');
    }
    return true;
}

const char *static_rel_path(const char *url)
{
    static const char prefix[] = "/static/";
    if (!url)
        return NULL;
    if (strcmp(url, "/") == 0)
        return "index.html";
    if (strncmp(url, prefix, sizeof(prefix) - 1) == 0)
        return url + sizeof(prefix) - 1;
    return NULL;
}

const struct web_asset *static_asset_find(const char *rel)
{
    if (!rel)
        return NULL;
    for (const struct web_asset *a = recd_web_assets; a->path; a++)
        if (a->path[0] == '/' && strcmp(a->path + 1, rel) == 0)
            return a;
    return NULL;
}

const char *static_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".mjs", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".json", "application/json" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".ico", "image/x-icon" },
        { ".txt", "text/plain; charset=utf-8" },
        { ".md", "text/markdown; charset=utf-8" },
    };
    const char *dot = name ? strrchr(name, '.') : NULL;
    for (size_t i = 0; dot && i < RECD_ARRAY_LEN(types); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static enum MHD_Result reply_not_found(const struct http_ctx *h, struct MHD_Connection *conn,
                                      struct request *req)
{
    return reply_error(h, conn, req, 404, "not_found", "no such page or asset");
}

/* Headers every successful (200 or 304) answer carries. */
static void add_headers(struct MHD_Response *resp, const char *rel, const char *type,
                        const char *etag, bool with_type)
{
    bool index = strcmp(rel, "index.html") == 0;
    if (with_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    /* index.html is revalidated every time so a deploy shows at once. */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            index ? "no-cache" : "public, max-age=300");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (strncmp(type, "text/html", 9) == 0)
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
}

static enum MHD_Result reply_not_modified(const struct http_ctx *h, struct MHD_Connection *conn,
                                          struct request *req, const char *rel, const char *etag)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    add_headers(resp, rel, static_content_type(rel), etag, false);
    return reply_queue(h, conn, req, MHD_HTTP_NOT_MODIFIED, resp);
}

static bool client_has(struct MHD_Connection *conn, const char *etag)
{
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    return cond_if_none_match(inm, etag);
}

static enum MHD_Result serve_embedded(const struct http_ctx *h, struct MHD_Connection *conn,
                                      struct request *req, const char *rel)
{
    const struct web_asset *a = static_asset_find(rel);
    if (!a)
        return reply_not_found(h, conn, req);
    const char *etag = static_asset_etag(a);
    if (client_has(conn, etag))
        return reply_not_modified(h, conn, req, rel, etag);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        (size_t)a->size, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    add_headers(resp, rel, static_content_type(rel), etag, true);
    return reply_queue(h, conn, req, MHD_HTTP_OK, resp);
}

/*
 * Open web_dir/rel walking one component at a time with O_NOFOLLOW, so a
 * symlink anywhere below the root ends the walk. Returns an fd or -1.
 */
static int open_below(const char *web_dir, const char *rel)
{
    char buf[STATIC_PATH_MAX + 1];
    int fd = -1;
    int dirfd = open(web_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0 || !recd_strlcpy(buf, rel, sizeof(buf)))
        goto out;
    char *seg = buf;
    for (char *slash = strchr(seg, '/'); slash; slash = strchr(seg, '/')) {
        *slash = '\0';
        int next = openat(dirfd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(dirfd);
        dirfd = next;
        if (dirfd < 0)
            goto out;
        seg = slash + 1;
    }
    fd = openat(dirfd, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
out:
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
        log_event(LOG_WARN, "STATIC_OPEN", LF_S("path", rel), LF_S("error", strerror(errno)));
    if (dirfd >= 0)
        close(dirfd);
    return fd;
}

static enum MHD_Result serve_disk(const struct http_ctx *h, struct MHD_Connection *conn,
                                  struct request *req, const char *rel, const char *web_dir)
{
    struct stat st;
    int fd = open_below(web_dir, rel);
    if (fd < 0)
        return reply_not_found(h, conn, req);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return reply_not_found(h, conn, req);
    }
    char etag[ETAG_LEN];
    snprintf(etag, sizeof(etag), "\"%jx-%jx.%lx\"", (uintmax_t)st.st_size,
             (uintmax_t)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
    if (client_has(conn, etag)) {
        close(fd);
        return reply_not_modified(h, conn, req, rel, etag);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    /* fd now belongs to resp: libmicrohttpd closes it with the response. */
    add_headers(resp, rel, static_content_type(rel), etag, true);
    return reply_queue(h, conn, req, MHD_HTTP_OK, resp);
}

enum MHD_Result static_serve(const struct http_ctx *h, struct MHD_Connection *conn,
                             struct request *req, const char *url)
{
    const char *rel = static_rel_path(url);
    if (!rel || !static_path_safe(rel))
        return reply_not_found(h, conn, req);
    if (h->cfg->web_dir)
        return serve_disk(h, conn, req, rel, h->cfg->web_dir);
    return serve_embedded(h, conn, req, rel);
}
