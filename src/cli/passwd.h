/* SPDX-License-Identifier: MIT */
/*
 * passwd.h — `recd passwd USER`: make a line for the --auth basic:FILE
 * users file. Same exit codes as every subcommand (cli.h).
 */
#ifndef RECD_CLI_PASSWD_H
#define RECD_CLI_PASSWD_H

/** argv starts after "passwd". Reads the password from stdin (first line),
 *  prints the users-file line on stdout. 0 ok, 1 failure, 2 usage error. */
int cli_passwd(int argc, char **argv);

#endif
