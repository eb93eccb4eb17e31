/* SPDX-License-Identifier: MIT */
/*
 * admin.c — the operator's subcommands: migrate, check, runs, status,
 * fetch, import. Each opens the store, does one thing, prints it plainly.
 */
#include "cli/cli.h"
#include "model/recording_json.h"
#include "proto/sid.h"
#include "run/run.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set-up shared by every admin command: config, then the store. */
static struct store *admin_open(const char *cmd, const char *usage, unsigned scope, int argc,
                                char **argv, struct config *cfg, struct config_args *args, int *pexit)
{
    if (!cli_setup(cmd, usage, scope, argc, argv, cfg, args, pexit))
        return NULL;
    struct store *st = cli_open_store(cfg, true);
    *pexit = st ? 0 : 1;
    return st;
}

int cli_migrate(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 0;
    struct store *st = admin_open("migrate", "[--db URL]", SCOPE_DB, argc, argv, &cfg, &args, &code);
    if (st) {
        char db[1024];
        store_url_redact(cfg.db, db, sizeof(db));
        printf("migrated %s\n", db);
    }
    store_close(st);
    config_free(&cfg);
    return code;
}

static bool print_dup(const char *call_sid, int active_runs, void *ctx)
{
    int *found = ctx;
    printf("%s\t%d\n", call_sid, active_runs);
    (*found)++;
    return true;
}

int cli_check(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 0, found = 0;
    struct store *st = admin_open("check", "[--db URL]", SCOPE_DB, argc, argv, &cfg, &args, &code);
    if (st) {
        if (store_find_duplicates(st, print_dup, &found) != RECD_OK)
            code = 1;
        else if (found > 0)
            code = 1;
        else
            fprintf(stderr, "ok: no call_sid has more than one active run\n");
    }
    store_close(st);
    config_free(&cfg);
    return code;
}

static bool print_run(const struct store_run *r, void *ctx)
{
    (void)ctx;
    char created[40] = "-";
    if (r->created_at)
        clock_format_iso(r->created_at, created, sizeof(created));
    printf("%-8lld %-34s %-10s %7d %12lld %12lld  %-24s %s\n", (long long)r->id, r->call_sid,
           run_status_name(r->status), r->attempt, (long long)r->bytes_done, (long long)r->bytes_total,
           created, r->error_code[0] ? r->error_code : "-");
    return true;
}

static void print_run_header(void)
{
    printf("%-8s %-34s %-10s %7s %12s %12s  %-24s %s\n", "ID", "CALL_SID", "STATUS", "ATTEMPT",
           "BYTES_DONE", "BYTES_TOTAL", "CREATED", "ERROR");
}

int cli_runs(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 2;
    struct run_filter f = { .limit = 1000 };
    struct store *st = NULL;
    if (!cli_setup("runs", "[--status S] [--call-sid X] [--db URL]", SCOPE_DB | SCOPE_RUNS, argc, argv, &cfg, &args, &code))
        goto out;
    f.call_sid = cfg.call_sid;
    if (cfg.status && !(f.has_status = run_status_parse(cfg.status, &f.status))) {
        fprintf(stderr, "recd runs: --status must be queued, running, completed or failed\n");
        goto out;
    }
    if (cfg.call_sid && !sid_valid(cfg.call_sid)) {
        fprintf(stderr, "recd runs: --call-sid is not a valid call_sid\n");
        goto out;
    }
    code = 1;
    st = cli_open_store(&cfg, true);
    if (!st)
        goto out;
    print_run_header();
    code = store_list_runs(st, &f, print_run, NULL) == RECD_OK ? 0 : 1;
out:
    store_close(st);
    config_free(&cfg);
    return code;
}

/* Counts by status, then the active runs (the queue as it is now). */
int cli_status(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 0;
    struct store *st = admin_open("status", "[--db URL]", SCOPE_DB, argc, argv, &cfg, &args, &code);
    int64_t counts[4];
    if (st && store_count_runs(st, counts) == RECD_OK) {
        printf("%-10s %s\n", "STATUS", "RUNS");
        for (int s = RUN_QUEUED; s <= RUN_FAILED; s++)
            printf("%-10s %lld\n", run_status_name((enum run_status)s), (long long)counts[s]);
        printf("\nactive runs:\n");
        print_run_header();
        struct run_filter f = { .limit = 1000, .has_status = true, .status = RUN_RUNNING };
        bool ok = store_list_runs(st, &f, print_run, NULL) == RECD_OK;
        f.status = RUN_QUEUED;
        ok = ok && store_list_runs(st, &f, print_run, NULL) == RECD_OK;
        code = ok ? 0 : 1;
    } else if (st) {
        code = 1;
    }
    store_close(st);
    config_free(&cfg);
    return code;
}

