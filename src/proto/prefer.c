/* SPDX-License-Identifier: MIT */
/*
 * prefer.c — RFC 7240 Prefer parsing, reduced to what recd acts on.
 *
 *   Prefer     = 1#preference
 *   preference = token [ BWS "=" BWS word ] *( OWS ";" [ OWS parameter ] )
 *
 * Only a top-level preference named "wait" counts ("respond-async; wait=5"
 * carries a parameter, not the preference). Per §2 only the first "wait"
 * is considered. Other preferences are skipped without judging their
 * syntax: a client's odd extension must not cost it its wait. Commas inside
 * quoted strings do not split preferences. Pure: any thread.
 */
#include "proto/prefer.h"
#include "proto/lex.h"

#include <string.h>
#include <strings.h>

#define WAIT_PARAM_DIGITS 6

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* tchar per RFC 9110 §5.6.2. */
static bool is_tchar(char c)
{
    return c != '\0' && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
                         strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* n >= 1 digits to an int clamped to PREFER_WAIT_MAX, without overflow. */
static int clamp_digits(const char *p, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (p[i] - '0');
        if (v > PREFER_WAIT_MAX)
            return PREFER_WAIT_MAX;
    }
    return (int)v;
}

/* Just past the next top-level ',' (or the end), stepping over quoted-strings. */
static const char *next_element(const char *p)
{
    bool quoted = false;
    for (; *p; p++) {
        if (quoted) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            else if (*p == '"')
                quoted = false;
        } else if (*p == '"') {
            quoted = true;
        } else if (*p == ',') {
            return p + 1;
        }
    }
    return p;
}

/* BWS "=" BWS ( 1*DIGIT / DQUOTE 1*DIGIT DQUOTE ), then OWS and ';' ',' or end. */
static bool parse_wait_value(const char *p, int *pwait_s)
{
    p = lex_skip_ows(p);
    if (*p != '=')
        return false;
    p = lex_skip_ows(p + 1);
    bool quoted = *p == '"';
    if (quoted)
        p++;
    const char *digits = p;
    while (is_digit(*p))
        p++;
    size_t n = (size_t)(p - digits);
    if (n == 0)
        return false;
    if (quoted) {
        if (*p != '"')
            return false;
        p++;
    }
    p = lex_skip_ows(p);
    if (*p != ';' && *p != ',' && *p != '\0')
        return false;
    *pwait_s = clamp_digits(digits, n);
    return true;
}

bool prefer_wait(const char *header, int *pwait_s)
{
    if (!header || !pwait_s)
        return false;
    const char *p = header;
    while (*p) {
        p = lex_skip_ows(p);
        const char *name = p;
        while (is_tchar(*p))
            p++;
        if (p - name == 4 && strncasecmp(name, "wait", 4) == 0)
            return parse_wait_value(p, pwait_s);
        p = next_element(p);
    }
    return false;
}

bool prefer_wait_param(const char *value, int *pwait_s)
{
    if (!value || !pwait_s)
        return false;
    size_t n = strnlen(value, WAIT_PARAM_DIGITS + 1);
    if (n == 0 || n > WAIT_PARAM_DIGITS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(value[i]))
            return false;
    }
    *pwait_s = clamp_digits(value, n);
    return true;
}
