/* SPDX-License-Identifier: MIT */
/*
 * store.c — the backend-neutral half of the store: picks a backend from the
 * URL scheme, checks every argument before a backend sees it, clips error
 * texts to the column sizes the structs can hold, owns the list cursor
 * format and calls visitors.
 *
 * Invariant: a backend never receives an invalid call_sid, an owner that
 * does not fit store_run.lease_owner, or a limit out of range.
 * Threads: no state of its own; visitors run with no store lock held, so
 * they may call the store again.
 */
#include "store/backend.h"
#include "util/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_MAX 96     /* "<19 digits>.<64-char call_sid>" + NUL fits */
#define READY_PAGE 128    /* rows per backend round trip in store_list_ready */

static const char *const run_status_names[] = { "queued", "running", "completed", "failed" };
static const char *const rec_state_names[] = { "remote", "queued", "running",
                                               "ready",  "failed", "missing" };

static const char *name_of(const char *const *names, size_t n, size_t i)
{
    return i < n ? names[i] : "unknown";
}

static bool index_of(const char *const *names, size_t n, const char *s, int *pi)
{
    for (size_t i = 0; s && i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            *pi = (int)i;
            return true;
        }
    }
    return false;
}

const char *run_status_name(enum run_status s)
{
    return name_of(run_status_names, RECD_ARRAY_LEN(run_status_names), (size_t)s);
}

bool run_status_parse(const char *s, enum run_status *ps)
{
    int i;
    if (!index_of(run_status_names, RECD_ARRAY_LEN(run_status_names), s, &i))
        return false;
    *ps = (enum run_status)i;
    return true;
}

const char *rec_state_name(enum rec_state s)
{
    return name_of(rec_state_names, RECD_ARRAY_LEN(rec_state_names), (size_t)s);
}

bool rec_state_parse(const char *s, enum rec_state *ps)
{
    int i;
    if (!index_of(rec_state_names, RECD_ARRAY_LEN(rec_state_names), s, &i))
        return false;
    *ps = (enum rec_state)i;
    return true;
}

bool store_settled(const struct store_recording *rec, const struct ensure_policy *pol,
                   enum ensure_outcome *pout)
{
    int64_t age = pol->now - rec->error_at;

    if (rec->state == REC_READY)
        *pout = ENSURE_READY;
    else if (rec->state == REC_MISSING && age < pol->negative_ttl_ms)
        *pout = ENSURE_MISSING;
    else if (rec->state == REC_FAILED && age < pol->failure_cooldown_ms)
        *pout = ENSURE_FAILED;
    else
        return false;
    return true;
}

/* ---- argument checks ---------------------------------------------------- */

static bool sid_ok(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || n >= RECD_SID_MAX)
            return false;
    }
    return n > 0;
}

static bool owner_ok(const char *owner)
{
    return owner && owner[0] && strlen(owner) < sizeof(((struct store_run *)0)->lease_owner);
}

/* A char array field is usable only if it is NUL-terminated inside it. */
static bool terminated(const char *field, size_t cap)
{
    return memchr(field, '\0', cap) != NULL;
}
#define FIELD_OK(s, f) terminated((s)->f, sizeof((s)->f))

/* Copy at most cap-1 bytes without splitting a UTF-8 sequence, so what the
 * database keeps is exactly what a struct field can later hold. */
