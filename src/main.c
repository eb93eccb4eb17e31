/* SPDX-License-Identifier: MIT */
/* main.c — subcommand dispatch only. */
#include "common.h"
#include <stdio.h>
int main(void)
{
    printf("recd %s\n", RECD_VERSION);
    return 0;
}
