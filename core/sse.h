/*
 * sse.h - an incremental Server-Sent Events parser (the WHATWG "event stream" rules).
 *
 * Feed it bytes in chunks of any size (a chunk boundary may fall anywhere, inside a CRLF
 * too); it calls back once per dispatched event.  Lines end with CRLF, LF or CR.  A line
 * starting with ':' is a comment; "name:value" sets a field (one space after the colon is
 * dropped; a line without a colon is a field with an empty value).  `data` lines append to
 * the event's data, joined with "\n"; `event` sets its type; `id` sets the last event ID,
 * which persists across events as the rules say; `retry` is ignored.  A blank line dispatches
 * the event if it has data.  A UTF-8 BOM at the very start is skipped.  At the end of the
 * input an event without its blank line is not dispatched (the rules again): rt_sse_finish
 * says whether one was pending, so a saved capture cut mid-event can be reported.
 *
 * Bounds: a line longer than max_line bytes, an event whose data grows beyond max_line
 * bytes, or a NUL byte anywhere is an error (with the physical line, 1-based).  Memory is
 * bounded by those limits, whatever the input.
 *
 * RT_SSE_LINES mode reuses the line splitter for JSON lines: every non-blank line is one
 * event whose data is the line (no fields, no comments).
 */
#ifndef RT_SSE_H
#define RT_SSE_H

#include <stddef.h>

#define RT_SSE_MAX_LINE (1024 * 1024)   /* the default bound: 1 MiB */

enum rt_sse_mode { RT_SSE_EVENTS = 0, RT_SSE_LINES = 1 };

/* One dispatched event; every pointer is borrowed for the duration of the callback. */
struct rt_sse_event {
    const char *data;       /* NUL-terminated; data lines joined with "\n" */
    size_t data_len;
    const char *type;       /* the `event` field, "" when none was given ("message") */
    const char *id;         /* the last event ID so far (persists across events), "" none */
    size_t line;            /* physical line of the event's first data line */
};

/* Return 0 to go on, or a negative value to stop the parser: rt_sse_feed and rt_sse_finish
   then return that value (err untouched: the callback keeps its own message). */
typedef int (*rt_sse_event_fn)(void *ctx, const struct rt_sse_event *ev);

struct rt_sse;

/* A new parser (max_line 0 means RT_SSE_MAX_LINE).  NULL when out of memory.  Free with
   rt_sse_free. */
struct rt_sse *rt_sse_new(enum rt_sse_mode mode, size_t max_line, rt_sse_event_fn fn,
                          void *ctx);
void rt_sse_free(struct rt_sse *p);

/*
 * Parse len more bytes.  Returns 0; -1 on a bound violated or out of memory, with what in
 * err and the line in rt_sse_error_line; or the callback's negative return value.  After a nonzero return
 * every later call returns -1 ("stopped") until rt_sse_reset.
 */
int rt_sse_feed(struct rt_sse *p, const void *buf, size_t len, char *err, size_t errlen);

/*
 * End of input.  An unterminated last line is completed (as if a line end followed) so its
 * field counts, but the event still needs a blank line to be dispatched (in RT_SSE_LINES
 * mode the last line is an event like any other).  Returns 0, or 1 when an event with data
 * was pending and has been dropped (its first data line in *line when line is not NULL);
 * negative as rt_sse_feed.
 */
int rt_sse_finish(struct rt_sse *p, size_t *line, char *err, size_t errlen);

/* Reset for a new connection: clears the pending event and the line state, keeps the last
   event ID (a reconnect resumes from it).  Also clears a stopped state. */
void rt_sse_reset(struct rt_sse *p);

/* The last event ID seen so far ("" when none); borrowed until the next call. */
const char *rt_sse_last_id(const struct rt_sse *p);

/* The physical line (1-based) of the last -1 error. */
size_t rt_sse_error_line(const struct rt_sse *p);

/* Physical lines completed so far. */
size_t rt_sse_lines(const struct rt_sse *p);

#endif
