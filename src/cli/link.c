/* SPDX-License-Identifier: MIT */
/*
 * link.c — `recd link CALL_SID [--ttl SECONDS]`: print a signed /stream
 * link (SPEC §5) for embedding the player in a page whose visitors have no
 * recd credentials. Signed with the same secret `recd serve` checks
 * (RECD_LINK_SECRET or --link-secret-file); prefixed with --public-url
 * when one is set.
 */
#include "cli/cli.h"
#include "proto/linksig.h"
#include "proto/sid.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>

static int print_link(const struct config *cfg, const char *call_sid)
{
    if (!cfg->link_secret || strlen(cfg->link_secret) < LINKSIG_SECRET_MIN) {
        fprintf(stderr, "recd link: needs a link secret of %d+ bytes (RECD_LINK_SECRET or "
                        "--link-secret-file), the one recd serve uses\n", LINKSIG_SECRET_MIN);
        return 2;
    }
    char query[LINKSIG_QUERY_MAX];
    int64_t exp = clock_now_ms() / 1000 + cfg->link_ttl_s;
    if (linksig_query(cfg->link_secret, call_sid, exp, query, sizeof(query)) != RECD_OK) {
        fprintf(stderr, "recd link: cannot sign the link\n");
        return 1;
    }
    const char *base = cfg->public_url ? cfg->public_url : "";
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    printf("%.*s/stream?%s\n", (int)n, base, query);
    return 0;
}

int cli_link(int argc, char **argv)
{
    struct config cfg;
    struct config_args args;
    int code = 2;
    if (cli_setup("link", "CALL_SID [--ttl SECONDS] [--public-url URL]", SCOPE_LINK, argc, argv,
                  &cfg, &args, &code)) {
        if (args.npositional != 1 || !sid_valid(args.positional[0])) {
            fprintf(stderr, "recd link: expected one valid CALL_SID\n");
            code = 2;
        } else {
            code = print_link(&cfg, args.positional[0]);
        }
    }
    config_free(&cfg);
    return code;
}
