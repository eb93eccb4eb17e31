/* SPDX-License-Identifier: MIT */
/* main.c — subcommand dispatch only. */
#include "common.h"
#include "cli/cli.h"
#include "cli/passwd.h"

#include <stdio.h>
#include <string.h>

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "serve", cli_serve, "HTTP server plus embedded download workers" },
    { "worker", cli_worker, "download workers only, against a shared store" },
    { "migrate", cli_migrate, "apply the schema and exit" },
    { "check", cli_check, "list call_sids with more than one active run (exit 1 if any)" },
    { "runs", cli_runs, "the run queue as a table" },
    { "status", cli_status, "run counts by status" },
    { "fetch", cli_fetch, "enqueue a recording through the dedup path" },
    { "import", cli_import, "register recordings from a JSON-lines file" },
    { "link", cli_link, "print a signed /stream link for embedding (needs the link secret)" },
    { "passwd", cli_passwd, "print a users-file line for --auth basic:FILE (password on stdin)" },
    { "config", cli_config, "show the effective configuration (--print), or the example file (--example)" },
};

static void usage(FILE *out)
{
    fprintf(out, "recd %s — fetch call recordings exactly once and stream them\n\n"
                 "usage: recd COMMAND [options]\n\ncommands:\n", RECD_VERSION);
    for (size_t i = 0; i < RECD_ARRAY_LEN(commands); i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`recd COMMAND --help` lists a command's options. Every option can also be\n"
                 "set as RECD_<NAME> in the environment and as `name = value` in a config\n"
                 "file (--config FILE); a flag beats the environment, which beats the file.\n");
}

/* `recd --config FILE COMMAND …` (the order systemd units and people
 * write) is `recd COMMAND … --config FILE`: argv is rearranged in place
 * so the command comes first. Returns false on a dangling --config. */
static bool hoist_config(int argc, char **argv)
{
    int n = 0;
    if (argc > 2 && strcmp(argv[1], "--config") == 0)
        n = 2;
    else if (argc > 1 && strncmp(argv[1], "--config=", 9) == 0)
        n = 1;
    else
        return argc != 2 || strcmp(argv[1], "--config") != 0;
    char *opt[2] = { argv[1], argv[2] };
    memmove(argv + 1, argv + 1 + n, (size_t)(argc - 1 - n) * sizeof(*argv));
    for (int i = 0; i < n; i++)
        argv[argc - n + i] = opt[i];
    return true;
}

int main(int argc, char **argv)
{
    if (!hoist_config(argc, argv)) {
        fprintf(stderr, "recd: flag --config needs a value\n");
        return 2;
    }
    if (argc < 2 || strncmp(argv[1], "--config", 8) == 0) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("recd %s\n", RECD_VERSION);
        return 0;
    }
    for (size_t i = 0; i < RECD_ARRAY_LEN(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "recd: unknown command \"%s\" (see recd --help)\n", argv[1]);
    return 2;
}
