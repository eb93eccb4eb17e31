/* SPDX-License-Identifier: MIT */
/*
 * notify.h — telling systemd what recd is doing (sd_notify(3), for
 * Type=notify units): READY=1 once it serves, RELOADING=1 … READY=1 around
 * a SIGHUP, STOPPING=1 when it drains, STATUS= lines for `systemctl
 * status`. Without $NOTIFY_SOCKET every call does nothing.
 * The watchdog (only when the unit asked for one with WatchdogSec=) is a
 * thread that sends WATCHDOG=1 every half period while the health check
 * says the process is well; when it is not, it stays silent and systemd
 * kills and restarts the service.
 * Threads: notify_* from any thread; the health callback runs on the
 * watchdog thread.
 */
#ifndef RECD_CLI_NOTIFY_H
#define RECD_CLI_NOTIFY_H

#include "common.h"

void notify_ready(const char *status);
void notify_reloading(void);
void notify_stopping(const char *status);

/** true if healthy; otherwise a reason in why (logged once per change). */
typedef bool (*notify_health_cb)(void *ctx, char *why, size_t whylen);

struct watchdog;

/** Start the watchdog thread if systemd enabled one for this process;
 *  NULL otherwise. Caller stops it with watchdog_stop() (NULL is fine). */
struct watchdog *watchdog_start(notify_health_cb healthy, void *ctx);
void watchdog_stop(struct watchdog *w);
/** The watchdog period in ms, 0 when there is none. */
int64_t watchdog_period_ms(const struct watchdog *w);

#endif
