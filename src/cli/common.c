/* SPDX-License-Identifier: MIT */
/* common.c — set-up shared by the subcommands: config, logs, store. */
#include "cli/cli.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

bool cli_setup(const char *cmd, const char *usage, unsigned scope, int argc, char **argv,
               struct config *cfg, struct config_args *args, int *pexit)
{
    char err[512];
    if (config_load(cfg, scope, argc, argv, args, err, sizeof(err)) != RECD_OK) {
        fprintf(stderr, "recd %s: %s\n", cmd, err);
        *pexit = 2;
        return false;
    }
    if (cfg->help) {
        printf("usage: recd %s %s\n\noptions:\n", cmd, usage);
        config_print_help(scope);
        *pexit = 0;
        return false;
    }
    enum log_format fmt;
    enum log_level level;
    if (!log_format_parse(cfg->log_format, &fmt) || !log_level_parse(cfg->log_level, &level)) {
        fprintf(stderr, "recd %s: --log-format must be logfmt or json; --log-level debug, info, warn or error\n", cmd);
        *pexit = 2;
        return false;
    }
    log_init(fmt, level);
    return true;
}

struct store *cli_open_store(const struct config *cfg, bool migrate)
{
    char err[512] = "", db[1024];
    store_url_redact(cfg->db, db, sizeof(db));
    struct store *st = store_open(cfg->db, err, sizeof(err));
    if (!st) {
        log_event(LOG_ERROR, "STORE_OPEN", LF_S("db", db), LF_S("error", err));
        return NULL;
    }
    recd_err rc = migrate ? store_migrate(st) : RECD_OK;
    if (rc != RECD_OK) {
        log_event(LOG_ERROR, "STORE_MIGRATE", LF_S("db", db), LF_S("error", recd_strerror(rc)));
        store_close(st);
        return NULL;
    }
    return st;
}
