/* SPDX-License-Identifier: MIT */
/*
 * serve.c — `recd serve` and `recd worker`: wires store, cache, provider,
 * the dedup path, held requests, workers and the HTTP server together,
 * then waits for SIGINT/SIGTERM. The main thread also flushes play times
 * to the store in batches (so /stream never writes to the store).
 */
#include "cli/cli.h"
#include "http/auth.h"
#include "http/server.h"
#include "run/run.h"
#include "run/waiters.h"
#include "util/log.h"
#include "worker/worker.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PLAYED_FLUSH_MS 5000

struct app {
    struct config cfg;
    struct store *store;
    struct cache *cache;
    struct provider *provider;
    struct metrics *metrics;
    struct gate *gate;
    struct runs *runs;
    struct waiters *waiters;
    struct worker_pool *pool;
    struct http_server *http;
    struct auth *auth;
};

static bool is_loopback(const char *listen)
{
    return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "localhost:", 10) == 0;
}

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

static bool open_provider(struct app *a)
{
    const struct config *c = &a->cfg;
    if (c->workers == 0)
        return true; /* HTTP only: nothing is downloaded here */
    struct provider_config pc = {
        .kind = strcmp(c->provider, "url") == 0 ? PROVIDER_URL : PROVIDER_TWILIO,
        .twilio_account_sid = c->twilio_account_sid,
        .twilio_auth_token = c->twilio_auth_token,
        .twilio_api_base = c->twilio_api_base,
        .media_format = c->media_format,
        .url_template = c->url_template,
        .url_bearer_token = c->url_bearer_token,
        .connect_timeout_ms = 10000,
        .low_speed_timeout_ms = 30000,
        .max_bytes = c->max_recording_bytes,
    };
    char err[256] = "";
    a->provider = provider_new(&pc, err, sizeof(err));
    if (!a->provider)
        fprintf(stderr, "recd: provider: %s\n", err);
    return a->provider != NULL;
}

/* Users, tokens and the link key, loaded before any thread starts. */
static bool open_auth(struct app *a)
{
    const char *basic_file = NULL;
    if (a->cfg.auth && auth_parse_flag(a->cfg.auth, &basic_file) != RECD_OK) {
        fprintf(stderr, "recd: --auth %s: expected basic:FILE\n", a->cfg.auth);
        return false;
    }
    struct auth_config ac = {
        .basic_file = basic_file,
        .api_token_file = a->cfg.api_token_file,
        .link_secret = a->cfg.link_secret,
    };
    char err[512] = "";
    a->auth = auth_new(&ac, err, sizeof(err));
    if (!a->auth)
        fprintf(stderr, "recd: %s\n", err);
    return a->auth != NULL;
}

static bool validate(const struct config *c, const struct auth *auth, bool with_http)
{
    if (strcmp(c->provider, "twilio") != 0 && strcmp(c->provider, "url") != 0) {
        fprintf(stderr, "recd: --provider must be twilio or url\n");
        return false;
    }
    if (strcmp(c->media_format, "wav") != 0 && strcmp(c->media_format, "mp3") != 0) {
        fprintf(stderr, "recd: --media-format must be wav or mp3\n");
        return false;
    }
    if (with_http && !auth_enabled(auth) && !is_loopback(c->listen)) {
        fprintf(stderr, "recd: refusing to listen on %s without authentication: recordings are private. "
                        "Listen on 127.0.0.1, or configure --auth basic:FILE, --api-token-file or a link "
                        "secret (docs/auth.md)\n", c->listen);
        return false;
    }
    return true;
}

static void flush_played_one(const char *call_sid, int64_t played_ms, void *ctx)
{
    struct app *a = ctx;
    if (store_touch_played(a->store, call_sid, played_ms) != RECD_OK)
        log_event(LOG_WARN, "STORE_ERROR", LF_S("op", "touch_played"), LF_S("call_sid", call_sid));
}

/* Block until SIGINT/SIGTERM; flush play times meanwhile. */
static void wait_for_signal(struct app *a, const sigset_t *set)
{
    for (;;) {
        struct timespec ts = { .tv_sec = PLAYED_FLUSH_MS / 1000, .tv_nsec = 0 };
        int sig = sigtimedwait(set, NULL, &ts);
        cache_drain_played(a->cache, flush_played_one, a);
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
        .store = a->store, .cache = a->cache, .provider = a->provider, .metrics = a->metrics,
        .on_progress = on_run_progress, .on_ended = on_run_ended, .ctx = a,
    };
    a->pool = worker_pool_start(&ws, &wd);
    if (!with_http)
        return true;
    struct http_ctx hc = { .cfg = &a->cfg, .store = a->store, .cache = a->cache, .runs = a->runs,
                           .waiters = a->waiters, .metrics = a->metrics, .auth = a->auth };
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
    provider_free(a->provider);
    cache_free(a->cache);
    metrics_free(a->metrics);
    store_close(a->store);
}

static int run_app(const char *cmd, int argc, char **argv, bool with_http)
{
    struct app a;
    memset(&a, 0, sizeof(a));
    struct config_args args;
    int code = 2;
    unsigned scope = SCOPE_DB | SCOPE_WORKER | (with_http ? SCOPE_SERVE : 0);
    if (!cli_setup(cmd, "[options]", scope, argc, argv, &a.cfg, &args, &code))
        goto out_config;
    if (with_http && !open_auth(&a))
        goto out_config;
    if (!validate(&a.cfg, a.auth, with_http))
        goto out_config;
    code = 1;
    /* Signals are taken by the main thread only; block them before threads exist. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a.metrics = metrics_new();
    a.store = cli_open_store(&a.cfg, true);
    if (a.store && open_cache(&a) && open_provider(&a) && start_services(&a, with_http)) {
        wait_for_signal(&a, &set);
        code = 0;
    }
    stop_services(&a);
    curl_global_cleanup();
out_config:
    auth_free(a.auth); /* after stop_services(): no HTTP thread is left */
    config_free(&a.cfg);
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
