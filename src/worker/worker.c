/* SPDX-License-Identifier: MIT */
/*
 * worker.c — claim → download → commit → complete, one run at a time per
 * thread. The run row is the queue entry; a worker holds it only through
 * its lease (store_claim/store_renew), so a killed worker loses nothing:
 * the reaper requeues the run once the lease expires. A partial file is
 * never visible: the download goes to a temp file that cache_commit
 * fsyncs and renames only after it verified the length.
 */
#include "worker/worker.h"
#include "worker/backoff.h"
#include "live.h"
#include "peaks/peaks_file.h"
#include "util/clock.h"
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IDLE_POLL_MS 500

struct worker_pool {
    struct worker_settings settings;
    struct worker_deps deps;
    pthread_mutex_t lock;   /* guards stopping and pending_notify */
    pthread_cond_t wake;    /* idle workers wait here */
    pthread_cond_t reaper_wake;
    bool stopping;
    int pending_notify;
    pthread_t *threads;     /* settings.workers workers, then the reaper */
    int nthreads;
    char owner_prefix[96];  /* host:pid */
};

struct job_ctx {
    struct worker_pool *pool;
    const struct store_job *job;
    const char *owner;
    int64_t last_renew;     /* monotonic ms */
    bool lease_lost;
};

static void sleep_or_wake(struct worker_pool *p, int64_t ms)
{
    struct timespec ts = clock_deadline(ms);
    pthread_mutex_lock(&p->lock);
    if (!p->stopping && p->pending_notify == 0)
        pthread_cond_timedwait(&p->wake, &p->lock, &ts);
    if (p->pending_notify > 0)
        p->pending_notify--;
    pthread_mutex_unlock(&p->lock);
}

static bool is_stopping(struct worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    bool s = p->stopping;
    pthread_mutex_unlock(&p->lock);
    return s;
}

static void report_progress(struct worker_pool *p, const struct store_run *run, enum run_status st,
                            int attempt, int64_t done, int64_t total)
{
    /* A pending run being re-checked is still pending until bytes flow. */
    struct flight_info fi = {
        .run_id = run->id, .status = st, .attempt = attempt, .bytes_done = done, .bytes_total = total,
        .pending = run->pending_since != 0 && done == 0,
    };
    if (p->deps.on_progress)
        p->deps.on_progress(run->call_sid, &fi, p->deps.ctx);
}

/* provider_progress_cb: keeps the lease alive; false aborts the download. */
static bool on_download_progress(int64_t done, int64_t total, void *arg)
{
    struct job_ctx *jc = arg;
    struct worker_pool *p = jc->pool;
    const struct store_run *run = &jc->job->run;
    report_progress(p, run, RUN_RUNNING, run->attempt, done, total);
    int64_t now = clock_mono_ms();
    if (now - jc->last_renew < p->settings.lease_ms / 3)
        return !is_stopping(p);
    jc->last_renew = now;
    recd_err rc = store_renew(p->deps.store, run->id, jc->owner, clock_now_ms(),
                              p->settings.lease_ms, done, total);
    if (rc == RECD_ELEASE)
        jc->lease_lost = true;
    return rc != RECD_ELEASE && !is_stopping(p);
}

static void evicted(const char *call_sid, void *arg)
{
    struct worker_pool *p = arg;
    recd_err rc = store_mark_evicted(p->deps.store, call_sid);
    log_event(LOG_INFO, "CACHE_EVICT", LF_S("call_sid", call_sid), LF_S("result", recd_strerror(rc)));
}

/* The waveform, once, before the run completes: a ready recording has its
 * peaks beside it and no temp file of its own left in the cache (a 10-minute
 * call costs 100-200 ms here, after a download of seconds). A failure only
 * costs the sidecar: GET /peaks builds it on demand. */
