/* SPDX-License-Identifier: MIT */
/*
 * serve.c — `recd serve` and `recd worker`: wires store, cache, provider,
 * the dedup path, held requests, workers and the HTTP server together,
 * then runs the signal loop on the main thread: SIGHUP reloads (a new
 * live-settings generation, live.h), SIGTERM/SIGINT drain and stop. The
 * main thread also flushes play times to the store in batches (so /stream
 * never writes to the store) and beats the heart the watchdog checks.
 */
#include "cli/cli.h"
#include "cli/notify.h"
#include "cli/settings.h"
#include "http/auth.h"
#include "http/server.h"
#include "run/run.h"
#include "run/waiters.h"
#include "util/clock.h"
#include "util/log.h"
#include "worker/worker.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PLAYED_FLUSH_MS 5000
#define TICK_MS 1000          /* the signal loop's heartbeat */
#define DRAIN_POLL_MS 50
#define ANSWER_GRACE_MS 1000  /* for held requests answered at the drain's end */
#define PROBE_TIMEOUT_S 2     /* the watchdog's /healthz self-probe */

struct app {
    struct config cfg;          /* as loaded at start; read-only */
    struct config *reloaded;    /* the last config SIGHUP applied, or NULL */
    int argc;                   /* what to load again on SIGHUP */
    char **argv;
    unsigned scope;
    bool with_http;
    struct live *live;
    struct watchdog *watchdog;
    _Atomic int64_t heartbeat;  /* monotonic ms of the last signal-loop turn */
    _Atomic bool draining;
    struct store *store;
    struct cache *cache;
    struct metrics *metrics;
    struct gate *gate;
    struct runs *runs;
    struct waiters *waiters;
    struct worker_pool *pool;
    struct http_server *http;
};

static void on_run_created(void *ctx)
{
    struct app *a = ctx;
    if (a->pool)
        worker_pool_notify(a->pool);
}

static void on_run_progress(const char *call_sid, const struct flight_info *info, void *ctx)
{
    struct app *a = ctx;
    run_progress(a->runs, call_sid, info);
}

static void on_run_ended(const char *call_sid, void *ctx)
{
    struct app *a = ctx;
    run_ended(a->runs, call_sid);
    if (a->waiters)
        waiters_wake(a->waiters, call_sid);
}

static bool on_pending(const char *call_sid, bool thorough, void *ctx)
{
    struct app *a = ctx;
    return run_pending(a->runs, call_sid, thorough);
}

static bool index_ready(const struct store_recording *rec, void *ctx)
{
    struct cache_entry e;
    run_entry_from_recording(rec, &e);
    cache_index_put(ctx, &e);
    return true;
}

static bool open_cache(struct app *a)
{
    char err[256] = "";
    a->cache = cache_new(a->cfg.cache_dir, a->cfg.cache_max_bytes, err, sizeof(err));
    if (!a->cache) {
        log_event(LOG_ERROR, "CACHE_OPEN", LF_S("dir", a->cfg.cache_dir), LF_S("error", err));
        return false;
    }
    int removed = 0;
    if (cache_sweep_tmp(a->cache, &removed) != RECD_OK)
        log_event(LOG_WARN, "CACHE_SWEEP", LF_S("error", "cannot sweep temp files"));
    else if (removed > 0)
        log_event(LOG_INFO, "CACHE_SWEEP", LF_I("removed", removed));
    /* Files that vanished are noticed on first open and fetched again. */
    return store_list_ready(a->store, index_ready, a->cache) == RECD_OK;
}

static void flush_played_one(const char *call_sid, int64_t played_ms, void *ctx)
{
    struct app *a = ctx;
    if (store_touch_played(a->store, call_sid, played_ms) != RECD_OK)
        log_event(LOG_WARN, "STORE_ERROR", LF_S("op", "touch_played"), LF_S("call_sid", call_sid));
}

/* ---- SIGHUP: reload ---------------------------------------------------- */

struct reload_report {
    const struct config *next;
    char applied[1024];         /* live options that changed */
    char skipped[1024];         /* changed options that need a restart */
};

static void append(char *list, size_t len, const char *name)
{
    size_t n = strlen(list);
    snprintf(list + n, len - n, "%s%s", n ? "," : "", name);
}

