/* SPDX-License-Identifier: MIT */
/*
 * log.h — one line per event, logfmt (default) or JSON, to stderr.
 *   log_event(LOG_INFO, "RUN_START", LF_S("call_sid", sid), LF_I("attempt", 2));
 * The logger quotes and escapes values; callers pass raw strings.
 * Thread-safe: each line is written with a single write(2).
 */
#ifndef RECD_UTIL_LOG_H
#define RECD_UTIL_LOG_H

#include "common.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_LOGFMT = 0, LOG_JSON };

struct log_field {
    const char *key;
    const char *s; /* string value, or NULL for an integer field */
    int64_t i;
};

static inline const char *log_str_or_empty(const char *s)
{
    return s ? s : "";
}

#define LF_S(k, v) ((struct log_field){ (k), log_str_or_empty(v), 0 })
#define LF_I(k, v) ((struct log_field){ (k), NULL, (int64_t)(v) })

/** Configure at start-up, before threads exist. */
void log_init(enum log_format format, enum log_level min_level);
/** Change format and level while threads run (SIGHUP). */
void log_set(enum log_format format, enum log_level min_level);
bool log_format_parse(const char *s, enum log_format *pf);
/** "debug" | "info" | "warn" | "error" into *pl; false for anything else. */
bool log_level_parse(const char *s, enum log_level *pl);

void log_fields(enum log_level level, const char *event, size_t n, const struct log_field *f);

#define log_event(level, event, ...)                                                         \
    log_fields((level), (event),                                                             \
               sizeof((struct log_field[]){ __VA_ARGS__ }) / sizeof(struct log_field),       \
               (struct log_field[]){ __VA_ARGS__ })
#define log_event0(level, event) log_fields((level), (event), 0, NULL)

#endif