static void build_peaks(struct worker_pool *p, const char *call_sid, const char *rel_path,
                        const char *sha256)
{
    char err[256] = "";
    int64_t t0 = clock_mono_ms();
    recd_err rc = peaks_file_build(cache_dir(p->deps.cache), rel_path, sha256, NULL, err, sizeof(err));
    if (rc == RECD_OK)
        log_event(LOG_DEBUG, "PEAKS_DONE", LF_S("call_sid", call_sid), LF_I("ms", clock_mono_ms() - t0));
    else
        log_event(LOG_WARN, "PEAKS_FAIL", LF_S("call_sid", call_sid), LF_S("error", err));
}

/* ---- the provider's own pace (issue 10) --------------------------------- */

/* A callback announced another recording while this one downloaded: its
 * file is no one's, and the run goes again for the new one at once. */
static void requeue_replaced(struct worker_pool *p, struct job_ctx *jc, const char *rel_path)
{
    const struct store_run *run = &jc->job->run;
    int64_t now = clock_now_ms();
    cache_retire(p->deps.cache, NULL, rel_path);
    recd_err src = store_retry(p->deps.store, run->id, jc->owner, now, now, "recording_replaced",
                               "the provider announced a newer recording during the download");
    log_event(LOG_WARN, "RUN_RETRY", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
              LF_I("attempt", run->attempt), LF_S("error", "recording_replaced"),
              LF_S("store", recd_strerror(src)));
    report_progress(p, run, RUN_QUEUED, run->attempt, 0, 0);
    worker_pool_notify(p);
}

/* The listing said which recording to fetch: keep it on the run, so a
 * retry downloads it without listing again. */
static void note_choice(struct worker_pool *p, struct job_ctx *jc, const struct provider_result *res)
{
    const struct store_run *run = &jc->job->run;
    if (!res->recording_sid[0] || strcmp(res->recording_sid, run->recording_sid) == 0)
        return;
    recd_err rc = store_note_choice(p->deps.store, run->id, jc->owner, res->recording_sid);
    if (rc != RECD_OK && rc != RECD_ELEASE)
        log_event(LOG_WARN, "STORE_ERROR", LF_S("op", "note_choice"), LF_S("call_sid", run->call_sid),
                  LF_S("error", recd_strerror(rc)));
}

/* What the provider is asked for: a recording sid this run already chose
 * from the listing is used when nothing newer (a callback's URL or sid) is known. */
static void job_recording(const struct store_job *job, struct store_recording *rec)
{
    *rec = job->rec;
    if (!rec->media_url[0] && !rec->recording_sid[0] && job->run.recording_sid[0])
        recd_strlcpy(rec->recording_sid, job->run.recording_sid, sizeof(rec->recording_sid));
}

/* Not a failure: the provider is still processing the recording. The run
 * waits without spending its attempt, re-checked on its own schedule (a
 * verified callback makes it due at once), until pending_timeout. */
static void finish_pending(struct worker_pool *p, struct job_ctx *jc, const struct provider_result *res)
{
    const struct store_run *run = &jc->job->run;
    const struct worker_settings *s = &p->settings;
    int64_t now = clock_now_ms();
    int64_t waited = run->pending_since ? now - run->pending_since : 0;
    if (waited >= s->pending_timeout_ms) {
        char msg[sizeof(res->error_message) + 64];
        snprintf(msg, sizeof(msg), "%s; still not ready after %lld s (--pending-timeout)",
                 res->error_message, (long long)(waited / 1000));
        recd_err src = store_fail(p->deps.store, run->id, jc->owner, now,
                                  "recording_pending_timeout", msg);
        log_event(LOG_WARN, "RUN_FAIL", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
                  LF_I("attempt", run->attempt), LF_S("code", "recording_pending_timeout"),
                  LF_S("error", msg), LF_S("store", recd_strerror(src)));
        p->deps.on_ended(run->call_sid, p->deps.ctx);
        return;
    }
    int64_t delay = backoff_pending_ms(waited, s->pending_min_ms, s->pending_max_ms);
    recd_err src = store_pend(p->deps.store, run->id, jc->owner, now, now + delay,
                              res->error_message);
    log_event(LOG_INFO, "RUN_PENDING", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
              LF_I("waited_ms", waited), LF_I("next_check_ms", delay),
              LF_S("reason", res->error_message), LF_S("store", recd_strerror(src)));
    struct flight_info fi = { .run_id = run->id, .status = RUN_QUEUED, .attempt = run->attempt - 1,
                              .pending = true };
    if (src == RECD_OK && p->deps.on_progress)
        p->deps.on_progress(run->call_sid, &fi, p->deps.ctx);
}

