/* SPDX-License-Identifier: MIT */
/*
 * static.h — the recordings screen over HTTP: "/" and "/static/<path>",
 * from the assets compiled into the binary or from a --web-dir on disk.
 * Threads: every function may be called from any libmicrohttpd thread.
 */
#ifndef RECD_HTTP_STATIC_H
#define RECD_HTTP_STATIC_H

#include "common.h"

#include <microhttpd.h>

#include "http/assets.h"

/* Longest relative asset path accepted ("i18n/he.js" is 10). */
#define STATIC_PATH_MAX 255

/**
 * Answer a GET or HEAD for url ("/" or "/static/…"; the router sends no
 * other methods or prefixes). web_dir NULL: serve the embedded table;
 * else files under web_dir. Unknown or unsafe paths get a 404 JSON body.
 */
enum MHD_Result static_serve(struct MHD_Connection *conn, const char *url, const char *web_dir);

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

/**
 * Does an If-None-Match header value ("*", or a list of possibly weak
 * entity tags) match etag? Weak comparison, as RFC 9110 §13.1.2 asks.
 */
bool static_etag_match(const char *if_none_match, const char *etag);

/** Content-Type for a file name by extension; octet-stream when unknown. */
const char *static_content_type(const char *name);

#endif /* RECD_HTTP_STATIC_H */
