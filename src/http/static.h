/* SPDX-License-Identifier: MIT */
/*
 * static.h — the recordings screen over HTTP: "/" and "/static/<path>",
 * from the assets compiled into the binary or from a --web-dir on disk.
 * Threads: every function may be called from any libmicrohttpd thread.
 */
#ifndef RECD_HTTP_STATIC_H
#define RECD_HTTP_STATIC_H

#include "common.h"
#include "http/assets.h"
#include "http/request.h"

/* Longest relative asset path accepted ("i18n/he.js" is 10). */
#define STATIC_PATH_MAX 255

/**
 * Answer a GET or HEAD for url ("/" or "/static/…"; the router sends no
 * other methods or prefixes) through reply.c, so it is counted. Without
 * h->cfg->web_dir: the embedded table; else files under web_dir.
 * Unknown or unsafe paths get a 404 JSON body.
 */
enum MHD_Result static_serve(const struct http_ctx *h, struct MHD_Connection *conn,
                             struct request *req, const char *url);

/**
 * True when rel ("app.js", "i18n/en.js") may be looked up under the web
 * root: 1..STATIC_PATH_MAX bytes, no "..", backslash, control byte, empty
 * segment, leading or trailing '/', or segment starting with '.'.
 */
bool static_path_safe(const char *rel);

/**
 * The path relative to the web root that url names: "/" → "index.html",
 * "/static/x" → "x"; NULL for anything else. Borrowed from url (or static).
 */
const char *static_rel_path(const char *url);

/** The embedded asset for rel ("index.html"), or NULL. Borrowed, static. */
const struct web_asset *static_asset_find(const char *rel);

/**
 * The strong ETag (quoted) of an embedded asset, hashed from its bytes on
 * first use; static storage, valid for the life of the process.
 */
const char *static_asset_etag(const struct web_asset *asset);

/** Content-Type for a file name by extension; octet-stream when unknown. */
const char *static_content_type(const char *name);

#endif /* RECD_HTTP_STATIC_H */
