/* SPDX-License-Identifier: MIT */
/*
 * fake-provider — a stand-in for Twilio's recordings API (and for a plain
 * media host) used by recd's demo, integration tests and benchmarks. It
 * serves deterministic WAV tones and can be slowed down, made to fail, rate
 * limited, truncated or redirected, per flag or at runtime via /_control;
 * /_stats counts what it was asked for. See README.md beside this file.
 *
 * main() owns start-up and shutdown: SIGINT/SIGTERM are blocked in every
 * thread and taken with sigwait() here, so no signal handler runs and the
 * daemon is stopped from the main thread.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <curl/curl.h>

#include "fp_callback.h"
#include "fp_calls.h"
#include "fp_http.h"
#include "fp_knobs.h"
#include "fp_state.h"

struct options {
	struct sockaddr_in addr;
	char addr_text[INET_ADDRSTRLEN];
	bool verbose;
	struct fp_knobs knobs;
};

static void usage(FILE *out)
{
	fputs("usage: fake-provider [--listen 127.0.0.1:PORT] [options]\n"
	      "  --listen HOST:PORT               IPv4 address to bind (default 127.0.0.1:0, 0 = free port)\n"
	      "  --verbose                        log each request to stderr\n"
	      "  --help                           this text\n"
	      "settings (also POST /_control?name=value, with '_' for '-'):\n",
	      out);
	fp_knobs_usage(out);
}

static int parse_listen(const char *s, struct options *o)
{
	const char *colon = strrchr(s, ':');
	char host[INET_ADDRSTRLEN];
	char *end = NULL;
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
		return -1;
	memset(&o->addr, 0, sizeof(o->addr));
	o->addr.sin_family = AF_INET;
	o->addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &o->addr.sin_addr) != 1)
		return -1;
	snprintf(o->addr_text, sizeof(o->addr_text), "%s", host);
	return 0;
}

/* Split "--name=value" / "--name value" / bare "--bool"; *pi advances past
 * what was used. Returns 0, or -1 with the reason printed. */
static int parse_one(int argc, char **argv, int *pi, struct options *o)
{
	char name[64];
	char err[256];
	const char *arg = argv[*pi] + 2;
	const char *eq = strchr(arg, '=');
	const char *value = NULL;
	size_t n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (eq != NULL)
		value = eq + 1;
	else if (fp_knobs_is_bool(name))
		value = "1";
	else if (*pi + 1 < argc)
		value = argv[++*pi];
	if (value == NULL) {
		fprintf(stderr, "fake-provider: --%s needs a value\n", name);
		return -1;
	}
	if (strcmp(name, "listen") == 0) {
		if (parse_listen(value, o) == 0)
			return 0;
		fprintf(stderr, "fake-provider: bad --listen '%s' (want IPv4:PORT)\n", value);
		return -1;
	}
	if (fp_knobs_set(&o->knobs, name, value, err, sizeof(err)) != 0) {
		fprintf(stderr, "fake-provider: --%s: %s\n", name, err);
		return -1;
	}
	return 0;
}

/* 0 to run, 1 after --help, -1 on a bad flag (already reported). */
static int parse_args(int argc, char **argv, struct options *o)
{
	int rc = parse_listen("127.0.0.1:0", o);
	fp_knobs_defaults(&o->knobs);
	o->verbose = false;
	for (int i = 1; rc == 0 && i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
			o->verbose = true;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0) {
			fprintf(stderr, "fake-provider: unexpected argument '%s' (see --help)\n", argv[i]);
			return -1;
		}
		rc = parse_one(argc, argv, &i, o);
	}
	return rc;
}

/* Hundreds of concurrent downloads need more than the usual 1024 fds. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		(void)setrlimit(RLIMIT_NOFILE, &rl); /* best effort */
	}
}

int main(int argc, char **argv)
{
	struct options o;
	sigset_t stop_signals;
	unsigned port = 0;
	int sig = 0;

	int rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	/* Block before any thread exists so every MHD thread inherits it. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	fp_state_init(&o.knobs);
	fp_calls_init();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct MHD_Daemon *d = fp_http_start(&o.addr, o.verbose, &port);
	if (d == NULL) {
		fprintf(stderr, "fake-provider: cannot listen on %s:%u\n", o.addr_text,
			(unsigned)ntohs(o.addr.sin_port));
		curl_global_cleanup();
		fp_calls_cleanup();
		fp_state_cleanup();
		return 1;
	}
	char self[96];
	snprintf(self, sizeof(self), "http://%s:%u", o.addr_text, port);
	fp_callback_start(self);
	printf("fake-provider listening on %s:%u\n", o.addr_text, port);
	fflush(stdout);
	while (sigwait(&stop_signals, &sig) != 0)
		;
	fp_http_stop(d);
	fp_callback_stop();
	curl_global_cleanup();
	fp_calls_cleanup();
	fp_state_cleanup();
	return 0;
}
