/* SPDX-License-Identifier: MIT */
/*
 * cli.h — one function per subcommand (argv starts after the subcommand
 * name), each returning the process exit code: 0 ok, 1 failure or "found
 * something" (check), 2 usage error. Shared set-up lives in common.c.
 */
#ifndef RECD_CLI_CLI_H
#define RECD_CLI_CLI_H

#include "config.h"
#include "store/store.h"

int cli_serve(int argc, char **argv);
int cli_worker(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_runs(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_fetch(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_link(int argc, char **argv);
int cli_config(int argc, char **argv);

/** Load config for a subcommand; handles --help and bad flags. Returns
 *  false with *pexit set when the caller should exit now. */
bool cli_setup(const char *cmd, const char *usage, unsigned scope, int argc, char **argv,
               struct config *cfg, struct config_args *args, int *pexit);

/** Open the store (and migrate it when asked); logs and returns NULL on failure. */
struct store *cli_open_store(const struct config *cfg, bool migrate);

#endif