static void clip(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ---- open / close ------------------------------------------------------- */

struct scheme {
    const char *prefix;
    const struct store_backend *be; /* NULL: known, not built in */
};

/* postgres.c; declared here rather than in backend.h beside sqlite's. */
extern const struct store_backend store_backend_postgres;

/* First match wins: "sqlite://PATH" and "sqlite:PATH" both name PATH, so
 * "sqlite:///var/lib/recd.db" is the absolute path. */
static const struct scheme schemes[] = {
    { "sqlite://", &store_backend_sqlite },
    { "sqlite:", &store_backend_sqlite },
    { "postgres://", &store_backend_postgres },
    { "postgresql://", &store_backend_postgres },
};

void store_url_redact(const char *url, char *out, size_t outlen)
{
    /* scheme://user:password@host… → scheme://user:***@host… */
    const char *auth = strstr(url, "://");
    const char *at = auth ? strchr(auth + 3, '@') : NULL;
    const char *colon = at ? memchr(auth + 3, ':', (size_t)(at - (auth + 3))) : NULL;
    if (!colon) {
        recd_strlcpy(out, url, outlen);
        return;
    }
    snprintf(out, outlen, "%.*s:***%s", (int)(colon - url), url, at);
}

struct store *store_open(const char *url, char *err, size_t errlen)
{
    const struct scheme *sc = NULL;
    struct store *st = NULL;
    char dummy[8];

    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    for (size_t i = 0; url && i < RECD_ARRAY_LEN(schemes); i++) {
        if (strncmp(url, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
            sc = &schemes[i];
            break;
        }
    }
    /* The URL is never echoed: a postgres URL may carry a password. */
    if (!sc) {
        snprintf(err, errlen, "unknown store URL scheme (want sqlite:PATH or postgres://...)");
        goto out;
    }
    if (!sc->be) {
        snprintf(err, errlen, "postgres backend not available in this build");
        goto out;
    }
    st = sc->be->open(url + strlen(sc->prefix), err, errlen);
    if (st)
        RECD_ASSERT(st->be == sc->be);
out:
    return st;
}

void store_close(struct store *st)
{
    if (st)
        st->be->close(st);
}

recd_err store_migrate(struct store *st)
{
    RECD_ASSERT(st);
    return st->be->migrate(st);
}

recd_err store_ping(struct store *st)
{
    RECD_ASSERT(st);
    return st->be->ping(st);
}

/* ---- the run life cycle ------------------------------------------------- */

recd_err store_ensure_run(struct store *st, const char *call_sid, const struct ensure_policy *pol,
                          struct ensure_result *out)
{
    RECD_ASSERT(st && out);
    memset(out, 0, sizeof(*out));
    if (!sid_ok(call_sid) || !pol || pol->negative_ttl_ms < 0 || pol->failure_cooldown_ms < 0)
        return RECD_EINVAL;
    return st->be->ensure_run(st, call_sid, pol, out);
}

recd_err store_claim(struct store *st, const char *owner, int64_t now, int64_t lease_ms,
                     struct store_job *job)
{
    RECD_ASSERT(st && job);
    memset(job, 0, sizeof(*job));
    if (!owner_ok(owner) || lease_ms <= 0)
        return RECD_EINVAL;
    return st->be->claim(st, owner, now, lease_ms, job);
}

recd_err store_renew(struct store *st, int64_t run_id, const char *owner, int64_t now,
                     int64_t lease_ms, int64_t bytes_done, int64_t bytes_total)
{
    RECD_ASSERT(st);
    if (!owner_ok(owner) || lease_ms <= 0 || bytes_done < 0 || bytes_total < 0)
        return RECD_EINVAL;
    return st->be->renew(st, run_id, owner, now, lease_ms, bytes_done, bytes_total);
}

recd_err store_complete(struct store *st, int64_t run_id, const char *owner, int64_t now,
                        const struct store_ready *r)
{
    RECD_ASSERT(st);
    if (!owner_ok(owner) || !r || r->size_bytes < 0)
        return RECD_EINVAL;
    if (!FIELD_OK(r, recording_sid) || !FIELD_OK(r, format) || !FIELD_OK(r, media_url) ||
        !FIELD_OK(r, sha256) || !FIELD_OK(r, cache_path))
        return RECD_EINVAL;
    /* A ready row without a file to serve would be a lie. */
    if (!r->cache_path[0] || !r->sha256[0])
        return RECD_EINVAL;
    return st->be->complete(st, run_id, owner, now, r);
}

recd_err store_retry(struct store *st, int64_t run_id, const char *owner, int64_t now,
                     int64_t next_attempt_at, const char *error_code, const char *error_message)
{
    char code[sizeof(((struct store_run *)0)->error_code)];
    char msg[sizeof(((struct store_run *)0)->error_message)];

    RECD_ASSERT(st);
    if (!owner_ok(owner))
        return RECD_EINVAL;
    clip(code, sizeof(code), error_code);
    clip(msg, sizeof(msg), error_message);
    return st->be->retry(st, run_id, owner, now, next_attempt_at, code, msg);
}

recd_err store_release(struct store *st, int64_t run_id, const char *owner, int64_t now)
{
    RECD_ASSERT(st);
    if (!owner_ok(owner))
        return RECD_EINVAL;
    return st->be->release(st, run_id, owner, now);
}

recd_err store_fail(struct store *st, int64_t run_id, const char *owner, int64_t now,
                    const char *error_code, const char *error_message)
{
    char code[sizeof(((struct store_run *)0)->error_code)];
    char msg[sizeof(((struct store_run *)0)->error_message)];

    RECD_ASSERT(st);
    if (!owner_ok(owner))
        return RECD_EINVAL;
    clip(code, sizeof(code), error_code);
    clip(msg, sizeof(msg), error_message);
    return st->be->fail(st, run_id, owner, now, code, msg);
}

recd_err store_reap(struct store *st, int64_t now, int max_attempts, int *preaped)
{
    int dummy = 0;

    RECD_ASSERT(st);
    if (!preaped)
        preaped = &dummy;
    *preaped = 0;
    if (max_attempts < 1)
        return RECD_EINVAL;
    return st->be->reap(st, now, max_attempts, preaped);
}

/* ---- recordings --------------------------------------------------------- */

recd_err store_upsert_recording(struct store *st, const struct store_recording *rec)
{
    RECD_ASSERT(st);
    if (!rec || !FIELD_OK(rec, call_sid) || !sid_ok(rec->call_sid))
        return RECD_EINVAL;
    if (!FIELD_OK(rec, recording_sid) || !FIELD_OK(rec, provider) || !FIELD_OK(rec, media_url) ||
        !FIELD_OK(rec, format) || rec->created_at < 0)
        return RECD_EINVAL;
    return st->be->upsert_recording(st, rec, clock_now_ms());
}

recd_err store_get_recording(struct store *st, const char *call_sid, struct store_recording *out)
{
    RECD_ASSERT(st && out);
    memset(out, 0, sizeof(*out));
    if (!sid_ok(call_sid))
        return RECD_EINVAL;
    return st->be->get_recording(st, call_sid, out);
}

recd_err store_touch_played(struct store *st, const char *call_sid, int64_t at)
{
    RECD_ASSERT(st);
    if (!sid_ok(call_sid))
        return RECD_EINVAL;
    return st->be->touch_played(st, call_sid, at);
}

recd_err store_mark_evicted(struct store *st, const char *call_sid)
{
    RECD_ASSERT(st);
    if (!sid_ok(call_sid))
        return RECD_EINVAL;
    return st->be->mark_evicted(st, call_sid, clock_now_ms());
}

/* ---- listing ------------------------------------------------------------ */

/* Cursor: "<created_at>.<call_sid>", decimal digits only, so a cursor is
 * checked as strictly as a call_sid and never reaches SQL unparsed. */
static bool cursor_parse(const char *cur, int64_t *pcreated, char *sid, size_t sidlen)
{
    const char *dot = strchr(cur, '.');
    char *end = NULL;
    long long v;

    if (!dot || dot == cur || dot - cur > 19)
        return false;
    for (const char *p = cur; p < dot; p++) {
        if (*p < '0' || *p > '9')
            return false;
    }
    errno = 0;
    v = strtoll(cur, &end, 10);
    if (errno != 0 || end != dot || !sid_ok(dot + 1))
        return false;
    *pcreated = (int64_t)v;
    return recd_strlcpy(sid, dot + 1, sidlen);
}

static void cursor_format(const struct store_recording *rec, char *buf, size_t len)
{
    snprintf(buf, len, "%" PRId64 ".%s", rec->created_at, rec->call_sid);
}

recd_err store_list_recordings(struct store *st, const struct recording_filter *f,
                               store_recording_cb cb, void *ctx, char *next_cursor,
                               size_t cursor_len)
{
    struct store_rec_query q = { 0 };
    char after_sid[RECD_SID_MAX + 1];
    struct store_recording *rows = NULL;
    size_t n = 0, i = 0;
    recd_err err = RECD_EINVAL;

    RECD_ASSERT(st && f && cb);
    /* Parsed before next_cursor is cleared: callers may pass one buffer
     * as both the cursor they got and the place for the next one. */
    if (f->cursor && f->cursor[0]) {
        q.has_after = cursor_parse(f->cursor, &q.after_created_at, after_sid, sizeof(after_sid));
        q.after_call_sid = after_sid;
        if (!q.has_after)
            goto out;
    }
    if (f->limit < 1 || f->limit > 500 || (next_cursor && cursor_len < CURSOR_MAX))
        goto out;
    q.has_state = f->has_state;
    q.state = f->state;
    q.q = (f->q && f->q[0]) ? f->q : NULL;
    /* One row more than asked tells whether another page exists. */
    rows = xcalloc((size_t)f->limit + 1, sizeof(*rows));
    err = st->be->list_recordings(st, &q, rows, (size_t)f->limit + 1, &n);
    if (err != RECD_OK)
        goto out;
    for (i = 0; i < n && i < (size_t)f->limit; i++) {
        if (!cb(&rows[i], ctx))
            break;
    }
    /* A stopped visitor saw rows[i]; the next page starts after it. */
    if (i < n && i < (size_t)f->limit)
        i++;
    if (next_cursor && cursor_len)
        next_cursor[0] = '\0';
    if (next_cursor && i < n && i > 0)
        cursor_format(&rows[i - 1], next_cursor, cursor_len);
out:
    if (err != RECD_OK && next_cursor && cursor_len)
        next_cursor[0] = '\0';
    free(rows);
    return err;
}

recd_err store_list_runs(struct store *st, const struct run_filter *f, store_run_cb cb,
                         void *ctx)
{
    struct store_run *rows = NULL;
    size_t n = 0;
    recd_err err = RECD_EINVAL;

    RECD_ASSERT(st && f && cb);
    if (f->limit < 1 || f->limit > 1000 || (f->call_sid && !sid_ok(f->call_sid)))
        goto out;
    rows = xcalloc((size_t)f->limit, sizeof(*rows));
    err = st->be->list_runs(st, f, rows, (size_t)f->limit, &n);
    for (size_t i = 0; err == RECD_OK && i < n; i++) {
        if (!cb(&rows[i], ctx))
            break;
    }
out:
    free(rows);
    return err;
}

recd_err store_find_duplicates(struct store *st, store_dup_cb cb, void *ctx)
{
    struct store_dup *rows = NULL;
    size_t n = 0;
    recd_err err;

    RECD_ASSERT(st && cb);
    err = st->be->find_duplicates(st, &rows, &n);
    for (size_t i = 0; err == RECD_OK && i < n; i++) {
        if (!cb(rows[i].call_sid, rows[i].active_runs, ctx))
            break;
    }
    free(rows);
    return err;
}

recd_err store_count_runs(struct store *st, int64_t counts[4])
{
    RECD_ASSERT(st && counts);
    memset(counts, 0, 4 * sizeof(counts[0]));
    return st->be->count_runs(st, counts);
}

/* Pages by call_sid so the backend's lock is never held while a visitor
 * runs, however many recordings are ready. */
recd_err store_list_ready(struct store *st, store_recording_cb cb, void *ctx)
{
    struct store_recording *rows = xcalloc(READY_PAGE, sizeof(*rows));
    char after[RECD_SID_MAX + 1] = "";
    size_t n = 0;
    recd_err err;
    bool more = true;

    RECD_ASSERT(st && cb);
    do {
        err = st->be->list_ready(st, after, rows, READY_PAGE, &n);
        if (err != RECD_OK)
            break;
        for (size_t i = 0; more && i < n; i++)
            more = cb(&rows[i], ctx);
        if (n > 0)
            recd_strlcpy(after, rows[n - 1].call_sid, sizeof(after));
    } while (more && n == READY_PAGE);
    free(rows);
    return err;
}

/* ---- waiting for the provider, and its callbacks ------------------------ */

recd_err store_pend(struct store *st, int64_t run_id, const char *owner, int64_t now,
                    int64_t next_check_at, const char *message)
{
    char msg[sizeof(((struct store_recording *)0)->error_message)];

    RECD_ASSERT(st);
    if (!owner_ok(owner) || next_check_at < now)
        return RECD_EINVAL;
    clip(msg, sizeof(msg), message);
    return st->be->pend(st, run_id, owner, now, next_check_at, msg);
}

recd_err store_note_choice(struct store *st, int64_t run_id, const char *owner,
                           const char *recording_sid)
{
    RECD_ASSERT(st);
    if (!owner_ok(owner) || !sid_ok(recording_sid))
        return RECD_EINVAL;
    return st->be->note_choice(st, run_id, owner, recording_sid);
}

void store_event_plan(const struct store_event *ev, const struct store_recording *rec,
                      const struct store_run *run, struct store_event_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    enum rec_state state = rec ? rec->state : REC_REMOTE;
    bool new_sid = ev->recording_sid[0] != '\0';

    if (ev->kind == STORE_EVENT_ABSENT) {
        plan->fail_run = run != NULL;
        /* A file we serve is audio the provider did have: keep serving it. */
        plan->mark_missing = rec != NULL && state != REC_READY;
        return;
    }
    plan->register_ids = true;
    plan->retire = state == REC_READY && new_sid && rec->recording_sid[0] &&
                   strcmp(rec->recording_sid, ev->recording_sid) != 0;
    plan->clear_error = state == REC_MISSING || state == REC_FAILED;
    plan->wake_run = run != NULL && run->status == RUN_QUEUED;
    plan->forget_choice = plan->wake_run && new_sid && run->recording_sid[0] &&
                          strcmp(run->recording_sid, ev->recording_sid) != 0;
}

static bool event_ok(const struct store_event *ev)
{
    if (!ev || !sid_ok(ev->call_sid) || !ev->recording_sid || !ev->media_url || !ev->provider)
        return false;
    if (ev->kind != STORE_EVENT_COMPLETED && ev->kind != STORE_EVENT_ABSENT)
        return false;
    if (ev->recording_sid[0] && !sid_ok(ev->recording_sid))
        return false;
    return strlen(ev->media_url) < sizeof(((struct store_recording *)0)->media_url) &&
           strlen(ev->provider) < sizeof(((struct store_recording *)0)->provider);
}

recd_err store_apply_event(struct store *st, const struct store_event *ev, int64_t now,
                           struct store_event_result *out)
{
    char reason[sizeof(((struct store_run *)0)->error_message)];
    struct store_event clipped;

    RECD_ASSERT(st && out);
    memset(out, 0, sizeof(*out));
    if (!event_ok(ev))
        return RECD_EINVAL;
    clipped = *ev;
    clip(reason, sizeof(reason), ev->reason && ev->reason[0] ? ev->reason
                                 : "the provider says there is no recording");
    clipped.reason = reason;
    return st->be->apply_event(st, &clipped, now, out);
}
