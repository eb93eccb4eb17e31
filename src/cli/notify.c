/* SPDX-License-Identifier: MIT */
/*
 * notify.c — sd_notify messages and the watchdog thread. The thread owns
 * its struct watchdog; stop is a flag and a condition variable under one
 * mutex, so watchdog_stop() returns within one check.
 */
#include "cli/notify.h"
#include "util/clock.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <systemd/sd-daemon.h>

struct watchdog {
    pthread_t thread;
    pthread_mutex_t mu; /* guards stopping */
    pthread_cond_t cv;
    bool stopping;
    int64_t period_ms; /* WATCHDOG_USEC / 1000 */
    notify_health_cb healthy;
    void *ctx;
};

static void notify_send(const char *state)
{
    int rc = sd_notify(0, state);
    if (rc < 0)
        log_event(LOG_WARN, "NOTIFY_FAIL", LF_S("state", state), LF_I("errno", -rc));
}

void notify_ready(const char *status)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
    notify_send(msg);
}

void notify_reloading(void)
{
    char msg[128];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(msg, sizeof(msg),
             "RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading the configuration",
             (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000);
    notify_send(msg);
}

void notify_stopping(const char *status)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "STOPPING=1\nSTATUS=%s", status);
    notify_send(msg);
}

static void *watchdog_main(void *arg)
{
    struct watchdog *w = arg;
    bool was_healthy = true;
    pthread_mutex_lock(&w->mu);
    while (!w->stopping) {
        pthread_mutex_unlock(&w->mu);
        char why[256] = "";
        bool ok = w->healthy(w->ctx, why, sizeof(why));
        if (ok)
            notify_send("WATCHDOG=1");
        if (ok != was_healthy)
            log_event(ok ? LOG_INFO : LOG_ERROR, ok ? "WATCHDOG_OK" : "WATCHDOG_UNHEALTHY",
                      LF_S("reason", why));
        was_healthy = ok;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = (int64_t)ts.tv_nsec + (w->period_ms / 2) * 1000000LL;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        pthread_mutex_lock(&w->mu);
        if (!w->stopping)
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

struct watchdog *watchdog_start(notify_health_cb healthy, void *ctx)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec < 2000)
        return NULL;
    struct watchdog *w = xcalloc(1, sizeof(*w));
    w->period_ms = (int64_t)(usec / 1000);
    w->healthy = healthy;
    w->ctx = ctx;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0)
        RECD_ASSERT(!"cannot start the watchdog thread");
    log_event(LOG_INFO, "WATCHDOG_START", LF_I("period_ms", w->period_ms));
    return w;
}

void watchdog_stop(struct watchdog *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int64_t watchdog_period_ms(const struct watchdog *w)
{
    return w ? w->period_ms : 0;
}