static void on_live_change(const char *name, bool live, void *ctx)
{
    struct reload_report *r = ctx;
    if (live)
        append(r->applied, sizeof(r->applied), name);
}

static void on_start_change(const char *name, bool live, void *ctx)
{
    struct reload_report *r = ctx;
    if (live)
        return;
    append(r->skipped, sizeof(r->skipped), name);
    log_event(LOG_WARN, "RELOAD_SKIP", LF_S("option", name),
              LF_S("reason", "changed in the configuration but needs a restart"));
}

/* Load the configuration again (same flags and environment, the file
 * re-read), rebuild users, tokens and provider, and publish them as one
 * new generation. Anything wrong: the running settings stay as they are. */
static void reload(struct app *a)
{
    notify_reloading();
    struct config *next = xcalloc(1, sizeof(*next));
    struct config_args args;
    struct live_settings ls;
    enum log_format fmt;
    enum log_level level;
    char err[512] = "";
    if (config_load(next, a->scope, a->argc, a->argv, &args, err, sizeof(err)) != RECD_OK)
        goto fail;
    if (!log_format_parse(next->log_format, &fmt) || !log_level_parse(next->log_level, &level)) {
        snprintf(err, sizeof(err), "--log-format must be logfmt or json; --log-level debug, info, warn or error");
        goto fail;
    }
    if (!settings_build(next, a->with_http, &ls, err, sizeof(err)))
        goto fail;
    struct reload_report r = { .next = next };
    config_diff(a->reloaded ? a->reloaded : &a->cfg, next, on_live_change, &r);
    config_diff(&a->cfg, next, on_start_change, &r);
    log_set(fmt, level);
    live_publish(a->live, &ls);
    if (a->reloaded)
        config_free(a->reloaded);
    free(a->reloaded);
    a->reloaded = next;
    log_event(LOG_INFO, "RELOAD", LF_S("config", next->config_file), LF_S("changed", r.applied),
              LF_S("needs_restart", r.skipped));
    notify_ready("serving (configuration reloaded)");
    return;
fail:
    log_event(LOG_ERROR, "RELOAD_FAIL", LF_S("error", err),
              LF_S("message", "the running configuration is unchanged"));
    config_free(next);
    free(next);
    notify_ready("serving (reload failed; see the log)");
}

/* ---- SIGTERM: drain ---------------------------------------------------- */

static int drain_timeout_s(const struct app *a)
{
    return a->reloaded ? a->reloaded->drain_timeout_s : a->cfg.drain_timeout_s;
}

/* Wait (flushing play times, beating the heart) until pred() or the
 * deadline; a second SIGTERM/SIGINT ends the wait at once. */
static bool wait_until(struct app *a, const sigset_t *set, int64_t deadline, bool (*pred)(struct app *))
{
    while (!pred(a) && clock_mono_ms() < deadline) {
        atomic_store(&a->heartbeat, clock_mono_ms());
        struct timespec ts = { .tv_sec = 0, .tv_nsec = DRAIN_POLL_MS * 1000000L };
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            log_event(LOG_WARN, "SHUTDOWN_NOW", LF_I("signal", sig));
            return false;
        }
    }
    return pred(a);
}

static bool nothing_in_flight(struct app *a)
{
    return http_inflight(a->http) == 0;
}

/* Stop accepting; let every request in flight (held requests, downloads
 * by slow clients; streaming responses alike) finish until the drain
 * timeout; then answer the held ones now (their status, as at their own
 * deadline) and cut whatever still sends. Workers keep working meanwhile,
 * as held requests wait for them. */
