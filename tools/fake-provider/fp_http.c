/* SPDX-License-Identifier: MIT */
/*
 * fp_http — libmicrohttpd in thread-per-connection mode with poll() (no
 * FD_SETSIZE ceiling), so hundreds of slow downloads each sleep on their
 * own thread. Routes Twilio-shaped paths to fp_provider and answers the
 * unauthenticated control endpoints itself. A struct fp_req lives on each
 * request's pointer from the first call of on_request to on_completed,
 * which also credits complete audio bodies (media_ok).
 */
#include "fp_http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "fp_buf.h"
#include "fp_calls.h"
#include "fp_provider.h"
#include "fp_twilio.h"
#include "fp_reply.h"
#include "fp_state.h"

#define CONNECTION_LIMIT 4096
#define THREAD_STACK (256 * 1024)
#define TWILIO_PREFIX "/2010-04-01/Accounts/"

static bool verbose; /* set before the daemon starts, then read-only */

/* control_lock serialises /_control so two concurrent changes cannot
 * overwrite each other's read-modify-write of the knobs. */
static pthread_mutex_t control_lock = PTHREAD_MUTEX_INITIALIZER;

struct control {
	struct fp_knobs k;
	char err[256]; /* first error, "" if none */
};

static enum MHD_Result on_control_arg(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	struct control *ctl = cls;
	/* "?truncate" with no value means on, like the bare flag. */
	if (value == NULL)
		value = fp_knobs_is_bool(key) ? "1" : "";
	if (fp_knobs_set(&ctl->k, key, value, ctl->err, sizeof(ctl->err)) != 0)
		return MHD_NO; /* stop at the first bad parameter */
	return MHD_YES;
}

static enum MHD_Result reply_knobs(struct MHD_Connection *c, struct fp_req *r,
				   const struct fp_knobs *k)
{
	struct fp_buf b;
	size_t len = 0;
	fp_buf_init(&b);
	fp_knobs_json(k, &b);
	char *body = fp_buf_steal(&b, &len);
	return fp_reply_json(c, r, 200, body, len);
}

static enum MHD_Result control(struct MHD_Connection *c, struct fp_req *r, bool post)
{
	struct control ctl;
	int nargs = MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL);
	if (!post && nargs > 0)
		return fp_reply_error(c, r, 405, "use POST /_control to change settings");
	ctl.err[0] = '\0';
	pthread_mutex_lock(&control_lock);
	fp_state_knobs(&ctl.k);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_control_arg, &ctl);
	if (ctl.err[0] == '\0')
		fp_state_set_knobs(&ctl.k);
	pthread_mutex_unlock(&control_lock);
	if (ctl.err[0] != '\0')
		return fp_reply_error(c, r, 400, ctl.err);
	return reply_knobs(c, r, &ctl.k);
}

static enum MHD_Result stats(struct MHD_Connection *c, struct fp_req *r)
{
	size_t len = 0;
	const char *call_sid = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "call_sid");
	if (call_sid != NULL && !fp_sid_valid(call_sid))
		return fp_reply_error(c, r, 400, "call_sid must match ^[A-Za-z0-9_-]{1,64}$");
	char *body = fp_state_stats_json(call_sid, &len);
	return fp_reply_json(c, r, 200, body, len);
}

static enum MHD_Result reset(struct MHD_Connection *c, struct fp_req *r)
{
	size_t len = 0;
	fp_state_reset();
	fp_calls_reset_counters();
	char *body = fp_state_stats_json(NULL, &len);
	return fp_reply_json(c, r, 200, body, len);
}

static bool prefixed(const char *url, const char *prefix, const char **prest)
{
	size_t n = strlen(prefix);
	if (strncmp(url, prefix, n) != 0)
		return false;
	*prest = url + n;
	return true;
}

static enum MHD_Result route(struct MHD_Connection *c, struct fp_req *r,
			     const char *url, const char *method)
{
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	const char *rest = NULL;

	if (strcmp(url, "/_control") == 0 && (post || get))
		return control(c, r, post);
	if (strcmp(url, "/_reset") == 0 && post)
		return reset(c, r);
	if (strncmp(url, "/_twilio", 8) == 0 || strcmp(url, "/_callback") == 0 ||
	    strcmp(url, "/_rerecord") == 0)
		return fp_twilio_control(c, r, url, post);
	if (!get && !head)
		return fp_reply_error(c, r, 405, "method not allowed");
	if (prefixed(url, TWILIO_PREFIX, &rest))
		return fp_provider_twilio(c, r, url, rest, get);
	if (prefixed(url, "/media/", &rest))
		return fp_provider_storage(c, r, rest, get);
	if (prefixed(url, "/url-media/", &rest))
		return fp_provider_url_media(c, r, rest, get);
	if (strcmp(url, "/_stats") == 0)
		return stats(c, r);
	if (strcmp(url, "/_expected") == 0)
		return fp_provider_expected(c, r);
	return fp_reply_error(c, r, 404, "no such endpoint");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct fp_req *r = *req_cls;
	if (r == NULL) {
		/* First call: headers only. Answer on the next call, once any
		 * request body has been consumed. */
		*req_cls = fp_xcalloc(1, sizeof(struct fp_req));
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* no endpoint reads a body */
		return MHD_YES;
	}
	enum MHD_Result rc = route(c, r, url, method);
	if (verbose)
		fprintf(stderr, "fake-provider: %s %s -> %u\n", method, url, r->status);
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct fp_req *r = *req_cls;
	if (r == NULL)
		return;
	/* COMPLETED_OK means MHD wrote the whole body; a truncated or
	 * aborted download ends with another code and earns nothing. */
	if (r->audio && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		fp_state_count_ok(r->has_call ? r->call_sid : NULL);
	free(r);
	*req_cls = NULL;
}

struct MHD_Daemon *fp_http_start(const struct sockaddr_in *addr, bool verbose_log,
				 unsigned *pport)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL;
	verbose = verbose_log;
	if (verbose)
		flags |= MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)addr,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)CONNECTION_LIMIT,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_END);
	if (d == NULL)
		return NULL;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		MHD_stop_daemon(d);
		return NULL;
	}
	*pport = info->port;
	return d;
}

void fp_http_stop(struct MHD_Daemon *d)
{
	fp_request_stop();
	MHD_stop_daemon(d);
}