/* The code a permanent failure is stored under: the provider's own reason
 * when it is one clients can act on, else the generic one. */
static const char *failure_code(recd_err rc, const struct provider_result *res)
{
    if (rc == RECD_ENOTFOUND)
        return "recording_not_found";
    if (strcmp(res->error_code, "recording_encrypted") == 0 ||
        strcmp(res->error_code, "recording_not_audio") == 0)
        return res->error_code;
    return "upstream_failed";
}

static void finish_ok(struct worker_pool *p, struct job_ctx *jc, const struct provider_result *res,
                      const char *rel_path, int64_t started)
{
    const struct store_run *run = &jc->job->run;
    struct store_ready ready;
    memset(&ready, 0, sizeof(ready));
    recd_strlcpy(ready.recording_sid, res->recording_sid, sizeof(ready.recording_sid));
    recd_strlcpy(ready.format, res->format, sizeof(ready.format));
    recd_strlcpy(ready.media_url, res->media_url, sizeof(ready.media_url));
    recd_strlcpy(ready.sha256, res->sha256, sizeof(ready.sha256));
    recd_strlcpy(ready.cache_path, rel_path, sizeof(ready.cache_path));
    ready.duration_s = res->duration_s;
    ready.size_bytes = res->bytes;
    build_peaks(p, run->call_sid, rel_path, res->sha256);
    int64_t now = clock_now_ms();
    recd_err rc = store_complete(p->deps.store, run->id, jc->owner, now, &ready);
    if (rc == RECD_ESTALE) {
        requeue_replaced(p, jc, rel_path);
        return;
    }
    if (rc != RECD_OK) {
        /* Lease lost: another worker owns the run now and will commit the same bytes. */
        log_event(LOG_WARN, "RUN_FAIL", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
                  LF_S("error", recd_strerror(rc)), LF_S("stage", "complete"));
        return;
    }
    struct cache_entry e;
    memset(&e, 0, sizeof(e));
    recd_strlcpy(e.call_sid, run->call_sid, sizeof(e.call_sid));
    recd_strlcpy(e.rel_path, rel_path, sizeof(e.rel_path));
    recd_strlcpy(e.format, res->format, sizeof(e.format));
    recd_strlcpy(e.sha256, res->sha256, sizeof(e.sha256));
    e.size = res->bytes;
    e.mtime_ms = now;
    e.last_played_ms = now;
    cache_index_put(p->deps.cache, &e);
    double secs = (double)(clock_mono_ms() - started) / 1000.0;
    metrics_fetch_done(p->deps.metrics, secs, res->bytes);
    log_event(LOG_INFO, "RUN_DONE", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
              LF_I("attempt", run->attempt), LF_I("bytes", res->bytes), LF_S("sha256", res->sha256),
              LF_I("ms", (int64_t)(secs * 1000)));
    cache_evict(p->deps.cache, run->call_sid, evicted, p);
    p->deps.on_ended(run->call_sid, p->deps.ctx);
}

static bool is_transient(recd_err rc)
{
    return rc == RECD_EUPSTREAM || rc == RECD_ETRUNCATED || rc == RECD_EIO;
}

