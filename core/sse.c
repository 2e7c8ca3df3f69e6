/*
 * sse.c - the incremental Server-Sent Events parser (see sse.h for the rules it follows).
 *
 * Bytes are split into lines here, one byte at a time through a small state machine (a CR
 * remembers that a following LF belongs to the same line end, even across chunks), so the
 * result cannot depend on how the input was chunked.  Each complete line is then read as a
 * field.  The current line, the event's data, its type and the last event ID live in buffers
 * that grow on demand up to max_line bytes and are reused for the whole stream.
 */
#include "core/sse.h"

#include "core/grow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated byte buffer of at most max bytes (plus the NUL). */
struct buf {
    char *s;                /* owned */
    size_t len, cap;
};

struct rt_sse {
    enum rt_sse_mode mode;
    size_t max_line;
    rt_sse_event_fn fn;
    void *ctx;

    struct buf line;        /* the line being read */
    int cr_pending;         /* the last byte was a CR: a LF now ends nothing */
    int at_start;           /* nothing read yet: a BOM may come */
    size_t bom;             /* BOM bytes matched so far */
    size_t lines;           /* complete lines so far */

    struct buf data;        /* the pending event's data, "\n" after each data line */
    int has_data;
    size_t data_line;       /* line of its first data line */
    struct buf type;
    struct buf id;          /* the last event ID: persists across events */
    int stopped;
    size_t err_line;        /* the line of the last error */
};

/* Set b to its first `at` bytes followed by s[0..n), NUL-terminated.  0, or -1 (b as it was). */
static int buf_set(struct buf *b, size_t at, const char *s, size_t n)
{
    size_t old = b->len;
    b->len = at;
    if (rt_append(&b->s, &b->len, &b->cap, s, n, 256) != 0 ||
        rt_append(&b->s, &b->len, &b->cap, "", 1, 256) != 0) {
        b->len = old;
        return -1;
    }
    b->len--;                   /* the NUL is not counted */
    return 0;
}