static void drain(struct app *a, const sigset_t *set)
{
    int timeout_s = drain_timeout_s(a);
    char status[128];
    snprintf(status, sizeof(status), "draining %lld requests (up to %d s)",
             (long long)http_inflight(a->http), timeout_s);
    notify_stopping(status);
    atomic_store(&a->draining, true);
    http_quiesce(a->http);
    log_event(LOG_INFO, "DRAIN_START", LF_I("inflight", http_inflight(a->http)),
              LF_I("held", a->waiters ? waiters_count(a->waiters) : 0), LF_I("timeout_s", timeout_s));
    bool done = wait_until(a, set, clock_mono_ms() + (int64_t)timeout_s * 1000, nothing_in_flight);
    int64_t left = http_inflight(a->http);
    int64_t held = a->waiters ? waiters_count(a->waiters) : 0;
    if (a->waiters)
        waiters_shutdown(a->waiters);
    if (!done)
        wait_until(a, set, clock_mono_ms() + ANSWER_GRACE_MS, nothing_in_flight);
    log_event(LOG_INFO, "DRAIN_END", LF_S("result", done ? "finished" : "timeout"),
              LF_I("held_answered", held), LF_I("cut", http_inflight(a->http)),
              LF_I("left_at_timeout", left));
}

/* ---- health (the watchdog) ---------------------------------------------- */

/* GET /healthz on our own port: the event loop answers, end to end. */
static bool probe_healthz(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct timeval tv = { .tv_sec = PROBE_TIMEOUT_S, .tv_usec = 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const char req[] = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
    char buf[16] = "";
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
              send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof(req) - 1) &&
              recv(fd, buf, 12, MSG_WAITALL) == 12 && strncmp(buf, "HTTP/1.", 7) == 0 &&
              strncmp(buf + 9, "200", 3) == 0;
    close(fd);
    return ok;
}

static bool on_health_check(void *ctx, char *why, size_t whylen)
{
    struct app *a = ctx;
    int64_t age = clock_mono_ms() - atomic_load(&a->heartbeat);
    int64_t limit = watchdog_period_ms(a->watchdog) / 2 + 3 * TICK_MS;
    if (age > limit) {
        snprintf(why, whylen, "the main loop has not run for %lld ms", (long long)age);
        return false;
    }
    /* Not while draining: the listening socket is closed on purpose. */
    if (a->http && !atomic_load(&a->draining) && !probe_healthz(http_port(a->http))) {
        snprintf(why, whylen, "GET /healthz on port %u did not answer 200", (unsigned)http_port(a->http));
        return false;
    }
    return true;
}

/* ---- the signal loop ------------------------------------------------------ */

/* Until SIGINT/SIGTERM: reload on SIGHUP, flush play times, beat. */
static void signal_loop(struct app *a, const sigset_t *set)
{
    int64_t next_flush = clock_mono_ms() + PLAYED_FLUSH_MS;
    for (;;) {
        atomic_store(&a->heartbeat, clock_mono_ms());
        struct timespec ts = { .tv_sec = TICK_MS / 1000, .tv_nsec = (TICK_MS % 1000) * 1000000L };
        int sig = sigtimedwait(set, NULL, &ts);
        if (clock_mono_ms() >= next_flush) {
            cache_drain_played(a->cache, flush_played_one, a);
            next_flush = clock_mono_ms() + PLAYED_FLUSH_MS;
        }
        if (sig == SIGHUP)
            reload(a);
        if (sig == SIGINT || sig == SIGTERM) {
            log_event(LOG_INFO, "SHUTDOWN", LF_I("signal", sig));
            return;
        }
    }
}