static void finish_error(struct worker_pool *p, struct job_ctx *jc, recd_err rc,
                         const struct provider_result *res)
{
    const struct store_run *run = &jc->job->run;
    const char *msg = res->error_message[0] ? res->error_message : recd_strerror(rc);
    int64_t now = clock_now_ms();
    if (jc->lease_lost) {
        log_event(LOG_WARN, "RUN_ABANDON", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
                  LF_S("reason", "lease lost"));
        return;
    }
    if (is_stopping(p)) {
        /* Cut by the stop (the progress callback aborts the download), not
         * by the provider: the run goes back to the queue, no attempt spent. */
        recd_err src = store_release(p->deps.store, run->id, jc->owner, now);
        log_event(LOG_INFO, "RUN_RELEASE", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
                  LF_I("attempt", run->attempt), LF_S("store", recd_strerror(src)));
        report_progress(p, run, RUN_QUEUED, run->attempt - 1, 0, 0);
        return;
    }
    if (rc == RECD_ELEASE) {
        log_event(LOG_WARN, "RUN_ABANDON", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
                  LF_S("reason", "lease lost"));
        return;
    }
    if (rc == RECD_EPENDING) {
        finish_pending(p, jc, res);
        return;
    }
    if (is_transient(rc) && run->attempt < p->settings.max_attempts) {
        int64_t delay = backoff_next_ms(run->attempt, p->settings.backoff_base_ms,
                                        p->settings.backoff_max_ms, res->retry_after_ms,
                                        (uint64_t)random());
        recd_err src = store_retry(p->deps.store, run->id, jc->owner, now, now + delay,
                                   res->error_code[0] ? res->error_code : "upstream_error", msg);
        log_event(LOG_WARN, "RUN_RETRY", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
                  LF_I("attempt", run->attempt), LF_I("delay_ms", delay), LF_S("error", msg),
                  LF_S("store", recd_strerror(src)));
        report_progress(p, run, RUN_QUEUED, run->attempt, 0, 0);
        return;
    }
    const char *code = failure_code(rc, res);
    recd_err src = store_fail(p->deps.store, run->id, jc->owner, now, code, msg);
    log_event(LOG_WARN, "RUN_FAIL", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
              LF_I("attempt", run->attempt), LF_S("code", code), LF_S("error", msg),
              LF_S("store", recd_strerror(src)));
    p->deps.on_ended(run->call_sid, p->deps.ctx);
}

static void process_job(struct worker_pool *p, const struct store_job *job, const char *owner)
{
    const struct store_run *run = &job->run;
    struct job_ctx jc = { .pool = p, .job = job, .owner = owner, .last_renew = clock_mono_ms() };
    struct provider_result *res = xcalloc(1, sizeof(*res));
    int64_t started = clock_mono_ms();
    log_event(LOG_INFO, "RUN_START", LF_S("call_sid", run->call_sid), LF_I("run_id", run->id),
              LF_I("attempt", run->attempt), LF_S("owner", owner));
    report_progress(p, run, RUN_RUNNING, run->attempt, 0, 0);
    int fd = -1;
    char tmp[1024], rel[512];
    const struct live_settings *live = p->deps.live ? live_acquire(p->deps.live) : NULL;
    struct provider *provider = live ? live->provider : p->deps.provider;
    struct store_recording *rec = xmalloc(sizeof(*rec));
    job_recording(job, rec);
    recd_err rc = cache_tmp_open(p->deps.cache, run->call_sid, &fd, tmp, sizeof(tmp));
    if (rc == RECD_OK) {
        rc = provider_fetch(provider, rec, fd, on_download_progress, &jc, res);
        metrics_upstream(p->deps.metrics, (unsigned)res->http_status);
        if (rc != RECD_ELEASE)
            note_choice(p, &jc, res);
        if (rc == RECD_OK)
            rc = cache_commit(p->deps.cache, fd, tmp, run->call_sid, res->format, rel, sizeof(rel));
        else
            cache_discard(fd, tmp);
    } else {
        snprintf(res->error_message, sizeof(res->error_message), "cannot create a temp file in the cache");
    }
    live_release(p->deps.live, live);
    if (rc == RECD_OK)
        finish_ok(p, &jc, res, rel, started);
    else
        finish_error(p, &jc, rc, res);
    free(rec);
    free(res);
}

