/*
 * trace.h - input files: revision-ID lists and timed traces (libcsv + zlib).
 *
 * CSV or TSV (the delimiter is detected from the first line: a tab means TSV), gzip when the
 * file starts with the gzip magic (not by name), with or without a header.  Headerless: the
 * first column is the rev ID.  With a header: column "rev_id" (or
 * opts->column) and "timestamp" (or "ts", "time"), names matched case-insensitively.
 * Headerless timed trace: the field that can only be a time (ISO-8601, or Unix seconds with
 * a fraction) is the timestamp, in either order; two plain integers read as rev_id, seconds.
 * Timestamps: ISO-8601 UTC or Unix seconds with a fraction.
 * A bad line is an error "FILE:LINE:COLUMN: what" (1-based physical line, the header counts).
 * Blank lines are skipped.  Rev IDs must be positive integers.
 * A saved EventStreams recentchange capture (SSE or JSON lines, recognised by its first
 * bytes) is read by core/rctrace.c instead: one row per kept event, times from meta.dt.
 */
#ifndef RT_TRACE_H
#define RT_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct rt_trace_opts {
    const char *column;     /* rev-ID column name; NULL means "rev_id" */
    int need_time;          /* 1: a timestamp column is required (timed trace for replay) */
    const char *wiki;       /* an EventStreams capture: keep this wiki; NULL: wikidatawiki */
};

struct rt_trace {
    int64_t *rev_id;        /* owned, n entries */
    int64_t *t_unix_us;     /* owned, n entries; NULL when the file has no timestamps */
    size_t n;
    size_t first_line;      /* physical line of the first data row (2 with a header) */
    /* An EventStreams recentchange capture (core/rctrace.h) sets events = 1 and these: */
    int events;
    size_t skipped_wiki;    /* events of other wikis */
    size_t skipped_type;    /* events of the wiki that are not edit/new */
    size_t reordered;       /* kept events that came before an earlier meta.dt */
    int dropped_last;       /* 1: the last event had no closing blank line and was dropped */
};

/*
 * Load the whole file.  path "-" is stdin.  Returns 0 with *out filled (free with
 * rt_trace_free), or -1 with "FILE:LINE:COLUMN: message" (or "FILE: message") in err.
 * An empty file (no data rows) is an error.
 */
int rt_trace_load(const char *path, const struct rt_trace_opts *opts, struct rt_trace *out,
                  char *err, size_t errlen);
/* The same from a memory buffer (already decompressed or not); name is used in messages. */
int rt_trace_load_buffer(const char *name, const void *buf, size_t len,
                         const struct rt_trace_opts *opts, struct rt_trace *out, char *err,
                         size_t errlen);
void rt_trace_free(struct rt_trace *t);

#endif
