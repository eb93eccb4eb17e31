/* SPDX-License-Identifier: MIT */
/*
 * postgres_conn.c — the PostgreSQL backend's connections: a small pool
 * (PG_POOL_SIZE connections, opened on first need), the operation runner
 * (transaction, one reconnect, bounded deadlock retries), statement
 * execution with $n parameters, parameter building and row decoding.
 *
 * Invariant: a connection is lent to one thread for one whole op and
 * comes back idle (no open transaction) or is closed; values always travel
 * as parameters, never inside SQL text. Messages that could carry the URL's
 * password are scrubbed before they reach a log line or an error buffer.
 * Threads: s->mu guards the pool bookkeeping only; SQL runs without it.
 */
#include "store/postgres_int.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONNECT_TIMEOUT_S "10" /* libpq's own limit per connection attempt */
#define TRANSIENT_RETRIES 3    /* extra runs of an op after a deadlock */

/* ---- messages ----------------------------------------------------------- */

/* libpq's message on one line, with every occurrence of the password
 * replaced: connection errors may quote parts of what they were given. */
static void scrub(const struct pg_store *s, const char *msg, char *out, size_t cap)
{
    size_t plen = s->password ? strlen(s->password) : 0;
    size_t n = 0;
    bool space = false;

    RECD_ASSERT(cap > 0);
    for (const char *p = msg ? msg : ""; *p && n + 4 < cap;) {
        if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
            space = n > 0;
            p++;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        if (plen > 0 && strncmp(p, s->password, plen) == 0) {
            memcpy(out + n, "***", 3);
            n += 3;
            p += plen;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
}

/* Notices (e.g. "already exists, skipping") are expected chatter. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* ---- parameters and values ---------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (p[0] == 0xE0)
        lo = 0xA0;
    else if (p[0] == 0xED)
        hi = 0x9F;
    else if (p[0] == 0xF0)
        lo = 0x90;
    else if (p[0] == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    }
    return n;
}

bool pg_text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n;

    for (; *p; p += n) {
        n = utf8_seq(p);
        if (n == 0)
            return false;
    }
    return true;
}

void pg_text_fix(char *dst, size_t cap, const char *src)
{
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    size_t w = 0;

    RECD_ASSERT(cap > 0);
    while (*p) {
        size_t n = utf8_seq(p);
        if (w + (n ? n : 1) >= cap)
            break;
        if (n == 0) {
            dst[w++] = '?';
            p++;
            continue;
        }
        memcpy(dst + w, p, n);
        w += n;
        p += n;
    }
    dst[w] = '\0';
}

void pg_param_text(struct pg_params *p, const char *v)
{
    RECD_ASSERT(p->n < PG_PARAMS_MAX && v);
    p->values[p->n++] = v;
}

void pg_param_text_or_null(struct pg_params *p, const char *v)
{
    RECD_ASSERT(p->n < PG_PARAMS_MAX);
    p->values[p->n++] = (v && v[0]) ? v : NULL;
}

void pg_param_i64(struct pg_params *p, int64_t v)
{
    RECD_ASSERT(p->n < PG_PARAMS_MAX);
    snprintf(p->buf[p->n], sizeof(p->buf[0]), "%" PRId64, v);
    p->values[p->n] = p->buf[p->n];
    p->n++;
}

void pg_param_i64_or_null(struct pg_params *p, int64_t v)
{
    if (v != 0) {
        pg_param_i64(p, v);
        return;
    }
    RECD_ASSERT(p->n < PG_PARAMS_MAX);
    p->values[p->n++] = NULL;
}

void pg_param_double_or_null(struct pg_params *p, double v)
{
    RECD_ASSERT(p->n < PG_PARAMS_MAX);
    if (v < 0) {
        p->values[p->n++] = NULL;
        return;
    }
    snprintf(p->buf[p->n], sizeof(p->buf[0]), "%.17g", v);
    p->values[p->n] = p->buf[p->n];
    p->n++;
}

void pg_store_col_text(const PGresult *res, int row, int col, char *dst, size_t cap)
{
    const char *v = PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
    recd_strlcpy(dst, v, cap);
}

int64_t pg_store_col_i64(const PGresult *res, int row, int col)
{
    char *end = NULL;
    long long v;

    if (PQgetisnull(res, row, col))
        return 0;
    errno = 0;
    v = strtoll(PQgetvalue(res, row, col), &end, 10);
    /* Text of an integer column from the server: anything else is a bug. */
    RECD_ASSERT(errno == 0 && end && *end == '\0');
    return (int64_t)v;
}

static double col_double_or(const PGresult *res, int row, int col, double dflt)
{
    if (PQgetisnull(res, row, col))
        return dflt;
    return strtod(PQgetvalue(res, row, col), NULL);
}

void pg_store_read_rec(const PGresult *res, int row, struct store_recording *r)
{
    char state[16];

    memset(r, 0, sizeof(*r));
    pg_store_col_text(res, row, 0, r->call_sid, sizeof(r->call_sid));
    pg_store_col_text(res, row, 1, r->recording_sid, sizeof(r->recording_sid));
    pg_store_col_text(res, row, 2, r->provider, sizeof(r->provider));
    pg_store_col_text(res, row, 3, r->media_url, sizeof(r->media_url));
    pg_store_col_text(res, row, 4, r->format, sizeof(r->format));
    r->duration_s = col_double_or(res, row, 5, -1.0);
    r->size_bytes = pg_store_col_i64(res, row, 6);
    pg_store_col_text(res, row, 7, r->sha256, sizeof(r->sha256));
    pg_store_col_text(res, row, 8, r->cache_path, sizeof(r->cache_path));
    pg_store_col_text(res, row, 9, state, sizeof(state));
    if (!rec_state_parse(state, &r->state))
        r->state = REC_REMOTE; /* unreachable: the CHECK constraint */
    pg_store_col_text(res, row, 10, r->error_code, sizeof(r->error_code));
    pg_store_col_text(res, row, 11, r->error_message, sizeof(r->error_message));
    r->error_at = pg_store_col_i64(res, row, 12);
    r->created_at = pg_store_col_i64(res, row, 13);
    r->ready_at = pg_store_col_i64(res, row, 14);
    r->last_played_at = pg_store_col_i64(res, row, 15);
}

void pg_store_read_run(const PGresult *res, int row, struct store_run *r)
{
    char status[16];

    memset(r, 0, sizeof(*r));
    r->id = pg_store_col_i64(res, row, 0);
    pg_store_col_text(res, row, 1, r->call_sid, sizeof(r->call_sid));
    pg_store_col_text(res, row, 2, status, sizeof(status));
    if (!run_status_parse(status, &r->status))
        r->status = RUN_FAILED; /* unreachable: the CHECK constraint */
    r->attempt = (int)pg_store_col_i64(res, row, 3);
    pg_store_col_text(res, row, 4, r->lease_owner, sizeof(r->lease_owner));
    r->lease_expires_at = pg_store_col_i64(res, row, 5);
    r->next_attempt_at = pg_store_col_i64(res, row, 6);
    r->bytes_done = pg_store_col_i64(res, row, 7);
    r->bytes_total = pg_store_col_i64(res, row, 8);
    pg_store_col_text(res, row, 9, r->error_code, sizeof(r->error_code));
    pg_store_col_text(res, row, 10, r->error_message, sizeof(r->error_message));
    r->created_at = pg_store_col_i64(res, row, 11);
    r->started_at = pg_store_col_i64(res, row, 12);
    r->finished_at = pg_store_col_i64(res, row, 13);
    pg_store_col_text(res, row, 14, r->recording_sid, sizeof(r->recording_sid));
    r->pending_since = pg_store_col_i64(res, row, 15);
}

/* ---- statements --------------------------------------------------------- */

/* Deadlock or serialization failure: the server rolled the transaction
 * back, so running the whole op again is safe. */
static bool is_transient(const char *sqlstate)
{
    return sqlstate && (strcmp(sqlstate, "40P01") == 0 || strcmp(sqlstate, "40001") == 0);
}

static void note_failure(struct pg_op *op, const char *sql, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char msg[512];

    op->broken = PQstatus(op->conn) != CONNECTION_OK;
    op->transient = is_transient(state);
    scrub(op->s, res ? PQresultErrorMessage(res) : PQerrorMessage(op->conn), msg, sizeof(msg));
    if (!msg[0])
        scrub(op->s, PQerrorMessage(op->conn), msg, sizeof(msg));
    log_event(op->broken || op->transient ? LOG_WARN : LOG_ERROR, "STORE_ERROR",
              LF_S("backend", "postgres"), LF_S("what", sql), LF_S("sqlstate", state),
              LF_S("msg", msg));
}

recd_err pg_store_exec(struct pg_op *op, const char *sql, const struct pg_params *p,
                       PGresult **pres)
{
    PGresult *res = PQexecParams(op->conn, sql, p ? p->n : 0, NULL, p ? p->values : NULL,
                                 NULL, NULL, 0);
    ExecStatusType rs = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    recd_err err = RECD_ESTORE;

    if (pres)
        *pres = NULL;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        note_failure(op, sql, res);
        goto out;
    }
    err = RECD_OK;
    if (pres) {
        *pres = res;
        res = NULL;
    }
out:
    PQclear(res);
    return err;
}

