/* SPDX-License-Identifier: MIT */
/*
 * redis.c — the herd gate on hiredis. Short timeouts (a gate that stalls
 * requests would be worse than none), reconnect on the next call after
 * any error.
 */
#include "gate/redis.h"
#include "util/log.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GATE_TIMEOUT_MS 200

struct gate {
    pthread_mutex_t lock;  /* guards ctx */
    redisContext *ctx;     /* NULL until connected, or after an error */
    char host[256];
    int port;
    int db;
    char owner[128];
};

static bool parse_url(const char *url, struct gate *g)
{
    if (strncmp(url, "redis://", 8) != 0)
        return false;
    const char *p = url + 8;
    const char *colon = strchr(p, ':');
    const char *slash = strchr(p, '/');
    size_t hostlen = colon ? (size_t)(colon - p) : slash ? (size_t)(slash - p) : strlen(p);
    if (hostlen == 0 || hostlen >= sizeof(g->host))
        return false;
    memcpy(g->host, p, hostlen);
    g->host[hostlen] = '\0';
    g->port = 6379;
    char *end = NULL;
    if (colon) {
        long port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || port < 1 || port > 65535 || (*end && *end != '/'))
            return false;
        g->port = (int)port;
    }
    if (slash) {
        long db = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || db < 0 || db > 15)
            return false;
        g->db = (int)db;
    }
    return true;
}

struct gate *gate_new(const char *url, const char *owner, char *err, size_t errlen)
{
    struct gate *g = xcalloc(1, sizeof(*g));
    if (!parse_url(url, g)) {
        snprintf(err, errlen, "--redis: expected redis://HOST[:PORT][/DB]");
        free(g);
        return NULL;
    }
    recd_strlcpy(g->owner, owner, sizeof(g->owner));
    pthread_mutex_init(&g->lock, NULL);
    return g;
}

void gate_free(struct gate *g)
{
    if (!g)
        return;
    if (g->ctx)
        redisFree(g->ctx);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

static void drop(struct gate *g, const char *why)
{
    log_event(LOG_WARN, "GATE_ERROR", LF_S("error", why));
    if (g->ctx)
        redisFree(g->ctx);
    g->ctx = NULL;
}

/* With the lock held: a connected context, or NULL. */
static redisContext *connected(struct gate *g)
{
    if (g->ctx)
        return g->ctx;
    struct timeval tv = { .tv_sec = 0, .tv_usec = GATE_TIMEOUT_MS * 1000 };
    g->ctx = redisConnectWithTimeout(g->host, g->port, tv);
    if (!g->ctx || g->ctx->err) {
        drop(g, g->ctx ? g->ctx->errstr : "cannot connect");
        return NULL;
    }
    redisSetTimeout(g->ctx, tv);
    if (g->db > 0) {
        redisReply *r = redisCommand(g->ctx, "SELECT %d", g->db);
        bool ok = r && r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (!ok) {
            drop(g, "SELECT failed");
            return NULL;
        }
    }
    return g->ctx;
}

enum gate_result gate_acquire(struct gate *g, const char *call_sid)
{
    enum gate_result result = GATE_ERROR;
    pthread_mutex_lock(&g->lock);
    redisContext *c = connected(g);
    redisReply *r = c ? redisCommand(c, "SET recd:run:%s %s NX PX %d", call_sid, g->owner, GATE_TTL_MS)
                      : NULL;
    if (r && r->type == REDIS_REPLY_STATUS)
        result = GATE_ACQUIRED; /* "OK" */
    else if (r && r->type == REDIS_REPLY_NIL)
        result = GATE_HELD;
    else if (c)
        drop(g, r && r->type == REDIS_REPLY_ERROR ? r->str : "SET failed");
    freeReplyObject(r);
    pthread_mutex_unlock(&g->lock);
    return result;
}

void gate_release(struct gate *g, const char *call_sid)
{
    pthread_mutex_lock(&g->lock);
    redisContext *c = connected(g);
    redisReply *r = c ? redisCommand(c, "DEL recd:run:%s", call_sid) : NULL;
    if (c && !r)
        drop(g, "DEL failed");
    freeReplyObject(r);
    pthread_mutex_unlock(&g->lock);
}
