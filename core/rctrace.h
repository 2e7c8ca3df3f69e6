/*
 * rctrace.h - a saved EventStreams `recentchange` capture read as a timed trace.
 *
 * core/trace.c recognises the capture by its first bytes (never by the file name) and hands
 * the decompressed text here: the SSE form that `curl -s .../v2/stream/recentchange > rc.sse`
 * writes (core/sse.c), or JSON lines (one event object per line).  The kept events
 * (core/recentchange.h) become rows: rev_id = revision.new, time = meta.dt.  The stream is in
 * arrival order, which is not quite meta.dt order (events of several hosts interleave), so
 * the rows are sorted by time, stably; how many were out of order is counted.
 */
#ifndef RT_RCTRACE_H
#define RT_RCTRACE_H

#include <stddef.h>

#include "core/trace.h"

enum rt_rctrace_kind { RT_RCTRACE_NONE = 0, RT_RCTRACE_SSE = 1, RT_RCTRACE_JSONL = 2 };

/*
 * What the first bytes of a text say: after blank lines, a line that starts with ':' or
 * with "event:", "id:", "data:" or "retry:" is SSE; one that starts with '{' is JSON lines;
 * anything else (or only blank space) is RT_RCTRACE_NONE.
 */
enum rt_rctrace_kind rt_rctrace_sniff(const void *head, size_t len);

struct rt_rctrace;

/* A reader of that kind keeping events of wiki (NULL: wikidatawiki).  NULL when out of
   memory.  Free with rt_rctrace_free. */
struct rt_rctrace *rt_rctrace_new(enum rt_rctrace_kind kind, const char *wiki);
void rt_rctrace_free(struct rt_rctrace *r);

/* More text.  0, or -1 with what in err and the physical line (1-based) in *line. */
int rt_rctrace_feed(struct rt_rctrace *r, const void *text, size_t len, size_t *line,
                    char *err, size_t errlen);

/*
 * End of the text: the kept rows (sorted by time), the counts of skipped events, into *out
 * (out->events = 1).  0, or -1 with err and *line (0 when no line applies, e.g. no events).
 */
int rt_rctrace_finish(struct rt_rctrace *r, struct rt_trace *out, size_t *line, char *err,
                      size_t errlen);

#endif