recd_err pg_store_exec_script(struct pg_op *op, const char *sql)
{
    PGresult *res = PQexec(op->conn, sql);
    ExecStatusType rs = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    recd_err err = RECD_OK;

    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        note_failure(op, "script", res);
        err = RECD_ESTORE;
    }
    PQclear(res);
    return err;
}

/* ---- the pool ----------------------------------------------------------- */

/* Our defaults come before the URL, so the URL's own values win. */
static PGconn *connect_one(struct pg_store *s, char *err, size_t errlen)
{
    static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
    const char *vals[] = { CONNECT_TIMEOUT_S, "recd", s->conninfo, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    char msg[400];

    if (!c) {
        snprintf(err, errlen, "postgres: out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        scrub(s, PQerrorMessage(c), msg, sizeof(msg));
        snprintf(err, errlen, "postgres: cannot connect: %s", msg);
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, on_notice, NULL);
    return c;
}

/* Take a slot: an idle connection if there is one, else a slot still to
 * connect (*pconn NULL), else wait for one to come back. */
static int lend(struct pg_store *s, PGconn **pconn)
{
    int slot = -1;

    pthread_mutex_lock(&s->mu);
    while (slot < 0) {
        for (int i = 0; i < PG_POOL_SIZE; i++) {
            if (!s->lent[i] && (slot < 0 || (s->conns[i] && !s->conns[slot])))
                slot = i;
        }
        if (slot < 0)
            pthread_cond_wait(&s->cond, &s->mu);
    }
    s->lent[slot] = true;
    *pconn = s->conns[slot];
    pthread_mutex_unlock(&s->mu);
    return slot;
}

/* A connection that is not idle and healthy is closed, not pooled: the
 * next borrower of the slot connects afresh. */
static void give_back(struct pg_store *s, int slot, PGconn *conn)
{
    if (conn && (PQstatus(conn) != CONNECTION_OK ||
                 PQtransactionStatus(conn) != PQTRANS_IDLE)) {
        PQfinish(conn);
        conn = NULL;
    }
    pthread_mutex_lock(&s->mu);
    s->conns[slot] = conn;
    s->lent[slot] = false;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

/* give_back() pools only healthy idle connections; a slot without one
 * connects here, outside the pool lock. */
static recd_err ready_conn(struct pg_store *s, PGconn **pconn)
{
    char err[512];

    if (*pconn)
        return RECD_OK;
    *pconn = connect_one(s, err, sizeof(err));
    if (*pconn)
        return RECD_OK;
    log_event(LOG_ERROR, "STORE_ERROR", LF_S("backend", "postgres"), LF_S("what", "connect"),
              LF_S("msg", err));
    return RECD_ESTORE;
}

/* ---- the operation runner ----------------------------------------------- */

static void rollback(struct pg_op *op)
{
    PGTransactionStatusType ts = PQtransactionStatus(op->conn);

    if (PQstatus(op->conn) == CONNECTION_OK && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
        PQclear(PQexec(op->conn, "ROLLBACK"));
}

/* One attempt; *pdoubt when COMMIT was sent and its outcome is unknown. */
static recd_err attempt_op(struct pg_op *op, bool write, pg_store_op_cb fn, void *ctx,
                           bool *pdoubt)
{
    PGresult *res = NULL;
    recd_err err;

    *pdoubt = false;
    op->broken = op->transient = false;
    if (!write)
        return fn(op, ctx);
    err = pg_store_exec(op, "BEGIN", NULL, NULL);
    if (err == RECD_OK)
        err = fn(op, ctx);
    if (err != RECD_OK) {
        rollback(op);
        goto out;
    }
    err = pg_store_exec(op, "COMMIT", NULL, &res);
    *pdoubt = err != RECD_OK && op->broken;
    /* COMMIT of a failed transaction "succeeds" as ROLLBACK. */
    if (err == RECD_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0)
        err = RECD_ESTORE;
out:
    PQclear(res);
    return err;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

recd_err pg_store_op(struct pg_store *s, bool write, pg_store_op_cb fn, void *ctx)
{
    struct pg_op op = { .s = s };
    int slot = lend(s, &op.conn);
    int resets = 0, transients = 0;
    bool doubt = false;
    recd_err err = ready_conn(s, &op.conn);

    while (err == RECD_OK) {
        err = attempt_op(&op, write, fn, ctx, &doubt);
        if (err == RECD_OK)
            break;
        if (op.broken && !doubt && resets++ == 0) {
            /* The server restarted or dropped us: reconnect once and run
             * the op again; nothing of it was committed. */
            PQreset(op.conn);
            log_event(LOG_WARN, "STORE_RECONNECT", LF_S("backend", "postgres"),
                      LF_S("result", PQstatus(op.conn) == CONNECTION_OK ? "ok" : "failed"));
            if (PQstatus(op.conn) == CONNECTION_OK) {
                err = RECD_OK;
                continue;
            }
            err = RECD_ESTORE;
        } else if (op.transient && transients++ < TRANSIENT_RETRIES) {
            sleep_ms(5L * transients);
            err = RECD_OK;
            continue;
        }
        break;
    }
    give_back(s, slot, op.conn);
    return err;
}

/* ---- open / close ------------------------------------------------------- */

void pg_store_close(struct store *st)
{
    struct pg_store *s = pg_store_of(st);

    for (int i = 0; i < PG_POOL_SIZE; i++) {
        RECD_ASSERT(!s->lent[i]); /* closing a store that is in use is a bug */
        if (s->conns[i])
            PQfinish(s->conns[i]);
    }
    if (s->conninfo) {
        explicit_bzero(s->conninfo, strlen(s->conninfo));
        free(s->conninfo);
    }
    if (s->password) {
        explicit_bzero(s->password, strlen(s->password));
        free(s->password);
    }
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Remember the password (to scrub messages); false if libpq cannot parse
 * the URL. libpq's own parse message is not shown: it may quote the URL. */
static bool parse_url(struct pg_store *s)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(s->conninfo, &perr);

    PQfreemem(perr);
    if (!opts)
        return false;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val && o->val[0])
            s->password = xstrdup(o->val);
    }
    PQconninfoFree(opts);
    return true;
}

struct store *pg_store_open(const char *target, char *err, size_t errlen)
{
    struct pg_store *s = xcalloc(1, sizeof(*s));
    size_t len = strlen("postgresql://") + strlen(target) + 1;

    s->base.be = &store_backend_postgres;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->conninfo = xmalloc(len);
    snprintf(s->conninfo, len, "postgresql://%s", target);
    if (!PQisthreadsafe()) {
        snprintf(err, errlen, "postgres: libpq was built without thread support");
        goto fail;
    }
    if (!parse_url(s)) {
        snprintf(err, errlen, "postgres: invalid connection URL "
                              "(want postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?PARAM=…])");
        goto fail;
    }
    s->conns[0] = connect_one(s, err, errlen);
    if (!s->conns[0])
        goto fail;
    return &s->base;
fail:
    pg_store_close(&s->base);
    return NULL;
}

static recd_err do_ping(struct pg_op *op, void *ctx)
{
    PGresult *res = NULL;
    recd_err err = pg_store_exec(op, "SELECT 1", NULL, &res);

    (void)ctx;
    if (err == RECD_OK && PQntuples(res) != 1)
        err = RECD_ESTORE;
    PQclear(res);
    return err;
}

recd_err pg_store_ping(struct store *st)
{
    return pg_store_op(pg_store_of(st), false, do_ping, NULL);
}
