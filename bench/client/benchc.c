/* SPDX-License-Identifier: MIT */
/*
 * benchc.c — the bench's load client for the herd, many-cold and
 * held-connection scenarios (wrk and ab cover the warm ones).
 *
 * One thread, one level-triggered epoll loop, one record per client: a
 * client connects, sends one GET, reads the whole response, and on a 202
 * reconnects after Retry-After (counting requests). 10,000 clients cost
 * ~45 MB here and no threads. Connects are paced (--max-connecting in
 * flight) so the servers' accept queues are not overrun; all clients are
 * still started within milliseconds.
 *
 *   fetch: every client wants its 200; prints completion times (from the
 *          moment the run started), requests per client and failures.
 *   hold:  clients send a held request and keep it open; once all are
 *          sent (and --held-metric on /metrics says so), a window of
 *          --hold-s seconds samples --pid's RSS and CPU and probes
 *          --probe-path for latency; then every connection is reset.
 *
 * The result is one JSON object on stdout; errors go to stderr, exit 2.
 */
#include "benchc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define TICK_MS 10
#define SAMPLE_US 100000

static const char *const REASONS[] = { "connect", "eof", "read", "parse", "status",
                                       "size",    "too_many_requests", "timeout" };
#define NREASONS (sizeof(REASONS) / sizeof(REASONS[0]))

struct run {
    struct bc_opts o;
    struct sockaddr_in addr;
    int ep;
    struct bc_conn *c;
    struct bc_conn probe, metric;
    int next_start;
    int connecting;
    int finished;
    int sent;
    int64_t t0;
    int64_t next_scan;    /* µs, next look for due retries */
    char rbuf[65536];
    /* hold mode */
    int phase;            /* 0 ramp, 1 wait for the metric, 2 window, 3 over */
    int64_t phase_at;
    int64_t ramp_us;
    int64_t held_value;
    bool metric_timeout;
    int64_t next_metric_at;
    int64_t next_probe_at;
    int64_t next_sample_at;
    double *probe_ms;
    size_t nprobe, probe_cap;
    int probe_fail;
    int64_t rss_start, rss_max, rss_end; /* KiB */
    double cpu_start, cpu_end;           /* seconds */
    int64_t win_start, win_end;          /* µs */
    int answered_early;
};

static void die(const char *msg)
{
    fprintf(stderr, "benchc: %s\n", msg);
    exit(2);
}

/* ---- /proc sampling ------------------------------------------------ */

