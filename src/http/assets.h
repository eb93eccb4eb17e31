/* SPDX-License-Identifier: MIT */
/*
 * assets.h — the web/ files compiled into the binary by tools/embed.
 * The table is generated at build time (build/web_assets.c), read-only.
 */
#ifndef RECD_HTTP_ASSETS_H
#define RECD_HTTP_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *path;          /* "/index.html", relative to web/ */
    const unsigned char *data; /* bytes, NUL-terminated for convenience */
    int size;                  /* bytes, without the terminating NUL */
};

/* Terminated by an entry whose path is NULL. */
extern const struct web_asset recd_web_assets[];
extern const size_t recd_web_assets_count;

#endif
