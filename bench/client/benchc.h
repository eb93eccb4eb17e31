/* SPDX-License-Identifier: MIT */
/*
 * benchc.h — shared pieces of the bench load client: options, the
 * per-connection record, the HTTP/1.1 response parser and the small
 * numeric helpers. The client is one thread and one epoll loop; nothing
 * here is thread-safe and nothing needs to be.
 */
#ifndef BENCHC_H
#define BENCHC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BC_MAX_HEADERS 8
#define BC_HDR_CAP 4096      /* response header bytes kept per connection */
#define BC_CAPTURE_CAP 65536 /* body bytes kept for the metrics poll */

enum bc_mode { BC_FETCH, BC_HOLD };

struct bc_opts {
    enum bc_mode mode;
    const char *host;
    int port;
    const char *path;     /* "{i}" is replaced by the client index */
    int n;                /* clients */
    int distinct;         /* >0: {i} is the index modulo this */
    const char *headers[BC_MAX_HEADERS];
    int nheaders;
    int64_t expect_size;  /* 200 bodies must have this size; -1 = any */
    int timeout_s;        /* whole run */
    int max_connecting;   /* connects in flight at once */
    int max_requests;     /* per client, 202 retries included */
    int hold_s;           /* hold mode: the measured window */
    const char *probe_path;
    int probe_interval_ms;
    int pid;              /* hold mode: process whose RSS/CPU is sampled */
    const char *held_metric; /* hold mode: wait until this metric >= n */
    const char *metric_path;
};

enum bc_kind { K_CLIENT, K_PROBE, K_METRIC };
enum bc_state { S_IDLE, S_CONNECTING, S_SENDING, S_READING, S_RETRY, S_DONE, S_FAILED };
enum bc_body { B_LENGTH, B_CHUNKED, B_EOF };

struct bc_resp {
    char hdr[BC_HDR_CAP];
    size_t hlen;
    bool hdr_done;
    int status;
    enum bc_body mode;
    int64_t clen;         /* B_LENGTH: bytes expected */
    int64_t body;         /* body bytes seen (decoded) */
    int retry_after_s;    /* -1 when absent */
    int chunk_state;      /* B_CHUNKED: 0 size line, 1 data, 2 CRLF, 3 trailers, 4 done */
    int64_t chunk_left;
    char line[32];
    size_t line_len;
    char *capture;        /* optional body copy (metrics), BC_CAPTURE_CAP */
    size_t cap_len;
};

struct bc_conn {
    int fd;
    enum bc_kind kind;
    enum bc_state state;
    int idx;
    int requests;
    int64_t t_first;      /* µs, first connect of this client */
    int64_t t_req;        /* µs, start of the current attempt */
    int64_t t_done;       /* µs, complete 200 (or final answer) */
    int64_t retry_at;     /* µs, S_RETRY */
    size_t woff;          /* request bytes written */
    int final_status;
    const char *fail;     /* static reason, NULL when fine */
    struct bc_resp r;
};

/* Outcome of feeding bytes to the parser. */
enum bc_feed { FEED_MORE, FEED_DONE, FEED_ERROR };

/** Reset a response parser for a new request; keeps the capture buffer. */
void bc_resp_reset(struct bc_resp *r);

/** Feed n received bytes; FEED_DONE when the response is complete. */
enum bc_feed bc_resp_feed(struct bc_resp *r, const char *p, size_t n);

/** The response when the peer closed: FEED_DONE if a read-to-EOF body ends here. */
enum bc_feed bc_resp_eof(struct bc_resp *r);

/** Monotonic clock in microseconds. */
int64_t bc_now_us(void);

/** Parse a decimal integer in [lo, hi]; false on junk or overflow. */
bool bc_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);

/** Nearest-rank percentile of a sorted array (ms); -1 if empty. */
double bc_pct(const double *sorted, size_t n, double p);

#endif