static int64_t proc_rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    int64_t v = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            char *end = NULL;
            v = strtoll(line + 6, &end, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static double proc_cpu_s(int pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p += 2; /* field 3 */
    unsigned long long ut = 0, st = 0;
    for (int field = 3; field <= 15 && p && *p; field++) {
        char *end = NULL;
        if (field == 14)
            ut = strtoull(p, &end, 10);
        if (field == 15)
            st = strtoull(p, &end, 10);
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- connections --------------------------------------------------- */

static size_t build_request(const struct run *r, const struct bc_conn *c, char *out, size_t cap)
{
    char path[1024];
    const char *src = c->kind == K_PROBE ? r->o.probe_path
                      : c->kind == K_METRIC ? r->o.metric_path : r->o.path;
    const char *mark = strstr(src, "{i}");
    if (mark)
        snprintf(path, sizeof(path), "%.*s%d%s", (int)(mark - src), src,
                 r->o.distinct > 0 ? c->idx % r->o.distinct : c->idx, mark + 3);
    else
        snprintf(path, sizeof(path), "%s", src);
    int n = snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: benchc\r\n", path,
                     r->o.host, r->o.port);
    for (int i = 0; c->kind == K_CLIENT && i < r->o.nheaders && n > 0 && (size_t)n < cap; i++)
        n += snprintf(out + n, cap - (size_t)n, "%s\r\n", r->o.headers[i]);
    if (n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "\r\n");
    if (n <= 0 || (size_t)n >= cap)
        die("request too long");
    return (size_t)n;
}

/* Close with RST: the client never needs TIME_WAIT, and 10,000 of them
 * per run would pile up across the bench. */
static void close_fd(struct bc_conn *c)
{
    if (c->fd < 0)
        return;
    struct linger lg = { 1, 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(c->fd);
    c->fd = -1;
}

static void finish_client(struct run *r, struct bc_conn *c, enum bc_state st, const char *why)
{
    if (c->state == S_CONNECTING)
        r->connecting--;
    close_fd(c);
    c->state = st;
    c->fail = why;
    if (c->kind == K_CLIENT)
        r->finished++;
}

static void fail(struct run *r, struct bc_conn *c, const char *why)
{
    if (c->kind == K_CLIENT) {
        finish_client(r, c, S_FAILED, why);
        return;
    }
    if (c->kind == K_PROBE)
        r->probe_fail++;
    if (c->state == S_CONNECTING)
        r->connecting--;
    close_fd(c);
    c->state = S_IDLE;
}

static void start_attempt(struct run *r, struct bc_conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket() failed (file descriptor limit?)");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->woff = 0;
    c->requests++;
    c->t_req = bc_now_us();
    if (c->t_first == 0)
        c->t_first = c->t_req;
    bc_resp_reset(&c->r);
    c->state = S_CONNECTING;
    r->connecting++;
    if (connect(fd, (struct sockaddr *)&r->addr, sizeof(r->addr)) != 0 && errno != EINPROGRESS) {
        fail(r, c, REASONS[0]);
        return;
    }
    struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
    if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll_ctl ADD failed");
}

static void on_writable(struct run *r, struct bc_conn *c)
{
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            fail(r, c, REASONS[0]);
            return;
        }
        r->connecting--;
        c->state = S_SENDING;
    }
    char req[2048];
    size_t n = build_request(r, c, req, sizeof(req));
    ssize_t w = write(c->fd, req + c->woff, n - c->woff);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (w <= 0) {
        fail(r, c, REASONS[2]);
        return;
    }
    c->woff += (size_t)w;
    if (c->woff < n)
        return;
    c->state = S_READING;
    if (c->kind == K_CLIENT && c->requests == 1)
        r->sent++;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    epoll_ctl(r->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_metric(struct run *r, struct bc_conn *c)
{
    const char *body = c->r.capture ? c->r.capture : "";
    size_t nl = strlen(r->o.held_metric);
    for (const char *p = body; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, r->o.held_metric, nl) == 0 && p[nl] == ' ') {
            char *end = NULL;
            r->held_value = strtoll(p + nl + 1, &end, 10);
            break;
        }
    }
}

static void on_complete(struct run *r, struct bc_conn *c)
{
    int64_t now = bc_now_us();
    if (c->kind == K_PROBE) {
        if (c->r.status != 200) {
            fail(r, c, REASONS[4]);
            return;
        }
        if (r->nprobe == r->probe_cap) {
            r->probe_cap = r->probe_cap ? r->probe_cap * 2 : 1024;
            r->probe_ms = realloc(r->probe_ms, r->probe_cap * sizeof(*r->probe_ms));
            if (!r->probe_ms)
                die("out of memory");
        }
        r->probe_ms[r->nprobe++] = (double)(now - c->t_req) / 1000.0;
        close_fd(c);
        c->state = S_IDLE;
        return;
    }
    if (c->kind == K_METRIC) {
        on_metric(r, c);
        close_fd(c);
        c->state = S_IDLE;
        return;
    }
    c->final_status = c->r.status;
    c->t_done = now;
    if (r->o.mode == BC_HOLD) {
        r->answered_early++;
        finish_client(r, c, S_DONE, NULL);
        return;
    }
    if (c->r.status == 200) {
        bool size_ok = r->o.expect_size < 0 || c->r.body == r->o.expect_size;
        finish_client(r, c, size_ok ? S_DONE : S_FAILED, size_ok ? NULL : REASONS[5]);
        return;
    }
    if (c->r.status != 202) {
        finish_client(r, c, S_FAILED, REASONS[4]);
        return;
    }
    if (c->requests >= r->o.max_requests) {
        finish_client(r, c, S_FAILED, REASONS[6]);
        return;
    }
    close_fd(c);
    c->state = S_RETRY;
    c->retry_at = now + (c->r.retry_after_s > 0 ? (int64_t)c->r.retry_after_s * 1000000 : 200000);
}

static void on_readable(struct run *r, struct bc_conn *c)
{
    for (;;) {
        ssize_t n = read(c->fd, r->rbuf, sizeof(r->rbuf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) {
            fail(r, c, REASONS[2]);
            return;
        }
        enum bc_feed f = n == 0 ? bc_resp_eof(&c->r) : bc_resp_feed(&c->r, r->rbuf, (size_t)n);
        if (f == FEED_DONE) {
            on_complete(r, c);
            return;
        }
        if (f == FEED_ERROR) {
            fail(r, c, n == 0 ? REASONS[1] : REASONS[3]);
            return;
        }
    }
}

/* ---- the loop -------------------------------------------------------- */

static void start_clients(struct run *r, int64_t now)
{
    while (r->next_start < r->o.n && r->connecting < r->o.max_connecting)
        start_attempt(r, &r->c[r->next_start++]);
    if (r->o.mode != BC_FETCH || now < r->next_scan)
        return;
    r->next_scan = now + TICK_MS * 1000;
    for (int i = 0; i < r->next_start; i++)
        if (r->c[i].state == S_RETRY && r->c[i].retry_at <= now)
            start_attempt(r, &r->c[i]);
}

static void hold_step(struct run *r, int64_t now)
{
    if (r->phase == 0 && r->sent + (r->finished - r->answered_early) >= r->o.n) {
        r->ramp_us = now - r->t0;
        r->phase = r->o.held_metric ? 1 : 2;
        r->phase_at = now;
    }
    if (r->phase == 1) {
        if (r->held_value >= r->o.n - r->finished || now - r->phase_at > 30000000) {
            r->metric_timeout = r->held_value < r->o.n - r->finished;
            r->phase = 2;
            r->phase_at = now;
        } else if (r->metric.state == S_IDLE && now >= r->next_metric_at) {
            r->next_metric_at = now + 200000;
            start_attempt(r, &r->metric);
        }
    }
    if (r->phase != 2)
        return;
    if (r->win_start == 0) {
        r->win_start = now;
        r->next_probe_at = now;
        r->rss_start = r->rss_max = proc_rss_kib(r->o.pid);
        r->cpu_start = proc_cpu_s(r->o.pid);
        r->next_sample_at = now + SAMPLE_US;
    }
    if (now >= r->next_sample_at) {
        int64_t rss = proc_rss_kib(r->o.pid);
        if (rss > r->rss_max)
            r->rss_max = rss;
        r->next_sample_at = now + SAMPLE_US;
    }
    if (r->probe.state == S_IDLE && now >= r->next_probe_at && r->o.probe_path) {
        r->next_probe_at = now + (int64_t)r->o.probe_interval_ms * 1000;
        start_attempt(r, &r->probe);
    }
    if (now - r->win_start >= (int64_t)r->o.hold_s * 1000000) {
        r->win_end = now;
        r->rss_end = proc_rss_kib(r->o.pid);
        if (r->rss_end > r->rss_max)
            r->rss_max = r->rss_end;
        r->cpu_end = proc_cpu_s(r->o.pid);
        r->phase = 3;
    }
}

static bool loop_over(struct run *r, int64_t now)
{
    if (now - r->t0 > (int64_t)r->o.timeout_s * 1000000)
        return true;
    if (r->o.mode == BC_HOLD)
        return r->phase == 3 || r->finished >= r->o.n;
    return r->finished >= r->o.n;
}

static void run_loop(struct run *r)
{
    struct epoll_event evs[512];
    r->t0 = bc_now_us();
    for (;;) {
        int64_t now = bc_now_us();
        start_clients(r, now);
        if (r->o.mode == BC_HOLD)
            hold_step(r, now);
        if (loop_over(r, now))
            break;
        int n = epoll_wait(r->ep, evs, 512, TICK_MS);
        if (n < 0 && errno != EINTR)
            die("epoll_wait failed");
        for (int i = 0; i < n; i++) {
            struct bc_conn *c = evs[i].data.ptr;
            if (c->fd < 0)
                continue;
            if (c->state == S_CONNECTING || c->state == S_SENDING)
                on_writable(r, c);
            else if (c->state == S_READING)
                on_readable(r, c);
        }
    }
    for (int i = 0; i < r->o.n; i++)
        if (r->c[i].state != S_DONE && r->c[i].state != S_FAILED)
            finish_client(r, &r->c[i], S_FAILED, r->o.mode == BC_HOLD ? NULL : REASONS[7]);
    close_fd(&r->probe);
    close_fd(&r->metric);
}

/* ---- output ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void print_fetch(struct run *r, int64_t wall_us)
{
    double *t = calloc((size_t)r->o.n + 1, sizeof(*t));
    int ok = 0, statuses[600] = { 0 };
    long reasons[NREASONS] = { 0 };
    long req_total = 0;
    int req_max = 0;
    if (!t)
        die("out of memory");
    for (int i = 0; i < r->o.n; i++) {
        const struct bc_conn *c = &r->c[i];
        req_total += c->requests;
        if (c->requests > req_max)
            req_max = c->requests;
        if (c->final_status >= 100 && c->final_status < 600)
            statuses[c->final_status]++;
        if (c->state == S_DONE)
            t[ok++] = (double)(c->t_done - r->t0) / 1000.0;
        for (size_t k = 0; k < NREASONS; k++)
            if (c->fail == REASONS[k])
                reasons[k]++;
    }
    qsort(t, (size_t)ok, sizeof(*t), cmp_double);
    printf("{\"mode\":\"fetch\",\"clients\":%d,\"ok\":%d,\"failed\":%d,\"wall_ms\":%.1f,", r->o.n, ok,
           r->o.n - ok, (double)wall_us / 1000.0);
    printf("\"done_ms\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},", bc_pct(t, (size_t)ok, 50),
           bc_pct(t, (size_t)ok, 99), bc_pct(t, (size_t)ok, 100));
    printf("\"requests\":{\"total\":%ld,\"max\":%d,\"mean\":%.3f},\"statuses\":{", req_total, req_max,
           (double)req_total / (r->o.n > 0 ? r->o.n : 1));
    const char *sep = "";
    for (int s = 100; s < 600; s++)
        if (statuses[s]) {
            printf("%s\"%d\":%d", sep, s, statuses[s]);
            sep = ",";
        }
    printf("},\"fail_reasons\":{");
    sep = "";
    for (size_t k = 0; k < NREASONS; k++)
        if (reasons[k]) {
            printf("%s\"%s\":%ld", sep, REASONS[k], reasons[k]);
            sep = ",";
        }
    printf("}}\n");
    free(t);
}

static void print_hold(struct run *r)
{
    qsort(r->probe_ms, r->nprobe, sizeof(*r->probe_ms), cmp_double);
    double win_s = (double)(r->win_end - r->win_start) / 1e6;
    double cpu = win_s > 0 && r->cpu_start >= 0 ? (r->cpu_end - r->cpu_start) / win_s * 100.0 : -1;
    int failed = 0;
    for (int i = 0; i < r->o.n; i++)
        if (r->c[i].state == S_FAILED && r->c[i].fail)
            failed++;
    printf("{\"mode\":\"hold\",\"clients\":%d,\"sent\":%d,\"held_metric\":%lld,\"metric_timeout\":%s,",
           r->o.n, r->sent, (long long)r->held_value, r->metric_timeout ? "true" : "false");
    printf("\"answered_early\":%d,\"failed\":%d,\"ramp_ms\":%.1f,\"window_s\":%.2f,", r->answered_early,
           failed, (double)r->ramp_us / 1000.0, win_s);
    printf("\"rss_kib\":{\"start\":%lld,\"max\":%lld,\"end\":%lld},\"cpu_pct\":%.2f,",
           (long long)r->rss_start, (long long)r->rss_max, (long long)r->rss_end, cpu);
    printf("\"probe\":{\"n\":%zu,\"failed\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}}\n",
           r->nprobe, r->probe_fail, bc_pct(r->probe_ms, r->nprobe, 50),
           bc_pct(r->probe_ms, r->nprobe, 99), bc_pct(r->probe_ms, r->nprobe, 100));
}

/* ---- options ----------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: benchc --port P --path PATH -n N [--mode fetch|hold] [--host 127.0.0.1]\n"
            "              [-H 'Name: value']... [--distinct K] [--expect-size BYTES] [--timeout-s 60]\n"
            "              [--max-connecting 256] [--max-requests 50]\n"
            "       hold:  [--hold-s 5] [--probe-path /healthz] [--probe-interval-ms 10]\n"
            "              [--pid PID] [--held-metric recd_held_requests] [--metric-path /metrics]\n"
            "PATH may contain {i}, replaced by the client index (0..N-1), or by the index\n"
            "modulo K with --distinct K (N clients spread over K URLs).\n");
    exit(2);
}

static int64_t num_arg(const char *flag, const char *v, int64_t lo, int64_t hi)
{
    int64_t out = 0;
    if (!bc_parse_i64(v, lo, hi, &out)) {
        fprintf(stderr, "benchc: bad value for %s: %s\n", flag, v ? v : "(none)");
        exit(2);
    }
    return out;
}

static void parse_args(int argc, char **argv, struct bc_opts *o)
{
    *o = (struct bc_opts){ .mode = BC_FETCH, .host = "127.0.0.1", .expect_size = -1, .timeout_s = 60,
                           .max_connecting = 256, .max_requests = 50, .hold_s = 5,
                           .probe_interval_ms = 10, .metric_path = "/metrics" };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        i++;
        if (strcmp(a, "--mode") == 0 && strcmp(v, "fetch") == 0)
            o->mode = BC_FETCH;
        else if (strcmp(a, "--mode") == 0 && strcmp(v, "hold") == 0)
            o->mode = BC_HOLD;
        else if (strcmp(a, "--host") == 0)
            o->host = v;
        else if (strcmp(a, "--port") == 0)
            o->port = (int)num_arg(a, v, 1, 65535);
        else if (strcmp(a, "--path") == 0)
            o->path = v;
        else if (strcmp(a, "-n") == 0)
            o->n = (int)num_arg(a, v, 1, 1000000);
        else if (strcmp(a, "-H") == 0 && o->nheaders < BC_MAX_HEADERS)
            o->headers[o->nheaders++] = v;
        else if (strcmp(a, "--distinct") == 0)
            o->distinct = (int)num_arg(a, v, 1, 1000000);
        else if (strcmp(a, "--expect-size") == 0)
            o->expect_size = num_arg(a, v, 0, INT64_MAX);
        else if (strcmp(a, "--timeout-s") == 0)
            o->timeout_s = (int)num_arg(a, v, 1, 3600);
        else if (strcmp(a, "--max-connecting") == 0)
            o->max_connecting = (int)num_arg(a, v, 1, 100000);
        else if (strcmp(a, "--max-requests") == 0)
            o->max_requests = (int)num_arg(a, v, 1, 100000);
        else if (strcmp(a, "--hold-s") == 0)
            o->hold_s = (int)num_arg(a, v, 1, 3600);
        else if (strcmp(a, "--probe-path") == 0)
            o->probe_path = v;
        else if (strcmp(a, "--probe-interval-ms") == 0)
            o->probe_interval_ms = (int)num_arg(a, v, 1, 60000);
        else if (strcmp(a, "--pid") == 0)
            o->pid = (int)num_arg(a, v, 1, 1 << 30);
        else if (strcmp(a, "--held-metric") == 0)
            o->held_metric = v;
        else if (strcmp(a, "--metric-path") == 0)
            o->metric_path = v;
        else
            usage();
    }
    if (!o->port || !o->path || !o->n || (o->mode == BC_HOLD && !o->pid))
        usage();
}

static void raise_nofile(int need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit failed");
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < (rlim_t)need) {
        fprintf(stderr, "benchc: need %d file descriptors, the hard limit is %llu\n", need,
                (unsigned long long)rl.rlim_max);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    static struct run r;
    parse_args(argc, argv, &r.o);
    raise_nofile(r.o.n + 64);
    r.addr.sin_family = AF_INET;
    r.addr.sin_port = htons((uint16_t)r.o.port);
    if (inet_pton(AF_INET, r.o.host, &r.addr.sin_addr) != 1)
        die("--host must be an IPv4 address");
    r.ep = epoll_create1(EPOLL_CLOEXEC);
    r.c = calloc((size_t)r.o.n, sizeof(*r.c));
    r.metric.r.capture = malloc(BC_CAPTURE_CAP);
    if (r.ep < 0 || !r.c || !r.metric.r.capture)
        die("cannot allocate the client table");
    for (int i = 0; i < r.o.n; i++) {
        r.c[i].fd = -1;
        r.c[i].idx = i;
        r.c[i].kind = K_CLIENT;
    }
    r.probe = (struct bc_conn){ .fd = -1, .kind = K_PROBE, .state = S_IDLE };
    char *cap = r.metric.r.capture;
    r.metric = (struct bc_conn){ .fd = -1, .kind = K_METRIC, .state = S_IDLE };
    r.metric.r.capture = cap;
    run_loop(&r);
    int64_t wall = bc_now_us() - r.t0;
    if (r.o.mode == BC_FETCH)
        print_fetch(&r, wall);
    else
        print_hold(&r);
    free(r.c);
    free(cap);
    free(r.probe_ms);
    close(r.ep);
    return 0;
}