static int failf(struct rt_sse *p, size_t line, char *err, size_t errlen, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static int failf(struct rt_sse *p, size_t line, char *err, size_t errlen, const char *fmt, ...)
{
    p->stopped = 1;
    p->err_line = line;
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

struct rt_sse *rt_sse_new(enum rt_sse_mode mode, size_t max_line, rt_sse_event_fn fn,
                          void *ctx)
{
    struct rt_sse *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->mode = mode;
    p->max_line = max_line ? max_line : RT_SSE_MAX_LINE;
    p->fn = fn;
    p->ctx = ctx;
    p->at_start = 1;
    if (buf_set(&p->id, 0, "", 0) != 0 || buf_set(&p->type, 0, "", 0) != 0 ||
        buf_set(&p->data, 0, "", 0) != 0 || buf_set(&p->line, 0, "", 0) != 0) {
        rt_sse_free(p);
        return NULL;
    }
    return p;
}

void rt_sse_free(struct rt_sse *p)
{
    if (!p)
        return;
    free(p->line.s);
    free(p->data.s);
    free(p->type.s);
    free(p->id.s);
    free(p);
}

static void clear_event(struct rt_sse *p)
{
    p->has_data = 0;
    p->data.len = 0;
    p->data.s[0] = '\0';
    p->type.len = 0;
    p->type.s[0] = '\0';
}

/* Hand the pending event to the callback (data without its last "\n"). */
static int dispatch(struct rt_sse *p)
{
    if (!p->has_data) {
        clear_event(p);
        return 0;
    }
    size_t n = p->data.len;
    if (n && p->data.s[n - 1] == '\n')
        p->data.s[--n] = '\0';
    struct rt_sse_event ev = { p->data.s, n, p->type.s, p->id.s, p->data_line };
    int rc = p->fn(p->ctx, &ev);
    clear_event(p);
    return rc;
}

/* One complete line of an event stream (s is NUL-terminated, no line end). */
static int field_line(struct rt_sse *p, const char *s, size_t n, size_t lineno, char *err,
                      size_t errlen)
{
    if (n == 0)
        return dispatch(p);
    if (s[0] == ':')
        return 0;                               /* a comment, e.g. ":ok" */
    const char *colon = memchr(s, ':', n);
    size_t name_len = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    if (colon && *v == ' ')
        v++;
    size_t vlen = (size_t)(s + n - v);
    int r = 0;
    if (name_len == 4 && memcmp(s, "data", 4) == 0) {
        if (p->data.len + vlen + 1 > p->max_line)
            return failf(p, lineno, err, errlen, "an event's data is over %zu bytes",
                         p->max_line);
        if (!p->has_data)
            p->data_line = lineno;
        p->has_data = 1;
        r = buf_set(&p->data, p->data.len, v, vlen);
        if (r == 0)
            r = buf_set(&p->data, p->data.len, "\n", 1);
    } else if (name_len == 5 && memcmp(s, "event", 5) == 0) {
        r = buf_set(&p->type, 0, v, vlen);
    } else if (name_len == 2 && memcmp(s, "id", 2) == 0) {
        r = buf_set(&p->id, 0, v, vlen);
    }                                           /* retry and unknown fields: ignored */
    if (r != 0)
        return failf(p, lineno, err, errlen, "out of memory");
    return 0;
}

/* A line is complete: read it as a field, or as one JSON line in RT_SSE_LINES mode. */
static int end_line(struct rt_sse *p, char *err, size_t errlen)
{
    size_t lineno = ++p->lines;
    char *s = p->line.s;
    size_t n = p->line.len;
    p->line.len = 0;
    if (p->mode == RT_SSE_EVENTS)
        return field_line(p, s, n, lineno, err, errlen);
    size_t k = strspn(s, " \t");
    if (k == n)
        return 0;                               /* blank */
    p->has_data = 1;
    p->data_line = lineno;
    if (buf_set(&p->data, 0, s, n) != 0)
        return failf(p, lineno, err, errlen, "out of memory");
    return dispatch(p);
}

/* Skip a UTF-8 BOM at the very start; returns how many bytes of buf it took. */
static size_t skip_bom(struct rt_sse *p, const unsigned char *b, size_t len)
{
    static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
    size_t i = 0;
    while (p->at_start && i < len) {
        if (b[i] != bom[p->bom]) {
            /* not a BOM after all: the matched bytes are text */
            p->at_start = 0;
            if (p->bom && buf_set(&p->line, 0, (const char *)bom, p->bom) != 0)
                return (size_t)-1;
            return i;
        }
        i++;
        if (++p->bom == 3)
            p->at_start = 0;
    }
    return i;
}

int rt_sse_feed(struct rt_sse *p, const void *buf, size_t len, char *err, size_t errlen)
{
    if (p->stopped)
        return failf(p, 0, err, errlen, "the parser has stopped");
    const unsigned char *b = buf;
    size_t i = skip_bom(p, b, len);
    if (i == (size_t)-1)
        return failf(p, p->lines + 1, err, errlen, "out of memory");
    while (i < len) {
        /* copy the run of ordinary bytes up to the next line end at once */
        size_t j = i;
        while (j < len && b[j] != '\n' && b[j] != '\r' && b[j] != '\0')
            j++;
        if (j > i) {
            p->cr_pending = 0;
            if (p->line.len + (j - i) > p->max_line)
                return failf(p, p->lines + 1, err, errlen, "a line longer than %zu bytes",
                             p->max_line);
            if (buf_set(&p->line, p->line.len, (const char *)b + i, j - i) != 0)
                return failf(p, p->lines + 1, err, errlen, "out of memory");
        }
        if (j == len)
            break;
        unsigned char c = b[j];
        i = j + 1;
        if (c == '\0')
            return failf(p, p->lines + 1, err, errlen, "a NUL byte");
        if (c == '\n' && p->cr_pending) {
            p->cr_pending = 0;                  /* the LF of a CRLF */
            continue;
        }
        p->cr_pending = (c == '\r');
        int rc = end_line(p, err, errlen);
        if (rc != 0) {
            p->stopped = 1;
            return rc;
        }
    }
    return 0;
}

int rt_sse_finish(struct rt_sse *p, size_t *line, char *err, size_t errlen)
{
    if (p->stopped)
        return failf(p, 0, err, errlen, "the parser has stopped");
    if (p->at_start && p->bom) {                /* a lone partial BOM is text */
        p->at_start = 0;
        if (buf_set(&p->line, 0, "\xef\xbb\xbf", p->bom) != 0)
            return failf(p, p->lines + 1, err, errlen, "out of memory");
    }
    if (p->line.len > 0) {
        int rc = end_line(p, err, errlen);
        if (rc != 0) {
            p->stopped = 1;
            return rc;
        }
    }
    if (!p->has_data)
        return 0;
    if (line)
        *line = p->data_line;
    clear_event(p);
    return 1;
}

void rt_sse_reset(struct rt_sse *p)
{
    clear_event(p);
    p->line.len = 0;
    p->line.s[0] = '\0';
    p->cr_pending = 0;
    p->at_start = 1;
    p->bom = 0;
    p->stopped = 0;
}

const char *rt_sse_last_id(const struct rt_sse *p)
{
    return p->id.s;
}

size_t rt_sse_error_line(const struct rt_sse *p)
{
    return p->err_line;
}

size_t rt_sse_lines(const struct rt_sse *p)
{
    return p->lines;
}
