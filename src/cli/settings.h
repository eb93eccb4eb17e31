/* SPDX-License-Identifier: MIT */
/*
 * settings.h — builds the live settings (live.h) from a loaded config:
 * the same code at start-up and on every SIGHUP, so a reload can never
 * accept what a start would refuse.
 */
#ifndef RECD_CLI_SETTINGS_H
#define RECD_CLI_SETTINGS_H

#include "config.h"
#include "live.h"

/**
 * Check cfg and build the users and tokens (when with_http), the provider
 * (when cfg->workers > 0) and the limits into *out. Refuses a non-loopback
 * --listen without authentication. false with a one-line reason in err
 * and nothing allocated. Free an unpublished result with settings_discard().
 */
bool settings_build(const struct config *cfg, bool with_http, struct live_settings *out, char *err,
                    size_t errlen);
void settings_discard(struct live_settings *s);

#endif