static bool start_services(struct app *a, bool with_http)
{
    struct run_policy policy = {
        .negative_ttl_ms = (int64_t)a->cfg.negative_ttl_s * 1000,
        .failure_cooldown_ms = (int64_t)a->cfg.failure_cooldown_s * 1000,
        .max_attempts = a->cfg.max_attempts,
    };
    if (a->cfg.redis && a->cfg.redis[0]) {
        char err[256] = "", owner[128];
        snprintf(owner, sizeof(owner), "recd:%d", (int)getpid());
        a->gate = gate_new(a->cfg.redis, owner, err, sizeof(err));
        if (!a->gate) {
            fprintf(stderr, "recd: %s\n", err);
            return false;
        }
    }
    a->runs = runs_new(a->store, a->cache, a->metrics, a->gate, &policy, on_run_created, a);
    if (with_http)
        a->waiters = waiters_new(on_pending, a, 1000);
    struct worker_settings ws = {
        .workers = a->cfg.workers, .lease_ms = (int64_t)a->cfg.lease_s * 1000,
        .max_attempts = a->cfg.max_attempts, .backoff_base_ms = a->cfg.backoff_base_ms,
        .backoff_max_ms = a->cfg.backoff_max_ms,
        .pending_timeout_ms = (int64_t)a->cfg.pending_timeout_s * 1000,
    };
    struct worker_deps wd = {
        .store = a->store, .cache = a->cache, .live = a->live, .metrics = a->metrics,
        .on_progress = on_run_progress, .on_ended = on_run_ended, .ctx = a,
    };
    a->pool = worker_pool_start(&ws, &wd);
    if (!with_http)
        return true;
    struct http_ctx hc = { .cfg = &a->cfg, .store = a->store, .cache = a->cache, .runs = a->runs,
                           .waiters = a->waiters, .metrics = a->metrics, .live = a->live };
    char err[256] = "";
    a->http = http_start(&hc, err, sizeof(err));
    if (!a->http) {
        fprintf(stderr, "recd: %s\n", err);
        return false;
    }
    char addr[96], db[1024];
    store_url_redact(a->cfg.db, db, sizeof(db));
    const char *colon = strrchr(a->cfg.listen, ':');
    snprintf(addr, sizeof(addr), "%.*s:%u", (int)(colon - a->cfg.listen), a->cfg.listen,
             (unsigned)http_port(a->http));
    log_event(LOG_INFO, "SERVE_LISTEN", LF_S("addr", addr), LF_I("workers", a->cfg.workers),
              LF_S("db", db), LF_S("cache_dir", a->cfg.cache_dir));
    return true;
}

static void stop_services(struct app *a)
{
    if (a->waiters)
        waiters_shutdown(a->waiters);
    http_stop(a->http);
    worker_pool_stop(a->pool);
    waiters_free(a->waiters);
    if (a->cache)
        cache_drain_played(a->cache, flush_played_one, a);
    runs_free(a->runs);
    gate_free(a->gate);
    cache_free(a->cache);
    metrics_free(a->metrics);
    store_close(a->store);
}

/* Config, then the settings a reload may replace: any error is a usage error (2). */
static bool setup(struct app *a, const char *cmd, int argc, char **argv, int *pcode)
{
    struct config_args args;
    a->argc = argc;
    a->argv = argv;
    a->scope = SCOPE_DB | SCOPE_WORKER | (a->with_http ? SCOPE_SERVE : 0);
    if (!cli_setup(cmd, "[options]", a->scope, argc, argv, &a->cfg, &args, pcode))
        return false;
    struct live_settings ls;
    char err[512] = "";
    if (!settings_build(&a->cfg, a->with_http, &ls, err, sizeof(err))) {
        fprintf(stderr, "recd %s: %s\n", cmd, err);
        *pcode = 2;
        return false;
    }
    a->live = live_new();
    live_publish(a->live, &ls);
    return true;
}

static int run_app(const char *cmd, int argc, char **argv, bool with_http)
{
    struct app a;
    memset(&a, 0, sizeof(a));
    a.with_http = with_http;
    int code = 2;
    /* Signals are taken by the main thread only; block them before threads exist. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!setup(&a, cmd, argc, argv, &code))
        goto out;
    code = 1;
    a.metrics = metrics_new();
    a.store = cli_open_store(&a.cfg, true);
    if (a.store && open_cache(&a) && start_services(&a, with_http)) {
        atomic_store(&a.heartbeat, clock_mono_ms());
        a.watchdog = watchdog_start(on_health_check, &a);
        notify_ready(with_http ? "serving" : "working");
        signal_loop(&a, &set);
        if (a.http)
            drain(&a, &set);
        else
            notify_stopping("stopping: handing claimed runs back to the queue");
        code = 0;
    }
    watchdog_stop(a.watchdog); /* after the drain (it beats while draining), before a->http goes */
    stop_services(&a);
out:
    live_free(a.live); /* after stop_services(): no reader is left */
    if (a.reloaded)
        config_free(a.reloaded);
    free(a.reloaded);
    config_free(&a.cfg);
    curl_global_cleanup();
    return code;
}

int cli_serve(int argc, char **argv)
{
    return run_app("serve", argc, argv, true);
}

int cli_worker(int argc, char **argv)
{
    return run_app("worker", argc, argv, false);
}