struct thread_arg {
    struct worker_pool *pool;
    int index;
};

static void *worker_main(void *arg)
{
    struct thread_arg *ta = arg;
    struct worker_pool *p = ta->pool;
    char owner[128];
    snprintf(owner, sizeof(owner), "%s:w%d", p->owner_prefix, ta->index);
    free(ta);
    struct store_job *job = xmalloc(sizeof(*job));
    while (!is_stopping(p)) {
        recd_err rc = store_claim(p->deps.store, owner, clock_now_ms(), p->settings.lease_ms, job);
        if (rc == RECD_OK) {
            process_job(p, job, owner);
            continue;
        }
        if (rc != RECD_EAGAIN)
            log_event(LOG_ERROR, "STORE_ERROR", LF_S("op", "claim"), LF_S("error", recd_strerror(rc)));
        sleep_or_wake(p, IDLE_POLL_MS);
    }
    free(job);
    return NULL;
}

static void *reaper_main(void *arg)
{
    struct worker_pool *p = arg;
    int64_t interval = p->settings.lease_ms / 3;
    if (interval < 200)
        interval = 200;
    if (interval > 5000)
        interval = 5000;
    while (!is_stopping(p)) {
        int reaped = 0;
        recd_err rc = store_reap(p->deps.store, clock_now_ms(), p->settings.max_attempts, &reaped);
        if (rc != RECD_OK)
            log_event(LOG_ERROR, "STORE_ERROR", LF_S("op", "reap"), LF_S("error", recd_strerror(rc)));
        if (reaped > 0) {
            log_event(LOG_WARN, "RUN_REAP", LF_I("runs", reaped));
            worker_pool_notify(p);
        }
        struct timespec deadline = clock_deadline(interval);
        pthread_mutex_lock(&p->lock);
        if (!p->stopping)
            pthread_cond_timedwait(&p->reaper_wake, &p->lock, &deadline);
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

struct worker_pool *worker_pool_start(const struct worker_settings *s, const struct worker_deps *d)
{
    struct worker_pool *p = xcalloc(1, sizeof(*p));
    p->settings = *s;
    if (p->settings.pending_min_ms <= 0)
        p->settings.pending_min_ms = 2000;
    if (p->settings.pending_max_ms < p->settings.pending_min_ms)
        p->settings.pending_max_ms = 30000;
    p->deps = *d;
    pthread_mutex_init(&p->lock, NULL);
    clock_cond_init(&p->wake);
    clock_cond_init(&p->reaper_wake);
    char host[64] = "host";
    gethostname(host, sizeof(host) - 1);
    snprintf(p->owner_prefix, sizeof(p->owner_prefix), "%s:%d", host, (int)getpid());
    srandom((unsigned)(getpid() ^ clock_mono_ms()));
    p->threads = xcalloc((size_t)s->workers + 1, sizeof(pthread_t));
    for (int i = 0; i < s->workers; i++) {
        struct thread_arg *ta = xmalloc(sizeof(*ta));
        ta->pool = p;
        ta->index = i;
        if (pthread_create(&p->threads[p->nthreads], NULL, worker_main, ta) != 0)
            RECD_ASSERT(!"cannot start a worker thread");
        p->nthreads++;
    }
    if (pthread_create(&p->threads[p->nthreads], NULL, reaper_main, p) != 0)
        RECD_ASSERT(!"cannot start the reaper thread");
    p->nthreads++;
    return p;
}

void worker_pool_notify(struct worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    if (p->pending_notify <= p->settings.workers)
        p->pending_notify++;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

void worker_pool_stop(struct worker_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->wake);
    pthread_cond_signal(&p->reaper_wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->reaper_wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