/* Poll the store until the recording is no longer queued/running. */
static enum rec_state wait_for_end(struct store *st, const char *sid, int max_s)
{
    struct store_recording *rec = xmalloc(sizeof(*rec));
    enum rec_state state = REC_QUEUED;
    for (int i = 0; i < max_s * 4; i++) {
        if (store_get_recording(st, sid, rec) == RECD_OK) {
            state = rec->state;
            if (state != REC_QUEUED && state != REC_RUNNING)
                break;
        }
        usleep(250 * 1000);
    }
    free(rec);
    return state;
}

static int fetch_one(const struct config *cfg, struct store *st, struct cache *cache, const char *sid)
{
    struct metrics *m = metrics_new();
    struct run_policy policy = { .negative_ttl_ms = (int64_t)cfg->negative_ttl_s * 1000,
                                 .failure_cooldown_ms = (int64_t)cfg->failure_cooldown_s * 1000,
                                 .max_attempts = cfg->max_attempts };
    struct runs *r = runs_new(st, cache, m, NULL, &policy, NULL, NULL);
    struct run_view v;
    int code = 1;
    if (run_ensure(r, sid, &v) == RECD_OK) {
        enum rec_state state = REC_QUEUED;
        if (v.answer == ANSWER_ACTIVE)
            printf("%s %s run=%lld%s%s\n", sid, run_status_name(v.run.status), (long long)v.run.run_id,
                   v.layer == DEDUP_NONE ? " (created)" : " (already active, dedup ",
                   v.layer == DEDUP_NONE ? "" : "db)");
        if (v.answer == ANSWER_ACTIVE && cfg->wait)
            state = wait_for_end(st, sid, 600);
        else
            state = v.answer == ANSWER_READY ? REC_READY : v.answer == ANSWER_MISSING ? REC_MISSING
                  : v.answer == ANSWER_FAILED ? REC_FAILED : REC_QUEUED;
        if (v.answer != ANSWER_ACTIVE || cfg->wait)
            printf("%s %s\n", sid, rec_state_name(state));
        code = (state == REC_MISSING || state == REC_FAILED) ? 1 : 0;
    }
    runs_free(r);
    metrics_free(m);
    return code;
}

int cli_fetch(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 0;
    struct store *st = admin_open("fetch", "CALL_SID [--wait] [--db URL]", SCOPE_DB | SCOPE_FETCH, argc, argv, &cfg, &args, &code);
    if (st && (args.npositional != 1 || !sid_valid(args.positional[0]))) {
        fprintf(stderr, "recd fetch: expected one valid CALL_SID\n");
        code = 2;
    } else if (st) {
        char err[256] = "";
        struct cache *cache = cache_new(cfg.cache_dir, 0, err, sizeof(err));
        if (!cache) {
            fprintf(stderr, "recd fetch: cache: %s\n", err);
            code = 1;
        } else {
            code = fetch_one(&cfg, st, cache, args.positional[0]);
        }
        cache_free(cache);
    }
    store_close(st);
    config_free(&cfg);
    return code;
}

static int import_stream(struct store *st, FILE *in, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, ok = 0, bad = 0;
    struct store_recording *rec = xmalloc(sizeof(*rec));
    while ((len = getline(&line, &cap, in)) > 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        json_error_t jerr;
        json_t *obj = json_loadb(line, (size_t)len, 0, &jerr);
        char err[256] = "invalid JSON";
        if (obj && recording_json_parse(obj, rec, err, sizeof(err)) == RECD_OK &&
            store_upsert_recording(st, rec) == RECD_OK) {
            ok++;
        } else {
            fprintf(stderr, "%s:%d: %s\n", name, lineno, err);
            bad++;
        }
        json_decref(obj);
    }
    free(rec);
    free(line);
    printf("imported %d recordings, %d lines rejected\n", ok, bad);
    return bad ? 1 : 0;
}

int cli_import(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 0;
    struct store *st = admin_open("import", "FILE|- [--db URL]", SCOPE_DB, argc, argv, &cfg, &args, &code);
    if (st && args.npositional != 1) {
        fprintf(stderr, "recd import: expected one FILE (or - for standard input)\n");
        code = 2;
    } else if (st) {
        const char *path = args.positional[0];
        FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
        if (!in) {
            fprintf(stderr, "recd import: cannot open %s\n", path);
            code = 1;
        } else {
            code = import_stream(st, in, path);
            if (in != stdin)
                fclose(in);
        }
    }
    store_close(st);
    config_free(&cfg);
    return code;
}
