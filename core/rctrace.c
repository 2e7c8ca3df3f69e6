/*
 * rctrace.c - reading a saved recentchange capture into a timed trace (see rctrace.h).
 *
 * The text goes through the SSE parser (or its JSON-lines mode) and each event through the
 * recentchange decoder; kept events are appended to one array of (time, rev ID, arrival
 * index) that is sorted at the end.  The arrival index makes the sort stable, so events with
 * the same meta.dt keep the stream's order and the result does not depend on qsort.
 */
#include "core/rctrace.h"

#include "core/grow.h"
#include "core/recentchange.h"
#include "core/sse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    int64_t t_us, rev_id;
    size_t idx;
};

struct rt_rctrace {
    struct rt_sse *sse;     /* owned */
    const char *wiki;       /* borrowed */
    struct row *rows;       /* owned */
    size_t n, cap;
    size_t first_line;
    size_t skipped_wiki, skipped_type, reordered;
    int64_t last_t_us;
    /* the callback's error */
    char err[256];
    size_t err_line;
};

enum rt_rctrace_kind rt_rctrace_sniff(const void *head, size_t len)
{
    static const char *const fields[] = { "event:", "id:", "data:", "retry:" };
    const char *s = head;
    size_t i = 0;
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len)
        return RT_RCTRACE_NONE;
    if (s[i] == '{')
        return RT_RCTRACE_JSONL;
    if (s[i] == ':')
        return RT_RCTRACE_SSE;
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        size_t n = strlen(fields[k]);
        if (len - i >= n && memcmp(s + i, fields[k], n) == 0)
            return RT_RCTRACE_SSE;
    }
    return RT_RCTRACE_NONE;
}

static int on_event(void *ctx, const struct rt_sse_event *ev)
{
    struct rt_rctrace *r = ctx;
    struct rt_rc_event rc;
    if (rt_rc_decode(ev->data, ev->data_len, r->wiki, &rc, r->err, sizeof r->err) != 0) {
        r->err_line = ev->line;
        return -1;
    }
    if (rc.cls == RT_RC_OTHER_WIKI) {
        r->skipped_wiki++;
        return 0;
    }
    if (rc.cls == RT_RC_OTHER_TYPE) {
        r->skipped_type++;
        return 0;
    }
    struct row *rows = rt_grow(r->rows, r->n, &r->cap, sizeof *rows, 1024);
    if (!rows) {
        snprintf(r->err, sizeof r->err, "out of memory after %zu events", r->n);
        r->err_line = ev->line;
        return -1;
    }
    r->rows = rows;
    if (r->n == 0)
        r->first_line = ev->line;
    else if (rc.t_unix_us < r->last_t_us)
        r->reordered++;
    if (r->n == 0 || rc.t_unix_us > r->last_t_us)
        r->last_t_us = rc.t_unix_us;
    rows[r->n] = (struct row){ rc.t_unix_us, rc.rev_id, r->n };
    r->n++;
    return 0;
}

struct rt_rctrace *rt_rctrace_new(enum rt_rctrace_kind kind, const char *wiki)
{
    struct rt_rctrace *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->wiki = wiki;
    r->sse = rt_sse_new(kind == RT_RCTRACE_JSONL ? RT_SSE_LINES : RT_SSE_EVENTS, 0, on_event,
                        r);
    if (!r->sse) {
        free(r);
        return NULL;
    }
    return r;
}

void rt_rctrace_free(struct rt_rctrace *r)
{
    if (!r)
        return;
    rt_sse_free(r->sse);
    free(r->rows);
    free(r);
}

/* A parser result: the callback's error, or the parser's own. */
static int parse_failed(struct rt_rctrace *r, int rc, size_t *line, char *err, size_t errlen)
{
    if (rc == -1 && !r->err[0]) {
        *line = rt_sse_error_line(r->sse);
        return -1;              /* the parser's message is in err */
    }
    *line = r->err_line;
    snprintf(err, errlen, "%s", r->err);
    return -1;
}

int rt_rctrace_feed(struct rt_rctrace *r, const void *text, size_t len, size_t *line,
                    char *err, size_t errlen)
{
    int rc = rt_sse_feed(r->sse, text, len, err, errlen);
    return rc == 0 ? 0 : parse_failed(r, rc, line, err, errlen);
}

static int by_time(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->t_us != y->t_us)
        return x->t_us < y->t_us ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int rt_rctrace_finish(struct rt_rctrace *r, struct rt_trace *out, size_t *line, char *err,
                      size_t errlen)
{
    size_t last_line = 0;
    int rc = rt_sse_finish(r->sse, &last_line, err, errlen);
    if (rc < 0)
        return parse_failed(r, rc, line, err, errlen);
    *line = 0;
    if (r->n == 0) {
        snprintf(err, errlen, "an EventStreams capture without any %s edit/new event "
                 "(%zu of other wikis, %zu of other types)",
                 r->wiki ? r->wiki : RT_RC_DEFAULT_WIKI, r->skipped_wiki, r->skipped_type);
        return -1;
    }
    int64_t *rev = malloc(r->n * sizeof *rev);
    int64_t *t = malloc(r->n * sizeof *t);
    if (!rev || !t) {
        free(rev);
        free(t);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (r->reordered)
        qsort(r->rows, r->n, sizeof *r->rows, by_time);
    for (size_t i = 0; i < r->n; i++) {
        rev[i] = r->rows[i].rev_id;
        t[i] = r->rows[i].t_us;
    }
    memset(out, 0, sizeof *out);
    out->rev_id = rev;
    out->t_unix_us = t;
    out->n = r->n;
    out->first_line = r->first_line;
    out->events = 1;
    out->skipped_wiki = r->skipped_wiki;
    out->skipped_type = r->skipped_type;
    out->reordered = r->reordered;
    out->dropped_last = rc == 1;
    return 0;
}
